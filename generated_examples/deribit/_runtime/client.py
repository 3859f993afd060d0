"""The asyncio layer: a thin shell doing the I/O for a :class:`~.core.Session`.

Three tasks per connection: the *receive loop* (reads frames, feeds the session, fills
subscription buffers, answers server pings inline), the *handler task* (awaits user
hooks from a bounded queue, so a slow hook never delays the receive loop) and the
per-call coroutines of requests. All protocol decisions live in the core; this module
only moves bytes, futures and timers.

Reconnecting is not done yet: :meth:`BaseClient._connection_lost` is the single place
where a lost connection is handled, and the session keeps the desired subscriptions
(``Session.restore_requests``) for when it is.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Generator, Mapping
from types import TracebackType
from typing import Any, Generic, Literal, TypeVar

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed as WsConnectionClosed

from .core import (
    ErrorReply,
    Event,
    Malformed,
    Notification,
    Pending,
    PingReceived,
    Response,
    Session,
    StrayReply,
    SubscribeAck,
    SubscribeFailed,
    Subscriptions,
    TemplateNotification,
    Unknown,
)
from .errors import ConnectionClosed, ConnectionLost, RequestTimeout, SubscriptionError
from .handlers import BaseHandlers
from .hooks import HookRunner
from .options import ConnectOptions, resolve_url, websockets_kwargs
from .protocol import ChannelSpec, Protocol, RequestSpec
from .subscription import Subscription

__all__ = ["BaseClient", "ConnectOptions", "Connector"]

T = TypeVar("T")
M = TypeVar("M")
C = TypeVar("C")
H = TypeVar("H", bound=BaseHandlers)
ClientT_co = TypeVar("ClientT_co", bound="BaseClient[Any]", covariant=True)

State = Literal["new", "open", "closing", "closed"]


class BaseClient(Generic[H]):
    """Base class of generated clients; use the generated ``connect()`` to get one."""

    def __init__(
        self,
        protocol: Protocol,
        *,
        url: str,
        handlers: H,
        request_timeout: float = 10.0,
        credentials: Mapping[str, str | None] | None = None,
        options: ConnectOptions | None = None,
    ) -> None:
        self.protocol = protocol
        self.url = url
        self.handlers = handlers
        self.request_timeout = request_timeout
        self.options = options or ConnectOptions()
        self._credentials = dict(credentials or {})  # never logged
        self.log = logging.getLogger(f"nova.{protocol.name}")
        self._session = Session(protocol)
        self._state: State = "new"
        self._ws: ClientConnection | None = None
        self._receiver: asyncio.Task[None] | None = None
        self._runner: asyncio.Task[None] | None = None
        names = [s.hook for s in protocol.channels] + [e.hook for e in protocol.events]
        self._runner_hooks = HookRunner(handlers, names, self.log, self.options.handler_queue_size)
        self._hooks = self._runner_hooks.hooks
        self._enqueue = self._runner_hooks.enqueue
        self._call_hook = self._runner_hooks.call

    # -- life cycle ----------------------------------------------------------------

    @property
    def state(self) -> State:
        return self._state

    async def _open(self) -> None:
        """Connect, start the tasks, send the on-connect request, queue ``on_connect``."""
        loop = asyncio.get_running_loop()
        self._loop = loop
        if self.log.isEnabledFor(logging.INFO):
            self.log.info("connecting to %s", self.url)
        self._ws = await connect(
            self.url, **websockets_kwargs(self.protocol, self.options, self.url)
        )
        self._state = "open"
        self._receiver = loop.create_task(
            self._receive_loop(self._ws), name=f"nova.{self.protocol.name}.receive"
        )
        self._runner = loop.create_task(
            self._runner_hooks.run(), name=f"nova.{self.protocol.name}.handlers"
        )
        reply = self.protocol.heartbeat.on_connect
        if reply is not None:
            pending, text = self._session.build_reply(reply, now=loop.time())
            if pending is not None:
                loop.call_at(pending.deadline, self._expire, pending)
            if text is not None:
                await self._send(text)
        self._call_hook("on_connect")

    async def close(self) -> None:
        """Close cleanly: pending requests fail, iterators end, the socket closes with 1000."""
        if self._state in ("closing", "closed"):
            return
        self._state = "closing"
        if self._receiver is not None:
            self._receiver.cancel()
            await asyncio.gather(self._receiver, return_exceptions=True)
        self._teardown(
            ConnectionClosed("the client was closed"), clean=True, reason="closed by the client"
        )
        if self._ws is not None:
            await self._ws.close(1000)
        if self._runner is not None:  # let queued hooks (on_disconnect) run, within bounds
            await self._runner_hooks.drain(self.options.close_timeout)
            self._runner.cancel()
            await asyncio.gather(self._runner, return_exceptions=True)

    async def __aenter__(self) -> BaseClient[H]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def _teardown(self, error: ConnectionLost, *, clean: bool, reason: str) -> None:
        """Fail everything that waits on this connection; queue ``on_disconnect``."""
        self._state = "closed"
        for pending in self._session.connection_lost():
            self._fail_waiter(pending, error)
        subs = self._session.subscriptions
        for entry in subs.clear():
            for sink in entry.sinks:
                if clean:
                    sink._close()
                else:
                    sink._fail(error, "failed")
        self._call_hook("on_disconnect", reason)

    def _connection_lost(self, exc: BaseException | None) -> None:
        """The server or the network ended the connection. (Reconnect will hook in here.)"""
        if self._state in ("closing", "closed"):
            return
        code = reason = None
        if isinstance(exc, WsConnectionClosed) and exc.rcvd is not None:
            code, reason = exc.rcvd.code, exc.rcvd.reason
        message = f"connection lost: {exc}" if exc is not None else "connection lost"
        self.log.warning("%s", message)
        self._teardown(
            ConnectionLost(message, code=code, reason=reason), clean=False, reason=message
        )

    def _check_open(self) -> ClientConnection:
        if self._state != "open" or self._ws is None:
            raise ConnectionClosed(f"the client is {self._state}")
        return self._ws

    async def _send(self, text: str) -> None:
        ws = self._check_open()
        try:
            await ws.send(text)
        except WsConnectionClosed as exc:
            self._connection_lost(exc)
            raise ConnectionLost(f"connection lost while sending: {exc}") from exc

    # -- requests ------------------------------------------------------------------

    async def _request(
        self, spec: RequestSpec[T], params: Mapping[str, Any], *, timeout: float | None = None
    ) -> T:
        """Send a request and return its parsed result (generated methods call this)."""
        self._check_open()
        loop = self._loop
        t = self.request_timeout if timeout is None else timeout
        pending, text = self._session.build_request(spec, params, now=loop.time(), timeout=t)
        result: T = await self._roundtrip(pending, text)
        return result

    async def _roundtrip(self, pending: Pending, text: str) -> Any:
        loop = self._loop
        waiter: asyncio.Future[Any] = loop.create_future()
        pending.waiter = waiter
        timer = loop.call_at(pending.deadline, self._expire, pending)
        try:
            await self._send(text)
            return await waiter
        except BaseException:
            self._session.abandon(pending)
            raise
        finally:
            timer.cancel()

    def _expire(self, pending: Pending) -> None:
        """A deadline passed: if still pending, the request times out (its reply will be late)."""
        if self._session.correlator.abandon(pending.id) is None:
            return
        if pending.kind == "subscribe":
            error = SubscriptionError(pending.addresses[0], f"no ack within {pending.timeout:g}s")
            for entry in self._session.subscriptions.mark_failed(pending.addresses, error):
                for sink in entry.sinks:
                    sink._fail(error)
        else:
            self._fail_waiter(pending, RequestTimeout(pending.method, pending.timeout))

    @staticmethod
    def _fail_waiter(pending: Pending, error: BaseException) -> None:
        waiter = pending.waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)

    # -- subscriptions ---------------------------------------------------------------

    def _subscribe(self, spec: ChannelSpec[M, C], channel: C) -> Subscription[M, C]:
        """A new subscription to ``channel``; the subscribe request goes out in a task."""
        address = Subscriptions.address_of(spec, channel)
        sub: Subscription[M, C] = Subscription(
            self, spec, channel, address, self.options.subscription_buffer
        )
        sub._task = asyncio.get_running_loop().create_task(self._start(sub))
        return sub

    async def _start(self, sub: Subscription[Any, Any]) -> None:
        try:
            self._check_open()
            entry, request = self._session.subscribe(
                sub.spec, sub.channel, sub, now=self._loop.time(), timeout=self.request_timeout
            )
        except (ConnectionLost, ValueError) as exc:
            sub._fail(exc)
            return
        sub._entry = entry
        if request is None:
            if entry.state == "active":
                sub._acked()
            return
        pending, text = request
        self._loop.call_at(pending.deadline, self._expire, pending)
        try:
            await self._send(text)
        except ConnectionLost as exc:
            sub._fail(exc)

    async def _unsubscribe_sink(self, sub: Subscription[Any, Any]) -> None:
        if sub._task is not None:
            await asyncio.gather(sub._task, return_exceptions=True)
        entry = sub._entry
        sub._close()
        if entry is None or self._state != "open":
            return
        request = self._session.unsubscribe(
            entry, sub, now=self._loop.time(), timeout=self.request_timeout
        )
        if request is not None:
            await self._roundtrip(*request)

    async def _unsubscribe(self, spec: ChannelSpec[Any, C], channel: C) -> None:
        """Unsubscribe ``channel`` entirely: every subscription to its address ends."""
        entry = self._session.subscriptions.get(Subscriptions.address_of(spec, channel))
        if entry is None:
            return
        sinks = list(entry.sinks)
        request = self._session.unsubscribe(
            entry, None, now=self._loop.time(), timeout=self.request_timeout
        )
        for sink in sinks:
            sink._close()
        if request is not None and self._state == "open":
            await self._roundtrip(*request)

    # -- receiving -------------------------------------------------------------------

    async def _receive_loop(self, ws: ClientConnection) -> None:
        receive = self._session.receive
        hooks = self._hooks
        enqueue = self._runner_hooks.enqueue
        try:
            while True:
                data = await ws.recv()
                outcome = receive(data)
                if type(outcome) is Notification:
                    entry = outcome.entry
                    message = outcome.message
                    for sink in entry.sinks:
                        sink._push(message)
                    hook = hooks[entry.spec.hook]
                    if hook is not None:
                        enqueue(hook, (message, entry.channel))
                elif type(outcome) is PingReceived:
                    pending, text = self._session.build_reply(outcome.reply, now=self._loop.time())
                    if pending is not None:
                        self._loop.call_at(pending.deadline, self._expire, pending)
                    if text is not None:
                        await ws.send(text)
                else:
                    self._on_outcome(outcome)
        except WsConnectionClosed as exc:
            self._connection_lost(exc)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.log.exception("receive loop failed")
            self._connection_lost(exc)

    def _on_outcome(self, outcome: object) -> None:
        """Everything but notifications and pings: replies, events, errors, unknowns."""
        kind = type(outcome)
        if kind is Response:
            assert isinstance(outcome, Response)
            waiter = outcome.pending.waiter
            if waiter is not None and not waiter.done():
                waiter.set_result(outcome.result)
        elif kind is Event:
            assert isinstance(outcome, Event)
            hook = self._hooks[outcome.spec.hook]
            if hook is not None:
                self._enqueue(hook, (outcome.message,))
        elif kind is TemplateNotification:
            assert isinstance(outcome, TemplateNotification)
            hook = self._hooks[outcome.spec.hook]
            if hook is not None:
                self._enqueue(hook, (outcome.message, outcome.channel))
        elif kind is SubscribeAck:
            assert isinstance(outcome, SubscribeAck)
            for entry in outcome.entries:
                for sink in entry.sinks:
                    sink._acked()
            for entry in outcome.refused:
                for sink in entry.sinks:
                    sink._fail(
                        SubscriptionError(
                            entry.address, "the server did not confirm the subscription"
                        )
                    )
        elif kind is SubscribeFailed:
            assert isinstance(outcome, SubscribeFailed)
            for entry in outcome.entries:
                error = SubscriptionError(entry.address, str(outcome.error), cause=outcome.error)
                for sink in entry.sinks:
                    sink._fail(error)
        elif kind is ErrorReply:
            assert isinstance(outcome, ErrorReply)
            if outcome.pending is not None and outcome.pending.waiter is not None:
                self._fail_waiter(outcome.pending, outcome.error)
            else:
                what = (
                    outcome.pending.method if outcome.pending is not None else "an unknown request"
                )
                self._call_hook("on_error", outcome.error, f"error reply to {what}")
        elif kind is Malformed:
            assert isinstance(outcome, Malformed)
            if outcome.pending is not None and outcome.pending.waiter is not None:
                self._fail_waiter(outcome.pending, outcome.error)
            self._call_hook("on_error", outcome.error, "malformed frame")
        elif kind is StrayReply:
            assert isinstance(outcome, StrayReply)
            reason = (
                f"late reply to request {outcome.id!r}"
                if outcome.late
                else f"reply with unknown id {outcome.id!r}"
            )
            self._call_hook("on_unknown_message", outcome.frame, reason)
        elif kind is Unknown:
            assert isinstance(outcome, Unknown)
            self._call_hook("on_unknown_message", outcome.frame, outcome.reason)


class Connector(Generic[ClientT_co]):
    """What the generated ``connect()`` returns: await it, or ``async with`` it."""

    def __init__(
        self,
        client_type: type[ClientT_co],
        protocol: Protocol,
        *,
        server: str | None = None,
        url: str | None = None,
        handlers: BaseHandlers,
        request_timeout: float = 10.0,
        credentials: Mapping[str, str | None] | None = None,
        options: ConnectOptions | None = None,
    ) -> None:
        self._client_type = client_type
        self._protocol = protocol
        self.url = resolve_url(protocol, server, url)
        self._handlers = handlers
        self._request_timeout = request_timeout
        self._credentials = credentials
        self._options = options
        self._client: BaseClient[Any] | None = None

    async def _connect(self) -> ClientT_co:
        client = self._client_type(
            self._protocol,
            url=self.url,
            handlers=self._handlers,
            request_timeout=self._request_timeout,
            credentials=self._credentials,
            options=self._options,
        )
        await client._open()
        self._client = client
        return client

    def __await__(self) -> Generator[Any, None, ClientT_co]:
        return self._connect().__await__()

    async def __aenter__(self) -> ClientT_co:
        return await self._connect()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._client is not None:
            await self._client.close()
