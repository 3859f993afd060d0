"""``Subscription``: one consumer of a channel, as an iterator, an awaitable and a context.

``client.subscribe_x(...)`` returns a :class:`Subscription` at once and sends the
subscribe request in a background task. The object can then be

* awaited (``sub = await client.subscribe_x(...)``): waits for the server's ack and
  returns itself, or raises :class:`SubscriptionError`;
* iterated (``async for msg in sub``): yields typed messages from a bounded buffer
  (``ConnectOptions.overflow``, per subscription :meth:`Subscription.set_overflow`:
  drop the oldest, drop the newest, or end with :class:`SubscriptionOverflow`; drops
  are counted in ``dropped``) so a slow consumer never blocks the receive loop;
* used as an async context manager: waits for the ack on entry, unsubscribes on exit.

The iterator keeps yielding across reconnects (the client restores the subscription on
the new connection). It ends with ``StopAsyncIteration`` after ``unsubscribe()`` or a
clean ``close()``, and raises ``ConnectionLost`` only when the client gives up
reconnecting (messages already buffered are delivered first).

Leaving a loop unsubscribes. ``async for tick in client.subscribe_ticker(...): break``
(or a ``return`` or an exception out of the loop) drops the last reference to the
:class:`Subscription`; the client holds only its :class:`Feed` (the buffer), so the
object is garbage collected and a finaliser tells the client that this consumer left:
the server gets an unsubscribe when no other consumer holds the address. A
subscription that was never iterated (handler style: ``await client.subscribe_x()``,
messages go to the ``on_x`` hook) keeps the address when dropped, and its feed stops
buffering what nobody will read.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from collections.abc import Generator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from .errors import SubscriptionError, SubscriptionOverflow
from .lifecycle import OverflowPolicy
from .protocol import ChannelSpec

if TYPE_CHECKING:
    from .core.subscriptions import SubEntry, SubState

__all__ = ["Feed", "FeedOwner", "Subscription"]

M = TypeVar("M")
C = TypeVar("C")

_END = object()
_UNDECIDED = object()


class FeedOwner(Protocol):
    """What a feed tells the client's subscriptions (:class:`~.subscriber.Subscriber`)."""

    def overflowed(self, feed: Feed[Any, Any], error: Exception) -> None:
        """A ``raise``-policy buffer overflowed: end that subscription."""

    def dropped(self, feed: Feed[Any, Any]) -> None:
        """A message was dropped for a full buffer (logged, counted)."""

    def consumer_left(self, feed: Feed[Any, Any]) -> None:
        """The user's Subscription was garbage collected (from a finaliser, any thread)."""

    async def unsubscribe_feed(self, feed: Feed[Any, Any]) -> None:
        """Stop this consumer; unsubscribe its address when it was the last one."""


