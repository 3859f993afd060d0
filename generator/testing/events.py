"""The document's own events, sent to each connection as the server would send them.

An AsyncAPI document (or a nova spec's ``events``) lists messages the server sends on its
own: Slack's ``hello`` and ``reaction`` events, Kraken's ``systemStatus`` and
``heartbeat``. With ``emit_events`` the test server sends each such event's examples to
every new connection, once, in the order of the document, ``interval`` seconds apart, after
the hello: a generated client then sees the traffic the document describes, typed hooks and
all. The examples are sent (message ``examples``, and the payload schema's own
``examples``/``example``, which the front end collects), never one that contradicts its
schema (AsyncAPI documents have such examples; the loader warns with ``NOVA036``); an event
with no valid example is sent once, as a frame built from its schema (:mod:`.valid`, with a
warning). Events that the document gives only as the reply to a request
(``Event.unsolicited`` False) are sent only as that reply (:mod:`.answers`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from websockets.exceptions import ConnectionClosed

from ..ir import Api, Event
from .connection import Connection
from .framing import Framer
from .valid import ExampleCheck

__all__ = ["EventEmitter"]

logger = logging.getLogger("nova.testing.server")


class EventEmitter:
    """Sends the unsolicited events' examples to each connection (:attr:`sent` counts)."""

    def __init__(
        self, api: Api, framer: Framer, check: ExampleCheck, lock: threading.Lock, *, interval: float
    ) -> None:
        self.framer = framer
        self.lock = lock
        self.interval = interval
        self.frames: list[tuple[Event, Any]] = [
            (event, example)
            for event in api.events
            if event.unsolicited
            for example in check.usable(event.message, event.examples, what=f"event {event.name!r}")
        ]
        """(event, payload) in the order they are sent."""
        self.sent = 0

    async def run(self, conn: Connection) -> None:
        """Send every frame of :attr:`frames` to ``conn``; a stalled connection waits."""
        try:
            for n, (event, payload) in enumerate(self.frames):
                if n:
                    await asyncio.sleep(self.interval)
                await conn.running.wait()
                await conn.send(self.framer.event(event, payload))
                with self.lock:
                    self.sent += 1
        except ConnectionClosed:
            pass
