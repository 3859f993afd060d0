"""No-data watchdogs: a connection or a stream that goes quiet while the socket is healthy.

Some gateways keep answering WebSocket pings but stop sending data, so ping timeouts
never fire. Two watchdogs run per connection, as timers of the
:class:`~.supervisor.Supervisor`:

- :class:`IdleWatch`: no frame at all for ``ConnectOptions.idle_timeout`` seconds (or,
  when the spec turns the server's heartbeat on, twice its interval plus 5 s) replaces
  the connection;
- :func:`watch_streams`: an active address without a message for its channel's
  ``stale_after`` (:func:`stale_limits`) is unsubscribed and subscribed again on the same
  connection when its method can unsubscribe; if it stays silent after that (or cannot
  be), the connection is replaced; if it is still silent on the new connection, the
  silence is not the connection's fault (a delisted symbol, a market that closed): the
  watchdog logs that once and leaves the address alone until it delivers again, rather
  than reconnecting for ever (:func:`stale_action`).

Each firing is logged at WARNING and emitted as a :class:`~.telemetry.StreamStale` event.
They read counters the receive loop keeps anyway (``Connection.frames_in``,
``SubEntry.received``), so the hot path pays nothing for them. They see the supervisor
through :class:`Watched`.
"""

from __future__ import annotations

import asyncio
from typing import Any
from typing import Protocol as TypingProtocol

from .connection import Connection
from .context import Context
from .core.subscriptions import SubEntry
from .lifecycle import ClientState
from .options import ConnectOptions
from .protocol import Heartbeat, Protocol
from .telemetry import HeartbeatMissed, StaleAction, StreamStale

__all__ = [
    "IdleWatch",
    "Watched",
    "idle_limit",
    "stale_action",
    "stale_limits",
    "watch_streams",
]


class Watched(TypingProtocol):
    """The supervisor, as the watchdogs see it."""

    @property
    def ctx(self) -> Context: ...

    @property
    def conn(self) -> Connection | None: ...

    @property
    def state(self) -> ClientState: ...

    @property
    def stale_strikes(self) -> dict[str, tuple[int, int]]:
        """Address -> (messages it had received, stale firings in a row since then),
        kept across connections (see :func:`stale_action`)."""
        ...

    def force_reconnect(self, why: str) -> None:
        """Drop the current connection; the supervisor restores on a new one."""

    async def resubscribe(self, conn: Connection, entry: SubEntry) -> None:
        """Unsubscribe ``entry``'s address and subscribe it again on ``conn``."""


def stale_limits(protocol: Protocol, options: ConnectOptions) -> dict[str, float]:
    """Channel name -> seconds of silence before its stream counts as stale: the spec's
    ``stale_after``, overridden per channel by ``ConnectOptions.stale_after`` (None or 0
    turns it off). Raises ValueError for a channel the spec does not have."""
    limits = {c.name: c.stale_after for c in protocol.channels if c.stale_after}
    known = {c.name for c in protocol.channels}
    for name, value in options.stale_after.items():
        if name not in known:
            raise ValueError(
                f"ConnectOptions.stale_after: {protocol.name} has no channel {name!r};"
                f" channels: {', '.join(sorted(known)) or 'none'}"
            )
        if value:
            limits[name] = float(value)
        else:
            limits.pop(name, None)
    return {name: value for name, value in limits.items() if value and value > 0}


def stale_action(strike: int, can_resubscribe: bool) -> StaleAction | None:
    """What the ``strike``-th firing in a row for one address (no message in between)
    does: resubscribe in place first, when its method can unsubscribe; then replace the
    connection, once; after that nothing (None) until the address delivers again."""
    steps: list[StaleAction] = ["resubscribe"] if can_resubscribe else []
    steps.append("reconnect")
    return steps[strike - 1] if 1 <= strike <= len(steps) else None


def idle_limit(
    options: ConnectOptions, heartbeat: Heartbeat
) -> tuple[float, bool] | None:
    """Seconds of silence that mean a dead connection, and whether they come from a
    heartbeat the server promised: ``options.idle_timeout`` (0: none), else twice the
    interval the spec's on-connect request asks the server to heartbeat at, plus 5 s."""
    timeout = options.idle_timeout
    if timeout is not None:
        return (timeout, False) if timeout > 0 else None
    interval = _server_heartbeat_interval(heartbeat.on_connect)
    return (2 * interval + 5.0, True) if interval is not None else None


