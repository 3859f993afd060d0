"""One WebSocket: open it with the options, deliver what it receives, send, count, close.

A :class:`Connection` knows nothing about reconnecting: when its socket ends, it records
why (``close_code``, ``close_reason``, ``error``); the supervisor awaits
:meth:`Connection.wait` and decides what happens next. Counters are plain ints on the
object, added to once per batch of messages.

The receive path is the hot path and has no task of its own: the transport (a
:class:`~.transport.Socket`: websockets' own protocol by default, picows with
``ConnectOptions(transport="picows")``) calls :meth:`Connection._receive_batch` with the
complete messages of a socket read. Each goes
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
from collections.abc import Callable, Coroutine
from typing import Any, Protocol, get_args

from .context import Context
from .core import Malformed, Notification, PingReceived, SubEntry
from .errors import MalformedFrame
from .options import Transport
from .transport import Batch, Closing, Socket
from .ws_transport import open_websockets

__all__ = ["TRANSPORTS", "Connection", "Receiver", "open_socket"]

TRANSPORTS: tuple[str, ...] = get_args(Transport)
"""The receive transports ``ConnectOptions.transport`` names."""

_DEBUG = logging.DEBUG


async def open_socket(transport: str, url: str, kwargs: dict[str, Any]) -> Socket:
    """Open ``url`` on the named transport (:data:`TRANSPORTS`). picows is imported only
    when asked for; missing, it is an ``ImportError`` naming the extra to install."""
    if transport == "websockets":
        return await open_websockets(url, kwargs)
    if transport != "picows":
        raise ValueError(f"unknown transport {transport!r}; known: {', '.join(TRANSPORTS)}")
    try:
        from .picows_transport import open_picows
    except ImportError as exc:
        raise ImportError(
            "transport='picows' needs picows: pip install 'nova-runtime[picows]'"
        ) from exc
    return await open_picows(url, kwargs)


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
        "closing",
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

    def __init__(self, ws: Socket, url: str, number: int, ctx: Context, receiver: Receiver) -> None:
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
        self.closing: Closing | None = None
        """The closing handshake as it happened, once the socket is gone."""
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
        transport: str,
        number: int,
        ctx: Context,
        receiver: Receiver,
        *,
        shown: str | None = None,
    ) -> Connection:
        """Open the socket on ``transport`` with ``kwargs`` (``websockets.connect``'s
        names; raises what the transport's connect raises); ``shown`` is the URL with
        credentials masked, kept as :attr:`url` for logs and telemetry."""
        started = asyncio.get_running_loop().time()
        ws = await open_socket(transport, url, kwargs)
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
            await asyncio.wait([self.ws.lost], timeout=timeout)

    @property
    def done(self) -> bool:
        return self._started and self.ws.lost.done()

    def when_gone(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` on the loop once the socket is gone (soon, if it is already)."""
        self.ws.lost.add_done_callback(lambda _: callback())

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

    def send(self, text: str | bytes) -> Coroutine[Any, Any, None]:
        """Send one frame (``str``: a text frame, ``bytes``: a binary frame); awaited, a
        closed socket raises :class:`ConnectionLost`. It is the transport's own coroutine
        (counted and logged now): no coroutine of its own on every request's path."""
        self.frames_out += 1
        self.bytes_out += len(text)
        if self._log.isEnabledFor(_DEBUG):
            self._log.debug("> #%d %s", self.number, self._ctx.secrets.preview(text))
        return self.ws.send_message(text)

    def abort(self, why: str) -> None:
        """Drop the connection now, without a closing handshake (e.g. a missed heartbeat)."""
        if self.aborted is None:
            self.aborted = why
        self.ws.abort()

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
            sent = self.closing.sent if self.closing is not None else None
            what = f"{sent[0]} {sent[1]}".strip() if sent is not None else "a close frame"
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
        """The socket is gone (called once by the transport): record why. A receive
        path that failed keeps its error (:meth:`_failed`)."""
        closing = self.closing = self.ws.closing()
        if self.error is None:
            self.error = closing.error
        self.closed_by_client = closing.by_client
        frame = closing.rcvd if closing.rcvd is not None else closing.sent
        if frame is not None:
            self.close_code, self.close_reason = frame
        else:
            self.close_code = None
            self.close_reason = "connection closed without a close frame (reset or timeout)"

    def __repr__(self) -> str:
        return f"<Connection #{self.number} {self.url} in={self.frames_in} out={self.frames_out}>"
