"""The receive transport: ``websockets``' own protocol, frames handed over by callback.

``websockets.asyncio.client.connect`` opens the socket (TCP or TLS, proxies from the
environment or given, redirects, ``open_timeout``, the opening handshake) and builds the
connection object with ``create_connection=``: :class:`BatchConnection` is that object. It
is websockets' asyncio connection, an ``asyncio.Protocol`` driving the sans-I/O
``websockets.client.ClientProtocol``, so framing, fragmentation, ``max_size``,
permessage-deflate, pings and pongs, the closing handshake and close codes stay the
library's, and so do ``send``, ``ping`` and ``close``.

What it drops is the per-message receive machinery (a frame queue, a future per ``recv``,
a task looping on it): :meth:`BatchConnection.data_received` feeds one socket read to the
protocol and hands every complete message of it to :attr:`BatchConnection.on_batch` in
one call, so the consumer parses, validates and delivers the whole batch and each waiting
consumer is woken once. Until a handler is set (the server's hello, an ``init`` ack), the
messages wait in a small queue that :meth:`BatchConnection.recv` reads.

Invalid UTF-8 in a text message fails the connection with 1007, as websockets' own
``recv`` does; a message over ``max_size`` is the protocol's 1009.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.frames import CloseCode, Frame, Opcode
from websockets.protocol import State

__all__ = ["Batch", "BatchConnection"]

CHUNK = 64
"""Most messages handed over in one call. A socket read can hold hundreds of messages;
validated all at once, they would all be alive until their consumers run, and that many
live objects make Python's cyclic garbage collector run (measured: a fifth of the receive
time at 256 KiB reads). A chunk keeps them under its first threshold."""

Batch = list[str | bytes]
"""The complete messages of one socket read, in order: ``str`` for text, ``bytes`` for binary."""


class BatchConnection(ClientConnection):
    """websockets' client connection with messages delivered by callback, a batch per read.

    ``on_batch(messages)`` runs inside ``data_received``: it must not block, and what it
    raises is the caller's bug (:attr:`on_error` gets it, then the socket is aborted).
    ``on_lost()`` runs once the socket is gone, after the close code is known.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on_batch: Callable[[Batch], None] | None = None
        self.on_lost: Callable[[], None] | None = None
        self.on_error: Callable[[BaseException], None] | None = None
        self._pending: deque[str | bytes] = deque()
        """Messages read and not handed over yet (all of them before :meth:`start`)."""
        self._draining = False
        self._early_waiter: asyncio.Future[None] | None = None
        self._fragments: list[bytes] = []
        self._fragment_text = False
        self._failed = False

    # -- receiving ---------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        protocol = self.protocol
        protocol.receive_data(data)
        events = protocol.events_received()
        try:
            self.send_data()  # pongs and close frames the protocol answered with
        except Exception as exc:  # noqa: BLE001 - as websockets: the connection ends
            self.set_connection_exc(exc)
        if protocol.close_expected() and self.close_deadline is None:  # noqa: SIM102 - as websockets
            if self.close_timeout is not None:
                self.close_deadline = self.loop.time() + self.close_timeout
        batch: Batch = []
        text, binary, cont = Opcode.TEXT, Opcode.BINARY, Opcode.CONT
        for event in events:
            if type(event) is not Frame:  # the handshake response comes first
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
            elif (
                opcode is Opcode.PONG
            ):  # control frames: the protocol answered pings already
                self.acknowledge_pings(bytes(event.data))
        if batch:
            self._hand_over(batch)

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
            self.protocol.fail(
                CloseCode.INVALID_DATA, f"{exc.reason} at position {exc.start}"
            )
            self.send_data()
            return None

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
                self.transport.pause_reading()
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
                self.transport.pause_reading()
            self.loop.call_soon(self._drain)
        elif self._draining:
            self._draining = False
            self.transport.resume_reading()

    def _deliver(self, handler: Callable[[Batch], None], chunk: Batch) -> None:
        """Hand ``chunk`` to ``handler``; one that raises ends the connection."""
        try:
            handler(chunk)
        except Exception as exc:  # noqa: BLE001 - a bug must end this connection, not hang it
            self._pending.clear()
            if self.on_error is not None:
                self.on_error(exc)
            self.transport.abort()

    def start(self, on_batch: Callable[[Batch], None]) -> None:
        """Deliver from now on to ``on_batch``; messages read before it go first."""
        self.on_batch = on_batch
        self.transport.resume_reading()
        if self._pending and not self._draining:
            self._drain()

    async def recv_early(self) -> str | bytes:
        """The next message before :meth:`start` (raises ``ConnectionClosed`` once closed)."""
        pending = self._pending
        while not pending:
            if self.protocol.state is State.CLOSED:
                raise self.close_exc
            waiter = self._early_waiter = self.loop.create_future()
            try:
                await asyncio.wait(
                    [waiter, self.connection_lost_waiter], return_when="FIRST_COMPLETED"
                )
            finally:
                self._early_waiter = None
        message = pending.popleft()
        if len(pending) <= CHUNK // 4:
            self.transport.resume_reading()
        return message

    # -- sending -----------------------------------------------------------------------

    async def send(self, message: Any, text: bool | None = None) -> None:
        """websockets' ``send``, shortened for the common case: one whole ``str`` (a text
        frame) or ``bytes`` (binary) while the connection is open and no fragmented send
        is under way is framed by the protocol and written at once, and only a write
        buffer over its high-water mark is waited for (websockets' ``drain``). That is
        what websockets' ``send_context`` does in that case, without the async context
        manager around it. Everything else goes to websockets' own ``send``."""
        kind = type(message)
        if (
            text is None
            and (kind is str or kind is bytes)
            and self.send_in_progress is None
            and self.protocol.state is State.OPEN
        ):
            if self.send_now(message):
                if self.paused:
                    await self.drain()
                return
            # Writing failed: as websockets, wait for the end and raise why it ended.
            await asyncio.shield(self.connection_lost_waiter)
            raise self.close_exc
        await super().send(message, text=text)

    def send_now(self, message: str | bytes) -> bool:
        """Write one whole message (``str``: text, ``bytes``: binary) without waiting for
        the write buffer to drain (small protocol answers from inside the receive
        callback, and :meth:`send`); False when not open or when writing failed (the
        connection is aborted then)."""
        if self.protocol.state is not State.OPEN:
            return False
        try:
            if isinstance(message, str):
                self.protocol.send_text(message.encode())
            else:
                self.protocol.send_binary(message)
            self.send_data()
        except Exception as exc:  # noqa: BLE001 - as websockets: the connection ends
            self.set_connection_exc(exc)
            self.transport.abort()
            return False
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        handler = self.on_batch
        if (
            handler is not None and self._pending
        ):  # what was read before the end goes first
            rest = list(self._pending)
            self._pending.clear()
            try:
                handler(rest)
            except Exception as exc_:  # noqa: BLE001 - reported; the socket is gone anyway
                if self.on_error is not None:
                    self.on_error(exc_)
        if self.on_lost is not None:
            self.on_lost()
