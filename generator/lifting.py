"""Inline object schemas become named classes: one class per distinct schema, named by its path.

datamodel-code-generator names a nested inline object after its property and numbers
repeats (``Subscription1``, ``Subscription2``), and the planner names the same schema again
where a method signature needs it (``SubscribeSubscription``): two classes for one schema,
so a mypy-clean call failed at run time. Here every nested inline object is lifted out as
``#/$defs/<Name>`` before either sees it, named by where it sits (``<Owner><Property>``,
``…Item`` for array items, ``…Value`` for ``additionalProperties``, a union member by its
``title`` or the constant it pins, else its ``type`` when it is the only member of that type,
else its position; the only object of a union needs none) and interned by structure: a schema
equal to one already named (a spec schema or another inline one) reuses that class.
A constrained scalar member of a union (``oneOf: [{type: integer}, {type: string,
maxLength: 36}]``) is named the same way (``IdString``); datamodel-code-generator would
alias it as ``Id1``. The result is a pure function of the schemas and their order.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .naming import pascal_case

JsonSchema = dict[str, Any]
Namer = Callable[[str, JsonSchema], str]
"""Registers ``schema`` as a class wanted under the given name; returns the name it got."""

_DATA_KEYS = frozenset({"const", "enum", "default", "examples", "example", "required"})
_SCHEMA_LISTS = ("oneOf", "anyOf")


def is_inline_object(schema: Any) -> bool:
    """An object schema written in place (not a ``$ref``) that becomes a class of its own."""
    if not isinstance(schema, dict) or "$ref" in schema:
        return False
    if schema.get("type", "object") != "object":
        return False
    return bool(schema.get("properties")) or (
        isinstance(schema.get("allOf"), list) and (len(schema["allOf"]) > 1 or len(schema) > 1)
    )


_SCALAR_CONSTRAINTS = frozenset(
    {"minLength", "maxLength", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
)


def is_constrained_scalar(schema: Any) -> bool:
    """A string or number schema written in place with a constraint (``maxLength``,
    ``minimum``, ...): in a union, datamodel-code-generator needs a named alias for it."""
    return (
        isinstance(schema, dict)
        and "$ref" not in schema
        and schema.get("type") in ("string", "integer", "number")
        and "enum" not in schema
        and "const" not in schema
        and not _SCALAR_CONSTRAINTS.isdisjoint(schema)
    )


def structure_key(schema: JsonSchema) -> str:
    """Two schemas with the same key describe the same values in the same words."""
    return json.dumps(schema, sort_keys=True, default=str)


class Lifter:
    def __init__(self, name_class: Namer) -> None:
        self.name_class = name_class

    def lift(self, schema: Any, name: str) -> Any:
        """``schema`` with every nested inline object replaced by a ``$ref`` to its class."""
        if isinstance(schema, list):
            return [self.lift(v, name) for v in schema]
        if not isinstance(schema, dict):
            return schema
        out: JsonSchema = {}
        for key, value in schema.items():
            if key in _DATA_KEYS:
                out[key] = value
            elif key == "properties" and isinstance(value, dict):
                out[key] = {p: self.nested(v, name + pascal_case(str(p))) for p, v in value.items()}
            elif key in ("items", "additionalProperties") and isinstance(value, dict):
                out[key] = self.nested(value, name + ("Item" if key == "items" else "Value"))
            elif key in ("items", "prefixItems") and isinstance(value, list):
                out[key] = [self.nested(v, f"{name}Item{n + 1}") for n, v in enumerate(value)]
            elif key in _SCHEMA_LISTS and isinstance(value, list):
                # The one object of a union with null (or scalars) needs no tag of its own.
                alone = sum(is_inline_object(v) for v in value) == 1
                out[key] = [
                    self.member(v, name, "" if alone and is_inline_object(v) else _member_tag(v, n, value))
                    for n, v in enumerate(value)
                ]
            else:  # allOf parts merge into the class itself; other keywords are kept as written
                out[key] = self.lift(value, name)
        return out

    def member(self, schema: Any, name: str, tag: str) -> Any:
        """A union member: an inline object, or a constrained scalar (which
        datamodel-code-generator would otherwise alias as ``<Union>1``), gets its class or
        alias named ``<name><tag>``."""
        if is_constrained_scalar(schema):
            return {"$ref": "#/$defs/" + self.name_class(name + tag, self.lift(schema, name + tag))}
        return self.nested(schema, name + tag)

    def nested(self, schema: Any, name: str) -> Any:
        if not is_inline_object(schema):
            return self.lift(schema, name)
        lifted = self.lift(schema, name)
        return {"$ref": "#/$defs/" + self.name_class(name, lifted)}


def _member_tag(schema: Any, index: int, members: list[Any]) -> str:
    """The name part of a ``oneOf``/``anyOf`` member: its title, else the one constant it
    pins (``event: {const: subscribe}`` → ``Subscribe``), else its ``type`` when no other
    member that gets a name has that type (``IdString``), else its position."""
    if isinstance(schema, dict):
        title = schema.get("title")
        if isinstance(title, str) and pascal_case(title):
            return pascal_case(title)
        props = schema.get("properties")
        consts = [
            v["const"] for v in (props.values() if isinstance(props, dict) else ())
            if isinstance(v, dict) and isinstance(v.get("const"), str)
        ]
        if len(consts) == 1 and pascal_case(consts[0]):
            return pascal_case(consts[0])
        kind = schema.get("type")
        named = [m for m in members if is_constrained_scalar(m) or is_inline_object(m)]
        same = [m for m in named if m.get("type") == kind]
        if isinstance(kind, str) and len(same) == 1:
            return pascal_case(kind)
    return str(index + 1)
