"""The state machine of the logical client: connect, restore, keep alive, reconnect, rotate.

One :class:`Supervisor` per client. It owns the current :class:`~.connection.Connection`
and everything that outlives one socket: the reconnect backoff, the login state, the
connect limiter, the per-connection timers (application pings, the no-data watchdogs of
the connection and of each stream, token refresh, lifetime rotation) and the *ready*
signal requests wait on while the client reconnects.

Every connection (first, reconnect, rotation) is established the same way by the
:class:`~.establish.Establisher` (open, hello, init, login, restore); this module then
switches traffic to it (``ready``) and queues ``on_connect``. On a drop it classifies
the close, asks ``on_disconnect``, fails waiting requests, backs off and establishes
again. Its timers live beside it: :mod:`.keepalive` (pings, token refresh),
:mod:`.watchdogs` (no-data watchdogs) and :mod:`.rotation` (make-before-break before
the server's maximum connection lifetime).

Decisions stay in the sans-I/O core (``core.backoff`` draws the delays and classifies
close codes, ``core.auth`` builds login params and says when to refresh,
``core.pings`` tracks ping deadlines); this module only sleeps, sends and awaits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from typing import Any

from .connection import Connection
from .context import Context
from .core.auth import AuthState
from .core.backoff import Backoff, classify_close
from .core.subscriptions import SubEntry
from .errors import (
    ConnectFailed,
    ConnectionClosed,
    ConnectionLost,
    RequestTimeout,
    SubscriptionError,
    describe,
)
from .establish import Establisher, FatalError
from .keepalive import WsPinger, app_pings, refresh_token
from .lifecycle import ClientState, ConnectInfo, DisconnectReason
from .outbox import Outbox
from .outcomes import Outcomes
from .rotation import rotate
from .sender import Sender
from .telemetry import ConnectionClosed as ClosedEvent
from .telemetry import ConnectionRestored, Reconnecting
from .watchdogs import IdleWatch, idle_limit, stale_limits, watch_streams

__all__ = ["Supervisor", "Timer"]

Timer = asyncio.Task[None] | WsPinger | IdleWatch
"""A per-connection timer: a task, or a loop timer for those that only read counters
and send (:class:`~.keepalive.WsPinger`, :class:`~.watchdogs.IdleWatch`)."""


class Supervisor:
    """Keeps one logical connection alive across sockets."""

    def __init__(
        self,
        ctx: Context,
        sender: Sender,
        outcomes: Outcomes,
        outbox: Outbox,
        auth: AuthState | None,
    ) -> None:
        self.ctx = ctx
        self.sender = sender
        self.outcomes = outcomes
        protocol, options = ctx.protocol, ctx.options
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
        self._loop = ctx.loop
        self._wake: asyncio.Event | None = None
        """Set when the connection goes live or the client stops; made by the first
        request that waits for a restore (most clients never need one)."""
        self._task: asyncio.Task[None] | None = None
        """The restore loop (:meth:`_run`), started by a loss."""
        self._timers: dict[int, list[Timer]] = {}
        """Connection number -> its timers (tasks, or loop timers: :data:`Timer`)."""
        self.rotating: asyncio.Future[Connection | None] | None = None
        """Set while a rotation establishes a replacement: resolves to it when the old
        connection died meanwhile (the loop then switches to it), else to None."""
        self.restore_timeout = (
            options.restore_timeout if options.restore_timeout is not None else ctx.request_timeout
        )
        self.establisher = Establisher(
            ctx,
            sender,
            outcomes,
            outbox,
            auth=auth,
            heartbeat=self.heartbeat,
            policy=self.policy,
            restore_timeout=self.restore_timeout,
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
        self._past_traffic = (0, 0, 0, 0)
        """Frames in/out, bytes in/out of the connections that ended (:meth:`traffic`)."""
        self._counted: Connection | None = None
        """The last connection whose traffic :attr:`_past_traffic` holds."""
        self._requested_drop: Connection | None = None
        """The connection ``reconnect()`` dropped on purpose: its end is no error (logged
        at INFO, not kept as ``last_error``)."""

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
            if self._wake is None:
                self._wake = asyncio.Event()
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
                conn = await self.establisher.establish(attempt)
                break
            except FatalError as exc:
                self.state = "closed"
                raise exc.error from None
            except Exception as exc:
                self.ctx.secrets.redact_error(exc)  # the cause chain a caller may print
                self.last_error = describe(exc)
                delay = self.backoff.next_delay() if self.policy.retry_first_connect else None
                if delay is None:
                    self.state = "closed"
                    raise ConnectFailed(self.ctx.secrets.url, exc) from exc
                self.ctx.log.warning(
                    "connect attempt %d failed (%s); retrying in %.2fs",
                    attempt,
                    self.last_error,
                    delay,
                )
                self.ctx.emit(
                    Reconnecting, attempt=attempt, delay=delay, reason=self.last_error
                )
                await asyncio.sleep(delay)
        self.go_live(conn, attempt, reconnect=False)

    async def close(self) -> None:
        """Stop supervising: no more reconnects or timers; the caller closes the socket."""
        self.state = "closing"
        self._signal()
        timers = [t for ts in self._timers.values() for t in ts]
        for timer in timers:
            timer.cancel()
        tasks = [t for t in timers if isinstance(t, asyncio.Task)]
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
            self.ctx.log.warning("reconnecting: %s", why)
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
        conn = self.conn
        if self.state == "open" and conn is not None:
            self.backoff.reset()
            self._delay_once = 0.0
            self._requested_drop = conn
            self.ctx.log.info("reconnecting as requested: %s", reason)
            conn.abort(f"reconnect requested: {reason}")
        # else: already reconnecting; the next live connection answers too.
        await live

    def _signal(self) -> None:
        """Wake the requests waiting in :meth:`connection` (the state changed)."""
        if self._wake is not None:
            self._wake.set()

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
        return await self.establisher.reauth(conn, seen_token)

    async def login(self, conn: Connection, *, refresh: bool) -> None:
        """Log in on ``conn`` (refresh the token when ``refresh``)."""
        await self.establisher.login(conn, refresh=refresh)

    async def resubscribe(self, conn: Connection, entry: SubEntry) -> None:
        """Unsubscribe ``entry``'s address and subscribe it again on ``conn`` (a stale
        stream); a failure replaces the connection."""
        session = self.ctx.session
        try:
            for request in session.unsubscribe_to_resubscribe(
                entry, now=self._loop.time(), timeout=self.restore_timeout
            ):
                await self.sender.send_unsubscribe(request)
            await self.establisher.restore(conn, session.subscriptions.restore_plan(only=[entry]))
        except Exception as exc:  # noqa: BLE001 - any failure: a new connection restores it
            self.force_reconnect(f"resubscribing {entry.address} failed: {describe(exc)}")

    # -- the loop ----------------------------------------------------------------------

    def traffic(self) -> tuple[int, int, int, int]:
        """Frames in, frames out, bytes in, bytes out since the client was created: the
        connections that ended, and the live one (``diagnostics()``)."""
        conn = self.conn
        if conn is None or conn is self._counted:
            return self._past_traffic
        return _with_traffic(self._past_traffic, conn)

    def _gone(self, conn: Connection) -> None:
        """``conn`` is gone: count its traffic; if it was the live one, restore (:meth:`_run`)."""
        self._past_traffic = _with_traffic(self._past_traffic, conn)
        self._counted = conn
        if self.state in ("closing", "closed") or conn is not self.conn:
            return  # closed, or rotated away: the old connection ended as planned
        task = self._task
        if task is None or task.done():
            self._task = self._loop.create_task(
                self._run(), name=f"nova.{self.ctx.protocol.name}.supervisor"
            )
        # else: the running loop sees the loss when it looks at the live connection next

    async def _run(self) -> None:
        """Restore a live connection after a loss. The task runs only while there is
        none: an idle client has no task waiting for the drop, which starts it
        (:meth:`_gone`, on every connection that goes live)."""
        while True:
            conn = self.conn
            assert conn is not None
            if self.state in ("closing", "closed") or not conn.done:
                return
            rotating = self.rotating
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
        ctx, sender = self.ctx, self.sender
        code, text = conn.describe()
        text = ctx.secrets.redact(text)  # a close reason is server text
        self.outage_started = self._loop.time()
        self.state = "reconnecting"
        if self._wake is not None:
            self._wake.clear()
        self._stop_timers(conn)
        self.backoff.disconnected(self._loop.time())
        self.connected_since = None
        error_text = ctx.secrets.redact(describe(conn.error)) if conn.error is not None else None
        why = f"{text}" + (f" (code {code})" if code is not None else "")
        ctx.emit(ClosedEvent, url=conn.url, code=code, reason=text, clean=code in (1000, 1001))
        message = f"connection lost: {why}"
        if conn is self._requested_drop:  # reconnect(): planned, not an error
            self._requested_drop = None
            ctx.log.info("connection closed: %s", why)
        else:
            self.last_error = f"{ConnectionLost.__name__}: {why}"
            ctx.log.warning("%s", message)
        action = classify_close(code, self.policy)
        if conn.closed_by_client and action == "fatal":
            # Our own close code (1007 for invalid UTF-8, 1009 for a frame over max_size)
            # says what the server sent, not that it refuses us: reconnect.
            action = "retry"
        if action == "reject":
            self._reject_last_subscribe(conn, code, text)
        ctx.connection_lost(ConnectionLost(message, code=code, reason=text))
        if self.auth is not None:
            self.auth.reset()
        throttled = self._loop.time() - sender.throttled_at < 5.0
        if action == "fatal" and code == 1008 and throttled and code not in self.policy.close_codes:
            # A policy-violation close right after a rate-limit error reply (Deribit ends
            # the session after 10028): the server is rate limiting, do not give up.
            action = "rate_limited"
        if action == "rate_limited":
            # Never fatal; every send (and the reconnect below) waits out a longer delay.
            sender.throttled(f"close code {code}", closed=True)
        reason = DisconnectReason(
            code=code, reason=text, action=action, error=error_text, attempt=self.backoff.attempts
        )
        decision = await ctx.decide_disconnect(reason)
        if self.state in ("closing", "closed"):
            return False
        delay_override, self._delay_once = self._delay_once, None
        if decision is not None:
            if decision.action == "stop":
                self.give_up(f"on_disconnect stopped reconnecting after: {reason}", code, text)
                return False
            if decision.delay is not None:
                delay_override = decision.delay
        elif action == "fatal":
            self.give_up(f"fatal close, not reconnecting: {reason}", code, text)
            return False
        attempt = 0
        last = why  # the reason of each Reconnecting event: the drop, then the failed attempt
        while True:
            delay = self.backoff.next_delay()
            if delay is None:
                self.give_up(
                    f"gave up after {self.backoff.attempts} reconnect attempts;"
                    f" last error: {self.last_error}",
                    code,
                    text,
                )
                return False
            if delay_override is not None:
                delay, delay_override = delay_override, None
            delay = max(delay, sender.hold_until - self._loop.time())
            attempt += 1
            ctx.emit(Reconnecting, attempt=attempt, delay=delay, reason=last)
            ctx.log.info("reconnect attempt %d in %.3fs", attempt, delay)
            await asyncio.sleep(delay)
            try:
                new = await self.establisher.establish(attempt)
            except FatalError as exc:
                ctx.secrets.redact_error(exc.error)
                self.give_up(f"fatal error while reconnecting: {describe(exc.error)}", None, "")
                return False
            except Exception as exc:  # noqa: BLE001 - every failed attempt is retried per policy
                ctx.secrets.redact_error(exc)
                self.last_error = last = describe(exc)
                ctx.log.warning("reconnect attempt %d failed: %s", attempt, self.last_error)
                continue
            if self.state in ("closing", "closed"):
                await new.close()
                return False
            self.reconnects += 1
            self.go_live(new, attempt, reconnect=True)
            return True

    def _replace_dead(self, old: Connection, new: Connection) -> None:
        """The old connection died while a rotation restored ``new``: keep ``new``.

        Requests sent on the old one fail with :class:`ConnectionLost` (as on any
        drop); the subscriptions are already restored on ``new``, so no reconnect."""
        ctx = self.ctx
        code, text = old.describe()
        text = ctx.secrets.redact(text)
        self.outage_started = self._loop.time()
        self._stop_timers(old)
        ctx.emit(ClosedEvent, url=old.url, code=code, reason=text, clean=False)
        message = f"connection lost during a rotation: {text}" + (
            f" (code {code})" if code is not None else ""
        )
        ctx.log.warning("%s; switching to the restored replacement", message)
        error = ConnectionLost(message, code=code, reason=text)
        session = ctx.session
        for pending in session.correlator.fail_all():
            ctx.fail_waiter(pending, error)
        for waiter in session.waiters.fail_all():
            ctx.fail_waiter(waiter, error)
        self.reconnects += 1
        self.go_live(new, 1, reconnect=True, rotation=True)

    def _reject_last_subscribe(self, conn: Connection, code: int | None, reason: str) -> None:
        """A ``reject`` close: what was in flight caused it. Requests pending at the close
        fail with ConnectionLost (code and reason) as at any drop; when none was pending,
        the subscription sent last fails and is not restored."""
        ctx = self.ctx
        if not conn.last_subscribe or any(p.kind == "request" for p in ctx.session.correlator):
            return
        cause = ConnectionLost(f"the server closed the connection: {reason}", code=code, reason=reason)
        error = SubscriptionError(conn.last_subscribe[0], f"rejected by the server: {reason}", cause)
        failed = ctx.session.subscriptions.mark_failed(conn.last_subscribe, error)
        ctx.fail_entries(failed, error)

    def give_up(self, message: str, code: int | None, reason: str) -> None:
        self.ctx.log.error("%s", message)
        self.state = "closed"
        self.final_error = ConnectionLost(message, code=code, reason=reason or None)
        self.last_error = describe(self.final_error)
        self._signal()
        self._wake_live(self.final_error)
        self.ctx.final_teardown(self.final_error, clean=False)

    def go_live(
        self, conn: Connection, attempt: int, *, reconnect: bool, rotation: bool = False
    ) -> None:
        """Switch traffic to ``conn``: requests go there, its notifications are delivered."""
        ctx = self.ctx
        old = self.conn
        if old is not None and old is not conn:
            # After a rotation the old connection delivers on until it is closed (its
            # copies deduplicated by the overlap); otherwise it is gone anyway.
            old.live = rotation
            self._stop_timers(old)
        conn.live = True
        self.conn = conn
        self.state = "open"
        conn.when_gone(lambda: self._gone(conn))
        self.connected_since = time.time()
        self.backoff.connected(self._loop.time())
        self._delay_once = None
        self._signal()
        self._wake_live(None)
        self._start_timers(conn)
        restored = len(ctx.session.subscriptions.routes)
        if reconnect:
            # From the drop (a planned rotation has no outage): what a user calls downtime.
            now = self._loop.time()
            began = self.outage_started
            ctx.emit(
                ConnectionRestored,
                url=conn.url,
                subscriptions=restored,
                duration=now - began if began is not None else 0.0,
            )
            if self.last_error is not None:
                self.recovered, self.recovered_at = True, now
            self.outage_started = None
            ctx.log.info(
                "%s: %d subscription(s) restored",
                "connection rotated" if rotation else "reconnected",
                restored,
            )
        ctx.call_hook(
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
        tasks: list[Timer] = []
        name = f"nova.{self.ctx.protocol.name}"
        if self.heartbeat.ws_ping_interval:
            tasks.append(WsPinger(self, conn, self.heartbeat))
        if self.heartbeat.client_ping is not None:
            interval = self.establisher.hello_interval
            pings = app_pings(self, conn, self.heartbeat, self.sender, interval)
            tasks.append(self._spawn(pings, f"{name}.ping"))
        idle = idle_limit(self.ctx.options, self.heartbeat)
        if idle is not None:
            tasks.append(IdleWatch(self, conn, *idle))
        if self._stale_limits:
            tasks.append(
                self._spawn(watch_streams(self, conn, self._stale_limits), f"{name}.stale")
            )
        if self.auth is not None and self.auth.authenticated:
            tasks.append(self._spawn(refresh_token(self, conn, self.auth), f"{name}.refresh"))
        if self.max_lifetime is not None and self.max_lifetime > 0:
            tasks.append(self._spawn(rotate(self, conn, self.max_lifetime), f"{name}.rotate"))
        self._timers[conn.number] = tasks

    def _stop_timers(self, conn: Connection) -> None:
        current = asyncio.current_task()
        for task in self._timers.pop(conn.number, []):
            if task is not current:
                task.cancel()

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        return self._loop.create_task(coro, name=name)


def _with_traffic(
    past: tuple[int, int, int, int], conn: Connection
) -> tuple[int, int, int, int]:
    """``past`` (frames in/out, bytes in/out) plus ``conn``'s."""
    return (
        past[0] + conn.frames_in,
        past[1] + conn.frames_out,
        past[2] + conn.bytes_in,
        past[3] + conn.bytes_out,
    )
