"""Keeping one connection alive: WebSocket pings, application pings, token refresh.

Three timers the :class:`~.supervisor.Supervisor` runs per connection (beside the
no-data watchdogs of :mod:`.watchdogs`): WebSocket pings on a loop timer
(:class:`WsPinger`), the others as tasks. A missed pong or an unanswered application
ping drops the connection at once (the supervisor reconnects); a token is refreshed
before it expires, and a failed refresh logs in afresh. Deadlines are decided by the
sans-I/O :class:`~.core.pings.PingTracker` and :class:`~.core.auth.AuthState`; this
module only waits, sends and awaits. They see the supervisor through :class:`Keeper`.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from .connection import Connection
from .context import Context
from .core.auth import AuthState
from .core.pings import PingTracker
from .errors import ConnectionLost, describe
from .establish import FatalError
from .protocol import Heartbeat
from .sender import Sender
from .telemetry import HeartbeatMissed

__all__ = ["Keeper", "WsPinger", "app_pings", "refresh_token"]


class Keeper(Protocol):
    """The supervisor, as the keep-alive timers see it."""

    @property
    def ctx(self) -> Context: ...

    @property
    def conn(self) -> Connection | None: ...

    def force_reconnect(self, why: str) -> None:
        """Drop the current connection; the supervisor restores on a new one."""

    def give_up(self, message: str, code: int | None, reason: str) -> None:
        """Stop reconnecting for good (``message`` logged and kept as the final error)."""

    async def login(self, conn: Connection, *, refresh: bool) -> None:
        """Log in on ``conn`` (refresh the token when ``refresh``)."""


class WsPinger:
    """WebSocket pings every ``ws_ping_interval``; no pong within ``ws_ping_timeout``
    drops the connection (the server or the path to it is gone).

    A loop timer between pings, not a sleeping task: an idle client holds a timer
    handle, and a task exists only while a ping waits for its pong. :meth:`cancel`
    stops it."""

    __slots__ = ("_conn", "_handle", "_heartbeat", "_keeper", "_task")

    def __init__(self, keeper: Keeper, conn: Connection, heartbeat: Heartbeat) -> None:
        assert heartbeat.ws_ping_interval is not None
        self._keeper = keeper
        self._conn = conn
        self._heartbeat = heartbeat
        self._task: asyncio.Task[None] | None = None
        self._handle = keeper.ctx.loop.call_later(heartbeat.ws_ping_interval, self._due)

    def cancel(self) -> None:
        self._handle.cancel()
        task = self._task
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    def _due(self) -> None:
        if not self._conn.done:
            self._task = self._keeper.ctx.spawn(self._ping())

    async def _ping(self) -> None:
        keeper, conn = self._keeper, self._conn
        timeout = self._heartbeat.ws_ping_timeout
        try:
            pong = await conn.ws.ping()
        except Exception:  # noqa: BLE001 - closed: the receive loop reports it
            return
        if timeout is not None:
            try:
                async with asyncio.timeout(timeout):
                    await pong
            except TimeoutError:
                keeper.ctx.emit(HeartbeatMissed, kind="ws_ping")
                keeper.force_reconnect(
                    f"no pong to a WebSocket ping within {timeout:g}s"
                )
                return
            except Exception:  # noqa: BLE001 - closed while waiting
                return
        self._task = None
        if not conn.done:
            interval = self._heartbeat.ws_ping_interval
            assert interval is not None
            self._handle = keeper.ctx.loop.call_later(interval, self._due)


async def app_pings(
    keeper: Keeper,
    conn: Connection,
    heartbeat: Heartbeat,
    sender: Sender,
    interval: float | None,
) -> None:
    """Application pings with a deadline (``heartbeat.client_ping``); ``interval`` (s)
    overrides the spec's when the server's hello announced one."""
    ping = heartbeat.client_ping
    assert ping is not None
    ctx = keeper.ctx
    loop = ctx.loop
    tracker = PingTracker(ping, loop.time())
    if interval is not None:
        tracker.set_interval(interval)
    ctx.tracker = tracker
    while not conn.done:
        now = loop.time()
        if tracker.overdue(now):
            ctx.emit(HeartbeatMissed, kind="app_ping")
            keeper.force_reconnect(
                f"no answer to the application ping within {ping.timeout:g}s"
            )
            return
        if tracker.due(now):
            pending, text = ctx.session.build_reply(ping.send, now=now)
            if pending is not None:
                sender.watch(pending)
            if text is not None:
                try:
                    await conn.send(text)
                except ConnectionLost:
                    return
            tracker.sent(now)
        wake = min(tracker.next_due(), now + ping.timeout / 4)
        await asyncio.sleep(max(0.005, wake - loop.time()))


async def refresh_token(keeper: Keeper, conn: Connection, auth: AuthState) -> None:
    """Refresh the token before it expires; log in again if the refresh fails; a
    refusal the next attempt would hit again (``FatalError``) gives up."""
    loop = keeper.ctx.loop
    while not conn.done:
        at = auth.refresh_at()
        if at is None:
            return
        await asyncio.sleep(max(0.0, at - loop.time()))
        if conn.done or conn is not keeper.conn:
            return
        try:
            await keeper.login(conn, refresh=True)
        except FatalError as exc:
            keeper.give_up(f"token refresh refused: {describe(exc.error)}", None, "")
            await conn.close(1000, "authentication refused")
            return
        except Exception as exc:  # noqa: BLE001 - any failure: try a fresh login instead
            keeper.ctx.log.warning(
                "token refresh failed (%s); logging in again", describe(exc)
            )
            try:
                await keeper.login(conn, refresh=False)
            except Exception as exc2:  # noqa: BLE001
                keeper.force_reconnect(f"login failed: {describe(exc2)}")
                return
