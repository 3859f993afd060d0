"""The server's own application pings (``heartbeat.server_pings``) and their answers.

Some servers probe their clients (Deribit ``test_request``, GraphQL ``ping``, a text
``ping``) and close a connection that does not answer. The test server sends every probe
of the spec on a timer when asked to, and counts the answers, whatever form the spec gives
them: a request (``reply.request``), a frame (``reply.frame``) or a text (``reply.text``).
A test then sees that the client answered each probe exactly once.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from websockets.exceptions import ConnectionClosed

from ..ir import Api
from .connection import Connection
from .framing import Framer
from .handshake import carries

__all__ = ["ServerPings"]

logger = logging.getLogger("nova.testing.server")


class ServerPings:
    """Sends the spec's server pings and counts the answers (:attr:`sent`, :attr:`answered`)."""

    def __init__(self, api: Api, framer: Framer, lock: threading.Lock, *, interval: float) -> None:
        self.pings = api.heartbeat.server_pings
        self.framer = framer
        self.lock = lock
        self.interval = interval
        self.sent = 0
        self.answered = 0
        self.by_request: dict[str, int] = {}
        """Answers that were requests, by wire method."""
        self._frames = [dict(p.reply.frame) for p in self.pings if p.reply.frame]
        self._texts = {p.reply.text for p in self.pings if p.reply.text is not None}
        for ping in self.pings:
            if ping.reply.request is not None:
                self.by_request[ping.reply.request] = 0

    async def run(self, conn: Connection) -> None:
        """Send every probe each :attr:`interval` seconds until the connection ends; a
        stalled connection gets none."""
        try:
            while True:
                await asyncio.sleep(self.interval)
                await conn.running.wait()
                for ping in self.pings:
                    await conn.send(self.framer.server_ping(ping))
                    with self.lock:
                        self.sent += 1
                        conn.outstanding_pings += 1
                    logger.debug("conn %d: server ping sent", conn.number)
        except ConnectionClosed:
            pass

    def answers_frame(self, frame: Any) -> bool:
        """Whether a JSON frame is an answer to a server ping (a ``reply.frame``)."""
        return any(carries(f, frame) for f in self._frames)

    def answers_text(self, text: str) -> bool:
        """Whether a text frame is an answer to a server ping (a ``reply.text``)."""
        return text in self._texts

    def count(self, conn: Connection, request: str | None = None) -> bool:
        """Count one answer on ``conn`` (a request answer by its wire method) if a ping is
        outstanding there; True when it was counted."""
        with self.lock:
            if conn.outstanding_pings <= 0:
                return False
            conn.outstanding_pings -= 1
            self.answered += 1
            if request is not None:
                self.by_request[request] += 1
            return True
