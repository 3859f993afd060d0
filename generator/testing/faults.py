"""Fault state the test server consults: errors to inject, requests to ignore, handshakes
to refuse, requests to throttle.

:class:`Faults` only holds the state, behind one lock, so the controls may be set from any
thread; :class:`~nova_gen.testing.server.SpecServer` asks it what to do with each request
and each connection attempt. Faults that act on live sockets (stall, drop, close) live in
the server, which owns the sockets.
"""

from __future__ import annotations

import copy
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

from .drift import PayloadDrift

__all__ = ["ErrorReply", "Faults", "Throttle"]


@dataclass(frozen=True, slots=True)
class ErrorReply:
    """An error the server answers with."""

    code: Any
    message: str
    data: Any = None


@dataclass(frozen=True, slots=True)
class Throttle:
    """The error a throttled request gets, and whether the connection closes after it."""

    error: ErrorReply
    close_after: bool = False


class Faults:
    """Pending faults, thread-safe. Counters: :attr:`refused`, :attr:`throttled`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, deque[ErrorReply]] = {}
        self._silenced: set[str] = set()
        self._refuse = 0
        self._refuse_status = 503
        self._throttle = 0
        self._throttle_with: Throttle | None = None
        self.refused = 0
        """Connection attempts refused during the handshake so far."""
        self.throttled = 0
        """Requests answered with the throttle error so far."""
        self._result_drift: dict[str, PayloadDrift] = {}

    # -- setting ----------------------------------------------------------------------

    def fail_next(self, method: str, error: ErrorReply) -> None:
        with self._lock:
            self._failures.setdefault(method, deque()).append(error)

    def never_answer(self, method: str) -> None:
        with self._lock:
            self._silenced.add(method)

    def answer(self, method: str) -> None:
        with self._lock:
            self._silenced.discard(method)

    def refuse_connections(self, n: int, status: int = 503) -> None:
        if n < 0:
            raise ValueError("n must be >= 0")
        with self._lock:
            self._refuse = n
            self._refuse_status = status

    def throttle(self, n: int, error: ErrorReply, close_after: bool = False) -> None:
        if n < 0:
            raise ValueError("n must be >= 0")
        with self._lock:
            self._throttle = n
            self._throttle_with = Throttle(error, close_after)

    def drift_results(
        self, method: str, remove: tuple[str, ...] = (), replace: dict[str, Any] | None = None
    ) -> None:
        drift = PayloadDrift()
        drift.set(remove, replace)
        with self._lock:
            if remove or replace:
                self._result_drift[method] = drift
            else:
                self._result_drift.pop(method, None)

    def clear(self) -> None:
        """Forget every pending failure, silence, refusal and throttle."""
        with self._lock:
            self._failures.clear()
            self._silenced.clear()
            self._refuse = 0
            self._throttle = 0

    # -- consulting (the server) --------------------------------------------------------

    def drifted(self, method: str, result: Any) -> Any:
        """``result``, a reply to wire ``method``, with that method's drift applied (a copy)."""
        with self._lock:
            drift = self._result_drift.get(method)
        if drift is None or not isinstance(result, dict | list):
            return result
        return drift.apply(copy.deepcopy(result))

    def take_refusal(self) -> int | None:
        """The HTTP status to refuse this connection attempt with, or None to accept it."""
        with self._lock:
            if self._refuse <= 0:
                return None
            self._refuse -= 1
            self.refused += 1
            return self._refuse_status

    def silenced(self, method: str) -> bool:
        with self._lock:
            return method in self._silenced

    def take_throttle(self) -> Throttle | None:
        """The throttle for this request, or None when it is not throttled."""
        with self._lock:
            if self._throttle <= 0 or self._throttle_with is None:
                return None
            self._throttle -= 1
            self.throttled += 1
            return self._throttle_with

    def take_failure(self, method: str) -> ErrorReply | None:
        with self._lock:
            queue = self._failures.get(method)
            return queue.popleft() if queue else None
