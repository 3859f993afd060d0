"""A local WebSocket server that speaks an API's spec, built from the spec's own examples.

End-to-end tests and the README demo run generated clients against it over real sockets on
127.0.0.1::

    async with SpecServer(api) as server:
        async with DeribitClient.connect(url=server.url) as client:
            ...

It answers each request from the request's examples, acknowledges subscriptions and streams
each subscribed channel's example messages, sends the spec's server pings when asked to, and
offers fault controls (:meth:`SpecServer.fail_next`, :meth:`SpecServer.never_answer`,
:meth:`SpecServer.send_raw`, :meth:`SpecServer.drop_connections`,
:meth:`SpecServer.close_connections`). Everything it receives is recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import threading
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self, TypeVar

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from ..ir import (
    Api,
    Channel,
    ChannelExample,
    Event,
    Request,
    RequestExample,
    SubscriptionMethod,
)
from ..runtime.protocol import ServerPing
from .framing import read_at
from .addresses import AddressTemplate, same_parameters
from .framing import Framer, IncomingRequest

__all__ = ["ErrorReply", "SpecServer"]

logger = logging.getLogger("nova.testing.server")

_T = TypeVar("_T")

HOST = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class ErrorReply:
    """An error the server answers with."""

    code: Any
    message: str
    data: Any = None


@dataclass(eq=False)
class _Connection:
    number: int
    ws: ServerConnection
    streams: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    """Active subscriptions: address -> the task streaming its notifications."""
    outstanding_pings: int = 0
    tasks: set[asyncio.Task[None]] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class _SubscribeRoute:
    method: SubscriptionMethod
    subscribe: bool
    """True for the subscribe request, False for the unsubscribe request."""


class SpecServer:
    """A ``websockets`` server on 127.0.0.1 that speaks ``api``'s protocol.

    Use it as ``async with SpecServer(api) as server`` (or :meth:`start` / :meth:`stop`);
    :attr:`url` is ``ws://127.0.0.1:<port>``.

    The sync controls (:meth:`fail_next`, :meth:`never_answer`, :meth:`drop_connections`,
    ...) may be called from any thread; the async ones (:meth:`send_raw`,
    :meth:`close_connections`, :meth:`send_event`) may be awaited on any event loop and run
    on the server's.
    """

    def __init__(
        self,
        api: Api,
        *,
        port: int = 0,
        notify_interval: float = 0.01,
        max_notifications: int | None = None,
        server_pings: bool = False,
        ping_interval: float = 1.0,
        unknown_method_error: ErrorReply = ErrorReply(-32601, "Method not found"),
        ws_ping_interval: float | None = 20.0,
    ) -> None:
        """
        :param api: the API to speak.
        :param port: the TCP port on 127.0.0.1; 0 picks a free one.
        :param notify_interval: seconds between two notifications of one subscription.
        :param max_notifications: notifications per subscription; None streams while
            subscribed, 0 only acknowledges.
        :param server_pings: send every ``heartbeat.server_pings`` probe each
            ``ping_interval`` seconds.
        :param unknown_method_error: the reply to a method the spec does not know or that
            has no examples.
        :param ws_ping_interval: WebSocket-level pings from the server (None: off).
        """
        self.api = api
        self.port = port
        self.notify_interval = notify_interval
        self.max_notifications = max_notifications
        self.server_pings = server_pings
        self.ping_interval = ping_interval
        self.unknown_method_error = unknown_method_error
        self.ws_ping_interval = ws_ping_interval
        self.framer = Framer(api.envelope)

        self.received: list[Any] = []
        """Every decoded JSON frame clients sent, in order (all connections)."""
        self.received_text: list[str] = []
        """Text frames that were not JSON (e.g. ``pong`` answers, garbage)."""
        self.connections = 0
        """Connections accepted so far."""
        self.pings_sent = 0
        self.pings_answered = 0
        self.notifications_sent = 0

        self._lock = threading.Lock()
        self._failures: dict[str, deque[ErrorReply]] = {}
        self._silenced: set[str] = set()
        self._open: dict[int, _Connection] = {}
        self._server: Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

        self._requests: dict[str, Request] = {r.method: r for r in api.requests}
        self._routes: dict[str, _SubscribeRoute] = {}
        for sub in api.subscriptions:
            self._add_route(sub.subscribe, _SubscribeRoute(sub, True))
            if sub.unsubscribe is not None:
                self._add_route(sub.unsubscribe, _SubscribeRoute(sub, False))
        self._templates = [AddressTemplate(c) for c in api.channels]
        self._ping_replies: dict[str, int] = {}
        self._ping_texts: set[str] = set()
        for ping in api.heartbeat.server_pings:
            if ping.reply.request is not None:
                self._ping_replies[ping.reply.request] = 0
            if ping.reply.text is not None:
                self._ping_texts.add(ping.reply.text)

    def _add_route(self, request_name: str, route: _SubscribeRoute) -> None:
        request = next((r for r in self.api.requests if r.name == request_name), None)
        # A spec may name the wire method directly; accept that too.
        self._routes[request.method if request is not None else request_name] = route

    # -- lifecycle -------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``ws://127.0.0.1:<port>``, once started."""
        if self._server is None:
            raise RuntimeError("the server is not started")
        return f"ws://{HOST}:{self.port}"

    async def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("the server is already started")
        self._loop = asyncio.get_running_loop()
        self._server = await serve(
            self._handle,
            HOST,
            self.port,
            subprotocols=[Subprotocol(s) for s in self.api.subprotocols] or None,
            ping_interval=self.ws_ping_interval,
            logger=logging.getLogger("nova.testing.server.ws"),
        )
        self.port = int(self._server.sockets[0].getsockname()[1])
        logger.info("serving %s on %s", self.api.name, self.url)
        return self

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        await server.wait_closed()
        logger.info("stopped serving %s", self.api.name)

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def serve_forever(self) -> None:
        """Serve until cancelled (the CLI's main loop)."""
        if self._server is None:
            await self.start()
        assert self._server is not None
        await self._server.serve_forever()

    # -- what the server saw -----------------------------------------------------------

    @property
    def open_connections(self) -> int:
        return len(self._open)

    @property
    def subscriptions(self) -> dict[int, frozenset[str]]:
        """Active subscriptions per open connection, keyed by connection number (1, 2, ...)."""
        with self._lock:
            return {n: frozenset(c.streams) for n, c in self._open.items()}

    def requests_of(self, method: str) -> list[Any]:
        """The received frames whose wire method is ``method``."""
        with self._lock:
            frames = list(self.received)
        return [f for f in frames if self.framer.read_request(f).method == method]

    async def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 5.0, poll: float = 0.005
    ) -> None:
        """Wait until ``predicate()`` is true; TimeoutError after ``timeout`` seconds."""
        async with asyncio.timeout(timeout):
            while not predicate():
                await asyncio.sleep(poll)

    # -- fault controls ----------------------------------------------------------------

    def fail_next(self, method: str, code: Any, message: str, data: Any = None) -> None:
        """The next request of wire ``method`` gets this error reply (calls queue up)."""
        with self._lock:
            self._failures.setdefault(method, deque()).append(
                ErrorReply(code, message, data)
            )

    def never_answer(self, method: str) -> None:
        """Requests of wire ``method`` get no reply at all (until :meth:`answer`)."""
        with self._lock:
            self._silenced.add(method)

    def answer(self, method: str) -> None:
        """Undo :meth:`never_answer` for ``method``."""
        with self._lock:
            self._silenced.discard(method)

    def clear_faults(self) -> None:
        """Forget every pending :meth:`fail_next` and :meth:`never_answer`."""
        with self._lock:
            self._failures.clear()
            self._silenced.clear()

    async def send_raw(self, text: str) -> None:
        """Send ``text`` as-is, as a text frame, to every open connection."""
        await self._on_loop(self._broadcast(text))

    async def send_event(self, name: str, payload: Any = None) -> None:
        """Send event ``name`` to every open connection.

        ``payload`` defaults to the event's first example.
        """
        event = self._event(name)
        if payload is None and event.examples:
            payload = event.examples[0]
        await self._on_loop(
            self._broadcast(self._encode(self.framer.event(event, payload)))
        )

    def drop_connections(self) -> None:
        """Abort every open connection at the TCP level: no close frame, no handshake."""
        loop = self._loop
        if loop is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._abort_all()
        else:
            loop.call_soon_threadsafe(self._abort_all)

    async def close_connections(self, code: int = 1000, reason: str = "") -> None:
        """Close every open connection with a close frame carrying ``code`` and ``reason``."""

        async def close_all() -> None:
            conns = list(self._open.values())
            logger.info("closing %d connection(s) with %d %r", len(conns), code, reason)
            await asyncio.gather(*(c.ws.close(code, reason) for c in conns))

        await self._on_loop(close_all())

    # -- internals -----------------------------------------------------------------------

    async def _on_loop(self, coro: Coroutine[Any, Any, _T]) -> _T:
        loop = self._loop
        if loop is None or asyncio.get_running_loop() is loop:
            return await coro
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))

    def _abort_all(self) -> None:
        conns = list(self._open.values())
        logger.info("dropping %d connection(s)", len(conns))
        for conn in conns:
            conn.ws.transport.abort()

    async def _broadcast(self, text: str) -> None:
        for conn in list(self._open.values()):
            with contextlib.suppress(ConnectionClosed):
                await conn.ws.send(text)

    def _event(self, name: str) -> Event:
        for event in self.api.events:
            if event.name == name:
                return event
        raise KeyError(f"no event named {name!r}")

    @staticmethod
    def _encode(frame: Any) -> str:
        return (
            frame
            if isinstance(frame, str)
            else json.dumps(frame, separators=(",", ":"))
        )

    async def _send(self, conn: _Connection, frame: Any) -> None:
        text = self._encode(frame)
        logger.debug("conn %d <- %s", conn.number, text)
        await conn.ws.send(text)

    def _spawn(
        self, conn: _Connection, coro: Coroutine[Any, Any, None]
    ) -> asyncio.Task[None]:
        task = asyncio.create_task(coro)
        conn.tasks.add(task)
        task.add_done_callback(conn.tasks.discard)
        return task

    async def _handle(self, ws: ServerConnection) -> None:
        with self._lock:
            self.connections += 1
            conn = _Connection(self.connections, ws)
            self._open[conn.number] = conn
        logger.info("conn %d open from %s", conn.number, ws.remote_address)
        if self.server_pings and self.api.heartbeat.server_pings:
            self._spawn(conn, self._ping_loop(conn))
        try:
            async for message in ws:
                text = (
                    message
                    if isinstance(message, str)
                    else message.decode("utf-8", "replace")
                )
                logger.debug("conn %d -> %s", conn.number, text)
                await self._on_text(conn, text)
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                self._open.pop(conn.number, None)
                streams = list(conn.streams.values())
                conn.streams.clear()
            tasks = [*streams, *conn.tasks]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            logger.info(
                "conn %d closed (code=%s reason=%r)",
                conn.number,
                ws.close_code,
                ws.close_reason,
            )

    async def _on_text(self, conn: _Connection, text: str) -> None:
        try:
            frame = json.loads(text)
        except ValueError:
            with self._lock:
                self.received_text.append(text)
                if text in self._ping_texts and conn.outstanding_pings > 0:
                    conn.outstanding_pings -= 1
                    self.pings_answered += 1
                    return
            logger.warning(
                "conn %d sent a frame that is not JSON: %.200r", conn.number, text
            )
            return
        with self._lock:
            self.received.append(frame)
        if not isinstance(frame, dict):
            logger.warning(
                "conn %d sent a frame that is not an object: %.200r", conn.number, text
            )
            return
        request = self.framer.read_request(frame)
        if request.method is None:
            logger.warning(
                "conn %d sent a frame with no method: %.200r", conn.number, text
            )
            return
        await self._on_request(conn, request)

    async def _on_request(self, conn: _Connection, req: IncomingRequest) -> None:
        method = req.method
        assert method is not None
        with self._lock:
            if method in self._ping_replies and conn.outstanding_pings > 0:
                conn.outstanding_pings -= 1
                self._ping_replies[method] += 1
                self.pings_answered += 1
            if method in self._silenced:
                logger.info(
                    "conn %d: not answering %s (never_answer)", conn.number, method
                )
                return
            queue = self._failures.get(method)
            failure = queue.popleft() if queue else None

        if failure is not None:
            logger.info(
                "conn %d: failing %s with %r (fail_next)", conn.number, method, failure
            )
            await self._send(conn, self._error(req, failure))
            return

        route = self._routes.get(method)
        if route is not None:
            await self._on_subscription_request(conn, req, route)
            return

        example = self._pick_example(method, req.params)
        if example is None:
            logger.warning("conn %d: no example answers %s", conn.number, method)
            await self._send(conn, self._error(req, self.unknown_method_error))
        elif example.error is not None:
            err = example.error
            reply = ErrorReply(
                err.get("code"), str(err.get("message", "")), err.get("data")
            )
            await self._send(conn, self._error(req, reply))
        else:
            await self._send(
                conn, self.framer.reply(req.id, example.result, has_id=req.has_id)
            )

    def _error(self, req: IncomingRequest, err: ErrorReply) -> dict[str, Any]:
        return self.framer.error(
            req.id, err.code, err.message, err.data, has_id=req.has_id
        )

    def _pick_example(self, method: str, params: Any) -> RequestExample | None:
        request = self._requests.get(method)
        if request is None or not request.examples:
            return None
        examples = request.examples
        for ex in examples:
            if ex.params == params:
                return ex
        if isinstance(params, dict):
            for ex in examples:
                if all(k in params and params[k] == v for k, v in ex.params.items()):
                    return ex
        for ex in examples:
            if ex.error is None:
                return ex
        return examples[0]

    # -- subscriptions -------------------------------------------------------------------

    def _match_address(
        self, sub: SubscriptionMethod, address: str
    ) -> tuple[Channel, dict[str, str]] | None:
        for template in self._templates:
            channel = template.channel
            if channel.subscription and channel.subscription != sub.name:
                continue
            params = template.match(address)
            if params is not None:
                return channel, params
        return None

    async def _on_subscription_request(
        self, conn: _Connection, req: IncomingRequest, route: _SubscribeRoute
    ) -> None:
        raw = read_at(req.params, route.method.addresses, [])
        addresses = (
            [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
        )
        acked: list[str] = []
        to_start: list[tuple[str, Channel, dict[str, str]]] = []
        for address in addresses:
            if not isinstance(address, str):
                continue
            found = self._match_address(route.method, address)
            if found is None:
                logger.info(
                    "conn %d: %r matches no channel, not acknowledged",
                    conn.number,
                    address,
                )
                continue
            if address not in acked:
                acked.append(address)
            if route.subscribe:
                to_start.append((address, *found))
        if not route.subscribe:
            with self._lock:
                stopped = [conn.streams.pop(a) for a in acked if a in conn.streams]
            for task in stopped:
                task.cancel()
        # The ack goes out before the first notification.
        await self._send(conn, self.framer.reply(req.id, acked, has_id=req.has_id))
        verb = "subscribed" if route.subscribe else "unsubscribed"
        logger.info("conn %d %s %s", conn.number, verb, acked)
        for address, channel, params in to_start:
            with self._lock:
                if address in conn.streams:
                    continue
                task = self._spawn(conn, self._stream(conn, address, channel, params))
                conn.streams[address] = task

    async def _stream(
        self, conn: _Connection, address: str, channel: Channel, params: dict[str, str]
    ) -> None:
        preferred = [
            e for e in channel.examples if same_parameters(e.parameters, params)
        ]
        examples: list[ChannelExample] = preferred or list(channel.examples)
        if self.api.envelope.notification is None:
            logger.warning("the envelope has no notification rule: nothing to stream")
            return
        if not examples or self.max_notifications == 0:
            if not examples:
                logger.info(
                    "channel %s has no examples: nothing to stream", channel.name
                )
            return
        sent = 0
        try:
            for example in itertools.cycle(examples):
                if (
                    self.max_notifications is not None
                    and sent >= self.max_notifications
                ):
                    break
                await self._send(
                    conn, self.framer.notification(address, example.message)
                )
                sent += 1
                with self._lock:
                    self.notifications_sent += 1
                await asyncio.sleep(self.notify_interval)
        except ConnectionClosed:
            pass
        # A stream that reached max_notifications stays subscribed until unsubscribed.

    # -- server pings --------------------------------------------------------------------

    async def _ping_loop(self, conn: _Connection) -> None:
        pings: tuple[ServerPing, ...] = self.api.heartbeat.server_pings
        try:
            while True:
                await asyncio.sleep(self.ping_interval)
                for ping in pings:
                    await self._send(conn, self.framer.server_ping(ping))
                    with self._lock:
                        self.pings_sent += 1
                        conn.outstanding_pings += 1
                    logger.debug("conn %d: server ping sent", conn.number)
        except ConnectionClosed:
            pass
