"""Application-level pings the client sends, and the deadlines of their answers.

Why: WebSocket ping frames prove the TCP path is alive, but some servers (Discord's
gateway, many exchanges) also want an application message at a fixed interval and drop
clients that stop; and a server whose application loop hangs still answers WebSocket
pings. Sending the spec's ping and expecting its pong catches both. The caller owns the
clock and the socket: it asks :meth:`PingTracker.due`, sends, reports :meth:`sent`,
feeds frames to :meth:`is_pong`, and reconnects when :meth:`overdue` says so.
"""

from __future__ import annotations

from typing import Any

from ..protocol import ClientPing
from .match import compile_match

__all__ = ["PingTracker"]


class PingTracker:
    """Client-initiated application pings (ClientPing) and their deadlines."""

    def __init__(self, ping: ClientPing, now: float) -> None:
        self.ping = ping
        self.interval: float = ping.interval
        """Seconds between pings; :meth:`set_interval` may replace it."""
        self._last = now
        self._deadline: float | None = None
        self._pong = compile_match(ping.pong) if ping.pong is not None else None

    def set_interval(self, seconds: float) -> None:
        """Ping every ``seconds`` from now on (e.g. the interval the server's hello asks for)."""
        if seconds <= 0:
            raise ValueError(f"a ping interval must be positive, not {seconds}")
        self.interval = seconds

    def next_due(self) -> float:
        """Monotonic time of the next ping: one interval after the last (or the start)."""
        return self._last + self.interval

    def due(self, now: float) -> bool:
        """Time to send a ping."""
        return now >= self.next_due()

    def sent(self, now: float) -> None:
        """A ping went out at ``now``; its answer is due by ``now + ping.timeout``.

        If an earlier ping is still unanswered, its (earlier) deadline stands.
        """
        self._last = now
        if self._deadline is None:
            self._deadline = now + self.ping.timeout

    def answered(self, now: float) -> None:
        """The pong arrived: nothing is outstanding any more."""
        self._deadline = None

    def overdue(self, now: float) -> bool:
        """A sent ping has no answer at or past its deadline: the caller should reconnect."""
        return self._deadline is not None and now >= self._deadline

    def is_pong(self, frame_text: str, decoded: Any) -> bool:
        """Whether a received frame is the pong: exactly ``pong_text``, or a decoded frame
        meeting the ``pong`` match."""
        if self.ping.pong_text is not None and frame_text == self.ping.pong_text:
            return True
        return self._pong is not None and self._pong(decoded)

    def __repr__(self) -> str:
        return f"<PingTracker interval={self.interval:g}s outstanding={self._deadline is not None}>"
