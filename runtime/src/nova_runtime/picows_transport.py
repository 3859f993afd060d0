"""The fast receive transport: picows' C frame parser under the same batch delivery.

Chosen with ``ConnectOptions(transport="picows")`` and installed with the extra
``nova-runtime[picows]``. picows (Cython) parses frames, masks, answers nothing on its own
here, and calls :meth:`PicowsSocket.on_ws_frame` once per frame with ``last_in_buffer`` set
on the last frame of a socket read; the frames of one read become one batch handed over
through :class:`~.transport.Delivery`, exactly as on the default transport.

What picows leaves to its user, this module does the way ``websockets`` does it:

- fragmented messages are reassembled; ``max_size`` bounds the whole message (picows
  bounds one frame): a larger one fails the connection with 1009;
- a text message that is not UTF-8 fails it with 1007; a continuation without a message,
  a new message inside a fragmented one, or a reserved bit (no extension is negotiated)
  with 1002;
- pings are answered with a pong carrying their payload; a pong completes the pings sent
  up to it (:meth:`PicowsSocket.ping`);
- the closing handshake: a server's close frame is answered with its code, and the client
  waits for the server to close TCP, at most ``close_timeout`` seconds, then aborts;
- the opening handshake offers the subprotocols and checks the server's choice; no
  extension is offered (picows has no permessage-deflate), and a response that selects
  one is refused;
- proxies: from the environment (``HTTPS_PROXY``, ``ALL_PROXY``, ``NO_PROXY``...) as
  ``websockets`` reads them, or as given; HTTP(S) CONNECT and SOCKS4/5 proxies.

TLS is the stdlib's (``loop.create_connection(ssl=...)``): certificates are verified
unless the options turn it off, as on the default transport.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

# picows is an optional extra: this module is imported only when the transport is chosen, and
# a package that vendors the runtime must pass `mypy --strict` without picows installed. Where
# it is missing its names are Any (so the two ignores below); where it is installed they are
# typed and the ignores unused ("unused-ignore" keeps --strict quiet about that).
from picows import (  # type: ignore[import-not-found, unused-ignore]
    WSCloseCode,
    WSFrame,
    WSListener,
    WSMsgType,
    WSTransport,
    ws_connect,
)
from websockets.proxy import get_proxy
from websockets.uri import parse_uri

from .errors import ConnectionLost
from .transport import Batch, Closing, Delivery

__all__ = ["PicowsSocket", "open_picows"]

_TEXT, _BINARY, _CONT = WSMsgType.TEXT, WSMsgType.BINARY, WSMsgType.CONTINUATION
_PING, _PONG, _CLOSE = WSMsgType.PING, WSMsgType.PONG, WSMsgType.CLOSE


class HandshakeRefused(ConnectionError):
    """The server's handshake response selects what the client did not offer."""


async def open_picows(url: str, kwargs: Mapping[str, Any]) -> PicowsSocket:
    """Open ``url`` with the options of a ``websockets.asyncio.client.connect`` call
    (``kwargs``: the same names, so both transports take one translation of
    :class:`~.options.ConnectOptions`). Raises ``OSError`` (refused, TLS), picows'
    ``WSHandshakeError`` (HTTP status), :class:`HandshakeRefused`, ``TimeoutError``
    (``open_timeout``) and ``ValueError`` (a header with a line break)."""
    loop = asyncio.get_running_loop()
    max_size = kwargs.get("max_size")
    close_timeout = kwargs.get("close_timeout")
    open_timeout = kwargs.get("open_timeout")
    offered = tuple(kwargs.get("subprotocols") or ())
    headers = _headers(kwargs, offered)
    proxy = kwargs.get("proxy", True)
    if proxy is True:
        proxy = get_proxy(parse_uri(url))
    logger = kwargs.get("logger")
    if isinstance(logger, logging.Logger):  # its filters then see picows' records too
        logger = logging.LoggerAdapter(logger, {})

    def listener() -> PicowsSocket:
        return PicowsSocket(loop, max_size, close_timeout)

    async with asyncio.timeout(open_timeout):
        transport, sock = await ws_connect(
            listener,
            url,
            ssl_context=kwargs.get("ssl"),
            websocket_handshake_timeout=open_timeout,
            max_frame_size=sys.maxsize if max_size is None else max_size,
            extra_headers=headers,
            enable_auto_pong=False,  # answered here: every frame then reaches on_ws_frame
            disconnect_on_exception=True,
            proxy=proxy,
            logger_name=logger,
            use_aiofastnet=False,  # the stdlib's transports and TLS
        )
    assert isinstance(sock, PicowsSocket)
    try:
        sock.check_response(transport, offered)
    except BaseException:
        transport.disconnect(graceful=False)
        raise
    return sock


