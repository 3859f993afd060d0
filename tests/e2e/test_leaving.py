"""Leaving a loop unsubscribes: the generated Deribit client against the local server.

``async for tick in client.subscribe_ticker(...)`` left by ``break``, ``return`` or an
exception drops the Subscription; the server then sees an unsubscribe for the address,
unless another consumer still reads it. A subscription kept but not read is flagged in
``diagnostics()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from deribit import DeribitClient, DeribitHandlers, models
from deribit.channels import TickerChannel

from nova_gen.loader import load_api
from nova_gen.testing import SpecServer

SPECS = Path(__file__).resolve().parents[2] / "specs"
TICKER = "ticker.BTC-PERPETUAL.100ms"

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def server() -> AsyncIterator[SpecServer]:
    async with SpecServer(load_api(SPECS / "deribit.yaml"), notify_interval=0.005) as running:
        yield running


def unsubscribed(server: SpecServer) -> list[str]:
    """Every address the server was asked to unsubscribe, in order."""
    out: list[str] = []
    for frame in server.requests_of("public/unsubscribe"):
        out += frame["params"]["channels"]
    return out


async def gone(client: DeribitClient, server: SpecServer) -> None:
    """The server saw the unsubscribe and the client no longer lists the address."""
    await server.wait_for(lambda: unsubscribed(server) == [TICKER])
    await server.wait_for(lambda: TICKER not in server.subscriptions[1])
    assert [s.address for s in client.diagnostics().subscriptions] == []


async def test_break_unsubscribes(server: SpecServer) -> None:
    async with asyncio.timeout(20):
        async with DeribitClient.connect(url=server.url) as client:
            async for tick in client.subscribe_ticker(
                instrument_name="BTC-PERPETUAL", interval="100ms"
            ):
                assert tick.instrument_name == "BTC-PERPETUAL"
                break
            await gone(client, server)


async def test_return_and_exception_unsubscribe(server: SpecServer) -> None:
    async def first(client: DeribitClient) -> models.Ticker:
        async for tick in client.subscribe_ticker(
            instrument_name="BTC-PERPETUAL", interval="100ms"
        ):
            return tick
        raise AssertionError("the stream ended")

    async with asyncio.timeout(20):
        async with DeribitClient.connect(url=server.url) as client:
            await first(client)
            await gone(client, server)

            with pytest.raises(ValueError, match="boom"):
                async for _ in client.subscribe_ticker(
                    instrument_name="BTC-PERPETUAL", interval="100ms"
                ):
                    raise ValueError("boom")
            gc.collect()  # the traceback held by pytest.raises is gone; frames may cycle
            await server.wait_for(lambda: unsubscribed(server) == [TICKER, TICKER])
            assert client.diagnostics().subscriptions == ()


async def test_aclosing_and_anext(server: SpecServer) -> None:
    async with asyncio.timeout(20):
        async with DeribitClient.connect(url=server.url) as client:
            sub = client.subscribe_ticker(instrument_name="BTC-PERPETUAL", interval="100ms")
            async with contextlib.aclosing(sub) as ticks:
                async for _ in ticks:
                    break
            await gone(client, server)
            assert sub.state == "unsubscribed"

            async def one() -> None:
                await anext(client.subscribe_ticker(instrument_name="BTC-PERPETUAL", interval="100ms"))

            await one()  # read with anext(), then dropped: that consumer left too
            await server.wait_for(lambda: unsubscribed(server) == [TICKER, TICKER])


async def test_only_the_last_consumer_leaving_unsubscribes(server: SpecServer) -> None:
    async def consumer(client: DeribitClient, n: int, leave: asyncio.Event) -> int:
        got = 0
        async for _ in client.subscribe_ticker(instrument_name="BTC-PERPETUAL", interval="100ms"):
            got += 1
            if got >= n and leave.is_set():
                break
        return got

    async with asyncio.timeout(20):
        async with DeribitClient.connect(url=server.url) as client:
            go_a, go_b = asyncio.Event(), asyncio.Event()
            a = asyncio.ensure_future(consumer(client, 3, go_a))
            b = asyncio.ensure_future(consumer(client, 3, go_b))
            await server.wait_for(
                lambda: [s.consumers for s in client.diagnostics().subscriptions] == [2]
            )
            go_a.set()
            assert await a >= 3
            await server.wait_for(
                lambda: [s.consumers for s in client.diagnostics().subscriptions] == [1]
            )
            # b still reads: no unsubscribe went out, and it keeps getting messages
            before = server.notifications_sent
            await server.wait_for(lambda: server.notifications_sent >= before + 5)
            assert unsubscribed(server) == []
            assert TICKER in server.subscriptions[1]
            go_b.set()
            assert await b >= 3
            await gone(client, server)


async def test_handler_style_subscription_stays_and_does_not_buffer(server: SpecServer) -> None:
    class Ticks(DeribitHandlers):
        def __init__(self) -> None:
            self.n = 0

        async def on_ticker(self, message: models.Ticker, channel: TickerChannel) -> None:
            self.n += 1

    handlers = Ticks()
    async with asyncio.timeout(20):
        async with DeribitClient.connect(url=server.url, handlers=handlers) as client:
            await client.subscribe_ticker(instrument_name="BTC-PERPETUAL", interval="100ms")
            gc.collect()
            await server.wait_for(lambda: handlers.n >= 20)
            (info,) = client.diagnostics().subscriptions
            assert (info.address, info.state, info.queue_depth) == (TICKER, "active", 0)
            assert unsubscribed(server) == [] and client.diagnostics().issues() == ()


async def test_a_subscription_kept_but_not_read_is_flagged(server: SpecServer) -> None:
    async with asyncio.timeout(20):
        async with DeribitClient.connect(url=server.url) as client:
            sub: Any = await client.subscribe_ticker(
                instrument_name="BTC-PERPETUAL", interval="100ms"
            )
            sub.set_overflow(maxsize=20)
            await server.wait_for(lambda: sub.queue_depth >= 10)
            (info,) = client.diagnostics().subscriptions
            assert info.unread
            (issue,) = client.diagnostics().issues()
            assert "piling up with no consumer" in issue and TICKER in issue
            async for _ in sub:  # reading it clears the flag
                if sub.queue_depth == 0:
                    break
            assert not client.diagnostics().subscriptions[0].unread
