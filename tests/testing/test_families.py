"""Smoke tests of the protocol families: subscribe as each spec says, receive 3 notifications
framed as it says (routed by address, route or subscription id), unsubscribe. Every family
is the real spec under specs/, loaded as it is."""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import re
from dataclasses import replace
from typing import Any

import pytest
from nova_runtime.protocol import Match
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from nova_gen.ir import Api
from nova_gen.testing import SpecServer
from nova_gen.testing.streams import chain_next
from nova_gen.testing.templates import fill

from .families import collect, load_spec, recv_json, recv_until

pytestmark = pytest.mark.asyncio

TIMEOUT = 5.0
GQL = [Subprotocol("graphql-transport-ws")]


def spec(name: str) -> Api:
    return load_spec(name)


async def test_kraken_v2_spec_routes_by_channel_and_symbol() -> None:
    api = spec("kraken_v2")
    async with asyncio.timeout(TIMEOUT), SpecServer(api, notify_interval=0.002) as server:
        async with connect(server.url) as ws:
            params = {"channel": "book", "symbol": ["BTC/USD", "ETH/USD"], "depth": 10, "snapshot": True}
            await ws.send(json.dumps({"method": "subscribe", "params": params, "req_id": 7}))
            ack = await recv_until(ws, lambda f: f.get("req_id") == 7)
            assert ack["method"] == "subscribe" and "result" in ack
            assert server.subscriptions[1] == {
                '{"channel":"book","symbol":"BTC/USD"}',
                '{"channel":"book","symbol":"ETH/USD"}',
            }
            eth = await collect(
                ws, lambda f: f.get("channel") == "book" and f["data"][0]["symbol"] == "ETH/USD", 3
            )
            assert [f["type"] for f in eth] == ["snapshot", "update", "update"]  # the examples in order
            await ws.send(json.dumps({"method": "unsubscribe", "params": {"channel": "book", "symbol": ["ETH/USD"]}, "req_id": 8}))
            await recv_until(ws, lambda f: f.get("req_id") == 8)
            assert server.subscriptions[1] == {'{"channel":"book","symbol":"BTC/USD"}'}
            # the client ping is a request whose reply carries the pong's constants
            await ws.send(json.dumps({"method": "ping", "req_id": 9}))
            pong = await recv_until(ws, lambda f: f.get("req_id") == 9)
            assert pong["method"] == "pong"
        assert server.client_pings == 1


async def test_okx_spec_match_acks_sequences_and_text_ping() -> None:
    api = spec("okx")
    async with asyncio.timeout(TIMEOUT), SpecServer(api, notify_interval=0.002) as server:
        async with connect(server.url) as ws:
            arg = {"channel": "books", "instId": "BTC-USDT"}
            await ws.send(json.dumps({"op": "subscribe", "args": [arg]}))
            ack = await recv_json(ws)
            assert ack["event"] == "subscribe" and ack["arg"] == arg
            notes = await collect(ws, lambda f: f.get("arg") == arg, 4)
            # A chain: each frame names the one before it; the values are not consecutive.
            assert chain_breaks(notes) == []
            assert max(b["data"][0]["seqId"] - a["data"][0]["seqId"] for a, b in itertools.pairwise(notes)) > 1
            server.skip_sequence(5)
            notes += await collect(ws, lambda f: f.get("arg") == arg, 4)
            # Exactly one break, where the five skipped frames are missing from the chain.
            ((last, named),) = chain_breaks(notes)
            assert named == functools.reduce(lambda v, _: chain_next(v), range(5), last)
            assert server.sequence_skipped == 5
            await ws.send("ping")
            assert await recv_until_text(ws, "pong")
            await ws.send(json.dumps({"op": "unsubscribe", "args": [arg]}))
            await recv_until(ws, lambda f: f.get("event") == "unsubscribe" and f.get("arg") == arg)
            assert server.subscriptions[1] == frozenset()


def chain_breaks(notes: list[Any]) -> list[tuple[int, int]]:
    """(seqId received, prevSeqId of the next frame) wherever the two differ."""
    ids = [(n["data"][0]["seqId"], n["data"][0]["prevSeqId"]) for n in notes]
    return [(seq, prev) for (seq, _), (_, prev) in itertools.pairwise(ids) if prev != seq]


