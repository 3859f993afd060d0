"""Telemetry: the sinks that receive the typed events (the MetricsCollector behaviour).

The asyncio layer builds one event (:mod:`.telemetry_events`, re-exported here) per
*interesting* thing and hands it to a :class:`TelemetrySink`, only when one listens. It
never emits per notification frame: frame and byte counts are plain integers on the
client, read through ``client.diagnostics()``.

Sinks (none by default, and then no event is built): :class:`InMemoryMetrics` (what
``client.metrics`` returns), :class:`FanOut` (several sinks, and isolation from a sink
that raises), :class:`NullSink`; Prometheus and OpenTelemetry in :mod:`.sinks`
(optional extras).
"""

from __future__ import annotations

import logging
import math
import threading
from collections import Counter, deque
from collections.abc import Iterable
from typing import Any, Protocol

from .telemetry_events import (
    EVENT_TYPES,
    AuthCompleted,
    ConnectionClosed,
    ConnectionOpened,
    ConnectionRestored,
    ErrorOccurred,
    FrameDropped,
    HeartbeatKind,
    HeartbeatMissed,
    RateLimited,
    Reconnecting,
    RequestCompleted,
    SchemaDrift,
    SequenceGap,
    StaleAction,
    StreamStale,
    SubscriptionStateChanged,
    TelemetryEvent,
    UnexpectedFrame,
    UnexpectedKind,
)

__all__ = [
    "EVENT_TYPES",
    "AuthCompleted",
    "ConnectionClosed",
    "ConnectionOpened",
    "ConnectionRestored",
    "ErrorOccurred",
    "FanOut",
    "FrameDropped",
    "HeartbeatKind",
    "HeartbeatMissed",
    "InMemoryMetrics",
    "NullSink",
    "RateLimited",
    "Reconnecting",
    "RequestCompleted",
    "SchemaDrift",
    "SequenceGap",
    "StaleAction",
    "StreamStale",
    "SubscriptionStateChanged",
    "TelemetryEvent",
    "TelemetrySink",
    "UnexpectedFrame",
    "UnexpectedKind",
    "percentile",
]

_log = logging.getLogger("nova.telemetry")


class TelemetrySink(Protocol):
    """Anything with ``emit(event)``. Must be cheap and must not block (it runs on the loop)."""

    def emit(self, event: TelemetryEvent) -> None: ...


class NullSink:
    """Discards everything."""

    def emit(self, event: TelemetryEvent) -> None:
        return None


class FanOut(TelemetrySink):
    """Send every event to several sinks. A sink that raises is logged once and skipped."""

    def __init__(self, *sinks: TelemetrySink) -> None:
        self.sinks: list[TelemetrySink] = list(sinks)
        self._complained: set[int] = set()

    def add(self, sink: TelemetrySink) -> None:
        self.sinks.append(sink)

    def remove(self, sink: TelemetrySink) -> None:
        self.sinks.remove(sink)
        self._complained.discard(id(sink))

    def emit(self, event: TelemetryEvent) -> None:
        for sink in self.sinks:
            try:
                sink.emit(event)
            except Exception:  # noqa: BLE001 - a failing sink must not break the client
                if id(sink) not in self._complained:
                    self._complained.add(id(sink))
                    _log.warning(
                        "telemetry sink %s raised on %s; further errors from it are not logged",
                        type(sink).__name__,
                        event.name,
                        exc_info=True,
                    )


def percentile(values: Iterable[float], p: float) -> float | None:
    """The ``p``-th percentile (0..100) with linear interpolation; None when empty."""
    if not 0.0 <= p <= 100.0 or math.isnan(p):
        raise ValueError(f"percentile must be within 0..100, got {p}")
    data = sorted(values)
    if not data:
        return None
    rank = (len(data) - 1) * p / 100.0
    lo = math.floor(rank)
    hi = math.ceil(rank)
    if lo == hi:
        return data[lo]
    return data[lo] + (data[hi] - data[lo]) * (rank - lo)


