"""The typed values life-cycle hooks receive and return.

``on_connect(info: ConnectInfo)``, ``on_disconnect(reason: DisconnectReason) ->
ReconnectDecision | None`` and ``on_error(error, context) -> ErrorAction | None``. They
hold no secrets: the reason of a disconnect is the close code and text, or the type and
message of the network error, never a frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .protocol import CloseAction

__all__ = [
    "ClientState",
    "ConnectInfo",
    "DisconnectReason",
    "ErrorAction",
    "OverflowPolicy",
    "ReconnectDecision",
]

ClientState = Literal["new", "connecting", "open", "reconnecting", "closing", "closed"]
"""``new`` -> ``connecting`` -> ``open`` <-> ``reconnecting``; ``closing`` -> ``closed``
(closed by the client, or given up on: see ``client.diagnostics().last_error``)."""

ErrorAction = Literal["ignore", "reconnect", "stop"]
"""What ``on_error`` may ask for: nothing more (``ignore``; also what ``None`` means),
``reconnect`` (drop this connection and restore on a new one) or ``stop`` (close the
client). ``on_error`` only sees errors no caller waits for, so there is no operation to
retry; any other value is logged at WARNING and ignored."""

OverflowPolicy = Literal["drop_oldest", "drop_newest", "raise"]
"""What a full subscription buffer does with a new message: drop the oldest buffered one
(default, a live view), drop the new one (keep history), or end the iterator with
:class:`~.errors.SubscriptionOverflow` (never lose a message silently)."""


@dataclass(frozen=True, slots=True)
class ConnectInfo:
    """Passed to ``on_connect`` once a connection is open, authenticated and restored."""

    url: str
    attempt: int
    """Connection attempts it took since the last connection was up (1: first try)."""
    reconnect: bool
    """False for the first connection, True after a reconnect or a lifetime rotation."""
    rotation: bool = False
    """True when the connection replaced a healthy one at its maximum lifetime."""
    subscriptions: int = 0
    """Subscriptions restored on it."""
    authenticated: bool = False
    subprotocol: str | None = None


@dataclass(frozen=True, slots=True)
class DisconnectReason:
    """Why a connection ended, and what the reconnect policy would do about it."""

    code: int | None
    """The WebSocket close code (None: no close frame, e.g. a reset or a missed heartbeat)."""
    reason: str
    """The close reason sent by the server, or a description of the failure."""
    action: CloseAction
    """The policy's classification: ``retry``, ``fatal`` or ``reauth``."""
    by_client: bool = False
    """True when this client closed the connection (``close()``)."""
    error: str | None = None
    """The type and message of the error that ended it, if one did."""
    attempt: int = 0
    """Failed reconnect attempts so far."""

    def __str__(self) -> str:
        code = f" (code {self.code})" if self.code is not None else ""
        return f"{self.reason}{code}"


@dataclass(frozen=True, slots=True)
class ReconnectDecision:
    """``on_disconnect``'s answer, overriding the policy: reconnect (optionally after
    ``delay`` seconds instead of the backoff's), or stop for good."""

    action: Literal["retry", "stop"]
    delay: float | None = None

    @classmethod
    def retry(cls, delay: float | None = None) -> ReconnectDecision:
        return cls("retry", delay)

    @classmethod
    def stop(cls) -> ReconnectDecision:
        return cls("stop")
