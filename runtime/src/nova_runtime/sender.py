"""Sending: requests with a correlated reply, next-reply requests, fire-and-forget frames.

Every send goes through the same steps: wait for an open connection (while the client
reconnects, until the restore is done, bounded by the request's timeout), then through
the rate limiter and any back-off the server asked for (a rate-limit error reply or
close), then out. A request then waits for its reply: an id-correlated one (the
session's correlator), or the next matching frame (``Session.add_waiter``). A drop
while waiting raises :class:`ConnectionLost`, or re-sends a request the spec marks
idempotent; an ``unauthorized`` reply logs in again once and re-sends.

The open connection comes from the :class:`Link` (the supervisor), which this module
knows only by that interface.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections import deque
from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

from .connection import Connection
from .context import Context
from .core import Pending, Waiter
from .core.ratelimit import Limiter
from .errors import (
    ConnectionClosed,
    ConnectionLost,
    RateLimited,
    RequestTimeout,
    ServerError,
    SubscriptionError,
    seconds,
)
from .lifecycle import ClientState
from .protocol import Match, ReconnectPolicy, RequestSpec
from .telemetry import RateLimited as RateLimitedEvent
from .telemetry import RequestCompleted

__all__ = ["Link", "Sender"]

T = TypeVar("T")

LATENCY_WINDOW = 1000
"""Requests whose latency :attr:`Sender.latencies` keeps."""


class Link(Protocol):
    """The logical connection, as the sender sees it (the supervisor)."""

    @property
    def state(self) -> ClientState: ...

    @property
    def conn(self) -> Connection | None: ...

    @property
    def policy(self) -> ReconnectPolicy: ...

    async def connection(self, deadline: float, method: str, timeout: float) -> Connection:
        """The open connection; while reconnecting, wait for the restore until ``deadline``."""
        ...

    async def reauth(self, conn: Connection, seen_token: object) -> bool:
        """Log in again after an ``unauthorized`` reply (once per token); True if done."""
        ...


class Sender:
    """Sends one client's frames: rate limits, server back-off, replies and timeouts."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.link: Link | None = None
        """Set when the client connects."""
        self.limiter: Limiter | None = None
        """The request rate limiter (spec ``rate_limit``, the ``limiter`` hook or option)."""
        protocol, options = ctx.protocol, ctx.options
        self._on_limit = options.on_limit or (
            protocol.rate_limit.on_limit if protocol.rate_limit is not None else "wait"
        )
        self.hold_until = 0.0
        """Loop time before which nothing is sent: the server asked to back off."""
        self.throttled_at = float("-inf")
        """Loop time of the last rate-limit error reply or close."""
        self._throttles = 0
        self._watched: dict[Pending, None] = {}
        """Requests that time out at their deadline unless removed first (:meth:`watch`)."""
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = math.inf
        self.latencies: deque[float] = deque(maxlen=LATENCY_WINDOW)
        """Seconds from call to outcome of the last :data:`LATENCY_WINDOW` requests
        (``diagnostics()``'s percentiles), kept whether or not a telemetry sink listens."""

    # -- the connection ------------------------------------------------------------------

    def connection_now(self) -> Connection | None:
        """The open connection, or None while there is none."""
        link = self.link
        if link is not None and link.state == "open":
            return link.conn
        return None

    def closing(self) -> bool:
        """The client is closing or closed."""
        link = self.link
        return link is not None and link.state in ("closing", "closed")

    async def connection(self, deadline: float, method: str, timeout: float) -> Connection:
        conn = self.connection_now()
        if conn is not None:
            return conn
        if self.link is None:
            raise ConnectionClosed("the client is not connected")
        return await self.link.connection(deadline, method, timeout)

    async def ready(self, method: str, cost: float, deadline: float, timeout: float) -> Connection:
        """The connection to send on, once the rate limiter lets ``cost`` through; while
        reconnecting, after the restore. Raises :class:`RequestTimeout` past ``deadline``.
        Nothing is awaited when the connection is open and the limiter lets it through."""
        conn = self.connection_now() or await self.connection(deadline, method, timeout)
        if self.limiter is not None or self.hold_until:
            wait = self.admit(method, cost, deadline, timeout)
            if wait > 0:
                await asyncio.sleep(wait)
                conn = await self.connection(deadline, method, timeout)
        return conn

    def cost_of(self, wire: str) -> float:
        """Rate-limit cost of a wire method: its request spec's, else 1."""
        spec = self.ctx.protocol.requests.get(wire)
        return spec.cost if spec is not None else 1.0

    # -- rate limits ---------------------------------------------------------------------

    @property
    def limited(self) -> bool:
        """Sends go through a limiter or a server back-off is in force."""
        return self.limiter is not None or bool(self.hold_until)

    async def throttle(
        self, method: str, cost: float, deadline: float, timeout: float, *, wait_only: bool = False
    ) -> None:
        """Wait for the rate limiter (or raise :class:`RateLimited`; never with
        ``wait_only``), and for a server back-off in force after a rate-limit error reply."""
        wait = self.admit(method, cost, deadline, timeout, wait_only=wait_only)
        if wait > 0:
            await asyncio.sleep(wait)

    def admit(
        self, method: str, cost: float, deadline: float, timeout: float, *, wait_only: bool = False
    ) -> float:
        """Take ``cost`` from the rate limiter now; the seconds to wait before sending (the
        limiter's answer, or what is left of a server back-off), 0.0 to send at once.
        Raises :class:`RateLimited` instead of waiting with ``on_limit="raise"`` (never
        with ``wait_only``), :class:`RequestTimeout` when the wait would pass ``deadline``."""
        ctx = self.ctx
        now = ctx.loop.time()
        wait = self.hold_until - now if self.hold_until > now else 0.0
        limiter = self.limiter
        if self._on_limit == "raise" and not wait_only:
            if limiter is not None:
                wait = max(wait, limiter.available(cost, now))
            if wait > 0:
                ctx.emit(RateLimitedEvent, method=method, wait=wait, raised=True)
                raise RateLimited(method, wait)
            if limiter is not None:
                limiter.reserve(cost, now)
            return 0.0
        if limiter is not None:
            wait = max(wait, limiter.reserve(cost, now))
        if wait > 0:
            ctx.emit(RateLimitedEvent, method=method, wait=wait, raised=False)
            if ctx.log.isEnabledFor(10):
                ctx.log.debug("%s: rate limited, waiting %.3fs", method, wait)
            if now + wait > deadline:
                raise RequestTimeout(method, timeout)
        return wait

    def throttled(self, method: str, *, closed: bool = False) -> float:
        """The server said "too many requests": hold every send, and a reconnect, for a
        growing delay drawn from ``[cap / 2, cap]``, ``cap = base * multiplier ** n``
        (``n`` earlier throttles, forgotten after ``reset_after`` seconds without one;
        never above ``max_delay``). After an error reply whose action is ``retry``,
        ``base`` is the reconnect's ``initial_delay``; after a ``rate_limited`` close
        (``closed``) it is twice the larger of ``initial_delay`` and the rate limit's
        window (``burst / rate``), so the wait is at least one window: the server's
        count has emptied by then. Returns the delay in seconds."""
        ctx = self.ctx
        policy = self.link.policy if self.link is not None else ctx.protocol.reconnect
        now = ctx.loop.time()
        if now - self.throttled_at > policy.reset_after:
            self._throttles = 0
        base = policy.initial_delay
        limit = ctx.protocol.rate_limit
        if closed:
            base = 2 * max(base, limit.burst / limit.rate if limit is not None else 0.0)
        try:
            cap = min(policy.max_delay, base * policy.multiplier**self._throttles)
        except OverflowError:
            cap = policy.max_delay
        self._throttles += 1
        delay = random.uniform(cap / 2, cap)
        self.throttled_at = now
        self.hold_until = max(self.hold_until, self.throttled_at + delay)
        ctx.emit(RateLimitedEvent, method=method, wait=delay, raised=False)
        ctx.log.warning("%s: the server is rate limiting; backing off %.3fs", method, delay)
        return delay

    # -- correlated requests ---------------------------------------------------------------

    async def request(
        self, spec: RequestSpec[T], params: Mapping[str, Any], *, timeout: float | None = None
    ) -> T:
        """Send a request and return its parsed result.

        While reconnecting it waits for the restore (bounded by its timeout); a drop
        while it waits for the reply raises :class:`ConnectionLost`, unless the spec
        marks it idempotent (then it is sent again on the new connection).
        """
        ctx = self.ctx
        loop = ctx.loop
        auth = ctx.secrets.auth
        t = (
            spec.timeout
            if spec.timeout is not None
            else (ctx.request_timeout if timeout is None else timeout)
        )
        start = loop.time()
        deadline = start + t
        reauthed = False
        while True:
            conn = self.connection_now()
            if conn is None or self.limiter is not None or self.hold_until:
                conn = await self.ready(spec.method, spec.cost, deadline, t)
            token = auth.token if auth is not None else None
            now = loop.time()
            pending, text = ctx.session.build_request(
                spec, params, now=now, timeout=max(deadline - now, 0.001)
            )
            try:
                result: T = await self.roundtrip(pending, text, conn)
            except ConnectionLost as exc:
                if (
                    spec.idempotent
                    and not isinstance(exc, ConnectionClosed)
                    and loop.time() < deadline
                    and self.link is not None
                    and not self.closing()
                ):
                    continue
                self.completed(spec.method, start, exc)
                raise
            except ServerError as exc:
                action = ctx.error_action(exc.code)
                if action == "reauth" and not reauthed and auth is not None:
                    reauthed = True
                    if await self._reauth(conn, token):
                        continue
                elif action == "retry":
                    self.throttled(spec.method)  # later requests wait; this one raises
                self.completed(spec.method, start, exc)
                raise
            except BaseException as exc:
                self.completed(spec.method, start, exc)
                raise
            if self._throttles:
                self._throttles = 0
            self.completed(spec.method, start, None)
            return result

    async def _reauth(self, conn: Connection, token: object) -> bool:
        link = self.link
        if link is None:
            return False
        try:
            return await link.reauth(conn, token)
        except Exception as exc:  # noqa: BLE001 - the caller raises the original error
            self.ctx.log.warning("re-authentication failed: %s", type(exc).__name__)
            return False

    async def roundtrip(self, pending: Pending, text: str, conn: Connection) -> Any:
        """Send ``text`` on ``conn`` and wait for ``pending``'s reply (or its deadline)."""
        waiter: asyncio.Future[Any] = self.ctx.loop.create_future()
        pending.waiter = waiter
        conn.last_subscribe = ()
        try:
            await conn.send(text)
            self.watch(pending)  # after the send: while the server answers, off the latency
            return await waiter
        except BaseException:
            self.ctx.session.abandon(pending)
            raise
        finally:
            self._watched.pop(pending, None)

    # -- deadlines -------------------------------------------------------------------------

    def answered(self, pending: Pending) -> None:
        """``pending``'s reply came: it is no longer watched (:meth:`watch`), so nothing
        holds it until its deadline."""
        self._watched.pop(pending, None)

    def watch(self, pending: Pending) -> None:
        """Time ``pending`` out at its deadline (:meth:`expire`) unless it is removed from
        :attr:`_watched` first. One loop timer serves every watched request, at the
        earliest deadline: a request that gets its reply costs a dict insert and delete,
        not a timer of its own (a timer handle, a heap push, a cancel)."""
        self._watched[pending] = None
        if pending.deadline < self._timer_at:
            self._arm(pending.deadline)

    def _arm(self, at: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = at
        self._timer = self.ctx.loop.call_at(at, self._deadline_passed)

    def _deadline_passed(self) -> None:
        """The earliest deadline passed: expire every request due, then wait for the next."""
        now = max(self.ctx.loop.time(), self._timer_at)
        self._timer, self._timer_at = None, math.inf
        watched = self._watched
        due = [p for p in watched if p.deadline <= now]
        for pending in due:
            del watched[pending]
        for pending in due:
            self.expire(pending)
        if watched:
            earliest = min(p.deadline for p in watched)
            if earliest < self._timer_at:
                self._arm(earliest)

    def expire(self, pending: Pending) -> None:
        """A deadline passed: if still pending, the request times out (its reply will be late)."""
        ctx = self.ctx
        if not ctx.session.settle(pending):
            return
        if pending.kind == "subscribe":
            error = SubscriptionError(pending.addresses[0], f"no ack within {seconds(pending.timeout)}")
            self.requested(pending, ctx.timed_out(pending.method, pending.timeout, pending.deadline))
            ctx.fail_entries(ctx.session.subscriptions.mark_failed(pending.addresses, error), error)
        else:
            ctx.fail_waiter(pending, ctx.timed_out(pending.method, pending.timeout, pending.deadline))

    def completed(self, method: str, start: float, error: BaseException | None) -> None:
        """Time one request into :attr:`latencies` and, when a sink listens, emit
        ``RequestCompleted``."""
        ctx = self.ctx
        latency = ctx.loop.time() - start
        self.latencies.append(latency)
        if ctx.telemetry is None:
            return
        code = error.code if isinstance(error, ServerError) else None
        ctx.emit(
            RequestCompleted,
            method=method,
            latency=latency,
            ok=error is None,
            error_code=code if isinstance(code, (int, str)) else None,
        )

    def requested(self, pending: Pending, error: BaseException | None) -> None:
        """A (un)subscribe request the runtime sent got its answer (or none in time):
        counted and timed like a user request (``RequestCompleted``)."""
        if pending.method:  # not a synthetic entry (an uncorrelated ack)
            self.completed(pending.method, pending.deadline - pending.timeout, error)

    async def send_unsubscribe(self, request: tuple[Pending, str] | None) -> None:
        """An address left the desired set; tell the server if a connection is up."""
        if request is None:
            return
        session = self.ctx.session
        conn = self.connection_now()
        if conn is None:
            session.abandon(request[0])  # the next restore will not include it
            return
        pending = request[0]
        if self.limited:
            # Through the rate limiter, always waiting (an unsubscribe is never dropped
            # for the limit), within the request timeout.
            try:
                await self.throttle(
                    pending.method,
                    self.cost_of(pending.method),
                    pending.deadline,
                    pending.timeout,
                    wait_only=True,
                )
            except RequestTimeout:
                session.abandon(pending)
                raise
            conn = self.connection_now()
            if conn is None:
                session.abandon(pending)
                return
        if not pending.correlated:
            # No correlated reply will come (no request ids, or an uncorrelated ack).
            try:
                await conn.send(request[1])
            except ConnectionLost:
                pass
            return
        try:
            await self.roundtrip(*request, conn)
        except ConnectionLost:
            pass  # the server forgets it with the connection; no restore includes it

    # -- frames without a correlated reply ---------------------------------------------

    def frame_of(self, spec: RequestSpec[Any], params: Mapping[str, Any]) -> str:
        """The frame of ``spec`` with ``params`` and no id."""
        return self.ctx.session.frames.build(spec.method, params)

    async def send_frame(
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
        t = self.ctx.request_timeout if timeout is None else timeout
        conn = await self.ready(name, cost, self.ctx.loop.time() + t, t)
        conn.last_subscribe = ()
        await conn.send(text)

    async def request_next(
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
        ctx = self.ctx
        loop = ctx.loop
        if timeout is not None:
            t = timeout
        else:
            t = spec.timeout if spec.timeout is not None else ctx.request_timeout
        start = loop.time()
        deadline = start + t
        waiter: Waiter | None = None
        timer: asyncio.TimerHandle | None = None
        try:
            conn = await self.ready(spec.method, spec.cost, deadline, t)
            text = frame if frame is not None else self.frame_of(spec, params)
            now = loop.time()
            waiter = ctx.session.add_waiter(
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
                ctx.session.waiters.remove(waiter)
            self.completed(spec.method, start, exc)
            raise
        finally:
            if timer is not None:
                timer.cancel()
        self.completed(spec.method, start, None)
        return result

    def _expire_waiter(self, waiter: Waiter) -> None:
        if self.ctx.session.waiters.remove(waiter):
            self.ctx.fail_waiter(waiter, self.ctx.timed_out(waiter.method, waiter.timeout, waiter.deadline))
