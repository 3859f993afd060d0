"""Subscribing and unsubscribing: the client's side of every :class:`~.subscription.Feed`.

``subscribe_x(...)`` makes a feed (the consumer's buffer) and a :class:`Subscription`
around it at once; a task then waits for the connection and adds the feed to the
session's registry. A new address joins the outbox of its subscribe method
(:class:`~.outbox.Outbox`); an address already subscribed just gains a consumer. When
a consumer leaves (``unsubscribe()``, the end of a loop, an overflow with the ``raise``
policy, garbage collection) the address is unsubscribed once its last consumer is gone.
"""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

from .context import Context
from .core import Pending, SubEntry, Subscriptions
from .errors import ConnectionLost, NovaError, RequestTimeout
from .outbox import Outbox
from .protocol import ChannelSpec
from .sender import Sender
from .subscription import Feed, Subscription
from .telemetry import FrameDropped

__all__ = ["Subscriber"]

M = TypeVar("M")
C = TypeVar("C")


class Subscriber:
    """Adds and removes one client's consumers (a :class:`~.subscription.FeedOwner`)."""

    def __init__(self, ctx: Context, sender: Sender, outbox: Outbox) -> None:
        self.ctx = ctx
        self.sender = sender
        self.outbox = outbox

    def subscribe(self, spec: ChannelSpec[M, C], channel: C) -> Subscription[M, C]:
        """A new subscription to ``channel``; a task adds it to the registry once the
        client is connected (bounded by the request timeout)."""
        options = self.ctx.options
        address = Subscriptions.address_of(spec, channel)
        feed: Feed[M, C] = Feed(
            self, spec, channel, address, options.subscription_buffer, options.overflow
        )
        feed._task = asyncio.get_running_loop().create_task(self._start(feed))
        return Subscription(feed)

    async def _start(self, feed: Feed[Any, Any]) -> None:
        """Wait for the connection, then add ``feed`` (:meth:`_add`); the feed forgets
        the task when it ends (a done task would stay alive with every idle feed)."""
        ctx = self.ctx
        timeout = ctx.request_timeout
        method = ctx.protocol.subscribe_methods.get(feed.spec.via)
        wire = method.subscribe if method is not None else "subscribe"
        try:
            await self.sender.connection(ctx.loop.time() + timeout, wire, timeout)
        except (ConnectionLost, RequestTimeout) as exc:
            feed._fail(exc)
            return
        finally:
            feed._task = None
        self._add(feed)

    def _add(self, feed: Feed[Any, Any]) -> None:
        """Add ``feed`` as a consumer of its address; a new address joins the outbox of
        its subscribe method (:class:`~.outbox.Outbox`)."""
        try:
            entry, new = self.ctx.session.subscriptions.add(feed.spec, feed.channel, feed)
        except ValueError as exc:
            feed._fail(exc)
            return
        feed._entry = entry
        if not new:
            if entry.state == "active":
                feed._acked()
            return
        self.outbox.add(entry)

    async def unsubscribe(self, spec: ChannelSpec[Any, C], channel: C) -> None:
        """Unsubscribe ``channel`` entirely: every subscription to its address ends."""
        entry = self.ctx.session.subscriptions.get(Subscriptions.address_of(spec, channel))
        if entry is None:
            return
        sinks = list(entry.sinks)
        request = self._drop(entry, None)
        for sink in sinks:
            sink._close()
        await self.sender.send_unsubscribe(request)

    # -- what a feed tells (FeedOwner) ------------------------------------------------------

    def consumer_left(self, feed: Feed[Any, Any]) -> None:
        """A Subscription was garbage collected. Called by a finaliser, possibly from
        another thread: the decision is made on the loop (:meth:`_consumer_gone`)."""
        loop = getattr(self.ctx, "loop", None)
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(self._consumer_gone, feed)
        except RuntimeError:  # the loop closed meanwhile
            pass

    def _consumer_gone(self, feed: Feed[Any, Any]) -> None:
        """An iterated one was left (break, return, exception): unsubscribe it like
        :meth:`Subscription.unsubscribe`; one never iterated keeps its address for the
        hooks and stops buffering."""
        if feed._end is not None or self.sender.closing():
            return
        if feed.iterated:
            self.ctx.spawn(self._leave(feed))
        else:
            feed._detach()

    async def _leave(self, feed: Feed[Any, Any]) -> None:
        try:
            await self.unsubscribe_feed(feed)
        except NovaError as exc:
            self.ctx.log.debug("unsubscribe after the consumer left failed: %s", exc)

    async def unsubscribe_feed(self, feed: Feed[Any, Any]) -> None:
        task = feed._task
        if task is not None and not task.done():
            task.cancel()  # not a consumer yet (it waits for the connection): it never will be
            await asyncio.gather(task, return_exceptions=True)
        entry = feed._entry
        feed._close()
        if entry is None:
            return
        await self.sender.send_unsubscribe(self._drop(entry, feed))

    def overflowed(self, feed: Feed[Any, Any], error: Exception) -> None:
        """A ``raise``-policy buffer overflowed: end that subscription (off the hot path)."""
        feed._fail(error)
        self.ctx.call_hook("on_subscription_error", feed.address, error)
        self.ctx.spawn(self._release(feed))

    async def _release(self, feed: Feed[Any, Any]) -> None:
        entry = feed._entry
        if entry is None:
            return
        request = self._drop(entry, feed)
        try:
            await self.sender.send_unsubscribe(request)
        except NovaError as exc:
            self.ctx.log.debug("unsubscribe after overflow failed: %s", exc)

    def dropped(self, feed: Feed[Any, Any]) -> None:
        ctx = self.ctx
        ctx.log_limits.warning(
            ctx.log,
            ("dropped", feed.address),
            "%s: subscription buffer full (%d messages), %s: %d message(s) dropped so far",
            feed.address,
            feed.maxsize,
            feed.overflow,
            feed.dropped,
        )
        ctx.emit(
            FrameDropped, address=feed.address, policy=feed.overflow, dropped_total=feed.dropped
        )

    def _drop(self, entry: SubEntry, feed: Feed[Any, Any] | None) -> tuple[Pending, str] | None:
        """Drop ``feed`` (None: every consumer) from ``entry``; the unsubscribe frame to
        send when the address left the desired set, unless its subscribe frame is still
        waiting in the outbox (then it is simply never sent)."""
        session = self.ctx.session
        request = session.unsubscribe(
            entry, feed, now=self.ctx.loop.time(), timeout=self.ctx.request_timeout
        )
        if request is not None and self.outbox.cancel(entry):
            session.abandon(request[0])
            return None
        return request
