"""Nothing a server sends ends the receive loop: the generated Deribit client against a
SpecServer on 127.0.0.1 that sends junk in every field of every envelope shape.

Each junk frame must end as a typed outcome (malformed, unknown, an error, a stray
reply) on the same connection: no reconnect, one socket, the subscription goes on and
requests still work. Frames the WebSocket layer itself rejects (invalid UTF-8, over
``max_size``) make the client close with 1007/1009 and reconnect: its own close code is
never fatal. Every test is bounded by ``asyncio.timeout``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Iterator
from typing import Any

import pytest
from deribit import DeribitClient, DeribitHandlers, errors
from nova_runtime import (
    ConnectOptions,
    ReconnectPolicy,
    RequestTimeout,
    ServerError,
)
from nova_runtime.telemetry import InMemoryMetrics

from nova_gen.testing import SpecServer

from .recorders import Disconnects
from .streams import fresh, take

FAST = ReconnectPolicy(initial_delay=0.01, multiplier=2.0, max_delay=0.05, reset_after=60.0)
ADDRESS = "ticker.BTC-PERPETUAL.100ms"

# Every envelope shape of the Deribit spec: response, error reply, notification, event,
# server ping. Junk goes into each field (leaves and containers alike).
SHAPES: list[dict[str, Any]] = [
    {"jsonrpc": "2.0", "id": 1, "result": {"a": 1}},
    {"jsonrpc": "2.0", "id": 1, "error": {"code": 10028, "message": "m", "data": {"x": 1}}},
    {"jsonrpc": "2.0", "method": "subscription", "params": {"channel": ADDRESS, "data": {}}},
    {"jsonrpc": "2.0", "method": "heartbeat", "params": {"type": "heartbeat"}},
    {"jsonrpc": "2.0", "method": "heartbeat", "params": {"type": "test_request"}},
]

# Raw JSON texts, so values json.dumps would refuse (5000-digit integers) go out too.
JUNK = [
    "null",
    "true",
    "-1",
    "0.5",
    "1e999",
    "-0",
    "9" * 5000,
    '"' + "9" * 5000 + '"',
    '"²"',
    '"-"',
    '""',
    '"\\u0000"',
    '"\\ud800"',
    '"' + "x" * 100_000 + '"',
    "[]",
    "{}",
    '{"code": {}}',
    "[" * 300 + "]" * 300,
    '{"a":' * 300 + "1" + "}" * 300,
    '"subscription"',
    f'"{ADDRESS}"',
    "1",
    "2",
]

# Frames that are not an envelope at all.
WHOLE = [
    "",
    " ",
    "{",
    "null",
    "[]",
    '"text"',
    "1",
    "9" * 5000,
    "[" * 10_000,
    '{"jsonrpc": "2.0"}',
    '{"id": ' + "9" * 5000 + ', "result": 1}',
    '{"id": {"a": 1}, "result": 1}',
    '{"id": [1], "error": {"code": "²", "message": null}}',
]

MARK = '"@@JUNK@@"'


def paths(node: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every key path of a JSON object, containers included."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from paths(value, (*prefix, key))


def replaced(shape: dict[str, Any], path: tuple[str, ...]) -> str:
    """``shape`` as JSON text with a marker where ``path`` points."""
    doc = json.loads(json.dumps(shape))
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = "@@JUNK@@"
    return json.dumps(doc)


def hostile_frames(seed: int = 9) -> list[str]:
    """Every junk value in every field of every shape, whole-frame junk, and seeded
    truncations and splices of valid frames."""
    frames = list(WHOLE)
    for shape in SHAPES:
        for path in paths(shape):
            text = replaced(shape, path)
            frames += [text.replace(MARK, junk) for junk in JUNK]
    rng = random.Random(seed)
    valid = [json.dumps(s) for s in SHAPES]
    for _ in range(300):
        text = rng.choice(valid)
        cut = rng.randrange(len(text))
        frames.append(text[:cut])
        frames.append(text[:cut] + rng.choice(JUNK) + text[cut:])
    return frames


def connect(server: SpecServer, handlers: DeribitHandlers | None = None, **options: Any) -> Any:
    options.setdefault("reconnect", FAST)
    return DeribitClient.connect(
        url=server.url, handlers=handlers, options=ConnectOptions(**options)
    )


async def test_junk_in_every_field_of_every_envelope_keeps_the_connection(
    server: SpecServer,
) -> None:
    frames = hostile_frames()
    assert len(frames) > 1000
    async with asyncio.timeout(60):
        async with connect(server, handler_queue_size=100, telemetry=InMemoryMetrics()) as client:
            ticker = await client.subscribe_ticker(instrument_name="BTC-PERPETUAL", interval="100ms")
            assert len(await take(ticker, 3)) == 3
            for frame in frames:
                await server.send_raw(frame)
            for data in (b"", b"\x00\xff", b"{}", b'{"jsonrpc":"2.0","id":1,"result":1}'):
                await server.send_raw(data)  # binary frames of a JSON text protocol
            # The reply comes after every junk frame on the same socket: all were handled.
            assert isinstance(await client.get_time(), int)
            assert server.connections == 1 and server.open_connections == 1
            diag = client.diagnostics()
            assert diag.state == "open" and diag.reconnects == 0
            assert len(await fresh(client, ticker, 3)) == 3
            kinds = diag.unexpected_frames
            for kind in ("malformed", "unknown", "duplicate_reply", "unknown_reply"):
                assert kinds.get(kind, 0) > 0, kinds
            assert client.metrics.count("unexpected_frame") == sum(kinds.values())


async def test_error_replies_with_hostile_codes_are_typed_errors(server: SpecServer) -> None:
    async with asyncio.timeout(20):
        async with connect(server) as client:
            for code in ("²", "9" * 5000, {"a": 1}, [1], None, 1.5):
                server.fail_next("public/get_time", code, "no")
                with pytest.raises(ServerError) as info:
                    await client.get_time()
                assert info.value.code == code
                assert len(str(info.value)) < 1200
            server.fail_next("public/get_time", "10028", "as a string")
            with pytest.raises(errors.TooManyRequests):  # a numeric string still maps
                await client.get_time()
            await server.send_raw('{"jsonrpc":"2.0","id":null,"error":{"code":"²","message":"x"}}')
            await server.send_raw(
                '{"jsonrpc":"2.0","id":null,"error":{"code":' + "9" * 5000 + ',"message":"x"}}'
            )
            assert isinstance(await client.get_time(), int)
            assert server.connections == 1 and client.diagnostics().reconnects == 0


async def test_late_and_duplicate_replies_are_counted(server: SpecServer) -> None:
    async with asyncio.timeout(20):
        async with connect(server, telemetry=InMemoryMetrics()) as client:
            assert isinstance(await client.get_time(), int)
            answered = server.requests_of("public/get_time")
            assert answered
            server.never_answer("public/get_time")
            with pytest.raises(RequestTimeout):
                await client.get_time(timeout=0.2)
            late_id = [m for m in server.received if m.get("method") == "public/get_time"][-1]["id"]
            first_id = [m for m in server.received if m.get("method") == "public/get_time"][0]["id"]
            await server.send_raw(json.dumps({"jsonrpc": "2.0", "id": late_id, "result": 1}))
            await server.send_raw(json.dumps({"jsonrpc": "2.0", "id": first_id, "result": 1}))
            await server.send_raw(json.dumps({"jsonrpc": "2.0", "id": 987654, "result": 1}))
            server.answer("public/get_time")
            assert isinstance(await client.get_time(), int)
            kinds = client.diagnostics().unexpected_frames
            assert kinds == {"late_reply": 1, "duplicate_reply": 1, "unknown_reply": 1}
            assert client.metrics.count("unexpected_frame", "late_reply") == 1
            assert "late_reply 1" in str(client.diagnostics())


async def test_invalid_utf8_and_oversized_frames_close_with_our_code_and_reconnect(
    server: SpecServer,
) -> None:
    handlers = Disconnects()
    async with asyncio.timeout(20):
        async with connect(server, handlers, max_size=4096) as client:
            ticker = await client.subscribe_ticker(instrument_name="BTC-PERPETUAL", interval="100ms")
            assert len(await take(ticker, 2)) == 2
            await server.send_raw(b'{"a": "\xff\xfe"}', text=True)
            await server.wait_for(lambda: server.connections == 2 and server.open_connections == 1)
            assert len(await fresh(client, ticker, 2)) == 2
            await server.send_raw("x" * 10_000)
            await server.wait_for(lambda: server.connections == 3 and server.open_connections == 1)
            assert len(await fresh(client, ticker, 2)) == 2
            assert client.state == "open"
    codes = [r.code for r in handlers.reasons if not r.by_client]
    assert codes == [1007, 1009], handlers.reasons
    assert all(r.action == "retry" for r in handlers.reasons if not r.by_client)
    assert all("closed by the client" in r.reason for r in handlers.reasons if not r.by_client)


async def test_a_receive_path_that_fails_closes_its_socket(server: SpecServer) -> None:
    async with asyncio.timeout(20):
        async with connect(server) as client:
            sup = client._sup
            assert sup is not None and sup.conn is not None
            ws = sup.conn.ws
            handler = ws.on_batch

            def broken(batch: Any) -> None:
                ws.on_batch = handler
                raise RuntimeError("a bug in the receive path")

            ws.on_batch = broken  # fault injection: one failing delivery of a socket read
            await server.send_raw("{}")
            await server.wait_for(lambda: server.connections == 2)
            await server.wait_for(lambda: server.open_connections == 1)  # the old one closed
            assert isinstance(await client.get_time(), int)


async def test_a_transient_refusal_of_a_resubscribe_backs_off_and_retries(
    server: SpecServer,
) -> None:
    async with asyncio.timeout(20):
        async with connect(server, restore_timeout=3.0, telemetry=InMemoryMetrics()) as client:
            ticker = await client.subscribe_ticker(instrument_name="BTC-PERPETUAL", interval="100ms")
            assert len(await take(ticker, 2)) == 2
            server.fail_next("public/subscribe", 10028, "too_many_requests")  # action: retry
            server.drop_connections()
            await server.wait_for(lambda: ADDRESS in server.subscriptions.get(2, frozenset()))
            assert len(await fresh(client, ticker, 3)) == 3
            (info,) = client.diagnostics().subscriptions
            assert info.state == "active"
            subscribes = [m for m, _ in server.connection_log(2) if m == "public/subscribe"]
            assert len(subscribes) == 2  # refused once, then subscribed
            assert client.metrics.count("request_completed", "public/subscribe:error") == 1


async def test_a_transient_refusal_of_a_first_subscribe_backs_off_and_retries(
    server: SpecServer,
) -> None:
    async with asyncio.timeout(20):
        async with connect(server) as client:
            server.fail_next("public/subscribe", 10028, "too_many_requests")  # action: retry
            ticker = await client.subscribe_ticker(instrument_name="BTC-PERPETUAL", interval="100ms")
            assert len(await take(ticker, 2)) == 2
            subscribes = [m for m, _ in server.connection_log(1) if m == "public/subscribe"]
            assert len(subscribes) == 2 and server.connections == 1


async def test_a_flood_of_bad_frames_with_a_slow_on_error_stays_bounded(
    server: SpecServer, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []

    class Slow(DeribitHandlers):
        async def on_error(self, error: Exception, context: str) -> None:
            seen.append(context)
            await asyncio.sleep(0.01)

    async with asyncio.timeout(60):
        async with connect(server, Slow(), handler_queue_size=50) as client:
            before = len(asyncio.all_tasks())
            for _ in range(5000):
                await server.send_raw("not json")
            assert isinstance(await client.get_time(), int)  # after all 5000
            assert len(asyncio.all_tasks()) <= before + 2
            assert client.diagnostics().handler_queue_depth <= 50
            assert client.hooks_dropped >= 5000 - 50 - len(seen)
            assert client.diagnostics().unexpected_frames["malformed"] == 5000
        # Without an on_error hook, the default warnings are rate-limited.
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="nova"):
            async with connect(server) as client:
                for _ in range(2000):
                    await server.send_raw("not json")
                assert isinstance(await client.get_time(), int)
        lines = [r for r in caplog.records if "malformed frame" in r.getMessage()]
        assert 1 <= len(lines) <= 10
