"""One connection's protocol state: the correlator, the subscription registry and the
dispatcher behind one small API.

The I/O layer calls :meth:`Session.build_request` (and friends) to get a frame to
send, feeds every received frame to :meth:`Session.receive`, and acts on the outcome.
Time comes in as ``now`` in whatever clock the caller uses; deadlines come back in the
same clock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic_core import from_json

from ..errors import MalformedFrame, SubscriptionError, explain
from ..pointer import MISSING, compile_pointer, get
from ..protocol import (
    ChannelSpec,
    ErrorAction,
    Match,
    Protocol,
    Reply,
    RequestSpec,
    SubscribeMethod,
)
from .correlator import Correlator, Pending, PendingKind
from .dispatcher import Dispatcher, lookup_code
from .fastpath import FastPath
from .frames import RequestFrames, dumps, wire_params
from .lenient import ValidationPolicy
from .match import Predicate
from .outcomes import (
    ErrorReply,
    Event,
    GapNotification,
    Malformed,
    MatchAck,
    Notification,
    Outcome,
    PingReceived,
    Response,
    SubscribeAck,
    SubscribeFailed,
    SubscribeRetry,
    SubscriptionEnded,
    WaiterReply,
)
from .overlap import Overlap
from .subscriptions import RestoreStep, SubEntry, Subscriptions
from .waiters import Waiter, Waiters

__all__ = ["Session"]


def _no_request() -> Pending:
    """The ``pending`` of an ack or failure that completes no request of ours (one of
    several addresses acked, an error for an operation routed by id): nothing waits on it."""
    done = Pending(None, "", None, "subscribe", 0.0, 0.0, ())
    done.correlated = False
    return done


_OWN = (
    Response,
    Notification,
    GapNotification,
    PingReceived,
    SubscribeAck,
    SubscribeFailed,
    SubscribeRetry,
    SubscriptionEnded,
)
"""Outcomes that belong to the session's own state: never offered to waiters."""


