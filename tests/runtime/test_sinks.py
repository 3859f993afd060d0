"""The Prometheus and OpenTelemetry sinks, against a fresh registry / an in-memory reader."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import pytest
from nova_runtime.sinks import OpenTelemetrySink, PrometheusSink
from nova_runtime.telemetry import (
    AuthCompleted,
    ConnectionClosed,
    ConnectionOpened,
    ConnectionRestored,
    ErrorOccurred,
    FanOut,
    FrameDropped,
    HeartbeatMissed,
    InMemoryMetrics,
    RateLimited,
    Reconnecting,
    RequestCompleted,
    SubscriptionStateChanged,
    TelemetryEvent,
)

prometheus_client = pytest.importorskip("prometheus_client")
API = "deribit"
URL = "wss://test.deribit.com/ws/api/v2"


def session() -> list[TelemetryEvent]:
    """A plausible life: connect, auth, subscribe, requests, drops, a reconnect."""
    return [
        ConnectionOpened(api=API, url=URL, attempt=1),
        AuthCompleted(api=API, refreshed=False, expires_in=900.0),
        SubscriptionStateChanged(api=API, address="ticker.BTC", old="new", new="pending"),
        SubscriptionStateChanged(api=API, address="ticker.BTC", old="pending", new="active"),
        SubscriptionStateChanged(api=API, address="trades.BTC", old="new", new="pending"),
        SubscriptionStateChanged(api=API, address="trades.BTC", old="pending", new="active"),
        RequestCompleted(api=API, method="public/get_time", latency=0.004, ok=True),
        RequestCompleted(api=API, method="public/get_time", latency=0.020, ok=True),
        RequestCompleted(api=API, method="private/buy", latency=0.3, ok=False, error_code=10009),
        RateLimited(api=API, method="private/buy", wait=0.1, raised=False),
        RateLimited(api=API, method="private/buy", wait=0.0, raised=True),
        FrameDropped(api=API, address="trades.BTC", policy="drop_oldest", dropped_total=3),
        FrameDropped(api=API, address="trades.BTC", policy="drop_oldest", dropped_total=10),
        HeartbeatMissed(api=API, kind="app_ping"),
        ConnectionClosed(api=API, url=URL, code=1006, reason="abnormal", clean=False),
        Reconnecting(api=API, attempt=1, delay=0.5, reason="connection lost"),
        Reconnecting(api=API, attempt=2, delay=1.0, reason="connect failed"),
        ErrorOccurred(api=API, error_type="ConnectionLost", message="abnormal", context="recv"),
        ConnectionOpened(api=API, url=URL, attempt=3),
        AuthCompleted(api=API, refreshed=True, expires_in=900.0),
        ConnectionRestored(api=API, url=URL, subscriptions=2, duration=2.2),
    ]


# -- Prometheus ------------------------------------------------------------------------


def test_prometheus_sink_updates_metrics() -> None:
    registry = prometheus_client.CollectorRegistry()
    sink = PrometheusSink(registry=registry)
    for event in session():
        sink.emit(event)

    def value(name: str, **labels: str) -> float | None:
        result: float | None = registry.get_sample_value(name, labels)
        return result

    assert value("nova_requests_total", api=API, method="public/get_time", ok="true") == 2
    assert value("nova_requests_total", api=API, method="private/buy", ok="false") == 1
    assert value("nova_request_latency_seconds_count", api=API, method="public/get_time") == 2
    assert value("nova_request_latency_seconds_sum", api=API, method="public/get_time") == (
        pytest.approx(0.024)
    )
    assert value(
        "nova_request_latency_seconds_bucket", api=API, method="public/get_time", le="0.005"
    ) == 1
    assert value("nova_connections_opened_total", api=API) == 2
    assert value("nova_connections_closed_total", api=API, clean="false") == 1
    assert value("nova_connected", api=API) == 1
    assert value("nova_reconnects_total", api=API) == 2
    assert value("nova_reconnect_duration_seconds_count", api=API) == 1
    assert value("nova_subscriptions", api=API, state="active") == 2
    assert value("nova_subscriptions", api=API, state="pending") == 0
    assert value("nova_frames_dropped_total", api=API, address="trades.BTC") == 10
    assert value("nova_rate_limited_total", api=API, method="private/buy", raised="false") == 1
    assert value("nova_rate_limited_total", api=API, method="private/buy", raised="true") == 1
    assert value("nova_heartbeat_missed_total", api=API, kind="app_ping") == 1
    assert value("nova_errors_total", api=API, error_type="ConnectionLost") == 1
    assert value("nova_auth_total", api=API, refreshed="false") == 1
    assert value("nova_auth_total", api=API, refreshed="true") == 1


def test_prometheus_connection_gauge_follows_state() -> None:
    registry = prometheus_client.CollectorRegistry()
    sink = PrometheusSink(registry=registry)
    sink.emit(ConnectionOpened(api=API, url=URL, attempt=1))
    assert registry.get_sample_value("nova_connected", {"api": API}) == 1
    sink.emit(ConnectionClosed(api=API, url=URL, code=1000, reason="bye", clean=True))
    assert registry.get_sample_value("nova_connected", {"api": API}) == 0
    assert registry.get_sample_value("nova_connections_closed_total",
                                     {"api": API, "clean": "true"}) == 1


def test_prometheus_sinks_share_a_registry_and_namespace() -> None:
    registry = prometheus_client.CollectorRegistry()
    a = PrometheusSink(registry=registry)
    b = PrometheusSink(registry=registry)  # a second client: no "Duplicated timeseries"
    a.emit(HeartbeatMissed(api="one", kind="ws_ping"))
    b.emit(HeartbeatMissed(api="two", kind="ws_ping"))
    assert registry.get_sample_value("nova_heartbeat_missed_total",
                                     {"api": "one", "kind": "ws_ping"}) == 1
    assert registry.get_sample_value("nova_heartbeat_missed_total",
                                     {"api": "two", "kind": "ws_ping"}) == 1
    c = PrometheusSink(registry=registry, namespace="mybot")
    c.emit(HeartbeatMissed(api="one", kind="ws_ping"))
    assert registry.get_sample_value("mybot_heartbeat_missed_total",
                                     {"api": "one", "kind": "ws_ping"}) == 1


def test_prometheus_exposition_has_no_secrets() -> None:
    registry = prometheus_client.CollectorRegistry()
    sink = PrometheusSink(registry=registry)
    for event in session():
        sink.emit(event)
    text = prometheus_client.generate_latest(registry).decode()
    assert "nova_requests_total" in text
    assert "abnormal" not in text  # free-text messages and reasons are not labels


def test_prometheus_sink_in_a_fan_out_with_the_default() -> None:
    registry = prometheus_client.CollectorRegistry()
    memory = InMemoryMetrics()
    fan = FanOut(memory, PrometheusSink(registry=registry))
    for event in session():
        fan.emit(event)
    assert memory.count(RequestCompleted) == 3
    assert registry.get_sample_value("nova_reconnects_total", {"api": API}) == 2


def _hide(monkeypatch: pytest.MonkeyPatch, module: str) -> None:
    real_import = importlib.import_module

    def fake(name: str, package: str | None = None) -> Any:
        if name == module or name.startswith(module + "."):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return real_import(name, package)

    monkeypatch.setattr(importlib, "import_module", fake)
    for name in list(sys.modules):
        if name == module or name.startswith(module + "."):
            monkeypatch.delitem(sys.modules, name)


def test_prometheus_missing_library_message(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide(monkeypatch, "prometheus_client")
    hint = r"pip install nova-runtime\[prometheus\] \(or prometheus-client\)"
    with pytest.raises(ImportError, match=hint):
        PrometheusSink()


# -- OpenTelemetry ---------------------------------------------------------------------


def otel_points(reader: Any) -> dict[str, list[Any]]:
    data = reader.get_metrics_data()
    out: dict[str, list[Any]] = {}
    for rm in data.resource_metrics:
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                out.setdefault(metric.name, []).extend(metric.data.data_points)
    return out


def point(points: dict[str, list[Any]], name: str, **attrs: object) -> Any:
    matches = [p for p in points[name] if all(p.attributes.get(k) == v for k, v in attrs.items())]
    assert len(matches) == 1, (name, attrs, [p.attributes for p in points[name]])
    return matches[0]


def test_otel_sink_records_instruments() -> None:
    pytest.importorskip("opentelemetry.sdk")
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader

    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    sink = OpenTelemetrySink(provider.get_meter("nova-test"))
    for event in session():
        sink.emit(event)
    assert_session_points(otel_points(reader))


def assert_session_points(pts: dict[str, list[Any]]) -> None:
    """The instruments' values after :func:`session`."""
    base = {"nova.api": API}
    assert point(pts, "nova.requests", **base, method="public/get_time", ok=True).value == 2
    assert point(pts, "nova.requests", **base, method="private/buy", ok=False).value == 1
    hist = point(pts, "nova.request.duration", **base, method="public/get_time")
    assert hist.count == 2 and hist.sum == pytest.approx(0.024)
    assert point(pts, "nova.connections.opened", **base).value == 2
    assert point(pts, "nova.connections.closed", **base, clean=False).value == 1
    assert point(pts, "nova.connections.active", **base).value == 1
    assert point(pts, "nova.reconnects", **base).value == 2
    assert point(pts, "nova.reconnect.duration", **base).count == 1
    assert point(pts, "nova.subscriptions.transitions", **base, state="active").value == 2
    assert point(pts, "nova.frames.dropped", **base, address="trades.BTC").value == 10
    assert point(pts, "nova.rate_limited", **base, method="private/buy", raised=True).value == 1
    assert point(pts, "nova.heartbeats.missed", **base, kind="app_ping").value == 1
    assert point(pts, "nova.errors", **base, **{"error.type": "ConnectionLost"}).value == 1
    assert point(pts, "nova.auth", **base, refreshed=True).value == 1


def test_otel_sink_without_a_meter_uses_the_global_api(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("opentelemetry.sdk")
    from opentelemetry import metrics
    from opentelemetry.metrics import _internal as otel_global
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.util._once import Once

    # A fresh global provider for this test only (the API lets a process set it once).
    monkeypatch.setattr(otel_global, "_METER_PROVIDER_SET_ONCE", Once())
    monkeypatch.setattr(otel_global, "_METER_PROVIDER", None)
    reader = InMemoryMetricReader()
    metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
    sink = OpenTelemetrySink()  # no meter: the global provider's "nova" meter
    for event in session():
        sink.emit(event)
    assert_session_points(otel_points(reader))


def test_otel_missing_library_message(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide(monkeypatch, "opentelemetry")
    with pytest.raises(ImportError, match=r"pip install nova-runtime\[otel\] \(or opentelemetry-api\)"):
        OpenTelemetrySink()


def test_importing_sinks_does_not_import_the_libraries() -> None:
    import subprocess

    code = (
        "import sys, nova_runtime.sinks, nova_runtime.telemetry;"
        "print('prometheus_client' in sys.modules, 'opentelemetry' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
