"""One accepted client connection of the test server, and how frames go out on it."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

if TYPE_CHECKING:
    from .streams import Subscription

logger = logging.getLogger("nova.testing.server")


def encode(frame: Any) -> str:
    """A text frame as it is; anything else as compact JSON."""
    return frame if isinstance(frame, str) else json.dumps(frame, separators=(",", ":"))


@dataclass(eq=False)
class Connection:
    number: int
    ws: ServerConnection
    subs: dict[str, Subscription] = field(default_factory=dict)
    """Active subscriptions, by key: the address (canonical JSON when structured) or the
    subscription id."""
    outstanding_pings: int = 0
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    log: list[tuple[str, Any]] = field(default_factory=list)
    """Every request received, in order: (wire method, params)."""
    token: str | None = None
    """The token of the last successful login on this connection."""
    running: asyncio.Event = field(default_factory=asyncio.Event)
    """Cleared while the connection is stalled: nothing is read or streamed."""
    initialised: bool = False
    """The client's ``init`` frame was acknowledged (always True without ``api.init``)."""

    async def send(self, frame: Any) -> None:
        text = encode(frame)
        logger.debug("conn %d <- %s", self.number, text)
        await self.ws.send(text)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run ``coro`` for this connection; a failure other than the connection closing is
        logged at ERROR (so :class:`~nova_gen.testing.ServerErrors` sees it)."""
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None and not isinstance(exc, ConnectionClosed):
            logger.error("conn %d: task failed", self.number, exc_info=exc)
