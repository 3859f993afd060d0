"""The planner: give every part of the IR its Python name and type, once, by the policy.

Templates never invent a name or a type: they print what the :class:`Plan` holds. The
planner also decides which schemas become classes in ``models.py``: every named schema,
plus each inline object schema that a method or hook needs to name (the params of a
request, an inline result or message). Two spec names that land on one Python name are a
diagnostic; a name that lands on a reserved one gets a trailing ``_`` and a warning
(``NOVA070``). Every name and type it hands to templates is :class:`~nova_gen.naming.Code`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from . import ir, reserved
from .diagnostics import Diagnostics
from .lifting import Lifter, structure_key
from .namecheck import NameChecks, Taken
from .naming import (
    KEYWORDS,
    RESERVED_CLASS_NAMES,
    Code,
    Identifier,
    allowed_by,
    constant_case,
    identifier,
    in_literal,
    is_literal,
    nfkc,
    pascal_case,
    py_str,
    snake_case,
)
from .plan import (
    Plan,
    PlannedChannel,
    PlannedConnectParam,
    PlannedCredential,
    PlannedError,
    PlannedEvent,
    PlannedParam,
    PlannedRequest,
)
from .plumbing import awaits_reply, is_public


class Planner(NameChecks):
    def __init__(self, api: ir.Api, diagnostics: Diagnostics) -> None:
        super().__init__(api, diagnostics)
        self.models: dict[str, ir.JsonSchema] = {}
        self.renames: dict[str, str] = {}
        self.model_locations: dict[str, ir.Location | None] = {}
        self.params_models: set[str] = set()
        self.types: Taken = {}
        self.structures: dict[str, str] = {}
        """Class name by :func:`~nova_gen.lifting.structure_key`: one class per schema."""
        self.lifter = Lifter(self.lifted_class)

    # -- names ---------------------------------------------------------------------------

    def class_name(self, raw: str, location: ir.Location | None, taken: Taken, owner: str) -> Identifier:
        name = self.reserve(pascal_case(raw), RESERVED_CLASS_NAMES, owner, location, suffix="Model")
        self.claim(taken, name, owner, location, raw)
        return name

    # -- schemas and types ---------------------------------------------------------------

    def plan_models(self, taken: Taken) -> None:
        for raw in self.api.schemas:
            self.renames[raw] = self.class_name(raw, self.api.schema_locations.get(raw), taken, f"schema {raw!r}")
        for raw, schema in self.api.schemas.items():
            name = self.renames[raw]
            self.model_locations.setdefault(name, self.api.schema_locations.get(raw))
            self.models[name] = self.lifter.lift(self.rename_refs(schema), name)
            self.structures.setdefault(structure_key(self.models[name]), name)

    def lifted_class(self, name: str, schema: ir.JsonSchema) -> str:
        """The class of a nested inline object (see :mod:`nova_gen.lifting`): the class of an
        equal schema if there is one, else a new one named ``name`` (numbered only when two
        paths give one name to different schemas)."""
        known = self.structures.get(structure_key(schema))
        if known is not None:
            return known
        base = self.reserve(name, RESERVED_CLASS_NAMES, f"the inline schema {name}", None, warn=False, suffix="Model")
        unique, n = base, 1
        while unique in self.types or unique in self.models:
            n += 1
            unique = Identifier(f"{base}{n}")
        self.claim(self.types, unique, f"the inline schema {unique}", None)
        self.models[unique] = schema
        self.structures[structure_key(schema)] = unique
        return unique

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

    def hoist(
        self, name: str, schema: ir.JsonSchema, taken: Taken, owner: str, location: ir.Location | None, share: bool = True
    ) -> Code:
        """The class of an inline object a signature names: an equal schema's class when
        ``share``, else a new class ``name`` (a request's params model is always its own)."""
        known = self.structures.get(structure_key(schema)) if share else None
        if known is not None:
            return Code(f"models.{known}")
        name = self.reserve(name, RESERVED_CLASS_NAMES, owner, location, suffix="Model")
        self.claim(taken, name, owner, location)
        self.models[name] = schema
        self.structures.setdefault(structure_key(schema), name)
        self.model_locations.setdefault(name, location)
        return Code(f"models.{name}")

    def annotate(self, schema: Any, hoist_as: str, taken: Taken, location: ir.Location | None) -> Code:
        """The Python type for ``schema``; inline objects become hoisted classes."""
        return Code(self._annotate(self.lifter.lift(self.rename_refs(schema), hoist_as), hoist_as, taken, location))

    def _annotate(self, schema: Any, hoist_as: str, taken: Taken, location: ir.Location | None) -> str:
        if not isinstance(schema, dict) or not schema:
            return "Any"
        if "$ref" in schema:
            name = str(schema["$ref"]).removeprefix("#/$defs/")
            if name not in self.models:  # the IR's contract: every reference is a named schema
                raise ValueError(f"reference {schema['$ref']!r} is not a planned model class")
            return f"models.{name}"
        if "const" in schema and in_literal(schema["const"]):
            return f"Literal[{py_str(schema['const'])}]"
        enum = schema.get("enum")
        if isinstance(enum, list) and enum and all(in_literal(v) for v in enum):
            values = [v for v in enum if v is not None]
            literal = f"Literal[{', '.join(py_str(v) for v in values)}]" if values else "None"
            return f"{literal} | None" if None in enum and values else literal
        for key in ("oneOf", "anyOf"):
            if key in schema and not schema.get("properties"):
                options = [
                    self._annotate(s, f"{hoist_as}{n + 1}", taken, location) for n, s in enumerate(schema[key])
                ]
                return " | ".join(dict.fromkeys(options))
        if "allOf" in schema and len(schema["allOf"]) == 1 and len(schema) == 1:
            return self._annotate(schema["allOf"][0], hoist_as, taken, location)
        kind = schema.get("type")
        if kind is None and ("properties" in schema or "allOf" in schema):
            kind = "object"
        if isinstance(kind, list):
            options = [self._annotate({**schema, "type": k}, hoist_as, taken, location) for k in kind]
            return " | ".join(dict.fromkeys(options))
        simple = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}
        if isinstance(kind, str) and kind in simple:
            return simple[kind]
        if kind == "array":
            items = schema.get("items")
            return f"list[{self._annotate(items, hoist_as + 'Item', taken, location)}]"
        if kind == "object":
            if schema.get("properties") or "allOf" in schema:
                return self.hoist(hoist_as, schema, taken, f"the inline schema {hoist_as}", location)
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict) and extra:
                return f"dict[str, {self._annotate(extra, hoist_as + 'Value', taken, location)}]"
            return "dict[str, Any]"
        return "Any"

    def argument(self, wire: str, what: str, location: ir.Location | None, taken: Taken, module: frozenset[str]) -> Identifier:
        """A keyword argument's Python name: the identifier path, then the suffix rule against
        the names the generated function bodies use (``module``). Keywords get their ``_``
        silently, as everywhere in Python APIs (``from_``)."""
        name = identifier(wire)
        keyword_escaped = name != nfkc(wire) and name.rstrip("_") in KEYWORDS
        name = self.reserve(name, module, what, location, warn=not keyword_escaped)
        self.claim(taken, name, what, location, wire)
        return name

    def plan_params(
        self,
        params: Iterable[ir.Param],
        owner: str,
        location: ir.Location | None,
        taken_types: Taken,
        prefix: str,
        module: frozenset[str],
        fill_constants: bool = False,
    ) -> tuple[PlannedParam, ...]:
        """The keyword arguments for ``params``; with ``fill_constants``, a required one that
        can take only one value is marked :attr:`PlannedParam.fixed`."""
        taken: Taken = {}
        out = []
        for param in params:
            # A property's x-nova-name names the keyword argument as it names the model field.
            python = str(param.schema.get("x-nova-name") or param.name)
            name = self.argument(python, f"parameter {param.name!r} of {owner}", location, taken, module)
            annotation = self.annotate(param.schema, prefix + pascal_case(param.name), taken_types, location)
            default = _default_source(param) if not param.required else None
            fixed = _only_value_source(param) if fill_constants else None
            out.append(PlannedParam(param.name, name, annotation, param.required, param.description, default, fixed))
        return tuple(out)

    # -- the API -------------------------------------------------------------------------

    def run(self) -> Plan:
        api = self.api
        self.check_package()
        types = self.types
        self.plan_models(types)
        methods: Taken = {}
        hooks: Taken = {}
        consts: Taken = {n: ("the generated module", n) for n in reserved.MODULE_CONSTANTS}
        request_names = []
        for r in api.requests:
            public = is_public(api, r)  # plumbing gets no method, so its name is not taken
            name = self.snake_name(r.name, "request", r.location, reserved.METHODS if public else KEYWORDS)
            if public:
                self.claim(methods, name, f"request {r.name!r}", r.location, r.name)
            const = Identifier(constant_case(name))
            self.claim(consts, const, f"request {r.name!r}", r.location)
            if r.reply and not r.correlated:
                self.claim(consts, const + "_REPLY", f"request {r.name!r}", r.location)
            request_names.append((name, const))
        channel_names = []
        for c in api.channels:
            name = self.snake_name(c.name, "channel", c.location, KEYWORDS)
            # The spec key `method` names the pair (GraphQL's generic subscribe/unsubscribe).
            subscribe = f"subscribe_{name}" if c.method is None else self.snake_name(c.method, "channel method", c.location, KEYWORDS)
            sub = self.reserve(Identifier(subscribe), reserved.METHODS, f"a method of channel {c.name!r}", c.location)
            unsub = self.reserve(Identifier("un" + subscribe), reserved.METHODS, f"a method of channel {c.name!r}", c.location)
            for method in (sub, unsub):
                self.claim(methods, method, f"channel {c.name!r}", c.location, c.name)
            hook = self.reserve(Identifier(f"on_{name}"), reserved.HOOKS, f"the hook of channel {c.name!r}", c.location)
            self.claim(hooks, hook, f"channel {c.name!r}", c.location, c.name)
            const = Identifier(constant_case(name) + "_CHANNEL")
            self.claim(consts, const, f"channel {c.name!r}", c.location)
            class_name = self.class_name(name + "_channel", c.location, types, f"channel {c.name!r}")
            channel_names.append((name, sub, unsub, hook, const, class_name))
        event_names = []
        for e in api.events:
            name = self.snake_name(e.name, "event", e.location, KEYWORDS)
            hook = self.reserve(Identifier(f"on_{name}"), reserved.HOOKS, f"the hook of event {e.name!r}", e.location)
            self.claim(hooks, hook, f"event {e.name!r}", e.location, e.name)
            const = Identifier(constant_case(name) + "_EVENT")
            self.claim(consts, const, f"event {e.name!r}", e.location)
            event_names.append((name, hook, const))
        client_class, handlers_class = self.api_classes(types)
        module = reserved.ARGUMENTS | frozenset(consts) | frozenset(types) | {client_class, handlers_class}
        requests = []
        for r, (name, const) in zip(api.requests, request_names, strict=True):
            base = pascal_case(name)
            params = self.plan_params(
                r.params, f"request {r.name!r}", r.location, types, base, module, fill_constants=not r.body
            )
            if r.body == "binary":  # the one `payload` parameter is the frame's bytes
                params = tuple(replace(prm, annotation=Code("bytes")) for prm in params)
            params_model = None
            if r.body is not None:
                pass  # the frame is the `payload` argument itself: no params model
            elif r.params_ref is not None:
                params_model = Identifier(self.renames.get(r.params_ref, r.params_ref))
            elif r.params:
                self.params_models.add(base + "Params")
                params_model = Identifier(
                    self.hoist(
                        base + "Params",
                        self.lifter.lift(
                            self.rename_refs(
                                {
                                    "type": "object",
                                    "properties": {p.name: p.schema for p in r.params},
                                    "required": [p.name for p in r.params if p.required],
                                }
                            ),
                            base + "Params",
                        ),
                        types,
                        f"the params of request {r.name!r}",
                        r.location,
                        share=False,
                    ).removeprefix("models.")
                )
            result = self.annotate(r.result, base + "Result", types, r.location)
            requests.append(
                PlannedRequest(r, name, const, params, params_model, result, is_public(api, r), awaits_reply(api, r))
            )
        channels = []
        for c, (name, sub, unsub, hook, const, class_name) in zip(api.channels, channel_names, strict=True):
            base = pascal_case(name)
            params = self.plan_params(c.parameters, f"channel {c.name!r}", c.location, types, base, module)
            message = self.annotate(c.message, base + "Message", types, c.location)
            channels.append(PlannedChannel(c, const, class_name, sub, unsub, hook, params, message))
        events = []
        for e, (name, hook, const) in zip(api.events, event_names, strict=True):
            if e.frame == "binary":
                message = Code("bytes")
            else:
                message = self.annotate(e.message, pascal_case(name) + "Message", types, e.location)
            events.append(PlannedEvent(e, const, hook, message))
        base_error = self.reserve(
            Identifier(client_class.removesuffix("Client").rstrip("_") + "Error"), reserved.ERRORS, "base error class", None
        )
        errors = []
        error_names: Taken = {base_error: ("the base error class", base_error)}
        for code in api.errors:
            where = api.error_locations.get(str(code.code))
            name = self.reserve(pascal_case(code.name), reserved.ERRORS, f"the class of error {code.code}", where)
            self.claim(error_names, name, f"error {code.code}", where, code.name)
            errors.append(PlannedError(code, name))
        connect_taken: Taken = {}
        credentials = tuple(
            PlannedCredential(
                cred, self.argument(cred.name, f"credential {cred.name!r}", api.credential_locations.get(cred.name), connect_taken, module)
            )
            for cred in (api.auth.credentials if api.auth else ())
        )
        connect_params = self.plan_connect(types, connect_taken, module)
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
            credentials=credentials,
            base_error=base_error,
        )

    def api_classes(self, types: Taken) -> tuple[Identifier, Identifier]:
        """``<Name>Client`` and ``<Name>Handlers``, suffixed when they land on a name the
        generated modules import (``name: base`` would give ``BaseClient``)."""
        out = []
        for suffix, what in (("Client", "the client class"), ("Handlers", "the handlers class")):
            name = self.reserve(
                pascal_case(self.api.name) + suffix, reserved.MODULE_IMPORTS | KEYWORDS, what, self.api.name_location
            )
            if name in types:
                raw = next((r for r, renamed in self.renames.items() if renamed == name), None)
                self.diagnostics.error(
                    "NOVA021",
                    f"{types[name][0]} collides with {what} {name!r}",
                    self.at(self.api.schema_locations.get(raw) if raw is not None else None),
                    hint="rename the schema",
                )
            out.append(name)
        return out[0], out[1]

    def plan_connect(self, types: Taken, taken: Taken, module: frozenset[str]) -> tuple[PlannedConnectParam, ...]:
        """Python names and types of the handshake arguments of ``connect()`` (AsyncAPI)."""
        out = []
        for cp in self.api.connect_params:
            # Header, cookie and query names are spelt for HTTP (`Authorization`, `X-Api-Key`,
            # `sampleRate`); the argument is snake_case and the value still goes to `cp.name`.
            python = snake_case(cp.name) if cp.kind in ("header", "cookie", "query") else cp.name
            wire = python
            if identifier(python) in taken:
                # A header and a security scheme may share a name (`token`); the later one
                # takes its kind as a suffix rather than fail generation.
                wire = f"{python}_{cp.kind}"
                self.diagnostics.warning(
                    "NOVA083",
                    f"the {cp.kind} argument {cp.name!r} of connect() has the Python name of another "
                    f"argument ({taken[identifier(python)][0]}); it is named {identifier(wire)!r}",
                    self.at(cp.location),
                    hint="rename one of them in the document to choose the names",
                )
            name = self.argument(wire, f"the {cp.kind} argument {cp.name!r} of connect()", cp.location, taken, module)
            if cp.secret or cp.kind in ("basic_user", "basic_password", "bearer"):
                base = "str | CredentialProvider"  # asked again before every attempt
            else:
                base = self.annotate(cp.schema, "Connect" + pascal_case(cp.name), types, None)
            default: Code | None
            if cp.required:
                annotation, default = base, None
            elif cp.default is not None and not cp.secret and is_literal(cp.default) and allowed_by(cp.schema, cp.default):
                annotation, default = base, py_str(cp.default)
            else:
                annotation, default = f"{base} | None", Code("None")
            value: str = name
            if cp.env:
                value = f"secret({name}, {py_str(cp.env)})"
            out.append(PlannedConnectParam(cp, name, Code(annotation), default, Code(value)))
        return tuple(out)

    def field_names(self) -> dict[str, str]:
        """Readable Python names for terse wire fields (Binance ``e`` -> ``event_type``).

        Written in the spec as ``x-nova-name`` on a property of a named schema; the wire
        name stays the alias, so frames are unchanged. Wire names of one schema that are
        the same after NFKC normalisation are ``NOVA071``: Python would see one field. A wire
        name that NFKC changes (``ｓelf``) gets its normal form as the Python name and keeps
        the wire name as alias, in every model (datamodel-code-generator would print it as it
        is, and Python would then read ``self`` and miss the ``ｓelf`` key).
        """
        out: dict[str, str] = {}
        for class_name, schema in sorted(self.models.items()):
            if class_name in self.params_models:
                continue  # keyword arguments: checked as such by plan_params
            properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
            taken: Taken = {}
            normal: Taken = {}
            for wire, prop in properties.items():
                name = prop.get("x-nova-name") if isinstance(prop, dict) else None
                location = self.api.schema_locations.get(class_name) or self.model_locations.get(class_name)
                self.claim(normal, nfkc(wire), f"field {wire!r} of {class_name}", location, wire)
                if name is None:
                    self.claim(taken, wire, f"field {wire!r} of {class_name}", location)
                    continue
                checked = self.snake_name(str(name), f"x-nova-name of {class_name}.{wire}", location, KEYWORDS, "_")
                self.claim(taken, checked, f"field {wire!r} of {class_name}", location)
                out[f"{class_name}.{wire}"] = checked
        for wire in sorted(_property_names(self.models)):
            if nfkc(wire) != wire:  # Python would read the field as nfkc(wire) and miss the wire key
                out.setdefault(wire, identifier(wire))
        return out


