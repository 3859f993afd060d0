"""The typed telemetry events: one small frozen, slotted dataclass per *interesting* thing
the client does (a connection opened or closed, a reconnect, a completed request, a
subscription state change, a rate limit wait, a missed heartbeat, a dropped frame, an
error, an auth, an unexpected frame, a schema drift). :mod:`.telemetry` sends them to
sinks and re-exports them; this module only says what each one carries.

Events never carry secrets: no credentials, tokens, signatures, headers or payloads.
``ErrorOccurred.message`` is redacted by the caller (see :func:`.logs.redact`).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

__all__ = [
    "EVENT_TYPES",
    "AuthCompleted",
    "ConnectionClosed",
    "ConnectionOpened",
    "ConnectionRestored",
    "ErrorOccurred",
    "FrameDropped",
    "HeartbeatKind",
    "HeartbeatMissed",
    "RateLimited",
    "Reconnecting",
    "RequestCompleted",
    "SchemaDrift",
    "SequenceGap",
    "StaleAction",
    "StreamStale",
    "SubscriptionStateChanged",
    "TelemetryEvent",
    "UnexpectedFrame",
    "UnexpectedKind",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class TelemetryEvent:
    """Base of every event. ``api`` is the protocol name, ``at`` the wall clock (time.time())."""

    name: ClassVar[str] = "event"

    api: str
    at: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        """``{"event": name, **fields}``, JSON-serialisable."""
        out: dict[str, Any] = {"event": self.name}
        for f in dataclasses.fields(self):
            out[f.name] = getattr(self, f.name)
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionOpened(TelemetryEvent):
    """The WebSocket handshake succeeded; ``attempt`` is 1 on a first connect, n on the nth."""

    name: ClassVar[str] = "connection_opened"

    url: str
    attempt: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionClosed(TelemetryEvent):
    """The connection ended, cleanly (close handshake, ``clean=True``) or not (dropped)."""

    name: ClassVar[str] = "connection_closed"

    url: str
    code: int | None
    reason: str
    clean: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Reconnecting(TelemetryEvent):
    """A reconnect attempt is scheduled in ``delay`` seconds."""

    name: ClassVar[str] = "reconnecting"

    attempt: int
    delay: float
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionRestored(TelemetryEvent):
    """A reconnect completed and ``subscriptions`` were restored, ``duration`` s after the drop."""

    name: ClassVar[str] = "connection_restored"

    url: str
    subscriptions: int
    duration: float


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestCompleted(TelemetryEvent):
    """A request got its reply (``ok``), an error reply (``error_code``), or timed out/failed."""

    name: ClassVar[str] = "request_completed"

    method: str
    latency: float
    ok: bool
    error_code: int | str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscriptionStateChanged(TelemetryEvent):
    """A subscription moved from state ``old`` to ``new`` (e.g. pending -> active)."""

    name: ClassVar[str] = "subscription_state_changed"

    address: str
    old: str
    new: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SequenceGap(TelemetryEvent):
    """A subscription's sequence check failed at ``address``: ``received`` where
    ``expected`` was due (the message is still delivered)."""

    name: ClassVar[str] = "sequence_gap"

    address: str
    expected: Any
    received: Any


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimited(TelemetryEvent):
    """The limiter held a send back for ``wait`` s, or refused it (``raised=True``)."""

    name: ClassVar[str] = "rate_limited"

    method: str
    wait: float
    raised: bool


HeartbeatKind = Literal["ws_ping", "app_ping", "server_silence"]


@dataclass(frozen=True, slots=True, kw_only=True)
class HeartbeatMissed(TelemetryEvent):
    """No pong to our WebSocket ping, no reply to our app-level ping, or the server went silent."""

    name: ClassVar[str] = "heartbeat_missed"

    kind: HeartbeatKind


StaleAction = Literal["resubscribe", "reconnect"]


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamStale(TelemetryEvent):
    """No data for ``silent_for`` seconds while the socket looked healthy: on the whole
    connection (``address`` None; ``ConnectOptions.idle_timeout``) or on one subscribed
    ``address`` (spec ``stale_after``). ``action``: that address is subscribed again on
    the same connection (``resubscribe``), or the connection is replaced (``reconnect``)."""

    name: ClassVar[str] = "stream_stale"

    address: str | None
    silent_for: float
    action: StaleAction


@dataclass(frozen=True, slots=True, kw_only=True)
class FrameDropped(TelemetryEvent):
    """A subscription buffer overflowed; ``dropped_total`` is the running count for ``address``."""

    name: ClassVar[str] = "frame_dropped"

    address: str
    policy: str
    dropped_total: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorOccurred(TelemetryEvent):
    """An error the client handled or surfaced. ``message`` is already redacted."""

    name: ClassVar[str] = "error_occurred"

    error_type: str
    message: str
    context: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthCompleted(TelemetryEvent):
    """Login (``refreshed=False``) or token refresh succeeded; ``expires_in`` s if known."""

    name: ClassVar[str] = "auth_completed"

    refreshed: bool
    expires_in: float | None = None


UnexpectedKind = Literal["malformed", "unknown", "late_reply", "duplicate_reply", "unknown_reply"]


@dataclass(frozen=True, slots=True, kw_only=True)
class UnexpectedFrame(TelemetryEvent):
    """A frame that was not a reply, notification, event or ping the client expected:
    ``malformed`` (not JSON, failed validation, or its handling raised), ``unknown`` (no
    rule of the spec matches; a notification on an address nobody subscribed),
    ``late_reply`` (its request timed out or was abandoned), ``duplicate_reply`` (its
    request was answered already) or ``unknown_reply`` (an id the client never sent).
    The connection goes on in every case."""

    name: ClassVar[str] = "unexpected_frame"

    kind: UnexpectedKind


@dataclass(frozen=True, slots=True, kw_only=True)
class SchemaDrift(TelemetryEvent):
    """A message on channel ``channel`` (the spec's name) at ``address`` failed
    validation in the documented ``fields`` (missing or invalid) and was delivered
    without them (``policy="lenient"``) or as decoded JSON (``policy="raw"``)."""

    name: ClassVar[str] = "schema_drift"

    channel: str
    address: str
    fields: tuple[str, ...]
    policy: str


EVENT_TYPES: tuple[type[TelemetryEvent], ...] = (
    ConnectionOpened,
    ConnectionClosed,
    Reconnecting,
    ConnectionRestored,
    RequestCompleted,
    SubscriptionStateChanged,
    SequenceGap,
    RateLimited,
    HeartbeatMissed,
    StreamStale,
    FrameDropped,
    ErrorOccurred,
    AuthCompleted,
    UnexpectedFrame,
    SchemaDrift,
)
