"""Rate limits that hold: the generated Binance client against a local server that counts
the frames of each connection over a sliding second and closes with 1008 "Too many
requests" above 5, as Binance does.

The spec says ``rate: 5, burst: 5``: at most 5 messages in any second. Twenty subscribes in
a loop never trip the server, neither on the first connection nor when the client restores
them after a reconnect (the limiter belongs to the client, not to the socket); subscribes
made together share one frame where the protocol batches, at most ``max_batch`` addresses
each; a 1008 close is a rate limit (the spec's ``close_codes``), retried after a back-off
of at least the limit's window, never fatal.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from binance import BinanceClient, BinanceHandlers
from binance._protocol import PROTOCOL
from nova_runtime import (
    ConnectOptions,
    Connector,
    DisconnectReason,
    ReconnectPolicy,
)
from nova_runtime.core import TokenBucket
from nova_runtime.telemetry import InMemoryMetrics, Reconnecting
from nova_runtime.telemetry import RateLimited as RateLimitedEvent

from nova_gen.loader import load_api
from nova_gen.testing import MessageLimit, SpecServer

SPECS = Path(__file__).resolve().parents[2] / "specs"
SYMBOLS = [f"sym{i:02d}" for i in range(20)]

pytestmark = pytest.mark.asyncio

FAST = dataclasses.replace(PROTOCOL.reconnect, initial_delay=0.05, max_delay=2.0)
OPTIONS = ConnectOptions(reconnect=FAST, restore_timeout=15.0)


@pytest.fixture
async def server() -> AsyncIterator[SpecServer]:
    limit = MessageLimit(limit=5, window=1.0, code=1008, reason="Too many requests")
    async with SpecServer(
        load_api(SPECS / "binance.yaml"), notify_interval=0.05, message_limit=limit
    ) as running:
        yield running


def limit_of(server: SpecServer) -> MessageLimit:
    assert server.message_limit is not None
    return server.message_limit


def subscribe_frames(server: SpecServer, n: int) -> list[list[str]]:
    """The stream names of each SUBSCRIBE connection ``n`` sent, frame by frame."""
    return [params for method, params in server.connection_log(n) if method == "SUBSCRIBE"]


class Closes(BinanceHandlers):
    def __init__(self) -> None:
        self.reasons: list[DisconnectReason] = []

    async def on_disconnect(self, reason: DisconnectReason) -> None:
        self.reasons.append(reason)


def connect_with(
    server: SpecServer, protocol: Any, handlers: BinanceHandlers, options: Any = OPTIONS
) -> Any:
    """A Binance client speaking a variant of the spec (one subscribe method changed)."""
    return Connector(
        BinanceClient, protocol, url=server.url, handlers=handlers, options=options
    )


def with_method(**changes: Any) -> Any:
    (name, method), = PROTOCOL.subscribe_methods.items()
    return dataclasses.replace(
        PROTOCOL, subscribe_methods={name: dataclasses.replace(method, **changes)}
    )


async def test_twenty_subscribes_in_a_loop_share_one_frame(server: SpecServer) -> None:
    async with asyncio.timeout(20):
        async with BinanceClient.connect(url=server.url, options=OPTIONS) as client:
            subs = [client.subscribe_book_ticker(symbol=s) for s in SYMBOLS]
            for sub in subs:
                await sub
            assert {s.state for s in subs} == {"active"}
    assert subscribe_frames(server, 1) == [[f"{s}@bookTicker" for s in SYMBOLS]]
    assert limit_of(server).closed == 0


async def test_max_batch_splits_the_frame(server: SpecServer) -> None:
    """Bybit takes at most 10 topics per subscribe: ``max_batch: 10``."""
    async with asyncio.timeout(20):
        async with connect_with(server, with_method(max_batch=10), BinanceHandlers()) as client:
            subs = [client.subscribe_book_ticker(symbol=s) for s in SYMBOLS]
            for sub in subs:
                await sub
    names = [f"{s}@bookTicker" for s in SYMBOLS]
    assert subscribe_frames(server, 1) == [names[:10], names[10:]]


async def test_one_frame_per_subscribe_never_trips_the_limit_across_a_reconnect(
    server: SpecServer,
) -> None:
    """Without batching every subscribe is a frame: 20 of them go out at 5 per second;
    after a drop, the restore's 20 frames wait for the same window (no fresh bucket)."""
    handlers = Closes()
    limit = limit_of(server)
    async with asyncio.timeout(40):
        async with connect_with(server, with_method(batch=False), handlers) as client:
            subs = [client.subscribe_book_ticker(symbol=s) for s in SYMBOLS]
            for sub in subs:
                await sub
            assert len(subscribe_frames(server, 1)) == 20
            assert limit.peak == 5  # as many as allowed, never more
            server.drop_connections()
            await server.wait_for(lambda: len(server.subscriptions.get(2, ())) == 20, 30)
            await server.wait_for(lambda: client.state == "open")
            assert len(subscribe_frames(server, 2)) == 20
    assert limit.closed == 0 and limit.peak <= 5
    assert limit.peak_all <= 5  # the two connections together, too
    assert [r.code for r in handlers.reasons] == [None, 1000]  # the drop, then close()


