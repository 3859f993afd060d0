"""Make-before-break rotation before a server's maximum connection lifetime.

Some servers end every connection after a fixed lifetime (Binance: 24 h). Before that,
the :class:`~.supervisor.Supervisor` runs :func:`rotate` as one of the connection's
timers: a replacement is established next to the live connection, both deliver through
the session's overlap (each message once, in order), traffic switches, and the old one
closes. The supervisor is seen through :class:`Rotated`.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol

from .connection import Connection
from .context import Context
from .errors import describe
from .establish import Establisher
from .lifecycle import ClientState
from .options import ConnectOptions
from .outcomes import Outcomes

__all__ = ["Rotated", "rotate", "rotation_margin"]


class Rotated(Protocol):
    """The supervisor, as a rotation sees it."""

    ctx: Context
    establisher: Establisher
    outcomes: Outcomes
    restore_timeout: float
    rotating: asyncio.Future[Connection | None] | None
    """Set while a rotation establishes a replacement: resolves to it when the old
    connection died meanwhile (the supervisor then switches to it), else to None."""

    @property
    def conn(self) -> Connection | None: ...

    @property
    def state(self) -> ClientState: ...

    def go_live(
        self, conn: Connection, attempt: int, *, reconnect: bool, rotation: bool = False
    ) -> None:
        """Switch traffic to ``conn``."""


async def rotate(sup: Rotated, conn: Connection, lifetime: float) -> None:
    """Make-before-break rotation before the server's maximum connection lifetime.

    It starts :func:`rotation_margin` seconds before ``lifetime`` runs out, counted
    from the start of ``conn``'s connection attempt (the server's clock starts when
    it accepts, before our handshake completes, and never later). The replacement is
    opened, logged in and restored while ``conn`` still delivers; from the first
    subscribe ack both deliver through the session's overlap, which hands each
    address over from one to the other at a message both have seen (each message
    once, in order). Then traffic switches to the replacement and ``conn`` is
    closed once replies to requests sent on it had time to arrive (at most 1 s), or
    as soon as the server drops it."""
    ctx = sup.ctx
    loop = ctx.loop
    session = ctx.session
    margin = rotation_margin(lifetime, ctx.options, sup.restore_timeout)
    delay = conn.started_mono + lifetime - margin - loop.time()
    while True:
        await asyncio.sleep(max(0.0, delay))
        if conn is not sup.conn or sup.state != "open":
            return
        rotating: asyncio.Future[Connection | None] = loop.create_future()
        sup.rotating = rotating
        session.begin_overlap(conn.number)
        try:
            try:
                new = await sup.establisher.establish(1, rotation=True)
            except Exception as exc:  # noqa: BLE001 - try again soon; the old one still works
                ctx.log.warning("connection rotation failed: %s", describe(exc))
                delay = max(0.05, min(30.0, margin / 4))
                continue
            finally:
                sup.rotating = None
            if conn.done and conn is sup.conn and sup.state == "open":
                # The old one died while the new one was restored: the loop (awaiting
                # ``rotating``) switches to the new one instead of reconnecting.
                rotating.set_result(new)
                return
            rotating.set_result(None)
            if conn is not sup.conn or sup.state != "open" or conn.done:
                await new.close()
                return
            sup.go_live(new, 1, reconnect=True, rotation=True)
            # Replies to requests sent on the old connection may still arrive on it.
            await conn.wait(timeout=min(1.0, ctx.request_timeout))
            conn.live = False
            with contextlib.suppress(Exception):
                await conn.close(1000, "connection rotated")
            return
        finally:
            if not rotating.done():
                rotating.set_result(None)
            overlap = session.end_overlap()
            if overlap is not None:
                for entry, message in overlap.drain():
                    sup.outcomes.deliver(entry, message)
                ctx.log.debug("rotation: %d copies dropped", overlap.duplicates)


def rotation_margin(
    lifetime: float, options: ConnectOptions, restore_timeout: float
) -> float:
    """Seconds before the end of a connection's ``lifetime`` at which its rotation
    starts: ``options.rotation_margin``, else the longest an establishment may take
    (``open_timeout + restore_timeout``), at most a quarter of the lifetime. Binance's
    86400 s lifetime with the defaults (10 s + 10 s) rotates after 86380 s."""
    if options.rotation_margin is not None:
        return max(0.0, min(options.rotation_margin, lifetime))
    longest = (options.open_timeout or 10.0) + restore_timeout
    return min(longest, lifetime / 4)
