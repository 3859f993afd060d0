"""The client's ``init`` handshake (GraphQL over WebSocket ``connection_init``).

With ``api.init`` the server waits for a frame carrying the constants of ``init.send`` and
answers with a frame built from ``init.ack``'s constants. Close codes follow the spec's
``reconnect.close_codes``: before the ack any other message closes the connection with 4401
when the spec lists 4401 (else it is ignored); a second init closes with 4429 when listed;
with ``init_timeout`` a client that does not init in time is closed with 4408 when listed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from websockets.exceptions import ConnectionClosed

from ..ir import Api
from .connection import Connection
from .framing import Framer

logger = logging.getLogger("nova.testing.server")

UNAUTHORIZED = 4401
TIMEOUT = 4408
TOO_MANY = 4429
REASONS = {
    UNAUTHORIZED: "Unauthorized",
    TIMEOUT: "Connection initialisation timeout",
    TOO_MANY: "Too many initialisation requests",
}


def carries(template: Any, value: Any) -> bool:
    """Whether ``value`` has every constant leaf of ``template`` (objects may hold more;
    a nested object of the template may be missing altogether)."""
    if isinstance(template, dict):
        if not isinstance(value, dict):
            return False
        return all(
            (k not in value and isinstance(v, dict | list)) or (k in value and carries(v, value[k]))
            for k, v in template.items()
        )
    if isinstance(template, list):
        return isinstance(value, list)
    return bool(value == template)


class InitGate:
    """Plays the server side of ``api.init`` on each connection."""

    def __init__(self, api: Api, framer: Framer, *, timeout: float | None) -> None:
        self.init = api.init
        self.framer = framer
        self.codes = set(api.reconnect.close_codes)
        self.timeout = timeout
        self.acks = 0
        """Init frames acknowledged so far."""

    def open(self, conn: Connection) -> None:
        """Prepare a new connection: initialised at once when the spec has no init."""
        conn.initialised = self.init is None
        if self.init is not None and self.timeout is not None and TIMEOUT in self.codes:
            conn.spawn(self._deadline(conn, self.timeout))

    async def _deadline(self, conn: Connection, seconds: float) -> None:
        await asyncio.sleep(seconds)
        if not conn.initialised:
            await self._close(conn, TIMEOUT)

    async def _close(self, conn: Connection, code: int) -> None:
        logger.info("conn %d: closing with %d (init)", conn.number, code)
        try:
            await conn.ws.close(code, REASONS[code])
        except ConnectionClosed:
            pass

    async def consume(self, conn: Connection, frame: Any) -> bool:
        """Handle ``frame`` (decoded JSON, or text) if the handshake wants it; True when it
        was consumed and must not be served further."""
        if self.init is None:
            return False
        is_init = carries(dict(self.init.send), frame)
        if conn.initialised:
            if not is_init:
                return False
            if TOO_MANY in self.codes:
                await self._close(conn, TOO_MANY)
            return True
        if is_init:
            conn.initialised = True
            self.acks += 1
            await conn.send(self.framer.hello(self.init.ack))
        elif UNAUTHORIZED in self.codes:
            await self._close(conn, UNAUTHORIZED)
        else:
            logger.info("conn %d: ignoring a frame before init", conn.number)
        return True
