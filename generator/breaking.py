"""``nova-gen breaking OLD NEW``: the changes of a spec that break code using its client.

Both specs are loaded and planned as generation does, so what is compared is the generated
client's surface (Python names, annotations, models), not the spec's text: a nova spec and an
AsyncAPI document compare the same way, and reordering or reformatting a spec changes nothing.

A break is anything that makes code written against OLD's client fail against NEW's (a call,
an import, a hook override, a field access, or ``mypy`` on them):

- a public request method, a channel (its ``subscribe_*`` method and hook), an event hook, a
  model, a model field or an exception class is removed or renamed;
- a parameter (of a request, a channel or ``connect()``) is removed, renamed or now required;
- a type changes: a parameter's annotation, a request's result, a message, a model field's
  schema (annotations such as ``description`` aside), a field that may now be absent;
- an enum (or ``const``) loses values, a parameter's or a model's;
- a request keeps its Python name but sends another wire method.

Additions (requests, channels, optional parameters, fields, enum values) are not breaks. Each
break is a :class:`~nova_gen.diagnostics.Diagnostic` positioned in NEW at the node that
changed: a field's or a parameter's own key, the ``required`` entry that makes a parameter
required, the ``required`` list a field left, the ``properties`` a field was removed from;
else the request, channel, event or schema. Something removed from NEW entirely is reported at
the top of NEW's file, the message naming what was there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from nova_runtime.pointer import join_pointer

from . import ir
from .diagnostics import Diagnostic, Position
from .naming import pascal_case
from .plan import Plan, PlannedParam

REQUEST_REMOVED = "NOVA301"
CHANNEL_REMOVED = "NOVA302"
HOOK_REMOVED = "NOVA303"
MODEL_REMOVED = "NOVA304"
FIELD_REMOVED = "NOVA305"
PARAMETER_BREAK = "NOVA306"
TYPE_CHANGED = "NOVA307"
ENUM_NARROWED = "NOVA308"
WIRE_METHOD_CHANGED = "NOVA309"
ERROR_REMOVED = "NOVA310"

_ANNOTATIONS = frozenset(
    {"description", "title", "examples", "example", "$comment", "deprecated", "default"}
)


def canonical(schema: Any) -> Any:
    """``schema`` without what does not change a type: annotations, defaults and ``x-`` keys
    (``x-nova-name`` aside, which names the Python field)."""
    if isinstance(schema, list):
        return [canonical(v) for v in schema]
    if not isinstance(schema, dict):
        return schema
    return {
        k: canonical(v)
        for k, v in sorted(schema.items())
        if k not in _ANNOTATIONS and (not k.startswith("x-") or k == "x-nova-name")
    }


def allowed_values(schema: Any, defs: dict[str, Any], depth: int = 0) -> frozenset[str] | None:
    """The values an enum or ``const`` schema allows (as JSON text), following ``#/$defs/`` refs;
    None when the schema is not an enumeration."""
    if not isinstance(schema, dict) or depth > 20:
        return None
    if "enum" in schema and isinstance(schema["enum"], list):
        return frozenset(json.dumps(v, sort_keys=True) for v in schema["enum"])
    if "const" in schema:
        return frozenset({json.dumps(schema["const"], sort_keys=True)})
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return allowed_values(defs.get(ref[8:]), defs, depth + 1)
    return None


def _without_enum(schema: Any) -> Any:
    if not isinstance(schema, dict):
        return schema
    return {k: v for k, v in canonical(schema).items() if k not in ("enum", "const")}


@dataclass(frozen=True)
class _Param:
    """A keyword argument of a generated method, with what is needed to compare its type."""

    name: str
    annotation: str
    required: bool
    schema: Any
    location: ir.Location | None = None
    required_location: ir.Location | None = None


class _Comparison:
    def __init__(self, old: Plan, new: Plan) -> None:
        self.old, self.new = old, new
        self.found: list[Diagnostic] = []
        self.top = Position(new.api.source, 1, 1)

    def at(self, location: ir.Location | None) -> Position:
        return (
            self.top
            if location is None
            else Position(location.file, location.line, location.column)
        )

    def add(self, code: str, message: str, where: Position, hint: str = "") -> None:
        self.found.append(Diagnostic(code, "error", message, where, hint))

    def gone(
        self, code: str, thing: str, renamed: tuple[str, ir.Location | None] | None, hint: str
    ) -> None:
        """``thing`` of OLD is not in NEW: renamed (reported where the new name is) or removed."""
        if renamed is None:
            self.add(code, f"{thing} is removed", self.top, hint=hint)
        else:
            new_name, location = renamed
            self.add(
                code,
                f"{thing} is renamed {new_name}",
                self.at(location),
                hint="keep the old name too, or tell users to rename their uses",
            )

    # -- requests ------------------------------------------------------------------------

    def requests(self) -> None:
        old = {r.name: r for r in self.old.requests if r.public}
        new = {r.name: r for r in self.new.requests if r.public}
        by_method = {r.source.method: r for r in new.values() if r.name not in old}
        for name, was in old.items():
            now = new.get(name)
            if now is None:
                renamed = by_method.get(was.source.method)
                self.gone(
                    REQUEST_REMOVED,
                    f"request method {name}()",
                    None if renamed is None else (f"{renamed.name}()", renamed.source.location),
                    hint=f"it sent the wire method {was.source.method!r}",
                )
                continue
            where = self.at(now.source.location)
            if was.source.method != now.source.method:
                self.add(
                    WIRE_METHOD_CHANGED,
                    f"request {name}() sends the wire method {now.source.method!r}, not {was.source.method!r}",
                    where,
                    hint="servers that know only the old method will reject it",
                )
            old_result = was.result if was.awaits_reply else "None"
            new_result = now.result if now.awaits_reply else "None"
            if old_result != new_result:
                self.add(
                    TYPE_CHANGED, f"request {name}() returns {new_result}, not {old_result}", where
                )
            self.params(
                f"request {name}()",
                _params(was.params, was.source.params),
                _params(now.params, now.source.params),
                where,
            )

    # -- channels and events -------------------------------------------------------------

    def channels(self) -> None:
        old = {c.subscribe: c for c in self.old.channels}
        new = {c.subscribe: c for c in self.new.channels}
        by_address = {c.source.address: c for c in new.values() if c.subscribe not in old}
        for name, was in old.items():
            now = new.get(name)
            if now is None:
                renamed = by_address.get(was.source.address)
                self.gone(
                    CHANNEL_REMOVED,
                    f"channel {name}() (hook {was.hook})",
                    None
                    if renamed is None
                    else (f"{renamed.subscribe}() (hook {renamed.hook})", renamed.source.location),
                    hint=f"its address was {was.source.address!r}",
                )
                continue
            where = self.at(now.source.location)
            if was.hook != now.hook:
                self.add(
                    HOOK_REMOVED,
                    f"hook {was.hook} of channel {name}() is renamed {now.hook}",
                    where,
                )
            if was.message != now.message:
                self.add(
                    TYPE_CHANGED,
                    f"messages of channel {name}() are {now.message}, not {was.message}",
                    where,
                )
            self.params(
                f"channel {name}()",
                _params(was.params, was.source.parameters),
                _params(now.params, now.source.parameters),
                where,
            )

    def events(self) -> None:
        new = {e.hook: e for e in self.new.events}
        for was in self.old.events:
            now = new.get(was.hook)
            if now is None:
                self.add(
                    HOOK_REMOVED,
                    f"hook {was.hook} (event {was.source.name!r}) is removed",
                    self.top,
                    hint="handlers that override it are no longer called; `nova-gen check-handlers` will flag them",
                )
            elif was.message != now.message:
                self.add(
                    TYPE_CHANGED,
                    f"hook {was.hook} receives {now.message}, not {was.message}",
                    self.at(now.source.location),
                )

    def errors(self) -> None:
        new = {e.class_name for e in self.new.errors}
        for was in self.old.errors:
            if was.class_name not in new:
                self.add(
                    ERROR_REMOVED,
                    f"exception class errors.{was.class_name} (code {was.source.code!r}) is removed",
                    self.top,
                    hint="`except` clauses that name it fail with AttributeError",
                )

    def connect(self) -> None:
        def plain(plan: Plan) -> list[_Param]:
            return [
                _Param(c.name, c.annotation, c.source.required, c.source.schema)
                for c in plan.connect_params
            ]

        self.params("connect()", plain(self.old), plain(self.new), self.top)

    # -- parameters ----------------------------------------------------------------------

    def params(self, owner: str, old: list[_Param], new: list[_Param], where: Position) -> None:
        now = {p.name: p for p in new}
        for was in old:
            p = now.get(was.name)
            if p is None:
                self.add(
                    PARAMETER_BREAK,
                    f"parameter {was.name!r} of {owner} is removed or renamed",
                    where,
                )
                continue
            if p.required and not was.required:
                self.add(
                    PARAMETER_BREAK,
                    f"parameter {was.name!r} of {owner} is now required",
                    self.at(p.required_location or p.location) if p.location else where,
                )
            if p.annotation != was.annotation:
                self.type_change(
                    f"parameter {was.name!r} of {owner}",
                    was.schema,
                    p.schema,
                    was.annotation,
                    p.annotation,
                    self.at(p.location) if p.location else where,
                    self.old.api.schemas,
                    self.new.api.schemas,
                )
        known = {p.name for p in old}
        for p in new:
            if p.name not in known and p.required:
                self.add(
                    PARAMETER_BREAK,
                    f"{owner} has a new required parameter {p.name!r}",
                    self.at(p.required_location or p.location) if p.location else where,
                    hint="give it a default, or make it optional, so existing calls keep working",
                )

    def type_change(
        self,
        what: str,
        old: Any,
        new: Any,
        old_text: str,
        new_text: str,
        where: Position,
        old_defs: dict[str, Any],
        new_defs: dict[str, Any],
    ) -> None:
        """Report a changed type: a narrowed enum as such, a widened one not at all."""
        before, after = allowed_values(old, old_defs), allowed_values(new, new_defs)
        if before is not None and after is not None and _without_enum(old) == _without_enum(new):
            lost = sorted(before - after)
            if lost:
                self.add(ENUM_NARROWED, f"{what} no longer allows {', '.join(lost)}", where)
            return
        self.add(TYPE_CHANGED, f"{what} is {new_text}, not {old_text}", where)

    # -- models --------------------------------------------------------------------------

    def models(self) -> None:
        skip = {
            r.params_model for r in self.old.requests if r.params_model
        }  # checked as parameters
        new_models = self.new.models
        added = {
            name: canonical(s) for name, s in new_models.items() if name not in self.old.models
        }
        for name, schema in sorted(self.old.models.items()):
            if name in skip:
                continue
            now = new_models.get(name)
            if now is None:
                same = next((n for n, s in added.items() if s == canonical(schema)), None)
                self.gone(
                    MODEL_REMOVED,
                    f"model {name}",
                    None if same is None else (same, self.model_location(same)),
                    hint=f"code that imports or annotates with models.{name} fails",
                )
                continue
            self.model(name, schema, now)

    def model(self, name: str, old: Any, new: Any) -> None:
        self.schema(name, old, new, self.at(self.model_location(name)), top=name, model=name)

    def schema(
        self,
        label: str,
        old: Any,
        new: Any,
        where: Position,
        top: str | None = None,
        model: str | None = None,
        pointer: str = "",
    ) -> None:
        """Compare two schemas of one model, part by part: fields of objects (by their Python
        names at the top of a model), items of arrays; whatever else differs is a type change.
        ``pointer`` is where this part is in NEW's schema of ``model``: a break is reported at
        its node (:meth:`node`), ``where`` when that is not known."""
        if canonical(old) == canonical(new):
            return
        where = self.node(model, pointer, where)
        old_props, new_props = _properties(old), _properties(new)
        if old_props is not None and new_props is not None:
            old_required, new_required = ir.required_names(old), ir.required_names(new)

            def python(plan: Plan, wire: str) -> str:
                return self.field(plan, top, wire) if top is not None else wire

            new_fields = {python(self.new, wire): wire for wire in new_props}
            for wire, schema in old_props.items():
                field = f"{label}.{python(self.old, wire)}"
                now = new_fields.get(python(self.old, wire))
                if now is None:
                    self.add(
                        FIELD_REMOVED,
                        f"field {field} is removed or renamed",
                        self.node(model, pointer + "/properties", where),
                    )
                    continue
                at_field = join_pointer(pointer + "/properties", now)
                if wire in old_required and now not in new_required:
                    listed = pointer + "/required"
                    self.add(
                        FIELD_REMOVED,
                        f"field {field} may now be absent (it is no longer required)",
                        self.node(model, listed if isinstance(new.get("required"), list) else at_field, where),
                        hint="code that reads it gets None",
                    )
                self.schema(field, schema, new_props[now], where, model=model, pointer=at_field)
            if _rest(old, "properties", "required") != _rest(new, "properties", "required"):
                self.add(TYPE_CHANGED, f"{_what(label)} is {_short(new)}, not {_short(old)}", where)
            return
        old_items, new_items = _items(old), _items(new)
        if (
            old_items is not None
            and new_items is not None
            and _rest(old, "items") == _rest(new, "items")
        ):
            self.schema(f"{label}[]", old_items, new_items, where, model=model, pointer=pointer + "/items")
            return
        self.type_change(
            _what(label),
            old,
            new,
            _short(old),
            _short(new),
            where,
            self.old.models,
            self.new.models,
        )

    @staticmethod
    def field(plan: Plan, model: str, wire: str) -> str:
        return plan.field_names.get(f"{model}.{wire}", wire)

    def model_location(self, class_name: str) -> ir.Location | None:
        raw = self.schema_name(class_name)
        return self.new.api.schema_locations.get(raw) if raw is not None else None

    def schema_name(self, class_name: str) -> str | None:
        """The name NEW gives the schema of model ``class_name`` (None: not a named schema)."""
        names = self.new.api.schema_locations
        return next((r for r in names if r == class_name or pascal_case(r) == class_name), None)

    def node(self, model: str | None, pointer: str, fallback: Position) -> Position:
        """Where ``pointer`` (relative to NEW's schema of ``model``) is written, else its
        nearest ancestor that is; ``fallback`` for a model that is no named schema."""
        raw = self.schema_name(model) if model is not None else None
        nodes = self.new.api.schema_nodes.get(raw, {}) if raw is not None else {}
        while pointer not in nodes:
            if not pointer:
                return fallback
            pointer = pointer.rsplit("/", 1)[0]
        return self.at(nodes[pointer])

    def run(self) -> list[Diagnostic]:
        self.requests()
        self.channels()
        self.events()
        self.errors()
        self.connect()
        self.models()
        return self.found


def _params(planned: tuple[PlannedParam, ...], source: tuple[ir.Param, ...]) -> list[_Param]:
    """The keyword arguments of a method, each with the schema of its wire parameter and
    where that is written."""
    wire = {p.name: p for p in source}
    # A parameter the method fills in itself (its one allowed value) is no argument of it.
    return [
        _Param(p.name, p.annotation, p.required, s.schema, s.location, s.required_location)
        if (s := wire.get(p.wire)) is not None
        else _Param(p.name, p.annotation, p.required, {})
        for p in planned
        if p.fixed is None
    ]


def _properties(schema: Any) -> dict[str, Any] | None:
    if isinstance(schema, dict) and isinstance(schema.get("properties"), dict):
        return dict(schema["properties"])
    return None


def _what(label: str) -> str:
    """``model Book`` for a model, ``field Book.bids[]`` for a part of one."""
    return f"field {label}" if "." in label or "[" in label else f"model {label}"


def _items(schema: Any) -> Any:
    return (
        schema.get("items")
        if isinstance(schema, dict) and isinstance(schema.get("items"), dict)
        else None
    )


def _rest(schema: Any, *without: str) -> Any:
    """The canonical schema without the keywords compared part by part."""
    return (
        {k: v for k, v in canonical(schema).items() if k not in without}
        if isinstance(schema, dict)
        else schema
    )


def _short(schema: Any) -> str:
    """A schema in a message: its canonical JSON, cut to stay readable."""
    text = json.dumps(canonical(schema), sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."


def breaking_changes(old: Plan, new: Plan) -> list[Diagnostic]:
    """Every change from ``old`` to ``new`` that breaks code written against ``old``'s client."""
    return _Comparison(old, new).run()
