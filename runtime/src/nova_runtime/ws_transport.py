"""The default receive transport: ``websockets``' own protocol, frames handed over by callback.

``websockets.asyncio.client.connect`` opens the socket (TCP or TLS, proxies from the
environment or given, redirects, ``open_timeout``, the opening handshake) and builds the
connection object with ``create_connection=``: :class:`BatchConnection` is that object. It
is websockets' asyncio connection, an ``asyncio.Protocol`` driving the sans-I/O
``websockets.client.ClientProtocol``, so fragmentation, ``max_size``, permessage-deflate,
pings and pongs, the closing handshake and close codes stay the library's, and so do
``ping`` and ``close``.

What it drops is the per-message machinery around it:

- receiving: no frame queue, future per ``recv`` or task looping on it.
  :meth:`BatchConnection.data_received` gives one socket read to a
  :class:`~.ws_frames.FrameReader`, which takes whole text and binary messages out of the
  bytes itself and feeds every other frame to the protocol, and hands every complete
  message of the read over through :class:`~.transport.Delivery`. asyncio reads into one
  buffer per thread (``BufferedProtocol``) instead of a new 256 KiB ``bytes`` per read;
- sending: a whole message on an open connection is framed and written at once
  (:func:`~.ws_frames.client_frame`), waiting only when the write buffer is full;
  anything else is websockets' ``send``.

Invalid UTF-8 in a text message fails the connection with 1007, as websockets' own
``recv`` does; a message over ``max_size`` is the protocol's 1009.

It relies on members of websockets' asyncio ``Connection`` that are not documented API
(``send_data``, ``set_connection_exc``, ``close_deadline``, ``acknowledge_pings``,
``connection_lost_waiter``) and of its sans-I/O protocol (``current_size``,
``max_message_size``, ``max_fragment_size``, ``expect_continuation_frame``,
``extensions``, ``debug``): the dependency range in ``pyproject.toml`` is narrow for that.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode, Frame, Opcode
from websockets.protocol import State

from .errors import ConnectionLost
from .transport import Batch, Closing, Delivery
from .ws_frames import FrameReader, client_frame

__all__ = ["BatchConnection", "open_websockets"]


async def open_websockets(url: str, kwargs: dict[str, Any]) -> BatchConnection:
    """Open ``url`` with ``websockets.asyncio.client.connect(**kwargs)`` (raises what it raises)."""
    ws = await connect(url, create_connection=BatchConnection, **kwargs)
    assert isinstance(ws, BatchConnection)
    return ws


READ_SIZE = 256 * 1024
"""Bytes one socket read may bring (asyncio's own read size)."""

_reads = threading.local()


def _read_buffer() -> memoryview:
    """This thread's read buffer, shared by its connections: a read is handed over and
    done with (:meth:`BatchConnection.buffer_updated`) before the next one starts."""
    view: memoryview | None = getattr(_reads, "view", None)
    if view is None:
        view = _reads.view = memoryview(bytearray(READ_SIZE))
    return view


class BatchConnection(ClientConnection, Delivery, asyncio.BufferedProtocol):
    """websockets' client connection with messages delivered by callback, a batch per read.

    ``on_batch(messages)`` runs inside ``data_received``: it must not block, and what it
    raises is the caller's bug (``on_error`` gets it, then the socket is aborted).
    ``on_lost()`` runs once the socket is gone, after the close code is known.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._init_delivery(self.loop)
        self.on_lost: Callable[[], None] | None = None
        self._fragments: list[bytes] = []
        self._fragment_text = False
        self._failed = False
        self._reader = FrameReader(self.protocol)

    # -- receiving ---------------------------------------------------------------------

    # asyncio reads into a buffer of ours (``BufferedProtocol``) instead of allocating a
    # new 256 KiB ``bytes`` per read, which glibc maps and unmaps each time: three system
    # calls per read, more than the rest of receiving a small reply costs.
    def get_buffer(self, sizehint: int) -> memoryview:
        return _read_buffer()

    def buffer_updated(self, nbytes: int) -> None:
        self.data_received(_read_buffer()[:nbytes])

    def data_received(self, data: bytes | memoryview) -> None:
        reader = self._reader
        items = reader.feed(data)
        if reader.fed:
            protocol = self.protocol
            try:
                self.send_data()  # pongs and close frames the protocol answered with
            except Exception as exc:  # noqa: BLE001 - as websockets: the connection ends
                self.set_connection_exc(exc)
            if protocol.close_expected() and self.close_deadline is None:  # noqa: SIM102 - as websockets
                if self.close_timeout is not None:
                    self.close_deadline = self.loop.time() + self.close_timeout
        elif items:  # whole messages only (the common case)
            self._hand_over(items)
            return
        batch: Batch = []
        text, binary, cont = Opcode.TEXT, Opcode.BINARY, Opcode.CONT
        for event in items:
            kind = type(event)
            if kind is str or kind is bytes:  # a whole message the reader took out
                batch.append(event)
                continue
            if kind is not Frame:  # the handshake response comes first
                self.process_event(event)
                continue
            opcode = event.opcode
            if opcode is text or opcode is binary or opcode is cont:
                payload = event.data
                if type(payload) is not bytes:
                    payload = bytes(payload)
                message = self._assemble(opcode, payload, event.fin)
                if message is not None:
                    batch.append(message)
                elif self._failed:
                    break  # invalid UTF-8: the connection failed with 1007
            elif opcode is Opcode.PONG:  # control frames: the protocol answered pings already
                self.acknowledge_pings(bytes(event.data))
        if batch:
            self._hand_over(batch)

    def eof_received(self) -> None:
        self._reader.flush()
        super().eof_received()

    def _assemble(self, opcode: Opcode, data: bytes, fin: bool) -> str | bytes | None:
        """A complete message, or None while fragments are outstanding (or on bad UTF-8)."""
        if opcode is not Opcode.CONT:
            self._fragment_text = opcode is Opcode.TEXT
            if fin:
                return self._decode(data) if self._fragment_text else data
            self._fragments = [data]
            return None
        self._fragments.append(data)
        if not fin:
            return None
        whole = b"".join(self._fragments)
        self._fragments = []
        return self._decode(whole) if self._fragment_text else whole

    def _decode(self, data: bytes) -> str | None:
        try:
            return data.decode()
        except UnicodeDecodeError as exc:
            self._failed = True
            self.set_connection_exc(exc)
            self.protocol.fail(CloseCode.INVALID_DATA, f"{exc.reason} at position {exc.start}")
            self.send_data()
            return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._reader.flush()
        super().connection_lost(exc)
        self._deliver_rest()
        if self.on_lost is not None:
            self.on_lost()

    # -- what Delivery needs --------------------------------------------------------------

    @property
    def lost(self) -> asyncio.Future[None]:
        return self.connection_lost_waiter

    def _pause_reading(self) -> None:
        self.transport.pause_reading()

    def _resume_reading(self) -> None:
        self.transport.resume_reading()

    def _abort(self) -> None:
        self.transport.abort()

    def _is_closed(self) -> bool:
        return self.protocol.state is State.CLOSED

    def _closed_error(self) -> BaseException:
        return self.close_exc

    # -- the rest of Socket ----------------------------------------------------------------

    def send_now(self, text: str) -> bool:
        return self.protocol.state is State.OPEN and self._write(text)

    async def send_message(self, data: str | bytes) -> None:
        """One whole message. While the connection is open and no fragmented send is
        under way (the common case) it is framed and written at once, and only a write
        buffer over its high-water mark is waited for (websockets' ``drain``): what
        websockets' ``send_context`` does then, without the async context manager around
        it. Otherwise websockets' own ``send``, which waits its turn or raises why the
        connection ended."""
        try:
            if self.send_in_progress is not None or self.protocol.state is not State.OPEN:
                await self.send(data)
            elif not self._write(data):
                await asyncio.shield(self.connection_lost_waiter)  # as websockets' send
                raise self.close_exc
            elif self.paused:
                await self.drain()
        except ConnectionClosed as exc:
            raise ConnectionLost(
                f"connection lost while sending: {exc}",
                code=exc.rcvd.code if exc.rcvd is not None else None,
                reason=exc.rcvd.reason if exc.rcvd is not None else None,
            ) from exc

    def _write(self, data: str | bytes) -> bool:
        """Frame one whole message and write it (the connection is open); False when
        writing failed (the connection is aborted then, as websockets does). With no
        extension to encode it and no fragmented message under way, the frame is made
        here (:func:`~.ws_frames.client_frame`), as websockets' protocol would make it."""
        protocol = self.protocol
        try:
            if protocol.extensions or protocol.expect_continuation_frame or protocol.debug:
                if isinstance(data, str):
                    protocol.send_text(data.encode())
                else:
                    protocol.send_binary(data)
                self.send_data()
            elif isinstance(data, str):
                self.transport.write(client_frame(0x81, data.encode()))
            else:
                self.transport.write(client_frame(0x82, data))
        except Exception as exc:  # noqa: BLE001 - as websockets: the connection ends
            self.set_connection_exc(exc)
            self.transport.abort()
            return False
        return True

    def abort(self) -> None:
        self.transport.abort()

    def closing(self) -> Closing:
        exc = self.close_exc
        return Closing(
            rcvd=(exc.rcvd.code, exc.rcvd.reason) if exc.rcvd is not None else None,
            sent=(exc.sent.code, exc.sent.reason) if exc.sent is not None else None,
            rcvd_then_sent=exc.rcvd_then_sent,
            error=exc,
        )
