"""Reconnect backoff and the meaning of close codes.

Why full jitter: when a server drops thousands of clients at once, clients that all wait
``initial * 2**n`` come back in synchronised waves and knock it over again. Drawing each
delay uniformly from ``[0, cap]`` (AWS's "full jitter") spreads them out while keeping
the same growth of the cap.

What counts as success: a connection that came up *and restored its subscriptions*
(login, resubscribe acks) proves the server works, so the failed-attempt count starts
again from zero, however short-lived that connection turns out to be. Counting only
connections that stayed up ``reset_after`` seconds makes a server that drops every few
seconds (exchange gateways under load, proxies with short idle limits) push the delays
up to ``max_delay``: minutes of silence for a feed that reconnects fine in milliseconds.
A server that keeps dropping restored connections early is still not hammered: early
drops in a row raise the cap by :attr:`Backoff.short_lived_steps` step (to
``initial_delay * multiplier``), until a connection stays up ``reset_after`` seconds
again; one step only, so that a server that drops every few seconds is rejoined well
before its next drop.

No clock here: the caller says when a connection came up and went down.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from types import MappingProxyType

from ..protocol import CloseAction, ReconnectPolicy

__all__ = ["DEFAULT_CLOSE_CODES", "Backoff", "CloseAction", "classify_close"]

_JITTER = random.Random()
"""One generator for every client's jitter (a ``Random`` holds 2.5 KB of state)."""


class Backoff:
    """Exponential backoff with full jitter (AWS style):
    delay = uniform(0, min(max_delay, initial_delay * multiplier ** step)), where
    ``step = attempts + min(short_lived, short_lived_steps)``.

    ``attempts`` counts attempts since the last restored connection, starting at 0, so
    the first retry after a long-lived connection waits at most ``initial_delay``;
    ``short_lived`` counts restored connections in a row that went down before
    ``policy.reset_after`` seconds.
    """

    short_lived_steps = 1
    """How far early drops of restored connections raise the cap (1: at most
    ``initial_delay * multiplier`` before the first retry)."""

    def __init__(
        self, policy: ReconnectPolicy, rng: random.Random | None = None
    ) -> None:
        self.policy = policy
        self.attempts = 0
        """Attempts since the last restored connection (what ``max_attempts`` limits)."""
        self.short_lived = 0
        """Restored connections in a row that lived less than ``reset_after`` seconds."""
        self._rng = rng if rng is not None else _JITTER
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
        low, cap = self.bounds(
            self.attempts + min(self.short_lived, self.short_lived_steps)
        )
        self.attempts += 1
        return self._rng.uniform(low, cap)

    def connected(self, now: float) -> None:
        """A connection came up and restored its subscriptions at ``now``: a success,
        the attempt count starts again."""
        self._connected_at = now
        self.attempts = 0

    def disconnected(self, now: float) -> None:
        """The connection went down at ``now``: one that lived ``reset_after`` seconds
        clears the short-lived count, an earlier drop adds to it."""
        up_since = self._connected_at
        self._connected_at = None
        if up_since is None:
            return
        if now - up_since >= self.policy.reset_after:
            self.short_lived = 0
        else:
            self.short_lived += 1

    def reset(self) -> None:
        """Forget every failed attempt and early drop (e.g. a reconnect the user asked for)."""
        self.attempts = 0
        self.short_lived = 0
        self._connected_at = None

    def __repr__(self) -> str:
        return f"<Backoff attempts={self.attempts} short_lived={self.short_lived}>"


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
