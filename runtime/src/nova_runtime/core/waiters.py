"""Uncorrelated replies: "the next frame matching this Match".

Some APIs answer a request with a frame that carries no correlation id (AsyncAPI replies
without ``correlationId``). The caller registers a :class:`Waiter` with the ``Match``
such a reply meets; :meth:`Waiters.offer` hands every frame the dispatcher did not
claim for the session's own state (see ``Session.receive``) to the *oldest* waiter whose
match it satisfies, so concurrent waiters are answered in the order they were added.
Waiters have deadlines like requests (:meth:`Waiters.expire`) and all fail when the
connection drops (:meth:`Waiters.fail_all`).

The I/O layer hangs what it awaits on ``Waiter.waiter``; the core never looks at it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..protocol import Match
from .match import Predicate, compile_match

__all__ = ["Waiter", "Waiters"]


class Waiter:
    """One caller waiting for the next frame that satisfies ``matches``."""

    __slots__ = ("deadline", "matches", "method", "parse", "timeout", "waiter")

    def __init__(
        self,
        matches: Predicate,
        parse: Callable[[Any], Any],
        method: str,
        deadline: float,
        timeout: float,
    ) -> None:
        self.matches = matches
        self.parse = parse
        """Turns the decoded frame into the caller's result (may raise: a malformed reply)."""
        self.method = method
        self.deadline = deadline
        self.timeout = timeout
        self.waiter: Any = None

    def __repr__(self) -> str:
        return f"<Waiter {self.method} deadline={self.deadline:g}>"


class Waiters:
    """The waiters of one session, oldest first."""

    def __init__(self) -> None:
        self._waiters: list[Waiter] = []
        self._compiled: dict[Match, Predicate] = {}

    def add(
        self,
        match: Match | Predicate,
        parse: Callable[[Any], Any],
        *,
        method: str,
        now: float,
        timeout: float,
    ) -> Waiter:
        """Wait for the next frame satisfying ``match`` until ``now + timeout``."""
        if isinstance(match, Match):
            try:
                predicate = self._compiled.get(match)
                if predicate is None:
                    predicate = self._compiled[match] = compile_match(match)
            except TypeError:  # a list or object value in ``equals``: not hashable
                predicate = compile_match(match)
        else:
            predicate = match
        waiter = Waiter(predicate, parse, method, now + timeout, timeout)
        self._waiters.append(waiter)
        return waiter

    def offer(self, frame: Any) -> Waiter | None:
        """Remove and return the oldest waiter ``frame`` satisfies, or None."""
        for i, waiter in enumerate(self._waiters):
            try:
                hit = waiter.matches(frame)
            except Exception:  # noqa: BLE001 - a bad predicate must not break receiving
                hit = False
            if hit:
                del self._waiters[i]
                return waiter
        return None

    def remove(self, waiter: Waiter) -> bool:
        """Forget ``waiter`` (answered elsewhere, timed out, cancelled); False if unknown."""
        try:
            self._waiters.remove(waiter)
        except ValueError:
            return False
        return True

    def expire(self, now: float) -> list[Waiter]:
        """Remove and return every waiter whose deadline is at or before ``now``."""
        expired = [w for w in self._waiters if w.deadline <= now]
        if expired:
            self._waiters = [w for w in self._waiters if w.deadline > now]
        return expired

    def next_deadline(self) -> float | None:
        return min((w.deadline for w in self._waiters), default=None)

    def fail_all(self) -> list[Waiter]:
        """Remove and return every waiter (the connection is gone)."""
        waiters, self._waiters = self._waiters, []
        return waiters

    def __len__(self) -> int:
        return len(self._waiters)

    def __bool__(self) -> bool:
        return bool(self._waiters)
