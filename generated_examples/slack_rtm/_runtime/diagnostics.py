"""``client.diagnostics()``: one snapshot of a connection's health.

The Python form of ``WebsockexNova.Diagnostics.check_system``: ``str(diag)`` is a
readable multi-line report, ``diag.to_dict()`` the same facts as a JSON-serialisable
dict, and ``diag.issues()`` the things in it that look wrong.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Diagnostics", "SubscriptionInfo"]


@dataclass(frozen=True)
class SubscriptionInfo:
    """One subscription: its concrete ``address``, the spec ``channel`` it belongs to, its state,
    the frames waiting in its buffer, the frames dropped by its overflow policy, and how
    many consumers (iterators/callbacks) read it. ``unread``: messages pile up with no
    consumer reading them (a buffer at least half full while no consumer waits for the
    next message: a Subscription kept but not iterated, or a reader far behind)."""

    address: str
    channel: str
    state: str
    queue_depth: int
    dropped: int
    consumers: int
    unread: bool = False


@dataclass(frozen=True)
class Diagnostics:
    """A snapshot of one client. Times are wall clock (``time.time()``), latencies seconds."""

    api: str
    state: str
    server: str | None
    url: str
    connected_since: float | None
    reconnects: int
    last_error: str | None
    pending_requests: int
    subscriptions: tuple[SubscriptionInfo, ...]
    handler_queue_depth: int
    limiter_tokens: float | None
    frames_in: int
    frames_out: int
    bytes_in: int
    bytes_out: int
    latency_p50: float | None
    latency_p99: float | None
    authenticated: bool | None
    last_error_recovered: bool = False
    """True when the connection came back after ``last_error`` (a drop): history, not an
    issue any more."""
    unexpected_frames: Mapping[str, int] = field(default_factory=dict)
    """Frames by :class:`~.telemetry.UnexpectedFrame` kind (``malformed``, ``unknown``,
    ``late_reply``, ``duplicate_reply``, ``unknown_reply``) since the client started."""
    schema_drift: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    """Channel -> field -> messages delivered without that field (validation policy
    ``lenient``) or unvalidated (``raw``)."""

    def to_dict(self) -> dict[str, Any]:
        """All fields; ``subscriptions`` as a list of dicts."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["subscriptions"] = [dataclasses.asdict(s) for s in self.subscriptions]
        out["unexpected_frames"] = dict(self.unexpected_frames)
        out["schema_drift"] = {c: dict(f) for c, f in self.schema_drift.items()}
        return out

    @property
    def dropped(self) -> int:
        """Frames dropped over all subscriptions."""
        return sum(s.dropped for s in self.subscriptions)

    def issues(self) -> tuple[str, ...]:
        """Human-readable warnings: not connected, subscriptions not active, messages
        piling up unread, frames dropped, an auth that is expected but absent, the last
        error unless recovered from, schema drift."""
        out: list[str] = []
        if self.state not in ("open", "connected"):
            out.append(f"connection is {self.state}")
        if self.authenticated is False:
            out.append("not authenticated")
        inactive = [
            s for s in self.subscriptions if s.state not in ("active", "subscribed")
        ]
        if inactive:
            shown = ", ".join(f"{s.address} ({s.state})" for s in inactive[:5])
            more = f" and {len(inactive) - 5} more" if len(inactive) > 5 else ""
            out.append(f"{len(inactive)} subscription(s) not active: {shown}{more}")
        unread = [s for s in self.subscriptions if s.unread]
        if unread:
            shown = ", ".join(
                f"{s.address} ({s.queue_depth} buffered)" for s in unread[:5]
            )
            out.append(
                f"{len(unread)} subscription(s) piling up with no consumer: {shown}"
            )
        dropped = [s for s in self.subscriptions if s.dropped]
        if dropped:
            shown = ", ".join(f"{s.address} ({s.dropped})" for s in dropped[:5])
            out.append(f"{self.dropped} frame(s) dropped: {shown}")
        if self.last_error is not None and not self.last_error_recovered:
            out.append(f"last error: {self.last_error}")
        if self.schema_drift:
            drift = ", ".join(
                f"{c}.{f} ({n})"
                for c, fs in sorted(self.schema_drift.items())
                for f, n in fs.items()
            )
            out.append(f"schema drift (fields missing or invalid): {drift}")
        return tuple(out)

    def __str__(self) -> str:
        now = time.time()
        lines = [f"nova diagnostics: {self.api}"]

        def row(label: str, value: str) -> None:
            lines.append(f"  {label:<16}{value}")

        if self.connected_since is not None:
            since = time.strftime(
                "%Y-%m-%d %H:%M:%S UTC", time.gmtime(self.connected_since)
            )
            row(
                "state",
                f"{self.state} since {since} ({_ago(now - self.connected_since)})",
            )
        else:
            row("state", self.state)
        row("server", f"{self.server} ({self.url})" if self.server else self.url)
        row("reconnects", str(self.reconnects))
        last = self.last_error if self.last_error is not None else "none"
        row("last error", f"{last} (recovered)" if self.last_error_recovered else last)
        auth = {None: "n/a", True: "yes", False: "no"}[self.authenticated]
        row("authenticated", auth)
        row(
            "requests",
            f"{self.pending_requests} pending, latency p50 {_ms(self.latency_p50)}"
            f" p99 {_ms(self.latency_p99)}",
        )
        tokens = (
            "unlimited"
            if self.limiter_tokens is None
            else f"{self.limiter_tokens:.2f} tokens"
        )
        row("rate limiter", tokens)
        row("handler queue", str(self.handler_queue_depth))
        row("frames in/out", f"{self.frames_in} / {self.frames_out}")
        row("bytes in/out", f"{_size(self.bytes_in)} / {_size(self.bytes_out)}")
        if self.unexpected_frames:
            kinds = ", ".join(
                f"{k} {n}" for k, n in sorted(self.unexpected_frames.items())
            )
            row("unexpected", kinds)
        lines.append(f"  subscriptions ({len(self.subscriptions)})")
        if self.subscriptions:
            width = max(len(s.address) for s in self.subscriptions)
            for s in self.subscriptions:
                lines.append(
                    f"    {s.address:<{width}}  {s.state:<10} channel {s.channel}, "
                    f"queue {s.queue_depth}, dropped {s.dropped}, consumers {s.consumers}"
                )
        issues = self.issues()
        if issues:
            lines.append("  issues")
            lines.extend(f"    - {issue}" for issue in issues)
        else:
            lines.append("  issues          none")
        return "\n".join(lines)


def _ms(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1000:.1f} ms"


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{n} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"  # pragma: no cover


def _ago(seconds: float) -> str:
    s = max(0, int(seconds))
    days, s = divmod(s, 86400)
    hours, s = divmod(s, 3600)
    minutes, s = divmod(s, 60)
    if days:
        return f"{days}d {hours}h ago"
    if hours:
        return f"{hours}h {minutes}m ago"
    if minutes:
        return f"{minutes}m {s}s ago"
    return f"{s}s ago"
