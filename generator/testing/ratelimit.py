"""A server-side message limit, as exchanges enforce it: count what each connection sends
over a sliding window and close the connection above the limit.

Binance closes a connection that sends more than 5 messages in a second; this is the
same rule, measured on the frames the test server reads, so a test can show that a
client stays under a spec's limit over *every* window (:attr:`MessageLimit.peak`),
across reconnects too (:attr:`MessageLimit.peak_all` counts every connection together).
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

__all__ = ["MessageLimit"]


def _count(times: deque[float], now: float, window: float) -> int:
    """Record a frame at ``now`` and return how many fell within ``window`` seconds."""
    times.append(now)
    while times and times[0] <= now - window:
        times.popleft()
    return len(times)


@dataclass
class MessageLimit:
    """At most ``limit`` data frames per connection in any ``window`` seconds; the frame
    over it gets the connection closed with ``code`` and ``reason``."""

    limit: int
    window: float = 1.0
    code: int = 1008
    reason: str = "Too many requests"
    peak: int = 0
    """The most frames one connection sent within one window."""
    peak_all: int = 0
    """The most frames all connections together sent within one window."""
    closed: int = 0
    """Connections closed for going over the limit."""
    _per_conn: dict[int, deque[float]] = field(default_factory=dict)
    _all: deque[float] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def over(self, conn: int, now: float) -> bool:
        """Count one frame from connection ``conn`` at ``now`` (monotonic seconds); True
        when it goes over the limit (the caller closes the connection)."""
        with self._lock:
            n = _count(self._per_conn.setdefault(conn, deque()), now, self.window)
            self.peak = max(self.peak, n)
            self.peak_all = max(self.peak_all, _count(self._all, now, self.window))
            if n > self.limit:
                self.closed += 1
                return True
            return False

    def forget(self, conn: int) -> None:
        """Connection ``conn`` ended."""
        with self._lock:
            self._per_conn.pop(conn, None)