class Feed(Generic[M, C]):
    """One consumer's buffer, what the client's registry holds for it (``SubEntry.sinks``).

    Kept apart from the user's :class:`Subscription` so that the registry never keeps
    the user's object alive: when that object is collected, the client learns that the
    consumer left (see the module docstring). A client holds one per subscription, most
    of them idle, so it is slotted and allocates lazily: the buffer on the first message,
    the ack future only when someone awaits the ack before it is decided.
    """

    __slots__ = (
        "_ack",
        "_ack_outcome",
        "_buffer",
        "_end",
        "_entry",
        "_error",
        "_owner",
        "_state",
        "_task",
        "_waiter",
        "address",
        "channel",
        "detached",
        "dropped",
        "iterated",
        "maxsize",
        "overflow",
        "spec",
    )

    def __init__(
        self,
        owner: FeedOwner,
        spec: ChannelSpec[M, C],
        channel: C,
        address: str,
        maxsize: int = 1000,
        overflow: OverflowPolicy = "drop_oldest",
    ) -> None:
        self.spec = spec
        self.channel = channel
        self.address = address
        self.dropped = 0
        self.maxsize = maxsize
        self.overflow: OverflowPolicy = overflow
        self.iterated = False
        """A consumer started iterating: dropping it unsubscribes."""
        self.detached = False
        """Its Subscription was collected without ever being iterated (handler style):
        the address stays subscribed for the hooks, nothing is buffered."""
        self._owner = owner
        self._buffer: deque[M] | None = None
        """Messages not taken yet; created by the first one (None: none came yet, or detached)."""
        self._waiter: asyncio.Future[None] | None = None
        self._ack_outcome: BaseException | object | None = _UNDECIDED
        """``_UNDECIDED`` until the ack is decided; then None (acked, or ended cleanly
        first) or the exception the ack raises."""
        self._ack: asyncio.Future[None] | None = None
        """What :meth:`wait_ack` awaits while the ack is undecided (made by the first waiter)."""
        self._end: BaseException | object | None = None
        """None while live; ``_END`` for a clean end; else the exception to raise."""
        self._state: SubState = "pending"
        self._error: BaseException | None = None
        self._entry: SubEntry | None = None
        self._task: asyncio.Task[None] | None = None
        """The task adding this feed to the registry, until it is done."""

    @property
    def queue_depth(self) -> int:
        buffer = self._buffer
        return len(buffer) if buffer is not None else 0

    @property
    def waiting(self) -> bool:
        """A consumer is waiting for the next message right now."""
        return self._waiter is not None

    async def next(self) -> M:
        while True:
            buffer = self._buffer
            if buffer:
                return buffer.popleft()
            end = self._end
            if end is not None:
                if end is _END:
                    raise StopAsyncIteration
                assert isinstance(end, BaseException)
                raise end
            waiter = asyncio.get_running_loop().create_future()
            self._waiter = waiter
            try:
                await waiter
            finally:
                self._waiter = None

    async def wait_ack(self) -> None:
        """Until the server acknowledged the subscription; raises what refused or ended
        it first (a :class:`SubscriptionError`, ``ConnectionLost``)."""
        outcome = self._ack_outcome
        if outcome is _UNDECIDED:
            ack = self._ack
            if ack is None:
                ack = self._ack = asyncio.get_running_loop().create_future()
            await asyncio.shield(ack)
        elif isinstance(outcome, BaseException):
            raise outcome

    # -- fed by the client ---------------------------------------------------------

    def _push(self, message: M) -> None:
        """Hot path: buffer one message and wake the consumer if it waits."""
        buffer = self._buffer
        if buffer is None:
            if self.detached:
                return
            buffer = self._buffer = deque()
        elif len(buffer) >= self.maxsize and not self._overflowed(buffer):
            return
        buffer.append(message)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _overflowed(self, buffer: deque[M]) -> bool:
        """``buffer`` is full: apply the policy; True if the new message goes in."""
        self.dropped += 1
        policy = self.overflow
        keep = policy == "drop_oldest"
        if keep:
            buffer.popleft()
        elif policy == "raise" and self._end is None:
            self._owner.overflowed(self, SubscriptionOverflow(self.address, self.maxsize))
        self._owner.dropped(self)
        return keep

    def _decide_ack(self, error: BaseException | None) -> None:
        """The ack's outcome, once (the first of ack, refusal, end wins)."""
        if self._ack_outcome is not _UNDECIDED:
            return
        self._ack_outcome = error
        ack, self._ack = self._ack, None
        if ack is None or ack.done():
            return
        if error is None:
            ack.set_result(None)
        else:
            ack.set_exception(error)
            ack.exception()  # mark retrieved: the waiter may have been cancelled meanwhile

    def _acked(self) -> None:
        if self._state == "pending":
            self._state = "active"
        self._decide_ack(None)

    def _fail(self, error: BaseException, state: SubState = "failed") -> None:
        """End with ``error``: the ack (if still undecided) and the iterator raise it."""
        self._state = state
        self._error = error
        self._decide_ack(error)
        self._finish(error)

    def _close(self) -> None:
        """End cleanly: iteration stops after the buffered messages."""
        self._state = "unsubscribed"
        self._decide_ack(None)
        self._finish(_END)

    def _finish(self, end: BaseException | object) -> None:
        if self._end is None:
            self._end = end
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _left(self) -> None:
        """The user's Subscription was garbage collected (a finaliser, any thread)."""
        self._owner.consumer_left(self)

    def _detach(self) -> None:
        """Never iterated and dropped (handler style): keep the address, buffer nothing."""
        self.detached = True
        self._buffer = None