def _headers(kwargs: Mapping[str, Any], offered: tuple[str, ...]) -> dict[str, str]:
    headers = {"User-Agent": kwargs.get("user_agent_header") or "nova-runtime (picows)"}
    headers.update(kwargs.get("additional_headers") or {})
    if offered:
        headers["Sec-WebSocket-Protocol"] = ", ".join(offered)
    for name, value in headers.items():  # picows writes them verbatim
        if any(c in name or c in value for c in "\r\n\0"):
            raise ValueError(f"handshake header {name!r} contains a line break or NUL")
    return headers


class PicowsSocket(WSListener, Delivery):  # type: ignore[misc, unused-ignore]
    """One picows connection as a :class:`~.transport.Socket`; picows calls the ``on_ws_*``
    methods (inside its ``buffer_updated``, so they must not block)."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, max_size: int | None, close_timeout: float | None
    ) -> None:
        self._init_delivery(loop)
        self.on_lost: Callable[[], None] | None = None
        self.transport: WSTransport | None = None
        self._max_size = max_size
        self._close_timeout = close_timeout
        self._batch: Batch = []
        self._fragments: list[bytes] | None = None
        self._fragment_text = False
        self._fragment_size = 0
        self._failed = False
        self._error: BaseException | None = None
        self._subprotocol: str | None = None
        self._lost: asyncio.Future[None] = loop.create_future()
        self._pings: dict[bytes, tuple[asyncio.Future[float], float]] = {}
        self._writable: asyncio.Future[None] | None = None
        self._close_timer: asyncio.TimerHandle | None = None

    # -- the handshake ---------------------------------------------------------------------

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport

    def check_response(self, transport: WSTransport, offered: tuple[str, ...]) -> None:
        """The server chose a subprotocol we offered (or none), and no extension."""
        headers = transport.response.headers
        if headers.get("Sec-WebSocket-Extensions"):
            raise HandshakeRefused(
                f"the server selected an extension the client did not offer: "
                f"{headers['Sec-WebSocket-Extensions']}"
            )
        chosen = headers.get("Sec-WebSocket-Protocol")
        if chosen is not None and chosen not in offered:
            raise HandshakeRefused(f"the server selected an unknown subprotocol: {chosen}")
        self._subprotocol = chosen

    @property
    def subprotocol(self) -> str | None:
        return self._subprotocol

    # -- receiving ---------------------------------------------------------------------

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if self._failed:
            return
        if (
            frame.msg_type is _TEXT
            and frame.fin
            and self._fragments is None
            and not (frame.rsv1 or frame.rsv2 or frame.rsv3)
        ):
            try:
                self._batch.append(frame.get_payload_as_utf8_text())
            except UnicodeDecodeError as exc:
                self._fail(WSCloseCode.INVALID_TEXT, f"{exc.reason} at position {exc.start}")
        else:
            self._other_frame(transport, frame)
        if frame.last_in_buffer and self._batch:
            batch, self._batch = self._batch, []
            self._hand_over(batch)

    def _other_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        kind = frame.msg_type
        if frame.rsv1 or frame.rsv2 or frame.rsv3:
            self._fail(WSCloseCode.PROTOCOL_ERROR, "reserved bits must be 0")
        elif kind is _TEXT or kind is _BINARY or kind is _CONT:
            self._assemble(frame, kind)
        elif kind is _PING:
            transport.send_pong(frame.get_payload_as_bytes())
        elif kind is _PONG:
            self._acknowledge(frame.get_payload_as_bytes())
        elif kind is _CLOSE:
            if not transport.is_close_frame_sent:
                code = frame.get_close_code()
                transport.send_close(code if code != WSCloseCode.NO_INFO else WSCloseCode.OK)
            self._expect_eof()

    def _assemble(self, frame: WSFrame, kind: WSMsgType) -> None:
        """Fragments into one message (RFC 6455 section 5.4), bounded by ``max_size``."""
        if (kind is _CONT) is (self._fragments is None):
            what = "unexpected continuation frame" if kind is _CONT else "expected a continuation"
            self._fail(WSCloseCode.PROTOCOL_ERROR, what)
            return
        data = frame.get_payload_as_bytes()
        if self._fragments is None:
            self._fragments, self._fragment_text, self._fragment_size = [], kind is _TEXT, 0
        self._fragments.append(data)
        self._fragment_size += len(data)
        if self._max_size is not None and self._fragment_size > self._max_size:
            self._fail(
                WSCloseCode.MESSAGE_TOO_BIG,
                f"over size limit ({self._fragment_size} > {self._max_size} bytes)",
            )
            return
        if not frame.fin:
            return
        whole = b"".join(self._fragments)
        self._fragments = None
        if not self._fragment_text:
            self._batch.append(whole)
            return
        try:
            self._batch.append(whole.decode())
        except UnicodeDecodeError as exc:
            self._fail(WSCloseCode.INVALID_TEXT, f"{exc.reason} at position {exc.start}")

    def _fail(self, code: WSCloseCode, reason: str) -> None:
        """Fail the connection (RFC 6455 section 7.1.7): our close frame, then the end."""
        self._failed = True
        self._error = ConnectionLost(
            f"sent {code.value} ({reason})", code=code.value, reason=reason
        )
        transport = self.transport
        if transport is not None and not transport.is_close_frame_sent:
            transport.send_close(code, reason.encode())
        self._expect_eof()

    def _expect_eof(self) -> None:
        """Close frames are exchanged or ours is sent: the server closes TCP, or we abort
        after ``close_timeout``."""
        if self._close_timer is None and self.transport is not None:
            timeout = 10.0 if self._close_timeout is None else self._close_timeout
            self._close_timer = self._loop.call_later(timeout, self.abort)

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        if self._close_timer is not None:
            self._close_timer.cancel()
        if self._batch:
            batch, self._batch = self._batch, []
            self._pending.extend(batch)
        lost = ConnectionLost("connection closed")
        for future, _ in self._pings.values():
            if not future.done():
                future.set_exception(lost)
        self._pings.clear()
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)
        self._deliver_rest()
        if not self._lost.done():
            self._lost.set_result(None)
        if self.on_lost is not None:
            self.on_lost()

    # -- what Delivery needs ---------------------------------------------------------------

    @property
    def lost(self) -> asyncio.Future[None]:
        return self._lost

    def _pause_reading(self) -> None:
        if self.transport is not None:
            self.transport.underlying_transport.pause_reading()

    def _resume_reading(self) -> None:
        if self.transport is not None:
            self.transport.underlying_transport.resume_reading()

    def _abort(self) -> None:
        self.abort()

    def _is_closed(self) -> bool:
        return self._lost.done()

    def _closed_error(self) -> BaseException:
        return self.closing().error

    # -- sending -----------------------------------------------------------------------

    def pause_writing(self) -> None:
        if self._writable is None or self._writable.done():
            self._writable = self._loop.create_future()

    def resume_writing(self) -> None:
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)

    def _open_transport(self) -> WSTransport | None:
        transport = self.transport
        if transport is None or transport.is_disconnected or transport.is_close_frame_sent:
            return None
        return transport

    def send_now(self, text: str) -> bool:
        transport = self._open_transport()
        if transport is None:
            return False
        transport.send(_TEXT, text.encode())
        return True

    async def send_message(self, data: str | bytes) -> None:
        if self._writable is not None:
            await self._writable
        transport = self._open_transport()
        if transport is None:
            raise self._lost_error("connection lost while sending")
        if type(data) is str:
            transport.send(_TEXT, data.encode())
        else:
            transport.send(_BINARY, data)

    async def ping(self) -> Awaitable[float]:
        transport = self._open_transport()
        if transport is None:
            raise self._lost_error("connection lost before a ping")
        data = os.urandom(4)
        while data in self._pings:
            data = os.urandom(4)
        pong: asyncio.Future[float] = self._loop.create_future()
        self._pings[data] = (pong, time.monotonic())
        transport.send_ping(data)
        return pong

    def _acknowledge(self, data: bytes) -> None:
        """A pong completes its ping and every ping sent before it (as in websockets)."""
        if data not in self._pings:
            return
        now = time.monotonic()
        for key in list(self._pings):
            future, sent = self._pings.pop(key)
            if not future.done():
                future.set_result(now - sent)
            if key == data:
                break

    def _lost_error(self, message: str) -> ConnectionLost:
        handshake = self.transport.close_handshake if self.transport is not None else None
        rcvd = handshake.recv if handshake is not None else None
        if rcvd is None:
            return ConnectionLost(message)
        code, reason = rcvd.code.value, rcvd.reason or ""
        return ConnectionLost(f"{message}: received {code} ({reason})", code=code, reason=reason)

    # -- closing -----------------------------------------------------------------------

    async def close(self, code: int = 1000, reason: str = "") -> None:
        transport = self.transport
        if transport is not None and not transport.is_disconnected:
            if not transport.is_close_frame_sent:
                transport.send_close(WSCloseCode(code), reason.encode())
            self._expect_eof()
        await asyncio.shield(self._lost)

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.disconnect(graceful=False)

    def closing(self) -> Closing:
        handshake = self.transport.close_handshake if self.transport is not None else None
        rcvd = sent = None
        then: bool | None = None
        if handshake is not None:
            if handshake.recv is not None:
                rcvd = (handshake.recv.code.value, handshake.recv.reason or "")
            if handshake.sent is not None:
                sent = (handshake.sent.code.value, handshake.sent.reason or "")
            if rcvd is not None and sent is not None:
                then = handshake.recv_then_sent
        error = self._error
        if error is None:
            if rcvd is not None:
                error = ConnectionLost(
                    f"received {rcvd[0]} {rcvd[1]}", code=rcvd[0], reason=rcvd[1]
                )
            elif sent is not None:
                error = ConnectionLost(f"sent {sent[0]} {sent[1]}", code=sent[0], reason=sent[1])
            else:
                error = ConnectionLost("no close frame received or sent")
        return Closing(rcvd=rcvd, sent=sent, rcvd_then_sent=then, error=error)
