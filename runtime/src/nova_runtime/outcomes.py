"""What the client does with each kind of received frame, once the session has said what it is.

The sans-I/O core classifies a frame into an outcome (a reply, an ack, an event, an error,
something unknown); this module acts on it: wakes the waiting request, marks subscriptions
active or failed, hands messages to iterators and hooks, reports the rest to
``on_error`` and ``on_unknown_message``. One small method per kind of outcome, chosen by
its type. Channel notifications on subscribed addresses do not come through here: the
receive loop delivers those itself (the hot path). A transient subscribe refusal is retried
here too, after the back-off the server asked for.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from .connection import Connection
from .context import Context
from .core import (
    Drifted,
    ErrorReply,
    Event,
    GapNotification,
    Malformed,
    Notification,
    PingReceived,
    Response,
    StrayReply,
    SubEntry,
    SubscribeAck,
    SubscribeFailed,
    SubscribeRetry,
    SubscriptionEnded,
    TemplateNotification,
    Unknown,
    WaiterReply,
)
from .errors import ConnectionLost, RequestTimeout, SubscriptionError, brief
from .sender import Sender
from .telemetry import SequenceGap, SubscriptionStateChanged, UnexpectedKind

__all__ = ["Outcomes"]


class Outcomes:
    """Acts on the outcomes of received frames for one client (a connection's
    :class:`~.connection.Receiver`)."""

    def __init__(self, ctx: Context, sender: Sender) -> None:
        self.ctx = ctx
        self.sender = sender

    def handle(self, outcome: object, conn: Connection | None = None) -> None:
        """Everything but notifications on subscribed addresses and pings."""
        handler = _HANDLERS.get(type(outcome))
        if handler is not None:
            pending = getattr(outcome, "pending", None)
            if pending is not None:
                self.sender.answered(pending)
            error = getattr(outcome, "error", None)
            if isinstance(error, BaseException):
                self.ctx.secrets.redact_error(error)  # server text may echo a secret
            handler(self, outcome, conn)

    def answer_ping(self, outcome: PingReceived, conn: Connection) -> None:
        """Answer a server ping at once from the receive path (never behind a user hook)."""
        pending, text = self.ctx.session.build_reply(outcome.reply, now=self.ctx.loop.time())
        if pending is not None:
            self.sender.watch(pending)
        if text is not None:
            conn.send_now(text)  # a closed socket: the transport reports the close next

    def deliver(self, entry: SubEntry, message: Any) -> None:
        entry.received += 1
        for sink in entry.sinks:
            sink._push(message)
        hook = self.ctx.hooks[entry.spec.hook]
        if hook is not None:
            self.ctx.enqueue(hook, (message, entry.channel))

    def pong(self, outcome: object) -> bool:
        """Whether ``outcome`` answers our application ping (and mark it answered)."""
        tracker = self.ctx.tracker
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
            tracker.answered(self.ctx.loop.time())
        return hit and not isinstance(outcome, Response)

    # -- one method per outcome ------------------------------------------------------

    def _gap(self, outcome: GapNotification, conn: Connection | None) -> None:
        if conn is not None and not conn.live:
            return
        entry = outcome.entry
        self.ctx.emit(
            SequenceGap, address=entry.address, expected=outcome.expected, received=outcome.received
        )
        self.ctx.call_hook("on_sequence_gap", entry.channel, outcome.expected, outcome.received)
        self.deliver(entry, outcome.message)

    def _notification(self, outcome: Notification, conn: Connection | None) -> None:
        """A notification on a subscribed address that reached the general handler
        (the receive loop delivers most itself): deliver unless from a replacement."""
        if conn is None or conn.live:
            self.deliver(outcome.entry, outcome.message)

    def _drifted(self, outcome: Drifted, conn: Connection | None) -> None:
        if conn is not None and not conn.live:
            return  # a rotation's replacement: the live connection reports it
        address = outcome.address
        self.ctx.drifted(
            outcome.spec.name, address if type(address) is str else brief(address), outcome.fields
        )
        self.handle(outcome.outcome, conn)

    def _ended(self, outcome: SubscriptionEnded, conn: Connection | None) -> None:
        for sink in list(outcome.entry.sinks):
            sink._close()
        self.ctx.emit(
            SubscriptionStateChanged,
            address=outcome.entry.address,
            old="active",
            new="unsubscribed",
        )

    def _response(self, outcome: Response, conn: Connection | None) -> None:
        if self.ctx.tracker is not None:  # application pings: this may answer one
            self.pong(outcome)
        if outcome.pending.kind == "unsubscribe":
            self.sender.requested(outcome.pending, None)
        waiter = outcome.pending.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(outcome.result)

    def _event(self, outcome: Event, conn: Connection | None) -> None:
        hook = self.ctx.hooks[outcome.spec.hook]
        if hook is not None:
            self.ctx.enqueue(hook, (outcome.message,))

    def _template_notification(
        self, outcome: TemplateNotification, conn: Connection | None
    ) -> None:
        if conn is not None and not conn.live:
            return
        hook = self.ctx.hooks[outcome.spec.hook]
        if hook is not None:
            self.ctx.enqueue(hook, (outcome.message, outcome.channel))

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
        ctx = self.ctx
        self.sender.requested(outcome.pending, None)
        for entry in outcome.entries:
            for sink in entry.sinks:
                sink._acked()
            ctx.call_hook("on_subscribed", entry.address)
            ctx.emit(
                SubscriptionStateChanged, address=entry.address, old="pending", new="active"
            )
        for entry in outcome.refused:
            ctx.fail_entries(
                [entry],
                SubscriptionError(entry.address, "the server did not confirm the subscription"),
            )
        ctx.wake_waiter(outcome.pending)

    def _subscribe_failed(self, outcome: SubscribeFailed, conn: Connection | None) -> None:
        self.sender.requested(outcome.pending, outcome.error)
        for entry in outcome.entries:
            error = SubscriptionError(entry.address, str(outcome.error), cause=outcome.error)
            self.ctx.fail_entries([entry], error)
        self.ctx.wake_waiter(outcome.pending)

    def _subscribe_retry(self, outcome: SubscribeRetry, conn: Connection | None) -> None:
        """A transient refusal (a ``retry`` error code): back off, then subscribe again;
        the subscriptions stay pending meanwhile, never failed for good."""
        pending = outcome.pending
        self.sender.requested(pending, outcome.error)
        delay = self.sender.throttled(pending.method)
        self.ctx.wake_waiter(pending)  # a restore waiting for this ack goes on without it
        self.ctx.spawn(self.retry_subscribe(outcome.addresses, delay, conn))

    def _error_reply(self, outcome: ErrorReply, conn: Connection | None) -> None:
        ctx = self.ctx
        if outcome.pending is not None and outcome.pending.waiter is not None:
            ctx.fail_waiter(outcome.pending, outcome.error)
            return
        if outcome.pending is None:
            ctx.unexpected_frame("unknown_reply")
        what = outcome.pending.method if outcome.pending is not None else "an unknown request"
        if ctx.error_action(outcome.error.code) == "retry":
            self.sender.throttled(what)
        ctx.call_hook("on_error", outcome.error, f"error reply to {what}")

    def _malformed(self, outcome: Malformed, conn: Connection | None) -> None:
        if self.pong(outcome):
            return
        self.ctx.unexpected_frame("malformed")
        if outcome.pending is not None and outcome.pending.waiter is not None:
            self.ctx.fail_waiter(outcome.pending, outcome.error)
        self.ctx.call_hook("on_error", outcome.error, "malformed frame")

    def _stray(self, outcome: StrayReply, conn: Connection | None) -> None:
        what = brief(outcome.id, 40)
        if outcome.late:
            kind: UnexpectedKind = "late_reply"
            reason = f"late reply to request {what}"
        elif outcome.duplicate:
            kind, reason = "duplicate_reply", f"duplicate reply to request {what}"
        else:
            kind, reason = "unknown_reply", f"reply with unknown id {what}"
        self.ctx.unexpected_frame(kind)
        self.ctx.call_hook("on_unknown_message", outcome.frame, reason)

    def _unknown(self, outcome: Unknown, conn: Connection | None) -> None:
        if self.pong(outcome):
            return
        self.ctx.unexpected_frame("unknown")
        self.ctx.call_hook("on_unknown_message", outcome.frame, outcome.reason)


    # -- a transient refusal, retried ------------------------------------------------------

    async def retry_subscribe(
        self, addresses: tuple[str, ...], delay: float, conn: Connection | None
    ) -> None:
        """Subscribe ``addresses`` again ``delay`` s after a transient refusal (those
        still desired and pending), through the rate limiter, on the open connection
        (after a restore in progress, if any). A reconnect meanwhile resubscribes them
        anyway; its restore plan includes every pending entry."""
        await asyncio.sleep(delay)
        ctx, sender = self.ctx, self.sender
        loop = ctx.loop
        timeout = ctx.request_timeout
        subs = ctx.session.subscriptions
        while any((e := subs.get(a)) is not None and e.state == "pending" for a in addresses):
            try:
                conn = await sender.connection(loop.time() + timeout, "subscribe", timeout)
                requests = ctx.session.resubscribe(addresses, now=loop.time(), timeout=timeout)
                for pending, text in requests:
                    await sender.throttle(
                        pending.method,
                        sender.cost_of(pending.method),
                        pending.deadline,
                        timeout,
                        wait_only=True,
                    )
                    sender.watch(pending)
                    await conn.send(text)
                    if not ctx.session.awaits_ack(pending):
                        entries = [e for a in pending.addresses if (e := subs.get(a)) is not None]
                        self.handle(SubscribeAck(pending, entries, []), conn)
                return
            except RequestTimeout:
                continue  # still reconnecting: wait again
            except ConnectionLost:
                return  # closed, or dropped: the next restore subscribes them


_HANDLERS: dict[type, Callable[[Outcomes, Any, Connection | None], None]] = {
    GapNotification: Outcomes._gap,
    Drifted: Outcomes._drifted,
    Notification: Outcomes._notification,
    SubscriptionEnded: Outcomes._ended,
    Response: Outcomes._response,
    Event: Outcomes._event,
    TemplateNotification: Outcomes._template_notification,
    WaiterReply: Outcomes._waiter_reply,
    SubscribeAck: Outcomes._subscribe_ack,
    SubscribeFailed: Outcomes._subscribe_failed,
    SubscribeRetry: Outcomes._subscribe_retry,
    ErrorReply: Outcomes._error_reply,
    Malformed: Outcomes._malformed,
    StrayReply: Outcomes._stray,
    Unknown: Outcomes._unknown,
}
"""Outcome type -> the :class:`Outcomes` method that acts on it (one table for every client)."""
