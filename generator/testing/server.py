"""A local WebSocket server that speaks an API's spec, built from the spec's own examples.

End-to-end tests and the README demo run generated clients against it over real sockets on
127.0.0.1::

    async with SpecServer(api) as server:
        async with DeribitClient.connect(url=server.url) as client:
            ...

It answers each request from the request's examples, acknowledges subscriptions and streams
each subscribed channel's example messages, sends the spec's server pings when asked to, and
plays the spec's login (``api.auth``: fresh tokens, refresh, expiry, ``requires_auth``;
see :mod:`.auth`), sends the spec's hello first when it has one, and offers fault controls
(:meth:`SpecServer.fail_next`, :meth:`SpecServer.never_answer`, :meth:`SpecServer.throttle`,
:meth:`SpecServer.refuse_connections`, :meth:`SpecServer.stall`, :meth:`SpecServer.mute`,
:meth:`SpecServer.drop_connections`, :meth:`SpecServer.drop_every`,
:meth:`SpecServer.close_connections`, :meth:`SpecServer.send_raw`). Everything it receives
is recorded, per connection and in order (:meth:`SpecServer.connection_log`).

Beyond channel strings, everything is driven by the IR: structured addresses and
``subscribe_params`` (:mod:`.templates`, :mod:`.routing`), acks ``reply``/``match``/``none``
and subscription ids (:mod:`.subscriptions`), routed and sequenced notification frames
(:mod:`.streams`, :meth:`SpecServer.skip_sequence`), the client's ``init`` handshake
(:mod:`.handshake`) and heartbeats that are frames or texts (:mod:`.heartbeats`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl as _ssl
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, TypeVar

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request as HttpRequest
from websockets.http11 import Response as HttpResponse
from websockets.typing import Subprotocol

from nova_runtime.protocol import Hello, ServerPing

from ..ir import Api, Event, Request, RequestExample, SubscriptionMethod
from .auth import UNAUTHORIZED, AuthServer
from .connection import Connection, encode
from .faults import ErrorReply, Faults
from .framing import Framer, IncomingRequest
from .handshake import InitGate
from .heartbeats import Heartbeats
from .ratelimit import MessageLimit
from .subscriptions import Subscriptions

__all__ = ["ErrorReply", "SpecServer"]

logger = logging.getLogger("nova.testing.server")

_T = TypeVar("_T")

HOST = "127.0.0.1"

METHOD_NOT_FOUND = ErrorReply(-32601, "Method not found")


@dataclass(frozen=True, slots=True)
class _SubscribeRoute:
    method: SubscriptionMethod
    subscribe: bool
    """True for the subscribe request, False for the unsubscribe request."""


class SpecServer:
    """A ``websockets`` server on 127.0.0.1 that speaks ``api``'s protocol.

    Use it as ``async with SpecServer(api) as server`` (or :meth:`start` / :meth:`stop`);
    :attr:`url` is ``ws://127.0.0.1:<port>``.

    The sync controls (:meth:`fail_next`, :meth:`never_answer`, :meth:`throttle`,
    :meth:`refuse_connections`, :meth:`stall`, :meth:`drop_connections`,
    :meth:`drop_every`, :meth:`expire_tokens`, ...) may be called from any thread; the
    async ones (:meth:`send_raw`, :meth:`close_connections`, :meth:`send_event`) may be
    awaited on any event loop and run on the server's.
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
        unknown_method_error: ErrorReply = METHOD_NOT_FOUND,
        ws_ping_interval: float | None = 20.0,
        token_lifetime: float | None = None,
        expected_credentials: dict[str, Any] | None = None,
        unauthorized_error: ErrorReply = UNAUTHORIZED,
        hello_delay: float = 0.0,
        init_timeout: float | None = None,
        ssl: _ssl.SSLContext | None = None,
        message_limit: MessageLimit | None = None,
        authorize: Callable[[HttpRequest], bool] | None = None,
        feed: bool = False,
        max_lifetime: float | None = None,
        handshake_delay: float = 0.0,
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
        :param token_lifetime: seconds a login token lives, also sent as ``expires_in``;
            None takes the login example's ``expires_in``.
        :param expected_credentials: the credentials a login must carry, e.g.
            ``{"client_id": ..., "client_secret": ...}`` (a ``client_signature`` login is
            verified with the secret); None accepts any login.
        :param unauthorized_error: the reply to a request that requires auth on a
            connection that is not (or no longer) authenticated.
        :param hello_delay: seconds between accepting a connection and sending the spec's
            hello (``api.hello``), when it has one.
        :param init_timeout: seconds a client has to send the spec's ``init`` frame; then
            the connection is closed with 4408 if the spec's close codes list 4408.
        :param ssl: a server TLS context; the server then speaks ``wss://``.
        :param message_limit: count the frames each connection sends over a sliding
            window and close a connection that goes over (an exchange's message limit).
        :param authorize: asked with each opening handshake's request (``path`` with the
            query string, ``headers``); False refuses it with HTTP 401, as a server
            refuses a spent or wrong connect token.
        :param feed: stream every address on one clock shared by all connections, as an
            exchange's feed: the k-th tick is the same frame (sequence value k) on every
            connection subscribed to it (see :func:`.streams.stream`).
        :param max_lifetime: drop (abort) every connection this many seconds after its
            opening handshake request arrived, as servers with a maximum connection
            lifetime do; :attr:`expired` counts them.
        :param handshake_delay: seconds the server takes to answer each opening handshake.
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
        self.faults = Faults()
        """Pending injected faults; the controls below set them."""
        self.auth = AuthServer(
            api,
            token_lifetime=token_lifetime,
            expected_credentials=expected_credentials,
            unauthorized_error=unauthorized_error,
        )
        """Login handling; :attr:`logins`, :attr:`refreshes`, :attr:`login_params`."""
        self.hello: Hello | None = getattr(api, "hello", None)
        self.hello_delay = hello_delay
        self.ssl = ssl
        """A server TLS context: the server speaks ``wss://`` (tests of the client's TLS options)."""
        self.message_limit = message_limit
        """Per-connection message limit, and the peaks it measured."""
        self.authorize = authorize
        self.unauthorized = 0
        """Handshakes refused by :attr:`authorize`."""

        self.received: list[Any] = []
        """Every decoded JSON frame clients sent, in order (all connections)."""
        self.received_text: list[str] = []
        """Text frames that were not JSON (e.g. ``pong`` answers, garbage)."""
        self.received_binary: list[bytes] = []
        """Binary frames as they came (they are then handled as text, too)."""
        self.handshakes: list[HttpRequest] = []
        """Every opening handshake request (path and headers), in order, refused ones too."""
        self.connections = 0
        """Connections accepted so far."""
        self.pings_sent = 0
        self.pings_answered = 0
        self.notifications_sent = 0
        self.drops = 0
        """Connections aborted by :meth:`drop_connections` or :meth:`drop_every`."""
        self.hellos_sent = 0
        self.feed = feed
        self.max_lifetime = max_lifetime
        self.handshake_delay = handshake_delay
        self.expired = 0
        """Connections dropped at ``max_lifetime``."""
        self._arrived: dict[int, float] = {}
        """id(ServerConnection) -> loop time its opening handshake request arrived."""
        self.stalls_ended = 0
        """Stalls ended, by :meth:`unstall` or when a timed :meth:`stall` ran out."""

        self._lock = threading.Lock()
        self._open: dict[int, Connection] = {}
        self._logs: dict[int, list[tuple[str, Any]]] = {}
        self._drop_task: asyncio.Task[None] | None = None
        self._unstall_handle: asyncio.TimerHandle | None = None
        self._server: Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

        self._requests: dict[str, Request] = {r.method: r for r in api.requests}
        self.streams = Subscriptions(
            api,
            self.framer,
            self._pick_example,
            interval=notify_interval,
            limit=max_notifications,
            lock=self._lock,
            on_sent=self._count_notification,
        )
        """Subscription handling: routing, acks, ids, notification streams."""
        self.init_gate = InitGate(api, self.framer, timeout=init_timeout)
        self.heartbeats = Heartbeats(api, self.framer)
        self._routes: dict[str, _SubscribeRoute] = {}
        for sub in api.subscriptions:
            self._add_route(sub.subscribe, _SubscribeRoute(sub, True))
            if sub.unsubscribe is not None:
                self._add_route(sub.unsubscribe, _SubscribeRoute(sub, False))
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

    def _count_notification(self) -> None:
        with self._lock:
            self.notifications_sent += 1

    # -- lifecycle -------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``ws://127.0.0.1:<port>`` (``wss://`` with TLS), once started."""
        if self._server is None:
            raise RuntimeError("the server is not started")
        return f"{'wss' if self.ssl is not None else 'ws'}://{HOST}:{self.port}"

    async def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("the server is already started")
        self._loop = asyncio.get_running_loop()
        if self.feed:
            self.streams.origin = self._loop.time()
        self._server = await serve(
            self._handle,
            HOST,
            self.port,
            subprotocols=[Subprotocol(s) for s in self.api.subprotocols] or None,
            ping_interval=self.ws_ping_interval,
            process_request=self._process_request,
            logger=logging.getLogger("nova.testing.server.ws"),
            ssl=self.ssl,
        )
        self.port = int(self._server.sockets[0].getsockname()[1])
        logger.info("serving %s on %s", self.api.name, self.url)
        return self

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._cancel_drop_task()
        self._unstall_all()
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
        """Active subscriptions per open connection, keyed by connection number (1, 2, ...):
        each is its address (canonical JSON text when structured) or its subscription id."""
        with self._lock:
            return {n: frozenset(c.subs) for n, c in self._open.items()}

    def subscription_ids(self, n: int) -> list[Any]:
        """The subscription ids open connection ``n`` holds (APIs that route by id)."""
        with self._lock:
            conn = self._open.get(n)
            subs = list(conn.subs.values()) if conn is not None else []
        return [s.sub_id for s in subs if s.sub_id is not None]

    @property
    def client_pings(self) -> int:
        """Client pings (``heartbeat.client_ping``) answered so far."""
        return self.heartbeats.client_pings

    @property
    def inits(self) -> int:
        """``init`` frames acknowledged so far."""
        return self.init_gate.acks

    @property
    def sequence_skipped(self) -> int:
        """Sequence values skipped by :meth:`skip_sequence` so far."""
        return self.streams.skips.skipped

    def connection_log(self, n: int) -> list[tuple[str, Any]]:
        """Every request connection ``n`` (1-based, open or closed) sent, in order, as
        ``(wire method, params)``; ``[]`` for an unknown connection."""
        with self._lock:
            return list(self._logs.get(n, ()))

    @property
    def refused(self) -> int:
        """Connection attempts refused by :meth:`refuse_connections` so far."""
        return self.faults.refused

    @property
    def throttled(self) -> int:
        """Requests answered with the :meth:`throttle` error so far."""
        return self.faults.throttled

    @property
    def logins(self) -> int:
        """Successful credential logins so far (refreshes not included)."""
        return self.auth.logins

    @property
    def refreshes(self) -> int:
        """Successful refresh-token logins so far."""
        return self.auth.refreshes

    @property
    def login_params(self) -> list[Any]:
        """The params of every login attempt, in order (to check signatures and grants)."""
        return self.auth.recorded_logins()

    def authenticated(self, n: int) -> bool:
        """Whether open connection ``n`` holds a valid, unexpired token."""
        with self._lock:
            conn = self._open.get(n)
        return conn is not None and self.auth.valid(conn.token)

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
        self.faults.fail_next(method, ErrorReply(code, message, data))

    def never_answer(self, method: str) -> None:
        """Requests of wire ``method`` get no reply at all (until :meth:`answer`)."""
        self.faults.never_answer(method)

    def answer(self, method: str) -> None:
        """Undo :meth:`never_answer` for ``method``."""
        self.faults.answer(method)

    def clear_faults(self) -> None:
        """Forget every pending :meth:`fail_next`, :meth:`never_answer`,
        :meth:`refuse_connections` and :meth:`throttle`."""
        self.faults.clear()

    def throttle(
        self,
        n: int,
        code: Any = 10028,
        message: str = "too_many_requests",
        *,
        close_after: bool = False,
    ) -> None:
        """The next ``n`` requests, of any method, get this error instead of an answer.

        With ``close_after`` the connection is closed with 1008 (policy violation) right
        after the error is sent, as Deribit does after 10028. Replaces an earlier
        throttle; :attr:`throttled` counts throttled requests.
        """
        self.faults.throttle(n, ErrorReply(code, message), close_after)

    def refuse_connections(self, n: int, status: int = 503) -> None:
        """Reject the next ``n`` connection attempts during the HTTP handshake with
        ``status`` (no WebSocket is opened). :attr:`refused` counts them."""
        self.faults.refuse_connections(n, status)

    def stall(self, seconds: float | None = None) -> None:
        """Freeze every open connection: stop reading from its socket (so neither
        WebSocket pings nor messages are answered, and a client's ping timeout fires)
        and stop its notifications and server pings.

        ``None`` stalls until :meth:`unstall`; otherwise for ``seconds``. Connections
        opened later are served normally, so a client that gives up and reconnects
        gets a working connection.
        """
        self._call_on_loop(lambda: self._stall_all(seconds))

    def unstall(self) -> None:
        """Resume every stalled connection (undo :meth:`stall`)."""
        self._call_on_loop(self._unstall_all)

    def mute(self, address: str | None = None, *, forever: bool = False) -> None:
        """Stop the notification streams of every open connection (or only those of
        ``address``, a subscription key) while the connections stay healthy: requests
        and WebSocket pings are still answered. Subscriptions made later, on these
        connections or new ones, stream normally (a resubscribe or a reconnect cures
        it), unless ``forever`` (with an ``address``: a symbol that stopped trading)."""
        if forever:
            if address is None:
                raise ValueError("mute(forever=True) needs an address")
            self.streams.muted.add(address)
        self._call_on_loop(lambda: self._mute_all(address))

    def drop_connections(self) -> None:
        """Abort every open connection at the TCP level: no close frame, no handshake."""
        self._call_on_loop(self._abort_all)

    def drop_every(self, seconds: float | None) -> None:
        """Abort every open connection every ``seconds`` (soak tests); None stops it.

        Each call replaces the previous schedule; :attr:`drops` counts aborted
        connections. Like the other socket controls, it needs a started server.
        """
        if seconds is not None and seconds <= 0:
            raise ValueError("seconds must be > 0")
        self._call_on_loop(lambda: self._schedule_drops(seconds))

    def skip_sequence(self, n: int = 1) -> None:
        """The next frame of a channel with ``sequence`` (on any connection) jumps ``n``
        values ahead, as if ``n`` frames were lost: clients must notice the gap."""
        self.streams.skips.add(n)

    def drift(self, remove: tuple[str, ...] = (), replace: dict[str, Any] | None = None) -> None:
        """Schema drift from now on: every notification payload loses the members at the
        ``remove`` pointers and gets the ``replace`` values (pointers relative to the
        payload, e.g. ``("/mark_price",)``, ``{"/stats/volume": "n/a"}``); ``drift()``
        with no arguments stops it."""
        self.streams.notifier.drift.set(remove, replace)

    def expire_tokens(self) -> None:
        """Expire every login token now: requests that require auth get
        ``unauthorized_error`` until the client logs in (or refreshes) again."""
        self.auth.expire_tokens()

    async def send_raw(self, data: str | bytes, *, text: bool | None = None) -> None:
        """Send ``data`` as-is to every open connection: ``str`` as a text frame,
        ``bytes`` as a binary frame, or as a text frame with ``text=True`` (bytes that
        need not be valid UTF-8: a client must close with 1007)."""
        await self._on_loop(self._broadcast(data, text=text))

    async def send_event(self, name: str, payload: Any = None) -> None:
        """Send event ``name`` to every open connection.

        ``payload`` defaults to the event's first example.
        """
        event = self._event(name)
        if payload is None and event.examples:
            payload = event.examples[0]
        await self._on_loop(
            self._broadcast(encode(self.framer.event(event, payload)))
        )

    async def close_connections(self, code: int = 1000, reason: str = "") -> None:
        """Close every open connection with a close frame carrying ``code`` and ``reason``
        (e.g. 1001 going away, 1011 internal error, or an application code 4000-4999)."""

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

    def _call_on_loop(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the server's loop: now if called from it, else soon."""
        loop = self._loop
        if loop is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            fn()
        else:
            loop.call_soon_threadsafe(fn)

    def _abort_all(self) -> None:
        conns = list(self._open.values())
        logger.info("dropping %d connection(s)", len(conns))
        with self._lock:
            self.drops += len(conns)
        for conn in conns:
            conn.ws.transport.abort()

    def _mute_all(self, address: str | None) -> None:
        muted = 0
        for conn in list(self._open.values()):
            for key, sub in conn.subs.items():
                if address is None or key == address:
                    sub.muted = True
                    muted += 1
        logger.info("muted %d stream(s)", muted)

    def _schedule_drops(self, seconds: float | None) -> None:
        self._cancel_drop_task()
        if seconds is not None:
            self._drop_task = asyncio.get_running_loop().create_task(
                self._drop_loop(seconds)
            )

    def _cancel_drop_task(self) -> None:
        task, self._drop_task = self._drop_task, None
        if task is not None:
            task.cancel()

    async def _drop_loop(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            self._abort_all()

    def _stall_all(self, seconds: float | None) -> None:
        if self._unstall_handle is not None:
            self._unstall_handle.cancel()
            self._unstall_handle = None
        conns = list(self._open.values())
        logger.info("stalling %d connection(s) for %s s", len(conns), seconds)
        for conn in conns:
            if conn.running.is_set():
                conn.running.clear()
                conn.ws.transport.pause_reading()
        if seconds is not None:
            self._unstall_handle = asyncio.get_running_loop().call_later(
                seconds, self._unstall_all
            )

    def _unstall_all(self) -> None:
        if self._unstall_handle is not None:
            self._unstall_handle.cancel()
            self._unstall_handle = None
        resumed = False
        for conn in list(self._open.values()):
            if not conn.running.is_set():
                conn.running.set()
                resumed = True
                if not conn.ws.transport.is_closing():
                    conn.ws.transport.resume_reading()
        if resumed:
            with self._lock:
                self.stalls_ended += 1

    async def _process_request(
        self, connection: ServerConnection, request: HttpRequest
    ) -> HttpResponse | None:
        self._arrived[id(connection)] = asyncio.get_running_loop().time()
        if self.handshake_delay > 0:
            await asyncio.sleep(self.handshake_delay)
        with self._lock:
            self.handshakes.append(request)
        if self.authorize is not None and not self.authorize(request):
            with self._lock:
                self.unauthorized += 1
            logger.info("refusing an unauthorised connection attempt with HTTP 401")
            return connection.respond(401, "unauthorised\n")
        status = self.faults.take_refusal()
        if status is None:
            return None
        self._arrived.pop(id(connection), None)
        logger.info("refusing a connection attempt with HTTP %d", status)
        return connection.respond(status, "refused by the test server\n")

    async def _broadcast(self, data: str | bytes, *, text: bool | None = None) -> None:
        for conn in list(self._open.values()):
            with contextlib.suppress(ConnectionClosed):
                await conn.ws.send(data, text=text)

    def _event(self, name: str) -> Event:
        for event in self.api.events:
            if event.name == name:
                return event
        raise KeyError(f"no event named {name!r}")

    async def _send(self, conn: Connection, frame: Any) -> None:
        await conn.send(frame)

    async def _handle(self, ws: ServerConnection) -> None:
        with self._lock:
            self.connections += 1
            conn = Connection(self.connections, ws)
            conn.running.set()
            self._open[conn.number] = conn
            self._logs[conn.number] = conn.log
        logger.info("conn %d open from %s", conn.number, ws.remote_address)
        self.init_gate.open(conn)
        loop = asyncio.get_running_loop()
        arrived = self._arrived.pop(id(ws), None)
        if self.max_lifetime is not None and arrived is not None:
            conn.spawn(self._expire(conn, arrived + self.max_lifetime))
        try:
            if self.hello is not None:
                await self._send_hello(conn, self.hello)
            if self.server_pings and self.api.heartbeat.server_pings:
                conn.spawn(self._ping_loop(conn))
            async for message in ws:
                if isinstance(message, bytes):
                    with self._lock:
                        self.received_binary.append(message)
                text = (
                    message
                    if isinstance(message, str)
                    else message.decode("utf-8", "replace")
                )
                logger.debug("conn %d -> %s", conn.number, text)
                limit = self.message_limit
                if limit is not None and limit.over(conn.number, loop.time()):
                    logger.info("conn %d: over the message limit", conn.number)
                    await ws.close(limit.code, limit.reason)
                    break
                await self._on_text(conn, text)
                # A stalled connection takes no further message, even one already read.
                await conn.running.wait()
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                self._open.pop(conn.number, None)
                conn.subs.clear()
            if self.message_limit is not None:
                self.message_limit.forget(conn.number)
            tasks = list(conn.tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            logger.info(
                "conn %d closed (code=%s reason=%r)",
                conn.number,
                ws.close_code,
                ws.close_reason,
            )

    async def _expire(self, conn: Connection, at: float) -> None:
        await asyncio.sleep(max(0.0, at - asyncio.get_running_loop().time()))
        logger.info("conn %d reached the maximum lifetime: dropping it", conn.number)
        with self._lock:
            self.expired += 1
        conn.ws.transport.abort()

    async def _send_hello(self, conn: Connection, hello: Hello) -> None:
        if self.hello_delay > 0:
            await asyncio.sleep(self.hello_delay)
        await self._send(conn, self.framer.hello(hello.when))
        with self._lock:
            self.hellos_sent += 1

    async def _on_text(self, conn: Connection, text: str) -> None:
        try:
            frame = json.loads(text)
        except ValueError:
            await self._on_plain_text(conn, text)
            return
        with self._lock:
            self.received.append(frame)
        if await self.init_gate.consume(conn, frame):
            return
        if self.heartbeats.answers_ping(frame):
            with self._lock:
                if conn.outstanding_pings > 0:
                    conn.outstanding_pings -= 1
                    self.pings_answered += 1
            return
        pong = self.heartbeats.pong_for(frame)
        if pong is not None:
            await self._send(conn, pong)
            return
        if not isinstance(frame, dict):
            logger.warning(
                "conn %d sent a frame that is not an object: %.200r", conn.number, text
            )
            return
        request = self.framer.read_request(frame)
        if await self.streams.end_by_client(conn, frame, request):
            with self._lock:
                conn.log.append((str(request.method), request.params))
            return
        if request.method is None:
            logger.warning(
                "conn %d sent a frame with no method: %.200r", conn.number, text
            )
            return
        await self._on_request(conn, request)

    async def _on_plain_text(self, conn: Connection, text: str) -> None:
        with self._lock:
            self.received_text.append(text)
        if await self.init_gate.consume(conn, text):
            return
        with self._lock:
            if text in self._ping_texts and conn.outstanding_pings > 0:
                conn.outstanding_pings -= 1
                self.pings_answered += 1
                return
        pong = self.heartbeats.pong_for(text)
        if pong is not None:
            await self._send(conn, pong)
            return
        logger.warning("conn %d sent a frame that is not JSON: %.200r", conn.number, text)

    async def _on_request(self, conn: Connection, req: IncomingRequest) -> None:
        method = req.method
        assert method is not None
        with self._lock:
            conn.log.append((method, req.params))
            if method in self._ping_replies and conn.outstanding_pings > 0:
                conn.outstanding_pings -= 1
                self._ping_replies[method] += 1
                self.pings_answered += 1
        if self.faults.silenced(method):
            logger.info("conn %d: not answering %s (never_answer)", conn.number, method)
            return
        throttle = self.faults.take_throttle()
        if throttle is not None:
            logger.info("conn %d: throttling %s", conn.number, method)
            await self._send(conn, self._error(req, throttle.error))
            if throttle.close_after:
                await conn.ws.close(1008, throttle.error.message)
            return
        failure = self.faults.take_failure(method)
        if failure is not None:
            logger.info(
                "conn %d: failing %s with %r (fail_next)", conn.number, method, failure
            )
            await self._send(conn, self._error(req, failure))
            return

        if self.auth.is_login(method):
            login = self.auth.login(req.params)
            if login.error is not None:
                await self._send(conn, self._error(req, login.error))
            else:
                conn.token = login.token
                await self._send(
                    conn, self.framer.reply(req.id, login.result, has_id=req.has_id)
                )
            return
        if self.auth.requires_auth(method) and not self._authorised(conn, req):
            logger.info("conn %d: %s needs auth", conn.number, method)
            await self._send(conn, self._error(req, self.auth.unauthorized_error))
            return

        route = self._routes.get(method)
        if route is not None:
            await self.streams.handle(conn, req, route.method, route.subscribe)
            return

        example = self._pick_example(method, req.params)
        if method == self.heartbeats.ping_request:
            result = example.result if example is not None else None
            pong = self.framer.reply(req.id, result, has_id=req.has_id)
            await self._send(conn, self.heartbeats.pong_reply(pong))
        elif example is None:
            logger.warning("conn %d: no example answers %s", conn.number, method)
            await self._send(conn, self._error(req, self.unknown_method_error))
        elif example.error is not None:
            err = example.error
            failure = ErrorReply(
                err.get("code"), str(err.get("message", "")), err.get("data")
            )
            await self._send(conn, self._error(req, failure))
        else:
            reply = self.framer.reply(
                req.id, example.result, has_id=req.has_id, method=method
            )
            await self._send(conn, reply)

    def _authorised(self, conn: Connection, req: IncomingRequest) -> bool:
        """The connection's token, or an ``access_token`` param, is valid (Deribit-like)."""
        if self.auth.valid(conn.token):
            return True
        params = req.params
        token = params.get("access_token") if isinstance(params, dict) else None
        return isinstance(token, str) and self.auth.valid(token)

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

    # -- server pings --------------------------------------------------------------------

    async def _ping_loop(self, conn: Connection) -> None:
        pings: tuple[ServerPing, ...] = self.api.heartbeat.server_pings
        try:
            while True:
                await asyncio.sleep(self.ping_interval)
                await conn.running.wait()
                for ping in pings:
                    await self._send(conn, self.framer.server_ping(ping))
                    with self._lock:
                        self.pings_sent += 1
                        conn.outstanding_pings += 1
                    logger.debug("conn %d: server ping sent", conn.number)
        except ConnectionClosed:
            pass
