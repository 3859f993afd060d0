"""The state machine of the logical client: connect, restore, keep alive, reconnect, rotate.

One :class:`Supervisor` per client. It owns the current :class:`~.connection.Connection`
and everything that outlives one socket: the reconnect backoff, the login state, the
connect limiter, the per-connection timers (application pings, the no-data watchdogs of
the connection and of each stream, token refresh, lifetime rotation) and the *ready*
signal requests wait on while the client reconnects.

Establishing a connection is always the same ordered sequence, for the first connect, a
reconnect and a rotation alike:

    open the socket -> wait for the server's hello (spec ``hello``) -> start receiving ->
    send the on-connect request (spec ``heartbeat.on_connect``) -> log in (when the
    client has credentials) -> resubscribe every desired subscription, batched per
    subscribe method, private ones only once logged in, and wait for the acks ->
    switch traffic to it (``ready``) -> ``on_connect``.

Decisions stay in the sans-I/O core (``core.backoff`` draws the delays and classifies
close codes, ``core.auth`` builds login params and says when to refresh,
``core.pings`` tracks ping deadlines); this module only sleeps, sends and awaits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from .connection import Connection
from .core.auth import AuthState
from .core.backoff import Backoff, classify_close
from .core.match import compile_match
from .core.pings import PingTracker
from .core.ratelimit import Limiter, connect_limiter_for
from .core.session import SubscribeAck
from .core.subscriptions import RestoreStep
from .errors import (
    ConnectFailed,
    ConnectionClosed,
    ConnectionLost,
    RequestTimeout,
    ServerError,
    SubscriptionError,
)
from .lifecycle import ClientState, ConnectInfo, DisconnectReason
from .options import ConnectOptions, websockets_kwargs
from .pointer import getter
from .telemetry import (
    AuthCompleted,
    ConnectionOpened,
    ConnectionRestored,
    HeartbeatMissed,
    Reconnecting,
)
from .telemetry import ConnectionClosed as ClosedEvent
from .template import fill
from .watchdogs import idle_limit, stale_limits, watch_idle, watch_streams

if TYPE_CHECKING:
    from .client import BaseClient

__all__ = ["FatalError", "Supervisor"]


class FatalError(Exception):
    """A failure the same client would hit again: stop reconnecting."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


