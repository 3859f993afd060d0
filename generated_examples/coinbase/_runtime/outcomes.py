"""What the client does with each kind of received frame, once the session has said what it is.

The sans-I/O core classifies a frame into an outcome (a reply, an ack, an event, an error,
something unknown); this module acts on it: wakes the waiting request, marks subscriptions
active or failed, hands messages to iterators and hooks, reports the rest to
``on_error`` and ``on_unknown_message``. One small method per kind of outcome, chosen by
its type. Channel notifications on subscribed addresses do not come through here: the
receive loop delivers those itself (the hot path).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .core import (
    ErrorReply,
    Event,
    GapNotification,
    Malformed,
    PingReceived,
    Response,
    StrayReply,
    SubEntry,
    SubscribeAck,
    SubscribeFailed,
    SubscriptionEnded,
    TemplateNotification,
    Unknown,
    WaiterReply,
)
from .errors import ConnectionLost, SubscriptionError
from .telemetry import SequenceGap, SubscriptionStateChanged

if TYPE_CHECKING:
    from .client import BaseClient
    from .connection import Connection

__all__ = ["Outcomes"]


class Outcomes:
    """Acts on the outcomes of received frames for one client."""

    def __init__(self, client: BaseClient[Any]) -> None:
        self.client = client
        self._handlers: dict[type, Callable[[Any, Connection | None], None]] = {
            GapNotification: self._gap,
            SubscriptionEnded: self._ended,
            Response: self._response,
            Event: self._event,
            TemplateNotification: self._template_notification,
            WaiterReply: self._waiter_reply,
            SubscribeAck: self._subscribe_ack,
            SubscribeFailed: self._subscribe_failed,
            ErrorReply: self._error_reply,
            Malformed: self._malformed,
            StrayReply: self._stray,
            Unknown: self._unknown,
        }

    def handle(self, outcome: object, conn: Connection | None = None) -> None:
        """Everything but notifications on subscribed addresses and pings."""
        handler = self._handlers.get(type(outcome))
        if handler is not None:
            handler(outcome, conn)

    async def answer_ping(self, outcome: PingReceived, conn: Connection) -> None:
        """Answer a server ping inline in the receive loop (never behind a user hook)."""
        client = self.client
        pending, text = client._session.build_reply(outcome.reply, now=client._loop.time())
        if pending is not None:
            client._track_internal(pending)
        if text is not None:
            try:
                await conn.send(text)
            except ConnectionLost:
                pass  # the receive loop sees the close next

    def deliver(self, entry: SubEntry, message: Any) -> None:
        entry.received += 1
        for sink in entry.sinks:
            sink._push(message)
        hook = self.client._hooks[entry.spec.hook]
        if hook is not None:
            self.client._enqueue(hook, (message, entry.channel))

    def pong(self, outcome: object) -> bool:
        """Whether ``outcome`` answers our application ping (and mark it answered)."""
        client = self.client
        tracker = client._sup.tracker if client._sup is not None else None
        if tracker is None:
            return False
        hit = False
        if isinstance(outcome, Malformed):
            frame = outcome.error.frame
            hit = isinstance(frame, str) and tracker.is_pong(frame, None)
        elif isinstance(outcome, Unknown):
            frame = outcome.frame
            hit = tracker.is_pong(frame if isinstance(frame, str) else "", frame)
        elif isinstance(outcome, Response):
            pending = outcome.pending
            hit = pending.kind == "internal" and pending.method == tracker.ping.send.request
        if hit:
            tracker.answered(client._loop.time())
        return hit and not isinstance(outcome, Response)

    # -- one method per outcome ------------------------------------------------------

    def _gap(self, outcome: GapNotification, conn: Connection | None) -> None:
        if conn is not None and not conn.live:
            return
        entry = outcome.entry
        self.client._emit(
            SequenceGap, address=entry.address, expected=outcome.expected, received=outcome.received
        )
        self.client._call_hook("on_sequence_gap", entry.channel, outcome.expected, outcome.received)
        self.deliver(entry, outcome.message)

    def _ended(self, outcome: SubscriptionEnded, conn: Connection | None) -> None:
        for sink in list(outcome.entry.sinks):
            sink._close()
        self.client._emit(
            SubscriptionStateChanged, address=outcome.entry.address, old="active", new="unsubscribed"
        )

    def _response(self, outcome: Response, conn: Connection | None) -> None:
        self.pong(outcome)
        waiter = outcome.pending.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(outcome.result)

    def _event(self, outcome: Event, conn: Connection | None) -> None:
        hook = self.client._hooks[outcome.spec.hook]
        if hook is not None:
            self.client._enqueue(hook, (outcome.message,))

    def _template_notification(self, outcome: TemplateNotification, conn: Connection | None) -> None:
        if conn is not None and not conn.live:
            return
        hook = self.client._hooks[outcome.spec.hook]
        if hook is not None:
            self.client._enqueue(hook, (outcome.message, outcome.channel))

    def _waiter_reply(self, outcome: WaiterReply, conn: Connection | None) -> None:
        future = outcome.waiter.waiter
        if future is not None and not future.done():
            if outcome.error is not None:
                future.set_exception(outcome.error)
            else:
                future.set_result(outcome.result)
        if outcome.event is not None:
            self.handle(outcome.event, conn)

    def _subscribe_ack(self, outcome: SubscribeAck, conn: Connection | None) -> None:
        client = self.client
        for entry in outcome.entries:
            for sink in entry.sinks:
                sink._acked()
            client._call_hook("on_subscribed", entry.address)
            client._emit(SubscriptionStateChanged, address=entry.address, old="pending", new="active")
        for entry in outcome.refused:
            client._fail_entries(
                [entry], SubscriptionError(entry.address, "the server did not confirm the subscription")
            )
        client._wake_waiter(outcome.pending)

    def _subscribe_failed(self, outcome: SubscribeFailed, conn: Connection | None) -> None:
        for entry in outcome.entries:
            error = SubscriptionError(entry.address, str(outcome.error), cause=outcome.error)
            self.client._fail_entries([entry], error)
        self.client._wake_waiter(outcome.pending)

    def _error_reply(self, outcome: ErrorReply, conn: Connection | None) -> None:
        client = self.client
        if outcome.pending is not None and outcome.pending.waiter is not None:
            client._fail_waiter(outcome.pending, outcome.error)
            return
        what = outcome.pending.method if outcome.pending is not None else "an unknown request"
        if client._error_action(outcome.error.code) == "retry":
            client._throttled(what)
        client._call_hook("on_error", outcome.error, f"error reply to {what}")

    def _malformed(self, outcome: Malformed, conn: Connection | None) -> None:
        if self.pong(outcome):
            return
        if outcome.pending is not None and outcome.pending.waiter is not None:
            self.client._fail_waiter(outcome.pending, outcome.error)
        self.client._call_hook("on_error", outcome.error, "malformed frame")

    def _stray(self, outcome: StrayReply, conn: Connection | None) -> None:
        reason = (
            f"late reply to request {outcome.id!r}"
            if outcome.late
            else f"reply with unknown id {outcome.id!r}"
        )
        self.client._call_hook("on_unknown_message", outcome.frame, reason)

    def _unknown(self, outcome: Unknown, conn: Connection | None) -> None:
        if self.pong(outcome):
            return
        self.client._call_hook("on_unknown_message", outcome.frame, outcome.reason)
