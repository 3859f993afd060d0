"""A local WebSocket server that speaks an API's spec, built from the spec's own examples.

End-to-end tests and the README demo run generated clients against it over real sockets on
127.0.0.1::

    async with SpecServer(api) as server:
        async with DeribitClient.connect(url=server.url) as client:
            ...

It answers each request from the request's examples, acknowledges subscriptions and streams
each subscribed channel's example messages (a message without a valid example gets one
built from its schema, :mod:`.valid`), sends the spec's server pings when asked to, and
plays the spec's login (``api.auth``: fresh tokens, refresh, expiry, ``requires_auth``;
see :mod:`.auth`), sends the spec's hello first when it has one, and offers fault controls
(:meth:`SpecServer.fail_next`, :meth:`SpecServer.never_answer`, :meth:`SpecServer.throttle`,
:meth:`SpecServer.refuse_connections`, :meth:`SpecServer.stall`, :meth:`SpecServer.mute`,
:meth:`SpecServer.drop_connections`, :meth:`SpecServer.drop_every`,
:meth:`SpecServer.close_connections`, :meth:`SpecServer.send_raw`, schema drift in
notifications and results: :meth:`SpecServer.drift`, :meth:`SpecServer.drift_results`,
:mod:`.drift`). Everything it receives
is recorded, per connection and in order (:meth:`SpecServer.connection_log`).

This module builds the server from its parts, starts and stops it, and shows what it saw;
each job lives in a module of its own: the opening handshake and each connection's life
(:mod:`.accept`), where a received frame goes (:mod:`.inbox`), what a request is answered
with (:mod:`.answers`), the open sockets and the faults that act on them (:mod:`.sockets`),
the server's pings (:mod:`.pings`), the spec's own events (:mod:`.events`), the controls tests call (:mod:`.controls`). Beyond
channel strings, everything is
driven by the IR: structured addresses and ``subscribe_params`` (:mod:`.templates`,
:mod:`.routing`), acks ``reply``/``match``/``none`` and subscription ids
(:mod:`.subscriptions`), routed and sequenced notification frames (:mod:`.streams`,
:meth:`SpecServer.skip_sequence`), the client's ``init`` handshake (:mod:`.handshake`) and
client pings that are frames or texts (:mod:`.heartbeats`).
"""

from __future__ import annotations

import asyncio
import logging
import ssl as _ssl
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from nova_runtime.logs import RedactingFilter, frame_preview, mask_fields, secret_fields
from nova_runtime.redaction import secret_names
from websockets.asyncio.server import Server, serve
from websockets.http11 import Request as HttpRequest
from websockets.typing import Subprotocol

from ..ir import Api
from .accept import Acceptor, Door
from .answers import METHOD_NOT_FOUND, Answers, RequestExamples
from .auth import UNAUTHORIZED, AuthServer
from .controls import ServerControls
from .events import EventEmitter
from .faults import ErrorReply, Faults
from .framing import Framer
from .handshake import InitGate
from .heartbeats import Heartbeats
from .inbox import Inbox
from .pings import ServerPings
from .ratelimit import MessageLimit
from .sockets import Sockets
from .subscriptions import Subscriptions
from .valid import ExampleCheck

__all__ = ["ErrorReply", "SpecServer"]

logger = logging.getLogger("nova.testing.server")

_LOGGERS = ("nova.testing.server", "nova.testing.server.ws")
"""The loggers of a server (its own, and the one it hands ``websockets``)."""


def _log_filter(api: Api) -> RedactingFilter:
    """Masks the values the spec marks secret, by place (:func:`secret_fields`)."""
    names = secret_names(api.auth, api.init) | {p.name for p in api.connect_params if p.secret}
    fields = secret_fields(names)

    def frames(data: str | bytes) -> str:
        return frame_preview(mask_fields(data, fields) if isinstance(data, str) else data)

    return RedactingFilter(tuple, frames=frames, fields=fields)

HOST = "127.0.0.1"


