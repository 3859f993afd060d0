"""The generated Deribit client against the local spec server, over real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from deribit import DeribitClient, DeribitHandlers, RequestTimeout, TickerChannel, errors, models

from nova_gen.loader import load_api
from nova_gen.testing import SpecServer

SPECS = Path(__file__).resolve().parents[2] / "specs"

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def server() -> AsyncIterator[SpecServer]:
    api = load_api(SPECS / "deribit.yaml")
    async with SpecServer(api, notify_interval=0.001) as running:
        yield running


async def test_get_time_returns_an_int(server: SpecServer) -> None:
    async with asyncio.timeout(10):
        async with DeribitClient.connect(url=server.url) as client:
            now = await client.get_time()
    assert isinstance(now, int)
    assert now > 1_500_000_000_000


async def test_get_instruments_returns_typed_instruments(server: SpecServer) -> None:
    async with asyncio.timeout(10):
        async with DeribitClient.connect(url=server.url) as client:
            instruments = await client.get_instruments(currency="BTC", kind="future")
    assert instruments, "the spec's example has instruments"
    assert all(isinstance(i, models.Instrument) for i in instruments)
    assert {i.kind for i in instruments} <= {"future", "option", "spot", "future_combo", "option_combo"}
    sent = server.requests_of("public/get_instruments")[-1]
    assert sent["params"] == {"currency": "BTC", "kind": "future"}
    assert sent["jsonrpc"] == "2.0" and isinstance(sent["id"], int)


class CountingHandlers(DeribitHandlers):
    def __init__(self, enough: int) -> None:
        self.ticks: list[tuple[models.Ticker, TickerChannel]] = []
        self.enough = enough
        self.done = asyncio.Event()

    async def on_ticker(self, message: models.Ticker, channel: TickerChannel) -> None:
        self.ticks.append((message, channel))
        if len(self.ticks) >= self.enough:
            self.done.set()


async def test_ticker_subscription_delivers_to_iterator_and_handler(server: SpecServer) -> None:
    handlers = CountingHandlers(enough=100)
    received: list[models.Ticker] = []
    async with asyncio.timeout(20):
        async with DeribitClient.connect(url=server.url, handlers=handlers) as client:
            sub = await client.subscribe_ticker(instrument_name="BTC-PERPETUAL", interval="100ms")
            assert sub.state == "active"
            assert sub.address == "ticker.BTC-PERPETUAL.100ms"
            async for tick in sub:
                received.append(tick)
                if len(received) >= 100:
                    break
            await handlers.done.wait()
    assert all(isinstance(t, models.Ticker) for t in received)
    assert len(handlers.ticks) >= 100
    message, channel = handlers.ticks[0]
    assert channel == TickerChannel(instrument_name="BTC-PERPETUAL", interval="100ms")
    assert isinstance(message, models.Ticker)
    assert message.instrument_name == "BTC-PERPETUAL"


async def test_error_reply_raises_the_typed_error(server: SpecServer) -> None:
    server.fail_next("public/get_time", 10028, "too_many_requests")
    async with asyncio.timeout(10):
        async with DeribitClient.connect(url=server.url) as client:
            with pytest.raises(errors.TooManyRequests) as caught:
                await client.get_time()
            # The connection goes on after an error reply.
            assert isinstance(await client.get_time(), int)
    assert caught.value.code == 10028
    assert caught.value.message == "too_many_requests"
    assert isinstance(caught.value, errors.DeribitError)


async def test_error_example_from_the_spec(server: SpecServer) -> None:
    async with asyncio.timeout(10):
        async with DeribitClient.connect(
            url=server.url, client_id="id", client_secret="secret"
        ) as client:
            with pytest.raises(errors.DeribitError) as caught:
                await client.cancel(order_id="1")
    assert caught.value.code == 10004
    assert isinstance(caught.value, errors.OrderNotFound)


async def test_request_the_server_never_answers_times_out(server: SpecServer) -> None:
    server.never_answer("public/get_time")
    async with asyncio.timeout(10):
        async with DeribitClient.connect(url=server.url, request_timeout=0.2) as client:
            with pytest.raises(RequestTimeout):
                await client.get_time()
            server.answer("public/get_time")
            assert isinstance(await client.get_time(), int)