async def recv_until_text(ws: Any, text: str, limit: int = 200) -> bool:
    for _ in range(limit):
        if await ws.recv() == text:
            return True
    return False


async def test_ethereum_spec_subscription_ids() -> None:
    api = spec("ethereum")
    async with asyncio.timeout(TIMEOUT), SpecServer(api, notify_interval=0.002) as server:
        async with connect(server.url) as ws:
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": ["newHeads"]}))
            reply = await recv_until(ws, lambda f: f.get("id") == 1)
            sub_id = reply["result"]
            assert re.fullmatch(r"0x[0-9a-f]{32}", sub_id)
            assert server.subscription_ids(1) == [sub_id]
            notes = await collect(ws, lambda f: f.get("method") == "eth_subscription", 3)
            assert {n["params"]["subscription"] for n in notes} == {sub_id}
            assert all("number" in n["params"]["result"] for n in notes)
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "eth_unsubscribe", "params": [sub_id]}))
            reply = await recv_until(ws, lambda f: f.get("id") == 2)
            assert reply["result"] is True
            assert server.subscription_ids(1) == []


async def test_graphql_spec_init_operation_ids_and_complete() -> None:
    api = spec("graphql_ws")
    channel = next(c for c in api.channels if c.name == "message_added")
    payload = fill(channel.structured, {"room_id": "general"}, {"room_id"})
    async with asyncio.timeout(TIMEOUT), SpecServer(api, notify_interval=0.002) as server:
        async with connect(server.url, subprotocols=GQL) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert await recv_json(ws) == {"type": "connection_ack"}
            await ws.send(json.dumps({"id": "op-1", "type": "subscribe", "payload": payload}))
            notes = await collect(ws, lambda f: f.get("type") == "next", 3)
            assert {n["id"] for n in notes} == {"op-1"}
            assert all("messageAdded" in n["payload"]["data"] for n in notes)
            await ws.send(json.dumps({"id": "op-1", "type": "complete"}))
            await server.wait_for(lambda: server.subscriptions[1] == frozenset(), timeout=2)
            # client ping frame -> pong frame
            await ws.send(json.dumps({"type": "ping"}))
            await recv_until(ws, lambda f: f == {"type": "pong"})
        assert server.inits == 1 and server.client_pings == 1


async def test_binance_spec_params_are_the_address_list() -> None:
    async with asyncio.timeout(TIMEOUT), SpecServer(spec("binance"), notify_interval=0.002) as server:
        async with connect(server.url) as ws:
            await ws.send(json.dumps({"method": "SUBSCRIBE", "params": ["btcusdt@trade", "btcusdt@depth5@100ms"], "id": 1}))
            assert await recv_until(ws, lambda f: f.get("id") == 1) == {"id": 1, "result": None}
            notes = await collect(ws, lambda f: f.get("stream") == "btcusdt@trade", 3)
            assert all(n["data"]["e"] == "trade" for n in notes)
            assert server.subscriptions[1] == {"btcusdt@trade", "btcusdt@depth5@100ms"}
            await ws.send(json.dumps({"method": "UNSUBSCRIBE", "params": ["btcusdt@trade"], "id": 2}))
            await recv_until(ws, lambda f: f.get("id") == 2)
            assert server.subscriptions[1] == {"btcusdt@depth5@100ms"}


async def test_coinbase_spec_no_ack_route_and_sequence_gap() -> None:
    async with asyncio.timeout(TIMEOUT), SpecServer(spec("coinbase"), notify_interval=0.002) as server:
        async with connect(server.url) as ws:
            await ws.send(json.dumps({"type": "subscribe", "channel": "level2", "product_ids": ["BTC-USD", "ETH-USD"], "jwt": "x"}))
            first = await recv_json(ws)
            assert first["channel"] == "l2_data"  # no ack: the first frame is data
            eth = await collect(ws, lambda f: f["events"][0]["product_id"] == "ETH-USD", 3)
            nums = [f["sequence_num"] for f in eth]
            assert nums == [nums[0], nums[0] + 1, nums[0] + 2]  # consecutive per subscription
            await ws.send(json.dumps({"type": "unsubscribe", "channel": "level2", "product_ids": ["ETH-USD"]}))
            await server.wait_for(lambda: server.subscriptions[1] == {'{"channel":"l2_data","product_id":"BTC-USD"}'}, timeout=2)
            server.skip_sequence(3)
            btc = await collect(ws, lambda f: f["events"][0]["product_id"] == "BTC-USD", 30)
            steps = [b["sequence_num"] - a["sequence_num"] for a, b in itertools.pairwise(btc)]
            assert sorted(set(steps)) == [1, 4] and steps.count(4) == 1  # exactly the 3 skipped