async def test_a_1008_close_is_a_rate_limit_retried_after_a_longer_backoff(
    server: SpecServer,
) -> None:
    handlers = Closes()
    async with asyncio.timeout(20):
        options = dataclasses.replace(OPTIONS, telemetry=InMemoryMetrics())
        async with BinanceClient.connect(
            url=server.url, handlers=handlers, options=options
        ) as client:
            sub = await client.subscribe_book_ticker(symbol="btcusdt")
            await server.close_connections(1008, "Too many requests")
            await server.wait_for(lambda: "btcusdt@bookTicker" in server.subscriptions.get(2, ()))
            await server.wait_for(lambda: client.state == "open")
            assert sub.state == "active"
            recent = client.metrics.recent
    (reason, _) = handlers.reasons
    assert (reason.code, reason.action) == (1008, "rate_limited")
    # one reconnect, held for at least the limit's window (1 s, drawn from [1, 2] s),
    # although the reconnect policy starts at 0.05 s
    assert len([e for e in recent if isinstance(e, Reconnecting)]) == 1
    (wait,) = [e.wait for e in recent if isinstance(e, RateLimitedEvent)]
    assert 1.0 <= wait <= 2.0


async def test_1013_try_again_later_is_a_rate_limit_by_default(server: SpecServer) -> None:
    handlers = Closes()
    policy = ReconnectPolicy(initial_delay=0.05, max_delay=2.0)  # no close_codes at all
    options = dataclasses.replace(OPTIONS, reconnect=policy)
    async with asyncio.timeout(20):
        async with BinanceClient.connect(
            url=server.url, handlers=handlers, options=options
        ) as client:
            await client.subscribe_book_ticker(symbol="btcusdt")
            await server.close_connections(1013, "Try Again Later")
            await server.wait_for(lambda: "btcusdt@bookTicker" in server.subscriptions.get(2, ()))
    assert (handlers.reasons[0].code, handlers.reasons[0].action) == (1013, "rate_limited")


async def test_an_address_unsubscribed_before_its_frame_left_costs_nothing(
    server: SpecServer,
) -> None:
    async with asyncio.timeout(20):
        async with BinanceClient.connect(url=server.url, options=OPTIONS) as client:
            before = client.subscribe_book_ticker(symbol="ethusdt")
            await before.unsubscribe()  # not even registered yet
            queued = client.subscribe_book_ticker(symbol="bnbusdt")
            await asyncio.sleep(0)  # registered, its address waits in the outbox
            kept = client.subscribe_book_ticker(symbol="btcusdt")
            await queued.unsubscribe()  # taken out of the outbox
            await kept
            assert before.state == queued.state == "unsubscribed" and kept.state == "active"
            assert [s.address for s in client.diagnostics().subscriptions] == [
                "btcusdt@bookTicker"
            ]
    assert subscribe_frames(server, 1) == [["btcusdt@bookTicker"]]
    assert [m for m, _ in server.connection_log(1)] == ["SUBSCRIBE"]


async def test_a_client_that_trips_the_limit_backs_off_longer_each_time(
    server: SpecServer,
) -> None:
    """A token bucket of the same numbers (5, 5) lets a sixth frame into the first second:
    the server closes with 1008, and again while the restore resends; each close is a
    rate limit (never fatal) and each wait is at least as long as the one before."""
    handlers = Closes()
    policy = dataclasses.replace(PROTOCOL.reconnect, initial_delay=0.05, max_delay=60.0)
    options = ConnectOptions(
        reconnect=policy, limiter=TokenBucket(rate=5.0, burst=5.0), telemetry=InMemoryMetrics()
    )
    limit = limit_of(server)
    async with asyncio.timeout(30):
        client = await connect_with(server, with_method(batch=False), handlers, options)
        try:
            for s in SYMBOLS:
                client.subscribe_book_ticker(symbol=s)
            await server.wait_for(lambda: limit.closed >= 2, 25)

            def waits() -> list[float]:
                return [
                    e.wait
                    for e in client.metrics.recent
                    if isinstance(e, RateLimitedEvent) and e.method == "close code 1008"
                ]

            await server.wait_for(lambda: len(waits()) >= 2)
            assert client.state != "closed"
        finally:
            await client.close()
    assert handlers.reasons[0].action == "rate_limited"
    first, second = waits()[:2]
    assert 1.0 <= first <= 2.0 <= second <= 4.0  # the window at least, then doubling
