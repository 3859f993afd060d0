"""The naming policy: how spec names become Python names. One place, written down.

- Methods, hooks, keyword arguments and fields are ``snake_case``; classes ``PascalCase``.
- A Python keyword gets a trailing ``_`` (``from`` -> ``from_``); the wire name is kept as
  an alias wherever the value travels, so the frame is unchanged.
- Names that the generated code itself defines (``connect``, ``close``, ``on_error``,
  ``BaseModel``, ``Field``...) are reserved: a spec name that lands on one is a
  diagnostic, never a silent rename.
- Two spec names that sanitise to the same Python name are a diagnostic. We never append
  order-dependent numbers.
- Spec strings reach generated code only through :func:`py_str` (``repr``) or
  :func:`docstring`, never by pasting.
"""

from __future__ import annotations

import builtins
import keyword
import math
import re

# Names the generated models module imports or that pydantic reserves on a model class.
RESERVED_CLASS_NAMES = frozenset(
    {
        "Any", "AwareDatetime", "BaseModel", "ConfigDict", "Field", "Literal", "Model", "RootModel",
        "annotations", "Annotated", "Optional", "Union", "Enum", "AnyUrl", "constr", "conint",
        "confloat", "date", "datetime", "time", "timedelta", "UUID", "Decimal",
    }
) | frozenset(n for n in dir(builtins) if n[:1].isupper())


def words(text: str) -> list[str]:
    return [w for w in re.split(r"[^0-9A-Za-z]+|(?<=[a-z0-9])(?=[A-Z])", text) if w]


def snake_case(text: str) -> str:
    name = "_".join(w.lower() for w in words(text))
    if not name or name[0].isdigit():
        name = "_" + name
    return name


def pascal_case(text: str) -> str:
    name = "".join(w[:1].upper() + w[1:] for w in words(text))
    if not name or name[0].isdigit():
        name = "N" + name
    return name


def constant_case(text: str) -> str:
    name = snake_case(text).upper().lstrip("_")
    return name if name and not name[0].isdigit() else "N" + name


SOFT_KEYWORDS = frozenset({"_", "case", "match"})
"""Soft keywords that get a trailing ``_``, fixed here: ``keyword.softkwlist`` differs between
interpreters (3.12 adds ``type``), and generated code must not depend on which one runs.
``type`` stays ``type``: it is a valid parameter and field name in every version."""


def escape_keyword(name: str) -> str:
    return name + "_" if keyword.iskeyword(name) or name in SOFT_KEYWORDS else name


def py_identifier(wire: str) -> str:
    """A wire name as a Python identifier: kept when it already is one, else snake_cased."""
    name = wire if wire.isidentifier() else snake_case(wire)
    return escape_keyword(name)


def is_literal(value: object) -> bool:
    """True for a JSON scalar that is a Python literal: None, bool, int, finite float, str.

    A spec may hold others (an enum of objects, ``1e999``, which YAML reads as infinity);
    those have no literal and callers fall back to a plain type.
    """
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, (bool, int, str))


def py_str(value: object) -> str:
    """A Python literal for a JSON scalar; ``repr`` is injection-safe for these types."""
    if is_literal(value):
        return repr(value)
    raise TypeError(f"not a JSON scalar with a Python literal: {value!r:.40}")


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def docstring(text: str) -> str:
    """Text safe to place between triple double quotes."""
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').strip()
    # Control characters (a NUL makes the file unparsable) are written as escapes.
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    if text.endswith('"'):
        text += " "
    return text


def comment(text: str) -> str:
    """Text safe to place after ``#`` on one line."""
    return " ".join(_CONTROL.sub(" ", text).split())
