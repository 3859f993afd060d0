"""The planner: give every part of the IR its Python name and type, once, by the policy.

Templates never invent a name or a type: they print what the :class:`Plan` holds. The
planner also decides which schemas become classes in ``models.py``: every named schema,
plus each inline object schema that a method or hook needs to name (the params of a
request, an inline result or message). All naming conflicts are diagnostics.
"""

from __future__ import annotations

import keyword
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import ir
from .diagnostics import Diagnostics, Position
from .naming import (
    RESERVED_CLASS_NAMES,
    constant_case,
    pascal_case,
    py_identifier,
    py_str,
    snake_case,
)
from .runtime import protocol as p
from .runtime.client import BaseClient
from .runtime.handlers import BaseHandlers


@dataclass(frozen=True)
class PlannedParam:
    wire: str
    name: str
    annotation: str
    required: bool
    description: str


@dataclass(frozen=True)
class PlannedRequest:
    source: ir.Request
    name: str
    const: str
    params: tuple[PlannedParam, ...]
    params_model: str | None
    result: str


@dataclass(frozen=True)
class PlannedChannel:
    source: ir.Channel
    const: str
    class_name: str
    subscribe: str
    unsubscribe: str
    hook: str
    params: tuple[PlannedParam, ...]
    message: str


@dataclass(frozen=True)
class PlannedEvent:
    source: ir.Event
    const: str
    hook: str
    message: str


@dataclass(frozen=True)
class PlannedError:
    source: p.ErrorCode
    class_name: str


@dataclass(frozen=True)
class PlannedConnectParam:
    """A handshake argument of ``connect()`` (AsyncAPI clients)."""

    source: ir.ConnectParam
    name: str
    annotation: str
    default: str | None
    """The default's source text; None for a required argument."""
    value: str
    """The expression passed to the handshake (``name``, or ``secret(name, "ENV")``)."""


@dataclass(frozen=True)
class Plan:
    api: ir.Api
    package: str
    client_class: str
    handlers_class: str
    requests: tuple[PlannedRequest, ...]
    channels: tuple[PlannedChannel, ...]
    events: tuple[PlannedEvent, ...]
    errors: tuple[PlannedError, ...]
    models: dict[str, ir.JsonSchema]
    """Every schema that becomes a class or alias in models.py, by class name."""
    field_names: dict[str, str]
    """Python names for wire fields, as ``{"Class.wire": "python_name"}`` (from ``x-nova-name``)."""
    connect_params: tuple[PlannedConnectParam, ...] = ()

    def request_const(self, method: str) -> str:
        return next(r.const for r in self.requests if r.source.method == method)


RESERVED_METHODS = frozenset(n for n in dir(BaseClient) if not n.startswith("__")) | {"connect"}
"""Attributes of BaseClient, plus ``connect``, which the generated client class defines."""
RESERVED_HOOKS = frozenset(n for n in dir(BaseHandlers) if not n.startswith("__"))
RESERVED_ERRORS = frozenset({"ServerError", "NovaError", "errors"})
RESERVED_KWARGS = frozenset({"self", "timeout", "wire_params"})
RESERVED_CONNECT = frozenset({"cls", "server", "url", "handlers", "request_timeout", "options"})


