"""Reading frames for ``websockets``' sans-I/O protocol, whole data frames taken directly.

``websockets.protocol.Protocol`` parses every frame with a stack of Python generators
(``Frame.parse``, ``StreamReader.read_exact`` three times, the ``Opcode`` enum, a
``Frame`` dataclass, ``Frame.check``, ``recv_frame``): about 28k instructions per frame,
half of what pydantic takes to validate a 700-byte message. Most frames of a busy
connection are the simplest kind RFC 6455 has (section 5.2): a whole text or binary
message in one frame (FIN set, no RSV bits, no mask from a server, nothing for an
extension to undo), within ``max_size``. For those the protocol only appends the frame
to its events; nothing of its state changes. :class:`FrameReader` takes such frames out of the byte stream itself and
feeds every other frame (control frames, fragments, anything malformed or too big) to the
protocol, whole and in order, so the protocol keeps deciding fragmentation, ``max_size``
(close code 1009), pings and pongs, the closing handshake and every protocol error.

The protocol's parser is always at a frame boundary when the reader feeds it: the
opening handshake's response is fed up to its end (``\\r\\n\\r\\n``, RFC 7230 section
3), then only complete frames. When that cannot hold (the handshake failed, the state
left OPEN, an extension other than permessage-deflate or websockets' debug logging is
on, a header the protocol must refuse at once arrives), every byte from then on goes to the protocol as it comes
(``direct``), so only speed differs, never results: ``tests/runtime/test_ws_frames.py``
feeds random frame streams cut at random points to both and compares.

Sans-I/O: it reads bytes and returns events; the caller writes what the protocol wants
sent (``data_to_send``) after each :meth:`FrameReader.feed` that :attr:`~FrameReader.fed`
the protocol.
"""

from __future__ import annotations

import os
from collections import deque
from typing import Any

from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.protocol import CLIENT, Protocol, State

try:  # as websockets.frames does: its C function, else the Python one
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover - a build without the C extension
    from websockets.utils import apply_mask

__all__ = ["FrameReader", "client_frame"]

_TEXT = 0x81
"""First header byte of a whole text message: FIN, no RSV bits, opcode 1."""
_BINARY = 0x82
"""The same for a binary message (opcode 2)."""
_OPCODES = frozenset((0x0, 0x1, 0x2, 0x8, 0x9, 0xA))
"""The opcodes RFC 6455 defines (continuation, text, binary, close, ping, pong)."""
_HEAD_END = b"\r\n\r\n"
_HEADER_MAX = 14
"""The longest frame header RFC 6455 allows (2 bytes, 8 of length, 4 of mask)."""


