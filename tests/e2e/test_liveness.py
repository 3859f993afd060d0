"""Streams that go quiet while the socket stays healthy, and ``client.reconnect()``.

The generated Deribit client against a SpecServer on 127.0.0.1 whose streams are muted
(:meth:`SpecServer.mute`): the server goes on answering requests and WebSocket pings but
sends no more data, a known failure of exchange gateways. The connection's no-data
watchdog (``ConnectOptions.idle_timeout``) replaces the connection; a channel's
``stale_after`` resubscribes that channel on the same connection (or replaces the
connection when its method cannot unsubscribe). Every test is bounded by
``asyncio.timeout``.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from deribit import DeribitClient, DeribitHandlers
from deribit._protocol import PROTOCOL
from nova_runtime import (
    ConnectionClosed,
    ConnectOptions,
    Connector,
    Heartbeat,
    ReconnectPolicy,
)
from nova_runtime.telemetry import InMemoryMetrics

from nova_gen.loader import load_api
from nova_gen.testing import SpecServer

from .recorders import Disconnects
from .streams import fresh, take

SPECS = Path(__file__).resolve().parents[2] / "specs"
FAST = ReconnectPolicy(initial_delay=0.01, multiplier=2.0, max_delay=0.05, reset_after=60.0)
TICKER = "ticker.BTC-PERPETUAL.100ms"
TRADES = "trades.BTC-PERPETUAL.100ms"
PINGS = Heartbeat(ws_ping_interval=0.05, ws_ping_timeout=2.0)
"""WebSocket pings every 50 ms: the muted server keeps answering them."""

@pytest.fixture
async def server() -> AsyncIterator[SpecServer]:
    async with SpecServer(load_api(SPECS / "deribit.yaml"), notify_interval=0.01) as running:
        yield running


def connect_with(protocol: Any, server: SpecServer, options: ConnectOptions) -> Any:
    """A Deribit client speaking a variant of the generated protocol."""
    return Connector(
        DeribitClient, protocol, url=server.url, handlers=DeribitHandlers(), options=options
    )


async def muted_ticker_resumes(client: Any, server: SpecServer) -> None:
    ticker = await client.subscribe_ticker(instrument_name="BTC-PERPETUAL", interval="100ms")
    assert len(await take(ticker, 3)) == 3
    server.mute(TICKER)
    assert len(await fresh(client, ticker, 5)) == 5


async def ticker_and_trades(client: DeribitClient) -> tuple[Any, Any]:
    """Both BTC-PERPETUAL streams, the ticker shown to flow."""
    ticker = await client.subscribe_ticker(instrument_name="BTC-PERPETUAL", interval="100ms")
    trades = await client.subscribe_trades(instrument_name="BTC-PERPETUAL", interval="100ms")
    assert len(await take(ticker, 3)) == 3
    return ticker, trades


def subscribes_of(server: SpecServer, n: int, method: str = "public/subscribe") -> Counter[str]:
    counts: Counter[str] = Counter()
    for wire, params in server.connection_log(n):
        if wire == method:
            counts.update(params["channels"])
    return counts


@pytest.mark.asyncio
async def test_idle_timeout_replaces_a_connection_that_answers_pings_but_sends_nothing(
    server: SpecServer,
) -> None:
    options = ConnectOptions(reconnect=FAST, heartbeat=PINGS, idle_timeout=1.0, telemetry=InMemoryMetrics())
    async with asyncio.timeout(15):
        async with DeribitClient.connect(url=server.url, options=options) as client:
            ticker = await client.subscribe_ticker(
                instrument_name="BTC-PERPETUAL", interval="100ms"
            )
            assert len(await take(ticker, 3)) == 3
            server.mute()
            # The iterator resumes: with messages from a second connection.
            assert len(await fresh(client, ticker, 5)) == 5
            assert server.connections == 2
            assert subscribes_of(server, 2) == {TICKER: 1}
            assert client.metrics.count("stream_stale", "reconnect") == 1
            stale = [e for e in client.metrics.recent if e.name == "stream_stale"]
            assert stale[0].address is None  # type: ignore[attr-defined]
            # The muted connection answered every WebSocket ping: no heartbeat was missed.
            assert client.metrics.count("heartbeat_missed") == 0
            assert client.diagnostics().reconnects == 1


@pytest.mark.asyncio
async def test_a_stale_channel_is_resubscribed_on_the_same_connection(
    server: SpecServer,
) -> None:
    options = ConnectOptions(
        reconnect=FAST, heartbeat=PINGS, stale_after={"ticker": 1.0}, telemetry=InMemoryMetrics()
    )
    async with asyncio.timeout(15):
        async with DeribitClient.connect(url=server.url, options=options) as client:
            ticker, trades = await ticker_and_trades(client)
            server.mute(TICKER)
            assert len(await fresh(client, ticker, 5)) == 5
            # Only that channel was subscribed again, on the same connection.
            assert server.connections == 1
            assert subscribes_of(server, 1) == {TICKER: 2, TRADES: 1}
            assert subscribes_of(server, 1, "public/unsubscribe") == {TICKER: 1}
            assert client.metrics.count("stream_stale", "resubscribe") == 1
            assert client.diagnostics().reconnects == 0
            assert len(await fresh(client, trades, 3)) == 3


@pytest.mark.asyncio
async def test_a_channel_silent_on_a_new_connection_too_is_left_alone(
    server: SpecServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Resubscribed, then the connection replaced, then no more: a symbol that stopped
    trading must not make the client reconnect for ever."""
    options = ConnectOptions(
        reconnect=FAST, heartbeat=PINGS, stale_after={"ticker": 1.0}, telemetry=InMemoryMetrics()
    )
    async with asyncio.timeout(20):
        async with DeribitClient.connect(url=server.url, options=options) as client:
            ticker, trades = await ticker_and_trades(client)
            server.mute(TICKER, forever=True)
            await server.wait_for(lambda: "leaving it subscribed" in caplog.text, timeout=15)
            assert client.metrics.count("stream_stale", "resubscribe") == 1
            assert client.metrics.count("stream_stale", "reconnect") == 1
            assert server.connections == 2
            assert len(await fresh(client, trades, 3)) == 3  # the rest flows on
            assert client.state == "open"


