"""Subscribe and unsubscribe requests: which subscriptions, how they are acked, and the
streams that follow.

Acks follow ``SubscriptionMethod.ack``: ``reply`` answers the request (the addresses for a
method whose addresses travel as a list and whose example result is a list, as Deribit
does; else the subscription id, the request's example result (built from its result schema
when it has no valid one, :mod:`.answers`), or ``null``/``true``);
``match`` sends one uncorrelated frame per address, built from ``ack_when``'s constants with
the address at ``ack_address`` (for an unsubscribe, constants equal to the subscribe method's
wire name take the unsubscribe's); ``none`` sends nothing.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from nova_runtime.core.match import compile_match
from websockets.exceptions import ConnectionClosed

from ..ir import Api, ChannelExample, RequestExample, SubscriptionMethod
from ..satisfy import satisfy
from .connection import Connection
from .drift import put
from .framing import Framer, IncomingRequest, read_at
from .routing import IdMaker, Router, Target, id_in_unsubscribe
from .streams import (
    NotificationFramer,
    SequenceSkips,
    Subscription,
    examples_for,
    stream,
)
from .valid import ExampleCheck

logger = logging.getLogger("nova.testing.server")

DUPLICATE = 4409
"""Close code for a reused operation id (GraphQL), when the spec lists it."""
_NONE = object()

PickExample = Callable[[str, Any], RequestExample | None]


class Subscriptions:
    """Serves one API's subscription methods on every connection."""

    def __init__(
        self,
        api: Api,
        framer: Framer,
        pick_example: PickExample,
        check: ExampleCheck,
        *,
        interval: float,
        limit: int | None,
        lock: threading.Lock,
        on_sent: Callable[[], None],
    ) -> None:
        self.api = api
        self.framer = framer
        self.pick_example = pick_example
        self.interval = interval
        self.limit = limit
        self.lock = lock
        self.on_sent = on_sent
        self.router = Router(api.channels)
        self.notifier = NotificationFramer(api.envelope)
        self.skips = SequenceSkips()
        self.muted: set[str] = set()
        """Subscription keys that never stream (``SpecServer.mute(forever=True)``)."""
        self.origin: float | None = None
        """Set (a loop time) to stream every address on one clock (``stream(origin=)``)."""
        self._ids = {m.name: IdMaker(self._example_id(m)) for m in api.subscriptions}
        self._built: dict[str, list[ChannelExample]] = {
            c.name: [ChannelExample({}, m) for m in check.usable(c.message, (), what=f"channel {c.name!r}")]
            for c in api.channels
            if not c.examples
        }
        """A message built from the schema of each channel that has no example (:mod:`.valid`)."""

    def wire(self, request_name: str | None) -> str | None:
        """The wire method of a request named in a subscription method."""
        if request_name is None:
            return None
        request = next((r for r in self.api.requests if r.name == request_name), None)
        return request.method if request is not None else request_name

    def _example_id(self, method: SubscriptionMethod) -> Any:
        pointer = method.subscription_id
        if pointer is None or pointer == "request":
            return None
        request = next((r for r in self.api.requests if r.name == method.subscribe), None)
        for ex in request.examples if request is not None else ():
            if ex.error is None:
                return read_at(ex.result, pointer)
        return None

    # -- requests -------------------------------------------------------------------

    async def handle(
        self, conn: Connection, req: IncomingRequest, method: SubscriptionMethod, subscribe: bool
    ) -> None:
        if subscribe:
            await self._subscribe(conn, req, method)
        else:
            await self._unsubscribe(conn, req, method)

    async def _subscribe(self, conn: Connection, req: IncomingRequest, method: SubscriptionMethod) -> None:
        failure = self._error_example(method.subscribe, req.params)
        if failure is not None:
            logger.info("conn %d: subscribe answered by an error example", conn.number)
            await conn.send(self.framer.error(req.id, *failure, has_id=req.has_id))
            return
        if method.subscription_id == "request" and str(req.id) in conn.subs:
            if DUPLICATE in self.api.reconnect.close_codes:
                await conn.ws.close(DUPLICATE, f"Subscriber for {req.id} already exists")
                return
        targets, unmatched = self.router.targets(method, req.params)
        for item in unmatched:
            logger.info("conn %d: %r matches no channel, not acknowledged", conn.number, item)
        new: list[Subscription] = []
        with self.lock:
            for target in targets:
                sub = Subscription(target, muted=target.key in self.muted)
                if method.subscription_id is not None:
                    sub.sub_id = self._ids[method.name].make(req.id, method)
                if sub.key not in conn.subs:
                    conn.subs[sub.key] = sub
                    new.append(sub)
        # The ack goes out before the first notification.
        await self._ack(conn, req, method, targets, new, subscribe=True)
        logger.info("conn %d subscribed %s", conn.number, [s.key for s in new])
        for sub in new:
            sub.task = conn.spawn(self._stream(conn, sub))

    async def _unsubscribe(self, conn: Connection, req: IncomingRequest, method: SubscriptionMethod) -> None:
        stopped: list[Subscription] = []
        if method.subscription_id is not None:
            sub_id = id_in_unsubscribe(method, req.params, req.id)
            with self.lock:
                sub = conn.subs.pop(str(sub_id), None) if sub_id is not None else None
            stopped = [sub] if sub is not None else []
            targets = [s.target for s in stopped]
        else:
            targets, _ = self.router.targets(method, req.params)
            with self.lock:
                stopped = [conn.subs.pop(t.key) for t in targets if t.key in conn.subs]
        for sub in stopped:
            if sub.task is not None:
                sub.task.cancel()
        await self._ack(conn, req, method, targets, stopped, subscribe=False)
        logger.info("conn %d unsubscribed %s", conn.number, [s.key for s in stopped])

    def _error_example(self, request_name: str, params: Any) -> tuple[Any, str, Any] | None:
        """An error example whose params are exactly the request's (an unknown pair...)."""
        request = next((r for r in self.api.requests if r.name == request_name), None)
        for ex in request.examples if request is not None else ():
            if ex.error is not None and ex.params == params:
                err = ex.error
                return err.get("code"), str(err.get("message", "")), err.get("data")
        return None

    async def end_by_client(self, conn: Connection, frame: Any, req: IncomingRequest) -> bool:
        """A client frame shaped like a method's ``end_when`` (GraphQL ``complete``) ends
        the subscription whose id is the frame's request id; True when it was one. Without
        ``end_when``, any frame that is no known request and reuses an active id does."""
        known = {r.method for r in self.api.requests}
        for method in self.api.subscriptions:
            end = getattr(method, "end_when", None)
            if method.subscription_id != "request" or not req.has_id:
                continue
            if end is not None:
                ends = compile_match(end)(frame)
            else:
                # No end_when: a frame that reuses an active operation id and is no known
                # request ends the operation (GraphQL ``complete``).
                ends = req.method not in known and str(req.id) in conn.subs
            if ends:
                with self.lock:
                    sub = conn.subs.pop(str(req.id), None)
                if sub is not None and sub.task is not None:
                    sub.task.cancel()
                logger.info("conn %d: client ended %r", conn.number, req.id)
                return True
        return False

    def _end_frame(self, method: SubscriptionMethod, sub: Subscription) -> dict[str, Any] | None:
        end = getattr(method, "end_when", None)
        rule = self.api.envelope.notification
        if end is None or rule is None or rule.subscription is None or sub.sub_id is None:
            return None
        frame = self.framer.hello(end)
        put(frame, rule.subscription, sub.sub_id)
        return frame

    # -- acks -----------------------------------------------------------------------

    async def _ack(
        self,
        conn: Connection,
        req: IncomingRequest,
        method: SubscriptionMethod,
        targets: list[Target],
        subs: list[Subscription],
        *,
        subscribe: bool,
    ) -> None:
        if method.ack == "none":
            return
        if method.ack == "match":
            for target in targets:
                await conn.send(self._match_ack(method, target.address, subscribe))
            return
        result = self._reply_result(req, method, targets, subs, subscribe)
        wire = self.wire(method.subscribe if subscribe else method.unsubscribe)
        await conn.send(self.framer.reply(req.id, result, has_id=req.has_id, method=wire))

    def _reply_result(
        self,
        req: IncomingRequest,
        method: SubscriptionMethod,
        targets: list[Target],
        subs: list[Subscription],
        subscribe: bool,
    ) -> Any:
        wire = self.wire(method.subscribe if subscribe else method.unsubscribe) or ""
        example = self.pick_example(wire, req.params)
        base = example.result if example is not None and example.error is None else None
        pointer = method.subscription_id
        if subscribe and pointer is not None and pointer != "request":
            sub_id = subs[0].sub_id if subs else None
            if pointer == "":
                return sub_id
            result = copy.deepcopy(base) if isinstance(base, dict) else {}
            put(result, pointer, sub_id)
            return result
        if method.addresses and (example is None or isinstance(base, list)):
            return [t.address for t in targets]
        if example is not None and example.error is None:
            return base
        if not subscribe and pointer is not None:
            return bool(subs)
        return None if subscribe else True

    def _match_ack(self, method: SubscriptionMethod, address: Any, subscribe: bool) -> dict[str, Any]:
        frame: dict[str, Any] = copy.deepcopy(dict(self.api.envelope.template))
        sub_wire, unsub_wire = self.wire(method.subscribe), self.wire(method.unsubscribe)
        example = self.pick_example((sub_wire if subscribe else unsub_wire) or "", None)
        if example is not None and isinstance(example.result, dict):
            frame.update(copy.deepcopy(example.result))  # e.g. OKX ``connId``
        when = method.ack_when
        if when is not None and not subscribe and unsub_wire is not None:
            # The unsubscribe's ack names the unsubscribe where the subscribe's names it.
            when = replace(when, equals=tuple(
                (p, unsub_wire if v == sub_wire else v) for p, v in when.equals
            ))
        satisfy(frame, when)
        if method.ack_address is not None:
            put(frame, method.ack_address, copy.deepcopy(address))
        return frame

    # -- streaming ------------------------------------------------------------------

    async def _stream(self, conn: Connection, sub: Subscription) -> None:
        await self._stream_examples(conn, sub)
        method = next(
            (m for m in self.api.subscriptions if m.name == sub.target.channel.subscription),
            None,
        )
        end = self._end_frame(method, sub) if method is not None and self.limit else None
        if end is not None:
            # The stream is over: say so, as a server ends an operation (GraphQL complete).
            with self.lock:
                conn.subs.pop(sub.key, None)
            try:
                await conn.send(end)
            except ConnectionClosed:
                pass

    async def _stream_examples(self, conn: Connection, sub: Subscription) -> None:
        if self.api.envelope.notification is None:
            logger.warning("the envelope has no notification rule: nothing to stream")
            return
        channel = sub.target.channel
        examples = examples_for(channel, sub.target.params) or self._built.get(channel.name, [])
        if not examples:
            logger.info("channel %s has no examples: nothing to stream", channel.name)

        def build(s: Subscription, message: Any) -> Any:
            skip = self.skips.take() if s.target.channel.sequence is not None else 0
            return self.notifier.frame(s, message, skip)

        try:
            await stream(
                sub,
                examples,
                build=build,
                send=conn.send,
                running=conn.running,
                interval=self.interval,
                limit=self.limit,
                sent=self.on_sent,
                origin=self.origin,
            )
        except ConnectionClosed:
            pass
        # A stream that reached its limit stays subscribed until unsubscribed.
