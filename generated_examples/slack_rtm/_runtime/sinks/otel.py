"""A :class:`~..telemetry.TelemetrySink` that records OpenTelemetry metrics.

Instruments (attributes in brackets; every one also has ``nova.api``):

* ``nova.requests`` counter [``method``, ``ok``]
* ``nova.request.duration`` histogram, seconds [``method``]
* ``nova.connections.opened`` / ``nova.connections.closed`` counters [closed: ``clean``]
* ``nova.connections.active`` up-down counter (+1 on open/restore, -1 on close)
* ``nova.reconnects`` counter; ``nova.reconnect.duration`` histogram, seconds
* ``nova.subscriptions.transitions`` counter [``state``] (the new state)
* ``nova.frames.dropped`` counter [``address``]
* ``nova.rate_limited`` counter [``method``, ``raised``]
* ``nova.heartbeats.missed`` counter [``kind``]
* ``nova.errors`` counter [``error.type``]
* ``nova.auth`` counter [``refreshed``]

Only ``opentelemetry-api`` is needed; without an SDK configured the API's no-op meter
makes every call free. Configure a ``MeterProvider`` (SDK + exporter) to export.
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

__all__ = ["OpenTelemetrySink"]

_HINT = (
    "OpenTelemetrySink needs opentelemetry-api: "
    "pip install nova-runtime[otel] (or opentelemetry-api)"
)


def _import() -> Any:
    try:
        return importlib.import_module("opentelemetry.metrics")
    except ImportError as exc:
        raise ImportError(_HINT) from exc


class OpenTelemetrySink(TelemetrySink):
    """Telemetry into OpenTelemetry instruments created on ``meter``
    (default: ``opentelemetry.metrics.get_meter("nova")`` from the global provider)."""

    def __init__(self, meter: Any = None) -> None:
        if meter is None:
            meter = _import().get_meter("nova")
        self.meter = meter
        c = meter.create_counter
        self.requests = c(
            "nova.requests", unit="{request}", description="Requests completed"
        )
        self.duration = meter.create_histogram(
            "nova.request.duration", unit="s", description="Request latency"
        )
        self.opened = c("nova.connections.opened", unit="{connection}")
        self.closed = c("nova.connections.closed", unit="{connection}")
        self.active = meter.create_up_down_counter(
            "nova.connections.active", unit="{connection}"
        )
        self.reconnects = c("nova.reconnects", unit="{attempt}")
        self.restore = meter.create_histogram(
            "nova.reconnect.duration",
            unit="s",
            description="Seconds from a drop to restored",
        )
        self.transitions = c("nova.subscriptions.transitions", unit="{transition}")
        self.dropped = c("nova.frames.dropped", unit="{frame}")
        self.rate_limited = c("nova.rate_limited", unit="{send}")
        self.heartbeat = c("nova.heartbeats.missed", unit="{heartbeat}")
        self.stale = c("nova.streams.stale", unit="{stream}")
        self.errors = c("nova.errors", unit="{error}")
        self.auth = c("nova.auth", unit="{auth}")
        self.unexpected = c("nova.frames.unexpected", unit="{frame}")
        self.drift = c("nova.schema.drift", unit="{field}")
        self._open: set[str] = set()
        self._dropped: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def _set_open(self, api: str, is_open: bool) -> None:
        with self._lock:
            was = api in self._open
            if is_open and not was:
                self._open.add(api)
            elif not is_open and was:
                self._open.discard(api)
            else:
                return
        self.active.add(1 if is_open else -1, {"nova.api": api})

    def emit(self, event: TelemetryEvent) -> None:
        api = event.api
        attrs: dict[str, str | bool] = {"nova.api": api}
        if isinstance(event, RequestCompleted):
            self.requests.add(1, {**attrs, "method": event.method, "ok": event.ok})
            self.duration.record(event.latency, {**attrs, "method": event.method})
        elif isinstance(event, ConnectionOpened):
            self.opened.add(1, attrs)
            self._set_open(api, True)
        elif isinstance(event, ConnectionClosed):
            self.closed.add(1, {**attrs, "clean": event.clean})
            self._set_open(api, False)
        elif isinstance(event, Reconnecting):
            self.reconnects.add(1, attrs)
            self._set_open(api, False)
        elif isinstance(event, ConnectionRestored):
            self.restore.record(event.duration, attrs)
            self._set_open(api, True)
        elif isinstance(event, SubscriptionStateChanged):
            self.transitions.add(1, {**attrs, "state": event.new})
        elif isinstance(event, FrameDropped):
            with self._lock:
                key = (api, event.address)
                last = self._dropped.get(key, 0)
                total = event.dropped_total
                delta = total - last if total >= last else total
                self._dropped[key] = total
            if delta > 0:
                self.dropped.add(delta, {**attrs, "address": event.address})
        elif isinstance(event, RateLimited):
            self.rate_limited.add(
                1, {**attrs, "method": event.method, "raised": event.raised}
            )
        elif isinstance(event, HeartbeatMissed):
            self.heartbeat.add(1, {**attrs, "kind": event.kind})
        elif isinstance(event, StreamStale):
            self.stale.add(1, {**attrs, "action": event.action})
        elif isinstance(event, ErrorOccurred):
            self.errors.add(1, {**attrs, "error.type": event.error_type})
        elif isinstance(event, AuthCompleted):
            self.auth.add(1, {**attrs, "refreshed": event.refreshed})
        elif isinstance(event, UnexpectedFrame):
            self.unexpected.add(1, {**attrs, "kind": event.kind})
        elif isinstance(event, SchemaDrift):
            for name in event.fields:
                self.drift.add(1, {**attrs, "channel": event.channel, "field": name})
