"""Accepting connections: the opening handshake, then one connection's life.

The opening handshake is where a server refuses (a queued HTTP refusal, an ``authorize``
check that fails with 401) or is slow (``handshake_delay``). An accepted connection is
registered (:mod:`.sockets`), gets the spec's ``init`` gate, its maximum lifetime, the
spec's hello, the server's pings and the spec's events (:mod:`.events`), then every frame it sends goes to the inbox
(:mod:`.inbox`) until it closes, unless it goes over the message limit. When it ends, its
tasks (streams, pings, timers) end with it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from nova_runtime.protocol import Hello
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request as HttpRequest
from websockets.http11 import Response as HttpResponse

from .connection import Connection
from .events import EventEmitter
from .faults import Faults
from .framing import Framer
from .handshake import InitGate
from .inbox import Inbox
from .pings import ServerPings
from .ratelimit import MessageLimit
from .sockets import Sockets

__all__ = ["Acceptor", "Door"]

logger = logging.getLogger("nova.testing.server")


@dataclass(frozen=True, slots=True)
class Door:
    """How the server treats connections (the ``SpecServer`` options of the same names)."""

    hello: Hello | None = None
    hello_delay: float = 0.0
    handshake_delay: float = 0.0
    authorize: Callable[[HttpRequest], bool] | None = None
    max_lifetime: float | None = None
    message_limit: MessageLimit | None = None
    server_pings: bool = False
    emit_events: bool = False


class Acceptor:
    """Plays the opening handshake (:meth:`handshake`) and each connection (:meth:`serve`).

    Counters: :attr:`handshakes`, :attr:`unauthorized`, :attr:`hellos_sent`.
    """

    def __init__(
        self,
        door: Door,
        framer: Framer,
        *,
        lock: threading.Lock,
        sockets: Sockets,
        faults: Faults,
        init_gate: InitGate,
        pings: ServerPings,
        inbox: Inbox,
        events: EventEmitter,
    ) -> None:
        self.door = door
        self.framer = framer
        self.lock = lock
        self.sockets = sockets
        self.faults = faults
        self.init_gate = init_gate
        self.pings = pings
        self.inbox = inbox
        self.events = events
        self.handshakes: list[HttpRequest] = []
        """Every opening handshake request (path and headers), in order, refused ones too."""
        self.unauthorized = 0
        """Handshakes refused by ``authorize``."""
        self.hellos_sent = 0
        self._arrived: dict[int, float] = {}
        """id(ServerConnection) -> loop time its opening handshake request arrived."""

    async def handshake(
        self, connection: ServerConnection, request: HttpRequest
    ) -> HttpResponse | None:
        """The ``process_request`` hook of ``websockets``: None accepts the handshake."""
        self._arrived[id(connection)] = asyncio.get_running_loop().time()
        if self.door.handshake_delay > 0:
            await asyncio.sleep(self.door.handshake_delay)
        with self.lock:
            self.handshakes.append(request)
        authorize = self.door.authorize
        if authorize is not None and not authorize(request):
            with self.lock:
                self.unauthorized += 1
            logger.info("refusing an unauthorised connection attempt with HTTP 401")
            return connection.respond(401, "unauthorised\n")
        status = self.faults.take_refusal()
        if status is None:
            return None
        self._arrived.pop(id(connection), None)
        logger.info("refusing a connection attempt with HTTP %d", status)
        return connection.respond(status, "refused by the test server\n")

    async def serve(self, ws: ServerConnection) -> None:
        """The connection handler of ``websockets``: one connection, start to end."""
        conn = self.sockets.accept(ws)
        logger.info("conn %d open from %s", conn.number, ws.remote_address)
        self.init_gate.open(conn)
        loop = asyncio.get_running_loop()
        arrived = self._arrived.pop(id(ws), None)
        door = self.door
        if door.max_lifetime is not None and arrived is not None:
            conn.spawn(self.sockets.expire(conn, arrived + door.max_lifetime))
        try:
            if door.hello is not None:
                await self._send_hello(conn, door.hello)
            if door.server_pings and self.pings.pings:
                conn.spawn(self.pings.run(conn))
            if door.emit_events and self.events.frames:
                conn.spawn(self.events.run(conn))
            async for message in ws:
                if isinstance(message, bytes):
                    with self.inbox.lock:
                        self.inbox.received_binary.append(message)
                text = message if isinstance(message, str) else message.decode("utf-8", "replace")
                logger.debug("conn %d -> %s", conn.number, text)
                limit = door.message_limit
                if limit is not None and limit.over(conn.number, loop.time()):
                    logger.info("conn %d: over the message limit", conn.number)
                    await ws.close(limit.code, limit.reason)
                    break
                await self.inbox.take(conn, text, binary=isinstance(message, bytes))
                # A stalled connection takes no further message, even one already read.
                await conn.running.wait()
        except ConnectionClosed:
            pass
        finally:
            await self._end(conn)

    async def _end(self, conn: Connection) -> None:
        self.sockets.forget(conn)
        if self.door.message_limit is not None:
            self.door.message_limit.forget(conn.number)
        tasks = list(conn.tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        ws = conn.ws
        logger.info("conn %d closed (code=%s reason=%r)", conn.number, ws.close_code, ws.close_reason)

    async def _send_hello(self, conn: Connection, hello: Hello) -> None:
        if self.door.hello_delay > 0:
            await asyncio.sleep(self.door.hello_delay)
        await conn.send(self.framer.hello(hello.when))
        with self.lock:
            self.hellos_sent += 1