@pytest.mark.asyncio
async def test_a_stale_channel_whose_method_cannot_unsubscribe_replaces_the_connection(
    server: SpecServer,
) -> None:
    methods = {
        name: dataclasses.replace(method, unsubscribe=None)
        for name, method in PROTOCOL.subscribe_methods.items()
    }
    protocol = dataclasses.replace(PROTOCOL, subscribe_methods=methods)
    options = ConnectOptions(
        reconnect=FAST, heartbeat=PINGS, stale_after={"ticker": 1.0}, telemetry=InMemoryMetrics()
    )
    async with asyncio.timeout(15):
        async with connect_with(protocol, server, options) as client:
            await muted_ticker_resumes(client, server)
            assert server.connections == 2
            assert subscribes_of(server, 2) == {TICKER: 1}
            assert client.metrics.count("stream_stale", "reconnect") == 1


@pytest.mark.asyncio
async def test_a_stale_channel_from_the_spec_is_watched_without_options() -> None:
    stale = dataclasses.replace(PROTOCOL.channels[0], stale_after=1.0)
    protocol = dataclasses.replace(PROTOCOL, channels=(stale, *PROTOCOL.channels[1:]))
    assert stale.name == "ticker"
    api = load_api(SPECS / "deribit.yaml")
    options = ConnectOptions(reconnect=FAST, heartbeat=PINGS, telemetry=InMemoryMetrics())
    async with SpecServer(api, notify_interval=0.01) as server, asyncio.timeout(15):
        async with connect_with(protocol, server, options) as client:
            await muted_ticker_resumes(client, server)
            assert subscribes_of(server, 1) == {TICKER: 2}
            assert client.metrics.count("stream_stale", "resubscribe") == 1


@pytest.mark.asyncio
async def test_stale_after_for_an_unknown_channel_is_a_value_error(server: SpecServer) -> None:
    options = ConnectOptions(stale_after={"tickr": 1.0})
    async with asyncio.timeout(10):
        with pytest.raises(ValueError, match="no channel 'tickr'"):
            await DeribitClient.connect(url=server.url, options=options)


@pytest.mark.asyncio
async def test_reconnect_replaces_the_connection_and_restores_everything(
    server: SpecServer,
) -> None:
    handlers = Disconnects()
    options = ConnectOptions(reconnect=FAST)
    async with asyncio.timeout(15):
        client = await DeribitClient.connect(url=server.url, handlers=handlers, options=options)
        ticker = await client.subscribe_ticker(instrument_name="BTC-PERPETUAL", interval="100ms")
        assert len(await take(ticker, 3)) == 3
        await client.reconnect(reason="the book looks stale")
        # Returned once the new connection is live with every subscription restored.
        assert client.state == "open"
        assert server.connections == 2
        assert subscribes_of(server, 2) == {TICKER: 1}
        assert "the book looks stale" in handlers.reasons[-1].reason
        assert client.diagnostics().reconnects == 1
        assert len(await fresh(client, ticker, 3)) == 3
        assert isinstance(await client.get_time(), int)
        await client.close()
        with pytest.raises(ConnectionClosed):
            await client.reconnect(reason="too late")


def test_shipped_specs_declare_stale_after_where_the_api_documents_a_rate() -> None:
    from binance._protocol import PROTOCOL as BINANCE
    from coinbase._protocol import PROTOCOL as COINBASE

    def declared(protocol: Any) -> dict[str, float]:
        return {c.name: c.stale_after for c in protocol.channels if c.stale_after is not None}

    assert declared(BINANCE) == {"kline": 10.0, "partial_depth": 5.0, "ticker": 10.0}
    assert declared(COINBASE) == {"candles": 10.0, "heartbeats": 5.0}
    assert declared(PROTOCOL) == {}  # Deribit documents no guaranteed rate
