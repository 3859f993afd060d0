"""The desired set of subscriptions, and how to (re)establish it.

The registry remembers what the user *wants* to be subscribed to, keyed by channel
address, independent of any one connection: after a reconnect (a later layer) the
:meth:`Subscriptions.restore_plan` says which subscribe requests to send again, grouped
per subscribe method and batched where the method allows it.

It also owns routing by address: ``routes`` is a plain dict from address to entry,
the one lookup a notification pays on the hot path. Addresses that only match a
channel template (someone else subscribed, or the server pushes them) are recognised
by :meth:`Subscriptions.match_template`, slower but off the hot path.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

from ..pointer import compile_pointer, set_at
from ..protocol import ChannelSpec, Protocol, SubscribeMethod
from ..template import PLACEHOLDER, fill

__all__ = ["RestoreStep", "SubEntry", "SubState", "Subscriptions", "canonical"]

_canonical = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=True
).encode


def canonical(value: Any) -> str:
    """The routing key of a structured address: its JSON text, keys sorted, no spaces."""
    return _canonical(value)


SubState = Literal["pending", "active", "failed", "unsubscribed"]


class SubEntry:
    """One subscribed address, and every consumer (``sinks``) that wants its messages."""

    __slots__ = (
        "address",
        "channel",
        "error",
        "method",
        "received",
        "seq_last",
        "sinks",
        "spec",
        "state",
        "sub_id",
        "wire",
    )

    def __init__(
        self,
        address: str,
        spec: ChannelSpec[Any, Any],
        channel: Any,
        method: SubscribeMethod,
        wire: Any = None,
    ) -> None:
        self.address = address
        """The routing key: the filled template, or the canonical JSON of a structured one."""
        self.wire: Any = address if wire is None else wire
        """What a subscribe request carries for this address (a string or a JSON value)."""
        self.sub_id: Any = None
        """The server-assigned subscription id on the current connection, if any."""
        self.seq_last: Any = None
        """The last sequence value seen (None: the next frame sets the baseline)."""
        self.received = 0
        """Messages delivered on this address so far (the stale watchdog reads it)."""
        self.spec = spec
        self.channel = channel
        """The typed channel object (the generated dataclass instance)."""
        self.method = method
        self.state: SubState = "pending"
        self.sinks: list[Any] = []
        """Opaque consumers owned by the I/O layer (``Subscription`` objects)."""
        self.error: BaseException | None = None

    def __repr__(self) -> str:
        return f"<SubEntry {self.address} {self.state} sinks={len(self.sinks)}>"


@dataclass(frozen=True, slots=True)
class RestoreStep:
    """One subscribe request to send again after a reconnect."""

    method: SubscribeMethod
    addresses: tuple[str, ...]
    params: Any


_PLACEHOLDER = PLACEHOLDER


@functools.lru_cache(maxsize=256)
def _template_parts(template: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``ticker.{a}.{b}`` -> literal pieces ``("ticker.", ".", "")`` and names ``("a", "b")``."""
    literals, names, pos = [], [], 0
    for m in _PLACEHOLDER.finditer(template):
        literals.append(template[pos : m.start()])
        names.append(m.group(1))
        pos = m.end()
    literals.append(template[pos:])
    return tuple(literals), tuple(names)


def _attribute_names(spec: ChannelSpec[Any, Any]) -> dict[str, str]:
    """Parameter (wire) name -> attribute of the channel object (``fields`` when given)."""
    return dict(zip(spec.parameters, spec.fields or spec.parameters, strict=True))


class _Template:
    """A channel template compiled for matching addresses back to channel objects."""

    __slots__ = ("_build", "attributes", "regex", "spec")

    def __init__(self, spec: ChannelSpec[Any, Any]) -> None:
        self.spec = spec
        literals, names = _template_parts(spec.address)
        attrs = _attribute_names(spec)
        self.attributes = tuple(attrs.get(n, n) for n in names)
        self.regex = re.compile("(.+?)".join(re.escape(lit) for lit in literals))
        self._build: Any = None

    def channel(self, groups: tuple[str, ...]) -> Any:
        """Build the typed channel object, coercing strings to the field types if we can."""
        values = dict(zip(self.attributes, groups, strict=True))
        if self._build is None:
            try:
                from pydantic import TypeAdapter

                adapter: TypeAdapter[Any] = TypeAdapter(self.spec.channel_type)  # type: ignore[arg-type]
                self._build = adapter.validate_python
            except Exception:  # noqa: BLE001 - not a type pydantic understands: call it as is
                self._build = lambda v: self.spec.channel_type(**v)
        return self._build(values)


_SHARED_MAX = 256
_TEMPLATES: dict[int, tuple[Protocol, tuple[_Template, ...]]] = {}
"""``id(protocol)`` -> the protocol and its compiled templates, for the first
:data:`_SHARED_MAX` protocols (held with them, so that the id is not reused)."""


