"""One WebSocket: open it with the options, run its receive loop, send, count, close.

A :class:`Connection` knows nothing about reconnecting: when its socket ends, its
receive task ends and records why (``close_code``, ``close_reason``, ``error``); the
supervisor awaits :meth:`Connection.wait` and decides what happens next. Per-frame
counters are plain ints on the object, so counting costs an addition.

The receive loop is the hot path: one ``recv``, one ``Session.receive`` (which parses
with pydantic's Rust path), and for a notification a push into each consumer's buffer.
Everything else (replies, events, errors) goes to the :class:`Receiver` (the client's
:class:`~.outcomes.Outcomes`); server pings are answered inline, never behind a user hook. While a lifetime rotation's two
connections carry the same subscriptions, both deliver through the session's
``overlap``, which lets each message through once and in order; frames of a connection
that is not *live* are parsed for replies but their notifications are not delivered.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Protocol

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed as WsConnectionClosed
from websockets.protocol import State

from .context import Context
from .core import Malformed, Notification, PingReceived, SubEntry
from .errors import ConnectionLost, MalformedFrame

__all__ = ["Connection", "Receiver"]

_DEBUG = logging.DEBUG


class Receiver(Protocol):
    """What a connection hands received frames to, once the session has classified them."""

    def handle(self, outcome: object, conn: Connection | None = None) -> None:
        """Every outcome but notifications on subscribed addresses and pings."""

    def deliver(self, entry: SubEntry, message: Any) -> None:
        """A notification for ``entry``'s consumers and hook (during a rotation's overlap)."""

    async def answer_ping(self, outcome: PingReceived, conn: Connection) -> None:
        """Answer a server ping on ``conn``."""


class Connection:
    """One open WebSocket and its receive task."""

    __slots__ = (
        "_ctx",
        "_log",
        "_receiver",
        "_task",
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
        self, ws: ClientConnection, url: str, number: int, ctx: Context, receiver: Receiver
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
        self._task: asyncio.Task[None] | None = None

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
        ws = await connect(url, **kwargs)
        conn = cls(ws, url if shown is None else shown, number, ctx, receiver)
        conn.started_mono = started
        return conn

    @property
    def subprotocol(self) -> str | None:
        return self.ws.subprotocol

    def start(self) -> None:
        """Start the receive loop."""
        self._task = asyncio.get_running_loop().create_task(
            self._receive_loop(), name=f"nova.{self._ctx.protocol.name}.receive.{self.number}"
        )

    async def wait(self, timeout: float | None = None) -> None:
        """Until the receive loop ended (the socket is gone), or ``timeout`` seconds."""
        if self._task is not None:
            await asyncio.wait([self._task], timeout=timeout)

    @property
    def done(self) -> bool:
        return self._task is not None and self._task.done()

    async def recv(self, timeout: float | None) -> str | bytes:
        """One frame, before the receive loop runs (the server's hello)."""
        async with asyncio.timeout(timeout):
            data = await self.ws.recv()
        self.frames_in += 1
        self.bytes_in += len(data)
        if self._log.isEnabledFor(_DEBUG):
            self._log.debug("< #%d %s", self.number, self._ctx.secrets.preview(data))
        return data

    async def send(self, text: str) -> None:
        """Send one text frame; a closed socket raises :class:`ConnectionLost`."""
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
        transport = self.ws.transport
        if transport is not None:
            transport.abort()
        elif self._task is not None:
            self._task.cancel()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close with a handshake (bounded by the close timeout), then stop the loop."""
        try:
            await self.ws.close(code, reason)
        except Exception:  # noqa: BLE001 - closing a broken socket may fail in many ways
            self.abort("close failed")
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

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

    # -- the receive loop ------------------------------------------------------------

    async def _receive_loop(self) -> None:
        ctx = self._ctx
        ws = self.ws
        session = ctx.session
        receive = session.receive
        fast = session.fast
        hooks = ctx.hooks
        enqueue = ctx.enqueue
        receiver = self._receiver
        on_outcome = receiver.handle
        deliver = receiver.deliver
        preview = ctx.secrets.preview
        text_hook = hooks.get("on_text_frame")
        binary_hook = hooks.get("on_binary_frame")
        raw = text_hook is not None or binary_hook is not None
        log = self._log
        try:
            while True:
                data = await ws.recv()
                self.frames_in += 1
                self.bytes_in += len(data)
                try:
                    if log.isEnabledFor(_DEBUG):
                        log.debug("< #%d %s", self.number, preview(data))
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
                            await receiver.answer_ping(outcome, self)
                            continue
                        else:
                            on_outcome(outcome, self)
                            continue
                    if self.live:
                        entry, message = hit
                        overlap = session.overlap
                        if overlap is not None:  # a rotation: two sockets, one stream
                            for due in overlap.offer(self.number, entry, data, message):
                                deliver(entry, due)
                            continue
                        entry.received += 1
                        for sink in entry.sinks:
                            sink._push(message)
                        hook = hooks[entry.spec.hook]
                        if hook is not None:
                            enqueue(hook, (message, entry.channel))
                except Exception as exc:  # noqa: BLE001 - no frame may end the connection
                    self._unhandled(data, exc)
        except WsConnectionClosed as exc:
            self._closed(exc)
        except asyncio.CancelledError:
            self._closed(None)
            raise
        except Exception as exc:  # noqa: BLE001 - a bug must end this connection, not hang it
            log.exception("receive loop failed")
            self.error = exc
            self._closed(None)
        finally:
            # However the loop ended, its socket ends with it: the supervisor opens a
            # new one, and the old one must not linger (nor keep receiving).
            if ws.state is not State.CLOSED and ws.transport is not None:
                ws.transport.abort()

    def _unhandled(self, data: str | bytes, exc: Exception) -> None:
        """A frame whose handling raised (a bug, or a frame nothing foresaw): it ends as
        a :class:`Malformed` outcome on this same connection, which goes on."""
        error = MalformedFrame(f"frame could not be handled: {type(exc).__name__}: {exc}", data)
        try:
            self._receiver.handle(Malformed(error), self)
        except Exception:  # noqa: BLE001 - reporting must not end the connection either
            self._ctx.log_limits.warning(
                self._log, "unhandled frame", "a frame could not be handled", exc_info=True
            )

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