class Session:
    """All the state of talking one protocol over one connection, without the I/O."""

    def __init__(
        self,
        protocol: Protocol,
        *,
        internal_timeout: float = 30.0,
        validation: ValidationPolicy = "strict",
        channel_validation: Mapping[str, ValidationPolicy] | None = None,
    ) -> None:
        """``validation`` is the policy of every channel's notifications, and
        ``channel_validation`` overrides it per channel (by the spec's channel name;
        another name raises :class:`ValueError`): see :mod:`.lenient`."""
        policies = dict(channel_validation or {})
        names = {c.name for c in protocol.channels}
        unknown = sorted(set(policies) - names)
        if unknown:
            raise ValueError(
                f"channel_validation names no channel of {protocol.name!r}: {', '.join(unknown)}"
                f" (channels: {', '.join(sorted(names))})"
            )
        for policy in (validation, *policies.values()):
            if policy not in ("strict", "lenient", "raw"):
                raise ValueError(f"validation policy {policy!r}: use strict, lenient or raw")
        self.protocol = protocol
        env = protocol.envelope
        self.correlator = Correlator(env.request.id_kind)
        self.subscriptions = Subscriptions(protocol)
        raw = {c.name for c in protocol.channels if policies.get(c.name, validation) == "raw"}
        fast = FastPath(protocol, self.subscriptions.routes, unvalidated=raw)
        self.fast: Callable[[str], tuple[SubEntry, Any] | None] | None = (
            fast.receive if fast.enabled else None
        )
        """The receive fast path (:mod:`.fastpath`) for the I/O layer's hot loop: a
        notification on a subscribed address as ``(entry, message)``, else None and the
        frame goes to :meth:`receive`, which decides the same, only slower."""
        self.dispatcher = Dispatcher(
            protocol, self.correlator, self.subscriptions, validation, policies
        )
        self.waiters = Waiters()
        """Callers waiting for an uncorrelated reply (:meth:`add_waiter`)."""
        self.internal_timeout = internal_timeout
        self.frames = RequestFrames(env)
        """Builds every request frame (and holds the handlers' ``sign`` hook)."""
        self._awaiting_match: dict[str, Pending] = {}
        """Routing key -> the subscribe request an ``ack: match`` frame will confirm."""
        self.overlap: Overlap | None = None
        """Set while two connections carry the same subscriptions (a lifetime rotation):
        the I/O layer delivers what ``overlap.offer(...)`` returns for a notification."""

    # -- rotation ----------------------------------------------------------------

    def begin_overlap(self, old: int) -> Overlap:
        """A second connection is about to carry the same subscriptions as connection
        number ``old``: from now on each message is delivered once, in order
        (:class:`~.overlap.Overlap`), and sequence checks pause (the two sockets' frames
        interleave)."""
        if self.overlap is None:
            self.overlap = Overlap(self.protocol, old)
            self.dispatcher.check_sequences = False
        return self.overlap

    def end_overlap(self) -> Overlap | None:
        """One connection again: sequence checks resume from the next frame (a new
        baseline). Returns the overlap that ended: deliver its ``drain()``."""
        overlap, self.overlap = self.overlap, None
        self.dispatcher.check_sequences = True
        for entry in self.subscriptions.entries():
            entry.seq_last = None
        return overlap

    # -- outgoing ----------------------------------------------------------------

    def build_request(
        self,
        spec: RequestSpec[Any] | str,
        params: Mapping[str, Any],
        *,
        now: float,
        timeout: float,
        kind: PendingKind = "request",
        addresses: tuple[str, ...] = (),
    ) -> tuple[Pending, str]:
        """Register a request and return its pending entry and frame text.

        ``spec`` is a :class:`RequestSpec`, or a bare wire method for requests the
        runtime makes itself. The spec's own timeout, if any, wins over ``timeout``.
        """
        if isinstance(spec, str):
            method, rspec = spec, self.protocol.requests.get(spec)
        else:
            method, rspec = spec.method, spec
            params = wire_params(spec, params)
        if rspec is not None and rspec.timeout is not None and kind == "request":
            timeout = rspec.timeout
        if self.frames.id_at is None:
            # No request ids (Coinbase): nothing can correlate a reply; the entry is
            # detached and only times out.
            pending = self.correlator.detached(method, rspec, kind, now, timeout, addresses)
            return pending, self.frames.build(method, params)
        pending = self.correlator.add(method, rspec, kind, now, timeout, addresses)
        return pending, self.frames.build(method, params, pending.id)

    def build_reply(self, reply: Reply, *, now: float) -> tuple[Pending | None, str | None]:
        """The frame answering a server ping or sent on connect (a ``Reply``).

        A reply that is a request registers an ``internal`` pending entry (returned so
        the caller can time it out); its own reply is swallowed.
        """
        if reply.text is not None:
            return None, reply.text
        if reply.frame is not None:
            return None, dumps(dict(reply.frame))
        if reply.request is None:
            return None, None
        pending, text = self.build_request(
            reply.request, reply.params, now=now, timeout=self.internal_timeout, kind="internal"
        )
        return pending, text

    def subscribe(
        self, spec: ChannelSpec[Any, Any], channel: Any, sink: Any, *, now: float, timeout: float
    ) -> tuple[SubEntry, tuple[Pending, str] | None]:
        """Add ``sink`` as a consumer of ``channel``; the subscribe frame if the address is new."""
        entry, new = self.subscriptions.add(spec, channel, sink)
        if not new:
            return entry, None
        return entry, self._sub_request(entry.method, (entry,), now=now, timeout=timeout)[0]

    def subscribe_requests(
        self, entries: tuple[SubEntry, ...], *, now: float, timeout: float
    ) -> list[tuple[Pending, str]]:
        """The subscribe frames for new ``entries`` of one subscribe method (added with
        ``subscriptions.add``), batched as the method allows (``batch``, ``max_batch``)."""
        if not entries:
            return []
        return self._sub_request(entries[0].method, entries, now=now, timeout=timeout)

    def unsubscribe(
        self, entry: SubEntry, sink: Any | None, *, now: float, timeout: float
    ) -> tuple[Pending, str] | None:
        """Drop one consumer (or, with ``sink=None``, the whole address).

        Returns the unsubscribe frame when the address left the desired set and its
        method can unsubscribe; None otherwise.
        """
        if sink is None:
            was_live = entry.state in ("pending", "active")
            self.subscriptions.remove(entry.address)
            last = was_live
        else:
            last = self.subscriptions.remove_sink(entry, sink)
        self._awaiting_match.pop(entry.address, None)
        if not last or entry.method.unsubscribe is None:
            return None
        return self._sub_request(
            entry.method, (entry,), now=now, timeout=timeout, unsubscribe=True
        )[0]

    def unsubscribe_to_resubscribe(
        self, entry: SubEntry, *, now: float, timeout: float
    ) -> list[tuple[Pending, str]]:
        """The unsubscribe frame of ``entry``, which stays desired: its stream went stale
        and is subscribed again on the same connection. The entry is pending again;
        ``subscriptions.restore_plan(only=[entry])`` gives the subscribe request.
        Empty when the method cannot unsubscribe (then only a new connection helps)."""
        if entry.method.unsubscribe is None:
            return []
        frames = self._sub_request(
            entry.method, (entry,), now=now, timeout=timeout, unsubscribe=True
        )
        self._awaiting_match.pop(entry.address, None)
        self.subscriptions.restart(entry)
        return frames

    def resubscribe(
        self, addresses: tuple[str, ...], *, now: float, timeout: float
    ) -> list[tuple[Pending, str]]:
        """The subscribe frames for those of ``addresses`` that are still desired and
        pending (after a :class:`SubscribeRetry`), batched per subscribe method."""
        groups: dict[str, list[SubEntry]] = {}
        for address in addresses:
            entry = self.subscriptions.get(address)
            if entry is not None and entry.state == "pending":
                groups.setdefault(entry.method.name, []).append(entry)
        out: list[tuple[Pending, str]] = []
        for entries in groups.values():
            out += self._sub_request(entries[0].method, tuple(entries), now=now, timeout=timeout)
        return out

    def restore_requests(self, *, now: float, timeout: float) -> list[tuple[Pending, str]]:
        """After a reconnect: the subscribe frames that re-establish the desired set."""
        self.subscriptions.reset_for_reconnect()
        self._awaiting_match.clear()
        out = []
        for step in self.subscriptions.restore_plan():
            out.append(self.restore_request(step, now=now, timeout=timeout))
        return out

    def restore_request(
        self, step: RestoreStep, *, now: float, timeout: float
    ) -> tuple[Pending, str]:
        """The subscribe frame of one :class:`RestoreStep`."""
        return self._sub_frame(
            step.method, step.addresses, step.params, now=now, timeout=timeout, unsubscribe=False
        )

    def _sub_request(
        self,
        method: SubscribeMethod,
        entries: tuple[SubEntry, ...],
        *,
        now: float,
        timeout: float,
        unsubscribe: bool = False,
    ) -> list[tuple[Pending, str]]:
        return [
            self._sub_frame(
                method,
                group,
                params,
                now=now,
                timeout=timeout,
                unsubscribe=unsubscribe,
                entries=entries,
            )
            for group, params in self.subscriptions.params_for(
                method, entries, unsubscribe=unsubscribe
            )
        ]

    def _sub_frame(
        self,
        method: SubscribeMethod,
        addresses: tuple[str, ...],
        params: Any,
        *,
        now: float,
        timeout: float,
        unsubscribe: bool,
        entries: tuple[SubEntry, ...] = (),
    ) -> tuple[Pending, str]:
        """One (un)subscribe frame, and how it is acked.

        ``ack: reply`` (with request ids): a correlated pending entry, as any request;
        with ``subscription_id: request`` its id is also the subscription id, and the
        entry is active once the reply acks it (Home Assistant ``subscribe_events``).
        ``subscription_id: request`` without a reply ack: no reply is awaited (the entry
        is active once sent) and the unsubscribe reuses the id (GraphQL ``complete``).
        ``ack: none``: detached, the entries are active once sent. ``ack: match``:
        detached; the uncorrelated ack frame (:class:`MatchAck`) confirms each address.
        """
        wire = method.unsubscribe if unsubscribe else method.subscribe
        assert wire is not None
        kind: PendingKind = "unsubscribe" if unsubscribe else "subscribe"
        subs = self.subscriptions
        by_request_id = method.subscription_id == "request" and self.frames.id_at is not None
        if by_request_id and method.ack == "reply" and not unsubscribe:
            pending = self.correlator.add(
                wire, self.protocol.requests.get(wire), kind, now, timeout, addresses
            )
            acked = next((e for e in entries if e.address == addresses[0]), None) or subs.get(
                addresses[0]
            )
            if acked is not None:
                subs.set_id(acked, pending.id)
            return pending, self.frames.build(wire, params, pending.id)
        if by_request_id and method.ack != "reply":
            entry = next((e for e in entries if e.address == addresses[0]), None)
            if entry is None:
                entry = subs.get(addresses[0])
            if unsubscribe:
                sub_id = entry.sub_id if entry is not None else None
            else:
                sub_id = self.correlator.next_id()
                if entry is not None:
                    subs.set_id(entry, sub_id)
            rspec = self.protocol.requests.get(wire)
            pending = self.correlator.detached(wire, rspec, kind, now, timeout, addresses, sub_id)
            if not unsubscribe:
                subs.mark_active(addresses)
            return pending, self.frames.build(wire, params, sub_id)
        if method.ack == "reply":
            return self.build_request(
                wire, params, now=now, timeout=timeout, kind=kind, addresses=addresses
            )
        rspec = self.protocol.requests.get(wire)
        if method.ack == "match" and not unsubscribe and self.frames.id_at is not None:
            # The ack is an uncorrelated frame, but a refusal may well carry our id
            # (OKX {"event": "error", "id": ...}): send one so it fails this subscribe.
            pending = self.correlator.add(wire, rspec, kind, now, timeout, addresses)
            for address in addresses:
                self._awaiting_match[address] = pending
            return pending, self.frames.build(wire, params, pending.id)
        pending = self.correlator.detached(wire, rspec, kind, now, timeout, addresses)
        if not unsubscribe:
            if method.ack == "none":
                subs.mark_active(addresses)
            else:
                for address in addresses:
                    self._awaiting_match[address] = pending
        return pending, self.frames.build(wire, params)

    def settle(self, pending: Pending) -> bool:
        """``pending``'s deadline passed: True if it still waited for its reply or ack
        (it is forgotten now: a late reply is reported as late)."""
        waited = False
        for address in pending.addresses:
            if self._awaiting_match.get(address) is pending:
                del self._awaiting_match[address]
                waited = True
        if pending.correlated:
            return self.correlator.abandon(pending.id) is not None or waited
        return waited

    def awaits_ack(self, pending: Pending) -> bool:
        """Whether an ack (a reply or a match frame) will still answer ``pending``."""
        if pending.correlated:
            return True
        return any(self._awaiting_match.get(a) is pending for a in pending.addresses)

    # -- incoming ----------------------------------------------------------------

    def error_action(self, code: Any) -> ErrorAction:
        """What the spec says an error reply with ``code`` means (``errors.*.action``);
        ``raise`` for a code it does not list (any JSON value is accepted)."""
        known = lookup_code(self.protocol.errors, code)
        return known.action if known is not None else "raise"

    def receive(self, data: str | bytes) -> Outcome:
        """Classify one received frame and update the state it touches. Never raises.

        A server ping comes back as ``PingReceived``: answer it with :meth:`build_reply`
        straight away.
        """
        outcome = self.dispatcher.receive(data)
        if self.waiters and type(outcome) not in _OWN:
            answered = self._offer(data, outcome)
            if answered is not None:
                return answered
        kind = type(outcome)
        if kind is Response:
            assert isinstance(outcome, Response)
            return self._on_response(outcome)
        if kind is MatchAck:
            assert isinstance(outcome, MatchAck)
            return self._on_match_ack(outcome)
        if kind is SubscriptionEnded:
            assert isinstance(outcome, SubscriptionEnded)
            self.subscriptions.remove(outcome.entry.address)
            return outcome
        if kind is ErrorReply:
            assert isinstance(outcome, ErrorReply)
            pending = outcome.pending
            if pending is None and self.subscriptions.by_id and outcome.id is not None:
                # An error for an operation routed by id (GraphQL {"type": "error", "id": ...}).
                entry = self.subscriptions.by_id.get(outcome.id)
                if entry is not None:
                    failed = self.subscriptions.mark_failed((entry.address,), outcome.error)
                    return SubscribeFailed(_no_request(), failed, outcome.error)
            if pending is not None and pending.kind == "subscribe":
                for address in pending.addresses:
                    if self._awaiting_match.get(address) is pending:
                        del self._awaiting_match[address]
                if self.error_action(outcome.error.code) == "retry":
                    return SubscribeRetry(pending, pending.addresses, outcome.error)
                failed = self.subscriptions.mark_failed(pending.addresses, outcome.error)
                return SubscribeFailed(pending, failed, outcome.error)
            return outcome
        return outcome

    def add_waiter(
        self,
        match: Match | Predicate,
        parse: Callable[[Any], Any],
        *,
        method: str,
        now: float,
        timeout: float,
    ) -> Waiter:
        """Wait for the next received frame that satisfies ``match`` (an uncorrelated reply).

        Frames are offered to waiters after classification, unless they resolve the
        session's own state (a correlated reply, a notification on a subscribed address,
        a server ping, an error reply to a pending request); the oldest waiter the frame
        satisfies gets it, as a :class:`WaiterReply` outcome. Time the waiter out with
        :meth:`expire_waiters` (or ``waiters.remove``); :meth:`connection_lost` does not
        touch waiters: fail them with ``waiters.fail_all()``.
        """
        return self.waiters.add(match, parse, method=method, now=now, timeout=timeout)

    def expire_waiters(self, now: float) -> list[Waiter]:
        """Waiters whose deadline passed (removed: a later matching frame is not theirs)."""
        return self.waiters.expire(now)

    def _offer(self, data: str | bytes, outcome: Outcome) -> WaiterReply | None:
        if type(outcome) in (ErrorReply, Malformed) and getattr(outcome, "pending", None):
            return None
        frame = getattr(outcome, "frame", None)
        if frame is None or isinstance(frame, (str, bytes)):
            try:
                frame = from_json(data)
            except ValueError:
                return None
        waiter = self.waiters.offer(frame)
        if waiter is None:
            return None
        event = outcome if type(outcome) is Event else None
        assert event is None or isinstance(event, Event)
        try:
            return WaiterReply(waiter, waiter.parse(frame), event=event)
        except Exception as exc:  # noqa: BLE001 - user-supplied parsers may raise anything
            error = MalformedFrame(f"{waiter.method}: invalid reply: {explain(exc)}", frame)
            return WaiterReply(waiter, None, error, event)

    def _on_match_ack(self, outcome: MatchAck) -> SubscribeAck:
        """An uncorrelated ack: the address is active; the request is done once every
        address it carried is acked (its pending entry wakes the restore)."""
        address = outcome.address
        pending = self._awaiting_match.pop(address, None)
        entries = self.subscriptions.mark_active((address,))
        done = None
        if pending is not None and not any(
            self._awaiting_match.get(a) is pending for a in pending.addresses
        ):
            done = pending
            if pending.correlated:
                self.correlator.resolve(pending.id)  # acked by the match; no reply is due
        return SubscribeAck(done if done is not None else _no_request(), entries, [])

    def _on_response(self, outcome: Response) -> Outcome:
        pending = outcome.pending
        if pending.kind == "request":
            spec = pending.spec
            if spec is not None:
                try:
                    outcome.result = spec.parse_result(outcome.result)
                except Exception as exc:  # noqa: BLE001 - user-supplied parsers may raise anything
                    return Malformed(
                        MalformedFrame(
                            f"{pending.method}: invalid result: {explain(exc)}", outcome.result
                        ),
                        pending,
                    )
            return outcome
        if pending.kind == "subscribe":
            result = outcome.result
            refused_addresses: list[str] = []
            if isinstance(result, list) and all(isinstance(a, str) for a in result):
                # The server lists what it subscribed (Deribit does): anything missing was refused.
                confirmed = set(result)
                refused_addresses = [a for a in pending.addresses if a not in confirmed]
            accepted = [a for a in pending.addresses if a not in refused_addresses]
            self._assign_id(pending, result)
            entries = self.subscriptions.mark_active(accepted)
            refused = []
            if refused_addresses:
                error = SubscriptionError(
                    refused_addresses[0], "the server did not confirm the subscription"
                )
                refused = self.subscriptions.mark_failed(refused_addresses, error)
            return SubscribeAck(pending, entries, refused)
        return outcome

    def _assign_id(self, pending: Pending, result: Any) -> None:
        """A subscribe reply names the server's subscription id: route by it from now on."""
        if not pending.addresses:
            return
        entry = self.subscriptions.get(pending.addresses[0])
        if entry is None:
            return
        pointer = entry.method.subscription_id
        if pointer is None or pointer == "request":
            return
        sub_id = get(result, compile_pointer(pointer))
        if sub_id is not MISSING and sub_id is not None:
            self.subscriptions.set_id(entry, sub_id)

    def expire(self, now: float) -> list[Pending]:
        """Requests whose deadline passed; their late replies will be reported as such."""
        return self.correlator.expire(now)

    def abandon(self, pending: Pending) -> None:
        """Nobody waits for ``pending`` any more (timed out or cancelled by the caller)."""
        self.correlator.abandon(pending.id)

    def connection_lost(self) -> list[Pending]:
        """The connection is gone: every pending request fails; subscriptions stay desired."""
        self.subscriptions.reset_for_reconnect()
        self._awaiting_match.clear()
        return self.correlator.fail_all()
