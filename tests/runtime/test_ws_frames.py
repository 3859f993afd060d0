"""The frame reader decides nothing websockets' own parser would decide differently.

Each test feeds the same bytes, cut at the same points, to a client protocol directly and
to another through :class:`~nova_runtime.ws_frames.FrameReader`, and compares what comes
out: the messages in order (the reader's whole messages against the protocol's data
frames), control frames, what the protocol sends back (pongs, close frames), its state
and close codes. The streams are random mixes of every kind of frame, including the
malformed ones a hostile server sends (a mask, RSV bits, an unknown opcode, a frame over
``max_size``, invalid UTF-8, a fragment out of place), after an opening handshake
response that may share a read with the first frames.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from nova_runtime.ws_frames import FrameReader, client_frame
from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import CLIENT, SERVER, Protocol, State
from websockets.uri import parse_uri
from websockets.utils import accept_key

MAX_SIZE = 1000


def header(first: int, length: int, masked: bool = False) -> bytes:
    mask = 0x80 if masked else 0
    if length < 126:
        return bytes([first, mask | length])
    if length < 65536:
        return bytes([first, mask | 126]) + length.to_bytes(2, "big")
    return bytes([first, mask | 127]) + length.to_bytes(8, "big")


def frame(first: int, payload: bytes, masked: bool = False) -> bytes:
    if masked:
        return header(first, len(payload), True) + b"\0\0\0\0" + payload  # a zero mask
    return header(first, len(payload)) + payload


def text(rng: random.Random, size: int) -> bytes:
    return "".join(rng.choice("abcé€\U0001f600{}\":,") for _ in range(size)).encode()[:size]


def good_frames(rng: random.Random) -> list[bytes]:
    """One well-formed piece of a stream: a message (maybe fragmented) or a control frame."""
    kind = rng.choice(["text", "text", "binary", "fragmented", "ping", "pong", "big"])
    if kind == "text":
        return [frame(0x81, "é€x{}".encode() * rng.randrange(0, 60))]
    if kind == "binary":
        return [frame(0x82, rng.randbytes(rng.randrange(0, 300)))]
    if kind == "big":
        return [frame(0x82, rng.randbytes(rng.randrange(126, MAX_SIZE + 1)))]
    if kind == "ping":
        return [frame(0x89, rng.randbytes(rng.randrange(0, 20)))]
    if kind == "pong":
        return [frame(0x8A, rng.randbytes(rng.randrange(0, 20)))]
    whole = "fragmented é€".encode() * rng.randrange(1, 10)
    cuts = sorted(rng.sample(range(1, len(whole)), min(3, len(whole) - 1)))
    parts = [whole[a:b] for a, b in zip([0, *cuts], [*cuts, len(whole)], strict=True)]
    out = [frame(0x01, parts[0])]
    for part in parts[1:-1]:
        out.append(frame(0x00, part))
        if rng.random() < 0.3:
            out.append(frame(0x89, b"in between"))  # control frames may interleave
    out.append(frame(0x80, parts[-1]))
    return out


BAD = [
    lambda rng: frame(0x81, b"\xff\xfe not UTF-8"),  # 1007
    lambda rng: frame(0x81, b"x" * (MAX_SIZE + 1)),  # 1009
    lambda rng: frame(0x82, b"x" * 70000),  # 1009, 16-bit length
    lambda rng: header(0x82, 2**40),  # 1009 on the header alone, 64-bit length
    lambda rng: frame(0x81, b"masked", masked=True),  # 1002
    lambda rng: frame(0xC1, b"rsv1"),  # 1002: reserved bit
    lambda rng: frame(0x83, b"opcode 3"),  # 1002: unknown opcode
    lambda rng: header(0x8B, 500),  # 1002 on the header: unknown opcode, payload never comes
    lambda rng: frame(0x80, b"stray continuation"),  # 1002
    lambda rng: frame(0x01, b"start") + frame(0x81, b"not a continuation"),  # 1002
    lambda rng: frame(0x09, b"fragmented ping"),  # 1002
    lambda rng: frame(0x89, b"p" * 126),  # 1002: control frame too long
    lambda rng: frame(0x88, (1000).to_bytes(2, "big") + b"bye") + frame(0x81, b"after close"),
    lambda rng: frame(0x88, (4000).to_bytes(2, "big") + "é".encode()),
]

RESPONSE = (
    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Accept: %s\r\n\r\n"
)


def client() -> tuple[ClientProtocol, bytes]:
    """A client protocol that sent its opening request, and the server's answer."""
    protocol = ClientProtocol(parse_uri("ws://127.0.0.1/"), max_size=MAX_SIZE)
    request = protocol.connect()
    protocol.send_request(request)
    protocol.data_to_send()
    return protocol, RESPONSE % accept_key(request.headers["Sec-WebSocket-Key"]).encode()