def _property_names(value: Any) -> set[str]:
    """Every key of every ``properties`` mapping in ``value``, however deep."""
    names: set[str] = set()
    if isinstance(value, dict):
        properties = value.get("properties")
        if isinstance(properties, dict):
            names.update(k for k in properties if isinstance(k, str))
        for v in value.values():
            names |= _property_names(v)
    elif isinstance(value, list):
        for v in value:
            names |= _property_names(v)
    return names


def plan(api: ir.Api, diagnostics: Diagnostics) -> Plan:
    result = Planner(api, diagnostics).run()
    diagnostics.raise_if_errors()
    return result


def _only_value_source(param: ir.Param) -> Code | None:
    """The Python source of the one value a required parameter can take, or None.

    ``type: {const: Settings}`` (or ``enum: [Settings]``) leaves the caller nothing to choose:
    asking for ``type="Settings"`` in every call is noise. JSON scalars only."""
    schema = param.schema
    if not param.required:
        return None
    if "const" in schema:
        value = schema["const"]
    elif isinstance(schema.get("enum"), list) and len(schema["enum"]) == 1:
        value = schema["enum"][0]
    else:
        return None
    if value is None or isinstance(value, (bool, int)) or (isinstance(value, float) and is_literal(value)):
        return Code(repr(value))
    return py_str(value) if isinstance(value, str) else None


def _default_source(param: ir.Param) -> Code | None:
    """The Python source of an optional parameter's schema ``default``: a JSON scalar only."""
    if "default" not in param.schema:
        return None
    value = param.schema["default"]
    if not allowed_by(param.schema, value):
        return None  # a default its own schema rules out: no typed default
    if value is None or isinstance(value, (bool, int, float)):
        return Code(repr(value))
    if isinstance(value, str):
        return py_str(value)
    return None