class Subscription(Generic[M, C]):
    """A typed stream of messages ``M`` from one channel ``C``."""

    __slots__ = ("__weakref__", "_feed")

    def __init__(self, feed: Feed[M, C]) -> None:
        self._feed = feed
        weakref.finalize(self, feed._left).atexit = False

    # -- what users see ----------------------------------------------------------

    @property
    def spec(self) -> ChannelSpec[M, C]:
        return self._feed.spec

    @property
    def channel(self) -> C:
        """The typed channel object, e.g. ``TickerChannel(instrument_name=..., interval=...)``."""
        return self._feed.channel

    @property
    def address(self) -> str:
        """The concrete channel address on the wire."""
        return self._feed.address

    @property
    def dropped(self) -> int:
        """Messages dropped because the buffer was full (see ``overflow``)."""
        return self._feed.dropped

    @property
    def maxsize(self) -> int:
        """The buffer's size in messages."""
        return self._feed.maxsize

    @property
    def overflow(self) -> OverflowPolicy:
        """What a full buffer does with the next message (see :meth:`set_overflow`)."""
        return self._feed.overflow

    @property
    def state(self) -> SubState:
        """``pending`` until the ack, then ``active``; ``failed`` or ``unsubscribed`` at the end."""
        return self._feed._state

    def set_overflow(
        self, policy: OverflowPolicy | None = None, *, maxsize: int | None = None
    ) -> Subscription[M, C]:
        """Change this subscription's buffer size and/or overflow policy; returns self."""
        feed = self._feed
        if policy is not None:
            if policy not in ("drop_oldest", "drop_newest", "raise"):
                raise ValueError(f"unknown overflow policy {policy!r}")
            feed.overflow = policy
        if maxsize is not None:
            if maxsize < 1:
                raise ValueError("maxsize must be at least 1")
            feed.maxsize = maxsize
        return self

    @property
    def queue_depth(self) -> int:
        """Messages buffered, not yet taken by the consumer."""
        return self._feed.queue_depth

    async def unsubscribe(self) -> None:
        """Stop this consumer; the server is told when it was the address's last one."""
        feed = self._feed
        if feed._state in ("unsubscribed", "failed"):
            return
        await feed._owner.unsubscribe_feed(feed)

    async def aclose(self) -> None:
        """Like an async generator's ``aclose``: unsubscribe (for ``contextlib.aclosing``)."""
        await self.unsubscribe()

    def __await__(self) -> Generator[Any, None, Subscription[M, C]]:
        return self._wait_ack().__await__()

    async def _wait_ack(self) -> Subscription[M, C]:
        feed = self._feed
        await feed.wait_ack()
        if isinstance(feed._error, SubscriptionError):
            raise feed._error  # refused after the ack (an `error` frame for an operation)
        return self

    async def __aenter__(self) -> Subscription[M, C]:
        return await self._wait_ack()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.unsubscribe()

    def __aiter__(self) -> Subscription[M, C]:
        self._feed.iterated = True
        return self

    async def __anext__(self) -> M:
        feed = self._feed
        feed.iterated = True  # also when read with anext() rather than async for
        buffer = feed._buffer
        if buffer:  # the common case under load: no second coroutine per message
            return buffer.popleft()
        return await feed.next()

    def __repr__(self) -> str:
        feed = self._feed
        return (
            f"<Subscription {feed.address} {feed._state}"
            f" buffered={feed.queue_depth} dropped={feed.dropped}>"
        )
