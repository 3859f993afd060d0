"""``allOf`` members that give one property values no single value can have (NOVA091).

``A: {allOf: [{$ref: B}, {properties: {type: {const: a}}}]}`` with ``B`` pinning ``type`` to
``b`` describes no ``type`` at all. The model generator writes ``A`` as a subclass of ``B``
whose field ``type: Literal["a"]`` overrides ``type: Literal["b"]``, which ``mypy --strict``
refuses: so such a document is refused here, naming both sides. Only what decides at a
glance is compared: ``const``, ``enum`` and ``type`` of each property, through one ``$ref``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from . import ir

_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object"}


def contradictions(api: ir.Api) -> Iterator[tuple[str, str]]:
    """(schema name, message) for each named schema whose ``allOf`` members contradict."""
    for name, schema in api.schemas.items():
        seen: dict[str, tuple[str, Any]] = {}
        for owner, prop, value in _properties(api, name, schema, set()):
            if prop in seen and _disjoint(api, seen[prop][1], value):
                first_owner, first = seen[prop]
                yield name, (
                    f"the allOf of schema {name!r} gives property {prop!r} {_shown(api, first)} "
                    f"(in {first_owner}) and {_shown(api, value)} (in {owner}): no value is both"
                )
                break
            seen.setdefault(prop, (owner, value))


def _properties(api: ir.Api, name: str, schema: Any, visited: set[str]) -> Iterator[tuple[str, str, Any]]:
    """(where, property, its schema) of ``schema`` and of its ``allOf`` members, by ``$ref``."""
    if not isinstance(schema, dict) or name in visited:
        return
    visited.add(name)
    if isinstance(schema.get("properties"), dict):
        for prop, value in schema["properties"].items():
            yield name, str(prop), value
    members = schema.get("allOf")
    for i, member in enumerate(members if isinstance(members, list) else ()):
        target = _named(api, member)
        if target is not None:
            yield from _properties(api, target, api.schemas[target], visited)
        else:
            yield from _properties(api, f"{name} allOf/{i}", member, visited)


def _named(api: ir.Api, schema: Any) -> str | None:
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    name = ref.removeprefix("#/$defs/") if isinstance(ref, str) else None
    return name if name in api.schemas else None


def _resolved(api: ir.Api, schema: Any) -> Any:
    name = _named(api, schema)
    return api.schemas[name] if name is not None else schema


def _values(schema: Any) -> set[str] | None:
    if not isinstance(schema, dict):
        return None
    if "const" in schema:
        return {json.dumps(schema["const"], sort_keys=True, default=repr)}
    if isinstance(schema.get("enum"), list):
        return {json.dumps(v, sort_keys=True, default=repr) for v in schema["enum"]}
    return None


def _types(schema: Any) -> set[str] | None:
    """The JSON types ``schema`` allows (``integer`` within ``number``), None when open."""
    if not isinstance(schema, dict):
        return None
    kinds = schema.get("type")
    if isinstance(kinds, str):
        kinds = [kinds]
    if isinstance(kinds, list) and all(isinstance(k, str) for k in kinds):
        found = set(kinds)
    elif (values := _values(schema)) is not None:
        found = {_TYPES.get(type(json.loads(v)), "null") for v in values}
    else:
        return None
    return found | {"integer"} if "number" in found else found


def _disjoint(api: ir.Api, a: Any, b: Any) -> bool:
    a, b = _resolved(api, a), _resolved(api, b)
    values_a, values_b = _values(a), _values(b)
    if values_a is not None and values_b is not None and not values_a & values_b:
        return True
    types_a, types_b = _types(a), _types(b)
    return types_a is not None and types_b is not None and not types_a & types_b


def _shown(api: ir.Api, schema: Any) -> str:
    schema = _resolved(api, schema)
    if isinstance(schema, dict) and "const" in schema:
        return f"the constant {json.dumps(schema['const'], default=repr)[:40]}"
    values = _values(schema)
    if values is not None:
        return "one of " + ", ".join(sorted(values))[:60]
    return "the type " + "/".join(sorted(_types(schema) or {"any"}))
