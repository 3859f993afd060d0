"""Classifying incoming frames, in the spec's fixed order, into outcomes.

Order: server pings, error replies, responses, notifications, events (as listed: the
first whose ``when`` matches and whose payload validates), else unknown. Each frame is
decoded once (``pydantic_core.from_json``, the Rust parser); a notification's payload is
then validated once by its channel's ``parse``.
Nothing in here raises out of :meth:`Dispatcher.receive`: bad JSON or a payload that
fails validation becomes a :class:`Malformed` outcome carrying the error.

The outcomes (:mod:`.outcomes`) are small slotted objects; the caller dispatches on their
exact type.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic_core import from_json

from ..errors import MalformedFrame, ServerError, brief, explain
from ..pointer import MISSING, getter
from ..protocol import ChannelSpec, EventSpec, Protocol, Reply
from .correlator import Correlator
from .lenient import ValidationPolicy, lenient_parse
from .match import compile_match
from .outcomes import (
    Drifted,
    ErrorReply,
    Event,
    GapNotification,
    Malformed,
    MatchAck,
    Notification,
    Outcome,
    PingReceived,
    Response,
    StrayReply,
    SubscriptionEnded,
    TemplateNotification,
    Unknown,
)
from .replies import compile_reply
from .subscriptions import SubEntry, Subscriptions, canonical

__all__ = ["Dispatcher", "lookup_code"]


T = TypeVar("T")

_INTEGER = re.compile(r"-?[0-9]{1,18}")
"""An error code sent as a string that our int codes may match (ASCII digits only:
``"²"`` is a digit to ``str.isdigit`` but not to ``int``)."""


def lookup_code(table: Mapping[Any, T], code: Any) -> T | None:
    """``table[code]`` for an error code as the server sent it, else None. An int code
    also matches its decimal string and the other way round; any JSON value is
    accepted (an object, ``"²"``, a 5000-digit number) and simply matches nothing."""
    if not table:
        return None
    try:
        hit = table.get(code)
    except TypeError:  # unhashable: a JSON object or array
        return None
    if hit is None and type(code) is str and _INTEGER.fullmatch(code):
        hit = table.get(int(code))
    elif hit is None and type(code) is int and -(10**18) < code < 10**18:
        hit = table.get(str(code))
    return hit


class Dispatcher:
    """Turns one incoming frame into one :class:`Outcome`."""

    def __init__(
        self,
        protocol: Protocol,
        correlator: Correlator,
        subscriptions: Subscriptions,
        validation: ValidationPolicy = "strict",
        channel_validation: Mapping[str, ValidationPolicy] | None = None,
    ) -> None:
        self._policy: ValidationPolicy = validation
        self._policies = dict(channel_validation or {})
        self._correlator = correlator
        self._subs = subscriptions
        self._routes = subscriptions.routes
        self._error_classes = protocol.error_classes
        env = protocol.envelope

        self._ping_texts: dict[str, Reply] = {}
        self._pings: list[tuple[Any, Reply]] = []
        for ping in protocol.heartbeat.server_pings:
            if ping.text is not None:
                self._ping_texts[ping.text] = ping.reply
            else:
                self._pings.append((compile_match(ping.when), ping.reply))

        self._error_rules = [
            (
                compile_match(rule.when),
                getter(rule.id),
                getter(rule.code),
                getter(rule.message),
                getter(rule.data) if rule.data is not None else None,
            )
            for rule in (env.error, env.result_error)
            if rule is not None
        ]
        self._base_error = protocol.base_error

        self._reply = compile_reply(protocol, correlator)
        self._is_response = self._resp_id = self._resp_result = None
        if env.response is not None:
            self._is_response = compile_match(env.response.when)
            self._resp_id = getter(env.response.id)
            self._resp_result = getter(env.response.result)

        self._is_notification = self._channel = self._payload = None
        self._sub_id: Any = None
        if env.notification is not None:
            self._is_notification = compile_match(env.notification.when)
            self._channel = getter(env.notification.channel)
            self._payload = getter(env.notification.payload)
            if env.notification.subscription is not None:
                self._sub_id = getter(env.notification.subscription)
        self._by_id = subscriptions.by_id
        # Channel families that say where their routing fields are (Kraken, Coinbase).
        self._families = [
            (
                compile_match(spec.when) if spec.when is not None else None,
                tuple((name, getter(pointer)) for name, pointer in spec.route),
            )
            for spec in protocol.channels
            if spec.route
        ]
        self.check_sequences = True
        """False while two connections deliver the same streams (a rotation's overlap):
        their interleaved frames are no one stream to check."""
        self._sequences = {
            spec.name: (
                getter(spec.sequence.field),
                getter(spec.sequence.previous) if spec.sequence.previous is not None else None,
            )
            for spec in protocol.channels
            if spec.sequence is not None
        }
        methods = protocol.subscribe_methods.values()
        self._acks = [
            (compile_match(m.ack_when), getter(m.ack_address or ""))
            for m in methods
            if m.ack == "match" and m.ack_when is not None
        ]
        self._ends = [compile_match(m.end_when) for m in methods if m.end_when is not None]

        self._events = [
            (compile_match(e.when), getter(e.payload), e)
            for e in protocol.events
            if e.frame == "json"
        ]
        self._raw = {e.frame: e for e in reversed(protocol.events) if e.frame != "json"}
        """The first text and the first binary event: frames taken as they are."""

    def receive(self, data: str | bytes) -> Outcome:
        """Classify one frame. Never raises."""
        if self._ping_texts and type(data) is str:
            reply = self._ping_texts.get(data)
            if reply is not None:
                return PingReceived(reply)
        raw = self._raw.get("text" if type(data) is str else "binary")
        if raw is not None and raw.frame == "binary":
            return self._raw_event(raw, data)
        try:
            frame = from_json(data)
        except ValueError as exc:
            if raw is not None:
                return self._raw_event(raw, data)
            return Malformed(MalformedFrame(f"frame is not JSON: {exc}", data))

        if self._reply is not None:  # a correlated reply, in one step (:mod:`.replies`)
            resolved = self._reply(frame)
            if resolved is not None:
                return Response(*resolved)
        for when, reply in self._pings:
            if when(frame):
                return PingReceived(reply)
        for rule in self._error_rules:
            if rule[0](frame):
                return self._error(frame, rule)
        for when, address_of in self._acks:
            if when(frame):
                address = address_of(frame)
                key = address if type(address) is str else canonical(address)
                return MatchAck(key, frame)
        if self._is_response is not None and self._is_response(frame):
            outcome = self._response(frame)
            if (
                type(outcome) is not StrayReply
                or self._sub_id is None
                or self._is_notification is None
                or not self._is_notification(frame)
            ):
                return outcome
            # Not a reply we wait for, and a notification by its shape, on an API that
            # routes notifications by subscription id (GraphQL ``next`` shares the id
            # field with requests): a notification.
            return self._notification(frame)
        for ends in self._ends:
            if ends(frame):
                entry = self._entry_by_id(frame)
                if entry is not None:
                    return SubscriptionEnded(entry, frame)
        if self._is_notification is not None and self._is_notification(frame):
            return self._notification(frame)
        outcome = self._event(frame)
        if raw is not None and type(outcome) is Unknown:
            return self._raw_event(raw, data)  # text no JSON rule takes, as it is
        return outcome

    def _event(self, frame: Any) -> Outcome:
        """The first event, in the spec's order, whose ``when`` matches and whose payload
        validates: events a spec cannot tell apart by their fields are told apart by their
        payloads (runtime discrimination). When some match but none validates, the frame is
        :class:`Malformed` with the first one's error."""
        first: Malformed | None = None
        for when, payload_of, spec in self._events:
            if when(frame):
                try:
                    return Event(spec, spec.parse(payload_of(frame)))
                except Exception as exc:  # noqa: BLE001 - user-supplied parsers may raise anything
                    if first is None:
                        first = Malformed(
                            MalformedFrame(
                                f"event {spec.name!r}: invalid payload: {explain(exc)}", frame
                            )
                        )
        return first or Unknown(frame, "no rule of the spec matches this frame")

    @staticmethod
    def _raw_event(spec: EventSpec[Any], data: str | bytes) -> Outcome:
        """A text or binary frame delivered as it is to the event that takes such frames."""
        try:
            return Event(spec, spec.parse(data))
        except Exception as exc:  # noqa: BLE001 - user-supplied parsers may raise anything
            return Malformed(
                MalformedFrame(f"event {spec.name!r}: invalid payload: {explain(exc)}", data)
            )

    # -- kinds -------------------------------------------------------------------

    def _entry_by_id(self, frame: Any) -> SubEntry | None:
        if self._sub_id is None:
            return None
        sub_id = self._sub_id(frame)
        if sub_id is MISSING:
            return None
        try:
            return self._by_id.get(sub_id)
        except TypeError:
            return self._by_id.get(canonical(sub_id))

    def _parse(
        self, spec: ChannelSpec[Any, Any], payload: Any, frame: Any, address: Any
    ) -> tuple[Any, tuple[str, ...]] | Malformed:
        """The channel's message per its validation policy, and the fields left unset
        (``lenient``); a :class:`Malformed` outcome when there is no message."""
        policy = self._policies.get(spec.name, self._policy)
        if policy == "raw":
            return payload, ()
        try:
            return spec.parse(payload), ()
        except Exception as exc:  # noqa: BLE001 - user-supplied parsers may raise anything
            if policy == "lenient" and spec.message_type is not None:
                try:
                    message, unset = lenient_parse(spec.message_type, payload, frame)
                except Exception:  # noqa: BLE001 - nothing to be lenient about: malformed
                    unset = ()
                if unset:
                    return message, unset
            return Malformed(
                MalformedFrame(f"channel {address!r}: invalid message: {explain(exc)}", frame)
            )

    def _deliver(self, entry: SubEntry, frame: Any, payload: Any, address: Any) -> Outcome:
        parsed = self._parse(entry.spec, payload, frame, address)
        if type(parsed) is Malformed:
            return parsed
        message, unset = parsed  # type: ignore[misc]
        sequence = self._sequences.get(entry.spec.name) if self._sequences else None
        if sequence is not None and self.check_sequences:
            outcome = self._sequenced(entry, frame, message, sequence)
        else:
            outcome = Notification(entry, message)
        return Drifted(outcome, entry.spec, entry.address, unset) if unset else outcome

    @staticmethod
    def _sequenced(entry: SubEntry, frame: Any, message: Any, sequence: Any) -> Outcome:
        """The sequence check: the first frame after (re)subscribing sets the baseline."""
        field_of, previous_of = sequence
        value = field_of(frame)
        if value is MISSING:
            return Notification(entry, message)
        last = entry.seq_last
        entry.seq_last = value
        if last is None:
            return Notification(entry, message)
        if previous_of is not None:
            expected, received = last, previous_of(frame)
            if received is MISSING:
                return Notification(entry, message)
        elif isinstance(last, int) and not isinstance(last, bool):
            expected, received = last + 1, value
        else:
            return Notification(entry, message)
        if received != expected:
            return GapNotification(entry, message, expected, received)
        return Notification(entry, message)

    def _notification(self, frame: Any) -> Outcome:
        assert self._channel is not None and self._payload is not None
        if self._sub_id is not None:
            entry = self._entry_by_id(frame)
            if entry is not None:
                return self._deliver(entry, frame, self._payload(frame), entry.address)
        for when, route in self._families:
            if when is None or when(frame):
                fields = {name: value_of(frame) for name, value_of in route}
                if MISSING in fields.values():
                    continue
                key = canonical(fields)
                entry = self._routes.get(key)
                if entry is not None:
                    return self._deliver(entry, frame, self._payload(frame), key)
        address = self._channel(frame)
        if type(address) is not str:
            if isinstance(address, (dict, list)):
                key = canonical(address)
                entry = self._routes.get(key)
                if entry is not None:
                    return self._deliver(entry, frame, self._payload(frame), key)
                return Unknown(frame, f"notification on unknown channel {key}")
            if self._sub_id is not None:
                return Unknown(frame, "notification for an unknown subscription id")
            return Unknown(frame, "notification without a channel address")
        payload = self._payload(frame)
        entry = self._routes.get(address)
        if entry is not None:
            return self._deliver(entry, frame, payload, address)
        try:
            hit = self._subs.match_template(address)
        except Exception as exc:  # noqa: BLE001 - user-supplied parsers may raise anything
            return Malformed(
                MalformedFrame(
                    f"channel {address!r}: invalid address parameters: {explain(exc)}", frame
                )
            )
        if hit is None:
            return Unknown(frame, f"notification on unknown channel {address!r}")
        spec, channel = hit
        parsed = self._parse(spec, payload, frame, address)
        if type(parsed) is Malformed:
            return parsed
        message, unset = parsed  # type: ignore[misc]
        outcome = TemplateNotification(spec, channel, message)
        return Drifted(outcome, spec, address, unset) if unset else outcome

    def _response(self, frame: Any) -> Outcome:
        assert self._resp_id is not None and self._resp_result is not None
        id = self._resp_id(frame)
        pending = self._correlator.resolve(id)  # None for a missing id (MISSING) or null
        if pending is None:
            correlator = self._correlator
            return StrayReply(id, correlator.is_late(id), frame, correlator.is_duplicate(id))
        result = self._resp_result(frame)
        if result is MISSING:
            return Malformed(
                MalformedFrame(f"{pending.method}: reply has no result", frame), pending
            )
        return Response(pending, result)

    def _error(self, frame: Any, rule: tuple[Any, Any, Any, Any, Any]) -> Outcome:
        _, id_of, code_of, message_of, data_of = rule
        code = code_of(frame)
        code = None if code is MISSING else code
        message = message_of(frame)
        message = "" if message is MISSING else str(message)
        data = data_of(frame) if data_of is not None else None
        error = self.error_for(code, message, None if data is MISSING else data)
        error.reply = frame
        id = id_of(frame)
        pending = self._correlator.resolve(id)  # None for a missing id (MISSING) or null
        return ErrorReply(pending, error, frame, id)

    def error_for(self, code: Any, message: str, data: Any) -> ServerError:
        """The generated exception for ``code`` if the spec knows it, else the API's base
        error (or :class:`ServerError`).

        A text key of the ``errors`` table also matches a code, or (for an error without a
        code) a message, that starts with it followed by ``:`` and more detail (Kraken's
        ``EGeneral:Invalid arguments:volume``) or that equals it (Bybit's ``ret_msg``).
        """
        cls: Any = lookup_code(self._error_classes, code)
        if cls is None and self._error_classes:
            cls = _by_text(
                self._error_classes,
                code if type(code) is str else message if code is None else None,
            )
        if cls is None or not (isinstance(cls, type) and issubclass(cls, ServerError)):
            cls = self._base_error
        if cls is None or not (isinstance(cls, type) and issubclass(cls, ServerError)):
            cls = ServerError
        error: ServerError = cls(code, message, data)
        return error

    def __repr__(self) -> str:
        pings = len(self._pings) + len(self._ping_texts)
        return f"<Dispatcher pings={pings} events={len(self._events)}>"

    @staticmethod
    def describe(data: Any) -> str:
        """A short, safe rendering of a frame for log messages."""
        return brief(data)


def _by_text(classes: Any, text: str | None) -> Any:
    """The class of the longest text key that ``text`` equals or starts with (then ``:``).
    Bounded: the first 256 characters and at most 8 ``:``-separated parts are looked at."""
    if not text:
        return None
    text = text[:256]
    cls = classes.get(text)
    for _ in range(8):
        if cls is not None or ":" not in text:
            break
        text = text.rsplit(":", 1)[0].rstrip()
        cls = classes.get(text)
    return cls
