"""The public asyncio API: :class:`BaseClient`, what generated clients subclass (the
generated ``connect()`` returns a :class:`~.connector.Connector` that builds one).

This module assembles the parts and owns the client's life cycle; each part has one job
and sees only what it needs (:class:`~.context.Context` and the parts below it):
:mod:`.sender` sends requests and frames (rate limits, replies, timeouts),
:mod:`.outcomes` acts on what the sans-I/O :mod:`.core` made of each received frame,
:mod:`.subscriber` and :mod:`.outbox` add and remove subscriptions,
:mod:`.connection` owns one socket and its receive loop, :mod:`.supervisor` keeps the
logical connection alive (with :mod:`.establish`, :mod:`.keepalive`, :mod:`.watchdogs`),
:mod:`.hooks` runs user hooks off the receive loop. What is left here: connect and close,
``on_error``'s answer, ``diagnostics()``, and the methods generated code calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .diagnostics import Diagnostics, SubscriptionInfo
from .errors import ConnectionClosed, describe
from .handlers import BaseHandlers, resolve_hook
from .lifecycle import ClientState, DisconnectReason
from .options import ConnectOptions
from .subscription import Feed, Subscription

if TYPE_CHECKING:
    from .core import Session
    from .core.auth import AuthState
    from .credentials import CredentialSource
    from .handshake import BoundHandshake, HandshakeFactory
    from .protocol import ChannelSpec, Match, Protocol, RequestSpec
    from .supervisor import Supervisor
    from .telemetry import InMemoryMetrics

__all__ = ["BaseClient", "ConnectOptions"]

T = TypeVar("T")
M = TypeVar("M")
C = TypeVar("C")
H = TypeVar("H", bound=BaseHandlers)


class BaseClient(Generic[H]):
    """Base class of generated clients; use the generated ``connect()`` to get one."""

    def __init__(
        self,
        protocol: Protocol,
        *,
        url: str,
        handlers: H,
        request_timeout: float = 10.0,
        credentials: Mapping[str, CredentialSource | None] | None = None,
        options: ConnectOptions | None = None,
        handshake: BoundHandshake | HandshakeFactory | None = None,
    ) -> None:
        # The parts are imported here, not with this module: importing a generated
        # package loads neither the asyncio machinery nor websockets until a client is made.
        from .context import Context
        from .outbox import Outbox
        from .outcomes import Outcomes
        from .redaction import Secrets
        from .sender import Sender
        from .subscriber import Subscriber

        self.protocol = protocol
        self.handlers = handlers
        self.request_timeout = request_timeout
        self.options = options = options or ConnectOptions()
        secrets = Secrets(
            protocol,
            credentials,
            url=url,
            handshake=handshake or options.handshake,
            extra_headers=options.extra_headers,
        )
        self._ctx = ctx = Context(
            protocol,
            handlers=handlers,
            request_timeout=request_timeout,
            options=options,
            secrets=secrets,
        )
        self.log = ctx.log
        self.ws_log = ctx.ws_log
        """The logger handed to ``websockets`` for this client's sockets (redacted)."""
        self.log_limits = ctx.log_limits
        """Rate limits of repeated warnings (bad frames, dropped messages, hook errors)."""
        self._sender = Sender(ctx)
        self._outcomes = Outcomes(ctx, self._sender)
        self._outbox = Outbox(ctx, self._sender, self._outcomes)
        self._subscriber = Subscriber(ctx, self._sender, self._outbox)
        self._sup: Supervisor | None = None
        self._closed_state: ClientState | None = None
        self._error_hook = resolve_hook(handlers, "on_error")
        ctx.runner.error_handler = self._on_error
        self._last_error: str | None = None
        self._last_error_at = 0.0

    @property
    def url(self) -> str:
        """The URL of the current (or last) connection attempt, credentials masked."""
        return self._ctx.secrets.url

    @property
    def _session(self) -> Session:
        return self._ctx.session

    @property
    def _auth(self) -> AuthState | None:
        return self._ctx.secrets.auth

    # -- life cycle ----------------------------------------------------------------

    @property
    def metrics(self) -> InMemoryMetrics:
        """Counters, latencies and recent events of this client (:class:`InMemoryMetrics`):
        the one given as ``ConnectOptions.telemetry``, else one created by this first
        use, which counts from then on. No telemetry is built while no sink listens."""
        return self._ctx.metrics

    @property
    def state(self) -> ClientState:
        """``new``, ``connecting``, ``open``, ``reconnecting``, ``closing`` or ``closed``."""
        if self._sup is None:
            return self._closed_state or "new"
        return self._sup.state

    @property
    def hooks_dropped(self) -> int:
        """Hook calls dropped because the handler queue was full."""
        return self._ctx.runner.dropped

    async def _open(self) -> None:
        """Connect (per the policy), log in, start the handler task; ``on_connect`` queued."""
        from .core.ratelimit import limiter_for
        from .supervisor import Supervisor

        ctx = self._ctx
        loop = asyncio.get_running_loop()
        ctx.start(loop)
        hook_limiter = resolve_hook(self.handlers, "limiter")
        custom = hook_limiter() if hook_limiter is not None else None
        self._sender.limiter = (
            custom or self.options.limiter or limiter_for(self.protocol.rate_limit, loop.time())
        )
        self._sup = Supervisor(ctx, self._sender, self._outcomes, self._outbox, self._auth)
        self._sender.link = self._sup
        ctx.runner.start(loop, f"nova.{self.protocol.name}.handlers")
        try:
            await self._sup.start()
        except BaseException:
            await ctx.runner.stop()
            ctx.stop()
            raise

    async def close(self) -> None:
        """Close cleanly: pending requests fail, iterators end, the socket closes with 1000."""
        from .telemetry import ConnectionClosed as ClosedEvent

        ctx = self._ctx
        sup = self._sup
        if sup is None or sup.state in ("closing", "closed"):
            if sup is None:
                self._closed_state = "closed"
            return
        conn = sup.conn
        await sup.close()
        ctx.final_teardown(ConnectionClosed("the client was closed"), clean=True)
        if conn is not None:
            await conn.close(1000)
            ctx.emit(
                ClosedEvent, url=conn.url, code=1000, reason="closed by the client", clean=True
            )
        await ctx.decide_disconnect(
            DisconnectReason(
                code=1000, reason="closed by the client", action="retry", by_client=True
            )
        )
        await ctx.runner.drain(self.options.close_timeout)  # queued hooks run, within bounds
        await ctx.runner.stop()
        for task in list(ctx.tasks):
            task.cancel()
        sup.state = "closed"
        ctx.stop()

    async def reconnect(self, reason: str = "requested by the caller") -> None:
        """Replace the connection now, for callers that detect a stale stream themselves.

        The current socket is dropped and a new one opened at once (no backoff delay),
        then everything is restored as after any drop: login, every subscription,
        iterators going on. ``reason`` (str) is logged and reaches ``on_disconnect``
        (``DisconnectReason.reason``) and the ``Reconnecting`` telemetry event. Returns
        once the new connection is restored; while the client is already reconnecting,
        waits for that restore instead. Raises :class:`ConnectionClosed` if the client
        is closed (or closes meanwhile), :class:`ConnectionLost` if it gives up.
        """
        sup = self._sup
        if sup is None:
            raise ConnectionClosed("the client is not connected")
        await sup.reconnect(reason)

    async def __aenter__(self) -> BaseClient[H]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- on_error ------------------------------------------------------------------------

    def _on_error(self, error: Exception, context: str) -> None:
        """Every error no caller sees: telemetry, then ``on_error`` (awaited, bounded)."""
        from .telemetry import ErrorOccurred

        ctx = self._ctx
        ctx.secrets.redact_error(error)  # a server's text, a frame's: may echo a secret
        self._last_error = f"{describe(error)} (in {context})"
        self._last_error_at = ctx.loop.time()
        ctx.emit(
            ErrorOccurred,
            error_type=type(error).__name__,
            message=ctx.secrets.redact(str(error)),
            context=context,
        )
        hook = self._error_hook
        if hook is None:
            ctx.log_limits.warning(ctx.log, ("on_error", context), "%s: %s", context, error)
            return
        # Through the handler queue like every hook: bounded, drop-oldest.
        ctx.enqueue(self._decide_error, (hook, error, context))

    async def _decide_error(self, hook: Callable[..., Any], error: Exception, context: str) -> None:
        try:
            await self._act_on_error(hook, error, context)
        except Exception:
            self.log.exception("acting on the answer of on_error failed")

    async def _act_on_error(self, hook: Callable[..., Any], error: Exception, context: str) -> None:
        action = await self._ctx.await_hook(hook, "on_error", error, context)
        sup = self._sup
        if action == "reconnect" and sup is not None:
            sup.force_reconnect(f"on_error asked to reconnect after: {context}")
        elif action == "stop":
            self.log.warning("on_error asked to stop after: %s", context)
            self._ctx.spawn(self.close())  # not on the handler task: close() drains it
        elif action is not None and action != "ignore":
            self.log_limits.warning(
                self.log,
                "on_error answer",
                "on_error returned %r (not one of None, 'ignore', 'reconnect', 'stop'): ignored",
                action,
            )

    # -- diagnostics -------------------------------------------------------------------

    def diagnostics(self) -> Diagnostics:
        """A snapshot of this client: state, server, counters, subscriptions, latencies."""
        from .telemetry import percentile

        ctx = self._ctx
        sup = self._sup
        subs = []
        for entry in ctx.session.subscriptions.entries():
            sinks: list[Feed[Any, Any]] = entry.sinks
            subs.append(
                SubscriptionInfo(
                    address=entry.address,
                    channel=entry.spec.name,
                    state=entry.state,
                    queue_depth=sum(s.queue_depth for s in sinks),
                    dropped=sum(s.dropped for s in sinks),
                    consumers=len(sinks),
                    unread=any(2 * s.queue_depth >= s.maxsize and not s.waiting for s in sinks),
                )
            )
        last_error, recovered = self._last_error, False
        if sup is not None and sup.last_error is not None:  # noqa: SIM102 - the comment says why
            # The connection's error, unless it was recovered from and a newer one came.
            if not sup.recovered or last_error is None or self._last_error_at < sup.recovered_at:
                last_error, recovered = sup.last_error, sup.recovered
        server = next((n for n, u in self.protocol.servers.items() if u == self.url), None)
        limiter = self._sender.limiter
        loop_time = ctx.loop.time() if sup is not None else 0.0
        auth = self._auth
        traffic = sup.traffic() if sup is not None else (0, 0, 0, 0)
        return Diagnostics(
            api=self.protocol.name,
            state=self.state,
            server=server,
            url=self.url,
            connected_since=sup.connected_since if sup is not None else None,
            reconnects=sup.reconnects if sup is not None else 0,
            last_error=last_error,
            last_error_recovered=recovered,
            unexpected_frames=dict(ctx.unexpected),
            schema_drift={c: dict(f) for c, f in ctx.drift.items()},
            pending_requests=len(ctx.session.correlator),
            subscriptions=tuple(subs),
            handler_queue_depth=len(ctx.runner),
            limiter_tokens=limiter.tokens(loop_time) if limiter is not None else None,
            frames_in=traffic[0],
            frames_out=traffic[1],
            bytes_in=traffic[2],
            bytes_out=traffic[3],
            latency_p50=percentile(self._sender.latencies, 50),
            latency_p99=percentile(self._sender.latencies, 99),
            authenticated=auth.authenticated if auth is not None else None,
        )

    # -- what generated code calls ---------------------------------------------------------

    def _request(
        self, spec: RequestSpec[T], params: Mapping[str, Any], *, timeout: float | None = None
    ) -> Coroutine[Any, Any, T]:
        """Send a request; awaited, its parsed result (see :meth:`.sender.Sender.request`,
        whose coroutine this is: no frame of its own on every resumption)."""
        return self._sender.request(spec, params, timeout=timeout)

    async def _send_frame(
        self,
        text: str,
        *,
        method: str | None = None,
        cost: float = 1.0,
        timeout: float | None = None,
    ) -> None:
        """Send one frame, no reply (see :meth:`.sender.Sender.send_frame`)."""
        await self._sender.send_frame(text, method=method, cost=cost, timeout=timeout)

    async def _request_next(
        self,
        spec: RequestSpec[T],
        params: Mapping[str, Any],
        reply: Match,
        *,
        timeout: float | None = None,
    ) -> T:
        """Send, then return the next frame matching ``reply`` (see
        :meth:`.sender.Sender.request_next`)."""
        return await self._sender.request_next(spec, params, reply, timeout=timeout)

    def _subscribe(self, spec: ChannelSpec[M, C], channel: C) -> Subscription[M, C]:
        """A new subscription to ``channel``; the subscribe request goes out in a task."""
        return self._subscriber.subscribe(spec, channel)

    async def _unsubscribe(self, spec: ChannelSpec[Any, C], channel: C) -> None:
        """Unsubscribe ``channel`` entirely: every subscription to its address ends."""
        await self._subscriber.unsubscribe(spec, channel)