def outcome(items: list[Any]) -> list[Any]:
    """What a connection acts on, in order: messages and control frames, not the way they
    arrived (a whole message from the reader equals the protocol's frame of it)."""
    out: list[Any] = []
    for item in items:
        if isinstance(item, str):
            out.append(("text", item))
        elif isinstance(item, bytes):
            out.append(("binary", item))
        elif isinstance(item, Frame):
            data = bytes(item.data)
            if item.opcode is Opcode.TEXT and item.fin:
                try:
                    out.append(("text", data.decode()))
                except UnicodeDecodeError:
                    out.append(("bad text", data))
            elif item.opcode is Opcode.BINARY and item.fin:
                out.append(("binary", data))
            else:
                out.append((item.opcode.name, item.fin, data))
        elif isinstance(item, Response):
            out.append(("response", item.status_code))
        else:
            out.append(item)
    return out


def stop_at_bad_text(events: list[Any]) -> list[Any]:
    """A connection fails at the first text message that is not UTF-8 and reads no more."""
    for i, event in enumerate(events):
        if event[0] == "bad text":
            return events[: i + 1]
    return events


def run(protocol: Protocol, chunks: list[bytes], reader: FrameReader | None) -> dict[str, Any]:
    events: list[Any] = []
    sent: list[bytes] = []
    taken = 0
    buffer = bytearray(4096)  # one read buffer for every read, as the transport has
    for chunk in chunks:
        if reader is not None:
            if len(chunk) <= len(buffer):
                buffer[: len(chunk)] = chunk
                items = reader.feed(memoryview(buffer)[: len(chunk)])
                buffer[:] = b"\xee" * len(buffer)  # nothing may keep a view of it
            else:
                items = reader.feed(chunk)
            taken += sum(type(item) in (str, bytes) for item in items)
            events += items
        else:
            protocol.receive_data(chunk)
            events += protocol.events_received()
        sent += protocol.data_to_send()
    if reader is not None:
        reader.flush()
    protocol.receive_eof()
    events += protocol.events_received()
    sent += protocol.data_to_send()
    return {
        "events": stop_at_bad_text(outcome(events)),
        "sent": unmasked(b"".join(sent)),
        "state": protocol.state,
        "close_rcvd": protocol.close_rcvd,
        "close_sent": protocol.close_sent,
        "exc": repr(protocol.parser_exc),
        "taken": taken,
    }


def unmasked(sent: bytes) -> list[tuple[str, bytes]]:
    """The frames a client sent (each masked with a random key), as a server reads them."""
    server = Protocol(SERVER, state=State.OPEN, max_size=None)
    server.receive_data(sent)
    return [(e.opcode.name, bytes(e.data)) for e in server.events_received()]


def cut(rng: random.Random, stream: bytes) -> list[bytes]:
    """``stream`` in reads of random sizes (1 byte to the whole)."""
    chunks = []
    i = 0
    while i < len(stream):
        size = rng.choice([1, 2, 3, rng.randrange(1, 40), rng.randrange(1, 2000), len(stream)])
        chunks.append(stream[i : i + size])
        i += size
    return chunks


def compare(stream: bytes, rng: random.Random, handshake: bool = True) -> dict[str, Any]:
    """Run ``stream`` (after a handshake response, if asked) through a protocol directly
    and through a reader, with the same cuts, and check both come out the same."""
    if handshake:
        plain, read = client(), client()
        plain_bytes, read_bytes = plain[1] + stream, read[1] + stream
        protocols = plain[0], read[0]
    else:
        plain_bytes = read_bytes = stream
        protocols = (
            Protocol(CLIENT, state=State.OPEN, max_size=MAX_SIZE),
            Protocol(CLIENT, state=State.OPEN, max_size=MAX_SIZE),
        )
    assert len(plain_bytes) == len(read_bytes)  # both accept values are 28 bytes long
    sizes = [len(c) for c in cut(rng, plain_bytes)]
    expected = run(protocols[0], split(plain_bytes, sizes), None)
    got = run(protocols[1], split(read_bytes, sizes), FrameReader(protocols[1]))
    assert {**got, "taken": 0} == expected
    return got


def split(stream: bytes, sizes: list[int]) -> list[bytes]:
    out, i = [], 0
    for size in sizes:
        out.append(stream[i : i + size])
        i += size
    return out


@pytest.mark.parametrize("seed", range(300))
def test_well_formed_streams_read_the_same(seed: int) -> None:
    rng = random.Random(seed)
    pieces = [f for _ in range(rng.randrange(1, 40)) for f in good_frames(rng)]
    if rng.random() < 0.5:
        pieces.append(frame(0x88, (1000).to_bytes(2, "big") + b"done"))
    got = compare(b"".join(pieces), rng, handshake=seed % 2 == 0)
    whole = sum(piece[0] in (0x81, 0x82) for piece in pieces)
    assert got["taken"] == whole  # every whole message was taken out by the reader


