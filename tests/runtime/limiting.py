"""A rate limiter that records what the client asked of it, so tests check the client's use
of the limiter by counters and event order instead of elapsed time."""

from __future__ import annotations

from dataclasses import dataclass

from nova_runtime.core import TokenBucket


@dataclass(frozen=True)
class Reservation:
    cost: float
    now: float
    """The client's clock (the event loop's) when it asked."""
    wait: float
    """Seconds the limiter told it to wait."""

    @property
    def until(self) -> float:
        """When the client may send, on the same clock."""
        return self.now + self.wait


class RecordingBucket(TokenBucket):
    """A :class:`TokenBucket` that records every reservation."""

    def __init__(self, rate: float, burst: float) -> None:
        super().__init__(rate=rate, burst=burst)
        self.reservations: list[Reservation] = []

    def reserve(self, cost: float, now: float) -> float:
        wait = super().reserve(cost, now)
        self.reservations.append(Reservation(cost, now, wait))
        return wait
