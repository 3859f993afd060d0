"""The receive transport against a real ``websockets`` server on 127.0.0.1 that writes
frames straight to its socket: many messages in one read, fragmented messages, and
control frames between fragments all arrive complete, validated and in order; a message
over ``max_size`` in small fragments, a continuation without a message and a reserved bit
fail the connection with the client's close code; a handshake response that selects what
the client did not offer is refused. Every test here runs on both transports
(``pytest --transport=picows``).

The server sends the Deribit ticker example with ``timestamp`` set to a running number, so
the order the typed iterator yields is checked exactly. Bounded by ``asyncio.timeout``.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from deribit import ConnectFailed, DeribitClient
from nova_runtime import ConnectOptions
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from nova_gen.loader import load_api

ADDRESS = "ticker.BTC-PERPETUAL.100ms"
SPEC = Path(__file__).resolve().parents[2] / "specs" / "deribit.yaml"


@cache
def _example() -> dict[str, Any]:
    channel = next(c for c in load_api(SPEC).channels if c.name == "ticker")
    message: dict[str, Any] = channel.examples[0].message
    return message


def _ticker(n: int) -> bytes:
    data = {**_example(), "timestamp": n}
    note = {"jsonrpc": "2.0", "method": "subscription", "params": {"channel": ADDRESS, "data": data}}
    return json.dumps(note).encode()


def _frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    """One unmasked server frame (RFC 6455 section 5.2)."""
    head = bytes([(0x80 if fin else 0) | opcode])
    size = len(payload)
    if size < 126:
        return head + bytes([size]) + payload
    if size < 65536:
        return head + bytes([126]) + size.to_bytes(2, "big") + payload
    return head + bytes([127]) + size.to_bytes(8, "big") + payload


@asynccontextmanager
async def _server(
    after_subscribe: bytes,
    closes: list[int | None] | None = None,
    response_headers: dict[str, str] | None = None,
) -> AsyncIterator[str]:
    """Answers JSON-RPC requests; after the subscribe ack writes ``after_subscribe`` raw.
    ``closes`` collects the close code each connection received from the client;
    ``response_headers`` are added to the handshake response."""

    def process_response(ws: ServerConnection, request: Request, response: Response) -> Response:
        for name, value in (response_headers or {}).items():
            response.headers[name] = value
        return response

    async def handler(ws: ServerConnection) -> None:
        try:
            await _answer(ws)
        except ConnectionClosed:
            pass  # the client failed the connection: what the tests provoke
        finally:
            if closes is not None:
                closes.append(ws.close_code)

    async def _answer(ws: ServerConnection) -> None:
        async for text in ws:
            request = json.loads(text)
            if "id" not in request:
                continue
            subscribe = request.get("method") == "public/subscribe"
            result: Any = request["params"]["channels"] if subscribe else "ok"
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": result}))
            if subscribe and ws.transport is not None:
                ws.transport.write(after_subscribe)

    async with serve(
        handler, "127.0.0.1", 0, compression=None, process_response=process_response
    ) as server:
        yield f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"


async def _timestamps(url: str, count: int) -> list[int]:
    options = ConnectOptions(compression=False, subscription_buffer=count + 10)
    async with DeribitClient.connect(url=url, options=options) as client:
        sub = await client.subscribe_ticker(instrument_name="BTC-PERPETUAL", interval="100ms")
        seen: list[int] = []
        async for tick in sub:
            seen.append(tick.timestamp)
            if len(seen) == count:
                break
        assert client.state == "open"
        return seen


async def test_a_burst_of_many_messages_in_one_write_arrives_whole_and_in_order() -> None:
    count = 1000  # far more than one hand-over chunk
    burst = b"".join(_frame(0x1, _ticker(i)) for i in range(count))
    async with asyncio.timeout(30):
        async with _server(burst) as url:
            assert await _timestamps(url, count) == list(range(count))


async def test_fragmented_messages_with_pings_between_are_reassembled_in_order() -> None:
    whole = [_ticker(i) for i in range(3)]
    frames = [
        _frame(0x1, whole[0]),
        _frame(0x1, whole[1][:10], fin=False),
        _frame(0x9, b"between"),  # a ping between fragments (RFC 6455 section 5.4)
        _frame(0x0, whole[1][10:200], fin=False),
        _frame(0x0, whole[1][200:], fin=True),
        _frame(0x1, whole[2]),
    ]
    async with asyncio.timeout(30):
        async with _server(b"".join(frames)) as url:
            assert await _timestamps(url, 3) == [0, 1, 2]


async def _client_close_code(after_subscribe: bytes, max_size: int = 2**20) -> int | None:
    """The close code the client sends when the server writes ``after_subscribe``."""
    closes: list[int | None] = []
    options = ConnectOptions(compression=False, max_size=max_size)
    async with _server(after_subscribe, closes) as url:
        async with DeribitClient.connect(url=url, options=options) as client:
            await client.subscribe_ticker(instrument_name="BTC-PERPETUAL", interval="100ms")
            while not closes:
                await asyncio.sleep(0.01)
    return closes[0]


async def test_a_message_over_max_size_in_small_fragments_is_1009() -> None:
    fragments = [_frame(0x1, b"[" + b"1," * 200, fin=False)]
    fragments += [_frame(0x0, b"1," * 200, fin=False) for _ in range(5)]  # 2 KB in all
    fragments += [_frame(0x0, b"1]")]
    async with asyncio.timeout(20):
        assert await _client_close_code(b"".join(fragments), max_size=1000) == 1009


@pytest.mark.parametrize(
    "frames",
    [
        _frame(0x0, b"a continuation of nothing"),
        _frame(0x1, b"a", fin=False) + _frame(0x1, b"a new message inside a fragmented one"),
        bytes([0xC1, 2]) + b"{}",  # RSV1 set: no extension was negotiated
    ],
    ids=["continuation-without-message", "message-inside-message", "reserved-bit"],
)
async def test_a_framing_violation_is_1002(frames: bytes) -> None:
    async with asyncio.timeout(20):
        assert await _client_close_code(frames) == 1002


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-WebSocket-Extensions": "permessage-deflate"},  # the client offered none
        {"Sec-WebSocket-Protocol": "not-offered"},  # the client offered no subprotocol
    ],
    ids=["extension", "subprotocol"],
)
async def test_a_handshake_response_selecting_what_was_not_offered_is_refused(
    headers: dict[str, str],
) -> None:
    options = ConnectOptions(compression=False)
    async with asyncio.timeout(20), _server(b"", response_headers=headers) as url:
        with pytest.raises(ConnectFailed):
            await DeribitClient.connect(url=url, options=options)


async def test_an_unknown_transport_fails_the_connect() -> None:
    options = ConnectOptions(transport="carrier-pigeon")  # type: ignore[arg-type]
    async with asyncio.timeout(20), _server(b"") as url:
        with pytest.raises(ConnectFailed, match="unknown transport 'carrier-pigeon'"):
            await DeribitClient.connect(url=url, options=options)


async def test_compression_is_offered_on_websockets_and_never_on_picows(transport: str) -> None:
    negotiated: list[list[str]] = []

    async def handler(ws: ServerConnection) -> None:
        negotiated.append([type(e).__name__ for e in ws.protocol.extensions])
        async for text in ws:
            request = json.loads(text)
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": 1}))

    async with asyncio.timeout(20), serve(handler, "127.0.0.1", 0, compression="deflate") as server:
        url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        async with DeribitClient.connect(url=url, options=ConnectOptions(compression=True)) as client:
            assert await client.get_time() == 1
    expected = ["PerMessageDeflate"] if transport == "websockets" else []
    assert negotiated == [expected]


async def test_picows_not_installed_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "picows", None)  # what an import of a missing package does
    monkeypatch.delitem(sys.modules, "nova_runtime.picows_transport", raising=False)
    options = ConnectOptions(transport="picows")
    async with asyncio.timeout(20), _server(b"") as url:
        with pytest.raises(ConnectFailed) as caught:
            await DeribitClient.connect(url=url, options=options)
    assert isinstance(caught.value.__cause__, ImportError)
    assert "pip install 'nova-runtime[picows]'" in str(caught.value.__cause__)


async def test_sends_wait_for_a_full_write_buffer_and_fail_once_closed() -> None:
    """The websockets transport's ``send_message`` writes a whole message at once and
    waits only while the write buffer is over its limit (the server stops reading until
    told); text and binary frames arrive as sent; a send after the server closed raises
    ``ConnectionLost``."""
    from nova_runtime.errors import ConnectionLost
    from nova_runtime.ws_transport import BatchConnection
    from websockets.asyncio.client import connect

    reading = asyncio.Event()
    received: list[str | bytes] = []

    async def handler(ws: ServerConnection) -> None:
        async with asyncio.timeout(20):  # bounded even when the test fails before set()
            await reading.wait()
        async for message in ws:
            received.append(message)
            if message == "last":
                await ws.close()

    big = b"x" * 65536
    async with asyncio.timeout(30), serve(handler, "127.0.0.1", 0, max_queue=1) as server:
        url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        ws = await connect(url, create_connection=BatchConnection, compression=None)
        assert isinstance(ws, BatchConnection)
        ws.transport.set_write_buffer_limits(high=65536)
        sent = 0
        while sent < 2000:  # the kernel's buffers fill first, then ours
            blocked = asyncio.create_task(ws.send_message(big))
            sent += 1
            for _ in range(5):
                await asyncio.sleep(0)
            if not blocked.done():
                break
            await blocked
        assert not blocked.done() and ws.paused  # written, held until the server reads
        reading.set()
        await blocked
        await ws.send_message("text")
        await ws.send_message("last")
        await ws.wait_closed()
        with pytest.raises(ConnectionLost):
            await ws.send_message("after")
    assert received == [big] * sent + ["text", "last"]
