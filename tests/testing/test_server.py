"""SpecServer over real sockets on 127.0.0.1, driven by a plain ``websockets`` client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedError

from nova_gen.testing import SpecServer

from .deribit_like import (
    INSTRUMENTS_BTC,
    INSTRUMENTS_BTC_OPTIONS,
    TICK_BTC,
    TICK_BTC_2,
    TICK_ETH,
    deribit_like_api,
)

pytestmark = pytest.mark.asyncio

TIMEOUT = 5.0
TICKER_BTC = "ticker.BTC-PERPETUAL.100ms"
TICKER_ETH = "ticker.ETH-PERPETUAL.raw"


async def send(ws: ClientConnection, rid: int, method: str, params: Any = None) -> None:
    await ws.send(
        json.dumps(
            {"jsonrpc": "2.0", "id": rid, "method": method, "params": params or {}}
        )
    )


async def recv_until(
    ws: ClientConnection, pred: Callable[[Any], bool], limit: int = 200
) -> tuple[Any, list[Any]]:
    """The first frame matching ``pred``, and every frame received before it."""
    seen: list[Any] = []
    for _ in range(limit):
        frame = json.loads(await ws.recv())
        if pred(frame):
            return frame, seen
        seen.append(frame)
    raise AssertionError(f"no matching frame in {limit} frames: {seen[-5:]}")


async def call(ws: ClientConnection, rid: int, method: str, params: Any = None) -> Any:
    await send(ws, rid, method, params)
    reply, _ = await recv_until(ws, lambda f: f.get("id") == rid)
    return reply


def is_note(frame: Any) -> bool:
    return bool(frame.get("method") == "subscription")


async def notes(ws: ClientConnection, n: int) -> list[Any]:
    out: list[Any] = []
    for _ in range(n):
        frame, _ = await recv_until(ws, is_note)
        out.append(frame)
    return out


async def test_requests_answered_from_examples() -> None:
    async with asyncio.timeout(TIMEOUT), SpecServer(deribit_like_api()) as server:
        assert server.url == f"ws://127.0.0.1:{server.port}" and server.port > 0
        async with connect(server.url) as ws:
            assert await call(ws, 41, "public/get_time") == {
                "jsonrpc": "2.0",
                "id": 41,
                "result": 1700000000000,
            }
            # exact params
            reply = await call(
                ws, 42, "public/get_instruments", {"currency": "BTC", "kind": "option"}
            )
            assert reply["result"] == INSTRUMENTS_BTC_OPTIONS
            # no exact match: the first example whose params are a subset
            reply = await call(
                ws, 43, "public/get_instruments", {"currency": "BTC", "x": 1}
            )
            assert reply["result"] == INSTRUMENTS_BTC
            # nothing fits: the first non-error example
            reply = await call(ws, 44, "public/get_instruments", {"currency": "DOGE"})
            assert reply["result"] == INSTRUMENTS_BTC
            # heartbeat.on_connect request, through the example path
            reply = await call(ws, 45, "public/set_heartbeat", {"interval": 30})
            assert reply["result"] == "ok"
        assert server.connections == 1
        assert [f["id"] for f in server.received] == [41, 42, 43, 44, 45]
        assert len(server.requests_of("public/get_instruments")) == 3


async def test_error_example_unknown_method_and_string_ids() -> None:
    async with (
        asyncio.timeout(TIMEOUT),
        SpecServer(deribit_like_api()) as server,
        connect(server.url) as ws,
    ):
        reply = await call(ws, 1, "public/get_instruments", {"currency": "XYZ"})
        assert reply == {
            "jsonrpc": "2.0",
            "id": 1,
            "error": {"code": 10020, "message": "invalid_currency", "data": {"p": 1}},
        }
        # a request with no examples is answered with a result built from its schema
        # (``{"type": "object"}``: the smallest object); a method the spec does not know
        # gets the spec's error frame
        reply = await call(ws, 2, "private/buy", {"amount": 1})
        assert reply == {"jsonrpc": "2.0", "id": 2, "result": {}}
        reply = await call(ws, 3, "public/nope", {"amount": 1})
        assert reply["error"]["code"] == -32601 and "result" not in reply
        await ws.send(
            json.dumps({"jsonrpc": "2.0", "id": "abc", "method": "public/get_time"})
        )
        reply, _ = await recv_until(ws, lambda f: f.get("id") == "abc")
        assert reply["result"] == 1700000000000


async def test_fail_next_then_normal() -> None:
    async with asyncio.timeout(TIMEOUT), SpecServer(deribit_like_api()) as server:
        server.fail_next("public/get_time", 10028, "too_many_requests", {"wait": 1})
        async with connect(server.url) as ws:
            reply = await call(ws, 1, "public/get_time")
            assert reply == {
                "jsonrpc": "2.0",
                "id": 1,
                "error": {
                    "code": 10028,
                    "message": "too_many_requests",
                    "data": {"wait": 1},
                },
            }
            assert (await call(ws, 2, "public/get_time"))["result"] == 1700000000000
            # fail_next applies to subscribe requests too
            server.fail_next("public/subscribe", 11050, "bad_request")
            reply = await call(ws, 3, "public/subscribe", {"channels": [TICKER_BTC]})
            assert reply["error"]["code"] == 11050
            assert server.subscriptions == {1: frozenset()}


async def test_never_answer_is_silent_until_answer() -> None:
    async with asyncio.timeout(TIMEOUT), SpecServer(deribit_like_api()) as server:
        server.never_answer("public/get_time")
        async with connect(server.url) as ws:
            await send(ws, 1, "public/get_time")
            # other methods still answered (in order: no answer to 1 came before), and the
            # silenced one was recorded
            await send(ws, 2, "public/test")
            reply, before = await recv_until(ws, lambda f: f.get("id") == 2)
            assert reply["result"] == {"version": "1.2.26"} and before == []
            assert len(server.requests_of("public/get_time")) == 1
            server.answer("public/get_time")
            assert (await call(ws, 3, "public/get_time"))["result"] == 1700000000000


async def test_subscribe_ack_and_notifications() -> None:
    api = deribit_like_api()
    async with (
        asyncio.timeout(TIMEOUT),
        SpecServer(api, notify_interval=0.001) as server,
        connect(server.url) as ws,
    ):
        await send(
            ws,
            7,
            "public/subscribe",
            {"channels": [TICKER_BTC, "book.X.raw", TICKER_ETH]},
        )
        ack = json.loads(await ws.recv())  # the ack comes before any notification
        assert ack == {"jsonrpc": "2.0", "id": 7, "result": [TICKER_BTC, TICKER_ETH]}
        got = await notes(ws, 12)
        for frame in got:
            assert set(frame) == {"jsonrpc", "method", "params"}
            assert frame["jsonrpc"] == "2.0" and set(frame["params"]) == {
                "channel",
                "data",
            }
        btc = [f["params"]["data"] for f in got if f["params"]["channel"] == TICKER_BTC]
        eth = [f["params"]["data"] for f in got if f["params"]["channel"] == TICKER_ETH]
        assert btc and eth
        # examples whose parameters equal the address's are preferred, in a cycle
        assert btc[:2] == [TICK_BTC, TICK_BTC_2] and all(
            d in (TICK_BTC, TICK_BTC_2) for d in btc
        )
        assert all(d == TICK_ETH for d in eth)
        assert server.subscriptions == {1: frozenset({TICKER_BTC, TICKER_ETH})}


async def test_a_channel_without_examples_streams_a_message_built_from_its_schema() -> None:
    base = deribit_like_api()
    (ticker,) = base.channels[:1]
    schema = {
        "type": "object",
        "required": ["instrument_name", "mark_price", "state"],
        "properties": {
            "instrument_name": {"type": "string"},
            "mark_price": {"type": "number", "exclusiveMinimum": 0},
            "state": {"enum": ["open", "closed"]},
            "note": {"type": "string"},
        },
    }
    bare = replace(ticker, message=schema, examples=())
    api = replace(base, channels=(bare, *base.channels[1:]))
    async with (
        asyncio.timeout(TIMEOUT),
        SpecServer(api, notify_interval=0.001, max_notifications=2) as server,
        connect(server.url) as ws,
    ):
        ack = await call(ws, 1, "public/subscribe", {"channels": [TICKER_BTC]})
        assert ack["result"] == [TICKER_BTC]
        got = [f["params"] for f in await notes(ws, 2)]
    built = {"instrument_name": "", "mark_price": 1, "state": "open"}
    assert got == [{"channel": TICKER_BTC, "data": built}] * 2


async def test_address_without_matching_example_cycles_all_examples() -> None:
    async with asyncio.timeout(TIMEOUT):
        async with (
            SpecServer(
                deribit_like_api(), notify_interval=0.001, max_notifications=4
            ) as server,
            connect(server.url) as ws,
        ):
            ack = await call(
                ws, 1, "public/subscribe", {"channels": ["ticker.SOL.raw"]}
            )
            assert ack["result"] == ["ticker.SOL.raw"]
            got = await notes(ws, 4)
            assert [f["params"]["data"] for f in got] == [
                TICK_BTC,
                TICK_BTC_2,
                TICK_ETH,
                TICK_BTC,
            ]
            assert {f["params"]["channel"] for f in got} == {"ticker.SOL.raw"}
            # max_notifications reached: nothing more arrives. A second stream, started
            # after the fourth, sends its four at the same pace: a fifth of the first would
            # have come before the second's last.
            await call(ws, 2, "public/subscribe", {"channels": [TICKER_ETH]})
            second = await notes(ws, 4)
            assert {f["params"]["channel"] for f in second} == {TICKER_ETH}
            assert server.notifications_sent == 8


async def test_unsubscribe_stops_notifications() -> None:
    async with (
        asyncio.timeout(TIMEOUT),
        SpecServer(deribit_like_api(), notify_interval=0.002) as server,
        connect(server.url) as ws,
    ):
        await call(ws, 1, "public/subscribe", {"channels": [TICKER_BTC]})
        await notes(ws, 3)
        await send(ws, 2, "public/unsubscribe", {"channels": [TICKER_BTC, "nope"]})
        ack, _ = await recv_until(ws, lambda f: f.get("id") == 2)
        assert ack["result"] == [TICKER_BTC]
        assert server.subscriptions == {1: frozenset()}
        # Notifications sent before the ack may have come before it; after it, none: while
        # 10 notifications of another channel arrive (10 intervals), none of the first.
        await send(ws, 3, "public/subscribe", {"channels": [TICKER_ETH]})
        _, before_ack = await recv_until(ws, lambda f: f.get("id") == 3)
        later = await notes(ws, 10)
        channels = {f["params"]["channel"] for f in [*before_ack, *later]}
        assert channels == {TICKER_ETH}


async def test_subscriptions_are_per_connection_and_end_on_disconnect() -> None:
    async with (
        asyncio.timeout(TIMEOUT),
        SpecServer(deribit_like_api(), notify_interval=0.002) as server,
    ):
        async with connect(server.url) as a, connect(server.url) as b:
            await call(a, 1, "public/subscribe", {"channels": [TICKER_BTC]})
            await call(b, 1, "public/subscribe", {"channels": [TICKER_ETH]})
            assert server.subscriptions == {
                1: frozenset({TICKER_BTC}),
                2: frozenset({TICKER_ETH}),
            }
            assert {f["params"]["channel"] for f in await notes(b, 3)} == {TICKER_ETH}
            assert server.open_connections == 2
        await server.wait_for(lambda: server.open_connections == 0, timeout=2)
        assert server.subscriptions == {} and server.connections == 2


async def test_server_pings_sent_and_answers_counted() -> None:
    api = deribit_like_api()
    async with asyncio.timeout(TIMEOUT):
        async with (
            SpecServer(api, server_pings=True, ping_interval=0.02) as server,
            connect(server.url) as ws,
        ):
            for rid in range(1, 4):
                ping, _ = await recv_until(ws, lambda f: f.get("method") == "heartbeat")
                assert ping == {
                    "jsonrpc": "2.0",
                    "method": "heartbeat",
                    "params": {"type": "test_request"},
                }
                reply = await call(ws, rid, "public/test")
                assert reply["result"] == {"version": "1.2.26"}
            await server.wait_for(lambda: server.pings_answered == 3, timeout=2)
            assert server.pings_sent >= 3


async def test_no_server_pings_by_default_and_unsolicited_answer_not_counted() -> None:
    async with (
        asyncio.timeout(TIMEOUT),
        SpecServer(deribit_like_api(), ping_interval=0.01) as server,
        connect(server.url) as ws,
    ):
        await call(ws, 1, "public/test")
        # Ten notifications 0.01 s apart span nine ping intervals: no ping among them.
        await send(ws, 2, "public/subscribe", {"channels": [TICKER_BTC]})
        frames = [(await recv_until(ws, is_note))[1] for _ in range(10)]
        assert [f for seen in frames for f in seen if f.get("id") != 2] == []
        assert server.pings_sent == 0 and server.pings_answered == 0


async def test_send_raw_and_send_event() -> None:
    async with (
        asyncio.timeout(TIMEOUT),
        SpecServer(deribit_like_api()) as server,
        connect(server.url) as ws,
    ):
        await server.wait_for(lambda: server.open_connections == 1)
        await server.send_raw("{not json")
        assert await ws.recv() == "{not json"
        await server.send_event("heartbeat")
        assert json.loads(await ws.recv()) == {
            "jsonrpc": "2.0",
            "method": "heartbeat",
            "params": {"type": "heartbeat"},
        }
        # garbage from the client is recorded, not fatal
        await ws.send("garbage")
        assert (await call(ws, 1, "public/get_time"))["id"] == 1
        assert server.received_text == ["garbage"]


async def test_drop_connections_without_close_frame() -> None:
    async with (
        asyncio.timeout(TIMEOUT),
        SpecServer(deribit_like_api(), notify_interval=0.002) as server,
        connect(server.url) as ws,
    ):
        await call(ws, 1, "public/subscribe", {"channels": [TICKER_BTC]})
        server.drop_connections()
        with pytest.raises(ConnectionClosedError) as info:
            for _ in range(10_000):
                await ws.recv()
        assert info.value.rcvd is None  # no close frame came
        await server.wait_for(lambda: server.open_connections == 0, timeout=2)
        # the server still accepts new connections
        async with connect(server.url) as ws2:
            assert (await call(ws2, 1, "public/get_time"))["result"] == 1700000000000
        assert server.connections == 2


async def test_close_connections_with_code() -> None:
    async with (
        asyncio.timeout(TIMEOUT),
        SpecServer(deribit_like_api()) as server,
        connect(server.url) as ws,
    ):
        await server.wait_for(lambda: server.open_connections == 1)
        await server.close_connections(4001, "go away")
        with pytest.raises(ConnectionClosed) as info:
            await ws.recv()
        assert info.value.rcvd is not None
        assert (info.value.rcvd.code, info.value.rcvd.reason) == (4001, "go away")


async def test_controls_from_another_thread() -> None:
    async with (
        asyncio.timeout(TIMEOUT),
        SpecServer(deribit_like_api()) as server,
        connect(server.url) as ws,
    ):
        await server.wait_for(lambda: server.open_connections == 1)
        await asyncio.to_thread(server.fail_next, "public/get_time", 1, "x")
        assert (await call(ws, 1, "public/get_time"))["error"]["code"] == 1
        await asyncio.to_thread(asyncio.run, server.send_raw("hello"))
        assert await ws.recv() == "hello"
        await asyncio.to_thread(server.drop_connections)
        with pytest.raises(ConnectionClosedError):
            await ws.recv()