class SpecServer(ServerControls):
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
        emit_events: bool = False,
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
            has no examples, when the spec has an error frame (``envelope.error``); without
            one, such a request gets no answer. A one-way send (``reply: false``) never does.
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
        :param emit_events: send the spec's own events (their examples) to each new
            connection, ``notify_interval`` apart, as the server it describes would
            (:mod:`.events`); :attr:`events_sent` counts them.
        """
        self.api = api
        self._log_filter = _log_filter(api)
        self.port = port
        self.notify_interval = notify_interval
        self.max_notifications = max_notifications
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
        self.ssl = ssl
        """A server TLS context: the server speaks ``wss://`` (tests of the client's TLS options)."""
        self.message_limit = message_limit
        """Per-connection message limit, and the peaks it measured."""
        self.notifications_sent = 0
        self.feed = feed
        self._server: Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

        self._lock = threading.Lock()
        self.sockets = Sockets(self._lock)
        """The open connections and the faults that act on their sockets."""
        check = ExampleCheck(api)
        self.examples = RequestExamples(api, check)
        self.streams = Subscriptions(
            api,
            self.framer,
            self.examples.pick,
            check,
            interval=notify_interval,
            limit=max_notifications,
            lock=self._lock,
            on_sent=self._count_notification,
        )
        """Subscription handling: routing, acks, ids, notification streams."""
        self.init_gate = InitGate(api, self.framer, timeout=init_timeout)
        self.heartbeats = Heartbeats(api, self.framer)
        self.pings = ServerPings(api, self.framer, self._lock, interval=ping_interval)
        self.answers = Answers(
            api,
            self.framer,
            self.examples,
            lock=self._lock,
            faults=self.faults,
            auth=self.auth,
            streams=self.streams,
            heartbeats=self.heartbeats,
            pings=self.pings,
            unknown_method_error=unknown_method_error,
        )
        """What each request is answered with."""
        self.inbox = Inbox(
            self.framer,
            lock=self._lock,
            init_gate=self.init_gate,
            pings=self.pings,
            heartbeats=self.heartbeats,
            streams=self.streams,
            answers=self.answers,
        )
        """Where each received frame goes; :attr:`received`, :attr:`received_text`."""
        self.events = EventEmitter(api, self.framer, check, self._lock, interval=notify_interval)
        """The spec's own events, sent to each connection with ``emit_events``."""
        door = Door(
            hello=api.hello,
            hello_delay=hello_delay,
            handshake_delay=handshake_delay,
            authorize=authorize,
            max_lifetime=max_lifetime,
            message_limit=message_limit,
            server_pings=server_pings,
            emit_events=emit_events,
        )
        self.acceptor = Acceptor(
            door,
            self.framer,
            lock=self._lock,
            sockets=self.sockets,
            faults=self.faults,
            init_gate=self.init_gate,
            pings=self.pings,
            inbox=self.inbox,
            events=self.events,
        )
        """The opening handshake and each connection's life."""

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
        self._redacting(True)
        self._loop = asyncio.get_running_loop()
        if self.feed:
            self.streams.origin = self._loop.time()
        self._server = await serve(
            self.acceptor.serve,
            HOST,
            self.port,
            subprotocols=[Subprotocol(s) for s in self.api.subprotocols] or None,
            ping_interval=self.ws_ping_interval,
            process_request=self.acceptor.handshake,
            logger=logging.getLogger("nova.testing.server.ws"),
            ssl=self.ssl,
        )
        self.port = int(self._server.sockets[0].getsockname()[1])
        logger.info("serving %s on %s", self.api.name, self.url)
        return self

    def _redacting(self, on: bool) -> None:
        """Mask what the spec marks secret (credentials, the login params and reply's
        token fields, secret handshake parameters) in this server's logs and those of
        ``websockets`` for it: ``serve -v`` logs every frame, a client's token included."""
        for name in _LOGGERS:
            log = logging.getLogger(name)
            (log.addFilter if on else log.removeFilter)(self._log_filter)

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self.sockets.stop()
        server.close()
        await server.wait_closed()
        logger.info("stopped serving %s", self.api.name)
        self._redacting(False)

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
    def handshakes(self) -> list[HttpRequest]:
        """Every opening handshake request (path and headers), in order, refused ones too."""
        return self.acceptor.handshakes

    @property
    def unauthorized(self) -> int:
        """Handshakes refused by ``authorize``."""
        return self.acceptor.unauthorized

    @property
    def hellos_sent(self) -> int:
        return self.acceptor.hellos_sent

    @property
    def events_sent(self) -> int:
        """Event frames sent by ``emit_events`` so far."""
        return self.events.sent

    @property
    def connections(self) -> int:
        """Connections accepted so far."""
        return self.sockets.accepted

    @property
    def open_connections(self) -> int:
        return len(self.sockets.open)

    @property
    def received(self) -> list[Any]:
        """Every decoded JSON frame clients sent, in order (all connections)."""
        return self.inbox.received

    @property
    def received_text(self) -> list[str]:
        """Text frames that were not JSON (e.g. ``pong`` answers, garbage)."""
        return self.inbox.received_text

    @property
    def received_binary(self) -> list[bytes]:
        """Binary frames as they came (then also handled as text, decoded)."""
        return self.inbox.received_binary

    @property
    def pings_sent(self) -> int:
        """Server pings sent so far (each probe of ``heartbeat.server_pings`` counts)."""
        return self.pings.sent

    @property
    def pings_answered(self) -> int:
        """Answers to server pings received so far."""
        return self.pings.answered

    @property
    def drops(self) -> int:
        """Connections aborted by :meth:`drop_connections` or :meth:`drop_every`."""
        return self.sockets.drops

    @property
    def expired(self) -> int:
        """Connections dropped at ``max_lifetime``."""
        return self.sockets.expired

    @property
    def stalls_ended(self) -> int:
        """Stalls ended, by :meth:`unstall` or when a timed :meth:`stall` ran out."""
        return self.sockets.stalls_ended

    @property
    def subscriptions(self) -> dict[int, frozenset[str]]:
        """Active subscriptions per open connection, keyed by connection number (1, 2, ...):
        each is its address (canonical JSON text when structured) or its subscription id."""
        with self._lock:
            return {n: frozenset(c.subs) for n, c in self.sockets.open.items()}

    def subscription_ids(self, n: int) -> list[Any]:
        """The subscription ids open connection ``n`` holds (APIs that route by id)."""
        with self._lock:
            conn = self.sockets.open.get(n)
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
            return list(self.sockets.logs.get(n, ()))

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
        conn = self.sockets.get(n)
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