def _templates_of(protocol: Protocol) -> tuple[_Template, ...]:
    """The address templates of ``protocol``'s channels, compiled once per protocol:
    every client of it shares them (they hold no client state)."""
    hit = _TEMPLATES.get(id(protocol))
    if hit is not None and hit[0] is protocol:
        return hit[1]
    templates = tuple(
        _Template(spec) for spec in protocol.channels if spec.structured is None
    )
    if len(_TEMPLATES) < _SHARED_MAX:
        _TEMPLATES[id(protocol)] = (protocol, templates)
    return templates


class Subscriptions:
    """Desired subscriptions by address, their states, and the requests that make them."""

    def __init__(self, protocol: Protocol) -> None:
        self.methods = dict(protocol.subscribe_methods)
        self.routes: dict[str, SubEntry] = {}
        """Address -> entry, for every entry that is pending or active."""
        self._entries: dict[str, SubEntry] = {}
        self._templates = _templates_of(protocol)
        self.by_id: dict[Any, SubEntry] = {}
        """Server-assigned subscription id -> entry, for the current connection."""
        self._address_tokens = {
            name: compile_pointer(m.addresses) for name, m in self.methods.items()
        }

    # -- addresses ---------------------------------------------------------------

    @staticmethod
    def values_of(spec: ChannelSpec[Any, Any], channel: Any) -> dict[str, Any]:
        """Parameter name -> the channel object's (typed) value."""
        attrs = _attribute_names(spec)
        out = {}
        for name in spec.parameters:
            value = getattr(channel, attrs.get(name, name))
            out[name] = getattr(value, "value", value) if _is_enum(value) else value
        return out

    @staticmethod
    def address_of(spec: ChannelSpec[Any, Any], channel: Any) -> str:
        """The concrete address of ``channel``: the template filled from its attributes
        (``template.fill``), or for a structured address the canonical JSON of the
        filled object."""
        values = Subscriptions.values_of(spec, channel)
        if spec.structured is not None:
            return canonical(fill(spec.structured, values))
        return str(fill(spec.address, {k: str(v) for k, v in values.items()}))

    @staticmethod
    def wire_of(spec: ChannelSpec[Any, Any], channel: Any, address: str) -> Any:
        """What a subscribe request carries for ``channel``: its ``subscribe_params`` or
        structured address filled with typed values, else the address string."""
        template = (
            spec.subscribe_params
            if spec.subscribe_params is not None
            else spec.structured
        )
        if template is None:
            return address
        return fill(template, Subscriptions.values_of(spec, channel))

    def match_template(self, address: str) -> tuple[ChannelSpec[Any, Any], Any] | None:
        """The channel family and typed channel object an address belongs to, if any."""
        for template in self._templates:
            m = template.regex.fullmatch(address)
            if m is not None:
                return template.spec, template.channel(m.groups())
        return None

    # -- the desired set ---------------------------------------------------------

    def add(
        self, spec: ChannelSpec[Any, Any], channel: Any, sink: Any
    ) -> tuple[SubEntry, bool]:
        """Add ``sink`` as a consumer of ``channel``; True if the address is new (subscribe it)."""
        address = self.address_of(spec, channel)
        entry = self.routes.get(address)
        if entry is not None:
            entry.sinks.append(sink)
            return entry, False
        try:
            method = self.methods[spec.via]
        except KeyError:
            raise ValueError(
                f"channel {spec.name!r} uses unknown subscribe method {spec.via!r}"
            ) from None
        entry = SubEntry(
            address, spec, channel, method, self.wire_of(spec, channel, address)
        )
        entry.sinks.append(sink)
        self._entries[address] = entry
        self.routes[address] = entry
        return entry, True

    def get(self, address: str) -> SubEntry | None:
        """The entry for ``address`` in any state."""
        return self._entries.get(address)

    def entries(self) -> list[SubEntry]:
        return list(self._entries.values())

    def mark_active(self, addresses: Iterable[str]) -> list[SubEntry]:
        """The server confirmed these addresses; returns the entries that changed."""
        changed = []
        for address in addresses:
            entry = self.routes.get(address)
            if entry is not None and entry.state == "pending":
                entry.state = "active"
                changed.append(entry)
        return changed

    def mark_failed(
        self, addresses: Iterable[str], error: BaseException
    ) -> list[SubEntry]:
        """The server refused these addresses: they leave the desired set."""
        changed = []
        for address in addresses:
            entry = self.routes.pop(address, None)
            if entry is not None:
                entry.state = "failed"
                entry.error = error
                del self._entries[address]
                self.forget_id(entry)
                changed.append(entry)
        return changed

    def remove_sink(self, entry: SubEntry, sink: Any) -> bool:
        """Drop one consumer; True when it was the last one (send an unsubscribe)."""
        if sink in entry.sinks:
            entry.sinks.remove(sink)
        if entry.sinks or entry.state in ("failed", "unsubscribed"):
            return False
        self.remove(entry.address)
        return True

    def remove(self, address: str) -> SubEntry | None:
        """Take ``address`` out of the desired set (unsubscribe), returning its entry."""
        entry = self._entries.pop(address, None)
        self.routes.pop(address, None)
        if entry is not None:
            entry.state = "unsubscribed"
            self.forget_id(entry)
        return entry

    def set_id(self, entry: SubEntry, sub_id: Any) -> None:
        """The server named ``entry``'s subscription ``sub_id`` (on this connection)."""
        self.forget_id(entry)
        entry.sub_id = sub_id
        try:
            self.by_id[sub_id] = entry
        except TypeError:  # an unhashable id: route it by its JSON text
            self.by_id[canonical(sub_id)] = entry

    def forget_id(self, entry: SubEntry) -> None:
        if entry.sub_id is not None:
            try:
                if self.by_id.get(entry.sub_id) is entry:
                    del self.by_id[entry.sub_id]
            except TypeError:
                self.by_id.pop(canonical(entry.sub_id), None)

    def clear(self) -> list[SubEntry]:
        """Forget everything (the client is closing); returns the entries that were live."""
        entries = list(self._entries.values())
        for entry in entries:
            entry.state = "unsubscribed"
        self._entries.clear()
        self.routes.clear()
        self.by_id.clear()
        return entries

    # -- requests ----------------------------------------------------------------

    def params_for(
        self,
        method: SubscribeMethod,
        addresses: Iterable[str | SubEntry],
        *,
        unsubscribe: bool = False,
    ) -> list[tuple[tuple[str, ...], Any]]:
        """Params of the (un)subscribe requests carrying ``addresses`` (or entries).

        Each item is ``(addresses in this request, params)``. Per the method's
        ``addresses`` pointer: a pointer to a list gets each address appended (its
        ``subscribe_params`` or structured object), one request for all of them when the
        method batches (at most ``max_batch`` per request), else one per address; ``""`` with string addresses makes the
        params the list of addresses; ``""`` with object (or array) addresses makes each
        address's object the params, one request per address. An unsubscribe with
        ``unsubscribe_params`` sends those, ``{subscription_id}`` filled, one per address;
        without them, a method whose subscription id is the request id (GraphQL) sends
        ``None`` (no params: the reused id says which operation ends).
        """
        tokens = self._address_tokens.get(method.name)
        if tokens is None:
            tokens = compile_pointer(method.addresses)
        items: list[tuple[str, Any, Any]] = []
        for item in addresses:
            if isinstance(item, SubEntry):
                items.append((item.address, item.wire, item.sub_id))
            else:
                entry = self._entries.get(item)
                if entry is not None:
                    items.append((item, entry.wire, entry.sub_id))
                else:
                    items.append((item, item, None))
        out: list[tuple[tuple[str, ...], Any]] = []
        if unsubscribe and method.unsubscribe_params is not None:
            for address, _, sub_id in items:
                out.append(
                    (
                        (address,),
                        fill(method.unsubscribe_params, {"subscription_id": sub_id}),
                    )
                )
            return out
        if unsubscribe and method.subscription_id == "request":
            return [((address,), None) for address, _, _ in items]
        if not items:
            return out
        every_string = all(isinstance(wire, str) for _, wire, _ in items)
        batch = method.batch and (bool(tokens) or every_string)
        size = (method.max_batch or len(items)) if batch else 1
        groups = [items[i : i + size] for i in range(0, len(items), size)]
        for group in groups:
            group_addresses = tuple(a for a, _, _ in group)
            wires = [w for _, w, _ in group]
            params: Any
            if tokens:
                params = {}
                set_at(params, tokens, wires)
            elif every_string:
                params = wires
            else:
                wire = wires[0]
                params = dict(wire) if isinstance(wire, dict) else wire
            out.append((group_addresses, params))
        return out

    def restore_plan(self, only: Iterable[SubEntry] | None = None) -> list[RestoreStep]:
        """The subscribe requests that re-establish the desired set on a new connection
        (or, with ``only``, those entries on the same connection: a resubscribe).

        Pending and active entries count (failed and unsubscribed ones do not), grouped
        per subscribe method in the order methods were first used, addresses in the
        order they were first subscribed, batched as each method allows.
        """
        by_method: dict[str, list[SubEntry]] = {}
        for entry in self._entries.values() if only is None else only:
            if entry.state in ("pending", "active"):
                by_method.setdefault(entry.method.name, []).append(entry)
        plan = []
        for name, addresses in by_method.items():
            method = self.methods[name]
            for group, params in self.params_for(method, addresses):
                plan.append(RestoreStep(method, group, params))
        return plan

    def restart(self, entry: SubEntry) -> None:
        """``entry`` is subscribed again on the same connection (its stream went stale):
        pending until acked, its subscription id and sequence baseline forgotten."""
        self.forget_id(entry)
        entry.sub_id = None
        entry.seq_last = None
        if entry.state == "active":
            entry.state = "pending"

    def reset_for_reconnect(self) -> None:
        """The connection is gone but the wish remains: active entries go back to pending."""
        self.by_id.clear()
        for entry in self._entries.values():
            entry.sub_id = None
            entry.seq_last = None
            if entry.state == "active":
                entry.state = "pending"


def _is_enum(value: Any) -> bool:
    return isinstance(value, Enum)
