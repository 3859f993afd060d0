"""Reconnect backoff and the meaning of close codes.

Why full jitter: when a server drops thousands of clients at once, clients that all wait
``initial * 2**n`` come back in synchronised waves and knock it over again. Drawing each
delay uniformly from ``[0, cap]`` (AWS's "full jitter") spreads them out while keeping
the same growth of the cap. Why reset after a stable period: a connection that stayed up
a while proves the server is healthy, so the next failure starts again from short delays;
one that drops right after connecting does not, so the delays keep growing.

No clock here: the caller says when a connection came up and went down.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from types import MappingProxyType

from ..protocol import CloseAction, ReconnectPolicy

__all__ = ["DEFAULT_CLOSE_CODES", "Backoff", "CloseAction", "classify_close"]


class Backoff:
    """Exponential backoff with full jitter (AWS style):
    delay = uniform(0, min(max_delay, initial_delay * multiplier ** attempt)).

    ``attempt`` counts failed attempts since the last reset, starting at 0, so the first
    retry waits at most ``initial_delay``.
    """

    def __init__(self, policy: ReconnectPolicy, rng: random.Random | None = None) -> None:
        self.policy = policy
        self.attempts = 0
        """Failed attempts since the last reset."""
        self._rng = rng if rng is not None else random.Random()
        self._connected_at: float | None = None

    def bounds(self, attempt: int) -> tuple[float, float]:
        """The range ``(0, cap)`` the delay before attempt number ``attempt`` is drawn from."""
        p = self.policy
        try:
            raw = p.initial_delay * p.multiplier**attempt
        except OverflowError:  # a huge attempt number: the cap applies anyway
            raw = p.max_delay
        return (0.0, min(p.max_delay, raw))

    def next_delay(self) -> float | None:
        """The delay before the next attempt, counting that attempt.

        None when ``policy.max_attempts`` attempts have already been counted: give up.
        """
        limit = self.policy.max_attempts
        if limit is not None and self.attempts >= limit:
            return None
        low, cap = self.bounds(self.attempts)
        self.attempts += 1
        return self._rng.uniform(low, cap)

    def connected(self, now: float) -> None:
        """A connection came up at ``now``."""
        self._connected_at = now

    def disconnected(self, now: float) -> None:
        """The connection went down at ``now``; a stable one resets the attempt count."""
        up_since = self._connected_at
        self._connected_at = None
        if up_since is not None and now - up_since >= self.policy.reset_after:
            self.attempts = 0

    def reset(self) -> None:
        """Forget every failed attempt (e.g. after the user reconnects by hand)."""
        self.attempts = 0
        self._connected_at = None

    def __repr__(self) -> str:
        return f"<Backoff attempts={self.attempts}>"


DEFAULT_CLOSE_CODES: Mapping[int, CloseAction] = MappingProxyType(
    {
        # Worth retrying: the server or something in between went away or is overloaded.
        1000: "retry",  # normal closure: the server ended the session (deploy, rotation)
        1001: "retry",  # going away: server shutting down or restarting
        1006: "retry",  # abnormal closure (never sent on the wire; no close frame)
        1011: "retry",  # internal server error
        1012: "retry",  # service restart
        1013: "rate_limited",  # try again later: the server is overloaded or limiting us
        1014: "retry",  # bad gateway
        # Fatal: the same client would fail the same way again.
        1002: "fatal",  # protocol error
        1003: "fatal",  # unsupported data
        1007: "fatal",  # invalid frame payload data
        1008: "fatal",  # policy violation (a spec whose server means "too many requests"
        # by it says ``1008: rate_limited``)
        1009: "fatal",  # message too big
        1010: "fatal",  # mandatory extension missing
        1015: "fatal",  # TLS handshake failure
    }
)
"""What a close code means when the spec says nothing about it.

Codes not in the table (application codes 4000-4999 the spec does not list, or anything
unexpected) are retried: the backoff and ``max_attempts`` bound the cost of being wrong,
while giving up on an unknown code could leave a client dead for good.
"""


def classify_close(code: int | None, policy: ReconnectPolicy) -> CloseAction:
    """What to do after the connection closed with ``code``.

    The spec's ``policy.close_codes`` win over :data:`DEFAULT_CLOSE_CODES`. ``None`` (no
    close frame at all, e.g. a TCP reset) is retried.
    """
    if code is None:
        return "retry"
    action = policy.close_codes.get(code)
    if action is not None:
        return action
    return DEFAULT_CLOSE_CODES.get(code, "retry")
