"""A :class:`~..telemetry.TelemetrySink` that updates ``prometheus_client`` metrics.

Metrics (``nova`` is the ``namespace``; every one is labelled with ``api``):

========================================  =========  ===============================
name                                      type       labels
========================================  =========  ===============================
nova_requests_total                       counter    api, method, ok
nova_request_latency_seconds              histogram  api, method
nova_connections_opened_total             counter    api
nova_connections_closed_total             counter    api, clean
nova_connected                            gauge      api (1 open, 0 not)
nova_reconnects_total                     counter    api
nova_reconnect_duration_seconds           histogram  api (drop to restored)
nova_subscriptions                        gauge      api, state
nova_frames_dropped_total                 counter    api, address
nova_rate_limited_total                   counter    api, method, raised
nova_heartbeat_missed_total               counter    api, kind
nova_streams_stale_total                  counter    api, action
nova_errors_total                         counter    api, error_type
nova_auth_total                           counter    api, refreshed
nova_unexpected_frames_total              counter    api, kind
nova_schema_drift_total                   counter    api, channel, field
========================================  =========  ===============================

Several sinks on one registry (one per client) share the metrics: the ``api`` label
tells the clients apart.
"""

from __future__ import annotations

import importlib
import threading
from typing import Any

from ..telemetry import (
    AuthCompleted,
    ConnectionClosed,
    ConnectionOpened,
    ConnectionRestored,
    ErrorOccurred,
    FrameDropped,
    HeartbeatMissed,
    RateLimited,
    Reconnecting,
    RequestCompleted,
    SchemaDrift,
    StreamStale,
    SubscriptionStateChanged,
    TelemetryEvent,
    TelemetrySink,
    UnexpectedFrame,
)

__all__ = ["DEFAULT_BUCKETS", "PrometheusSink"]

DEFAULT_BUCKETS: tuple[float, ...] = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
)

_HINT = (
    "PrometheusSink needs prometheus_client: "
    "pip install nova-runtime[prometheus] (or prometheus-client)"
)


def _import() -> Any:
    try:
        return importlib.import_module("prometheus_client")
    except ImportError as exc:
        raise ImportError(_HINT) from exc


class _Metrics:
    def __init__(
        self, prom: Any, registry: Any, ns: str, buckets: tuple[float, ...]
    ) -> None:
        c, h, g = prom.Counter, prom.Histogram, prom.Gauge
        kw: dict[str, Any] = {"namespace": ns, "registry": registry}
        self.requests = c(
            "requests_total", "Requests completed", ["api", "method", "ok"], **kw
        )
        self.latency = h(
            "request_latency_seconds",
            "Request latency",
            ["api", "method"],
            buckets=buckets,
            **kw,
        )
        self.opened = c("connections_opened_total", "Connections opened", ["api"], **kw)
        self.closed = c(
            "connections_closed_total", "Connections closed", ["api", "clean"], **kw
        )
        self.connected = g("connected", "1 while the connection is open", ["api"], **kw)
        self.reconnects = c("reconnects_total", "Reconnect attempts", ["api"], **kw)
        self.restore = h(
            "reconnect_duration_seconds",
            "Seconds from a drop to the restored connection",
            ["api"],
            buckets=(0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0),
            **kw,
        )
        self.subscriptions = g(
            "subscriptions", "Subscriptions by state", ["api", "state"], **kw
        )
        self.dropped = c(
            "frames_dropped_total",
            "Frames dropped by overflow policies",
            ["api", "address"],
            **kw,
        )
        self.rate_limited = c(
            "rate_limited_total",
            "Sends delayed or refused by the rate limiter",
            ["api", "method", "raised"],
            **kw,
        )
        self.heartbeat = c(
            "heartbeat_missed_total", "Missed heartbeats", ["api", "kind"], **kw
        )
        self.stale = c(
            "streams_stale_total",
            "Streams that went quiet (no-data watchdogs)",
            ["api", "action"],
            **kw,
        )
        self.errors = c("errors_total", "Errors", ["api", "error_type"], **kw)
        self.auth = c(
            "auth_total", "Logins and token refreshes", ["api", "refreshed"], **kw
        )
        self.unexpected = c(
            "unexpected_frames_total",
            "Malformed, unknown, late and duplicate frames",
            ["api", "kind"],
            **kw,
        )
        self.drift = c(
            "schema_drift_total",
            "Messages delivered despite missing or invalid fields",
            ["api", "channel", "field"],
            **kw,
        )


