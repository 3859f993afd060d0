"""The public asyncio API: :class:`BaseClient`, what generated clients subclass (the
generated ``connect()`` returns a :class:`~.connector.Connector` that builds one).

The work is split by job: :mod:`.connection` owns one socket and its receive loop,
:mod:`.supervisor` keeps the logical connection alive (reconnect, restore, heartbeats,
token refresh, lifetime rotation), :mod:`.hooks` runs user hooks off the receive loop,
and the sans-I/O :mod:`.core` makes every protocol decision. This module is the glue
the other parts call back into: requests (through the rate limiter, waiting for a
restore while reconnecting, re-sent when idempotent, re-authenticated once on an
``unauthorized`` reply), subscriptions, the outcomes of received frames, telemetry and
``diagnostics()``.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import random
import re
from collections import Counter, deque
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Generic, TypeVar

from .connection import Connection
from .core import (
    Pending,
    PingReceived,
    Session,
    SubEntry,
    SubscribeAck,
    Subscriptions,
    Waiter,
)
from .core.auth import AuthState, Secret, resolve_credentials
from .core.ratelimit import Limiter, limiter_for
from .credentials import CredentialSource, resolve_credential
from .diagnostics import Diagnostics, SubscriptionInfo
from .errors import (
    ConnectionClosed,
    ConnectionLost,
    NovaError,
    RateLimited,
    RequestTimeout,
    ServerError,
    SubscriptionError,
)
from .handlers import BaseHandlers, resolve_hook
from .handshake import BoundHandshake, HandshakeFactory
from .hooks import HookRunner
from .lifecycle import ClientState, DisconnectReason, ReconnectDecision
from .logs import LogLimiter, RedactingFilter, frame_preview, get_logger, redact
from .options import ConnectOptions
from .outbox import Outbox
from .outcomes import Outcomes
from .protocol import ChannelSpec, ErrorAction, Match, Protocol, RequestSpec
from .subscription import Feed, Subscription
from .supervisor import Supervisor
from .telemetry import ConnectionClosed as ClosedEvent
from .telemetry import (
    ErrorOccurred,
    FanOut,
    FrameDropped,
    InMemoryMetrics,
    RequestCompleted,
    SchemaDrift,
    SubscriptionStateChanged,
    TelemetryEvent,
    TelemetrySink,
    UnexpectedFrame,
    UnexpectedKind,
)
from .telemetry import RateLimited as RateLimitedEvent

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
        self.protocol = protocol
        self.url = url
        """The URL of the current (or last) connection attempt."""
        self.handlers = handlers
        self.request_timeout = request_timeout
        self.options = options = options or ConnectOptions()
        self._handshake: BoundHandshake | HandshakeFactory | None = (
            handshake or options.handshake
        )
        """URL and headers, asked for again before every connection attempt."""
        self.log = get_logger(protocol.name)
        self._session = Session(
            protocol, validation=options.validation, channel_validation=options.channel_validation
        )
        sources = {k: v for k, v in (credentials or {}).items() if v is not None}
        self._auth = _auth_state(protocol, sources)
        self._providers = {k: v for k, v in sources.items() if not isinstance(v, str)}
        """Credentials asked for again before every connection attempt."""
        self._credentials = {k: v for k, v in sources.items() if isinstance(v, str)}
        """The current values, for the spec's ``init`` frame."""
        self._sup: Supervisor | None = None
        self._closed_state: ClientState | None = None
        names = [s.hook for s in protocol.channels] + [e.hook for e in protocol.events]
        self.log_limits = LogLimiter()
        """Rate limits of repeated warnings (bad frames, dropped messages, hook errors)."""
        self._runner_hooks = HookRunner(
            handlers, names, self.log, options.handler_queue_size, limits=self.log_limits
        )
        self._runner_hooks.error_handler = self._on_error
        self._hooks = self._runner_hooks.hooks
        self._enqueue = self._runner_hooks.enqueue
        self._call_hook = self._runner_hooks.call
        self._runner: asyncio.Task[None] | None = None
        self._error_hook = resolve_hook(handlers, "on_error")
        # The sign hook runs on every request frame the session builds (see Session.frame).
        self._session.sign = resolve_hook(handlers, "sign")
        self.metrics = InMemoryMetrics()
        """Counters and latencies of this client (the default telemetry sink)."""
        user_sink = options.telemetry
        self._telemetry: TelemetrySink = (
            FanOut(self.metrics, user_sink) if user_sink is not None else self.metrics
        )
        self._limiter: Limiter | None = None
        self._on_limit = options.on_limit or (
            protocol.rate_limit.on_limit if protocol.rate_limit is not None else "wait"
        )
        self._hold_until = 0.0
        self._throttled_at = float("-inf")
        self._throttles = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._last_error: str | None = None
        self._last_error_at = 0.0
        self._drift: dict[str, Counter[str]] = {}
        """Channel -> field -> messages delivered without it (schema drift)."""
        self._unexpected: Counter[str] = Counter()
        """Frames by UnexpectedFrame kind (malformed, unknown, late/duplicate/unknown reply)."""
        self._handshake_secrets: deque[str] = deque(maxlen=64)
        """Credentials sent in handshakes (see _hold_handshake_secrets) and values from
        credential providers (see _attempt_handshake), to redact."""
        self._hold_handshake_secrets(options.extra_headers)
        self._filter = RedactingFilter(self._secret_values)
        self.ws_log = logging.getLogger(f"{self.log.name}.websockets")
        """The logger handed to ``websockets`` for this client's sockets (its DEBUG lines
        show whole frames): redacted like ``nova.<api>``, frames before shortening."""
        self._ws_filter = RedactingFilter(self._secret_values, frames=self._preview)
        self._masked_fields = _token_fields(protocol)
        self._outcomes = Outcomes(self)
        self._outbox = Outbox(self)

    # -- life cycle ----------------------------------------------------------------

    @property
    def state(self) -> ClientState:
        """``new``, ``connecting``, ``open``, ``reconnecting``, ``closing`` or ``closed``."""
        if self._sup is None:
            return self._closed_state or "new"
        return self._sup.state

    @property
    def hooks_dropped(self) -> int:
        """Hook calls dropped because the handler queue was full."""
        return self._runner_hooks.dropped

    async def _open(self) -> None:
        """Connect (per the policy), log in, start the handler task; ``on_connect`` queued."""
        loop = asyncio.get_running_loop()
        self._loop = loop
        self.log.addFilter(self._filter)
        self.ws_log.addFilter(self._ws_filter)
        hook_limiter = resolve_hook(self.handlers, "limiter")
        custom = hook_limiter() if hook_limiter is not None else None
        self._limiter = (
            custom or self.options.limiter or limiter_for(self.protocol.rate_limit, loop.time())
        )
        self._sup = Supervisor(self, self._auth)
        self._runner = loop.create_task(
            self._runner_hooks.run(), name=f"nova.{self.protocol.name}.handlers"
        )
        try:
            await self._sup.start()
        except BaseException:
            self._runner.cancel()
            await asyncio.gather(self._runner, return_exceptions=True)
            self.log.removeFilter(self._filter)
            self.ws_log.removeFilter(self._ws_filter)
            raise

    async def close(self) -> None:
        """Close cleanly: pending requests fail, iterators end, the socket closes with 1000."""
        sup = self._sup
        if sup is None or sup.state in ("closing", "closed"):
            if sup is None:
                self._closed_state = "closed"
            return
        conn = sup.conn
        await sup.close()
        self._final_teardown(ConnectionClosed("the client was closed"), clean=True)
        if conn is not None:
            await conn.close(1000)
            self._emit(
                ClosedEvent, url=conn.url, code=1000, reason="closed by the client", clean=True
            )
        await self._decide_disconnect(
            DisconnectReason(
                code=1000, reason="closed by the client", action="retry", by_client=True
            )
        )
        if self._runner is not None:  # let queued hooks run, within bounds
            await self._runner_hooks.drain(self.options.close_timeout)
            self._runner.cancel()
            await asyncio.gather(self._runner, return_exceptions=True)
        for task in list(self._tasks):
            task.cancel()
        sup.state = "closed"
        self.log.removeFilter(self._filter)
        self.ws_log.removeFilter(self._ws_filter)

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

    def _connection_lost(self, error: ConnectionLost) -> None:
        """A connection dropped (a reconnect follows): requests waiting on it fail;
        subscriptions stay desired and their iterators keep waiting."""
        for pending in self._session.connection_lost():
            self._fail_waiter(pending, error)
        for waiter in self._session.waiters.fail_all():
            self._fail_waiter(waiter, error)

    def _final_teardown(self, error: ConnectionLost, *, clean: bool) -> None:
        """No more connections: fail what waits, end every iterator."""
        for pending in self._session.connection_lost():
            self._fail_waiter(pending, error)
        for waiter in self._session.waiters.fail_all():
            self._fail_waiter(waiter, error)
        for entry in self._session.subscriptions.clear():
            for sink in entry.sinks:
                if clean:
                    sink._close()
                else:
                    sink._fail(error, "failed")

    # -- hooks that decide -------------------------------------------------------------

    async def _decide_disconnect(self, reason: DisconnectReason) -> ReconnectDecision | None:
        hook = resolve_hook(self.handlers, "on_disconnect")
        if hook is None:
            return None
        result = await self._await_hook(hook, "on_disconnect", reason)
        return result if isinstance(result, ReconnectDecision) else None

    async def _await_hook(self, hook: Callable[..., Any], name: str, *args: Any) -> Any:
        try:
            async with asyncio.timeout(self.options.hook_timeout):
                return await hook(*args)
        except TimeoutError:
            self.log.warning("%s did not return within %gs", name, self.options.hook_timeout)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - user hooks may raise anything
            self.log.warning("%s failed: %r", name, exc)
        return None

    def _on_error(self, error: Exception, context: str) -> None:
        """Every error no caller sees: telemetry, then ``on_error`` (awaited, bounded)."""
        self._last_error = f"{context}: {type(error).__name__}: {error}"
        self._last_error_at = self._loop.time()
        self._emit(
            ErrorOccurred, error_type=type(error).__name__, message=str(error), context=context
        )
        hook = self._error_hook
        if hook is None:
            self.log_limits.warning(self.log, ("on_error", context), "%s: %s", context, error)
            return
        # Through the handler queue like every hook: bounded, drop-oldest.
        self._enqueue(self._decide_error, (hook, error, context))

    async def _decide_error(self, hook: Callable[..., Any], error: Exception, context: str) -> None:
        try:
            await self._act_on_error(hook, error, context)
        except Exception:  # noqa: BLE001 - must not feed back into on_error
            self.log.exception("acting on the answer of on_error failed")

    async def _act_on_error(self, hook: Callable[..., Any], error: Exception, context: str) -> None:
        action = await self._await_hook(hook, "on_error", error, context)
        sup = self._sup
        if action == "reconnect" and sup is not None:
            sup.force_reconnect(f"on_error asked to reconnect after: {context}")
        elif action == "stop":
            self.log.warning("on_error asked to stop after: %s", context)
            self._spawn(self.close())  # not on the handler task: close() drains it
        elif action is not None and action != "ignore":
            self.log_limits.warning(
                self.log,
                "on_error answer",
                "on_error returned %r (not one of None, 'ignore', 'reconnect', 'stop'): ignored",
                action,
            )

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = self._loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- secrets, logs, telemetry --------------------------------------------------------

    async def _attempt_handshake(self) -> tuple[str, Mapping[str, str] | None]:
        """Before a connection attempt: ask every credential provider again, build the
        handshake; returns the URL to open and the headers (``self.url`` shows the URL
        with credentials masked). Every credential value joins the redacted ones. A
        provider's ``TypeError`` (it returned no ``str``) propagates; so does anything
        else it raises."""
        for name, source in self._providers.items():
            value = await resolve_credential(name, source)
            self._credentials[name] = value
            self._handshake_secrets.append(value)
            if self._auth is not None:
                self._auth.credentials[name] = Secret(value)
        handshake = self._handshake
        if handshake is None:
            return self.url, None
        if isinstance(handshake, BoundHandshake):
            url, headers, self.url, found = await handshake.build()
            self._handshake_secrets.extend(found)
        else:
            built = handshake()
            if inspect.isawaitable(built):
                built = await built
            url, headers = built
            self.url = url
        self._hold_handshake_secrets(headers)
        return url, headers

    def _secret_values(self) -> list[str]:
        auth = self._auth
        values = auth.secret_values() if auth is not None else []
        return values + list(self._handshake_secrets)

    def _hold_handshake_secrets(self, headers: Mapping[str, str]) -> None:
        """The credentials of a handshake's headers (RFC 9110 ``Authorization``: the
        whole value and its token; RFC 6265 ``Cookie``: each value) join the values
        redacted from logs: ``websockets`` logs every request header at DEBUG."""
        for name, value in headers.items():
            lower = name.lower()
            if lower == "authorization":
                self._handshake_secrets.append(value)
                _, _, token = value.partition(" ")
                if token:
                    self._handshake_secrets.append(token.strip())
            elif lower == "cookie":
                for pair in value.split(";"):
                    cookie = pair.partition("=")[2].strip()
                    if cookie:
                        self._handshake_secrets.append(cookie)

    def _redact_error(self, error: BaseException) -> None:
        """Remove secret values from an exception's text, in place, before anyone sees
        it (a server error message may echo the token it refuses)."""
        secrets = self._secret_values()
        if not secrets:
            return
        error.args = tuple(redact(a, secrets) if isinstance(a, str) else a for a in error.args)
        for name in ("message", "reason"):
            value = getattr(error, name, None)
            if isinstance(value, str):
                setattr(error, name, redact(value, secrets))

    def _redact(self, text: str) -> str:
        return redact(text, self._secret_values())

    def _preview(self, data: str | bytes) -> str:
        """A redacted one-line preview of a frame, for DEBUG logs: known secret values,
        and the values of the auth reply's token fields (not known yet when the login
        reply itself is logged)."""
        masked = self._masked_fields
        if masked is not None and isinstance(data, str):
            data = masked.sub(r'\1"***"', data)
        return frame_preview(data, secrets=self._secret_values())

    def _emit(self, event: type[TelemetryEvent], **fields: Any) -> None:
        try:
            self._telemetry.emit(event(api=self.protocol.name, **fields))
        except Exception:  # noqa: BLE001 - telemetry must never break the client
            self.log.debug("telemetry sink failed", exc_info=True)

    def _unexpected_frame(self, kind: UnexpectedKind) -> None:
        """Count a frame the client did not expect (diagnostics and telemetry)."""
        self._unexpected[kind] += 1
        self._emit(UnexpectedFrame, kind=kind)

    def _drifted(self, channel: str, address: str, fields: tuple[str, ...]) -> None:
        """A message of ``channel`` was delivered without ``fields``: count it, emit
        :class:`SchemaDrift`, and warn once per field and channel."""
        counts = self._drift.get(channel)
        if counts is None:
            counts = self._drift[channel] = Counter()
        new = [f for f in fields if f not in counts]
        counts.update(fields)
        policy = self.options.channel_validation.get(channel, self.options.validation)
        self._emit(SchemaDrift, channel=channel, address=address, fields=fields, policy=policy)
        for name in new:
            self.log.warning(
                "%s: field %r missing or invalid in a message on %s (schema drift); messages"
                " are delivered without it (validation %s), counted in diagnostics().schema_drift",
                channel,
                name,
                address,
                policy,
            )

    def _error_action(self, code: Any) -> ErrorAction:
        return self._session.error_action(code)

    def diagnostics(self) -> Diagnostics:
        """A snapshot of this client: state, server, counters, subscriptions, latencies."""
        sup = self._sup
        conn = sup.conn if sup is not None else None
        subs = []
        for entry in self._session.subscriptions.entries():
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
        if sup is not None and sup.last_error is not None:
            # The connection's error, unless it was recovered from and a newer one came.
            if not sup.recovered or last_error is None or self._last_error_at < sup.recovered_at:
                last_error, recovered = sup.last_error, sup.recovered
        server = next((n for n, u in self.protocol.servers.items() if u == self.url), None)
        limiter = self._limiter
        loop_time = self._loop.time() if sup is not None else 0.0
        return Diagnostics(
            api=self.protocol.name,
            state=self.state,
            server=server,
            url=self.url,
            connected_since=sup.connected_since if sup is not None else None,
            reconnects=sup.reconnects if sup is not None else 0,
            last_error=last_error,
            last_error_recovered=recovered,
            unexpected_frames=dict(self._unexpected),
            schema_drift={c: dict(f) for c, f in self._drift.items()},
            pending_requests=len(self._session.correlator),
            subscriptions=tuple(subs),
            handler_queue_depth=len(self._runner_hooks),
            limiter_tokens=limiter.tokens(loop_time) if limiter is not None else None,
            frames_in=conn.frames_in if conn is not None else 0,
            frames_out=conn.frames_out if conn is not None else 0,
            bytes_in=conn.bytes_in if conn is not None else 0,
            bytes_out=conn.bytes_out if conn is not None else 0,
            latency_p50=self.metrics.percentile(50),
            latency_p99=self.metrics.percentile(99),
            authenticated=self._auth.authenticated if self._auth is not None else None,
        )

    # -- requests ------------------------------------------------------------------

    def _connection_now(self) -> Connection | None:
        sup = self._sup
        if sup is not None and sup.state == "open":
            return sup.conn
        return None

    async def _connection(self, deadline: float, method: str, timeout: float) -> Connection:
        conn = self._connection_now()
        if conn is not None:
            return conn
        if self._sup is None:
            raise ConnectionClosed(f"the client is {self.state}")
        return await self._sup.connection(deadline, method, timeout)

    async def _request(
        self, spec: RequestSpec[T], params: Mapping[str, Any], *, timeout: float | None = None
    ) -> T:
        """Send a request and return its parsed result (generated methods call this).

        While reconnecting it waits for the restore (bounded by its timeout); a drop
        while it waits for the reply raises :class:`ConnectionLost`, unless the spec
        marks it idempotent (then it is sent again on the new connection).
        """
        loop = self._loop
        t = (
            spec.timeout
            if spec.timeout is not None
            else (self.request_timeout if timeout is None else timeout)
        )
        start = loop.time()
        deadline = start + t
        reauthed = False
        while True:
            conn = await self._ready(spec.method, spec.cost, deadline, t)
            sent_params: Mapping[str, Any] = params
            token = self._auth.token if self._auth is not None else None
            now = loop.time()
            pending, text = self._session.build_request(
                spec, sent_params, now=now, timeout=max(deadline - now, 0.001)
            )
            try:
                result: T = await self._roundtrip(pending, text, conn)
            except ConnectionLost as exc:
                sup = self._sup
                if (
                    spec.idempotent
                    and not isinstance(exc, ConnectionClosed)
                    and loop.time() < deadline
                    and sup is not None
                    and sup.state not in ("closing", "closed")
                ):
                    continue
                self._completed(spec.method, start, exc)
                raise
            except ServerError as exc:
                action = self._error_action(exc.code)
                if action == "reauth" and not reauthed and self._auth is not None:
                    reauthed = True
                    if await self._reauth(conn, token):
                        continue
                elif action == "retry":
                    self._throttled(spec.method)  # later requests wait; this one raises
                self._completed(spec.method, start, exc)
                raise
            except BaseException as exc:
                self._completed(spec.method, start, exc)
                raise
            if self._throttles:
                self._throttles = 0
            self._completed(spec.method, start, None)
            return result

    async def _reauth(self, conn: Connection, token: object) -> bool:
        sup = self._sup
        if sup is None:
            return False
        try:
            return await sup.reauth(conn, token)
        except Exception as exc:  # noqa: BLE001 - the caller raises the original error
            self.log.warning("re-authentication failed: %s", type(exc).__name__)
            return False

    def _completed(self, method: str, start: float, error: BaseException | None) -> None:
        code = error.code if isinstance(error, ServerError) else None
        self._emit(
            RequestCompleted,
            method=method,
            latency=self._loop.time() - start,
            ok=error is None,
            error_code=code if isinstance(code, (int, str)) else None,
        )

    def _requested(self, pending: Pending, error: BaseException | None) -> None:
        """A (un)subscribe request the runtime sent got its answer (or none in time):
        counted and timed like a user request (``RequestCompleted``)."""
        if pending.method:  # not a synthetic entry (an uncorrelated ack)
            self._completed(pending.method, pending.deadline - pending.timeout, error)

    async def _ready(self, method: str, cost: float, deadline: float, timeout: float) -> Connection:
        """The connection to send on, once the rate limiter lets ``cost`` through; while
        reconnecting, after the restore. Raises :class:`RequestTimeout` past ``deadline``."""
        conn = await self._connection(deadline, method, timeout)
        if self._limiter is not None or self._hold_until:
            await self._throttle(method, cost, deadline, timeout)
            conn = await self._connection(deadline, method, timeout)
        return conn

    async def _throttle(
        self, method: str, cost: float, deadline: float, timeout: float, *, wait_only: bool = False
    ) -> None:
        """Wait for the rate limiter (or raise :class:`RateLimited`; never with
        ``wait_only``), and for a server back-off in force after a rate-limit error reply."""
        loop = self._loop
        now = loop.time()
        wait = self._hold_until - now if self._hold_until > now else 0.0
        limiter = self._limiter
        if self._on_limit == "raise" and not wait_only:
            if limiter is not None:
                wait = max(wait, limiter.available(cost, now))
            if wait > 0:
                self._emit(RateLimitedEvent, method=method, wait=wait, raised=True)
                raise RateLimited(method, wait)
            if limiter is not None:
                limiter.reserve(cost, now)
            return
        if limiter is not None:
            wait = max(wait, limiter.reserve(cost, now))
        if wait > 0:
            self._emit(RateLimitedEvent, method=method, wait=wait, raised=False)
            if self.log.isEnabledFor(10):
                self.log.debug("%s: rate limited, waiting %.3fs", method, wait)
            if now + wait > deadline:
                raise RequestTimeout(method, timeout)
            await asyncio.sleep(wait)

    # -- frames without a correlated reply ---------------------------------------------

    def _frame_of(self, spec: RequestSpec[Any], params: Mapping[str, Any]) -> str:
        """The frame of ``spec`` with ``params`` and no id."""
        return self._session.frame(spec.method, params)

    async def _send_frame(
        self,
        text: str | bytes,
        *,
        method: str | None = None,
        cost: float = 1.0,
        timeout: float | None = None,
    ) -> None:
        """Send one frame and return (fire-and-forget): through the rate limiter (``cost``
        tokens, ``method`` names it in telemetry and errors); while reconnecting it waits
        for the restore, bounded by ``timeout`` (default: the request timeout), like a
        request. Raises :class:`RequestTimeout`, :class:`RateLimited` (``on_limit="raise"``)
        or :class:`ConnectionLost` (the socket closed while writing; not re-sent)."""
        name = method if method is not None else "send"
        t = self.request_timeout if timeout is None else timeout
        conn = await self._ready(name, cost, self._loop.time() + t, t)
        conn.last_subscribe = ()
        await conn.send(text)

    async def _request_next(
        self,
        spec: RequestSpec[T],
        params: Mapping[str, Any],
        reply: Match,
        *,
        timeout: float | None = None,
        frame: str | bytes | None = None,
    ) -> T:
        """Send ``spec``'s frame (``frame`` when given: a whole-payload frame, sent as it
        is) and return the next received frame that satisfies
        ``reply``, parsed with ``spec.parse_result`` (a reply without correlation id).

        Concurrent calls are answered in the order they were sent. The timeout
        (``timeout``, else the spec's, else the request timeout) covers waiting for a
        restore, the rate limiter and the reply; a drop while waiting for the reply
        raises :class:`ConnectionLost` (the frame is not sent again).
        """
        loop = self._loop
        if timeout is not None:
            t = timeout
        else:
            t = spec.timeout if spec.timeout is not None else self.request_timeout
        start = loop.time()
        deadline = start + t
        waiter: Waiter | None = None
        timer: asyncio.TimerHandle | None = None
        try:
            conn = await self._ready(spec.method, spec.cost, deadline, t)
            text = frame if frame is not None else self._frame_of(spec, params)
            now = loop.time()
            waiter = self._session.add_waiter(
                reply, spec.parse_result, method=spec.method, now=now, timeout=deadline - now
            )
            future: asyncio.Future[T] = loop.create_future()
            waiter.waiter = future
            timer = loop.call_at(waiter.deadline, self._expire_waiter, waiter)
            conn.last_subscribe = ()
            await conn.send(text)
            result = await future
        except BaseException as exc:
            if waiter is not None:
                self._session.waiters.remove(waiter)
            self._completed(spec.method, start, exc)
            raise
        finally:
            if timer is not None:
                timer.cancel()
        self._completed(spec.method, start, None)
        return result

    def _expire_waiter(self, waiter: Waiter) -> None:
        if self._session.waiters.remove(waiter):
            self._fail_waiter(waiter, RequestTimeout(waiter.method, waiter.timeout))

    def _throttled(self, method: str, *, closed: bool = False) -> float:
        """The server said "too many requests": hold every send, and a reconnect, for a
        growing delay drawn from ``[cap / 2, cap]``, ``cap = base * multiplier ** n``
        (``n`` earlier throttles, forgotten after ``reset_after`` seconds without one;
        never above ``max_delay``). After an error reply whose action is ``retry``,
        ``base`` is the reconnect's ``initial_delay``; after a ``rate_limited`` close
        (``closed``) it is twice the larger of ``initial_delay`` and the rate limit's
        window (``burst / rate``), so the wait is at least one window: the server's
        count has emptied by then. Returns the delay in seconds."""
        policy = self._sup.policy if self._sup is not None else self.protocol.reconnect
        now = self._loop.time()
        if now - self._throttled_at > policy.reset_after:
            self._throttles = 0
        base = policy.initial_delay
        limit = self.protocol.rate_limit
        if closed:
            base = 2 * max(base, limit.burst / limit.rate if limit is not None else 0.0)
        try:
            cap = min(policy.max_delay, base * policy.multiplier**self._throttles)
        except OverflowError:
            cap = policy.max_delay
        self._throttles += 1
        delay = random.uniform(cap / 2, cap)
        self._throttled_at = now
        self._hold_until = max(self._hold_until, self._throttled_at + delay)
        self._emit(RateLimitedEvent, method=method, wait=delay, raised=False)
        self.log.warning("%s: the server is rate limiting; backing off %.3fs", method, delay)
        return delay

    async def _roundtrip(self, pending: Pending, text: str, conn: Connection) -> Any:
        loop = self._loop
        waiter: asyncio.Future[Any] = loop.create_future()
        pending.waiter = waiter
        timer = loop.call_at(pending.deadline, self._expire, pending)
        conn.last_subscribe = ()
        try:
            await conn.send(text)
            return await waiter
        except BaseException:
            self._session.abandon(pending)
            raise
        finally:
            timer.cancel()

    def _track_internal(self, pending: Pending) -> None:
        """A request the runtime sent itself: forget it at its deadline."""
        self._loop.call_at(pending.deadline, self._expire, pending)

    def _expire(self, pending: Pending) -> None:
        """A deadline passed: if still pending, the request times out (its reply will be late)."""
        if not self._session.settle(pending):
            return
        if pending.kind == "subscribe":
            error = SubscriptionError(pending.addresses[0], f"no ack within {pending.timeout:g}s")
            self._requested(pending, RequestTimeout(pending.method, pending.timeout))
            self._fail_entries(
                self._session.subscriptions.mark_failed(pending.addresses, error), error
            )
        else:
            self._fail_waiter(pending, RequestTimeout(pending.method, pending.timeout))

    @staticmethod
    def _fail_waiter(pending: Pending | Waiter, error: BaseException) -> None:
        waiter = pending.waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)

    @staticmethod
    def _wake_waiter(pending: Pending | None) -> None:
        if pending is not None:
            waiter = pending.waiter
            if waiter is not None and not waiter.done():
                waiter.set_result(None)

    # -- subscriptions ---------------------------------------------------------------

    def _subscribe(self, spec: ChannelSpec[M, C], channel: C) -> Subscription[M, C]:
        """A new subscription to ``channel``; the subscribe request goes out in a task."""
        address = Subscriptions.address_of(spec, channel)
        feed: Feed[M, C] = Feed(
            self, spec, channel, address, self.options.subscription_buffer, self.options.overflow
        )
        feed._task = asyncio.get_running_loop().create_task(self._start(feed))
        return Subscription(feed)

    def _cost_of(self, wire: str) -> float:
        """Rate-limit cost of a wire method: its request spec's, else 1."""
        spec = self.protocol.requests.get(wire)
        return spec.cost if spec is not None else 1.0

    async def _start(self, feed: Feed[Any, Any]) -> None:
        """Add ``feed`` as a consumer of its address; a new address joins the outbox of
        its subscribe method (:class:`~.outbox.Outbox`)."""
        timeout = self.request_timeout
        method = self.protocol.subscribe_methods.get(feed.spec.via)
        wire = method.subscribe if method is not None else "subscribe"
        try:
            await self._connection(self._loop.time() + timeout, wire, timeout)
            entry, new = self._session.subscriptions.add(feed.spec, feed.channel, feed)
        except (ConnectionLost, ValueError, RequestTimeout) as exc:
            feed._fail(exc)
            return
        feed._entry = entry
        if not new:
            if entry.state == "active":
                feed._acked()
            return
        self._outbox.add(entry)

    async def _retry_subscribe(
        self, addresses: tuple[str, ...], delay: float, conn: Connection | None
    ) -> None:
        """Subscribe ``addresses`` again ``delay`` s after a transient refusal (those
        still desired and pending), through the rate limiter, on the open connection
        (after a restore in progress, if any). A reconnect meanwhile resubscribes them
        anyway; its restore plan includes every pending entry."""
        await asyncio.sleep(delay)
        loop = self._loop
        timeout = self.request_timeout
        subs = self._session.subscriptions
        while any((e := subs.get(a)) is not None and e.state == "pending" for a in addresses):
            try:
                conn = await self._connection(loop.time() + timeout, "subscribe", timeout)
                requests = self._session.resubscribe(addresses, now=loop.time(), timeout=timeout)
                for pending, text in requests:
                    await self._throttle(
                        pending.method,
                        self._cost_of(pending.method),
                        pending.deadline,
                        timeout,
                        wait_only=True,
                    )
                    loop.call_at(pending.deadline, self._expire, pending)
                    await conn.send(text)
                    if not self._session.awaits_ack(pending):
                        entries = [e for a in pending.addresses if (e := subs.get(a)) is not None]
                        self._on_outcome(SubscribeAck(pending, entries, []), conn)
                return
            except RequestTimeout:
                continue  # still reconnecting: wait again
            except ConnectionLost:
                return  # closed, or dropped: the next restore subscribes them

    def _consumer_left(self, feed: Feed[Any, Any]) -> None:
        """A Subscription was garbage collected. Called by a finaliser, possibly from
        another thread: the decision is made on the loop (:meth:`_consumer_gone`)."""
        loop = getattr(self, "_loop", None)
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(self._consumer_gone, feed)
        except RuntimeError:  # the loop closed meanwhile
            pass

    def _consumer_gone(self, feed: Feed[Any, Any]) -> None:
        """An iterated one was left (break, return, exception): unsubscribe it like
        :meth:`Subscription.unsubscribe`; one never iterated keeps its address for the
        hooks and stops buffering."""
        if feed._end is not None or self.state in ("closing", "closed"):
            return
        if feed.iterated:
            self._spawn(self._leave(feed))
        else:
            feed._detach()

    async def _leave(self, feed: Feed[Any, Any]) -> None:
        try:
            await self._unsubscribe_sink(feed)
        except NovaError as exc:
            self.log.debug("unsubscribe after the consumer left failed: %s", exc)

    async def _unsubscribe_sink(self, sub: Feed[Any, Any]) -> None:
        task = sub._task
        if task is not None and not task.done():
            task.cancel()  # not a consumer yet (it waits for the connection): it never will be
            await asyncio.gather(task, return_exceptions=True)
        entry = sub._entry
        sub._close()
        if entry is None:
            return
        await self._send_unsubscribe(self._drop(entry, sub))

    async def _unsubscribe(self, spec: ChannelSpec[Any, C], channel: C) -> None:
        """Unsubscribe ``channel`` entirely: every subscription to its address ends."""
        entry = self._session.subscriptions.get(Subscriptions.address_of(spec, channel))
        if entry is None:
            return
        sinks = list(entry.sinks)
        request = self._drop(entry, None)
        for sink in sinks:
            sink._close()
        await self._send_unsubscribe(request)

    def _drop(self, entry: SubEntry, sink: Feed[Any, Any] | None) -> tuple[Pending, str] | None:
        """Drop ``sink`` (None: every consumer) from ``entry``; the unsubscribe frame to
        send when the address left the desired set, unless its subscribe frame is still
        waiting in the outbox (then it is simply never sent)."""
        request = self._session.unsubscribe(
            entry, sink, now=self._loop.time(), timeout=self.request_timeout
        )
        if request is not None and self._outbox.cancel(entry):
            self._session.abandon(request[0])
            return None
        return request

    async def _send_unsubscribe(self, request: tuple[Pending, str] | None) -> None:
        """The address left the desired set; tell the server if a connection is up."""
        if request is None:
            return
        conn = self._connection_now()
        if conn is None:
            self._session.abandon(request[0])  # the next restore will not include it
            return
        pending = request[0]
        if self._limiter is not None or self._hold_until:
            # Through the rate limiter, always waiting (an unsubscribe is never dropped
            # for the limit), within the request timeout.
            try:
                await self._throttle(
                    pending.method,
                    self._cost_of(pending.method),
                    pending.deadline,
                    pending.timeout,
                    wait_only=True,
                )
            except RequestTimeout:
                self._session.abandon(pending)
                raise
            conn = self._connection_now()
            if conn is None:
                self._session.abandon(pending)
                return
        if not pending.correlated:
            # No correlated reply will come (no request ids, or an uncorrelated ack).
            try:
                await conn.send(request[1])
            except ConnectionLost:
                pass
            return
        try:
            await self._roundtrip(*request, conn)
        except ConnectionLost:
            pass  # the server forgets it with the connection; no restore includes it

    def _overflow(self, sub: Feed[Any, Any], error: Exception) -> None:
        """A ``raise``-policy buffer overflowed: end that subscription (off the hot path)."""
        sub._fail(error)
        self._call_hook("on_subscription_error", sub.address, error)
        self._spawn(self._release(sub))

    async def _release(self, sub: Feed[Any, Any]) -> None:
        entry = sub._entry
        if entry is None:
            return
        request = self._drop(entry, sub)
        try:
            await self._send_unsubscribe(request)
        except NovaError as exc:
            self.log.debug("unsubscribe after overflow failed: %s", exc)

    def _dropped(self, sub: Feed[Any, Any]) -> None:
        self.log_limits.warning(
            self.log,
            ("dropped", sub.address),
            "%s: subscription buffer full (%d messages), %s: %d message(s) dropped so far",
            sub.address,
            sub.maxsize,
            sub.overflow,
            sub.dropped,
        )
        self._emit(
            FrameDropped, address=sub.address, policy=sub.overflow, dropped_total=sub.dropped
        )

    def _fail_entries(self, entries: list[SubEntry], error: Exception) -> None:
        for entry in entries:
            for sink in entry.sinks:
                sink._fail(error)
            self._call_hook("on_subscription_error", entry.address, error)
            self._emit(SubscriptionStateChanged, address=entry.address, old="pending", new="failed")

    # -- receiving -------------------------------------------------------------------

    async def _answer_ping(self, outcome: PingReceived, conn: Connection) -> None:
        await self._outcomes.answer_ping(outcome, conn)

    def _on_outcome(self, outcome: object, conn: Connection | None = None) -> None:
        self._outcomes.handle(outcome, conn)