async def test_graphql_init_close_codes() -> None:
    api = spec("graphql_ws")
    async with asyncio.timeout(TIMEOUT), SpecServer(api, init_timeout=0.05) as server:
        # an operation before connection_ack: 4401
        async with connect(server.url, subprotocols=GQL) as ws:
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {}}))
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
        # a second init: 4429
        async with connect(server.url, subprotocols=GQL) as ws:
            await ws.send(json.dumps({"type": "connection_init"}))
            assert (await recv_json(ws))["type"] == "connection_ack"
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4429
        # nothing sent in time: 4408
        async with connect(server.url, subprotocols=GQL) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4408


async def test_graphql_server_pings_answered_by_frames() -> None:
    api = spec("graphql_ws")
    async with asyncio.timeout(TIMEOUT), SpecServer(api, server_pings=True, ping_interval=0.01) as server:
        async with connect(server.url, subprotocols=GQL) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            await recv_until(ws, lambda f: f.get("type") == "connection_ack")
            for _ in range(2):
                await recv_until(ws, lambda f: f == {"type": "ping"})
                await ws.send(json.dumps({"type": "pong"}))
            await server.wait_for(lambda: server.pings_answered == 2, timeout=2)
        assert server.pings_sent >= server.pings_answered == 2


async def test_kraken_v2_error_example_refuses_the_subscription() -> None:
    api = spec("kraken_v2")
    async with asyncio.timeout(TIMEOUT), SpecServer(api) as server, connect(server.url) as ws:
        params = {"channel": "book", "symbol": ["ABC/XYZ"], "depth": 10}
        await ws.send(json.dumps({"method": "subscribe", "params": params, "req_id": 3}))
        reply = await recv_until(ws, lambda f: f.get("req_id") == 3)
        assert reply["success"] is False and reply["error"] == "Currency pair not supported"
        assert server.subscriptions[1] == frozenset()


async def test_end_when_server_completes_a_finished_stream() -> None:
    api = spec("graphql_ws")
    ended = replace(api.subscriptions[0], end_when=Match(equals=(("/type", "complete"),)))
    api = replace(api, subscriptions=(ended,))
    channel = next(c for c in api.channels if c.name == "message_added")
    payload = fill(channel.structured, {"room_id": "general"}, {"room_id"})
    async with asyncio.timeout(TIMEOUT), SpecServer(api, notify_interval=0.001, max_notifications=2) as server:
        async with connect(server.url, subprotocols=GQL) as ws:
            await ws.send(json.dumps({"type": "connection_init"}))
            await recv_until(ws, lambda f: f.get("type") == "connection_ack")
            await ws.send(json.dumps({"id": "a", "type": "subscribe", "payload": payload}))
            frames = [await recv_json(ws) for _ in range(3)]
            assert [f["type"] for f in frames] == ["next", "next", "complete"]
            assert frames[2] == {"type": "complete", "id": "a"}
            assert server.subscriptions[1] == frozenset()


async def test_init_without_4401_ignores_early_frames() -> None:
    api = spec("graphql_ws")
    api = replace(api, reconnect=replace(api.reconnect, close_codes={}))
    async with asyncio.timeout(TIMEOUT), SpecServer(api) as server:
        async with connect(server.url, subprotocols=GQL) as ws:
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {}}))
            await ws.send(json.dumps({"type": "connection_init"}))
            assert await recv_json(ws) == {"type": "connection_ack"}
            await ws.send(json.dumps({"type": "connection_init"}))  # no 4429: ignored
            await ws.send(json.dumps({"type": "ping"}))
            assert await recv_json(ws) == {"type": "pong"}
        assert server.inits == 1
