"""Observability that tells the truth: restore durations from the drop, the connected
gauge after a clean close, subscribe requests counted, a recovered error marked as such,
dropped messages logged (rate-limited), the documented Prometheus endpoint on loopback.

The generated Deribit client against a SpecServer on 127.0.0.1; bounded in time.
"""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from deribit import DeribitClient
from nova_runtime import ConnectOptions, ReconnectPolicy, sender
from nova_runtime.sinks import PrometheusSink
from nova_runtime.telemetry import (
    ConnectionRestored,
    FanOut,
    InMemoryMetrics,
    Reconnecting,
    RequestCompleted,
)
from prometheus_client import CollectorRegistry

from nova_gen.testing import SpecServer

from .streams import take

ROOT = Path(__file__).resolve().parents[2]
FAST = ReconnectPolicy(initial_delay=0.05, multiplier=2.0, max_delay=0.2, reset_after=60.0)


async def test_no_event_is_built_while_no_sink_listens(
    server: SpecServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default is no sink: requests build no event (diagnostics still time them);
    ``client.metrics`` listens from its first use; a sink given as an option from the start."""
    built: list[str] = []

    def spy(**fields: Any) -> RequestCompleted:
        built.append(fields["method"])
        return RequestCompleted(**fields)

    monkeypatch.setattr(sender, "RequestCompleted", spy)
    async with asyncio.timeout(20):
        async with DeribitClient.connect(url=server.url) as client:
            for _ in range(3):
                await client.get_time()
            assert built == [] and client.diagnostics().latency_p50 is not None
            metrics = client.metrics  # first use: it listens from now on
            assert metrics.count("request_completed") == 0
            await client.get_time()
            assert client.metrics is metrics and metrics.count("request_completed", "public/get_time:ok") == 1
            assert built == ["public/get_time"]
        memory = InMemoryMetrics()
        options = ConnectOptions(telemetry=memory)
        async with DeribitClient.connect(url=server.url, options=options) as client:
            await client.get_time()
            assert client.metrics is memory
            assert memory.count("connection_opened") == 1 and memory.count("request_completed") == 1


async def test_restore_duration_counts_from_the_drop(server: SpecServer) -> None:
    options = ConnectOptions(reconnect=FAST, telemetry=InMemoryMetrics())
    async with asyncio.timeout(20):
        async with DeribitClient.connect(url=server.url, options=options) as client:
            await client.subscribe_ticker(instrument_name="BTC-PERPETUAL", interval="100ms")
            server.refuse_connections(3)  # three failed attempts, each after a back-off
            server.drop_connections()
            await server.wait_for(lambda: server.connections == 2 and client.state == "open")
            events = list(client.metrics.recent)
    (restored,) = [e for e in events if isinstance(e, ConnectionRestored)]
    delays = [e.delay for e in events if isinstance(e, Reconnecting)]
    assert len(delays) == 4  # the refused three and the one that worked
    # Downtime includes every back-off before the socket that worked was even opened.
    assert restored.duration >= sum(delays)


async def test_gauges_and_counters_tell_the_truth(
    server: SpecServer, caplog: pytest.LogCaptureFixture
) -> None:
    registry = CollectorRegistry()
    memory = InMemoryMetrics()
    options = ConnectOptions(
        reconnect=FAST,
        telemetry=FanOut(memory, PrometheusSink(registry)),
        subscription_buffer=5,
        overflow="drop_oldest",
    )

    def gauge(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, {"api": "deribit", **labels})

    async with asyncio.timeout(20):
        with caplog.at_level(logging.WARNING, logger="nova"):
            async with DeribitClient.connect(url=server.url, options=options) as client:
                ticker = await client.subscribe_ticker(
                    instrument_name="BTC-PERPETUAL", interval="100ms"
                )
                assert gauge("nova_connected") == 1
                # Subscribe requests are requests: counted and timed.
                assert memory.count("request_completed", "public/subscribe:ok") == 1
                assert gauge("nova_requests_total", method="public/subscribe", ok="true") == 1

                # Nobody reads the iterator: its buffer of 5 overflows, and that is logged.
                await server.wait_for(lambda: ticker.dropped >= 50)
                dropped = [r for r in caplog.records if "dropped" in r.getMessage()]
                assert 1 <= len(dropped) <= 10  # rate-limited, not one line per message
                assert ticker.address in dropped[0].getMessage()

                # A drop, then recovery: the last error stays visible but marked recovered.
                server.drop_connections()
                await server.wait_for(lambda: server.connections == 2 and client.state == "open")
                await take(ticker, 1)
                diag = client.diagnostics()
                assert diag.last_error is not None and diag.last_error_recovered
                assert not any(i.startswith("last error") for i in diag.issues())
                assert "(recovered)" in str(diag)
                assert gauge("nova_connected") == 1
        # A clean close: not connected any more.
        assert gauge("nova_connected") == 0
        assert memory.connected is False
        assert gauge("nova_connections_closed_total", clean="true") == 1


def test_the_documented_prometheus_endpoint_listens_on_loopback() -> None:
    text = (ROOT / "docs" / "observability.md").read_text(encoding="utf-8")
    calls = re.findall(r"start_http_server\(([^)]*)\)", text)
    assert calls
    assert all('addr="127.0.0.1"' in args for args in calls), calls
