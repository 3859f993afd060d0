"""Semantic checks on the IR, shared by every front end.

What is checked here can only be seen once the API is assembled: schemas that are not
valid JSON Schema, incoming messages the dispatcher could not tell apart, examples that
contradict their own schemas.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from nova_runtime.core.match import compile_match, json_equal
from nova_runtime.pointer import compile_pointer, set_at
from nova_runtime.protocol import Match
from nova_runtime.template import PLACEHOLDER

from . import ir
from .contradictions import contradictions
from .diagnostics import Diagnostics, Position
from .plumbing import awaits_reply, plumbing_reason
from .satisfy import Unsatisfiable, describe, earlier_rules, satisfy
from .schemavalid import known_valid, meta_schema_validator

if TYPE_CHECKING:
    import jsonschema


def check_api(api: ir.Api, diagnostics: Diagnostics) -> None:
    schemas_ok = _check_schemas(api, diagnostics)
    _check_dispatch(api, diagnostics)
    _check_rules(api, diagnostics)
    _check_auth_pointers(api, diagnostics)
    _check_methods(api, diagnostics)
    for name, message in contradictions(api):
        diagnostics.error(
            "NOVA091", message, _at(api.schema_locations.get(name), api),
            hint="make the members agree, or drop the one that is wrong from the allOf",
        )
    if schemas_ok:  # examples cannot be checked against schemas jsonschema rejects
        _check_examples(api, diagnostics)


def _at(location: ir.Location | None, api: ir.Api) -> Position:
    if location is None:
        return Position(api.source, 1, 1)
    return Position(location.file, location.line, location.column)


def _check_methods(api: ir.Api, diagnostics: Diagnostics) -> None:
    """Requests whose generated method could not work as written (see :mod:`.plumbing`)."""
    for r in api.requests:
        if r.reply and not awaits_reply(api, r):
            diagnostics.warning(
                "NOVA080",
                f"request {r.name!r} waits for a reply, but nothing recognises one (no `response` "
                "rule, or only a subscription's uncorrelated ack); its method only sends",
                _at(r.location, api),
                hint="write `reply: false`, or add `envelope.response`",
            )
        reason = plumbing_reason(api, r) if r.public else None
        if reason is not None:
            diagnostics.warning(
                "NOVA081",
                f"request {r.name!r} cannot be called on its own ({reason}); the client gets no "
                "method for it",
                _at(r.location, api),
                hint="remove `public: true` (or write `public: false`): it is plumbing only the runtime sends",
            )


def _schemas(api: ir.Api) -> Iterator[tuple[str, ir.JsonSchema, ir.Location | None]]:
    for name, schema in api.schemas.items():
        yield f"schema {name!r}", schema, api.schema_locations.get(name)
    for r in api.requests:
        for param in r.params:
            yield f"param {param.name!r} of request {r.name!r}", param.schema, r.location
        yield f"result of request {r.name!r}", r.result, r.location
    for c in api.channels:
        for param in c.parameters:
            yield f"parameter {param.name!r} of channel {c.name!r}", param.schema, c.location
        yield f"message of channel {c.name!r}", c.message, c.location
    for e in api.events:
        yield f"message of event {e.name!r}", e.message, e.location
    for cp in api.connect_params:
        yield f"the {cp.kind} argument {cp.name!r} of connect()", cp.schema, cp.location


def _check_schemas(api: ir.Api, diagnostics: Diagnostics) -> bool:
    ok = True
    # The same schema text is often written many times (a $ref, a list of strings); checking
    # against the 2020-12 meta-schema was the slowest step of generation, so each distinct
    # text is checked once (by jsonschema-rs; python-jsonschema for the message of a schema
    # it refuses: see schemavalid.py) and its outcome reported at every place it is written.
    outcomes: dict[str, jsonschema.SchemaError | None] = {}
    for what, schema, location in _schemas(api):
        text = json.dumps(schema, default=repr)
        if text not in outcomes:
            outcomes[text] = None
            if not meta_schema_validator().is_valid(schema):  # the slow check only explains
                import jsonschema

                try:
                    jsonschema.Draft202012Validator.check_schema(schema)
                except jsonschema.SchemaError as error:
                    outcomes[text] = error
        exc = outcomes[text]
        if exc is not None:
            ok = False
            path = "/".join(str(t) for t in exc.absolute_path)
            diagnostics.error(
                "NOVA012",
                f"{what} is not valid JSON Schema: {exc.message}" + (f" (at {path})" if path else ""),
                _at(location, api),
                hint="types are JSON Schema: type is one of string, number, integer, boolean, "
                "object, array, null",
            )
    return ok


# -- dispatch ----------------------------------------------------------------------------


def disjoint(a: Match, b: Match) -> bool:
    """True when no frame can satisfy both ``a`` and ``b``: a pointer whose allowed values
    (``equals``, ``one_of``) do not meet, or are all excluded by the other (``none_of``), or
    that one needs present and the other absent."""
    a_allowed, b_allowed = _allowed(a), _allowed(b)
    for pointer, values in a_allowed.items():
        other = b_allowed.get(pointer)
        if other is not None and not any(_json_in(v, other) for v in values):
            return True
    for allowed, negated in ((a_allowed, b.none_of), (b_allowed, a.none_of)):
        for pointer, excluded in negated:
            found = allowed.get(pointer)
            if found is not None and all(_json_in(v, excluded) for v in found):
                return True
    a_has = set(a.present) | set(a_allowed)
    b_has = set(b.present) | set(b_allowed)
    return bool(a_has & set(b.absent) or b_has & set(a.absent))


def _allowed(match: Match) -> dict[str, tuple[Any, ...]]:
    """Pointer -> the values a frame may have there (``equals`` and ``one_of`` together)."""
    out: dict[str, tuple[Any, ...]] = {p: tuple(vs) for p, vs in match.one_of}
    for pointer, value in match.equals:
        out[pointer] = (value,) if pointer not in out or _json_in(value, out[pointer]) else ()
    return out


def _json_in(value: Any, values: tuple[Any, ...]) -> bool:
    return any(json_equal(value, v) for v in values)


def _check_rules(api: ir.Api, diagnostics: Diagnostics) -> None:
    """Rules no frame can meet (NOVA084), rules whose frames the client reads as another
    kind first (NOVA085), and a heartbeat ping request whose pong is no reply (NOVA086):
    each found by building the frame as the local test server would (:mod:`.satisfy`)."""
    env = api.envelope
    earlier = earlier_rules(env)
    rules: list[tuple[str, str, Match, ir.Location | None]] = [
        (kind, f"the envelope's `{kind}` rule", rule.when, api.envelope_locations.get(kind))
        for kind, rule in (
            ("error", env.error),
            ("result_error", env.result_error),
            ("response", env.response),
            ("notification", env.notification),
        )
        if rule is not None
    ]
    rules += [("event", f"event {e.name!r}", e.when, e.location) for e in api.events if e.frame == "json"]
    for kind, what, when, location in rules:
        try:
            frame = satisfy(copy.deepcopy(dict(env.template)), when, earlier.get(kind, ()))
        except Unsatisfiable:
            diagnostics.error(
                "NOVA084",
                f"no frame can meet {what}: {describe(when)} contradicts itself",
                _at(location, api),
                hint="a pointer cannot both equal a value and be `not` that value, nor be both "
                "present and absent; drop one of the two conditions",
            )
            continue
        shadow = next((m for m in earlier.get(kind, ()) if compile_match(m)(frame)), None)
        if shadow is not None:
            diagnostics.warning(
                "NOVA085",
                f"frames that meet {what} also meet the rule {describe(shadow)}, which the "
                "client tries first: they would be read as that kind",
                _at(location, api),
                hint="make the rules exclude each other, e.g. `not: {/success: [true]}` on the error "
                "rule and `not: {/success: [false]}` on the response rule, with a value that tells them apart",
            )
    _check_ping_request(api, diagnostics)


def _check_ping_request(api: ir.Api, diagnostics: Diagnostics) -> None:
    """A request that is also the heartbeat's client ping: its generated method waits for a
    reply, so the pong must be one (meet the `response` rule)."""
    ping = api.heartbeat.client_ping
    response = api.envelope.response
    if ping is None or ping.pong is None or ping.send.request is None or response is None:
        return
    request = api.request_by_method(ping.send.request)
    if request is None or not request.reply or not request.correlated:
        return
    pong: dict[str, Any] = copy.deepcopy(dict(api.envelope.template))
    set_at(pong, compile_pointer(response.id), 1)  # the pong echoes the ping's id
    try:
        pong = satisfy(pong, ping.pong)
    except Unsatisfiable:
        return  # the pong rule itself is reported where rules are checked
    if compile_match(response.when)(pong):
        return
    diagnostics.warning(
        "NOVA086",
        f"request {request.name!r} is the heartbeat ping, but its pong {describe(ping.pong)} does not "
        f"meet the envelope's `response` rule {describe(response.when)}: its method would wait for a "
        "reply that never comes",
        _at(request.location, api),
        hint="let the `response` rule accept the pong (e.g. `in: {/type: [result, pong]}`), or write "
        "`reply: false` on the request",
    )


def _check_auth_pointers(api: ir.Api, diagnostics: Diagnostics) -> None:
    """An ``auth.token`` / ``expires_in`` / ``refresh_token`` written in the spec that
    names a member the login result's schema cannot have: the client would never find a
    token there (NOVA087). Pointers left to their defaults are ignored where the reply has
    no such member (docs/spec-language.md, Auth)."""
    auth = api.auth
    login = api.request_by_method(auth.request) if auth is not None else None
    if auth is None or login is None:
        return
    for key, location in api.auth_pointer_locations.items():
        pointer = getattr(auth, key)
        if pointer and not _may_have(api, login.result, compile_pointer(pointer)):
            diagnostics.warning(
                "NOVA087",
                f"auth.{key} {pointer!r} names a member the result of the login request "
                f"{login.name!r} cannot have: the client never finds one there",
                _at(location, api),
                hint="point it at a member of the login result's schema, or leave the key out",
            )


def _may_have(api: ir.Api, schema: Any, tokens: tuple[str, ...]) -> bool:
    """Whether a value valid against ``schema`` may have a member at ``tokens`` (an
    approximation that errs towards yes: combinators and open objects may)."""
    for _ in range(64):  # a $ref chain is followed this far at most
        if not tokens:
            return True
        if not isinstance(schema, dict):
            return schema is not False
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            schema = api.schemas.get(ref.removeprefix("#/$defs/"), {})
            continue
        if any(k in schema for k in ("oneOf", "anyOf", "allOf", "if", "$ref")):
            return True
        types = schema.get("type")
        types = [types] if isinstance(types, str) else types
        if isinstance(types, list) and "object" not in types and "array" not in types:
            return False
        props = schema.get("properties")
        if isinstance(props, dict) and tokens[0] in props:
            schema, tokens = props[tokens[0]], tokens[1:]
            continue
        closed = schema.get("additionalProperties") is False or "const" in schema or "enum" in schema
        return not closed and not isinstance(props, dict)
    return True


def template_regex(address: str) -> re.Pattern[str]:
    parts = PLACEHOLDER.split(address)[::2]
    return re.compile("(.+?)".join(re.escape(p) for p in parts) + r"\Z")


def _check_dispatch(api: ir.Api, diagnostics: Diagnostics) -> None:
    # Text and binary events take frames as they are (no `when`); only JSON ones are matched.
    events = [e for e in api.events if e.frame == "json"]
    for i, e in enumerate(events):
        if e.by_validation:
            continue  # told apart by validation; the front end warned once for its group
        if not (e.when.present or e.when.absent or e.when.equals or e.when.one_of or e.when.none_of):
            if api.source_format == "asyncapi":
                diagnostics.warning(
                    "NOVA042",
                    f"message {e.source_name or repr(e.name)} (hook on_{e.name}) pins no field, so it "
                    "matches every JSON frame",
                    _at(e.location, api),
                    hint="give its payload a required field with a `const` (`type: {const: tick}`), or "
                    "add `x-nova-when: {equals: {/type: tick}}` to the message; keep it only if a "
                    "catch-all is really meant",
                )
            else:
                diagnostics.warning(
                    "NOVA042",
                    f"event {e.name!r} has an empty `when`, so it matches every frame",
                    _at(e.location, api),
                    hint="add a condition such as `equals: {/type: ...}`",
                )
            continue
        for other in events[:i]:
            if not other.by_validation and not disjoint(e.when, other.when):
                diagnostics.error(
                    "NOVA032",
                    f"events {other.name!r} and {e.name!r} cannot be told apart: a frame can match both",
                    _at(e.location, api),
                    hint="make their `when` conditions exclude each other, e.g. different `equals` values",
                )
        rule = api.envelope.notification
        if rule is not None and not disjoint(e.when, rule.when):
            diagnostics.error(
                "NOVA032",
                f"event {e.name!r} cannot be told apart from channel notifications",
                _at(e.location, api),
                hint="its `when` must exclude the envelope's notification `when`",
            )
    rule = api.envelope.notification
    if rule is not None and rule.subscription is not None:
        return  # routed by subscription id: addresses never meet an incoming frame
    channels = [c for c in api.channels if c.structured is None and c.when is None]
    for i, channel in enumerate(channels):
        probe_c = PLACEHOLDER.sub("x", channel.address)
        for previous in channels[:i]:
            probe_o = PLACEHOLDER.sub("x", previous.address)
            if template_regex(previous.address).match(probe_c) and template_regex(channel.address).match(probe_o):
                diagnostics.error(
                    "NOVA032",
                    f"channels {previous.name!r} and {channel.name!r} have addresses that cannot be "
                    f"told apart ({previous.address!r}, {channel.address!r})",
                    _at(channel.location, api),
                    hint="give one of them a different literal part",
                )


# -- examples ----------------------------------------------------------------------------


def example_errors(api: ir.Api, schema: ir.JsonSchema, value: Any) -> str | None:
    """Why ``value`` does not match ``schema`` (with the API's named schemas as ``$defs``),
    or None when it matches."""
    return schema_problem(schema, api.schemas, value)


def schema_problem(schema: ir.JsonSchema | bool, defs: Mapping[str, ir.JsonSchema], value: Any) -> str | None:
    """Why ``value`` does not match ``schema`` (draft 2020-12, ``defs`` as its ``$defs``):
    the best error's message and instance path; None when it matches."""
    import jsonschema  # imported only for a value jsonschema-rs does not call valid

    root = {**schema, "$defs": dict(defs)} if isinstance(schema, dict) else schema
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(root).iter_errors(value))
    if error is None:
        return None
    path = "/".join(str(t) for t in error.absolute_path)
    return f"{error.message}" + (f" (at /{path})" if path else "")


