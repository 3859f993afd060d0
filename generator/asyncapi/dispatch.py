"""Discriminator discovery: what every frame of a message must carry, as a Match.

A message's payload schema is read for values it pins down: ``const``, a single-value
``enum``, the ``discriminator`` keyword (the property whose value is the schema's name),
in nested objects too (``/data/kind``), through ``$ref``, ``allOf`` (all members count)
and ``oneOf``/``anyOf`` (only what every branch agrees on). Value sets count too: an
``enum`` of several values, and a property every ``oneOf`` branch pins to its own value,
become a ``one_of`` condition (the frame's value is one of these), so ``enum: [trades,
orders]`` and ``const: ka`` on the same field tell two messages apart. The dispatcher then
tells incoming messages apart by these conditions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nova_runtime.pointer import join_pointer, unescape_token
from nova_runtime.protocol import Match

from .. import ir
from ..loader.refs import RefResolver
from ..loader.source import Document

MAX_DEPTH = 3
"""Objects inside objects (required properties) whose fields can tell a frame apart, at most."""
MAX_NESTED = 64
"""``allOf``/``anyOf``/``oneOf`` members read inside one another, at most: a longer chain of
schemas that are each a member of the next is refused by the loader (``NOVA064``), and
reading it first must not exhaust the stack."""


@dataclass
class Shape:
    equals: dict[str, Any] = field(default_factory=dict)
    """Pointer -> the only value allowed there."""
    keyed: set[str] = field(default_factory=set)
    """Pointers that are pinned to some value in every alternative."""
    one_of: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    """Pointer -> the values allowed there (an ``enum``, or one constant per branch)."""

    def match(self) -> Match:
        sets = {k: v for k, v in self.one_of.items() if k not in self.equals}
        present = tuple(sorted(self.keyed - set(self.equals) - set(sets)))
        return Match(
            present=present,
            equals=tuple(sorted(self.equals.items())),
            one_of=tuple(sorted(sets.items())),
        )


def _value_set(schema: Any) -> tuple[Any, ...] | None:
    """The values an ``enum`` of more than one value allows, in a fixed order."""
    enum = schema.get("enum") if isinstance(schema, dict) else None
    if isinstance(enum, list) and len(enum) > 1:
        return tuple(enum)
    return None


def _pinned(schema: Any) -> tuple[bool, Any]:
    if not isinstance(schema, dict):
        return False, None
    if "const" in schema:
        return True, schema["const"]
    enum = schema.get("enum")
    if isinstance(enum, list) and len(enum) == 1:
        return True, enum[0]
    return False, None


def _discriminator_property(schema: dict[str, Any]) -> str | None:
    value = schema.get("discriminator")
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("propertyName"), str):
        return str(value["propertyName"])
    return None


def _schema_name(pointer: str) -> str:
    return unescape_token(pointer.rsplit("/", 1)[-1]) if pointer else ""


class ShapeReader:
    def __init__(self, refs: RefResolver) -> None:
        self.refs = refs
        self._seen: dict[tuple[Path, str, str, int, int], Shape] = {}

    def shape(self, value: Any, doc: Document, pointer: str) -> Shape:
        """What the payload ``value`` (at ``doc#pointer``) pins, as far as frames can tell."""
        self._seen = {}
        return self._shape(value, doc, pointer, "", 0, 0)

    def _shape(self, value: Any, doc: Document, pointer: str, prefix: str, depth: int, nested: int) -> Shape:
        """One schema read once per place, prefix and level: a schema that two members of
        the one before it name (``anyOf: [S, S]``, chained) is not read twice as often at
        every step."""
        key = (doc.path, pointer, prefix, depth, nested)
        if key not in self._seen:
            self._seen[key] = self._read(value, doc, pointer, prefix, depth, nested)
        return self._seen[key]

    def _read(self, value: Any, doc: Document, pointer: str, prefix: str, depth: int, nested: int) -> Shape:
        value, doc, pointer = self.refs.follow(value, doc, pointer)
        out = Shape()
        if not isinstance(value, dict) or depth > MAX_DEPTH or nested > MAX_NESTED:
            return out
        properties = value.get("properties")
        required = ir.required_names(value)
        if isinstance(properties, dict):
            for name, prop in properties.items():
                where = join_pointer(join_pointer(pointer, "properties"), name)
                target, tdoc, tptr = self.refs.follow(prop, doc, where)
                path = join_pointer(prefix, name)
                pinned, const = _pinned(target)
                values = _value_set(target)
                if pinned:
                    out.equals[path] = const
                    out.keyed.add(path)
                elif values is not None and name in required:
                    out.one_of[path] = values
                    out.keyed.add(path)
                elif name in required and isinstance(target, dict) and "properties" in target:
                    self._merge(out, self._shape(target, tdoc, tptr, path, depth + 1, nested))
        members = value.get("allOf")
        for i, member in enumerate(members if isinstance(members, list) else ()):
            where = join_pointer(join_pointer(pointer, "allOf"), i)
            target, tdoc, tptr = self.refs.follow(member, doc, where)
            prop = _discriminator_property(target) if isinstance(target, dict) else None
            name = _schema_name(pointer)
            if prop is not None and name:
                mapping = target.get("discriminator", {})
                mapping = mapping.get("mapping", {}) if isinstance(mapping, dict) else {}
                value_for = next((k for k, v in mapping.items() if str(v).endswith("/" + name)), name)
                path = join_pointer(prefix, prop)
                out.equals.setdefault(path, value_for)
                out.keyed.add(path)
            self._merge(out, self._shape(target, tdoc, tptr, prefix, depth, nested + 1))
        for key in ("oneOf", "anyOf"):
            branches = value.get(key)
            if isinstance(branches, list) and branches:
                shapes = [
                    self._shape(b, doc, join_pointer(join_pointer(pointer, key), i), prefix, depth, nested + 1)
                    for i, b in enumerate(branches)
                ]
                common = Shape()
                first = shapes[0]
                for path, const in first.equals.items():
                    if all(s.equals.get(path, object()) == const for s in shapes[1:]):
                        common.equals[path] = const
                common.keyed = set.intersection(*(s.keyed for s in shapes))
                for path in common.keyed - set(common.equals):
                    allowed = [s.one_of.get(path) or ((s.equals[path],) if path in s.equals else None) for s in shapes]
                    if all(a is not None for a in allowed):
                        union: list[Any] = []
                        for values in allowed:
                            union.extend(v for v in values or () if v not in union)
                        common.one_of[path] = tuple(union)
                prop = _discriminator_property(value)
                if prop is not None:
                    common.keyed.add(join_pointer(prefix, prop))
                self._merge(out, common)
        return out

    @staticmethod
    def _merge(into: Shape, other: Shape) -> None:
        for path, const in other.equals.items():
            into.equals.setdefault(path, const)
        for path, values in other.one_of.items():
            into.one_of.setdefault(path, values)
        into.keyed |= other.keyed