def _token_fields(protocol: Protocol) -> re.Pattern[str] | None:
    """A regex matching ``"name": "value"`` for the token fields of the auth reply and
    the secret credentials, so DEBUG frame logs never show them."""
    auth = protocol.auth
    if auth is None:
        return None
    names = {p.rsplit("/", 1)[-1] for p in (auth.token, auth.refresh_token) if p}
    names |= {c.name for c in auth.credentials if c.secret}
    names |= {"access_token", "refresh_token"}
    alternatives = "|".join(re.escape(n) for n in sorted(names) if n)
    return re.compile(rf'("(?:{alternatives})"\s*:\s*)"(?:[^"\\]|\\.)*"')


def _auth_state(
    protocol: Protocol, credentials: Mapping[str, CredentialSource]
) -> AuthState | None:
    """Login state when the spec has auth and credentials were given (or are in the
    environment); None for public use. Half-given credentials raise MissingCredential.
    Credentials given as providers are filled in before each connection attempt."""
    auth = protocol.auth
    if auth is None:
        return None
    given = {k: v for k, v in credentials.items() if isinstance(v, str) and v}
    provided = [k for k, v in credentials.items() if not isinstance(v, str)]
    in_env = any(c.env and os.environ.get(c.env) for c in auth.credentials)
    if not given and not provided and not in_env:
        return None
    return AuthState(auth, resolve_credentials(auth, given, os.environ, provided))
