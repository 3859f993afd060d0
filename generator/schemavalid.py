"""JSON Schema validation in two steps: jsonschema-rs decides, python-jsonschema explains.

Checking every payload schema of a spec against the JSON Schema 2020-12 meta-schema with
python-jsonschema was the slowest step of generating a package (about 70 ms of 300 for
Deribit; its ``$dynamicRef`` resolution dominates). jsonschema-rs, a compiled validator,
gives the same verdict a few hundred times faster. The diagnostics (messages, the error
``best_match`` picks, paths) stay python-jsonschema's: the compiled validator only answers
"valid?", and every value it does not call valid goes to python-jsonschema, which reports
the errors (or finds none, and then there are none). A valid spec never pays for the slow
path; an invalid one gets exactly the messages it got before.

So the fast verdict is only trusted where the two libraries cannot disagree:

- the value is plain JSON of exact types (``dict`` with ``str`` keys, ``list``, ``str``,
  ``int``, ``float`` that is finite, ``bool``, ``None``): python-jsonschema does not take a
  ``tuple`` for an array or a ``Decimal`` for a number, jsonschema-rs does;
- ``format`` is checked (when the schema asserts it) by python-jsonschema's own
  ``FormatChecker``, passed to jsonschema-rs as callbacks, so ``regex`` means Python's ``re``;
- ``pattern`` is an ECMA-262 regex in jsonschema-rs and Python's ``re`` in
  python-jsonschema: the patterns of the schemas checked here (the meta-schema's anchor
  names, the nova language's identifiers and pointers) are ASCII classes, anchors and
  ``.``, which ECMA-262 reads at least as strictly as ``re`` (its ``$`` does not match
  before a final newline, its ``.`` matches no ``\\r``): where they differ, the fast
  verdict is "invalid" and python-jsonschema decides.

This is why only schemas nova-gen ships go through here, never a spec's own schemas
(examples are validated against those by python-jsonschema alone).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import jsonschema_rs

_PLAIN = (str, int, float, bool, type(None))


def plain_json(value: Any) -> bool:
    """True when ``value`` holds only exact JSON types (see the module docstring): the
    values both libraries read the same way. Iterative, so depth costs no recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            if not all(type(key) is str for key in item):
                return False
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
        elif kind is float:
            if not math.isfinite(item):
                return False
        elif kind not in _PLAIN:
            return False
    return True


class FastValidator:
    """``is_valid(value)``: a verdict on ``value`` against ``schema`` (Draft 2020-12) that is
    True only if python-jsonschema (with ``format_checker``) would also find no error.

    ``format_checker``: the python-jsonschema ``FormatChecker`` whose formats are asserted,
    or None for formats as annotations only (python-jsonschema's default for a validator).
    Resolves no reference over the network (``offline``): the 2020-12 meta-schemas are
    built into jsonschema-rs, and every other reference must be inside ``schema``.
    """

    def __init__(self, schema: dict[str, Any], format_checker: Any = None) -> None:
        formats: dict[str, Callable[[str], bool]] | None = None
        if format_checker is not None:
            formats = {
                name: functools.partial(_conforms, format_checker, name)
                for name in _format_names(schema)
            }
        self._validator = jsonschema_rs.Draft202012Validator(
            schema,
            formats=formats,
            validate_formats=format_checker is not None,
            offline=True,
        )

    def is_valid(self, value: Any) -> bool:
        if not plain_json(value):
            return False
        try:
            return bool(self._validator.is_valid(value))
        except (ValueError, TypeError, OverflowError):  # a value it cannot read: the slow path decides
            return False


def _conforms(checker: Any, name: str, value: str) -> bool:
    return bool(checker.conforms(value, name))


def _format_names(schema: Any) -> set[str]:
    """Every ``format`` a schema (or the meta-schemas it references) can assert."""
    names = set(_META_FORMATS)
    stack = [schema]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("format"), str):
                names.add(item["format"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return names


_META_FORMATS = ("regex", "uri", "uri-reference")
"""The formats the 2020-12 meta-schema's vocabularies use (``$schema``, ``$id``, ``$ref``,
``pattern``, ``patternProperties``); they live in the vocabulary documents, not in the
top-level meta-schema a walk of ``schema`` sees."""


@functools.cache
def meta_schema_validator() -> FastValidator:
    """The JSON Schema 2020-12 meta-schema, with the formats
    ``jsonschema.Draft202012Validator.check_schema`` asserts."""
    import jsonschema

    validator = jsonschema.Draft202012Validator
    return FastValidator(validator.META_SCHEMA, validator.FORMAT_CHECKER)
