"""The gallery's generated clients against the local spec server, over real sockets on 127.0.0.1.

One section per API (Binance spot, Coinbase Advanced Trade, Kraken v2, OKX v5, Ethereum JSON-RPC,
GraphQL over WebSocket), each exercising what makes that protocol different from plain
JSON-RPC channel strings (docs/spec-language.md, "Beyond channel strings"): stream-name lists,
structured addresses and routes, acks by reply / by matching frame / none, server-assigned and
client-chosen subscription ids, sequence gaps, text and frame heartbeats, the init handshake,
positional params and close codes.

Every test is bounded by ``asyncio.timeout`` and every loop by a count.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import itertools
import json
import re
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import coinbase
import ethereum
import graphql_ws
import okx
import pytest
from binance import BinanceClient
from binance._protocol import PROTOCOL as BINANCE_PROTOCOL
from coinbase import CoinbaseClient, CoinbaseHandlers, HeartbeatsChannel, Level2Channel
from ethereum import EthereumClient, EthereumHandlers, NewHeadsChannel
from ethereum import models as eth_models
from graphql_ws import GraphqlWsClient, GraphqlWsHandlers, MessageAddedChannel
from graphql_ws import SubscriptionError as GqlSubscriptionError
from graphql_ws import models as gql_models
from graphql_ws._protocol import PROTOCOL as GQL_PROTOCOL
from kraken_v2 import KrakenV2Client
from kraken_v2 import models as kraken_models
from okx import BooksChannel, OkxClient, OkxHandlers, SubscriptionError, TickersChannel
from okx import errors as okx_errors
from okx import models as okx_models
from okx._protocol import PROTOCOL as OKX_PROTOCOL

from nova_gen.ir import Api
from nova_gen.loader import load_api
from nova_gen.testing import SpecServer
from nova_gen.testing.streams import chain_next

from .streams import GapRecorder, fresh, reconnect_loop_ended, take

SPECS = Path(__file__).resolve().parents[2] / "specs"
TIMEOUT = 10.0

pytestmark = pytest.mark.asyncio


@functools.cache
def spec(name: str) -> Api:
    return load_api(SPECS / f"{name}.yaml")


@pytest.fixture
async def binance_server() -> AsyncIterator[SpecServer]:
    async with SpecServer(spec("binance"), notify_interval=0.005) as running:
        yield running


@pytest.fixture
async def coinbase_server() -> AsyncIterator[SpecServer]:
    async with SpecServer(spec("coinbase"), notify_interval=0.005) as running:
        yield running


@pytest.fixture
async def kraken_server() -> AsyncIterator[SpecServer]:
    async with SpecServer(spec("kraken_v2"), notify_interval=0.005) as running:
        yield running


@pytest.fixture
async def okx_server() -> AsyncIterator[SpecServer]:
    async with SpecServer(spec("okx"), notify_interval=0.005) as running:
        yield running


@pytest.fixture
async def eth_server() -> AsyncIterator[SpecServer]:
    async with SpecServer(spec("ethereum"), notify_interval=0.005) as running:
        yield running


@pytest.fixture
async def gql_server() -> AsyncIterator[SpecServer]:
    async with SpecServer(spec("graphql_ws"), notify_interval=0.005) as running:
        yield running




async def drain(sub: Any, limit: int = 10_000) -> list[Any]:
    """Every message until the iterator ends; fails if it yields more than ``limit``."""
    got: list[Any] = []
    async for message in sub:
        got.append(message)
        assert len(got) < limit, "the iterator did not end"
    return got


def frames(server: SpecServer, **equals: Any) -> list[dict[str, Any]]:
    """Received JSON frames that have every ``key == value`` of ``equals``."""
    return [
        f
        for f in list(server.received)
        if isinstance(f, dict) and all(f.get(k) == v for k, v in equals.items())
    ]


# =============================================================================================
# Binance spot: combined /stream envelope, SUBSCRIBE params are the stream names
# =============================================================================================


async def test_binance_streams_are_typed_with_exact_decimals(binance_server: SpecServer) -> None:
    # Not btcusdt@trade: the spec's error example "unknown method variant" has the params
    # ["btcusdt@trade"], so the spec server answers that exact SUBSCRIBE with error 2.
    server = binance_server
    async with asyncio.timeout(TIMEOUT):
        async with BinanceClient.connect(url=server.url + "/stream") as client:
            trade = await client.subscribe_trade(symbol="bnbbtc")
            book = await client.subscribe_book_ticker(symbol="btcusdt")
            assert trade.state == book.state == "active"
            assert trade.address == "bnbbtc@trade" and book.address == "btcusdt@bookTicker"
            trades = await take(trade, 2)
            tickers = await take(book, 2)
    first = trades[0]
    # The readable names of the one-letter keys work...
    assert first.event_type == "trade"
    assert first.symbol == "BNBBTC"
    assert first.trade_id == 12345
    assert first.event_time == 1672515782136 and first.trade_time == 1672515782136
    assert first.buyer_is_maker is True
    # ...and prices and quantities are exact decimals, never floats.
    assert isinstance(first.price, Decimal) and isinstance(first.quantity, Decimal)
    assert first.price == Decimal("0.001") and str(first.price) == "0.001"
    assert first.quantity == Decimal("100") and str(first.quantity) == "100"
    ticker = tickers[0]
    assert ticker.symbol == "BTCUSDT" and ticker.update_id == 51304815140
    assert all(
        isinstance(v, Decimal)
        for v in (ticker.bid_price, ticker.bid_quantity, ticker.ask_price, ticker.ask_quantity)
    )
    # Digits and trailing zeros as the server sent them.
    assert str(ticker.bid_price) == "67811.99000000"
    assert str(ticker.bid_quantity) == "3.49000000"
    assert str(ticker.ask_price) == "67812.00000000"
    assert str(ticker.ask_quantity) == "1.91111000"


async def test_binance_subscribe_sends_stream_names_and_is_acked_by_id(
    binance_server: SpecServer,
) -> None:
    server = binance_server
    async with asyncio.timeout(TIMEOUT):
        async with BinanceClient.connect(url=server.url) as client:
            trade = await client.subscribe_trade(symbol="bnbbtc")
            book = await client.subscribe_book_ticker(symbol="ethusdt")
            assert trade.state == "active" and book.state == "active"
            subscribes = frames(server, method="SUBSCRIBE")
            assert subscribes, "no SUBSCRIBE was sent"
            names = [n for f in subscribes for n in f["params"]]
            assert sorted(names) == ["bnbbtc@trade", "ethusdt@bookTicker"]
            assert all(isinstance(f["params"], list) for f in subscribes)
            assert all(isinstance(f["id"], int) for f in subscribes)
            assert len({f["id"] for f in subscribes}) == len(subscribes)
            assert server.subscriptions[1] == {"bnbbtc@trade", "ethusdt@bookTicker"}
            (ticker,) = await take(book, 1)
            # No example is for ethusdt: the server sends the spec's first one (bnbusdt).
            assert ticker.symbol == "BNBUSDT" and ticker.update_id == 400900217
            assert isinstance(ticker.bid_price, Decimal)
            assert str(ticker.bid_price) == "25.35190000"
            assert str(ticker.ask_quantity) == "40.66000000"

            # The SUBSCRIBE request itself is plumbing: no method (called directly it would
            # subscribe with nothing to route the trades to).
            assert not hasattr(client, "subscribe") and not hasattr(client, "unsubscribe")


async def test_binance_unsubscribe_sends_the_stream_name_and_ends_the_iterator(
    binance_server: SpecServer,
) -> None:
    server = binance_server
    async with asyncio.timeout(TIMEOUT):
        async with BinanceClient.connect(url=server.url) as client:
            sub = await client.subscribe_trade(symbol="bnbbtc")
            assert len(await take(sub, 2)) == 2
            await client.unsubscribe_trade(symbol="bnbbtc")
            rest = await drain(sub)  # ends after what was buffered
            assert sub.state == "unsubscribed"
            (unsub,) = frames(server, method="UNSUBSCRIBE")
            assert unsub["params"] == ["bnbbtc@trade"] and isinstance(unsub["id"], int)
            await server.wait_for(lambda: server.subscriptions[1] == frozenset(), timeout=2)
    assert all(t.symbol == "BNBBTC" for t in rest)


async def test_binance_max_lifetime_is_in_the_generated_protocol() -> None:
    assert BINANCE_PROTOCOL.max_lifetime == 86400


# =============================================================================================
# Coinbase: no ids, no acks; routed by channel + product id; sequence numbers; signed subscribes
# =============================================================================================


class CoinbaseRecorder(GapRecorder, CoinbaseHandlers):
    def __init__(self) -> None:
        super().__init__()
        self.level2: list[tuple[Any, Level2Channel]] = []
        self.heartbeats: list[tuple[Any, HeartbeatsChannel]] = []
        self.signed: list[tuple[str, dict[str, Any]]] = []
        self._jwt = itertools.count(1)

    async def on_level2(self, message: Any, channel: Level2Channel) -> None:
        self.level2.append((message, channel))

    async def on_heartbeats(self, message: Any, channel: HeartbeatsChannel) -> None:
        self.heartbeats.append((message, channel))

    def sign(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.signed.append((method, dict(params)))
        return {**params, "jwt": f"jwt-{next(self._jwt)}"}


async def test_coinbase_level2_and_heartbeats_are_routed_by_channel_and_product(
    coinbase_server: SpecServer,
) -> None:
    server = coinbase_server
    handlers = CoinbaseRecorder()
    async with asyncio.timeout(TIMEOUT):
        async with CoinbaseClient.connect(url=server.url, handlers=handlers) as client:
            btc = await client.subscribe_level2(product_id="BTC-USD")
            eth = await client.subscribe_level2(product_id="ETH-USD")
            beats = await client.subscribe_heartbeats()
            # ack: none - active as soon as the subscribe went out.
            assert btc.state == eth.state == beats.state == "active"
            btc_msgs = await take(btc, 4)
            eth_msgs = await take(eth, 4)
            beat_msgs = await take(beats, 2)
            await server.wait_for(lambda: len(handlers.level2) >= 8 and handlers.heartbeats)
    for msgs, product in ((btc_msgs, "BTC-USD"), (eth_msgs, "ETH-USD")):
        assert all(isinstance(m, coinbase.models.L2DataMessage) for m in msgs)
        assert {m.events[0].product_id for m in msgs} == {product}
        assert msgs[0].channel == "l2_data"
        assert msgs[0].events[0].type == "snapshot"
        assert msgs[1].events[0].type == "update"
    snapshot = btc_msgs[0].events[0].updates
    assert [(u.side, u.price_level, u.new_quantity) for u in snapshot] == [
        ("bid", Decimal("21921.73"), Decimal("0.06317902")),
        ("bid", Decimal("21921.3"), Decimal("0.02")),
        ("offer", Decimal("21921.74"), Decimal("0.12")),
    ]
    assert all(isinstance(m, coinbase.models.HeartbeatsMessage) for m in beat_msgs)
    assert beat_msgs[0].channel == "heartbeats"
    # `int | str` in the spec: each value keeps the type it had on the wire.
    assert [m.events[0].heartbeat_counter for m in beat_msgs] == ["3049", 3050]
    # The hooks see the same routing, with the typed channel.
    channels = {ch for _, ch in handlers.level2}
    assert channels == {Level2Channel(product_id="BTC-USD"), Level2Channel(product_id="ETH-USD")}
    for message, channel in handlers.level2:
        assert message.events[0].product_id == channel.product_id
    assert {ch for _, ch in handlers.heartbeats} == {HeartbeatsChannel()}


async def test_coinbase_subscribe_frames_are_type_tagged_with_channel_and_product_ids(
    coinbase_server: SpecServer,
) -> None:
    server = coinbase_server
    async with asyncio.timeout(TIMEOUT):
        async with CoinbaseClient.connect(url=server.url) as client:
            await client.subscribe_level2(product_id="BTC-USD")
            await client.subscribe_heartbeats()
            await server.wait_for(lambda: len(server.subscriptions.get(1, ())) == 2, timeout=2)
            subscribes = frames(server, type="subscribe")
            level2 = [f for f in subscribes if f.get("channel") == "level2"]
            beats = [f for f in subscribes if f.get("channel") == "heartbeats"]
            assert len(level2) == 1 and len(beats) == 1
            assert level2[0]["product_ids"] == ["BTC-USD"]
            assert "product_ids" not in beats[0]
            assert "id" not in level2[0]  # nothing is correlated
            assert server.subscriptions[1] == {
                '{"channel":"l2_data","product_id":"BTC-USD"}',
                '{"channel":"heartbeats"}',
            }
            await client.unsubscribe_level2(product_id="BTC-USD")
            # ack: none - nothing to wait for but the frame reaching the server.
            await server.wait_for(lambda: len(frames(server, type="unsubscribe")) == 1, 2)
            (unsub,) = frames(server, type="unsubscribe")
            assert unsub["channel"] == "level2" and unsub["product_ids"] == ["BTC-USD"]
            await server.wait_for(
                lambda: server.subscriptions[1] == {'{"channel":"heartbeats"}'}, timeout=2
            )


async def test_coinbase_sequence_gap_reaches_the_hook(coinbase_server: SpecServer) -> None:
    server = coinbase_server
    handlers = CoinbaseRecorder()
    async with asyncio.timeout(TIMEOUT):
        async with CoinbaseClient.connect(url=server.url, handlers=handlers) as client:
            sub = await client.subscribe_level2(product_id="BTC-USD")
            before = await take(sub, 3)
            assert [m.sequence_num for m in before] == [0, 1, 2]
            assert handlers.gaps == []  # consecutive numbers are no gap
            server.skip_sequence(3)
            await asyncio.wait_for(handlers.gap.wait(), 5)
            after = await take(sub, 5)  # the messages keep flowing after the gap
    assert len(handlers.gaps) == 1
    channel, expected, received = handlers.gaps[0]
    assert channel == Level2Channel(product_id="BTC-USD")
    assert received - expected == 3
    assert len(after) == 5 and all(m.events[0].product_id == "BTC-USD" for m in after)
    nums = [m.sequence_num for m in after]
    assert nums == sorted(nums)


async def test_coinbase_sign_hook_adds_a_fresh_jwt_to_every_subscribe(
    coinbase_server: SpecServer,
) -> None:
    server = coinbase_server
    handlers = CoinbaseRecorder()
    async with asyncio.timeout(TIMEOUT):
        async with CoinbaseClient.connect(url=server.url, handlers=handlers) as client:
            await client.subscribe_level2(product_id="BTC-USD")
            await client.subscribe_level2(product_id="ETH-USD")
            await client.subscribe_heartbeats()
            await server.wait_for(lambda: len(server.subscriptions.get(1, ())) == 3, timeout=2)
            log = server.connection_log(1)
    subscribes = [params for method, params in log if method == "subscribe"]
    assert len(subscribes) == 3
    jwts = [p.get("jwt") for p in subscribes]
    assert all(isinstance(j, str) and j.startswith("jwt-") for j in jwts), jwts
    assert len(set(jwts)) == 3  # a fresh one per message
    # The hook saw each subscribe's params before the jwt was added.
    signed = [params for method, params in handlers.signed if method == "subscribe"]
    assert len(signed) == 3 and all("jwt" not in p for p in signed)
    assert {p["channel"] for p in signed} == {"level2", "heartbeats"}
    # What the server got is what the hook returned.
    for frame in frames(server, type="subscribe"):
        assert frame["jwt"] in jwts


# =============================================================================================
# Kraken v2: method/req_id requests; book routed by channel + symbol; structured subscribe params
# =============================================================================================


async def test_kraken_ping_is_a_method_req_id_request(kraken_server: SpecServer) -> None:
    server = kraken_server
    async with asyncio.timeout(TIMEOUT):
        async with KrakenV2Client.connect(url=server.url) as client:
            assert await client.ping() is None
            assert await client.ping() is None
    pings = frames(server, method="ping")
    assert len(pings) >= 2
    ids = [f["req_id"] for f in pings]
    assert all(isinstance(i, int) for i in ids) and len(set(ids)) == len(ids)
    assert all(set(f) <= {"method", "req_id", "params"} for f in pings)


async def test_kraken_book_snapshot_then_updates_routed_by_symbol(
    kraken_server: SpecServer,
) -> None:
    server = kraken_server
    async with asyncio.timeout(TIMEOUT):
        async with KrakenV2Client.connect(url=server.url) as client:
            btc = await client.subscribe_book(symbol="BTC/USD", depth=10)
            eth = await client.subscribe_book(symbol="ETH/USD", depth=25)
            assert btc.state == eth.state == "active"
            btc_msgs = await take(btc, 4)
            eth_msgs = await take(eth, 4)
            log = server.connection_log(1)
            keys = server.subscriptions[1]
    for msgs, symbol in ((btc_msgs, "BTC/USD"), (eth_msgs, "ETH/USD")):
        assert all(isinstance(m, kraken_models.BookMessage) for m in msgs)
        assert {m.data[0].symbol for m in msgs} == {symbol}  # no cross-talk
        assert msgs[0].type == "snapshot"
        assert [m.type for m in msgs[1:3]] == ["update", "update"]
    snapshot = btc_msgs[0].data[0]
    assert len(snapshot.bids) == 10 and len(snapshot.asks) == 10
    assert snapshot.checksum == 2439117997
    # The structured subscribe params, as the server received them: one request per symbol.
    subscribes = [params for method, params in log if method == "subscribe"]
    assert {"channel": "book", "symbol": ["BTC/USD"], "depth": 10, "snapshot": True} in subscribes
    assert {"channel": "book", "symbol": ["ETH/USD"], "depth": 25, "snapshot": True} in subscribes
    assert len(subscribes) == 2
    sent = frames(server, method="subscribe")
    assert all(isinstance(f["req_id"], int) for f in sent)
    assert len({f["req_id"] for f in sent}) == 2
    assert keys == {
        '{"channel":"book","symbol":"BTC/USD"}',
        '{"channel":"book","symbol":"ETH/USD"}',
    }


# =============================================================================================
# OKX: op/args, routed by the `arg` object, acked by an event frame, text ping/pong, error events
# =============================================================================================


class OkxRecorder(OkxHandlers):
    def __init__(self) -> None:
        self.tickers: list[tuple[Any, TickersChannel]] = []
        self.errors: list[Exception] = []
        self.error = asyncio.Event()

    async def on_error(self, error: Exception, context: str) -> None:
        self.errors.append(error)
        self.error.set()

    async def on_tickers(self, message: Any, channel: TickersChannel) -> None:
        self.tickers.append((message, channel))


async def test_okx_tickers_routed_by_arg_without_cross_talk(okx_server: SpecServer) -> None:
    server = okx_server
    handlers = OkxRecorder()
    async with asyncio.timeout(TIMEOUT):
        async with OkxClient.connect(url=server.url, handlers=handlers) as client:
            spot = client.subscribe_tickers(inst_id="BTC-USDT")
            swap = client.subscribe_tickers(inst_id="BTC-USDT-SWAP")
            assert spot.state == "pending"
            # The `{"event":"subscribe","arg":{...}}` frame is the ack.
            await spot
            await swap
            assert spot.state == swap.state == "active"
            spot_msgs = await take(spot, 3)
            swap_msgs = await take(swap, 3)
            await server.wait_for(lambda: len(handlers.tickers) >= 6)

            args = [a for f in frames(server, op="subscribe") for a in f["args"]]
            assert sorted(args, key=lambda a: a["instId"]) == [
                {"channel": "tickers", "instId": "BTC-USDT"},
                {"channel": "tickers", "instId": "BTC-USDT-SWAP"},
            ]

            await client.unsubscribe_tickers(inst_id="BTC-USDT-SWAP")
            assert swap.state == "unsubscribed"
            await drain(swap)
            await server.wait_for(lambda: len(frames(server, op="unsubscribe")) == 1, 2)
            (unsub,) = frames(server, op="unsubscribe")
            assert unsub["args"] == [{"channel": "tickers", "instId": "BTC-USDT-SWAP"}]
            assert len(await take(spot, 2)) == 2  # the other one goes on
    for msgs, inst in ((spot_msgs, "BTC-USDT"), (swap_msgs, "BTC-USDT-SWAP")):
        assert all(isinstance(m, list) and len(m) == 1 for m in msgs)
        assert all(isinstance(m[0], okx_models.Ticker) for m in msgs)
        assert {m[0].instId for m in msgs} == {inst}
    assert spot_msgs[0][0].last == Decimal("64123.5") and isinstance(spot_msgs[0][0].last, Decimal)
    assert str(swap_msgs[0][0].volCcy24h) == "112233.44"
    for message, channel in handlers.tickers:
        assert message[0].instId == channel.inst_id
    assert {ch for _, ch in handlers.tickers} == {
        TickersChannel(inst_id="BTC-USDT"),
        TickersChannel(inst_id="BTC-USDT-SWAP"),
    }


class OkxGaps(GapRecorder, OkxHandlers):
    pass


async def test_okx_book_gap_is_read_from_the_prev_seq_id_chain(okx_server: SpecServer) -> None:
    server = okx_server
    handlers = OkxGaps()
    async with asyncio.timeout(TIMEOUT):
        async with OkxClient.connect(url=server.url, handlers=handlers) as client:
            sub = await client.subscribe_books(inst_id="BTC-USDT")
            before = [m[0] for m in await take(sub, 4)]
            # The server's seqIds are 1 to 3 apart: only the prevSeqId chain tells a gap.
            assert [b.prevSeqId for b in before[1:]] == [b.seqId for b in before[:-1]]
            assert handlers.gaps == []
            server.skip_sequence(5)
            await handlers.gap.wait()
            after = [m[0] for m in await take(sub, 6)]  # the messages flow on after the gap
    ((channel, expected, received),) = handlers.gaps
    assert channel == BooksChannel(inst_id="BTC-USDT")
    books = before + after
    (broken,) = [(a, b) for a, b in itertools.pairwise(books) if b.prevSeqId != a.seqId]
    # Exactly the break the server made: last seqId received, and the prevSeqId that
    # names a frame five steps further down the chain.
    assert (expected, received) == (broken[0].seqId, broken[1].prevSeqId)
    assert received == functools.reduce(lambda v, _: chain_next(v), range(5), expected)


async def test_okx_text_ping_pong_heartbeat(okx_server: SpecServer) -> None:
    server = okx_server
    base = OKX_PROTOCOL.heartbeat
    assert base.client_ping is not None and base.client_ping.send.text == "ping"
    fast = dataclasses.replace(
        base, client_ping=dataclasses.replace(base.client_ping, interval=0.05, timeout=1.0)
    )
    options = okx.ConnectOptions(heartbeat=fast)
    async with asyncio.timeout(TIMEOUT):
        async with OkxClient.connect(url=server.url, options=options) as client:
            sub = await client.subscribe_tickers(inst_id="BTC-USDT")
            await server.wait_for(lambda: server.client_pings >= 3, timeout=5)
            assert client.state == "open"
            assert len(await take(sub, 2)) == 2
            assert client.diagnostics().reconnects == 0  # every pong arrived in time
    assert server.received_text.count("ping") >= 3
    assert server.connections == 1


async def test_okx_error_event_raises_the_typed_error(okx_server: SpecServer) -> None:
    server = okx_server
    bad = {"channel": "books", "instId": "BTC-XYZ"}
    handlers = OkxRecorder()
    async with asyncio.timeout(TIMEOUT):
        async with OkxClient.connect(url=server.url, request_timeout=3.0, handlers=handlers) as client:
            # The channel method: the subscription fails with the server's typed error.
            sub = client.subscribe_books(inst_id="BTC-XYZ")
            with pytest.raises(SubscriptionError) as failed:
                await sub
            assert sub.state == "failed"
            assert failed.value.address == sub.address
            typed = failed.value.cause  # the server's error, typed
            assert isinstance(typed, okx_errors.ChannelNotFound) and typed.code == "60018"
            assert "BTC-XYZ" in typed.message
            assert isinstance(typed, okx_errors.OkxError)

            # The connection goes on.
            good = await client.subscribe_books(inst_id="BTC-USDT")
            (book,) = await take(good, 1)
            assert isinstance(book[0], okx_models.Book)
    errors_sent = [f for f in frames(server, op="subscribe") if f["args"] == [bad]]
    assert len(errors_sent) == 1


# =============================================================================================
# Ethereum: positional params, server-assigned subscription ids, new ids after a reconnect
# =============================================================================================

USDC = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"
TRANSFER = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
SUB_ID = re.compile(r"0x[0-9a-f]{32}")


def eth_options() -> Any:
    policy = ethereum.ReconnectPolicy(initial_delay=0.01, multiplier=2.0, max_delay=0.05)
    return ethereum.ConnectOptions(reconnect=policy, restore_timeout=3.0)


class EthRecorder(EthereumHandlers):
    def __init__(self) -> None:
        self.heads: list[tuple[Any, NewHeadsChannel]] = []
        self.unknown: list[Any] = []

    async def on_new_heads(self, message: Any, channel: NewHeadsChannel) -> None:
        self.heads.append((message, channel))

    async def on_unknown_message(self, frame: Any, reason: str) -> None:
        self.unknown.append(frame)


async def test_ethereum_requests_send_positional_params(eth_server: SpecServer) -> None:
    server = eth_server
    async with asyncio.timeout(TIMEOUT):
        async with EthereumClient.connect(url=server.url) as client:
            assert await client.block_number() == "0x1545a21"
            block = await client.get_block_by_number(block="0x1b4", full_transactions=False)
            balance = await client.get_balance(
                address="0x407d73d8a49eeb85d32cf465507dd71d507100c1", block="latest"
            )
    (bn,) = server.requests_of("eth_blockNumber")
    assert isinstance(bn["id"], int)
    assert bn == {"jsonrpc": "2.0", "method": "eth_blockNumber", "params": [], "id": bn["id"]}
    (gb,) = server.requests_of("eth_getBlockByNumber")
    assert gb["params"] == ["0x1b4", False]
    (bal,) = server.requests_of("eth_getBalance")
    assert bal["params"] == ["0x407d73d8a49eeb85d32cf465507dd71d507100c1", "latest"]
    assert isinstance(block, eth_models.Block)
    assert block.number == "0x1b4" and block.gasLimit == "0x1388"
    assert block.hash == "0xdc0818cf78f21a8e70579cb46a43643f78291264dda342ae31049421c82d21ae"
    assert balance == "0x234c8a3397aab58"


async def test_ethereum_new_heads_routed_by_the_server_assigned_id(eth_server: SpecServer) -> None:
    server = eth_server
    handlers = EthRecorder()
    async with asyncio.timeout(TIMEOUT):
        async with EthereumClient.connect(url=server.url, handlers=handlers) as client:
            heads = await client.subscribe_new_heads()
            assert heads.state == "active"
            (sub_id,) = server.subscription_ids(1)
            assert SUB_ID.fullmatch(sub_id)
            got = await take(heads, 4)
            await server.wait_for(lambda: len(handlers.heads) >= 4)

            await client.unsubscribe_new_heads()
            await drain(heads)
            assert heads.state == "unsubscribed"
            (unsub,) = server.requests_of("eth_unsubscribe")
            assert unsub["params"] == [sub_id]
            assert server.subscription_ids(1) == []
    (subscribe,) = server.requests_of("eth_subscribe")
    assert subscribe["params"] == ["newHeads"]
    assert all(isinstance(h, eth_models.Header) for h in got)
    assert [h.number for h in got] == ["0x1348c9", "0x1545a21"] * 2
    assert got[1].baseFeePerGas == "0x1b3a6f2c" and got[0].baseFeePerGas is None
    assert {ch for _, ch in handlers.heads} == {NewHeadsChannel()}


async def test_ethereum_logs_with_a_filter(eth_server: SpecServer) -> None:
    server = eth_server
    async with asyncio.timeout(TIMEOUT):
        async with EthereumClient.connect(url=server.url) as client:
            logs = await client.subscribe_logs(address=USDC, topics=[TRANSFER])
            heads = await client.subscribe_new_heads()
            got = await take(logs, 4)
            assert len(await take(heads, 2)) == 2
            ids = server.subscription_ids(1)
            assert len(ids) == 2 and len(set(ids)) == 2
    log_subscribe = [f for f in server.requests_of("eth_subscribe") if f["params"][0] == "logs"]
    assert len(log_subscribe) == 1
    assert log_subscribe[0]["params"] == ["logs", {"address": USDC, "topics": [TRANSFER]}]
    assert all(isinstance(entry, eth_models.Log) for entry in got)
    assert {entry.address for entry in got} == {USDC}
    assert [entry.removed for entry in got] == [False, True, False, True]
    assert got[0].topics[0] == TRANSFER and got[0].blockTimestamp == "0x6809a1b7"


async def test_ethereum_resubscribes_after_a_drop_with_a_new_id(eth_server: SpecServer) -> None:
    server = eth_server
    handlers = EthRecorder()
    async with asyncio.timeout(TIMEOUT):
        async with EthereumClient.connect(
            url=server.url, handlers=handlers, options=eth_options()
        ) as client:
            heads = await client.subscribe_new_heads()
            (old_id,) = server.subscription_ids(1)
            assert len(await take(heads, 2)) == 2

            server.drop_connections()
            await server.wait_for(lambda: len(server.subscription_ids(2)) == 1, timeout=5)
            (new_id,) = server.subscription_ids(2)
            assert new_id != old_id
            assert [p for m, p in server.connection_log(2) if m == "eth_subscribe"] == [
                ["newHeads"]
            ]
            assert len(await fresh(client, heads, 3)) == 3  # the same iterator goes on
            assert heads.state == "active"

            # A notification under the old id is not delivered as newHeads any more.
            stale = {
                "jsonrpc": "2.0",
                "method": "eth_subscription",
                "params": {"subscription": old_id, "result": _marked_header()},
            }
            await server.send_raw(json.dumps(stale))
            after = await take(heads, 4)
            assert all(h.hash != MARK for h in after)
            await server.wait_for(lambda: any(_has_mark(f) for f in handlers.unknown), 2)
            assert not any(m.hash == MARK for m, _ in handlers.heads)

            await client.unsubscribe_new_heads()
            unsubs = [p for m, p in server.connection_log(2) if m == "eth_unsubscribe"]
            assert unsubs == [[new_id]]  # the new id, never the old one
            assert client.diagnostics().reconnects == 1


MARK = "0x" + "ab" * 32


def _marked_header() -> dict[str, Any]:
    return {
        "difficulty": "0x0",
        "extraData": "0x",
        "gasLimit": "0x1",
        "gasUsed": "0x0",
        "hash": MARK,
        "logsBloom": "0x" + "00" * 256,
        "miner": "0x" + "00" * 20,
        "number": "0x1",
        "parentHash": "0x" + "00" * 32,
        "receiptsRoot": "0x" + "00" * 32,
        "sha3Uncles": "0x" + "00" * 32,
        "stateRoot": "0x" + "00" * 32,
        "timestamp": "0x1",
        "transactionsRoot": "0x" + "00" * 32,
    }


def _has_mark(frame: Any) -> bool:
    return MARK in (frame if isinstance(frame, str) else json.dumps(frame))


# =============================================================================================
# GraphQL over WebSocket (graphql-transport-ws): init handshake, operation ids, complete,
# ping/pong frames, close codes
# =============================================================================================

GQL = "graphql-transport-ws"
INIT = {"type": "connection_init", "payload": {}}


def gql_options(**kw: Any) -> Any:
    policy = graphql_ws.ReconnectPolicy(
        initial_delay=0.01,
        multiplier=2.0,
        max_delay=0.05,
        close_codes=GQL_PROTOCOL.reconnect.close_codes,
    )
    return graphql_ws.ConnectOptions(reconnect=policy, restore_timeout=3.0, **kw)


def gql_heartbeat(interval: float) -> Any:
    base = GQL_PROTOCOL.heartbeat
    assert base.client_ping is not None
    ping = dataclasses.replace(base.client_ping, interval=interval, timeout=1.0)
    return dataclasses.replace(base, client_ping=ping)


class GqlRecorder(GraphqlWsHandlers):
    def __init__(self) -> None:
        self.connects: list[Any] = []
        self.disconnects: list[Any] = []
        self.messages: list[tuple[Any, MessageAddedChannel]] = []

    async def on_connect(self, info: Any) -> None:
        self.connects.append(info)

    async def on_disconnect(self, reason: Any) -> None:
        self.disconnects.append(reason)

    async def on_message_added(self, message: Any, channel: MessageAddedChannel) -> None:
        self.messages.append((message, channel))


class SlowInitAck:
    """Delays the server's connection_ack and records every frame that arrives before it
    (the server's own gate then closes such a connection with 4401)."""

    def __init__(self, server: SpecServer, delay: float) -> None:
        self.gate = server.init_gate
        self.real = self.gate.consume
        self.delay = delay
        self.early: list[Any] = []
        self.delayed: set[int] = set()
        self.acked: list[int] = []
        """Connections whose delayed ack has gone out, in order."""
        self.gate.consume = self.consume  # type: ignore[method-assign]

    async def consume(self, conn: Any, frame: Any) -> bool:
        if conn.initialised:
            return await self.real(conn, frame)
        if conn.number not in self.delayed and isinstance(frame, dict) and frame == INIT:
            self.delayed.add(conn.number)
            conn.spawn(self._ack_later(conn, frame))
            return True
        self.early.append(frame)
        return await self.real(conn, frame)

    async def _ack_later(self, conn: Any, frame: Any) -> None:
        await asyncio.sleep(self.delay)
        await self.real(conn, frame)
        self.acked.append(conn.number)


def _server_subprotocol(server: SpecServer, n: int) -> str | None:
    conn = server.sockets.get(n)  # the test server's own connection record
    return None if conn is None else conn.ws.subprotocol


async def test_graphql_init_first_then_typed_next_payloads_by_operation_id(
    gql_server: SpecServer,
) -> None:
    server = gql_server
    slow = SlowInitAck(server, delay=0.2)
    handlers = GqlRecorder()
    options = gql_options(heartbeat=gql_heartbeat(0.02))  # pings would be due before the ack
    async with asyncio.timeout(TIMEOUT):
        async with GraphqlWsClient.connect(
            url=server.url, handlers=handlers, options=options
        ) as client:
            assert slow.acked == [1]  # connect() returned only after the delayed ack
            assert _server_subprotocol(server, 1) == GQL
            await server.wait_for(lambda: len(handlers.connects) == 1, 2)
            assert handlers.connects[0].subprotocol == GQL
            assert server.received[0] == INIT
            assert slow.early == []  # nothing else went out before the ack
            assert server.inits == 1

            sub = await client.subscribe_message_added(room_id="general")
            assert sub.state == "active"  # ack: none
            got = await take(sub, 3)
            (op_id,) = server.subscription_ids(1)
            await server.wait_for(lambda: len(handlers.messages) >= 3)
    (subscribe,) = frames(server, type="subscribe")
    assert subscribe["id"] == op_id and isinstance(op_id, str) and op_id
    assert subscribe["payload"]["operationName"] == "OnMessageAdded"
    assert subscribe["payload"]["variables"] == {"roomId": "general"}
    assert subscribe["payload"]["query"].startswith("subscription OnMessageAdded($roomId: ID!) {")
    assert all(isinstance(m, gql_models.MessageAddedData) for m in got)
    assert [m.messageAdded.id for m in got] == ["m-1041", "m-1042", "m-1041"]
    assert got[0].messageAdded.author.name == "Ada"
    assert {m.messageAdded.roomId for m in got} == {"general"}
    assert {ch for _, ch in handlers.messages} == {MessageAddedChannel(room_id="general")}
    assert server.connections == 1  # never closed with 4401


async def test_graphql_unsubscribe_sends_complete_with_the_operation_id(
    gql_server: SpecServer,
) -> None:
    server = gql_server
    async with asyncio.timeout(TIMEOUT):
        async with GraphqlWsClient.connect(url=server.url) as client:
            typing = await client.subscribe_user_typing(room_id="general")
            added = await client.subscribe_message_added(room_id="general")
            assert len(await take(typing, 1)) == 1
            (typing_id,) = [
                f["id"]
                for f in frames(server, type="subscribe")
                if f["payload"]["operationName"] == "OnTyping"
            ]
            # "Active once sent": the server may not have read the second subscribe yet.
            await server.wait_for(lambda: len(set(server.subscription_ids(1))) == 2)

            await client.unsubscribe_user_typing(room_id="general")
            await drain(typing)
            assert typing.state == "unsubscribed"
            await server.wait_for(lambda: typing_id not in server.subscription_ids(1), 2)
            completes = frames(server, type="complete")
            assert completes == [{"id": typing_id, "type": "complete"}]
            assert len(server.subscription_ids(1)) == 1
            assert len(await take(added, 2)) == 2  # the other operation goes on


async def test_graphql_server_complete_ends_the_iterator(gql_server: SpecServer) -> None:
    server = gql_server
    async with asyncio.timeout(TIMEOUT):
        async with GraphqlWsClient.connect(url=server.url) as client:
            sub = await client.subscribe_message_added(room_id="general")
            assert len(await take(sub, 2)) == 2
            (op_id,) = server.subscription_ids(1)
            await server.send_raw(json.dumps({"id": op_id, "type": "complete"}))
            async with asyncio.timeout(2):
                rest = await drain(sub)  # StopAsyncIteration, no error
            assert sub.state == "unsubscribed"
            assert all(isinstance(m, gql_models.MessageAddedData) for m in rest)
            assert client.state == "open"
            # The client does not complete an operation the server already ended.
            assert frames(server, type="complete") == []


async def test_graphql_ping_pong_frames_both_ways() -> None:
    api = spec("graphql_ws")
    async with asyncio.timeout(TIMEOUT), SpecServer(api, server_pings=True, ping_interval=0.02) as server:
        options = gql_options(heartbeat=gql_heartbeat(0.05))
        async with GraphqlWsClient.connect(url=server.url, options=options) as client:
            # Server pings {"type":"ping"} are answered with {"type":"pong"} frames...
            await server.wait_for(lambda: server.pings_answered >= 3, timeout=5)
            # ...and the client pings with {"type":"ping"} frames, answered by pongs.
            await server.wait_for(lambda: server.client_pings >= 3, timeout=5)
            assert client.state == "open"
            assert client.diagnostics().reconnects == 0
    assert len(frames(server, type="pong")) >= 3
    assert len(frames(server, type="ping")) >= 3
    assert server.received_text == []  # frames, not text


async def test_graphql_close_4403_is_reauth_reconnect_init_and_resubscribe(
    gql_server: SpecServer,
) -> None:
    """4403 Forbidden is `reauth` in the spec's close codes: not fatal; the client opens a new
    connection, sends connection_init again and re-subscribes under a fresh operation id."""
    server = gql_server
    handlers = GqlRecorder()
    async with asyncio.timeout(TIMEOUT):
        async with GraphqlWsClient.connect(
            url=server.url, handlers=handlers, options=gql_options()
        ) as client:
            sub = await client.subscribe_message_added(room_id="general")
            assert len(await take(sub, 2)) == 2
            (old_id,) = server.subscription_ids(1)

            await server.close_connections(4403, "Forbidden")
            await server.wait_for(lambda: len(server.subscription_ids(2)) == 1, timeout=5)
            (new_id,) = server.subscription_ids(2)
            assert new_id != old_id
            assert len(await fresh(client, sub, 3)) == 3  # the iterator goes on
            assert client.state == "open"
            assert server.inits == 2
            assert len(frames(server, type="connection_init")) == 2
    assert handlers.disconnects[0].code == 4403
    assert handlers.disconnects[0].action == "reauth"
    assert [c.reconnect for c in handlers.connects] == [False, True]


async def test_graphql_4400_rejects_the_operation_sent_last_and_restores_the_others(
    gql_server: SpecServer,
) -> None:
    # strawberry-graphql closes with 4400 for a syntax error in one operation (the close
    # code action `reject`): that operation fails, the client reconnects and the others go on.
    server = gql_server
    handlers = GqlRecorder()
    async with asyncio.timeout(TIMEOUT):
        async with GraphqlWsClient.connect(url=server.url, handlers=handlers, options=gql_options()) as client:
            kept = await client.subscribe_message_added(room_id="general")
            assert len(await take(kept, 1)) == 1
            bad = await client.subscribe_user_typing(room_id="general")
            await server.close_connections(4400, "Syntax Error: Expected Name, found <EOF>.")
            with pytest.raises(GqlSubscriptionError) as rejected:
                await drain(bad)
            assert isinstance(rejected.value.cause, graphql_ws.ConnectionLost)
            assert rejected.value.cause.code == 4400
            assert "Syntax Error" in str(rejected.value)
            assert len(await fresh(client, kept, 2)) == 2  # restored on the new connection
            assert server.connections == 2
            assert handlers.disconnects[0].action == "reject"
            (info,) = client.diagnostics().subscriptions
            assert info.channel == "message_added" and info.state == "active"


@pytest.mark.parametrize("code", [4401, 4409])
async def test_graphql_fatal_close_codes_stop_the_client(gql_server: SpecServer, code: int) -> None:
    server = gql_server
    handlers = GqlRecorder()
    async with asyncio.timeout(TIMEOUT):
        client = await GraphqlWsClient.connect(
            url=server.url, handlers=handlers, options=gql_options()
        )
        try:
            sub = await client.subscribe_message_added(room_id="general")
            assert len(await take(sub, 1)) == 1
            await server.close_connections(code, "bye")
            with pytest.raises(graphql_ws.ConnectionLost) as lost:
                await drain(sub)
            assert lost.value.code == code
            assert client.state == "closed"
            await reconnect_loop_ended(client)
            assert server.connections == 1  # no reconnect
            assert handlers.disconnects[0].action == "fatal"
        finally:
            await client.close()


async def test_okx_login_signs_as_its_spec_says(okx_server: SpecServer) -> None:
    """Credentials given: the client logs in first, with OKX's HMAC signature."""
    import base64
    import hashlib
    import hmac

    server = okx_server
    before = int(time.time())
    async with asyncio.timeout(TIMEOUT):
        async with OkxClient.connect(
            url=server.url, api_key="key-1", secret_key="s3cr3t", passphrase="pass-1"
        ) as client:
            sub = await client.subscribe_tickers(inst_id="BTC-USDT")
            assert len(await take(sub, 1)) == 1
    after = int(time.time()) + 1
    log = [method for method, _ in server.connection_log(1)]
    assert log[0] == "login"
    (arg,) = server.connection_log(1)[0][1]["args"]
    assert (arg["apiKey"], arg["passphrase"]) == ("key-1", "pass-1")
    expected = hmac.new(b"s3cr3t", f"{arg['timestamp']}GET/users/self/verify".encode(), hashlib.sha256)
    assert arg["sign"] == base64.b64encode(expected.digest()).decode()
    assert before <= int(arg["timestamp"]) <= after  # the time of the login, in seconds
    assert "s3cr3t" not in json.dumps(server.received)


async def test_graphql_error_for_an_operation_fails_its_subscription(gql_server: SpecServer) -> None:
    """An `error` message carries the operation id: that subscription fails with the typed error."""
    server = gql_server
    async with asyncio.timeout(TIMEOUT):
        async with GraphqlWsClient.connect(url=server.url) as client:
            typing = await client.subscribe_user_typing(room_id="general")
            added = await client.subscribe_message_added(room_id="general")
            assert len(await take(typing, 1)) == 1
            (typing_id,) = [
                f["id"] for f in frames(server, type="subscribe") if f["payload"]["operationName"] == "OnTyping"
            ]
            error = {"id": typing_id, "type": "error", "payload": [{"message": "room closed"}]}
            await server.send_raw(json.dumps(error))
            with pytest.raises(GqlSubscriptionError) as caught:
                for _ in range(1000):  # buffered messages first, then the error
                    await typing.__anext__()
            assert "room closed" in str(caught.value)
            assert typing.state == "failed"
            assert len(await take(added, 2)) == 2  # the other operation goes on
            assert client.state == "open"


async def test_okx_order_and_cancel_take_the_typed_models_their_params_hold(okx_server: SpecServer) -> None:
    # Issue 11, kind 6: the signature's item class is the one the params model holds, so a
    # typed call validates (it used to name a twin class that the params model rejected).
    order = okx_models.PlaceOrderParamsArgsItem(
        instId="BTC-USDT", tdMode="cash", side="buy", ordType="limit", px="60000", sz="0.01", clOrdId="b15"
    )
    cancel = okx_models.CancelOrderArgsItem(instId="BTC-USDT", ordId="312269865356374016")
    async with asyncio.timeout(TIMEOUT):
        async with OkxClient.connect(
            url=okx_server.url, api_key="key", secret_key="secret", passphrase="phrase"
        ) as client:
            placed = await client.order(args=[order])
            cancelled = await client.cancel_order(args=[cancel])
    assert okx_models.PlaceOrderParams.model_fields["args"].annotation == list[okx_models.PlaceOrderParamsArgsItem]
    assert (placed.op, placed.data[0].sMsg) == ("order", "Order placed")
    assert (cancelled.op, cancelled.data[0].ordId) == ("cancel-order", "312269865356374016")


async def test_okx_error_event_without_an_id_reaches_on_error(okx_server: SpecServer) -> None:
    """An error event that names no request (`{"event":"error",...}` without `id`) goes to
    `on_error` as the spec's typed error; the connection and its subscriptions go on."""
    server = okx_server
    handlers = OkxRecorder()
    async with asyncio.timeout(TIMEOUT):
        async with OkxClient.connect(url=server.url, handlers=handlers) as client:
            good = await client.subscribe_tickers(inst_id="BTC-USDT")
            await server.send_raw('{"event":"error","code":"60012","msg":"Invalid request"}')
            await asyncio.wait_for(handlers.error.wait(), TIMEOUT)
            assert good.state == "active"
            assert len(await take(good, 2)) == 2
            assert server.connections == 1  # the same connection went on
    (error,) = handlers.errors
    assert isinstance(error, okx_errors.InvalidRequest)  # the spec's class for code 60012
    assert str(error) == "[60012] Invalid request"
