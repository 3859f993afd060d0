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
  ``int`` of 64 bits, ``float`` that is finite, ``bool``, ``None``): python-jsonschema does
  not take a ``tuple`` for an array or a ``Decimal`` for a number, jsonschema-rs does;
- ``format``, where the meta-schema asserts it, means what python-jsonschema's
  ``FormatChecker`` says, passed to jsonschema-rs as callbacks: ``regex`` is Python's ``re``
  (python-jsonschema's own definition), and a ``uri-reference`` such as ``#/$defs/Order``
  (a plain local reference every RFC 3986 parser accepts) is decided at once; any other
  value is given to python-jsonschema's checker, imported then;
- ``pattern`` is an ECMA-262 regex in jsonschema-rs and Python's ``re`` in
  python-jsonschema: the patterns of the schemas nova-gen ships (the meta-schema's anchor
  names, the nova language's identifiers and pointers) are ASCII classes, anchors and
  ``.``, which ECMA-262 reads at least as strictly as ``re`` (its ``$`` does not match
  before a final newline, its ``.`` matches no ``\\r``): where they differ, the fast
  verdict is "invalid" and python-jsonschema decides.

A spec's own schemas, which its examples must match (``NOVA036``), are another matter: they
may use any keyword and any pattern. :func:`known_valid` trusts jsonschema-rs there only for
schemas made of keywords both libraries assert alike on plain JSON (:func:`decidable`:
no ``multipleOf``: 0.3 is a multiple of 0.1 to jsonschema-rs, not to python-jsonschema's
float division; no ``uniqueItems``, no ``$id`` or dynamic references; patterns of ASCII
literals and classes only: ``\\s`` matches U+FEFF in ECMA-262, not in ``re``), and checks
every example of a spec in one validator; anything else goes to python-jsonschema as
before. So generating a spec whose schemas and examples are fine imports no
python-jsonschema at all (its import, with ``referencing``, ``rpds`` and ``attrs``, was
about a quarter of nova-gen's own imports).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping
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
        elif kind is int:
            if not -(2**63) <= item < 2**64:  # what jsonschema-rs reads exactly: i64 and u64
                return False
        elif kind not in _PLAIN:
            return False
    return True


class FastValidator:
    """``is_valid(value)``: a verdict on ``value`` against ``schema`` (Draft 2020-12) that is
    True only if python-jsonschema would also find no error.

    ``formats``: the ``format`` values asserted, each with a function that says whether a
    string conforms (True only where python-jsonschema's ``FormatChecker`` also says so), or
    None for formats as annotations only (python-jsonschema's default for a validator).
    Resolves no reference over the network (``offline``): the 2020-12 meta-schemas are
    built into jsonschema-rs, and every other reference must be inside ``schema``.
    Raises ``jsonschema_rs.ValidationError`` (a ``ValueError``) for a schema it cannot compile.
    """

    def __init__(self, schema: Any, formats: Mapping[str, Callable[[str], bool]] | None = None) -> None:
        self._validator = jsonschema_rs.Draft202012Validator(
            schema,
            formats=dict(formats) if formats is not None else None,
            validate_formats=formats is not None,
            offline=True,
        )

    def is_valid(self, value: Any) -> bool:
        if not plain_json(value):
            return False
        try:
            return bool(self._validator.is_valid(value))
        except (ValueError, TypeError, OverflowError):  # a value it cannot read: the slow path decides
            return False


META_SCHEMA = "https://json-schema.org/draft/2020-12/schema"
"""The JSON Schema 2020-12 meta-schema, built into jsonschema-rs (and python-jsonschema)."""


def _compiles(pattern: str) -> bool:
    """The ``regex`` format as python-jsonschema asserts it: Python's ``re`` compiles it."""
    try:
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return False
    return True


_PLAIN_REFERENCE = re.compile(r"(?!//)[A-Za-z0-9\-._~!$&'()*+,;=@/]*(?:#[A-Za-z0-9\-._~!$&'()*+,;=:@/?]*)?")
"""URI references every RFC 3986 (and RFC 3987) parser accepts: a path with no ``:``, ``%``
or leading ``//`` (so no scheme or authority to get wrong), and an optional fragment of
unreserved characters, sub-delimiters, ``:``, ``@``, ``/`` and ``?``: ``#/$defs/Order``."""


def _uri_reference(value: str) -> bool:
    """``uri-reference``: True at once for a :data:`_PLAIN_REFERENCE` (what ``$ref`` holds in
    payload schemas); python-jsonschema's checker decides any other."""
    return _PLAIN_REFERENCE.fullmatch(value) is not None or _python_conforms("uri-reference", value)


def _python_conforms(name: str, value: str) -> bool:
    import jsonschema

    return bool(jsonschema.Draft202012Validator.FORMAT_CHECKER.conforms(value, name))


@functools.cache
def meta_schema_validator() -> FastValidator:
    """The JSON Schema 2020-12 meta-schema, with the formats its vocabularies use and
    ``jsonschema.Draft202012Validator.check_schema`` asserts: ``regex`` (``pattern``,
    ``patternProperties``) as Python's ``re`` reads it, ``uri-reference`` (``$ref``,
    ``$id``) and ``uri`` (``$schema``) as python-jsonschema's checker does, decided without
    it for plain local references. python-jsonschema is imported only when a value needs it."""
    return FastValidator(
        {"$ref": META_SCHEMA},
        {"regex": _compiles, "uri-reference": _uri_reference, "uri": functools.partial(_python_conforms, "uri")},
    )


# -- examples against a spec's own schemas -------------------------------------------------

_ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly", "$comment", "format"}
)
"""Keywords neither library asserts (``format`` is an annotation to both without a checker)."""
_ASSERTIONS = frozenset(
    {
        "type", "enum", "const", "required", "dependentRequired", "minItems", "maxItems",
        "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
        "minProperties", "maxProperties",
    }
)  # fmt: skip
"""Keywords on plain JSON values that both libraries assert the same way."""
_ONE_SCHEMA = frozenset({"items", "additionalProperties", "not"})
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_MAPS = frozenset({"properties", "$defs"})
_LOCAL_REF = re.compile(r"#/\$defs/[A-Za-z0-9_.\-]+")
_PATTERN = re.compile(
    r"(?:\[\^?(?:[A-Za-z0-9_@!:/#.,' -]|\\[.\-/\]\\^])+\]"  # a class of ASCII characters and ranges
    r"|[A-Za-z0-9_@!:/#,'= -]|[.^$()|*+?]|\{[0-9]+(?:,[0-9]*)?\}"  # literals, operators, counts
    r"|\\[.\-/+*?()\[\]{}|^$\\])*"  # escaped punctuation
)
"""Patterns that ECMA-262 (jsonschema-rs) matches nowhere Python's ``re`` (python-jsonschema)
does not: ASCII literals and classes, groups, alternation, quantifiers, anchors, ``.`` and
escaped punctuation; no ``\\d``/``\\w``/``\\s``, flags, lookarounds or set operations."""


def _plain_pattern(pattern: str) -> bool:
    return _PATTERN.fullmatch(pattern) is not None and not any(op in pattern for op in ("(?", "--", "&&", "~~"))


def decidable(schema: Any) -> bool:
    """True when every keyword of ``schema`` is one the two libraries assert the same way on
    plain JSON values (:data:`_ASSERTIONS`, the applicators that hold subschemas, ``$ref`` to
    ``#/$defs/...``, a plain ``pattern``), an annotation, or an ``x-`` extension both ignore."""
    stack = [schema]
    while stack:
        item = stack.pop()
        if type(item) is bool:
            continue
        if type(item) is not dict:
            return False
        for key, value in item.items():
            if key in _ONE_SCHEMA:
                stack.append(value)
            elif key in _SCHEMA_LISTS:
                if type(value) is not list:
                    return False
                stack.extend(value)
            elif key in _SCHEMA_MAPS:
                if type(value) is not dict:
                    return False
                stack.extend(value.values())
            elif key == "$ref":
                if type(value) is not str or _LOCAL_REF.fullmatch(value) is None:
                    return False
            elif key == "pattern":
                if type(value) is not str or not _plain_pattern(value):
                    return False
            elif key not in _ASSERTIONS and key not in _ANNOTATIONS and not str(key).startswith("x-"):
                return False
    return True


def known_valid(defs: Mapping[str, Any], cases: list[tuple[Any, Any]]) -> list[bool]:
    """For each ``(schema, value)``: True when ``value`` is valid against ``schema`` with
    ``defs`` as its ``$defs``, decided by jsonschema-rs where python-jsonschema would decide
    the same; False when python-jsonschema must decide (and explain).

    One validator for all cases, compiled once: ``{"$defs": defs, "prefixItems": [schema,
    ...]}`` against the list of values. Every case that is :func:`decidable` and plain JSON is
    in it, when every schema of ``defs`` is decidable too; if that list is not valid, which
    case failed is python-jsonschema's to say, so all of them are False.
    """
    fast = [i for i, (schema, value) in enumerate(cases) if decidable(schema) and plain_json(value)]
    out = [False] * len(cases)
    if not fast or not all(decidable(schema) for schema in defs.values()):
        return out
    root = {"$defs": dict(defs), "prefixItems": [cases[i][0] for i in fast]}
    try:
        valid = FastValidator(root).is_valid([cases[i][1] for i in fast])
    except ValueError:  # a schema it cannot compile (an unknown $ref): python-jsonschema says why
        return out
    if valid:
        for i in fast:
            out[i] = True
    return out
