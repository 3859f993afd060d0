"""A message's recognition, written by a human, wins over its payload schema.

An overlay's ``messages.<key>.when`` (or ``x-nova-when``) exists to correct a document; when
the payload schema pins the same field to something else (Slack's ``botChanged`` is pinned
to ``type: bot_added``), the frame the overlay routes to the hook would fail the model and
the hook could never run. So each ``equals`` condition of such a recognition is written into
the message's own payload schema (``type`` becomes ``const: bot_changed``), with ``NOVA082``
saying so. A payload that is a ``$ref`` to a schema other messages share is left alone and
reported instead: changing it would change them.
"""

from __future__ import annotations

from typing import Any

from nova_runtime import protocol as p
from nova_runtime.pointer import unescape_token

from .. import ir
from ..diagnostics import Diagnostics
from .model import Message


def pin_schema(
    schemas: dict[str, Any],
    own: set[str],
    msg: Message,
    message: ir.JsonSchema,
    when: p.Match,
    diagnostics: Diagnostics,
) -> None:
    """Make ``schemas[<msg's payload>]`` accept every value ``when`` requires (see module);
    ``own`` names the schemas that are one message's inline payload."""
    ref = message.get("$ref")
    name = ref.removeprefix("#/$defs/") if isinstance(ref, str) else None
    for pointer, value in when.equals:
        target = _property(schemas, name, pointer)
        if target is None or _allows(target[1], value):
            continue
        owner, schema = target
        where = msg.doc.source.position(msg.pointer, key=True)
        if owner != name or owner not in own:
            diagnostics.warning(
                "NOVA082",
                f"message {msg.key!r} is recognised by {pointer} = {value!r}, which its payload schema "
                f"{owner!r} does not allow; that schema is shared, so frames of this message will fail it",
                where,
                hint="give the message its own payload schema, or correct the shared one",
            )
            continue
        diagnostics.warning(
            "NOVA082",
            f"message {msg.key!r} is recognised by {pointer} = {value!r}, which its payload schema does not "
            f"allow ({_allowed(schema)}); the model takes the recognised value",
            where,
            hint="correct the payload schema in the document (the overlay's `when` wins meanwhile)",
        )
        for key in ("const", "enum", "type"):
            schema.pop(key, None)
        schema["const"] = value


def _property(schemas: dict[str, Any], name: str | None, pointer: str) -> tuple[str, dict[str, Any]] | None:
    """The named schema that holds the property at ``pointer`` (through ``$ref``s) and the
    property's schema, or None when the pointer leads outside declared properties."""
    if name is None or not pointer.startswith("/"):
        return None
    owner, schema = name, schemas.get(name)
    for token in pointer[1:].split("/"):
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            owner = schema["$ref"].removeprefix("#/$defs/")
            schema = schemas.get(owner)
        props = schema.get("properties") if isinstance(schema, dict) else None
        if not isinstance(props, dict) or unescape_token(token) not in props:
            return None
        schema = props[unescape_token(token)]
    return (owner, schema) if isinstance(schema, dict) and "$ref" not in schema else None


def _allows(schema: dict[str, Any], value: Any) -> bool:
    if "const" in schema:
        return bool(schema["const"] == value)
    enum = schema.get("enum")
    return not isinstance(enum, list) or value in enum


def _allowed(schema: dict[str, Any]) -> str:
    if "const" in schema:
        return repr(schema["const"])
    return "one of " + ", ".join(repr(v) for v in schema.get("enum", []))