_SHARED: dict[tuple[int, str], tuple[Any, _Metrics]] = {}
_SHARED_LOCK = threading.Lock()


class PrometheusSink(TelemetrySink):
    """Telemetry into Prometheus metrics on ``registry`` (default: the global ``REGISTRY``)."""

    def __init__(
        self,
        registry: Any = None,
        namespace: str = "nova",
        *,
        buckets: tuple[float, ...] = DEFAULT_BUCKETS,
    ) -> None:
        prom = _import()
        self.registry = prom.REGISTRY if registry is None else registry
        self.namespace = namespace
        with _SHARED_LOCK:
            key = (id(self.registry), namespace)
            shared = _SHARED.get(key)
            if shared is None or shared[0] is not self.registry:
                shared = (
                    self.registry,
                    _Metrics(prom, self.registry, namespace, buckets),
                )
                _SHARED[key] = shared
        self.metrics = shared[1]
        self._dropped: dict[tuple[str, str], int] = {}
        self._sub_states: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def emit(self, event: TelemetryEvent) -> None:
        m = self.metrics
        api = event.api
        if isinstance(event, RequestCompleted):
            m.requests.labels(api, event.method, _b(event.ok)).inc()
            m.latency.labels(api, event.method).observe(event.latency)
        elif isinstance(event, ConnectionOpened):
            m.opened.labels(api).inc()
            m.connected.labels(api).set(1)
        elif isinstance(event, ConnectionClosed):
            m.closed.labels(api, _b(event.clean)).inc()
            m.connected.labels(api).set(0)
        elif isinstance(event, Reconnecting):
            m.reconnects.labels(api).inc()
            m.connected.labels(api).set(0)
        elif isinstance(event, ConnectionRestored):
            m.restore.labels(api).observe(event.duration)
            m.connected.labels(api).set(1)
        elif isinstance(event, SubscriptionStateChanged):
            self._subscription(api, event)
        elif isinstance(event, FrameDropped):
            with self._lock:
                key = (api, event.address)
                last = self._dropped.get(key, 0)
                total = event.dropped_total
                delta = total - last if total >= last else total
                self._dropped[key] = total
            if delta > 0:
                m.dropped.labels(api, event.address).inc(delta)
        elif isinstance(event, RateLimited):
            m.rate_limited.labels(api, event.method, _b(event.raised)).inc()
        elif isinstance(event, HeartbeatMissed):
            m.heartbeat.labels(api, event.kind).inc()
        elif isinstance(event, StreamStale):
            m.stale.labels(api, event.action).inc()
        elif isinstance(event, ErrorOccurred):
            m.errors.labels(api, event.error_type).inc()
        elif isinstance(event, AuthCompleted):
            m.auth.labels(api, _b(event.refreshed)).inc()
        elif isinstance(event, UnexpectedFrame):
            m.unexpected.labels(api, event.kind).inc()
        elif isinstance(event, SchemaDrift):
            for name in event.fields:
                m.drift.labels(api, event.channel, name).inc()

    def _subscription(self, api: str, event: SubscriptionStateChanged) -> None:
        # The gauge is recomputed from the states this sink saw, so it cannot drift negative.
        with self._lock:
            self._sub_states[(api, event.address)] = event.new
            counts: dict[str, int] = {}
            for (a, _), state in self._sub_states.items():
                if a == api:
                    counts[state] = counts.get(state, 0) + 1
            for state in (event.old, event.new):
                counts.setdefault(state, 0)
        for state, n in counts.items():
            if state:
                self.metrics.subscriptions.labels(api, state).set(n)


def _b(value: bool) -> str:
    return "true" if value else "false"
