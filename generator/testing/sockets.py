"""The open connections of a test server, and the faults that act on their sockets.

A test of reconnects needs a server that misbehaves at the socket level: it aborts TCP
connections (no close frame), closes them with a chosen code, freezes them (stops reading,
so neither messages nor WebSocket pings are answered), mutes their streams while they stay
healthy, or drops them on a schedule or at a maximum lifetime. These act on every open
connection at once, so they live here, with the registry of open connections they act on;
faults decided per request or per handshake (:mod:`.faults`) only hold state.

Everything here runs on the server's event loop; :class:`~.server.SpecServer` moves calls
from other threads onto it. The registry is guarded by the server's lock, which the
per-connection parts (subscriptions, streams) share.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from .connection import Connection

__all__ = ["Sockets"]

logger = logging.getLogger("nova.testing.server")


class Sockets:
    """Open connections by number (1, 2, ... in order of acceptance) and the socket faults.

    Counters: :attr:`accepted`, :attr:`drops`, :attr:`expired`, :attr:`stalls_ended`.
    """

    def __init__(self, lock: threading.Lock) -> None:
        self.lock = lock
        self.open: dict[int, Connection] = {}
        self.logs: dict[int, list[tuple[str, Any]]] = {}
        """Every connection's request log, open or closed, by connection number."""
        self.accepted = 0
        """Connections accepted so far."""
        self.drops = 0
        """Connections aborted by :meth:`abort_all` (``drop_connections``, ``drop_every``)."""
        self.expired = 0
        """Connections dropped at their maximum lifetime."""
        self.stalls_ended = 0
        """Stalls ended, by :meth:`unstall_all` or when a timed stall ran out."""
        self._drop_task: asyncio.Task[None] | None = None
        self._unstall_handle: asyncio.TimerHandle | None = None

    # -- the registry --------------------------------------------------------------

    def accept(self, ws: ServerConnection) -> Connection:
        """Register a new connection; it starts running (not stalled)."""
        with self.lock:
            self.accepted += 1
            conn = Connection(self.accepted, ws)
            conn.running.set()
            self.open[conn.number] = conn
            self.logs[conn.number] = conn.log
        return conn

    def forget(self, conn: Connection) -> None:
        """Unregister a connection that ended; its log stays."""
        with self.lock:
            self.open.pop(conn.number, None)
            conn.subs.clear()

    def get(self, n: int) -> Connection | None:
        with self.lock:
            return self.open.get(n)

    def snapshot(self) -> list[Connection]:
        with self.lock:
            return list(self.open.values())

    async def broadcast(self, data: str | bytes, *, text: bool | None = None) -> None:
        """Send ``data`` as-is to every open connection (see ``SpecServer.send_raw``)."""
        for conn in self.snapshot():
            with contextlib.suppress(ConnectionClosed):
                await conn.ws.send(data, text=text)

    # -- faults ----------------------------------------------------------------------

    def abort_all(self) -> None:
        """Abort every open connection at the TCP level: no close frame, no handshake."""
        conns = self.snapshot()
        logger.info("dropping %d connection(s)", len(conns))
        with self.lock:
            self.drops += len(conns)
        for conn in conns:
            conn.ws.transport.abort()

    async def close_all(self, code: int, reason: str) -> None:
        """Close every open connection with a close frame carrying ``code`` and ``reason``."""
        conns = self.snapshot()
        logger.info("closing %d connection(s) with %d %r", len(conns), code, reason)
        await asyncio.gather(*(c.ws.close(code, reason) for c in conns))

    def mute_all(self, address: str | None) -> None:
        """Stop the streams of every open connection (or only those of ``address``)."""
        muted = 0
        for conn in self.snapshot():
            for key, sub in conn.subs.items():
                if address is None or key == address:
                    sub.muted = True
                    muted += 1
        logger.info("muted %d stream(s)", muted)

    def schedule_drops(self, seconds: float | None) -> None:
        """Abort every open connection every ``seconds`` (None: stop), replacing any
        earlier schedule."""
        self.cancel_drops()
        if seconds is not None:
            self._drop_task = asyncio.get_running_loop().create_task(self._drop_loop(seconds))

    def cancel_drops(self) -> None:
        task, self._drop_task = self._drop_task, None
        if task is not None:
            task.cancel()

    async def _drop_loop(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            self.abort_all()

    def stall_all(self, seconds: float | None) -> None:
        """Stop reading from every open connection, for ``seconds`` (None: until
        :meth:`unstall_all`); their streams and server pings wait too."""
        if self._unstall_handle is not None:
            self._unstall_handle.cancel()
            self._unstall_handle = None
        conns = self.snapshot()
        logger.info("stalling %d connection(s) for %s s", len(conns), seconds)
        for conn in conns:
            if conn.running.is_set():
                conn.running.clear()
                conn.ws.transport.pause_reading()
        if seconds is not None:
            self._unstall_handle = asyncio.get_running_loop().call_later(seconds, self.unstall_all)

    def unstall_all(self) -> None:
        """Resume every stalled connection."""
        if self._unstall_handle is not None:
            self._unstall_handle.cancel()
            self._unstall_handle = None
        resumed = False
        for conn in self.snapshot():
            if not conn.running.is_set():
                conn.running.set()
                resumed = True
                if not conn.ws.transport.is_closing():
                    conn.ws.transport.resume_reading()
        if resumed:
            with self.lock:
                self.stalls_ended += 1

    async def expire(self, conn: Connection, at: float) -> None:
        """Abort ``conn`` at loop time ``at`` (a server's maximum connection lifetime)."""
        await asyncio.sleep(max(0.0, at - asyncio.get_running_loop().time()))
        logger.info("conn %d reached the maximum lifetime: dropping it", conn.number)
        with self.lock:
            self.expired += 1
        conn.ws.transport.abort()

    def stop(self) -> None:
        """Cancel the drop schedule and end every stall (the server is stopping)."""
        self.cancel_drops()
        self.unstall_all()