def _examples(api: ir.Api) -> Iterator[tuple[str, ir.JsonSchema | None, Any, ir.Location | None]]:
    """Every example of the API: (what it is, the schema it must match, the value, where);
    the schema None for a channel example's parameter the channel does not have (its name
    as the value)."""
    for r in api.requests:
        params_schema: ir.JsonSchema = (
            r.params[0].schema
            if r.params_array
            else {
                "type": "object",
                "properties": {p.name: p.schema for p in r.params},
                "required": [p.name for p in r.params if p.required],
            }
        )
        for n, ex in enumerate(r.examples):
            label = f"example {ex.name or n + 1} of request {r.name!r}"
            if ex.error is None:  # an error example may show params the server rejects
                yield f"params of {label}", params_schema, ex.params, r.location
                yield f"result of {label}", r.result, ex.result, r.location
    for c in api.channels:
        params = {p.name: p.schema for p in c.parameters}
        for n, cex in enumerate(c.examples):
            label = f"example {n + 1} of channel {c.name!r}"
            yield f"message of {label}", c.message, cex.message, c.location
            for name, value in cex.parameters.items():
                if name not in params:
                    yield f"parameters of {label}", None, name, c.location
                else:
                    yield f"parameter {name!r} of {label}", params[name], value, c.location
    for e in api.events:
        for n, value in enumerate(e.examples):
            yield f"example {n + 1} of event {e.name!r}", e.message, value, e.location


def _check_examples(api: ir.Api, diagnostics: Diagnostics) -> None:
    def report(what: str, problem: str | None, location: ir.Location | None) -> None:
        if problem is not None:
            diagnostics.error(
                "NOVA036",
                f"{what} does not match its schema: {problem}",
                _at(location, api),
                hint="fix the example or the schema; the local test server answers from examples",
            )

    # jsonschema-rs decides for all examples at once where it reads the schemas as
    # python-jsonschema does; python-jsonschema decides the rest, and explains every failure.
    cases = list(_examples(api))
    valid = known_valid(api.schemas, [(schema, value) for _, schema, value, _ in cases if schema is not None])
    verdicts = iter(valid)
    for what, schema, value, location in cases:
        if schema is None:
            report(what, f"unknown parameter {value!r}", location)
        elif not next(verdicts):
            report(what, example_errors(api, schema, value), location)