class IdleWatch:
    """No frame at all on ``conn`` for ``limit`` seconds: replace the connection.

    It only reads a counter, so it runs as a loop timer every ``limit / 4`` seconds
    rather than as a sleeping task; :meth:`cancel` stops it."""

    __slots__ = ("_conn", "_handle", "_limit", "_promised", "_seen", "_since", "_sup")

    def __init__(
        self, sup: Watched, conn: Connection, limit: float, promised: bool
    ) -> None:
        loop = sup.ctx.loop
        self._sup = sup
        self._conn = conn
        self._limit = limit
        self._promised = promised
        self._seen, self._since = conn.frames_in, loop.time()
        self._handle = loop.call_later(limit / 4, self._check)

    def cancel(self) -> None:
        self._handle.cancel()

    def _check(self) -> None:
        conn, sup = self._conn, self._sup
        if conn.done:
            return
        loop = sup.ctx.loop
        now = loop.time()
        if conn.frames_in != self._seen:
            self._seen, self._since = conn.frames_in, now
        elif now - self._since >= self._limit:
            if self._promised:
                sup.ctx.emit(HeartbeatMissed, kind="server_silence")
            silent = now - self._since
            sup.ctx.emit(
                StreamStale, address=None, silent_for=silent, action="reconnect"
            )
            sup.force_reconnect(f"no frame from the server for {silent:.1f}s")
            return
        self._handle = loop.call_later(self._limit / 4, self._check)


async def watch_streams(
    sup: Watched, conn: Connection, limits: dict[str, float]
) -> None:
    """Per-address silence on ``conn`` (``limits`` from :func:`stale_limits`), acted on
    per :func:`stale_action`; ``sup.stale_strikes`` counts firings across connections."""
    loop = asyncio.get_running_loop()
    subs = sup.ctx.session.subscriptions
    strikes = sup.stale_strikes
    tick = min(limits.values()) / 4
    seen: dict[str, tuple[int, float]] = {}
    """Address -> (messages received, since when that count has not moved)."""
    while not conn.done:
        await asyncio.sleep(tick)
        if conn is not sup.conn or sup.state != "open":
            continue
        now = loop.time()
        for entry in subs.entries():
            limit = limits.get(entry.spec.name)
            if limit is None or entry.state != "active":
                seen.pop(entry.address, None)
                continue
            address = entry.address
            last = seen.get(address)
            if last is None or last[0] != entry.received:
                seen[address] = (entry.received, now)
                continue
            silent = now - last[1]
            if silent < limit:
                continue
            seen.pop(address, None)  # measure again from now
            previous = strikes.get(address)
            strike = (
                previous[1] + 1 if previous and previous[0] == entry.received else 1
            )
            strikes[address] = (entry.received, strike)
            action = stale_action(strike, entry.method.unsubscribe is not None)
            if action is None:
                if (
                    stale_action(strike - 1, entry.method.unsubscribe is not None)
                    is not None
                ):
                    sup.ctx.log.warning(
                        "no message on %s for %.1fs, even on a new connection: leaving it"
                        " subscribed as it is until it delivers again",
                        address,
                        silent,
                    )
                continue
            _stale(sup, address, silent, action)
            if action == "resubscribe":
                await sup.resubscribe(conn, entry)
            else:
                sup.force_reconnect(f"no message on {address} for {silent:.1f}s")
                return


def _stale(sup: Watched, address: str, silent: float, action: StaleAction) -> None:
    sup.ctx.log.warning(
        "no message on %s for %.1fs: %s",
        address,
        silent,
        "subscribing it again"
        if action == "resubscribe"
        else "replacing the connection",
    )
    sup.ctx.emit(StreamStale, address=address, silent_for=silent, action=action)


def _server_heartbeat_interval(reply: Any) -> float | None:
    """The interval an on-connect request asks the server to heartbeat at, if it says."""
    if reply is None or reply.request is None:
        return None
    value = reply.params.get("interval") if hasattr(reply.params, "get") else None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return float(value)
    return None
