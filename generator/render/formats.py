"""JSON Schema ``format`` → what the generated models may check with pydantic alone.

Generated packages promise to need only ``websockets`` and ``pydantic``. datamodel-code-
generator maps some formats to types that need an extra (``email`` → ``EmailStr`` needs
``email-validator``, ``ulid`` → ``ULID`` needs ``python-ulid``) or that change the value on
the wire (``byte`` → ``Base64Str`` decodes it, a string ``integer`` becomes a number, a
``password`` becomes a ``SecretStr`` that serialises as ``**********``). So every format is
mapped here, explicitly: the formats in :data:`VALIDATED` keep their keyword (and their
pydantic type); any other format is removed before rendering and the field stays its plain
JSON type, with a note in its description saying the format is not checked. The table in
``docs/asyncapi.md`` lists both sets.
"""

from __future__ import annotations

from typing import Any

from ..naming import allowed_by, is_literal

VALIDATED: dict[tuple[str, str], str] = {
    ("string", "date-time"): "AwareDatetime",
    ("string", "date-time-local"): "NaiveDatetime",
    ("string", "date"): "date",
    ("string", "time"): "time",
    ("string", "time-local"): "time",
    ("string", "duration"): "timedelta",
    ("string", "uuid"): "UUID",
    ("string", "uuid1"): "UUID1",
    ("string", "uuid3"): "UUID3",
    ("string", "uuid4"): "UUID4",
    ("string", "uuid5"): "UUID5",
    ("string", "uri"): "AnyUrl",
    ("string", "ipv4"): "IPv4Address",
    ("string", "ipv6"): "IPv6Address",
    ("string", "ipv4-network"): "IPv4Network",
    ("string", "ipv6-network"): "IPv6Network",
    ("string", "hostname"): "str with the RFC 1123 pattern",
    ("string", "decimal"): "Decimal (exact; sent back as a string)",
    ("number", "decimal"): "Decimal (exact)",
    ("number", "float"): "float",
    ("number", "double"): "float",
    ("integer", "int32"): "int",
    ("integer", "int64"): "int",
}
"""(JSON type, format) pairs pydantic validates on its own, with the Python type they give."""


def portable(schema: Any) -> Any:
    """A copy of ``schema`` with every ``format`` outside :data:`VALIDATED` removed and noted
    in the description (``format `email` is not checked``), and without what no typed
    field can hold: a ``default`` the schema's own ``const``/``enum``/``type`` rule out, a
    ``const``/``enum`` with an integer past 64 bits; everything else unchanged."""
    if isinstance(schema, list):
        return [portable(v) for v in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas"):
            out[key] = {k: portable(v) for k, v in value.items()} if isinstance(value, dict) else value
        elif key in ("const", "enum") and any(_unwritable(v) for v in (value if key == "enum" else [value])):
            continue  # no Literal[...] holds it: the field keeps its plain type
        elif key == "default" and not allowed_by(schema, value):
            continue  # the schema's own const, enum or type rules it out: no typed default
        elif key in ("const", "enum", "default", "examples", "example"):
            out[key] = value  # data, not schemas
        else:
            out[key] = portable(value)
    fmt = schema.get("format")
    if isinstance(fmt, str) and not _validated(schema.get("type"), fmt):
        del out["format"]
        note = f"format `{fmt}` is not checked"
        description = out.get("description")
        out["description"] = f"{description} ({note})" if isinstance(description, str) and description else note
    return out


def _unwritable(value: Any) -> bool:
    """An integer mypy cannot read inside ``Literal[...]`` (past 64 bits)."""
    return isinstance(value, int) and not isinstance(value, bool) and not is_literal(value)


def _validated(kind: Any, fmt: str) -> bool:
    kinds = kind if isinstance(kind, list) else [kind if isinstance(kind, str) else "string"]
    return all((k, fmt) in VALIDATED or k == "null" for k in kinds)
