"""Client-side rate limiting: a token bucket behind a small, replaceable interface.

Why on the client: exchanges disconnect or ban clients that exceed their limits, so it
is cheaper to wait a little before sending than to be thrown off. Why reservations
rather than "try again later": :meth:`Limiter.reserve` takes the tokens at once and
says how long to wait, so concurrent senders queue up in order without polling, and
the asyncio layer only has to ``sleep`` for the answer.

No clock here: every call takes ``now`` (monotonic seconds).
"""

from __future__ import annotations

from typing import Protocol

from ..protocol import RateLimit

__all__ = ["Limiter", "TokenBucket", "connect_limiter_for", "limiter_for"]


class Limiter(Protocol):
    """What the client needs from a rate limiter; users may pass their own object."""

    def reserve(self, cost: float, now: float) -> float:
        """Take ``cost`` tokens (possibly going into debt) and return the seconds to wait
        before sending (``0.0``: send now)."""
        ...

    def available(self, cost: float, now: float) -> float:
        """Seconds until ``cost`` tokens are there, taking nothing (``0.0``: now).

        Used with ``on_limit="raise"``: a non-zero answer means the send is refused."""
        ...

    def tokens(self, now: float) -> float:
        """Tokens in the bucket at ``now`` (negative while in debt), for diagnostics."""
        ...


class TokenBucket:
    """A bucket of ``burst`` tokens refilled at ``rate`` tokens per second; starts full.

    A reservation may take the bucket below zero: the debt is what later senders wait
    for, which keeps them in order. A cost larger than ``burst`` can never be covered
    by the bucket, so instead of waiting forever it waits until the bucket is full and
    then takes the whole cost, going into debt by ``cost - burst``; the senders after it
    wait for that debt to be repaid, so the average rate still holds.
    """

    __slots__ = ("burst", "rate", "_tokens", "_updated")

    def __init__(self, rate: float, burst: float, now: float = 0.0) -> None:
        if rate <= 0 or burst <= 0:
            raise ValueError(f"rate and burst must be positive (rate={rate}, burst={burst})")
        self.rate = rate
        self.burst = burst
        self._tokens = burst
        self._updated = now

    def _refill(self, now: float) -> float:
        if now > self._updated:
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
        return self._tokens

    def _wait(self, cost: float, now: float) -> float:
        need = min(cost, self.burst)
        return max(0.0, (need - self._refill(now)) / self.rate)

    def reserve(self, cost: float, now: float) -> float:
        wait = self._wait(cost, now)
        self._tokens -= cost
        return wait

    def available(self, cost: float, now: float) -> float:
        return self._wait(cost, now)

    def tokens(self, now: float) -> float:
        return self._refill(now)

    def __repr__(self) -> str:
        return f"<TokenBucket rate={self.rate:g}/s burst={self.burst:g} tokens={self._tokens:.3g}>"


def limiter_for(rate_limit: RateLimit | None, now: float) -> Limiter | None:
    """The request limiter the spec asks for, or None when it sets no limit."""
    if rate_limit is None:
        return None
    return TokenBucket(rate_limit.rate, rate_limit.burst, now)


def connect_limiter_for(rate_limit: RateLimit | None, now: float) -> Limiter | None:
    """The limiter for connection attempts (``connect_rate``/``connect_burst``), or None.

    Without ``connect_burst`` the bucket holds one attempt: attempts are spaced evenly.
    """
    if rate_limit is None or rate_limit.connect_rate is None:
        return None
    burst = rate_limit.connect_burst if rate_limit.connect_burst is not None else 1.0
    return TokenBucket(rate_limit.connect_rate, burst, now)