class InMemoryMetrics(TelemetrySink):
    """The in-memory sink (``client.metrics``): counters, a bounded latency window, the last events.

    * ``count(kind)``: events of a type (``"request_completed"`` or the class);
      ``count(kind, key)``: by key, where the key is
      ``"<method>:ok"``/``"<method>:error"`` for requests, the close code (``"1006"``,
      ``"none"``) for closes, the new state for subscriptions, the method for rate limits,
      the heartbeat kind, the error type, ``"login"``/``"refresh"`` for auth, the address
      for dropped frames, the kind of an unexpected frame, the channel of a schema drift
      (and ``count("schema_drift_field", "<channel>.<field>")`` per field).
    * ``percentile(p, method=None)``: request latency (seconds) over the last ``window``
      requests, overall or of one method.
    * ``recent``: the last ``recent_size`` events.
    * ``snapshot()``: all of it as a plain dict.

    Thread-safe: ``snapshot()`` may be called from another thread than the loop's.
    """

    def __init__(self, *, window: int = 10_000, recent_size: int = 100) -> None:
        if window < 1 or recent_size < 0:
            raise ValueError("window must be >= 1 and recent_size >= 0")
        self.window = window
        self.counts: Counter[str] = Counter()
        self.keyed: Counter[tuple[str, str]] = Counter()
        self.recent: deque[TelemetryEvent] = deque(maxlen=recent_size)
        self._latency: deque[float] = deque(maxlen=window)
        self._latency_by_method: dict[str, deque[float]] = {}
        self._dropped: dict[str, int] = {}  # address -> last dropped_total seen
        self._dropped_sum: Counter[str] = Counter()  # address -> frames dropped (sum of deltas)
        self._lock = threading.Lock()
        self.connected: bool | None = None
        self.last_error: ErrorOccurred | None = None
        self.last_restore: ConnectionRestored | None = None
        self.last_auth: AuthCompleted | None = None

    # -- emit --------------------------------------------------------------------------

    def emit(self, event: TelemetryEvent) -> None:
        key: str | None = None
        with self._lock:
            self.counts[event.name] += 1
            self.recent.append(event)
            if isinstance(event, RequestCompleted):
                key = f"{event.method}:{'ok' if event.ok else 'error'}"
                self._latency.append(event.latency)
                per = self._latency_by_method.get(event.method)
                if per is None:
                    per = self._latency_by_method[event.method] = deque(maxlen=self.window)
                per.append(event.latency)
            elif isinstance(event, ConnectionOpened):
                self.connected = True
            elif isinstance(event, ConnectionClosed):
                self.connected = False
                key = "none" if event.code is None else str(event.code)
            elif isinstance(event, Reconnecting):
                self.connected = False
            elif isinstance(event, ConnectionRestored):
                self.connected = True
                self.last_restore = event
            elif isinstance(event, SubscriptionStateChanged):
                key = event.new
            elif isinstance(event, RateLimited):
                key = event.method
            elif isinstance(event, HeartbeatMissed):
                key = event.kind
            elif isinstance(event, StreamStale):
                key = event.action
            elif isinstance(event, FrameDropped):
                key = event.address
                last = self._dropped.get(event.address, 0)
                # dropped_total is a running count; it restarts with a new subscription.
                delta = (
                    event.dropped_total - last
                    if event.dropped_total >= last
                    else (event.dropped_total)
                )
                self._dropped[event.address] = event.dropped_total
                self._dropped_sum[event.address] += delta
            elif isinstance(event, ErrorOccurred):
                key = event.error_type
                self.last_error = event
            elif isinstance(event, AuthCompleted):
                key = "refresh" if event.refreshed else "login"
                self.last_auth = event
            elif isinstance(event, UnexpectedFrame):
                key = event.kind
            elif isinstance(event, SchemaDrift):
                key = event.channel
                for name in event.fields:
                    self.keyed[("schema_drift_field", f"{event.channel}.{name}")] += 1
            if key is not None:
                self.keyed[(event.name, key)] += 1

    # -- queries -----------------------------------------------------------------------

    def count(self, kind: str | type[TelemetryEvent], key: str | None = None) -> int:
        """Events of a type (its ``name`` or the class), optionally only those with ``key``."""
        name = kind if isinstance(kind, str) else kind.name
        with self._lock:
            if key is None:
                return self.counts[name]
            return self.keyed[(name, key)]

    def dropped(self, address: str | None = None) -> int:
        """Frames dropped (sum over the ``FrameDropped`` events), for one address or all."""
        with self._lock:
            if address is None:
                return sum(self._dropped_sum.values())
            return self._dropped_sum[address]

    def latencies(self, method: str | None = None) -> list[float]:
        """A copy of the latency window (seconds), oldest first."""
        with self._lock:
            if method is None:
                return list(self._latency)
            return list(self._latency_by_method.get(method, ()))

    def percentile(self, p: float, method: str | None = None) -> float | None:
        """Request latency percentile ``p`` (0..100) in seconds; None when no request yet."""
        return percentile(self.latencies(method), p)

    def reset(self) -> None:
        with self._lock:
            self.counts.clear()
            self.keyed.clear()
            self.recent.clear()
            self._latency.clear()
            self._latency_by_method.clear()
            self._dropped.clear()
            self._dropped_sum.clear()
            self.connected = None
            self.last_error = self.last_restore = None
            self.last_auth = None

    def snapshot(self) -> dict[str, Any]:
        """A JSON-serialisable picture: counts, keyed counts, latency summaries, recent events."""
        with self._lock:
            counts = dict(self.counts)
            keyed: dict[str, dict[str, int]] = {}
            for (kind, key), n in sorted(self.keyed.items()):
                keyed.setdefault(kind, {})[key] = n
            overall = sorted(self._latency)
            by_method = {m: sorted(v) for m, v in sorted(self._latency_by_method.items())}
            recent = [e.to_dict() for e in self.recent]
            dropped = dict(self._dropped_sum)
            connected = self.connected
            last_error = self.last_error.to_dict() if self.last_error else None
            last_restore = self.last_restore.to_dict() if self.last_restore else None
            last_auth = self.last_auth.to_dict() if self.last_auth else None
        return {
            "counts": counts,
            "by_key": keyed,
            "latency": {
                "overall": _summary(overall),
                "by_method": {m: _summary(v) for m, v in by_method.items()},
            },
            "dropped": dropped,
            "connected": connected,
            "last_error": last_error,
            "last_restore": last_restore,
            "last_auth": last_auth,
            "recent": recent,
        }


def _summary(ordered: list[float]) -> dict[str, float | int | None]:
    """count/min/mean/p50/p90/p99/max of an already sorted list."""
    if not ordered:
        return {
            "count": 0,
            "min": None,
            "mean": None,
            "p50": None,
            "p90": None,
            "p99": None,
            "max": None,
        }
    return {
        "count": len(ordered),
        "min": ordered[0],
        "mean": sum(ordered) / len(ordered),
        "p50": percentile(ordered, 50),
        "p90": percentile(ordered, 90),
        "p99": percentile(ordered, 99),
        "max": ordered[-1],
    }
