"""Client-side rate limiting: a sliding window behind a small, replaceable interface.

Why on the client: exchanges disconnect or ban clients that exceed their limits, so it
is cheaper to wait a little before sending than to be thrown off. Why reservations
rather than "try again later": :meth:`Limiter.reserve` takes the tokens at once and
says how long to wait, so concurrent senders queue up in order without polling, and
the asyncio layer only has to ``sleep`` for the answer.

Why a sliding window and not a token bucket: a bucket of ``burst`` tokens refilled at
``rate`` per second lets ``burst + rate`` messages through in the first second (a full
bucket, then the refill). Binance documents "5 messages per second", writes ``rate: 5,
burst: 5``, and closes the connection at the tenth message of one second. The window
counts what was really sent in the last ``burst / rate`` seconds, so the documented
limit holds over *every* window, whatever the server measures with.

No clock here: every call takes ``now`` (monotonic seconds).
"""

from __future__ import annotations

from collections import deque
from typing import Protocol

from ..protocol import RateLimit

__all__ = [
    "MARGIN",
    "Limiter",
    "SlidingWindow",
    "TokenBucket",
    "connect_limiter_for",
    "limiter_for",
    "window_for",
]

MARGIN = 0.1
"""The spec's window is lengthened by this fraction: a message sent a little late (a busy
event loop, a slow network path) must not bring the next window's first message within
the server's window of an earlier one."""


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


class SlidingWindow:
    """At most ``limit`` cost units in any window of ``window`` seconds.

    Each reservation is remembered with the time it may be sent; one that does not fit
    is placed at the earliest time at which the units sent in the window before it leave
    room for it (and never before an earlier reservation: senders stay in order). A cost
    larger than ``limit`` waits until the window is empty, then goes alone.

    Memory: one entry per reservation still inside its window (at most ``limit`` of
    them for costs of at least 1).
    """

    __slots__ = ("_sent", "_used", "limit", "window")

    def __init__(self, limit: float, window: float) -> None:
        if limit <= 0 or window <= 0:
            raise ValueError(f"limit and window must be positive (limit={limit}, window={window})")
        self.limit = limit
        self.window = window
        self._sent: deque[tuple[float, float]] = deque()
        """(time it may be sent, cost), in time order."""
        self._used = 0.0

    def _expire(self, now: float) -> None:
        cutoff = now - self.window
        sent = self._sent
        while sent and sent[0][0] <= cutoff:
            self._used -= sent.popleft()[1]
        if not sent:
            self._used = 0.0  # no drift from adding and subtracting floats

    def _slot(self, cost: float, now: float) -> float:
        """The earliest time, not before ``now`` nor before the last reservation, at
        which ``cost`` fits into the window."""
        self._expire(now)
        sent = self._sent
        if not sent:
            return now
        # Comparisons, not max() and min(): Python 3.11's builtins parse their arguments
        # as keywords, ten times the cost of a comparison, on every request's path.
        last = sent[-1][0]
        start = last if last > now else now  # noqa: FURB136 - see above
        limit = self.limit
        room = limit - (cost if cost < limit else limit) + 1e-9  # noqa: FURB136 - see above
        used = self._used
        if used <= room:
            return start
        for at, spent in sent:
            used -= spent
            if used <= room:
                return max(start, at + self.window)
        return start  # not reached: the loop empties the window

    def reserve(self, cost: float, now: float) -> float:
        at = self._slot(cost, now)
        if cost > 0:
            self._sent.append((at, cost))
            self._used += cost
        return at - now

    def available(self, cost: float, now: float) -> float:
        return self._slot(cost, now) - now

    def tokens(self, now: float) -> float:
        """``limit`` minus the units sent or reserved in the window ending at ``now``
        (negative: later reservations wait)."""
        self._expire(now)
        return self.limit - self._used

    def __repr__(self) -> str:
        return f"<SlidingWindow {self.limit:g} per {self.window:g}s used={self._used:g}>"


def window_for(rate: float, burst: float) -> SlidingWindow:
    """The limiter for a spec's ``rate``/``burst``: ``burst`` units in any window of
    ``burst / rate`` seconds, lengthened by :data:`MARGIN`."""
    if rate <= 0 or burst <= 0:
        raise ValueError(f"rate and burst must be positive (rate={rate}, burst={burst})")
    return SlidingWindow(burst, burst / rate * (1.0 + MARGIN))


class TokenBucket:
    """A bucket of ``burst`` tokens refilled at ``rate`` tokens per second; starts full.

    A reservation may take the bucket below zero: the debt is what later senders wait
    for, which keeps them in order. A cost larger than ``burst`` can never be covered
    by the bucket, so instead of waiting forever it waits until the bucket is full and
    then takes the whole cost, going into debt by ``cost - burst``; the senders after it
    wait for that debt to be repaid, so the average rate still holds.
    """

    __slots__ = ("_tokens", "_updated", "burst", "rate")

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
    """The request limiter the spec asks for (:func:`window_for`), or None when it sets
    no limit. ``now`` is unused (a window starts empty) and kept for replacements."""
    if rate_limit is None:
        return None
    return window_for(rate_limit.rate, rate_limit.burst)


def connect_limiter_for(rate_limit: RateLimit | None, now: float) -> Limiter | None:
    """The limiter for connection attempts (``connect_rate``/``connect_burst``), or None.

    Without ``connect_burst`` the window holds one attempt: attempts are spaced evenly.
    """
    if rate_limit is None or rate_limit.connect_rate is None:
        return None
    burst = rate_limit.connect_burst if rate_limit.connect_burst is not None else 1.0
    return window_for(rate_limit.connect_rate, burst)
