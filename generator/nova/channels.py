"""Channels: address templates (strings or structured), parameters, routes and checks.

A channel's parameters are the ``{name}`` placeholders of its address, plus those that
appear only in ``subscribe_params`` (subscribe options such as Kraken's ``depth``, which
are not part of the routing key). Every placeholder must be declared and every declared
parameter used; a ``route`` names fields of a structured (object) address.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from nova_runtime import protocol as p
from nova_runtime.core.subscriptions import canonical
from nova_runtime.pointer import join_pointer
from nova_runtime.template import placeholders

from .. import ir
from .common import match_from

if TYPE_CHECKING:
    from .normalize import Normalizer


def address_text(address: Any) -> str:
    """A string template as it is; a structured one as canonical JSON (for logs and checks)."""
    if isinstance(address, str):
        return address
    return canonical(address)


def read_channel(n: Normalizer, name: str, c: dict[str, Any], methods: set[str]) -> ir.Channel:
    base = join_pointer("/channels", name)
    address = c["address"]
    declared: dict[str, Any] = c.get("parameters", {})
    in_address = placeholders(address)
    options = [x for x in placeholders(c.get("subscribe_params")) if x not in in_address]
    used = in_address + options
    for param in used:
        if param not in declared:
            n.diagnostics.error(
                "NOVA031",
                f"address parameter {{{param}}} of channel {name!r} is not declared",
                n.pos(join_pointer(base, "address" if param in in_address else "subscribe_params")),
                hint=f"add `{param}: {{type: string}}` under parameters",
            )
    for param in declared:
        if param not in used:
            n.diagnostics.error(
                "NOVA030",
                f"parameter {param!r} of channel {name!r} is missing from its address "
                f"{address_text(address)!r}",
                n.pos(join_pointer(join_pointer(base, "parameters"), param), key=True),
                hint=f"write {{{param}}} in the address, or remove the parameter",
            )
    _check_route(n, name, c, base)
    sequence = c.get("sequence")
    return ir.Channel(
        name=name,
        address=address_text(address),
        parameters=tuple(
            _param(n, param, declared[param], join_pointer(join_pointer(base, "parameters"), param))
            for param in used
            if param in declared
        ),
        subscription=channel_subscription(n, name, c, methods, base),
        message=n.schema(c["message"], join_pointer(base, "message")),
        summary=c.get("summary", ""),
        description=c.get("description", ""),
        examples=tuple(ir.ChannelExample(e.get("parameters", {}), e["message"]) for e in c.get("examples", ())),
        location=n.location(base),
        structured=None if isinstance(address, str) else address,
        subscribe_params=c.get("subscribe_params"),
        when=match_from(c["when"]) if "when" in c else None,
        route=tuple(c.get("route", {}).items()),
        sequence=p.Sequence(sequence["field"], sequence.get("previous")) if sequence else None,
        stale_after=_stale_after(n, name, c, base),
        method=c.get("method"),
    )


def _param(n: Normalizer, name: str, schema: Any, pointer: str) -> ir.Param:
    """A channel parameter; one whose schema has a ``default`` is optional."""
    described = isinstance(schema, dict)
    return ir.Param(
        name,
        n.schema(schema, pointer),
        required=not (described and "default" in schema),
        description=str(schema.get("description", "")) if described else "",
    )


def _stale_after(n: Normalizer, name: str, c: dict[str, Any], base: str) -> float | None:
    """The channel's ``stale_after`` in seconds; the schema bounds it, except for ``.nan``."""
    value = c.get("stale_after")
    if value is None:
        return None
    seconds = float(value)
    if not math.isfinite(seconds):
        n.diagnostics.error(
            "NOVA090",
            f"stale_after of channel {name!r} is {value!r}, not a number of seconds",
            n.pos(join_pointer(base, "stale_after")),
            hint="write the longest silence the stream's documented update rate allows, e.g. 5",
        )
        return None
    return seconds


def _check_route(n: Normalizer, name: str, c: dict[str, Any], base: str) -> None:
    route = c.get("route")
    if route is None:
        return
    address = c["address"]
    if not isinstance(address, dict):
        n.diagnostics.error(
            "NOVA035",
            f"channel {name!r} has a route but its address is not an object",
            n.pos(join_pointer(base, "route"), key=True),
            hint="a route says where each field of an object address is in a frame",
        )
        return
    for field in route:
        if field not in address:
            n.diagnostics.error(
                "NOVA035",
                f"route field {field!r} of channel {name!r} is not a field of its address",
                n.pos(join_pointer(join_pointer(base, "route"), field), key=True),
                hint="address fields: " + ", ".join(sorted(address)),
            )
    if "when" not in c:
        n.diagnostics.error(
            "NOVA035",
            f"channel {name!r} has a route but no `when` saying which frames are its own",
            n.pos(join_pointer(base, "route"), key=True),
            hint="add e.g. `when: { equals: { /channel: book } }`",
        )


def channel_subscription(n: Normalizer, name: str, c: dict[str, Any], methods: set[str], base: str) -> str:
    chosen = c.get("subscription")
    known = ", ".join(sorted(methods)) or "none, add `subscriptions`"
    if chosen is None:
        if len(methods) == 1:
            return next(iter(methods))
        n.diagnostics.error(
            "NOVA034",
            f"channel {name!r} does not say which subscription method it uses",
            n.pos(base, key=True),
            hint=f"add `subscription: <name>`; known: {known}",
        )
        return ""
    if chosen not in methods:
        n.diagnostics.error(
            "NOVA034",
            f"channel {name!r} uses unknown subscription method {chosen!r}",
            n.pos(join_pointer(base, "subscription")),
            hint=f"known: {known}",
        )
    return str(chosen)
