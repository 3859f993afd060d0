"""The naming and escaping policy: how spec text becomes Python text. One place, written down.

Every string of a spec reaches generated code through exactly one of four paths, chosen by
where it lands (see docs/naming.md):

- **identifier** (:func:`identifier`): NFKC-normalised as Python itself normalises
  identifiers, sanitised to ``snake_case``/``PascalCase``, private-name mangling avoided,
  keywords and soft keywords escaped with a trailing ``_``; the planner then checks it
  against the names generated code reserves and suffixes it with ``_`` when it clashes.
- **string literal** (:func:`py_str`): ``repr``.
- **docstring** (:func:`docstring`): backslashes, triple quotes and control characters escaped.
- **comment** (:func:`comment`): one line, control characters removed.

Each path returns :class:`Code`, text that is already Python in its context. The template
environment prints nothing else (``render._finalize``), so a template cannot paste a raw
spec string even by mistake.
"""

from __future__ import annotations

import builtins
import keyword
import math
import re
import unicodedata
from typing import Any


class Code(str):
    """Python source text, already escaped for the place a template prints it."""

    __slots__ = ()


class Identifier(Code):
    """A Python identifier chosen by the naming policy (NFKC-normal, not a keyword)."""

    __slots__ = ()


SOFT_KEYWORDS = frozenset({"_", "case", "match"})
"""Soft keywords that get a trailing ``_``, fixed here: ``keyword.softkwlist`` differs between
interpreters (3.12 adds ``type``), and generated code must not depend on which one runs.
``type`` stays ``type``: it is a valid parameter and field name in every version."""

KEYWORDS = frozenset(keyword.kwlist) | SOFT_KEYWORDS

# Names the generated models module imports or that pydantic reserves on a model class.
RESERVED_CLASS_NAMES = frozenset(
    {
        "Any", "AwareDatetime", "BaseModel", "ConfigDict", "Field", "Literal", "Model", "RootModel",
        "annotations", "Annotated", "Optional", "Union", "Enum", "AnyUrl", "constr", "conint",
        "confloat", "date", "datetime", "time", "timedelta", "UUID", "Decimal",
    }
) | frozenset(n for n in dir(builtins) if n[:1].isupper()) | KEYWORDS


def nfkc(text: str) -> str:
    """``text`` in Unicode normalisation form NFKC, which Python applies to identifiers
    (PEP 3131): ``ｓelf`` and ``self``, ``ﬁeld`` and ``field`` are the same name to Python."""
    return unicodedata.normalize("NFKC", text)


def words(text: str) -> list[str]:
    return [w for w in re.split(r"[^0-9A-Za-z]+|(?<=[a-z0-9])(?=[A-Z])", nfkc(text)) if w]


def snake_case(text: str) -> str:
    name = "_".join(w.lower() for w in words(text))
    if not name or name[0].isdigit():
        name = "_" + name
    return name


def pascal_case(text: str, prefix: str = "N") -> str:
    """``text`` as a PascalCase identifier; ``prefix`` goes before one that would be
    empty or start with a digit."""
    name = "".join(w[:1].upper() + w[1:] for w in words(text))
    if not name or name[0].isdigit():
        name = prefix + name
    return name


def constant_case(text: str) -> str:
    name = snake_case(text).upper().lstrip("_")
    return name if name and not name[0].isdigit() else "N" + name


def escape_keyword(name: str) -> str:
    return name + "_" if name in KEYWORDS else name


def unmangled(name: str) -> str:
    """``name`` without the leading ``__`` that would make Python mangle it inside a class
    (``__x`` -> ``_x``); dunder names (``__x__``) are not mangled and stay."""
    if name.startswith("__") and not name.endswith("__"):
        return "_" + name.lstrip("_")
    return name


def identifier(text: str) -> Identifier:
    """A spec name as a Python identifier: NFKC-normalised, kept when it then is an
    identifier, else ``snake_case``; never mangled, never a keyword."""
    name = nfkc(text)
    if not name.isidentifier():
        name = snake_case(name)
    return Identifier(escape_keyword(unmangled(name)))


def py_identifier(wire: str) -> Identifier:
    """A wire name (a parameter, a field) as a Python identifier; see :func:`identifier`."""
    return identifier(wire)


def suffixed(name: str, reserved: frozenset[str] | set[str], suffix: str = "_") -> Identifier:
    """``name`` with ``suffix`` appended until it is not in ``reserved`` (the suffix rule):
    ``_`` for most names, ``Model`` for model classes, because datamodel-code-generator strips
    a trailing ``_`` from class names (and itself names a class ``BaseModel`` ``BaseModelModel``)."""
    while name in reserved:
        name += suffix
    return Identifier(name)


def is_literal(value: object) -> bool:
    """True for a JSON scalar that is a Python literal: None, bool, int, finite float, str.

    A spec may hold others (an enum of objects, ``1e999``, which YAML reads as infinity);
    those have no literal and callers fall back to a plain type.
    """
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) < 2**63  # mypy reads no larger integer inside Literal[...]
    return value is None or isinstance(value, (bool, str))


def in_literal(value: object) -> bool:
    """True for a value ``Literal[...]`` may hold (PEP 586): a :func:`is_literal` value that is
    not a float (``Literal[1.5]`` fails ``mypy``)."""
    return is_literal(value) and not isinstance(value, float)


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
    "null": (type(None),), "object": (dict,), "array": (list,),
}


def allowed_by(schema: Any, value: object) -> bool:
    """False when ``schema``'s own ``const``, ``enum`` or ``type`` rule ``value`` out: a
    ``default`` written beside them that typed code cannot hold (``Literal[0] = "x"`` fails
    ``mypy``). Other keywords and ``$ref`` are not followed (True when only they would say)."""
    if not isinstance(schema, dict):
        return True
    if "const" in schema and (schema["const"] != value or type(schema["const"]) is not type(value)):
        return False
    enum = schema.get("enum")
    if isinstance(enum, list) and not any(v == value and type(v) is type(value) for v in enum):
        return False
    kinds = schema.get("type")
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if isinstance(kinds, list) and all(isinstance(k, str) for k in kinds):
        if isinstance(value, bool):
            return "boolean" in kinds
        return any(isinstance(value, _JSON_TYPES.get(k, ())) for k in kinds)
    return True


def py_str(value: object) -> Code:
    """A Python literal for a JSON scalar; ``repr`` is injection-safe for these types."""
    if is_literal(value):
        return Code(repr(str(value) if isinstance(value, str) else value))
    raise TypeError(f"not a JSON scalar with a Python literal: {value!r:.40}")


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def docstring(text: str) -> Code:
    """Text safe to place between triple double quotes."""
    text = str(text).replace("\\", "\\\\").replace('"""', '\\"\\"\\"').strip()
    # Control characters (a NUL makes the file unparsable) are written as escapes.
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    if text.endswith('"'):
        text += " "
    return Code(text)


def comment(text: str) -> Code:
    """Text safe to place after ``#`` on one line."""
    return Code(" ".join(_CONTROL.sub(" ", str(text)).split()))