class Planner:
    def __init__(self, api: ir.Api, diagnostics: Diagnostics) -> None:
        self.api = api
        self.diagnostics = diagnostics
        self.models: dict[str, ir.JsonSchema] = {}
        self.renames: dict[str, str] = {}

    def at(self, location: ir.Location | None) -> Position:
        if location is None:
            return Position(self.api.source, 1, 1)
        return Position(location.file, location.line, location.column)

    # -- names ---------------------------------------------------------------------------

    def claim(self, taken: dict[str, str], name: str, owner: str, location: ir.Location | None) -> None:
        """Record that ``owner`` uses ``name``; a second owner is a collision."""
        if name in taken and taken[name] != owner:
            self.diagnostics.error(
                "NOVA021",
                f"{owner} and {taken[name]} both become the Python name {name!r}",
                self.at(location),
                hint="rename one of them in the spec",
            )
        taken.setdefault(name, owner)

    def check_snake(self, name: str, what: str, location: ir.Location | None, reserved: Iterable[str]) -> None:
        if not name.isidentifier() or name != name.lower() or keyword.iskeyword(name):
            self.diagnostics.error(
                "NOVA022",
                f"{what} name {name!r} is not a usable Python name",
                self.at(location),
                hint=f"use a snake_case identifier such as {snake_case(name) + '_' if keyword.iskeyword(name) else snake_case(name)!r}",
            )
        elif name in reserved:
            self.diagnostics.error(
                "NOVA022",
                f"{what} name {name!r} is reserved by the generated client",
                self.at(location),
                hint="rename it in the spec; reserved: " + ", ".join(sorted(n for n in reserved if not n.startswith("_"))),
            )

    def class_name(self, raw: str, location: ir.Location | None, taken: dict[str, str], owner: str) -> str:
        name = pascal_case(raw)
        if name in RESERVED_CLASS_NAMES:
            self.diagnostics.error(
                "NOVA022",
                f"{owner} would be named {name!r}, which generated code reserves",
                self.at(location),
                hint=f"rename it, e.g. {name + 'Data'!r}",
            )
        self.claim(taken, name, owner, location)
        return name

    # -- schemas and types ---------------------------------------------------------------

    def plan_models(self, taken: dict[str, str]) -> None:
        for raw in self.api.schemas:
            self.renames[raw] = self.class_name(raw, self.api.schema_locations.get(raw), taken, f"schema {raw!r}")
        for raw, schema in self.api.schemas.items():
            self.models[self.renames[raw]] = self.rename_refs(schema)

    def rename_refs(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.rename_refs(v) for v in value]
        if not isinstance(value, dict):
            return value
        out = {k: self.rename_refs(v) for k, v in value.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            out["$ref"] = "#/$defs/" + self.renames.get(ref[8:], ref[8:])
        return out

    def hoist(self, name: str, schema: ir.JsonSchema, taken: dict[str, str], owner: str, location: ir.Location | None) -> str:
        self.claim(taken, name, owner, location)
        self.models[name] = schema
        return f"models.{name}"

    def annotate(self, schema: Any, hoist_as: str, taken: dict[str, str], location: ir.Location | None) -> str:
        """The Python type for ``schema``; inline objects become hoisted classes."""
        schema = self.rename_refs(schema)
        if not isinstance(schema, dict) or not schema:
            return "Any"
        if "$ref" in schema:
            return f"models.{schema['$ref'][8:]}"
        if "const" in schema:
            return f"Literal[{py_str(schema['const'])}]"
        if "enum" in schema:
            values = [v for v in schema["enum"] if v is not None]
            literal = f"Literal[{', '.join(py_str(v) for v in values)}]" if values else "None"
            return f"{literal} | None" if None in schema["enum"] and values else literal
        for key in ("oneOf", "anyOf"):
            if key in schema and not schema.get("properties"):
                options = [
                    self.annotate(s, f"{hoist_as}{n + 1}", taken, location) for n, s in enumerate(schema[key])
                ]
                return " | ".join(dict.fromkeys(options))
        if "allOf" in schema and len(schema["allOf"]) == 1 and len(schema) == 1:
            return self.annotate(schema["allOf"][0], hoist_as, taken, location)
        kind = schema.get("type")
        if kind is None and ("properties" in schema or "allOf" in schema):
            kind = "object"
        if isinstance(kind, list):
            options = [self.annotate({**schema, "type": k}, hoist_as, taken, location) for k in kind]
            return " | ".join(dict.fromkeys(options))
        simple = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}
        if kind in simple:
            return simple[kind]
        if kind == "array":
            items = schema.get("items")
            return f"list[{self.annotate(items, hoist_as + 'Item', taken, location)}]"
        if kind == "object":
            if schema.get("properties") or "allOf" in schema:
                return self.hoist(hoist_as, schema, taken, f"the inline schema {hoist_as}", location)
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict) and extra:
                return f"dict[str, {self.annotate(extra, hoist_as + 'Value', taken, location)}]"
            return "dict[str, Any]"
        return "Any"

    def plan_params(
        self, params: Iterable[ir.Param], owner: str, location: ir.Location | None, taken_types: dict[str, str], prefix: str
    ) -> tuple[PlannedParam, ...]:
        taken: dict[str, str] = {}
        out = []
        for param in params:
            name = py_identifier(param.name)
            if name in RESERVED_KWARGS:
                name += "_"  # like a keyword: the method's own `timeout` keeps its meaning
            self.claim(taken, name, f"{owner} parameter {param.name!r}", location)
            annotation = self.annotate(param.schema, prefix + pascal_case(param.name), taken_types, location)
            out.append(PlannedParam(param.name, name, annotation, param.required, param.description))
        return tuple(out)

    # -- the API -------------------------------------------------------------------------

    def run(self) -> Plan:
        api = self.api
        types: dict[str, str] = {}
        self.plan_models(types)
        methods: dict[str, str] = {}
        hooks: dict[str, str] = {}
        consts: dict[str, str] = {"PROTOCOL": "the protocol"}
        requests = []
        for r in api.requests:
            self.check_snake(r.name, "request", r.location, RESERVED_METHODS)
            self.claim(methods, r.name, f"request {r.name!r}", r.location)
            const = constant_case(r.name)
            self.claim(consts, const, f"request {r.name!r}", r.location)
            base = pascal_case(r.name)
            params = self.plan_params(r.params, f"request {r.name!r}", r.location, types, base)
            params_model = None
            if r.params_ref is not None:
                params_model = self.renames.get(r.params_ref, r.params_ref)
            elif r.params:
                params_model = base + "Params"
                self.hoist(
                    params_model,
                    self.rename_refs(
                        {
                            "type": "object",
                            "properties": {p.name: p.schema for p in r.params},
                            "required": [p.name for p in r.params if p.required],
                        }
                    ),
                    types,
                    f"the params of request {r.name!r}",
                    r.location,
                )
            result = self.annotate(r.result, base + "Result", types, r.location)
            requests.append(PlannedRequest(r, r.name, const, params, params_model, result))
        channels = []
        for c in api.channels:
            self.check_snake(c.name, "channel", c.location, ())
            sub, unsub, hook = f"subscribe_{c.name}", f"unsubscribe_{c.name}", f"on_{c.name}"
            for name in (sub, unsub):
                if name in RESERVED_METHODS:
                    self.check_snake(name, "channel method", c.location, RESERVED_METHODS)
                self.claim(methods, name, f"channel {c.name!r}", c.location)
            self.check_snake(hook, "channel hook", c.location, RESERVED_HOOKS)
            self.claim(hooks, hook, f"channel {c.name!r}", c.location)
            const = constant_case(c.name) + "_CHANNEL"
            self.claim(consts, const, f"channel {c.name!r}", c.location)
            class_name = self.class_name(c.name + "_channel", c.location, types, f"channel {c.name!r}")
            base = pascal_case(c.name)
            params = self.plan_params(c.parameters, f"channel {c.name!r}", c.location, types, base)
            message = self.annotate(c.message, base + "Message", types, c.location)
            channels.append(PlannedChannel(c, const, class_name, sub, unsub, hook, params, message))
        events = []
        for e in api.events:
            self.check_snake(e.name, "event", e.location, ())
            hook = f"on_{e.name}"
            self.check_snake(hook, "event hook", e.location, RESERVED_HOOKS)
            self.claim(hooks, hook, f"event {e.name!r}", e.location)
            const = constant_case(e.name) + "_EVENT"
            self.claim(consts, const, f"event {e.name!r}", e.location)
            message = self.annotate(e.message, pascal_case(e.name) + "Message", types, e.location)
            events.append(PlannedEvent(e, const, hook, message))
        errors = []
        error_names: dict[str, str] = {n: "the runtime" for n in RESERVED_ERRORS}
        for code in api.errors:
            name = pascal_case(code.name)
            self.claim(error_names, name, f"error {code.code}", None)
            errors.append(PlannedError(code, name))
        connect_params = self.plan_connect(types)
        client_class = pascal_case(api.name) + "Client"
        handlers_class = pascal_case(api.name) + "Handlers"
        for name, what in ((client_class, "the client class"), (handlers_class, "the handlers class")):
            if name in types:
                raw = next((r for r, renamed in self.renames.items() if renamed == name), None)
                self.diagnostics.error(
                    "NOVA021",
                    f"{types[name]} collides with {what} {name!r}",
                    self.at(api.schema_locations.get(raw) if raw is not None else None),
                    hint="rename the schema",
                )
        return Plan(
            api=api,
            package=api.name,
            client_class=client_class,
            handlers_class=handlers_class,
            requests=tuple(requests),
            channels=tuple(channels),
            events=tuple(events),
            errors=tuple(errors),
            models=self.models,
            field_names=self.field_names(),
            connect_params=connect_params,
        )

    def plan_connect(self, types: dict[str, str]) -> tuple[PlannedConnectParam, ...]:
        """Python names and types of the handshake arguments of ``connect()`` (AsyncAPI)."""
        taken: dict[str, str] = {n: "connect()" for n in RESERVED_CONNECT}
        for cred in self.api.auth.credentials if self.api.auth else ():
            taken[cred.name] = f"credential {cred.name!r}"
        out = []
        for cp in self.api.connect_params:
            name = py_identifier(cp.name)
            self.claim(taken, name, f"the {cp.kind} argument {cp.name!r} of connect()", None)
            if cp.secret or cp.kind in ("basic_user", "basic_password", "bearer"):
                base = "str | CredentialProvider"  # asked again before every attempt
            else:
                base = self.annotate(cp.schema, "Connect" + pascal_case(cp.name), types, None)
            if cp.required:
                annotation, default = base, None
            elif cp.default is not None and not cp.secret:
                annotation, default = base, py_str(cp.default)
            else:
                annotation, default = f"{base} | None", "None"
            value = name
            if cp.env:
                value = f"secret({name}, {py_str(cp.env)})"
            out.append(PlannedConnectParam(cp, name, annotation, default, value))
        return tuple(out)

    def field_names(self) -> dict[str, str]:
        """Readable Python names for terse wire fields (Binance ``e`` -> ``event_type``).

        Written in the spec as ``x-nova-name`` on a property of a named schema; the wire
        name stays the alias, so frames are unchanged.
        """
        out: dict[str, str] = {}
        for class_name, schema in sorted(self.models.items()):
            properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
            taken: dict[str, str] = {}
            for wire, prop in properties.items():
                name = prop.get("x-nova-name") if isinstance(prop, dict) else None
                location = self.api.schema_locations.get(class_name)
                if name is None:
                    self.claim(taken, wire, f"field {wire!r} of {class_name}", location)
                    continue
                self.check_snake(str(name), f"x-nova-name of {class_name}.{wire}", location, ())
                self.claim(taken, str(name), f"field {wire!r} of {class_name}", location)
                out[f"{class_name}.{wire}"] = str(name)
        return out


def plan(api: ir.Api, diagnostics: Diagnostics) -> Plan:
    result = Planner(api, diagnostics).run()
    diagnostics.raise_if_errors()
    return result
