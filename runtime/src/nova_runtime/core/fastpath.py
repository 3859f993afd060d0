"""The receive fast path: one Rust pass for the frame that dominates real traffic.

The general path decodes a frame (``from_json``), classifies it with the envelope rules in
Python, then validates the payload (``validate_python``): two passes over the data and a
few dict lookups. Most frames of a busy connection are notifications on an address we
subscribed to, so for those this module does what a hand-written client would: it finds
the address with a substring search, then validates the *whole frame* in one
``validate_json`` call against a schema built from the envelope's notification rule and
the channel's message type.

It never decides anything the general path would decide differently: the schema demands
everything the notification rule demands, forbids a key that each earlier rule (server
pings, errors, responses) requires, and the address found by the search is checked
against the validated one. Whenever something does not fit, :meth:`FastPath.receive`
returns None and the general path takes the frame, so only speed differs, never results.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Annotated, Any, Literal, NotRequired

from pydantic import AfterValidator, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from ..pointer import Tokens, compile_pointer, getter
from ..protocol import ChannelSpec, Match, Protocol
from .subscriptions import SubEntry

__all__ = ["FastPath"]


def _reject(value: Any) -> Any:
    raise ValueError("a key an earlier rule requires is present")


_FORBIDDEN: Any = NotRequired[Annotated[Any, AfterValidator(_reject)]]


def _disjoint(a: Match, b: Match) -> bool:
    """No frame can satisfy both: same pointer with different values, or present vs absent."""
    a_eq, b_eq = dict(a.equals), dict(b.equals)
    if any(k in b_eq and b_eq[k] != v for k, v in a_eq.items()):
        return True
    a_has, b_has = set(a.present) | set(a_eq), set(b.present) | set(b_eq)
    return bool(a_has & set(b.absent) or b_has & set(a.absent))


class _Shape:
    """The frame schema as a tree of keys, turned into nested TypedDicts."""

    def __init__(self) -> None:
        self.root: dict[str, Any] = {}

    def put(self, tokens: Tokens, annotation: Any) -> bool:
        if not tokens:
            return False
        node = self.root
        for token in tokens[:-1]:
            child = node.setdefault(token, {})
            if not isinstance(child, dict):
                return False
            node = child
        if tokens[-1] in node:
            return False
        node[tokens[-1]] = annotation
        return True

    def build(self, message_type: Any) -> Any:
        def typed(node: dict[str, Any], name: str) -> Any:
            fields = {
                key: typed(value, f"{name}_{key}") if isinstance(value, dict) else value
                for key, value in node.items()
            }
            fields = {k: (message_type if v is _MESSAGE else v) for k, v in fields.items()}
            return TypedDict(name, fields)  # type: ignore[operator]

        return typed(self.root, "Frame")


_MESSAGE = object()
"""Placeholder in a shape for the channel's message type."""

_UNPLANNED: Any = object()
"""A channel whose validator was not looked for yet."""


def _pick(channel: Tokens, payload: Tokens) -> Callable[[Any], tuple[Any, Any]]:
    """``(channel, payload)`` of a frame the shape validated (so both are there). The
    usual envelope, both under one key (``params.channel``, ``params.data``), in one call."""
    if len(channel) == len(payload) == 2 and channel[0] == payload[0]:
        outer, key, data = channel[0], channel[1], payload[1]

        def pick(frame: Any) -> tuple[Any, Any]:
            inner = frame[outer]
            return inner[key], inner[data]

        return pick
    channel_of, payload_of = getter(channel), getter(payload)
    return lambda frame: (channel_of(frame), payload_of(frame))


class FastPath:
    """Validates notification frames on subscribed addresses in one pass, when it can."""

    def __init__(
        self,
        protocol: Protocol,
        routes: dict[str, SubEntry],
        unvalidated: Collection[str] = (),
    ) -> None:
        """``unvalidated``: names of channels whose messages are not validated (the
        ``raw`` validation policy): the general path takes their frames."""
        self._routes = routes
        self._unvalidated = frozenset(unvalidated)
        self._adapters: dict[str, Callable[[str], Any] | None] = {}
        self._shape: _Shape | None = None
        rule = protocol.envelope.notification
        if rule is None:
            return
        self._channel = compile_pointer(rule.channel)
        self._payload = compile_pointer(rule.payload)
        if not self._channel or rule.subscription is not None:
            return  # routed by subscription id: the general path only
        key = self._channel[-1]
        self._needles = [f'"{key}":"', f'"{key}": "']
        """Compact and spaced JSON; the one that last matched is tried first."""
        self._pick = _pick(self._channel, self._payload)
        self._shape = self._plan(protocol, rule.when)

    @property
    def enabled(self) -> bool:
        return self._shape is not None

    def _plan(self, protocol: Protocol, when: Match) -> _Shape | None:
        if when.absent or any(type(v) is not str for _, v in when.equals):
            return None
        shape = _Shape()
        ok = shape.put(self._channel, str) and shape.put(self._payload, _MESSAGE)
        for pointer, value in when.equals:
            ok = ok and shape.put(compile_pointer(pointer), Literal[value])
        for pointer in when.present:
            tokens = compile_pointer(pointer)
            if tokens not in (self._channel, self._payload):
                ok = ok and shape.put(tokens, Any)
        if not ok:
            return None
        env = protocol.envelope
        earlier = [p.when for p in protocol.heartbeat.server_pings if p.text is None]
        earlier += [r.when for r in (env.error, env.result_error, env.response) if r is not None]
        for other in earlier:
            if _disjoint(when, other):
                continue
            required = [compile_pointer(p) for p in (*other.present, *(k for k, _ in other.equals))]
            keys = [t[0] for t in required if len(t) == 1 and t[0] not in shape.root]
            if not keys:
                return None  # cannot exclude this rule by shape: no fast path
            shape.root[keys[0]] = _FORBIDDEN
        return shape

    def _adapter(self, spec: ChannelSpec[Any, Any]) -> Callable[[str], Any] | None:
        if spec.name not in self._adapters:
            adapter = None
            # Sequenced channels need the frame for their check, structured ones are
            # routed by an object key: both take the general path.
            if (
                self._shape is not None
                and spec.name not in self._unvalidated
                and spec.message_type is not None
                and spec.sequence is None
                and spec.structured is None
            ):
                try:
                    # pydantic-core's validator itself: TypeAdapter.validate_json adds a
                    # Python call per frame for nothing this path uses.
                    adapter = TypeAdapter(self._shape.build(spec.message_type)).validator.validate_json
                except Exception:  # noqa: BLE001 - a type pydantic cannot build: general path
                    adapter = None
            self._adapters[spec.name] = adapter
        return self._adapters[spec.name]

    def receive(self, text: str) -> tuple[SubEntry, Any] | None:
        """``(entry, message)`` for a notification on a subscribed address, else None."""
        needles = self._needles
        needle = needles[0]
        start = text.find(needle)
        if start < 0:
            needle = needles[1]
            start = text.find(needle)
            if start < 0:
                return None
            needles.reverse()  # this server writes the other style: try it first next time
        start += len(needle)
        address = text[start : text.find('"', start)]
        entry = self._routes.get(address)
        if entry is None:
            return None
        validate = self._adapters.get(entry.spec.name, _UNPLANNED)
        if validate is _UNPLANNED:
            validate = self._adapter(entry.spec)
        if validate is None:
            return None
        try:
            frame = validate(text)
        except ValidationError:
            return None
        channel, message = self._pick(frame)
        if channel != address:
            return None
        return entry, message
