"""What every receive transport shares: the interface a :class:`~.connection.Connection`
drives, the record of how a socket closed, and batch delivery.

Two transports implement :class:`Socket`: :mod:`.ws_transport` (``websockets``' own
protocol, the default) and :mod:`.picows_transport` (picows' C frame parser, the
``nova-runtime[picows]`` extra, ``ConnectOptions(transport="picows")``). Both hand the
complete messages of one socket read to one callback, through :class:`Delivery`: at most
:data:`CHUNK` messages per call, the rest on the next turns of the event loop with reading
paused, so order and back-pressure hold and each waiting consumer is woken once per call.
Until a handler is set (the server's hello, an ``init`` ack) the messages wait and
:meth:`Delivery.recv_early` reads them one by one.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

__all__ = ["CHUNK", "Batch", "Closing", "Delivery", "Socket"]

CHUNK = 64
"""Most messages handed over in one call. A socket read can hold hundreds of messages;
validated all at once, they would all be alive until their consumers run, and that many
live objects make Python's cyclic garbage collector run (measured: a fifth of the receive
time at 256 KiB reads). A chunk keeps them under its first threshold."""

Batch = list[str | bytes]
"""Complete messages in the order read: ``str`` for text, ``bytes`` for binary."""


@dataclass(frozen=True, slots=True)
class Closing:
    """How a socket ended: the closing handshake as it happened (RFC 6455 section 7).

    ``rcvd`` and ``sent`` are the close frames' ``(code, reason)`` (None: no such frame);
    ``rcvd_then_sent`` says which came first when both did (None otherwise); ``error``
    is what the transport reports for the end (kept as ``Connection.error``).
    """

    rcvd: tuple[int, str] | None
    sent: tuple[int, str] | None
    rcvd_then_sent: bool | None
    error: BaseException

    @property
    def by_client(self) -> bool:
        """This side started the closing handshake (its code is ours, not the server's)."""
        return self.sent is not None and (
            self.rcvd is None or self.rcvd_then_sent is False
        )


class Socket(Protocol):
    """One open WebSocket as a :class:`~.connection.Connection` drives it."""

    on_lost: Callable[[], None] | None
    """Called once the socket is gone and :meth:`closing` is known."""
    on_error: Callable[[BaseException], None] | None
    """Called when the batch handler raised (a bug); the socket is aborted next."""

    @property
    def subprotocol(self) -> str | None:
        """The subprotocol the server chose (``Sec-WebSocket-Protocol``), if any."""

    @property
    def lost(self) -> asyncio.Future[None]:
        """Done once the socket is gone."""

    def start(self, on_batch: Callable[[Batch], None]) -> None:
        """Deliver every message from now on to ``on_batch`` (those read before first)."""

    async def recv_early(self) -> str | bytes:
        """The next message before :meth:`start`; raises once the socket is closed."""

    def send_now(self, text: str) -> bool:
        """Write one text message at once, without waiting for the write buffer to drain
        (small answers from inside the receive callback); False when not open."""

    async def send_message(self, data: str | bytes) -> None:
        """Send one message (``str``: text, ``bytes``: binary), waiting while the write
        buffer is full; raises :class:`~.errors.ConnectionLost` once closing or closed."""

    async def ping(self) -> Awaitable[float]:
        """Send a WebSocket ping; the awaitable completes with the round trip (seconds)
        when its pong arrives. Raises once the socket is closed."""

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """The closing handshake with ``code`` and ``reason``, bounded by the close timeout."""

    def abort(self) -> None:
        """Drop the TCP connection now, without a closing handshake."""

    def closing(self) -> Closing:
        """How the socket ended (valid once :attr:`lost` is done)."""


class Delivery:
    """Batch delivery in chunks, and early reads, for a transport that reads a socket.

    A transport calls :meth:`_init_delivery` once, :meth:`_hand_over` with the complete
    messages of each read and :meth:`_deliver_rest` when the socket is gone; it provides
    ``_pause_reading``, ``_resume_reading``, ``_abort``, ``_is_closed`` and
    ``_closed_error`` (what :meth:`recv_early` raises once closed), and ``lost``.
    """

    on_batch: Callable[[Batch], None] | None
    on_error: Callable[[BaseException], None] | None
    _loop: asyncio.AbstractEventLoop

    def _init_delivery(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.on_batch = None
        self.on_error = None
        self._pending: deque[str | bytes] = deque()
        """Messages read and not handed over yet (all of them before :meth:`start`)."""
        self._draining = False
        self._early_waiter: asyncio.Future[None] | None = None

    # What the transport provides.
    @property
    def lost(self) -> asyncio.Future[None]:
        raise NotImplementedError

    def _pause_reading(self) -> None:
        raise NotImplementedError

    def _resume_reading(self) -> None:
        raise NotImplementedError

    def _abort(self) -> None:
        raise NotImplementedError

    def _is_closed(self) -> bool:
        raise NotImplementedError

    def _closed_error(self) -> BaseException:
        raise NotImplementedError

    # Delivery.
    def _hand_over(self, batch: Batch) -> None:
        handler = self.on_batch
        if handler is not None and not self._pending and len(batch) <= CHUNK:
            self._deliver(handler, batch)  # the common case: nothing waits, one chunk
            return
        self._pending.extend(batch)
        if not self._draining:
            self._drain()

    def _drain(self) -> None:
        """Give the handler the next :data:`CHUNK` messages waiting; while more wait,
        stop reading the socket and come back on the next turn of the event loop, after
        the consumers just woken have run. So at most a chunk of validated messages is
        alive at once, however much one read brought."""
        pending = self._pending
        handler = self.on_batch
        if handler is None:  # before start(): recv_early() reads them
            waiter = self._early_waiter
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
            self._draining = False
            if len(pending) > CHUNK:
                self._pause_reading()
            return
        if len(pending) <= CHUNK:
            chunk = list(pending)
            pending.clear()
        else:
            chunk = [pending.popleft() for _ in range(CHUNK)]
        self._deliver(handler, chunk)
        if pending:
            if not self._draining:
                self._draining = True
                self._pause_reading()
            self._loop.call_soon(self._drain)
        elif self._draining:
            self._draining = False
            self._resume_reading()

    def _deliver(self, handler: Callable[[Batch], None], chunk: Batch) -> None:
        """Hand ``chunk`` to ``handler``; one that raises ends the connection."""
        try:
            handler(chunk)
        except Exception as exc:  # noqa: BLE001 - a bug must end this connection, not hang it
            self._pending.clear()
            if self.on_error is not None:
                self.on_error(exc)
            self._abort()

    def start(self, on_batch: Callable[[Batch], None]) -> None:
        """Deliver from now on to ``on_batch``; messages read before it go first."""
        self.on_batch = on_batch
        self._resume_reading()
        if self._pending and not self._draining:
            self._drain()

    async def recv_early(self) -> str | bytes:
        """The next message before :meth:`start` (raises once the socket is closed)."""
        pending = self._pending
        while not pending:
            if self._is_closed():
                raise self._closed_error()
            waiter = self._early_waiter = self._loop.create_future()
            try:
                await asyncio.wait([waiter, self.lost], return_when="FIRST_COMPLETED")
            finally:
                self._early_waiter = None
        message = pending.popleft()
        if len(pending) <= CHUNK // 4:
            self._resume_reading()
        return message

    def _deliver_rest(self) -> None:
        """The socket is gone: what was read before the end goes to the handler first."""
        handler = self.on_batch
        if handler is not None and self._pending:
            rest = list(self._pending)
            self._pending.clear()
            try:
                handler(rest)
            except Exception as exc:  # noqa: BLE001 - reported; the socket is gone anyway
                if self.on_error is not None:
                    self.on_error(exc)
