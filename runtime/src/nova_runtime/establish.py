"""Establishing one connection, the same ordered way for a first connect, a reconnect and
a rotation:

    open the socket -> wait for the server's hello (spec ``hello``) -> send the ``init``
    frame and wait for its ack (spec ``init``) -> start receiving -> send the on-connect
    request (spec ``heartbeat.on_connect``) -> log in (when the client has credentials)
    -> resubscribe every desired subscription, batched per subscribe method, private
    ones only once logged in, and wait for the acks.

The result is a connection ready to switch traffic to; the
:class:`~.supervisor.Supervisor` decides when to establish one and what to do with it.
Logging in again (token refresh, an ``unauthorized`` reply) and restoring one address in
place (a stale stream) reuse the same steps.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from .connection import Connection
from .context import Context
from .core.auth import AuthState
from .core.backoff import classify_close
from .core.match import compile_match
from .core.outcomes import SubscribeAck
from .core.ratelimit import Limiter, connect_limiter_for
from .core.subscriptions import RestoreStep
from .errors import (
    ConnectionLost,
    MalformedFrame,
    ServerError,
    SubscriptionError,
    explain,
)
from .options import transport_for, websockets_kwargs
from .outbox import Outbox
from .outcomes import Outcomes
from .pointer import getter
from .protocol import Heartbeat, ReconnectPolicy
from .sender import Sender
from .telemetry import AuthCompleted, ConnectionOpened
from .template import fill

__all__ = ["Establisher", "FatalError"]


class FatalError(Exception):
    """A failure the same client would hit again: stop reconnecting."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


