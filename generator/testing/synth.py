"""A frame that matches a JSON Schema, for a message whose document gives no usable example.

The local server speaks from a document's examples. When a message has none, or only
examples that contradict its schema (AsyncAPI ``NOVA036`` warnings: the upstream Kraken
document's ``subscriptionStatus`` examples use a ``status`` its own enum does not allow),
:func:`instance` builds a value that validates, so the server can still answer or emit what
the document describes, and a generated client accepts it. The value is small and the same
for the same schema (no randomness, no clock):

- ``const``, else the example's value when it fits (``hint``), else ``default``, else the
  schema's own first ``examples`` entry, else its ``example`` (OpenAPI's singular keyword,
  common in AsyncAPI documents: Binance's streams give one per property), else the first
  ``enum`` value, else by ``type``:
  ``0`` (moved into ``minimum``/``maximum``), ``false``, ``null``, a string of
  ``minLength`` (a fixed value for the common ``format``s; for a ``pattern``, the first of a
  few fixed strings that matches);
- objects: the required properties, the optional ones pinned to a constant (they are what
  tells the message apart), and the example's properties that fit; arrays: ``minItems``
  items, or the example's items, each fitted to ``items``;
- ``$ref`` (the API's named schemas as ``$defs``) is followed; ``allOf`` merges its parts;
  ``oneOf``/``anyOf`` take the first branch whose value validates, trying first the branches
  whose required properties the example has.

A value that fits is kept as it is, so a broken example is repaired, not replaced:
everything it got right survives. Libraries that generate instances from JSON Schema
(hypothesis-jsonschema, jsf) draw random values for property tests; this needs one
deterministic, minimal value. The result is validated against the whole schema;
:class:`Unsatisfiable` says why when no value was found (``not``, an unmatched
``pattern``, ``contains``, a ``$ref`` cycle through required properties).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

import jsonschema

from ..checks import schema_problem
from ..ir import JsonSchema

__all__ = ["Unsatisfiable", "instance"]

MISSING: Any = object()
"""No hint: the document has no example at this place."""

MAX_DEPTH = 32
"""Levels (nested schemas, ``$ref``s followed) on one path before giving up: a ``$ref``
cycle through required properties has no finite value."""

FORMATS: dict[str, str] = {
    "date-time": "1970-01-01T00:00:00Z",
    "date": "1970-01-01",
    "time": "00:00:00Z",
    "duration": "PT0S",
    "email": "user@example.com",
    "idn-email": "user@example.com",
    "hostname": "example.com",
    "idn-hostname": "example.com",
    "ipv4": "127.0.0.1",
    "ipv6": "::1",
    "uri": "https://example.com/",
    "uri-reference": "https://example.com/",
    "iri": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "00000000-0000-0000-0000-000000000000",
    "json-pointer": "",
    "regex": "",
}
"""A fixed value for each common string ``format`` (JSON Schema 2020-12 section 7.3)."""

PATTERN_CANDIDATES = ("", "a", "A", "0", "a0", "A0", "A/A", "a-a", "A-A")
"""Strings tried, in order, against a ``pattern`` that the empty string does not match."""


class Unsatisfiable(ValueError):
    """No value was found that matches the schema; the message says why."""


def instance(schema: JsonSchema, defs: Mapping[str, JsonSchema], hint: Any = MISSING) -> Any:
    """A value that validates against ``schema`` (draft 2020-12, ``defs`` as ``$defs``),
    keeping what of ``hint`` (a document's example, possibly broken) fits.

    :raises Unsatisfiable: when the value built does not validate.
    """
    builder = _Builder(defs)
    value = builder.build(schema, hint, 0)
    problem = builder.problem(schema, value)
    if problem is not None:
        raise Unsatisfiable(problem)
    return value


class _Builder:
    """Builds one value, schema node by schema node; ``depth`` bounds every path."""

    def __init__(self, defs: Mapping[str, JsonSchema]) -> None:
        self.defs = defs

    def problem(self, schema: Any, value: Any) -> str | None:
        """Why ``value`` does not match ``schema``, or None.

        :raises Unsatisfiable: the schema itself is broken (a ``pattern`` that is no
            regular expression, an unknown ``type``, a bound that is not a number)."""
        try:
            return schema_problem(schema, self.defs, value)
        except (TypeError, ValueError, re.error, jsonschema.exceptions.UnknownType) as e:
            raise Unsatisfiable(f"the schema cannot be checked: {e}") from e

    def fits(self, schema: Any, value: Any) -> bool:
        return value is not MISSING and self.problem(schema, value) is None

    def resolve(self, schema: Any, depth: int) -> Any:
        """``schema`` with its ``$ref`` (``#/$defs/<name>``, the IR's only kind) followed;
        keywords beside the ``$ref`` apply too."""
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            if depth > MAX_DEPTH:
                raise Unsatisfiable(f"$ref cycle through {schema['$ref']}")
            ref = schema["$ref"]
            name = ref.removeprefix("#/$defs/")
            if name == ref or name not in self.defs:
                raise Unsatisfiable(f"cannot follow $ref {ref!r}")
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            target = self.defs[name]
            schema = {"allOf": [target, rest]} if rest else target
            depth += 1
        return schema

    def build(self, schema: Any, hint: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise Unsatisfiable(f"nested deeper than {MAX_DEPTH} levels (a $ref cycle through required properties?)")
        if schema is True or schema is None or schema == {}:
            return copy.deepcopy(hint) if hint is not MISSING else None
        if schema is False:
            raise Unsatisfiable("the schema is false")
        schema = self.resolve(schema, depth)
        if not isinstance(schema, dict):
            raise Unsatisfiable("a schema must be an object or a boolean")
        if "const" in schema:
            return copy.deepcopy(schema["const"])
        if self.fits(schema, hint):
            return copy.deepcopy(hint)
        if "allOf" in schema:
            return self.all_of(schema, hint, depth)
        for key in ("oneOf", "anyOf"):
            if isinstance(schema.get(key), list):
                return self.one_of(schema, key, hint, depth)
        for documented in _documented(schema):
            if self.fits(schema, documented):
                return copy.deepcopy(documented)
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return copy.deepcopy(schema["enum"][0])
        return self.typed(schema, hint, depth)

    def typed(self, schema: dict[str, Any], hint: Any, depth: int) -> Any:
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), kind[0] if kind else None)
        if kind is None:
            if "properties" in schema or "required" in schema:
                kind = "object"
            elif "items" in schema or "prefixItems" in schema:
                kind = "array"
            else:
                return copy.deepcopy(hint) if hint is not MISSING else None
        if kind == "object":
            return self.object(schema, hint, depth)
        if kind == "array":
            return self.array(schema, hint, depth)
        if kind == "string":
            return self.string(schema)
        if kind in ("integer", "number"):
            return self.number(schema, kind)
        if kind == "boolean":
            return False
        if kind == "null":
            return None
        raise Unsatisfiable(f"unknown type {kind!r}")

    def object(self, schema: dict[str, Any], hint: Any, depth: int) -> dict[str, Any]:
        found = schema.get("properties")
        properties: dict[str, Any] = found if isinstance(found, dict) else {}
        required = [r for r in schema.get("required", ()) if isinstance(r, str)]
        given = hint if isinstance(hint, dict) else {}
        out: dict[str, Any] = {}
        for name, sub in properties.items():
            pinned = isinstance(sub, dict) and ("const" in sub or _single_enum(sub))
            if name in required or name in given or pinned:
                out[name] = self.build(sub, given.get(name, MISSING), depth + 1)
        for name in required:
            if name not in out:  # required, but described by no property
                out[name] = copy.deepcopy(given[name]) if name in given else None
        return out

    def array(self, schema: dict[str, Any], hint: Any, depth: int) -> list[Any]:
        found = schema.get("prefixItems")
        prefix: list[Any] = found if isinstance(found, list) else []
        items = schema.get("items", True)
        given = hint if isinstance(hint, list) else []
        if hint is not MISSING and not isinstance(hint, list) and self.fits(items, hint):
            given = [hint]  # one value where the schema wants a list of them
        count = max(int(schema.get("minItems", 0) or 0), len(given))
        maximum = schema.get("maxItems")
        if isinstance(maximum, int):
            count = min(count, maximum)
        out = []
        for n in range(count):
            sub = prefix[n] if n < len(prefix) else items
            out.append(self.build(sub, given[n] if n < len(given) else MISSING, depth + 1))
        return out

    def string(self, schema: dict[str, Any]) -> str:
        fmt = schema.get("format")
        length = int(schema.get("minLength", 0) or 0)
        if isinstance(fmt, str) and fmt in FORMATS:
            return FORMATS[fmt]
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            for candidate in PATTERN_CANDIDATES:
                if self.fits(schema, candidate):
                    return candidate
            raise Unsatisfiable(f"no fixed string matches the pattern {pattern!r}")
        return "a" * length

    @staticmethod
    def number(schema: dict[str, Any], kind: str) -> int | float:
        value: int | float = 0
        if isinstance(schema.get("minimum"), int | float):
            value = max(value, schema["minimum"])
        if isinstance(schema.get("exclusiveMinimum"), int | float):
            value = max(value, schema["exclusiveMinimum"] + 1)
        if isinstance(schema.get("maximum"), int | float):
            value = min(value, schema["maximum"])
        if isinstance(schema.get("exclusiveMaximum"), int | float):
            value = min(value, schema["exclusiveMaximum"] - 1)
        step = schema.get("multipleOf")
        if isinstance(step, int | float) and step > 0:
            value = -(-value // step) * step  # the first multiple at or above
        return int(value) if kind == "integer" and float(value).is_integer() else value

    def all_of(self, schema: dict[str, Any], hint: Any, depth: int) -> Any:
        """One schema made of the parts (see :meth:`merged`), built once: a value built
        part by part could keep in one part what another part had to repair."""
        return self.build(self.merged(schema, depth), hint, depth + 1)

    def merged(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        """``schema``'s ``allOf`` parts (through ``$ref``, nested ``allOf`` too) and its own
        keywords as one schema: ``properties`` united (a property in several parts gets
        the ``allOf`` of its schemas), ``required`` united, any other keyword from the
        first part that has it (the final validation catches a conflict)."""
        out: dict[str, Any] = {}
        properties: dict[str, Any] = {}
        required: list[str] = []
        for part in self.parts(schema, depth):
            for key, value in part.items():
                if key == "properties" and isinstance(value, dict):
                    for name, sub in value.items():
                        properties[name] = {"allOf": [properties[name], sub]} if name in properties else sub
                elif key == "required" and isinstance(value, list):
                    required.extend(r for r in value if r not in required)
                else:
                    out.setdefault(key, value)
        if properties:
            out["properties"] = properties
        if required:
            out["required"] = required
        return out

    def parts(self, schema: Any, depth: int) -> list[dict[str, Any]]:
        schema = self.resolve(schema, depth)
        if not isinstance(schema, dict):
            return []
        found = [{k: v for k, v in schema.items() if k != "allOf"}]
        for part in schema.get("allOf", ()) if isinstance(schema.get("allOf"), list) else ():
            found.extend(self.parts(part, depth + 1))
        return found

    def one_of(self, schema: dict[str, Any], key: str, hint: Any, depth: int) -> Any:
        branches = list(schema[key])
        rest = {k: v for k, v in schema.items() if k != key}
        keys = set(hint) if isinstance(hint, dict) else set()
        order = sorted(range(len(branches)), key=lambda i: not self.required(branches[i], depth) <= keys)
        last: Unsatisfiable | None = None
        for i in order:
            branch = {"allOf": [branches[i], rest]} if rest else branches[i]
            try:
                value = self.build(branch, hint, depth + 1)
            except Unsatisfiable as e:
                last = e
                continue
            if self.fits(schema, value):
                return value
        raise last or Unsatisfiable(f"no branch of {key} gives a value that matches")

    def required(self, schema: Any, depth: int) -> set[str]:
        """The property names ``schema`` requires, through ``$ref`` and ``allOf``."""
        try:
            parts = self.parts(schema, depth)
        except Unsatisfiable:
            return set()
        return {r for part in parts for r in part.get("required", ()) if isinstance(r, str)}


def _single_enum(schema: dict[str, Any]) -> bool:
    enum = schema.get("enum")
    return isinstance(enum, list) and len(enum) == 1


def _documented(schema: dict[str, Any]) -> list[Any]:
    """The values the schema itself offers: its ``default``, its first ``examples`` entry, its
    ``example`` (the OpenAPI-style keyword many AsyncAPI documents give per property)."""
    out = [schema["default"]] if "default" in schema else []
    examples = schema.get("examples")
    if isinstance(examples, list) and examples:
        out.append(examples[0])
    if "example" in schema:
        out.append(schema["example"])
    return out