@pytest.mark.parametrize("seed", range(300))
def test_malformed_streams_fail_the_same(seed: int) -> None:
    rng = random.Random(seed)
    pieces = [f for _ in range(rng.randrange(0, 10)) for f in good_frames(rng)]
    pieces.insert(rng.randrange(0, len(pieces) + 1), BAD[seed % len(BAD)](rng))
    pieces += [f for _ in range(rng.randrange(0, 5)) for f in good_frames(rng)]
    got = compare(b"".join(pieces), rng, handshake=seed % 3 == 0)
    assert got["state"] is State.CLOSED


def test_a_partial_frame_at_the_end_of_the_stream_is_the_protocols_to_report() -> None:
    rng = random.Random(1)
    got = compare(frame(0x81, b"whole") + frame(0x81, b"cut short")[:5], rng, handshake=False)
    assert got["events"] == [("text", "whole")] and got["taken"] == 1
    assert "EOFError" in got["exc"]


def test_whole_data_frames_never_reach_the_protocol() -> None:
    protocol = Protocol(CLIENT, state=State.OPEN, max_size=MAX_SIZE)
    reader = FrameReader(protocol)
    stream = frame(0x81, b'{"a":1}') + frame(0x82, b"\0\1") + frame(0x81, b"x" * 300)
    assert reader.feed(stream[:3]) == [] and not reader.fed
    assert reader.feed(stream[3:]) == ['{"a":1}', b"\0\1", "x" * 300]
    assert not reader.fed and not reader.direct
    assert reader.feed(frame(0x89, b"ping")) != [] and reader.fed  # the protocol's pong
    assert protocol.data_to_send()


def test_a_failed_handshake_leaves_everything_to_the_protocol() -> None:
    protocol, _ = client()
    reader = FrameReader(protocol)
    body = b"no"
    response = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\n" + body
    events = reader.feed(response[:10]) + reader.feed(response[10:] + frame(0x81, b"x"))
    assert reader.direct
    assert [type(e) for e in events] == [Response]
    assert protocol.handshake_exc is not None


def deflate_stream(rng: random.Random) -> tuple[bytes, int]:
    """Messages a server sends on a permessage-deflate connection: some compressed (RSV1
    set; one context for the whole stream), some not, some fragmented; and how many are
    whole frames sent as they are."""
    server = [PerMessageDeflate(False, False, 15, 15)]
    out = []
    plain = 0
    for _ in range(rng.randrange(1, 30)):
        data = ("compressible " * rng.randrange(1, 40)).encode()
        if rng.random() < 0.5:
            out.append(frame(0x81, data))  # sent as it is
            plain += 1
        elif rng.random() < 0.7:
            out.append(Frame(Opcode.TEXT, data).serialize(mask=False, extensions=server))
        else:
            out.append(Frame(Opcode.TEXT, data[:5], fin=False).serialize(mask=False, extensions=server))
            out.append(Frame(Opcode.CONT, data[5:]).serialize(mask=False, extensions=server))
    return b"".join(out), plain


@pytest.mark.parametrize("seed", range(100))
def test_permessage_deflate_streams_read_the_same(seed: int) -> None:
    rng = random.Random(seed)
    stream, plain_frames = deflate_stream(rng)
    sizes = [len(c) for c in cut(rng, stream)]
    results = []
    for reader in (False, True):
        protocol = Protocol(CLIENT, state=State.OPEN, max_size=None)
        protocol.extensions = [PerMessageDeflate(False, False, 15, 15)]
        chunks = split(stream, sizes)
        results.append(run(protocol, chunks, FrameReader(protocol) if reader else None))
    plain, read = results
    assert {**read, "taken": 0} == plain
    assert read["taken"] == plain_frames  # the compressed ones went to the protocol


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 70000])
def test_a_client_frame_reads_back_as_websockets_writes_it(size: int) -> None:
    payload = random.Random(size).randbytes(size)
    for first, opcode in ((0x81, Opcode.TEXT), (0x82, Opcode.BINARY)):
        ours = client_frame(first, payload)
        theirs = Frame(opcode, payload).serialize(mask=True)
        assert len(ours) == len(theirs) and ours[:2] == theirs[:2]
        server = Protocol(SERVER, state=State.OPEN, max_size=None)
        server.receive_data(ours)
        (got,) = server.events_received()
        assert (got.opcode, bytes(got.data), got.fin) == (opcode, payload, True)


def test_masking_keys_differ_from_frame_to_frame() -> None:
    keys = {client_frame(0x81, b"x")[2:6] for _ in range(3000)}  # across pool refills
    assert len(keys) > 2990