class Establisher:
    """Opens, greets, logs in and restores connections for one client."""

    def __init__(
        self,
        ctx: Context,
        sender: Sender,
        outcomes: Outcomes,
        outbox: Outbox,
        *,
        auth: AuthState | None,
        heartbeat: Heartbeat,
        policy: ReconnectPolicy,
        restore_timeout: float,
    ) -> None:
        self.ctx = ctx
        self.sender = sender
        self.outcomes = outcomes
        self.outbox = outbox
        self.auth = auth
        self.heartbeat = heartbeat
        self.policy = policy
        self.restore_timeout = restore_timeout
        """Seconds a login or a restore may take (``ConnectOptions.restore_timeout``)."""
        self.connect_limiter: Limiter | None = ctx.options.connect_limiter
        if self.connect_limiter is None:
            self.connect_limiter = connect_limiter_for(ctx.protocol.rate_limit, ctx.loop.time())
        self.hello_interval: float | None = None
        """The heartbeat interval the server's hello announced (seconds), if any."""
        self._numbers = 0
        self._auth_lock = asyncio.Lock()
        hello = ctx.protocol.hello
        self._is_hello = compile_match(hello.when) if hello is not None else None
        self._hello_interval_at = (
            getter(hello.heartbeat_interval)
            if hello is not None and hello.heartbeat_interval is not None
            else None
        )

    async def establish(self, attempt: int, *, rotation: bool = False) -> Connection:
        """Open, hello, login, restore: a connection ready to switch traffic to. Raises
        :class:`FatalError` for a failure the next attempt would hit again."""
        ctx = self.ctx
        secrets_ = ctx.secrets
        limiter = self.connect_limiter
        loop = ctx.loop
        if limiter is not None:
            wait = limiter.reserve(1.0, loop.time())
            if wait > 0:
                ctx.log.info("connect rate limit: waiting %.3fs", wait)
                await asyncio.sleep(wait)
        self._numbers += 1
        try:
            # Built again for every attempt: every credential provider is asked anew.
            url, headers = await secrets_.attempt_handshake()
        except TypeError as exc:  # a provider that returns no str: a bug, not bad luck
            raise FatalError(exc) from None
        kwargs = websockets_kwargs(ctx.protocol, ctx.options, url)
        if headers:
            kwargs["additional_headers"] = {**headers, **dict(ctx.options.extra_headers)}
        # WebSocket pings are sent by our own timer (see keepalive.ws_pings): a missed pong
        # then drops the socket at once instead of waiting for a closing handshake.
        kwargs["ping_interval"] = kwargs["ping_timeout"] = None
        kwargs["logger"] = ctx.ws_log  # the library's frame logs, redacted
        if ctx.log.isEnabledFor(20):
            ctx.log.info("connecting to %s (attempt %d)", secrets_.url, attempt)
        conn = await Connection.open(
            url,
            kwargs,
            transport_for(ctx.options),
            self._numbers,
            ctx,
            self.outcomes,
            shown=secrets_.url,
        )
        ctx.emit(ConnectionOpened, url=secrets_.url, attempt=attempt)
        try:
            if self._is_hello is not None:
                await self._await_hello(conn)
            if ctx.protocol.init is not None:
                await self._init(conn)
            conn.start()
            reply = self.heartbeat.on_connect
            if reply is not None:
                pending, text = ctx.session.build_reply(reply, now=loop.time())
                if pending is not None:
                    self.sender.watch(pending)
                if text is not None:
                    await conn.send(text)
            if self.auth is not None:
                await self.login(conn, refresh=False)
            # A rotation restores next to the live connection: the entries stay active
            # (both sockets deliver, once each, through the session's overlap).
            subs = ctx.session.subscriptions
            await self.restore(conn, subs.restore_plan() if rotation else None)
        except BaseException as exc:
            conn.abort("connection setup failed")
            await asyncio.gather(conn.wait(), return_exceptions=True)
            code = exc.code if isinstance(exc, ConnectionLost) else conn.close_code
            if code is not None and classify_close(code, self.policy) == "rate_limited":
                # Closed for too many requests while restoring: the next attempt waits longer.
                self.sender.throttled(f"close code {code}", closed=True)
            raise
        return conn

    async def _await_hello(self, conn: Connection) -> None:
        hello = self.ctx.protocol.hello
        assert hello is not None and self._is_hello is not None
        loop = self.ctx.loop
        deadline = loop.time() + hello.timeout
        while True:
            remaining = deadline - loop.time()
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
                self.hello_interval = float(value) * hello.interval_scale

    async def _init(self, conn: Connection) -> None:
        """Send the spec's ``init`` frame (credentials filled in) and wait for its ack;
        nothing else goes out before it. No ack in time fails the attempt."""
        init = self.ctx.protocol.init
        assert init is not None
        loop = self.ctx.loop
        frame = fill(dict(init.send), self.ctx.secrets.credentials)
        await conn.send(json.dumps(frame, separators=(",", ":"), ensure_ascii=False))
        is_ack = compile_match(init.ack)
        deadline = loop.time() + init.timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no ack to the init frame within {init.timeout:g}s")
            data = await conn.recv(remaining)
            try:
                if is_ack(json.loads(data)):
                    return
            except (ValueError, RecursionError):
                continue

    # -- logging in ------------------------------------------------------------------------

    async def reauth(self, conn: Connection, seen_token: object) -> bool:
        """Log in again after an ``unauthorized`` reply (once per token); True if done."""
        if self.auth is None:
            return False
        async with self._auth_lock:
            if self.auth.token is not seen_token and self.auth.authenticated:
                return True  # another request already logged in again
            await self._login(conn, refresh=False)
        return True

    async def login(self, conn: Connection, *, refresh: bool) -> None:
        """Log in on ``conn`` (``refresh``: refresh the token when the spec can), one at a time."""
        async with self._auth_lock:
            await self._login(conn, refresh=refresh)

    async def _login(self, conn: Connection, *, refresh: bool) -> None:
        auth = self.auth
        assert auth is not None
        ctx, sender = self.ctx, self.sender
        loop = ctx.loop
        params = auth.refresh_params() if refresh else None
        if params is None:
            refresh = False
            params = auth.login_params(int(time.time() * 1000), secrets.token_hex(8))
        method = auth.auth.request
        if sender.limited:
            # The login is a message like any other for the server's rate limit.
            await sender.throttle(
                method,
                sender.cost_of(method),
                loop.time() + self.restore_timeout,
                self.restore_timeout,
                wait_only=True,
            )
        pending, text = ctx.session.build_request(
            method, params, now=loop.time(), timeout=self.restore_timeout, kind="internal"
        )
        try:
            result = await sender.roundtrip(pending, text, conn)
        except ServerError as exc:
            if ctx.error_action(exc.code) == "fatal":
                raise FatalError(exc) from None
            raise
        auth.on_login_result(self._login_result(method, result), loop.time())
        expires_in = auth.expires_at - loop.time() if auth.expires_at is not None else None
        ctx.emit(AuthCompleted, refreshed=refresh, expires_in=expires_in)
        ctx.log.info(
            "%s (%s)",
            "token refreshed" if refresh else "logged in",
            f"expires in {expires_in:.0f} s"
            if expires_in is not None
            else "the reply gives no expiry",
        )

    def _login_result(self, method: str, result: Any) -> Any:
        """The login reply checked against the login request's result model (its spec
        ``result``), as JSON again for the token pointers (``auth.token``,
        ``auth.expires_in``, ``auth.refresh_token``).

        Raises :class:`MalformedFrame` when the model refuses it: a reply without the
        token, or with an expiry that is no number, would otherwise leave the client
        logged in without a token, or never refreshing one. What the model converts (an
        ``expires_in`` of ``"900"`` for an integer field) is read converted. The error
        names the fields, never their values (the reply holds the token)."""
        spec = self.ctx.session.protocol.requests.get(method)
        if spec is None:
            return result
        try:
            parsed = spec.parse_result(result)
        except Exception as exc:  # noqa: BLE001 - user-supplied parsers may raise anything
            raise MalformedFrame(f"{method}: invalid login result: {explain(exc)}") from None
        if isinstance(parsed, BaseModel):  # what the server sent, not the model's defaults
            return parsed.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return to_jsonable_python(parsed, by_alias=True)

    # -- restoring subscriptions ---------------------------------------------------------

    async def restore(self, conn: Connection, plan: list[RestoreStep] | None = None) -> None:
        """Resubscribe the desired set on ``conn`` (or only ``plan``'s steps, on the
        same connection) and wait for the acks."""
        ctx, sender = self.ctx, self.sender
        loop = ctx.loop
        session = ctx.session
        subs = session.subscriptions
        self.outbox.clear()
        if plan is None:
            subs.reset_for_reconnect()
            plan = subs.restore_plan()
        authenticated = self.auth is not None and self.auth.authenticated
        waits: list[asyncio.Future[Any]] = []
        pendings = []
        limited = sender.limited
        deadline = loop.time() + self.restore_timeout
        for step in plan:
            if step.method.requires_auth and not authenticated:
                error = SubscriptionError(
                    step.addresses[0], "requires authentication: pass the API credentials"
                )
                ctx.fail_entries(subs.mark_failed(step.addresses, error), error)
                continue
            wire = step.method.subscribe
            if limited:  # resubscribe requests count against the rate limit too
                await sender.throttle(
                    wire, sender.cost_of(wire), deadline, self.restore_timeout, wait_only=True
                )
            pending, text = session.restore_request(
                step, now=loop.time(), timeout=self.restore_timeout
            )
            conn.last_subscribe = step.addresses
            if not session.awaits_ack(pending):
                # Active once sent (ack none, or the request id is the subscription id).
                await conn.send(text)
                entries = [e for a in step.addresses if (e := subs.get(a)) is not None]
                self.outcomes.handle(SubscribeAck(pending, entries, []), conn)
                continue
            waiter: asyncio.Future[Any] = loop.create_future()
            waiter.add_done_callback(_retrieve)  # an attempt given up midway leaves it unread
            pending.waiter = waiter
            waits.append(waiter)
            pendings.append(pending)
            await conn.send(text)
        if not waits:
            return
        done, not_done = await asyncio.wait(waits, timeout=self.restore_timeout)
        if not_done:
            for pending in pendings:
                session.settle(pending)
            raise TimeoutError(
                f"{len(not_done)} resubscribe request(s) unanswered within {self.restore_timeout:g}s"
            )
        for fut in done:
            if fut.exception() is not None:
                raise fut.exception()  # type: ignore[misc]


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark a future's exception as retrieved (asyncio logs unretrieved ones)."""
    if not future.cancelled():
        future.exception()
