"""The controls a test calls on a :class:`~.server.SpecServer` to make it misbehave or
speak first: injected errors, silence, throttling, refused handshakes, stalls, drops,
mutes, sequence gaps, schema drift, expired tokens, raw frames and events.

They are a base class of the server, apart from its construction and its records, because
they are one job of their own: turn a test's wish into state the parts consult
(:mod:`.faults`, :mod:`.streams`, :mod:`.auth`) or into an action on the open sockets
(:mod:`.sockets`). The sync controls may be called from any thread, the async ones awaited
on any event loop: both run on the server's loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from ..ir import Api, Event
from .auth import AuthServer
from .connection import encode
from .faults import ErrorReply, Faults
from .framing import Framer
from .sockets import Sockets
from .subscriptions import Subscriptions

__all__ = ["ServerControls"]

_T = TypeVar("_T")


class ServerControls:
    """Fault controls and server-initiated frames; :class:`~.server.SpecServer` sets the
    parts they act on."""

    api: Api
    framer: Framer
    faults: Faults
    auth: AuthServer
    sockets: Sockets
    streams: Subscriptions
    _loop: asyncio.AbstractEventLoop | None

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
        self._call_on_loop(lambda: self.sockets.stall_all(seconds))

    def unstall(self) -> None:
        """Resume every stalled connection (undo :meth:`stall`)."""
        self._call_on_loop(self.sockets.unstall_all)

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
        self._call_on_loop(lambda: self.sockets.mute_all(address))

    def drop_connections(self) -> None:
        """Abort every open connection at the TCP level: no close frame, no handshake."""
        self._call_on_loop(self.sockets.abort_all)

    def drop_every(self, seconds: float | None) -> None:
        """Abort every open connection every ``seconds`` (soak tests); None stops it.

        Each call replaces the previous schedule; :attr:`drops` counts aborted
        connections. Like the other socket controls, it needs a started server.
        """
        if seconds is not None and seconds <= 0:
            raise ValueError("seconds must be > 0")
        self._call_on_loop(lambda: self.sockets.schedule_drops(seconds))

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

    def drift_results(
        self, method: str, remove: tuple[str, ...] = (), replace: dict[str, Any] | None = None
    ) -> None:
        """Schema drift from now on in the results of wire ``method``'s requests (the login
        included) answered from the spec: members removed at the ``remove`` pointers and
        the ``replace`` values written (pointers relative to the result, e.g.
        ``{"/expires_in": "900"}``); ``drift_results(method)`` stops it. Subscribe
        requests' results are the server's own bookkeeping and never drift."""
        self.faults.drift_results(method, remove, replace)

    def expire_tokens(self) -> None:
        """Expire every login token now: requests that require auth get
        ``unauthorized_error`` until the client logs in (or refreshes) again."""
        self.auth.expire_tokens()

    async def send_raw(self, data: str | bytes, *, text: bool | None = None) -> None:
        """Send ``data`` as-is to every open connection: ``str`` as a text frame,
        ``bytes`` as a binary frame, or as a text frame with ``text=True`` (bytes that
        need not be valid UTF-8: a client must close with 1007)."""
        await self._on_loop(self.sockets.broadcast(data, text=text))

    async def send_event(self, name: str, payload: Any = None) -> None:
        """Send event ``name`` to every open connection.

        ``payload`` defaults to the event's first example.
        """
        event = self._event(name)
        if payload is None and event.examples:
            payload = event.examples[0]
        await self._on_loop(
            self.sockets.broadcast(encode(self.framer.event(event, payload)))
        )

    async def close_connections(self, code: int = 1000, reason: str = "") -> None:
        """Close every open connection with a close frame carrying ``code`` and ``reason``
        (e.g. 1001 going away, 1011 internal error, or an application code 4000-4999)."""

        await self._on_loop(self.sockets.close_all(code, reason))

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

    def _event(self, name: str) -> Event:
        for event in self.api.events:
            if event.name == name:
                return event
        raise KeyError(f"no event named {name!r}")