class FrameReader:
    """Feeds a client ``websockets`` protocol, taking whole data frames out directly.

    :meth:`feed` returns, in the order received, each whole text message taken out as a
    ``str``, each whole binary message as ``bytes``, and every event the protocol made
    of the other bytes (``Frame``, the handshake's ``Response``).
    """

    __slots__ = ("_head", "_limit", "_need", "_rest", "direct", "fed", "protocol")

    def __init__(self, protocol: Protocol) -> None:
        """``protocol``: a client protocol still CONNECTING, or OPEN with its parser at a
        frame boundary (nothing fed to it yet, as ``Protocol(CLIENT, state=OPEN)``)."""
        self.protocol = protocol
        self.direct = protocol.side is not CLIENT
        """Every byte goes to the protocol as it comes (see the module docstring)."""
        self.fed = False
        """The last :meth:`feed` gave the protocol bytes (it may have data to send)."""
        self._head = b""
        """The last bytes of the opening handshake read so far (its end may straddle reads)."""
        self._rest = bytearray()
        """The start of a frame not complete yet."""
        self._need = 0
        """How long :attr:`_rest` must grow before that frame is complete (0: unknown)."""
        self._limit = 0
        """The largest frame taken out directly (``max_size``; 2**63 without one)."""
        if protocol.state is State.OPEN:
            self._start()

    def _start(self) -> None:
        """The protocol's parser waits at a frame boundary: take whole data frames out
        from now on, unless websockets' debug log (it logs every frame) or an extension
        that may rewrite them is on. permessage-deflate (RFC 7692) leaves a frame without
        the RSV1 bit as it is (section 6.1), and a compressed one has it set: that frame
        goes to the protocol, which inflates it."""
        protocol = self.protocol
        if (
            protocol.state is not State.OPEN
            or protocol.debug
            or not all(type(e) is PerMessageDeflate for e in protocol.extensions)
        ):
            self.direct = True
        self._limit = self._frame_limit()

    def feed(self, data: bytes | memoryview) -> list[Any]:
        """The messages and events ``data`` completes (see the class docstring).

        ``data`` may be a view of a buffer the caller reuses: nothing keeps it (messages
        are copies, and so is what waits for the rest of its frame)."""
        protocol = self.protocol
        if self.direct:
            return self._to_protocol(data)
        if protocol.state is not State.OPEN:
            if protocol.state is State.CONNECTING:
                return self._handshake(data)
            return self._go_direct(data)
        self.fed = False
        if self._rest:
            return self._finish(data)
        return self._split(data)

    def _finish(self, data: bytes | memoryview) -> list[Any]:
        """Complete the frame :attr:`_rest` holds the start of from the start of ``data``,
        then split the rest of ``data`` where it lies: a read of 256 KiB ends inside a frame
        nearly every time, and copying the whole read behind that frame's start cost two
        copies of it (and fresh pages for each) per read."""
        items: list[Any] = []
        rest = self._rest
        while rest and data:
            take = self._need - len(rest) if self._need else _HEADER_MAX
            rest += data[:take]
            data = data[take:]
            if len(rest) < self._need:
                return items  # all of data went into the frame: it is still not complete
            chunk = bytes(rest)
            rest.clear()
            self._need = 0
            items += self._split(chunk)  # keeps what is still incomplete in _rest again
            if self.direct:
                return items + self._to_protocol(data)
        if data:
            items += self._split(data)
        return items

    def _split(self, buf: bytes | memoryview) -> list[Any]:
        """``buf`` starts at a frame boundary and the protocol's parser waits at one."""
        items: list[Any] = []
        n = len(buf)
        i = 0
        limit = self._limit
        whole = self.protocol.current_size is None  # no fragmented message under way
        while n - i >= 2:
            b0 = buf[i]
            length = buf[i + 1]
            start = i + 2
            if length >= 126:
                if length == 126:
                    if n - i < 4:
                        break
                    length = (buf[i + 2] << 8) | buf[i + 3]
                    start = i + 4
                elif length == 127:
                    if n - i < 10:
                        break
                    length = int.from_bytes(buf[i + 2 : i + 10], "big")
                    start = i + 10
                else:  # the mask bit: a server must not mask (the protocol fails it)
                    return items + self._go_direct(buf[i:])
            end = start + length
            if (b0 == _TEXT or b0 == _BINARY) and whole and length <= limit:
                if end > n:
                    self._wait(buf[i:], end - i)
                    return items
                if b0 == _BINARY:
                    items.append(bytes(buf[start:end]))
                    i = end
                    continue
                try:
                    items.append(str(buf[start:end], "utf-8"))
                    i = end
                    continue
                except UnicodeDecodeError:  # the protocol's event, and 1007 as ever
                    return items + self._go_direct(buf[i:])
            if end > n:  # another frame, not complete yet
                if b0 & 0x0F not in _OPCODES or length > self._frame_limit():
                    return items + self._go_direct(buf[i:])  # refused on its header
                self._wait(buf[i:], end - i)
                return items
            items += self._to_protocol(buf[i:end])
            i = end
            if self.protocol.state is not State.OPEN:
                return items + self._go_direct(buf[i:])
            whole = self.protocol.current_size is None
        if i < n:
            self._wait(buf[i:], 0)
        return items

    def _wait(self, start: bytes | memoryview, need: int) -> None:
        """Keep the start of an incomplete frame until ``need`` bytes of it are here."""
        self._rest += start
        self._need = need

    def _frame_limit(self) -> int:
        """The protocol's bound on the next frame's length (as its parser computes it)."""
        protocol = self.protocol
        bound = 2**63
        if protocol.max_message_size is not None:
            bound = protocol.max_message_size - (protocol.current_size or 0)
        if protocol.max_fragment_size is not None:
            bound = min(bound, protocol.max_fragment_size)
        return bound

    def _handshake(self, data: bytes | memoryview) -> list[Any]:
        """Feed the opening handshake's response up to its end, then read frames."""
        seen = self._head + data
        end = seen.find(_HEAD_END)
        if end < 0:
            self._head = seen[-3:]
            return self._to_protocol(data)
        cut = end + len(_HEAD_END) - len(self._head)
        self._head = b""
        events = self._to_protocol(data[:cut])
        self._start()
        if self.direct:
            return events + self._to_protocol(data[cut:])
        items = events + self._split(data[cut:])
        self.fed = True
        return items

    def _go_direct(self, data: bytes | memoryview) -> list[Any]:
        """From now on the protocol gets every byte; first what waits, then ``data``."""
        self.direct = True
        waiting = bytes(self._rest)
        self._rest.clear()
        return self._to_protocol(waiting + data)

    def _to_protocol(self, data: bytes | memoryview) -> list[Any]:
        self.fed = True
        if not data:
            return []
        protocol = self.protocol
        protocol.receive_data(data if type(data) is bytes else bytes(data))
        return protocol.events_received()

    def flush(self) -> None:
        """The stream ends: the start of a frame kept back goes to the protocol, which
        then reports the end (``receive_eof``) as it would have without the reader."""
        self.direct = True
        if self._rest:
            waiting = bytes(self._rest)
            self._rest.clear()
            try:
                self.protocol.receive_data(waiting)
            except EOFError:  # the protocol saw the end already
                pass


_KEYS: deque[bytes] = deque()
"""Masking keys not used yet. ``popleft`` is one atomic step, so threads sending at once
never take the same key."""
_POOL = 4096


def _mask() -> bytes:
    """A masking key for one client frame (RFC 6455 section 5.3: from a strong source of
    entropy, none predictable from the others): four bytes of ``os.urandom`` read 4 KiB at
    a time (websockets reads four bytes per frame, a system call per message sent)."""
    try:
        return _KEYS.popleft()
    except IndexError:
        pool = os.urandom(_POOL)
        _KEYS.extend(pool[i : i + 4] for i in range(4, _POOL, 4))
        return pool[:4]


# A child made by fork draws its own keys: its parent's are not its to use again.
os.register_at_fork(after_in_child=_KEYS.clear)


def client_frame(first: int, payload: bytes) -> bytes:
    """One masked client frame (RFC 6455 section 5.2): ``first`` is the header's first
    byte (0x81: a whole text message, 0x82: binary), ``payload`` the unmasked data.
    What websockets' ``Frame.serialize(mask=True)`` writes, with a key from a pool."""
    length = len(payload)
    if length < 126:
        head = bytes((first, 0x80 | length))
    elif length < 65536:
        head = bytes((first, 0xFE)) + length.to_bytes(2, "big")
    else:
        head = bytes((first, 0xFF)) + length.to_bytes(8, "big")
    mask = _mask()
    return head + mask + apply_mask(payload, mask)