class Supervisor:
    """Keeps one logical connection alive across sockets."""

    def __init__(self, client: BaseClient[Any], auth: AuthState | None) -> None:
        self.client = client
        protocol, options = client.protocol, client.options
        self.policy = options.reconnect or protocol.reconnect
        self.heartbeat = options.heartbeat or protocol.heartbeat
        self.max_lifetime = (
            options.max_lifetime if options.max_lifetime is not None else protocol.max_lifetime
        )
        self.backoff = (options.backoff or Backoff)(self.policy)
        self.auth = auth
        self.state: ClientState = "new"
        self.conn: Connection | None = None
        self.reconnects = 0
        self._last_error: str | None = None
        self.recovered = False
        """True once a connection was restored after :attr:`last_error` happened."""
        self.recovered_at = 0.0
        """Loop time of that restore."""
        self.outage_started: float | None = None
        """Loop time the current outage began (the drop), None while connected."""
        self.connected_since: float | None = None
        self.final_error: ConnectionLost | None = None
        self.tracker: PingTracker | None = None
        self.connect_limiter: Limiter | None = options.connect_limiter
        self._loop = asyncio.get_running_loop()
        if self.connect_limiter is None:
            self.connect_limiter = connect_limiter_for(protocol.rate_limit, self._loop.time())
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._timers: dict[int, list[asyncio.Task[None]]] = {}
        self._numbers = 0
        self._auth_lock = asyncio.Lock()
        self._hello_interval: float | None = None
        self._rotating: asyncio.Future[Connection | None] | None = None
        """Set while a rotation establishes a replacement: resolves to it when the old
        connection died meanwhile (the loop then switches to it), else to None."""
        self._restore_timeout = (
            options.restore_timeout
            if options.restore_timeout is not None
            else client.request_timeout
        )
        self._stale_limits = stale_limits(protocol, options)
        """Channel name -> seconds without a message before its stream counts as stale."""
        self.stale_strikes: dict[str, tuple[int, int]] = {}
        """Address -> (messages it had received, stale firings in a row since then),
        kept across connections (see ``watchdogs.stale_action``)."""
        self._delay_once: float | None = None
        """The delay of the next reconnect instead of the backoff's (``reconnect()``: 0)."""
        self._live_waiters: list[asyncio.Future[None]] = []
        """``reconnect()`` callers waiting for the next connection to go live."""
        hello = protocol.hello
        self._is_hello = compile_match(hello.when) if hello is not None else None
        self._hello_interval_at = (
            getter(hello.heartbeat_interval)
            if hello is not None and hello.heartbeat_interval is not None
            else None
        )

    @property
    def last_error(self) -> str | None:
        """Why the last connection ended or the last attempt failed (redacted text)."""
        return self._last_error

    @last_error.setter
    def last_error(self, text: str | None) -> None:
        self._last_error = text
        self.recovered = False

    # -- what the client asks ----------------------------------------------------------

    async def connection(self, deadline: float, method: str, timeout: float) -> Connection:
        """The open connection; while reconnecting, wait for the restore until ``deadline``."""
        while True:
            conn = self.conn
            if self.state == "open" and conn is not None:
                return conn
            if self.state in ("closing", "closed", "new"):
                if self.final_error is not None:
                    raise self.final_error
                raise ConnectionClosed(f"the client is {self.state}")
            remaining = deadline - self._loop.time()
            if remaining <= 0:
                raise RequestTimeout(method, timeout)
            try:
                async with asyncio.timeout(remaining):
                    await self._wake.wait()
            except TimeoutError:
                raise RequestTimeout(method, timeout) from None

    async def start(self) -> None:
        """The first connect: one attempt, or the reconnect policy's attempts when
        ``retry_first_connect`` is set. Raises :class:`ConnectFailed` (the last attempt's
        error as its cause), or the typed server error of a fatal login refusal."""
        self.state = "connecting"
        attempt = 0
        while True:
            attempt += 1
            try:
                conn = await self._establish(attempt)
                break
            except FatalError as exc:
                self.state = "closed"
                raise exc.error from None
            except Exception as exc:
                self.last_error = _describe(exc)
                delay = self.backoff.next_delay() if self.policy.retry_first_connect else None
                if delay is None:
                    self.state = "closed"
                    raise ConnectFailed(self.client.url, exc) from exc
                self.client.log.warning(
                    "connect attempt %d failed (%s); retrying in %.2fs",
                    attempt,
                    self.last_error,
                    delay,
                )
                self.client._emit(
                    Reconnecting, attempt=attempt, delay=delay, reason=self.last_error
                )
                await asyncio.sleep(delay)
        self._go_live(conn, attempt, reconnect=False)
        self._task = self._loop.create_task(
            self._run(), name=f"nova.{self.client.protocol.name}.supervisor"
        )

    async def close(self) -> None:
        """Stop supervising: no more reconnects or timers; the caller closes the socket."""
        self.state = "closing"
        self._wake.set()
        tasks = [t for ts in self._timers.values() for t in ts]
        if self._task is not None:
            tasks.append(self._task)
        current = asyncio.current_task()
        tasks = [t for t in tasks if t is not current]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._timers.clear()
        self._wake_live(ConnectionClosed("the client was closed"))

    def force_reconnect(self, why: str) -> None:
        """Drop the current connection; the supervisor restores on a new one."""
        conn = self.conn
        if conn is not None and self.state == "open":
            self.client.log.warning("reconnecting: %s", why)
            conn.abort(why)

    async def reconnect(self, reason: str) -> None:
        """Drop the current connection and reconnect at once (no backoff delay); return
        when the new one is live and restored. Raises :class:`ConnectionClosed` when the
        client is (or gets) closed, the final :class:`ConnectionLost` when it gives up."""
        if self.state in ("closing", "closed", "new"):
            if self.final_error is not None:
                raise self.final_error
            raise ConnectionClosed(f"the client is {self.state}")
        live: asyncio.Future[None] = self._loop.create_future()
        self._live_waiters.append(live)
        if self.state == "open":
            self.backoff.reset()
            self._delay_once = 0.0
            self.force_reconnect(f"reconnect requested: {reason}")
        # else: already reconnecting; the next live connection answers too.
        await live

    def _wake_live(self, error: BaseException | None) -> None:
        waiters, self._live_waiters = self._live_waiters, []
        for waiter in waiters:
            if waiter.done():
                continue
            if error is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(error)

    async def reauth(self, conn: Connection, seen_token: object) -> bool:
        """Log in again after an ``unauthorized`` reply (once per token); True if done."""
        if self.auth is None:
            return False
        async with self._auth_lock:
            if self.auth.token is not seen_token and self.auth.authenticated:
                return True  # another request already logged in again
            await self._login(conn, refresh=False, locked=True)
        return True

    # -- the loop ----------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            conn = self.conn
            assert conn is not None
            await conn.wait()
            if self.state in ("closing", "closed"):
                return
            if conn is not self.conn:
                continue  # rotated away: the old connection ended as planned
            rotating = self._rotating
            if rotating is not None:
                new = await rotating
                if new is not None:
                    if not new.done and self.state == "open":
                        self._replace_dead(conn, new)
                        continue
                    await new.close()
            if not await self._reconnect(conn):
                return

    async def _reconnect(self, conn: Connection) -> bool:
        """The current connection is gone: decide, back off, re-establish. False: gave up."""
        client = self.client
        code, text = conn.describe()
        text = client._redact(text)  # a close reason is server text
        self.outage_started = self._loop.time()
        self.state = "reconnecting"
        self._wake.clear()
        self._stop_timers(conn)
        self.backoff.disconnected(self._loop.time())
        self.connected_since = None
        error_text = client._redact(_describe(conn.error)) if conn.error is not None else None
        self.last_error = f"{text}" + (f" (code {code})" if code is not None else "")
        client._emit(ClosedEvent, url=conn.url, code=code, reason=text, clean=code in (1000, 1001))
        message = f"connection lost: {self.last_error}"
        client.log.warning("%s", message)
        action = classify_close(code, self.policy)
        if conn.closed_by_client and action == "fatal":
            # Our own close code (1007 for invalid UTF-8, 1009 for a frame over max_size)
            # says what the server sent, not that it refuses us: reconnect.
            action = "retry"
        if action == "reject":
            self._reject_last_subscribe(conn, code, text)
        client._connection_lost(ConnectionLost(message, code=code, reason=text))
        if self.auth is not None:
            self.auth.reset()
        throttled = self._loop.time() - client._throttled_at < 5.0
        if action == "fatal" and code == 1008 and throttled and code not in self.policy.close_codes:
            # A policy-violation close right after a rate-limit error reply (Deribit ends
            # the session after 10028): the server is rate limiting, do not give up.
            action = "rate_limited"
        if action == "rate_limited":
            # Never fatal; every send (and the reconnect below) waits out a longer delay.
            client._throttled(f"close code {code}", closed=True)
        reason = DisconnectReason(
            code=code, reason=text, action=action, error=error_text, attempt=self.backoff.attempts
        )
        decision = await client._decide_disconnect(reason)
        if self.state in ("closing", "closed"):
            return False
        delay_override, self._delay_once = self._delay_once, None
        if decision is not None:
            if decision.action == "stop":
                self._give_up(f"on_disconnect stopped reconnecting after: {reason}", code, text)
                return False
            if decision.delay is not None:
                delay_override = decision.delay
        elif action == "fatal":
            self._give_up(f"fatal close, not reconnecting: {reason}", code, text)
            return False
        attempt = 0
        while True:
            delay = self.backoff.next_delay()
            if delay is None:
                self._give_up(
                    f"gave up after {self.backoff.attempts} reconnect attempts;"
                    f" last error: {self.last_error}",
                    code,
                    text,
                )
                return False
            if delay_override is not None:
                delay, delay_override = delay_override, None
            delay = max(delay, client._hold_until - self._loop.time())
            attempt += 1
            client._emit(Reconnecting, attempt=attempt, delay=delay, reason=self.last_error or "")
            client.log.info("reconnect attempt %d in %.3fs", attempt, delay)
            await asyncio.sleep(delay)
            try:
                new = await self._establish(attempt)
            except FatalError as exc:
                self._give_up(f"fatal error while reconnecting: {_describe(exc.error)}", None, "")
                return False
            except Exception as exc:  # noqa: BLE001 - every failed attempt is retried per policy
                self.last_error = _describe(exc)
                client.log.warning("reconnect attempt %d failed: %s", attempt, self.last_error)
                continue
            if self.state in ("closing", "closed"):
                await new.close()
                return False
            self.reconnects += 1
            self._go_live(new, attempt, reconnect=True)
            return True

    def _replace_dead(self, old: Connection, new: Connection) -> None:
        """The old connection died while a rotation restored ``new``: keep ``new``.

        Requests sent on the old one fail with :class:`ConnectionLost` (as on any
        drop); the subscriptions are already restored on ``new``, so no reconnect."""
        client = self.client
        code, text = old.describe()
        text = client._redact(text)
        self.outage_started = self._loop.time()
        self._stop_timers(old)
        client._emit(ClosedEvent, url=old.url, code=code, reason=text, clean=False)
        message = f"connection lost during a rotation: {text}" + (
            f" (code {code})" if code is not None else ""
        )
        client.log.warning("%s; switching to the restored replacement", message)
        error = ConnectionLost(message, code=code, reason=text)
        session = client._session
        for pending in session.correlator.fail_all():
            client._fail_waiter(pending, error)
        for waiter in session.waiters.fail_all():
            client._fail_waiter(waiter, error)
        self.reconnects += 1
        self._go_live(new, 1, reconnect=True, rotation=True)

    def _reject_last_subscribe(self, conn: Connection, code: int | None, reason: str) -> None:
        """A ``reject`` close: what was in flight caused it. Requests pending at the close
        fail with ConnectionLost (code and reason) as at any drop; when none was pending,
        the subscription sent last fails and is not restored."""
        client = self.client
        if not conn.last_subscribe or any(p.kind == "request" for p in client._session.correlator):
            return
        cause = ConnectionLost(f"the server closed the connection: {reason}", code=code, reason=reason)
        error = SubscriptionError(conn.last_subscribe[0], f"rejected by the server: {reason}", cause)
        failed = client._session.subscriptions.mark_failed(conn.last_subscribe, error)
        client._fail_entries(failed, error)

    def _give_up(self, message: str, code: int | None, reason: str) -> None:
        self.client.log.error("%s", message)
        self.last_error = message
        self.state = "closed"
        self.final_error = ConnectionLost(message, code=code, reason=reason or None)
        self._wake.set()
        self._wake_live(self.final_error)
        self.client._final_teardown(self.final_error, clean=False)

    # -- establishing ------------------------------------------------------------------

    async def _establish(self, attempt: int, *, rotation: bool = False) -> Connection:
        """Open, hello, login, restore: a connection ready to switch traffic to."""
        client = self.client
        limiter = self.connect_limiter
        if limiter is not None:
            wait = limiter.reserve(1.0, self._loop.time())
            if wait > 0:
                client.log.info("connect rate limit: waiting %.3fs", wait)
                await asyncio.sleep(wait)
        self._numbers += 1
        try:
            # Built again for every attempt: every credential provider is asked anew.
            url, headers = await client._attempt_handshake()
        except TypeError as exc:  # a provider that returns no str: a bug, not bad luck
            raise FatalError(exc) from None
        kwargs = websockets_kwargs(client.protocol, client.options, url)
        if headers:
            kwargs["additional_headers"] = {**headers, **dict(client.options.extra_headers)}
        # WebSocket pings are sent by our own timer (see _ws_pinger): a missed pong then
        # drops the socket at once instead of waiting for a closing handshake.
        kwargs["ping_interval"] = kwargs["ping_timeout"] = None
        kwargs["logger"] = client.ws_log  # the library's frame logs, redacted
        if client.log.isEnabledFor(20):
            client.log.info("connecting to %s (attempt %d)", client.url, attempt)
        conn = await Connection.open(url, kwargs, self._numbers, client, shown=client.url)
        client._emit(ConnectionOpened, url=client.url, attempt=attempt)
        try:
            if self._is_hello is not None:
                await self._await_hello(conn)
            if client.protocol.init is not None:
                await self._init(conn)
            conn.start()
            reply = self.heartbeat.on_connect
            if reply is not None:
                pending, text = client._session.build_reply(reply, now=self._loop.time())
                if pending is not None:
                    client._track_internal(pending)
                if text is not None:
                    await conn.send(text)
            if self.auth is not None:
                await self._login(conn, refresh=False)
            # A rotation restores next to the live connection: the entries stay active
            # (both sockets deliver, once each, through the session's overlap).
            subs = client._session.subscriptions
            await self._restore(conn, subs.restore_plan() if rotation else None)
        except BaseException as exc:
            conn.abort("connection setup failed")
            await asyncio.gather(conn.wait(), return_exceptions=True)
            code = exc.code if isinstance(exc, ConnectionLost) else conn.close_code
            if code is not None and classify_close(code, self.policy) == "rate_limited":
                # Closed for too many requests while restoring: the next attempt waits longer.
                client._throttled(f"close code {code}", closed=True)
            raise
        return conn

    async def _await_hello(self, conn: Connection) -> None:
        hello = self.client.protocol.hello
        assert hello is not None and self._is_hello is not None
        deadline = self._loop.time() + hello.timeout
        import json

        while True:
            remaining = deadline - self._loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no hello from the server within {hello.timeout:g}s")
            data = await conn.recv(remaining)
            try:
                frame = json.loads(data)
            except (ValueError, RecursionError):  # junk before the hello: skip it
                continue
            if self._is_hello(frame):
                break
        if self._hello_interval_at is not None:
            value = self._hello_interval_at(frame)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
                self._hello_interval = float(value) * hello.interval_scale

    async def _init(self, conn: Connection) -> None:
        """Send the spec's ``init`` frame (credentials filled in) and wait for its ack;
        nothing else goes out before it. No ack in time fails the attempt."""
        init = self.client.protocol.init
        assert init is not None
        frame = fill(dict(init.send), self.client._credentials)
        await conn.send(json.dumps(frame, separators=(",", ":"), ensure_ascii=False))
        is_ack = compile_match(init.ack)
        deadline = self._loop.time() + init.timeout
        while True:
            remaining = deadline - self._loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no ack to the init frame within {init.timeout:g}s")
            data = await conn.recv(remaining)
            try:
                if is_ack(json.loads(data)):
                    return
            except (ValueError, RecursionError):
                continue

    async def _login(self, conn: Connection, *, refresh: bool, locked: bool = False) -> None:
        if not locked:
            async with self._auth_lock:
                await self._login(conn, refresh=refresh, locked=True)
            return
        auth = self.auth
        assert auth is not None
        client = self.client
        params = auth.refresh_params() if refresh else None
        if params is None:
            refresh = False
            params = auth.login_params(int(time.time() * 1000), secrets.token_hex(8))
        method = auth.auth.request
        if client._limiter is not None or client._hold_until:
            # The login is a message like any other for the server's rate limit.
            await client._throttle(
                method,
                client._cost_of(method),
                self._loop.time() + self._restore_timeout,
                self._restore_timeout,
                wait_only=True,
            )
        pending, text = client._session.build_request(
            method, params, now=self._loop.time(), timeout=self._restore_timeout, kind="internal"
        )
        try:
            result = await client._roundtrip(pending, text, conn)
        except ServerError as exc:
            if client._error_action(exc.code) == "fatal":
                raise FatalError(exc) from None
            raise
        auth.on_login_result(result, self._loop.time())
        expires_in = auth.expires_at - self._loop.time() if auth.expires_at is not None else None
        client._emit(AuthCompleted, refreshed=refresh, expires_in=expires_in)
        client.log.info(
            "%s (expires in %s s)",
            "token refreshed" if refresh else "logged in",
            f"{expires_in:.0f}" if expires_in is not None else "never",
        )

    async def _restore(self, conn: Connection, plan: list[RestoreStep] | None = None) -> None:
        """Resubscribe the desired set on ``conn`` (or only ``plan``'s steps, on the
        same connection) and wait for the acks."""
        client = self.client
        session = client._session
        subs = session.subscriptions
        client._outbox.clear()
        if plan is None:
            subs.reset_for_reconnect()
            plan = subs.restore_plan()
        authenticated = self.auth is not None and self.auth.authenticated
        waits: list[asyncio.Future[Any]] = []
        pendings = []
        limited = client._limiter is not None or client._hold_until
        deadline = self._loop.time() + self._restore_timeout
        for step in plan:
            if step.method.requires_auth and not authenticated:
                error = SubscriptionError(
                    step.addresses[0], "requires authentication: pass the API credentials"
                )
                client._fail_entries(subs.mark_failed(step.addresses, error), error)
                continue
            wire = step.method.subscribe
            if limited:  # resubscribe requests count against the rate limit too
                await client._throttle(
                    wire, client._cost_of(wire), deadline, self._restore_timeout, wait_only=True
                )
            pending, text = session.restore_request(
                step, now=self._loop.time(), timeout=self._restore_timeout
            )
            conn.last_subscribe = step.addresses
            if not session.awaits_ack(pending):
                # Active once sent (ack none, or the request id is the subscription id).
                await conn.send(text)
                entries = [e for a in step.addresses if (e := subs.get(a)) is not None]
                client._on_outcome(SubscribeAck(pending, entries, []), conn)
                continue
            waiter: asyncio.Future[Any] = self._loop.create_future()
            waiter.add_done_callback(_retrieve)  # an attempt given up midway leaves it unread
            pending.waiter = waiter
            waits.append(waiter)
            pendings.append(pending)
            await conn.send(text)
        if not waits:
            return
        done, not_done = await asyncio.wait(waits, timeout=self._restore_timeout)
        if not_done:
            for pending in pendings:
                session.settle(pending)
            raise TimeoutError(
                f"{len(not_done)} resubscribe request(s) unanswered within {self._restore_timeout:g}s"
            )
        for fut in done:
            if fut.exception() is not None:
                raise fut.exception()  # type: ignore[misc]

    def _go_live(
        self, conn: Connection, attempt: int, *, reconnect: bool, rotation: bool = False
    ) -> None:
        """Switch traffic to ``conn``: requests go there, its notifications are delivered."""
        client = self.client
        old = self.conn
        if old is not None and old is not conn:
            # After a rotation the old connection delivers on until it is closed (its
            # copies deduplicated by the overlap); otherwise it is gone anyway.
            old.live = rotation
            self._stop_timers(old)
        conn.live = True
        self.conn = conn
        self.state = "open"
        self.connected_since = time.time()
        self.backoff.connected(self._loop.time())
        self._delay_once = None
        self._wake.set()
        self._wake_live(None)
        self._start_timers(conn)
        restored = len(client._session.subscriptions.routes)
        if reconnect:
            # From the drop (a planned rotation has no outage): what a user calls downtime.
            now = self._loop.time()
            began = self.outage_started
            client._emit(
                ConnectionRestored,
                url=conn.url,
                subscriptions=restored,
                duration=now - began if began is not None else 0.0,
            )
            if self.last_error is not None:
                self.recovered, self.recovered_at = True, now
            self.outage_started = None
            client.log.info(
                "%s: %d subscription(s) restored",
                "connection rotated" if rotation else "reconnected",
                restored,
            )
        client._call_hook(
            "on_connect",
            ConnectInfo(
                url=conn.url,
                attempt=attempt,
                reconnect=reconnect,
                rotation=rotation,
                subscriptions=restored,
                authenticated=self.auth is not None and self.auth.authenticated,
                subprotocol=conn.subprotocol,
            ),
        )

    # -- timers of one connection -------------------------------------------------------

    def _start_timers(self, conn: Connection) -> None:
        tasks = []
        name = f"nova.{self.client.protocol.name}"
        if self.heartbeat.ws_ping_interval:
            tasks.append(self._spawn(self._ws_pinger(conn), f"{name}.ws_ping"))
        if self.heartbeat.client_ping is not None:
            tasks.append(self._spawn(self._pinger(conn), f"{name}.ping"))
        idle = idle_limit(self.client.options, self.heartbeat)
        if idle is not None:
            tasks.append(self._spawn(watch_idle(self, conn, *idle), f"{name}.idle"))
        if self._stale_limits:
            tasks.append(
                self._spawn(watch_streams(self, conn, self._stale_limits), f"{name}.stale")
            )
        if self.auth is not None and self.auth.authenticated:
            tasks.append(self._spawn(self._refresher(conn), f"{name}.refresh"))
        if self.max_lifetime is not None and self.max_lifetime > 0:
            tasks.append(self._spawn(self._rotate(conn, self.max_lifetime), f"{name}.rotate"))
        self._timers[conn.number] = tasks

    def _stop_timers(self, conn: Connection) -> None:
        current = asyncio.current_task()
        for task in self._timers.pop(conn.number, []):
            if task is not current:
                task.cancel()

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        return self._loop.create_task(coro, name=name)

    async def _ws_pinger(self, conn: Connection) -> None:
        """WebSocket pings every ``ws_ping_interval``; no pong within ``ws_ping_timeout``
        drops the connection (the server or the path to it is gone)."""
        interval = self.heartbeat.ws_ping_interval
        timeout = self.heartbeat.ws_ping_timeout
        assert interval is not None
        while not conn.done:
            await asyncio.sleep(interval)
            try:
                pong = await conn.ws.ping()
            except Exception:  # noqa: BLE001 - closed: the receive loop reports it
                return
            if timeout is None:
                continue
            try:
                async with asyncio.timeout(timeout):
                    await pong
            except TimeoutError:
                self.client._emit(HeartbeatMissed, kind="ws_ping")
                self.force_reconnect(f"no pong to a WebSocket ping within {timeout:g}s")
                return
            except Exception:  # noqa: BLE001 - closed while waiting
                return

    async def _pinger(self, conn: Connection) -> None:
        """Application pings with a deadline (``heartbeat.client_ping``)."""
        ping = self.heartbeat.client_ping
        assert ping is not None
        client = self.client
        tracker = PingTracker(ping, self._loop.time())
        if self._hello_interval is not None:
            tracker.set_interval(self._hello_interval)
        self.tracker = tracker
        while not conn.done:
            now = self._loop.time()
            if tracker.overdue(now):
                client._emit(HeartbeatMissed, kind="app_ping")
                self.force_reconnect(f"no answer to the application ping within {ping.timeout:g}s")
                return
            if tracker.due(now):
                pending, text = client._session.build_reply(ping.send, now=now)
                if pending is not None:
                    client._track_internal(pending)
                if text is not None:
                    try:
                        await conn.send(text)
                    except ConnectionLost:
                        return
                tracker.sent(now)
            wake = min(tracker.next_due(), now + ping.timeout / 4)
            await asyncio.sleep(max(0.005, wake - self._loop.time()))

    async def _refresher(self, conn: Connection) -> None:
        """Refresh the token before it expires; log in again if the refresh fails."""
        auth = self.auth
        assert auth is not None
        client = self.client
        while not conn.done:
            at = auth.refresh_at()
            if at is None:
                return
            await asyncio.sleep(max(0.0, at - self._loop.time()))
            if conn.done or conn is not self.conn:
                return
            try:
                await self._login(conn, refresh=True)
            except FatalError as exc:
                self._give_up(f"token refresh refused: {_describe(exc.error)}", None, "")
                await conn.close(1000, "authentication refused")
                return
            except Exception as exc:  # noqa: BLE001 - any failure: try a fresh login instead
                client.log.warning("token refresh failed (%s); logging in again", _describe(exc))
                try:
                    await self._login(conn, refresh=False)
                except Exception as exc2:  # noqa: BLE001
                    self.force_reconnect(f"login failed: {_describe(exc2)}")
                    return

    async def _rotate(self, conn: Connection, lifetime: float) -> None:
        """Make-before-break rotation before the server's maximum connection lifetime.

        It starts :func:`rotation_margin` seconds before ``lifetime`` runs out, counted
        from the start of ``conn``'s connection attempt (the server's clock starts when
        it accepts, before our handshake completes, and never later). The replacement is
        opened, logged in and restored while ``conn`` still delivers; from the first
        subscribe ack both deliver through the session's overlap, which hands each
        address over from one to the other at a message both have seen (each message
        once, in order). Then traffic switches to the replacement and ``conn`` is
        closed once replies to requests sent on it had time to arrive (at most 1 s), or
        as soon as the server drops it."""
        client = self.client
        session = client._session
        margin = rotation_margin(lifetime, client.options, self._restore_timeout)
        delay = conn.started_mono + lifetime - margin - self._loop.time()
        while True:
            await asyncio.sleep(max(0.0, delay))
            if conn is not self.conn or self.state != "open":
                return
            rotating: asyncio.Future[Connection | None] = self._loop.create_future()
            self._rotating = rotating
            session.begin_overlap(conn.number)
            try:
                try:
                    new = await self._establish(1, rotation=True)
                except Exception as exc:  # noqa: BLE001 - try again soon; the old one still works
                    client.log.warning("connection rotation failed: %s", _describe(exc))
                    delay = max(0.05, min(30.0, margin / 4))
                    continue
                finally:
                    self._rotating = None
                if conn.done and conn is self.conn and self.state == "open":
                    # The old one died while the new one was restored: the loop (awaiting
                    # ``rotating``) switches to the new one instead of reconnecting.
                    rotating.set_result(new)
                    return
                rotating.set_result(None)
                if conn is not self.conn or self.state != "open" or conn.done:
                    await new.close()
                    return
                self._go_live(new, 1, reconnect=True, rotation=True)
                # Replies to requests sent on the old connection may still arrive on it.
                await conn.wait(timeout=min(1.0, client.request_timeout))
                conn.live = False
                with contextlib.suppress(Exception):
                    await conn.close(1000, "connection rotated")
                return
            finally:
                if not rotating.done():
                    rotating.set_result(None)
                overlap = session.end_overlap()
                if overlap is not None:
                    for entry, message in overlap.drain():
                        client._outcomes.deliver(entry, message)
                    client.log.debug("rotation: %d copies dropped", overlap.duplicates)


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark a future's exception as retrieved (asyncio logs unretrieved ones)."""
    if not future.cancelled():
        future.exception()


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def rotation_margin(lifetime: float, options: ConnectOptions, restore_timeout: float) -> float:
    """Seconds before the end of a connection's ``lifetime`` at which its rotation
    starts: ``options.rotation_margin``, else the longest an establishment may take
    (``open_timeout + restore_timeout``), at most a quarter of the lifetime. Binance's
    86400 s lifetime with the defaults (10 s + 10 s) rotates after 86380 s."""
    if options.rotation_margin is not None:
        return max(0.0, min(options.rotation_margin, lifetime))
    longest = (options.open_timeout or 10.0) + restore_timeout
    return min(longest, lifetime / 4)
