"""Where each frame a client sends to the test server goes.

A frame is recorded first (tests read everything the server received), then offered, in
order, to the parts that may claim it: the ``init`` handshake (:mod:`.handshake`), an answer
to one of the server's pings (:mod:`.pings`), a client ping that gets a pong
(:mod:`.heartbeats`), a frame that ends a subscription (GraphQL ``complete``,
:mod:`.subscriptions`); what is left is a request, answered by :mod:`.answers`. Frames that
are none of these (no method, not JSON) are logged and dropped.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from ..ir import FrameKind
from .answers import Answers
from .connection import Connection
from .framing import Framer, IncomingRequest
from .handshake import InitGate
from .heartbeats import Heartbeats
from .pings import ServerPings
from .subscriptions import Subscriptions

__all__ = ["Inbox"]

logger = logging.getLogger("nova.testing.server")

class Inbox:
    """Records and routes every frame clients send (:attr:`received`, :attr:`received_text`)."""

    def __init__(
        self,
        framer: Framer,
        *,
        lock: threading.Lock,
        init_gate: InitGate,
        pings: ServerPings,
        heartbeats: Heartbeats,
        streams: Subscriptions,
        answers: Answers,
    ) -> None:
        self.framer = framer
        self.lock = lock
        self.init_gate = init_gate
        self.pings = pings
        self.heartbeats = heartbeats
        self.streams = streams
        self.answers = answers
        """Answers each request (a frame with a wire method) nothing else claimed."""
        self.received: list[Any] = []
        """Every decoded JSON frame clients sent, in order (all connections)."""
        self.received_text: list[str] = []
        """Text frames that were not JSON (e.g. ``pong`` answers, garbage)."""
        self.received_binary: list[bytes] = []
        """Binary frames as they came (:meth:`take` then gets them decoded)."""

    async def take(self, conn: Connection, text: str, *, binary: bool = False) -> None:
        """Route one frame (a ``binary`` one arrives here decoded as UTF-8)."""
        try:
            frame = json.loads(text)
        except ValueError:
            await self._plain_text(conn, text, "binary" if binary else "text")
            return
        with self.lock:
            self.received.append(frame)
        if await self.init_gate.consume(conn, frame):
            return
        if self.pings.answers_frame(frame):
            self.pings.count(conn)
            return
        pong = self.heartbeats.pong_for(frame)
        if pong is not None:
            await conn.send(pong)
            return
        if not isinstance(frame, dict):
            # Only a request whose payload is the whole frame (an array, a number) sends one.
            request = self.answers.identify(IncomingRequest(method=None, id=None, has_id=False, params=frame), frame)
            if request.method is not None:
                await self.answers.answer(conn, request)
            else:
                logger.warning("conn %d sent a frame that is not an object: %.200r", conn.number, text)
            return
        request = self.answers.identify(self.framer.read_request(frame), frame)
        if await self.streams.end_by_client(conn, frame, request):
            with self.lock:
                conn.log.append((str(request.method), request.params))
            return
        if request.method is None:
            logger.warning("conn %d sent a frame with no method: %.200r", conn.number, text)
            return
        await self.answers.answer(conn, request)

    async def _plain_text(self, conn: Connection, text: str, kind: FrameKind) -> None:
        with self.lock:
            self.received_text.append(text)
        if await self.init_gate.consume(conn, text):
            return
        if self.pings.answers_text(text) and self.pings.count(conn):
            return
        pong = self.heartbeats.pong_for(text)
        if pong is not None:
            await conn.send(pong)
            return
        request = self.answers.identify(IncomingRequest(method=None, id=None, has_id=False, params=text), text, kind)
        if request.method is not None:  # a request whose frame is a string or bytes
            await self.answers.answer(conn, request)
            return
        logger.warning("conn %d sent a %s frame that is not JSON: %.200r", conn.number, kind, text)
