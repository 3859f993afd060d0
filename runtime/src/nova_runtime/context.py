"""What every asyncio part of one client shares: :class:`Context`.

The parts (:mod:`.connection`, :mod:`.sender`, :mod:`.outcomes`, :mod:`.outbox`,
:mod:`.subscriber`, :mod:`.establish`, :mod:`.supervisor`) are built by the client and
handed one :class:`Context` (and the parts below them); none of them imports the
client. So imports run one way: the sans-I/O core, then this context, then the parts,
then :mod:`.client`, which assembles them.

The context holds the spec's runtime form, the options, the sans-I/O
:class:`~.core.Session`, logging (redacted through :class:`~.redaction.Secrets`),
telemetry, the hook runner, and the few acts every part needs: fail what waits, end
subscriptions, ask a deciding hook within its time bound.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from collections.abc import Callable, Coroutine
from typing import Any

from .core import Pending, Session, SubEntry, Waiter
from .core.pings import PingTracker
from .errors import ConnectionLost, RequestTimeout
from .handlers import BaseHandlers, resolve_hook
from .hooks import HookRunner
from .lifecycle import DisconnectReason, ReconnectDecision
from .logs import LogLimiter, RedactingFilter, get_logger
from .options import ConnectOptions
from .protocol import ErrorAction, Protocol
from .redaction import Secrets
from .telemetry import (
    FanOut,
    InMemoryMetrics,
    SchemaDrift,
    SubscriptionStateChanged,
    TelemetryEvent,
    UnexpectedFrame,
    UnexpectedKind,
)

__all__ = ["Context"]


_UNREAD = frozenset({"malformed", "unknown", "unknown_reply"})
"""The kinds of unexpected frames a timed-out request mentions (its reply may be one)."""

class Context:
    """The shared state and services of one client's parts."""

    loop: asyncio.AbstractEventLoop
    """The running loop, set by :meth:`start` (the client's ``connect``)."""

    def __init__(
        self,
        protocol: Protocol,
        *,
        handlers: BaseHandlers,
        request_timeout: float,
        options: ConnectOptions,
        secrets: Secrets,
    ) -> None:
        self.protocol = protocol
        self.options = options
        self.request_timeout = request_timeout
        self.secrets = secrets
        self.log = get_logger(protocol.name)
        self.ws_log = logging.getLogger(f"{self.log.name}.websockets")
        """The logger handed to ``websockets`` for this client's sockets (its DEBUG lines
        show whole frames): redacted like ``nova.<api>``, frames before shortening."""
        self._filter = RedactingFilter(secrets.values, fields=secrets.fields)
        self._ws_filter = RedactingFilter(
            secrets.values, frames=secrets.preview, fields=secrets.fields
        )
        self.session = Session(
            protocol, validation=options.validation, channel_validation=options.channel_validation
        )
        # The sign hook runs on every request frame the session builds (see Session.frame).
        self.session.frames.sign = resolve_hook(handlers, "sign")
        self.handlers = handlers
        self.log_limits = LogLimiter()
        """Rate limits of repeated warnings (bad frames, dropped messages, hook errors)."""
        names = [s.hook for s in protocol.channels] + [e.hook for e in protocol.events]
        self.runner = HookRunner(
            handlers, names, self.log, options.handler_queue_size, limits=self.log_limits
        )
        self.hooks = self.runner.hooks
        self.enqueue = self.runner.enqueue
        self.call_hook = self.runner.call
        sink = options.telemetry
        self._memory: InMemoryMetrics | None = sink if isinstance(sink, InMemoryMetrics) else None
        self.telemetry: FanOut | None = FanOut(sink) if sink is not None else None
        """Where events go, or None while no sink listens: then no event is even built
        (:meth:`emit` returns at once; hot paths test this before gathering fields)."""
        self.tracker: PingTracker | None = None
        """The application ping tracker of the live connection (set by its pinger)."""
        self.tasks: set[asyncio.Task[Any]] = set()
        self.unexpected: Counter[str] = Counter()
        """Frames by UnexpectedFrame kind (malformed, unknown, late/duplicate/unknown reply)."""
        self._unread_at: deque[float] | None = None
        """Loop times of the last frames no rule matched or that failed validation
        (:meth:`timed_out`); made by the first."""
        self.drift: dict[str, Counter[str]] = {}
        """Channel -> field -> messages delivered without it (schema drift)."""

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """The client connects on ``loop``: logs are redacted from now on."""
        self.loop = loop
        self.log.addFilter(self._filter)
        self.ws_log.addFilter(self._ws_filter)

    def stop(self) -> None:
        """The client is closed (or never opened): remove the log filters."""
        self.log.removeFilter(self._filter)
        self.ws_log.removeFilter(self._ws_filter)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """A background task of this client, cancelled by ``close()``."""
        task = self.loop.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    # -- telemetry ---------------------------------------------------------------------

    @property
    def metrics(self) -> InMemoryMetrics:
        """The client's in-memory sink: the :class:`InMemoryMetrics` given as
        ``ConnectOptions.telemetry``, else one created by this first use, which listens
        from now on (events before it are not counted)."""
        memory = self._memory
        if memory is None:
            memory = self._memory = InMemoryMetrics()
            if self.telemetry is None:
                self.telemetry = FanOut(memory)
            else:
                self.telemetry.add(memory)
        return memory

    def emit(self, event: type[TelemetryEvent], **fields: Any) -> None:
        """Emit one telemetry event (``api`` filled in) if a sink listens; a failing sink
        is logged, never raised."""
        sink = self.telemetry
        if sink is None:
            return
        try:
            sink.emit(event(api=self.protocol.name, **fields))
        except Exception:
            self.log.debug("telemetry sink failed", exc_info=True)

    def unexpected_frame(self, kind: UnexpectedKind) -> None:
        """Count a frame the client did not expect (diagnostics and telemetry)."""
        self.unexpected[kind] += 1
        if kind in _UNREAD:
            times = self._unread_at
            if times is None:
                times = self._unread_at = deque(maxlen=1000)
            times.append(self.loop.time())
        self.emit(UnexpectedFrame, kind=kind)

    def timed_out(self, method: str, timeout: float, deadline: float) -> RequestTimeout:
        """The error of a request that got no reply within ``timeout`` seconds (until loop
        time ``deadline``), saying how many frames the client could not match or read
        arrived meanwhile: often the reply itself, in a shape the spec does not describe."""
        times = self._unread_at
        since = deadline - timeout
        unread = sum(1 for t in times if t >= since) if times is not None else 0
        return RequestTimeout(method, timeout, unread=unread, logger=self.log.name)

    def drifted(self, channel: str, address: str, fields: tuple[str, ...]) -> None:
        """A message of ``channel`` was delivered without ``fields``: count it, emit
        :class:`SchemaDrift`, and warn once per field and channel."""
        counts = self.drift.get(channel)
        if counts is None:
            counts = self.drift[channel] = Counter()
        new = [f for f in fields if f not in counts]
        counts.update(fields)
        policy = self.options.channel_validation.get(channel, self.options.validation)
        self.emit(SchemaDrift, channel=channel, address=address, fields=fields, policy=policy)
        for name in new:
            self.log.warning(
                "%s: field %r missing or invalid in a message on %s (schema drift); messages"
                " are delivered without it (validation %s), counted in diagnostics().schema_drift",
                channel,
                name,
                address,
                policy,
            )

    def error_action(self, code: Any) -> ErrorAction:
        """What the spec says an error reply with ``code`` means (spec ``errors``)."""
        return self.session.error_action(code)

    # -- failing what waits --------------------------------------------------------------

    @staticmethod
    def fail_waiter(pending: Pending | Waiter, error: BaseException) -> None:
        waiter = pending.waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)

    @staticmethod
    def wake_waiter(pending: Pending | None) -> None:
        if pending is not None:
            waiter = pending.waiter
            if waiter is not None and not waiter.done():
                waiter.set_result(None)

    def fail_entries(self, entries: list[SubEntry], error: Exception) -> None:
        """Subscriptions the server refused (or that could not be sent): their consumers
        end with ``error``, ``on_subscription_error`` runs for each."""
        for entry in entries:
            for sink in entry.sinks:
                sink._fail(error)
            self.call_hook("on_subscription_error", entry.address, error)
            self.emit(SubscriptionStateChanged, address=entry.address, old="pending", new="failed")

    def connection_lost(self, error: ConnectionLost) -> None:
        """A connection dropped (a reconnect follows): requests waiting on it fail;
        subscriptions stay desired and their iterators keep waiting."""
        for pending in self.session.connection_lost():
            self.fail_waiter(pending, error)
        for waiter in self.session.waiters.fail_all():
            self.fail_waiter(waiter, error)

    def final_teardown(self, error: ConnectionLost, *, clean: bool) -> None:
        """No more connections: fail what waits, end every iterator."""
        self.connection_lost(error)
        for entry in self.session.subscriptions.clear():
            for sink in entry.sinks:
                if clean:
                    sink._close()
                else:
                    sink._fail(error, "failed")

    # -- hooks that decide -------------------------------------------------------------

    async def await_hook(self, hook: Callable[..., Any], name: str, *args: Any) -> Any:
        """Await a deciding hook within ``hook_timeout``; its failure is logged, giving None."""
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

    async def decide_disconnect(self, reason: DisconnectReason) -> ReconnectDecision | None:
        """Ask ``on_disconnect`` what to do after a drop (None: the policy decides)."""
        hook = resolve_hook(self.handlers, "on_disconnect")
        if hook is None:
            return None
        result = await self.await_hook(hook, "on_disconnect", reason)
        return result if isinstance(result, ReconnectDecision) else None
