"""One WebSocket: open it with the options, deliver what it receives, send, count, close.

A :class:`Connection` knows nothing about reconnecting: when its socket ends, it records
why (``close_code``, ``close_reason``, ``error``); the supervisor awaits
:meth:`Connection.wait` and decides what happens next. Counters are plain ints on the
object, added to once per batch of messages.

The receive path is the hot path and has no task of its own: the transport
(:class:`~.transport.BatchConnection`, websockets' own protocol) calls
:meth:`Connection._receive_batch` with the complete messages of a socket read. Each goes
through ``Session.receive`` (pydantic's Rust path), and a notification into each
consumer's buffer, which wakes a waiting consumer once per batch. Everything else
(replies, events, errors) goes to the :class:`Receiver` (the client's
:class:`~.outcomes.Outcomes`); server pings are answered at once, never behind a user
hook. While a lifetime rotation's two connections carry the same subscriptions, both
deliver through the session's ``overlap``, which lets each message through once and in
order; frames of a connection that is not *live* are parsed for replies but their
notifications are not delivered.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed as WsConnectionClosed

from .context import Context
from .core import Malformed, Notification, PingReceived, SubEntry
from .errors import ConnectionLost, MalformedFrame
from .transport import Batch, BatchConnection

__all__ = ["Connection", "Receiver"]

_DEBUG = logging.DEBUG


class Receiver(Protocol):
    """What a connection hands received frames to, once the session has classified them."""

    def handle(self, outcome: object, conn: Connection | None = None) -> None:
        """Every outcome but notifications on subscribed addresses and pings."""

    def deliver(self, entry: SubEntry, message: Any) -> None:
        """A notification for ``entry``'s consumers and hook (during a rotation's overlap)."""

    def answer_ping(self, outcome: PingReceived, conn: Connection) -> None:
        """Answer a server ping on ``conn`` at once (from inside the receive path)."""


class Connection:
    """One open WebSocket and what it received."""

    __slots__ = (
        "_ctx",
        "_log",
        "_receiver",
        "_started",
        "aborted",
        "bytes_in",
        "bytes_out",
        "close_code",
        "close_reason",
        "closed_by_client",
        "error",
        "frames_in",
        "frames_out",
        "last_subscribe",
        "live",
        "number",
        "opened_at",
        "opened_mono",
        "started_mono",
        "url",
        "ws",
    )

    def __init__(
        self, ws: BatchConnection, url: str, number: int, ctx: Context, receiver: Receiver
    ) -> None:
        self.ws = ws
        self.url = url
        self.number = number
        """1 for the client's first connection, then counting up."""
        self.live = True
        """Deliver notifications (False while a rotation's replacement is being restored)."""
        self.frames_in = 0
        self.frames_out = 0
        self.bytes_in = 0
        self.bytes_out = 0
        self.opened_at = time.time()
        self.opened_mono = asyncio.get_running_loop().time()
        self.started_mono = self.opened_mono
        """Loop time the connection attempt began (before the TCP and WebSocket
        handshakes): a server's lifetime clock cannot start earlier."""
        self.close_code: int | None = None
        self.close_reason = ""
        self.error: BaseException | None = None
        self.closed_by_client = False
        """True when this side started the closing handshake (e.g. 1009 for a frame over
        ``max_size``, 1007 for invalid UTF-8): the code is ours, not the server's verdict."""
        self.aborted: str | None = None
        """Set when the client dropped the connection on purpose (missed heartbeat...)."""
        self.last_subscribe: tuple[str, ...] = ()
        """The addresses of the subscribe frame sent last, when no request was sent after it
        (for the ``reject`` close action)."""
        self._ctx = ctx
        self._receiver = receiver
        self._log = ctx.log
        self._started = False
        ws.on_lost = self._lost
        ws.on_error = self._failed

    @classmethod
    async def open(
        cls,
        url: str,
        kwargs: dict[str, Any],
        number: int,
        ctx: Context,
        receiver: Receiver,
        *,
        shown: str | None = None,
    ) -> Connection:
        """Open the socket (raises what ``websockets.connect`` raises); ``shown`` is the
        URL with credentials masked, kept as :attr:`url` for logs and telemetry."""
        started = asyncio.get_running_loop().time()
        ws = await connect(url, create_connection=BatchConnection, **kwargs)
        assert isinstance(ws, BatchConnection)
        conn = cls(ws, url if shown is None else shown, number, ctx, receiver)
        conn.started_mono = started
        return conn

    @property
    def subprotocol(self) -> str | None:
        return self.ws.subprotocol

    def start(self) -> None:
        """Deliver every message from now on (those read before it first)."""
        self._started = True
        self.ws.start(self._receive_batch)

    async def wait(self, timeout: float | None = None) -> None:
        """Until the socket is gone (once started), or ``timeout`` seconds."""
        if self._started:
            await asyncio.wait([self.ws.connection_lost_waiter], timeout=timeout)

    @property
    def done(self) -> bool:
        return self._started and self.ws.connection_lost_waiter.done()

    def when_gone(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` on the loop once the socket is gone (soon, if it is already)."""
        self.ws.connection_lost_waiter.add_done_callback(lambda _: callback())

    async def recv(self, timeout: float | None) -> str | bytes:
        """One message, before :meth:`start` (the server's hello, an init ack)."""
        async with asyncio.timeout(timeout):
            data = await self.ws.recv_early()
        self.frames_in += 1
        self.bytes_in += len(data)
        if self._log.isEnabledFor(_DEBUG):
            self._log.debug("< #%d %s", self.number, self._ctx.secrets.preview(data))
        return data

    def send_now(self, text: str) -> None:
        """Send one small text frame from inside the receive path, without waiting for
        the write buffer (a ping's answer); a closed socket sends nothing."""
        self.frames_out += 1
        self.bytes_out += len(text)
        if self._log.isEnabledFor(_DEBUG):
            self._log.debug("> #%d %s", self.number, self._ctx.secrets.preview(text))
        self.ws.send_now(text)

    async def send(self, text: str | bytes) -> None:
        """Send one frame (``str``: a text frame, ``bytes``: a binary frame); a closed
        socket raises :class:`ConnectionLost`."""
        self.frames_out += 1
        self.bytes_out += len(text)
        if self._log.isEnabledFor(_DEBUG):
            self._log.debug("> #%d %s", self.number, self._ctx.secrets.preview(text))
        try:
            await self.ws.send(text)
        except WsConnectionClosed as exc:
            raise ConnectionLost(
                f"connection lost while sending: {exc}",
                code=exc.rcvd.code if exc.rcvd is not None else None,
                reason=exc.rcvd.reason if exc.rcvd is not None else None,
            ) from exc

    def abort(self, why: str) -> None:
        """Drop the connection now, without a closing handshake (e.g. a missed heartbeat)."""
        if self.aborted is None:
            self.aborted = why
        self.ws.transport.abort()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close with a handshake (bounded by the close timeout)."""
        try:
            await self.ws.close(code, reason)
        except Exception:  # noqa: BLE001 - closing a broken socket may fail in many ways
            self.abort("close failed")

    def describe(self) -> tuple[int | None, str]:
        """The close code and a reason text (for ``DisconnectReason``)."""
        if self.aborted is not None:
            return None, self.aborted
        if self.error is not None and self.close_code is None:
            return None, f"{type(self.error).__name__}: {self.error}"
        if self.closed_by_client:
            sent = getattr(self.error, "sent", None)
            what = f"{sent.code} {sent.reason}".strip() if sent is not None else "a close frame"
            return self.close_code, f"closed by the client ({what})"
        return self.close_code, self.close_reason or "connection closed"

    # -- the receive path -------------------------------------------------------------

    def _receive_batch(self, batch: Batch) -> None:
        """Complete messages of one socket read, in order (called by the transport)."""
        ctx = self._ctx
        session = ctx.session
        receive = session.receive
        fast = session.fast
        hooks = ctx.hooks
        enqueue = ctx.enqueue
        receiver = self._receiver
        self.frames_in += len(batch)
        self.bytes_in += sum(map(len, batch))
        debug = self._log.isEnabledFor(_DEBUG)
        text_hook = hooks.get("on_text_frame")
        binary_hook = hooks.get("on_binary_frame")
        raw = text_hook is not None or binary_hook is not None
        for data in batch:
            try:
                if debug:
                    self._log.debug("< #%d %s", self.number, ctx.secrets.preview(data))
                if raw:
                    hook = text_hook if type(data) is str else binary_hook
                    if hook is not None:
                        enqueue(hook, (data,))
                hit = fast(data) if fast is not None and type(data) is str else None
                if hit is None:
                    outcome = receive(data)
                    if type(outcome) is Notification:
                        hit = outcome.entry, outcome.message
                    elif type(outcome) is PingReceived:
                        receiver.answer_ping(outcome, self)
                        continue
                    else:
                        receiver.handle(outcome, self)
                        continue
                if self.live:
                    entry, message = hit
                    overlap = session.overlap
                    if overlap is not None:  # a rotation: two sockets, one stream
                        for due in overlap.offer(self.number, entry, data, message):
                            receiver.deliver(entry, due)
                        continue
                    entry.received += 1
                    for sink in entry.sinks:
                        sink._push(message)
                    hook = hooks[entry.spec.hook]
                    if hook is not None:
                        enqueue(hook, (message, entry.channel))
            except Exception as exc:  # noqa: BLE001 - no frame may end the connection
                self._unhandled(data, exc)

    def _failed(self, exc: BaseException) -> None:
        """The receive path itself raised (a bug): the transport aborts the socket next."""
        self._log.error("receive path failed", exc_info=exc)
        self.error = exc

    def _unhandled(self, data: str | bytes, exc: Exception) -> None:
        """A frame whose handling raised (a bug, or a frame nothing foresaw): it ends as
        a :class:`Malformed` outcome on this same connection, which goes on."""
        error = MalformedFrame(f"frame could not be handled: {type(exc).__name__}: {exc}", data)
        try:
            self._receiver.handle(Malformed(error), self)
        except Exception:
            self._ctx.log_limits.warning(
                self._log, "unhandled frame", "a frame could not be handled", exc_info=True
            )

    def _lost(self) -> None:
        """The socket is gone (called once by the transport): record why."""
        self._closed(None if self.error is not None else self.ws.close_exc)

    def _closed(self, exc: WsConnectionClosed | None) -> None:
        if exc is not None:
            self.error = exc
            self.closed_by_client = exc.sent is not None and (
                exc.rcvd is None or exc.rcvd_then_sent is False
            )
            frame = exc.rcvd if exc.rcvd is not None else exc.sent
            if frame is not None:
                self.close_code, self.close_reason = frame.code, frame.reason
            else:
                self.close_code = None
                self.close_reason = "connection closed without a close frame (reset or timeout)"
        elif self.close_code is None and not self.close_reason:
            self.close_code = self.ws.close_code
            self.close_reason = self.ws.close_reason or ""

    def __repr__(self) -> str:
        return f"<Connection #{self.number} {self.url} in={self.frames_in} out={self.frames_out}>"
