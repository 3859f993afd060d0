"""What the test server answers to one request a client sent.

In order: an injected fault (:mod:`.faults`: silence, throttle, a queued failure), the
login and the auth a request requires (:mod:`.auth`), a subscribe or unsubscribe request
(:mod:`.subscriptions`), a client ping request (:mod:`.heartbeats`), else the request's own
examples in the spec: the example whose params match, its result or its error.
"""

from __future__ import annotations

import copy
import logging
import threading
from dataclasses import dataclass, replace
from typing import Any

from ..ir import Api, FrameKind, Request, RequestExample, SubscriptionMethod
from .auth import AuthServer
from .connection import Connection
from .faults import ErrorReply, Faults
from .framing import Framer, IncomingRequest
from .heartbeats import Heartbeats
from .pings import ServerPings
from .recognise import Recogniser
from .subscriptions import Subscriptions
from .synth import MISSING
from .valid import ExampleCheck

__all__ = ["METHOD_NOT_FOUND", "Answers", "RequestExamples", "pick_example"]

logger = logging.getLogger("nova.testing.server")

METHOD_NOT_FOUND = ErrorReply(-32601, "Method not found")


def pick_example(request: Request | None, params: Any) -> RequestExample | None:
    """The example of ``request`` that answers ``params``: the one with exactly these
    params, else one whose params are all among them, else the first success, else the
    first; None when the request has no examples."""
    if request is None or not request.examples:
        return None
    examples = request.examples
    for ex in examples:
        if ex.params == params:
            return ex
    if isinstance(params, dict):
        for ex in examples:
            if all(k in params and params[k] == v for k, v in ex.params.items()):
                return ex
    for ex in examples:
        if ex.error is None:
            return ex
    return examples[0]


class RequestExamples:
    """The spec's requests by wire method, and the example that answers a call.

    Examples whose result contradicts the request's result schema are left out (see
    :mod:`.valid`), so the server answers with a frame the client accepts. A request that
    has a reply but no valid result example (none at all, or only broken ones) is answered
    with a result built from its result schema, repairing its first example (logged once);
    only when no value matches the schema does the server answer as the document says,
    and the client reports the reply as malformed.
    """

    def __init__(self, api: Api, check: ExampleCheck) -> None:
        self.requests: dict[str, Request] = {}
        for r in api.requests:
            what = f"request {r.name!r}"
            kept = tuple(
                ex for n, ex in enumerate(r.examples) if ex.error is not None or check.ok(r.result, ex.result, what, n)
            )
            if r.reply and not any(ex.error is None for ex in kept):
                kept = self._built(r, kept, check, what)
            self.requests[r.method] = replace(r, examples=kept) if kept != r.examples else r

    @staticmethod
    def _built(
        r: Request, kept: tuple[RequestExample, ...], check: ExampleCheck, what: str
    ) -> tuple[RequestExample, ...]:
        """``kept`` (error examples only) and a success example whose result is built from
        the request's result schema; the document's examples when none can be built."""
        first = next((ex for ex in r.examples if ex.error is None), None)
        result = check.build(r.result, first.result if first is not None else MISSING, what=f"the reply to {what}")
        if result is MISSING:
            return r.examples
        params = first.params if first is not None else {}
        return (*kept, RequestExample(params=params, result=result, name="built from the schema"))

    def pick(self, method: str, params: Any) -> RequestExample | None:
        """The example of wire ``method`` that answers ``params`` (see :func:`pick_example`)."""
        return pick_example(self.requests.get(method), params)


@dataclass(frozen=True, slots=True)
class _SubscribeRoute:
    method: SubscriptionMethod
    subscribe: bool
    """True for the subscribe request, False for the unsubscribe request."""


class Answers:
    """Answers each request of one API (:meth:`answer`)."""

    def __init__(
        self,
        api: Api,
        framer: Framer,
        examples: RequestExamples,
        *,
        lock: threading.Lock,
        faults: Faults,
        auth: AuthServer,
        streams: Subscriptions,
        heartbeats: Heartbeats,
        pings: ServerPings,
        unknown_method_error: ErrorReply,
    ) -> None:
        self.api = api
        self.framer = framer
        self.examples = examples
        self.lock = lock
        self.faults = faults
        self.auth = auth
        self.streams = streams
        self.heartbeats = heartbeats
        self.pings = pings
        self.unknown_method_error = unknown_method_error
        self.recogniser = Recogniser(api)
        self._routes: dict[str, _SubscribeRoute] = {}
        for sub in api.subscriptions:
            self._add_route(sub.subscribe, _SubscribeRoute(sub, True))
            if sub.unsubscribe is not None:
                self._add_route(sub.unsubscribe, _SubscribeRoute(sub, False))

    def _add_route(self, request_name: str, route: _SubscribeRoute) -> None:
        request = next((r for r in self.api.requests if r.name == request_name), None)
        # A spec may name the wire method directly; accept that too.
        self._routes[request.method if request is not None else request_name] = route

    def identify(self, req: IncomingRequest, frame: Any, kind: FrameKind = "json") -> IncomingRequest:
        """``req`` (read from ``frame``, a frame of ``kind``) with its wire method: a frame has
        none when the spec frames requests without one (AsyncAPI messages that pin no common
        field, string or binary payloads); it is then the request it is built as
        (:mod:`.recognise`), else, when the spec has one request only, that one."""
        if req.method is not None:
            return req
        method = self.recogniser.method_of(frame, kind)
        if method is None and kind == "json" and self.api.envelope.request.method is None and len(self.examples.requests) == 1:
            method = next(iter(self.examples.requests))
        return replace(req, method=method) if method is not None else req

    async def answer(self, conn: Connection, req: IncomingRequest) -> None:
        """Log ``req`` on ``conn`` and send what the spec (or an injected fault) says."""
        method = req.method
        assert method is not None
        with self.lock:
            conn.log.append((method, req.params))
        if method in self.pings.by_request:
            self.pings.count(conn, method)
        if await self._fault(conn, req, method):
            return
        if self.auth.is_login(method):
            await self._login(conn, req, method)
            return
        if self.auth.requires_auth(method) and not self._authorised(conn, req):
            logger.info("conn %d: %s needs auth", conn.number, method)
            await conn.send(self._error(req, self.auth.unauthorized_error))
            return
        route = self._routes.get(method)
        if route is not None:
            await self.streams.handle(conn, req, route.method, route.subscribe)
            return
        await self._from_examples(conn, req, method)

    async def _fault(self, conn: Connection, req: IncomingRequest, method: str) -> bool:
        """Apply an injected fault to ``req``; True when one applied."""
        if self.faults.silenced(method):
            logger.info("conn %d: not answering %s (never_answer)", conn.number, method)
            return True
        throttle = self.faults.take_throttle()
        if throttle is not None:
            logger.info("conn %d: throttling %s", conn.number, method)
            await conn.send(self._error(req, throttle.error))
            if throttle.close_after:
                await conn.ws.close(1008, throttle.error.message)
            return True
        failure = self.faults.take_failure(method)
        if failure is not None:
            logger.info("conn %d: failing %s with %r (fail_next)", conn.number, method, failure)
            await conn.send(self._error(req, failure))
            return True
        return False

    async def _login(self, conn: Connection, req: IncomingRequest, method: str) -> None:
        login = self.auth.login(req.params)
        if login.error is not None:
            await conn.send(self._error(req, login.error))
            return
        conn.token = login.token
        result = self.faults.drifted(method, login.result)
        await conn.send(self.framer.reply(req.id, result, has_id=req.has_id))

    def _authorised(self, conn: Connection, req: IncomingRequest) -> bool:
        """The connection's token, or an ``access_token`` param, is valid (Deribit-like)."""
        if self.auth.valid(conn.token):
            return True
        params = req.params
        token = params.get("access_token") if isinstance(params, dict) else None
        return isinstance(token, str) and self.auth.valid(token)

    async def _from_examples(self, conn: Connection, req: IncomingRequest, method: str) -> None:
        request = self.examples.requests.get(method)
        if request is not None and not request.reply and method != self.heartbeats.ping_request:
            logger.info("conn %d: %s is a one-way send: no answer", conn.number, method)
            return
        example = self.examples.pick(method, req.params)
        if method == self.heartbeats.ping_request:
            result = example.result if example is not None else None
            pong = self.framer.reply(req.id, result, has_id=req.has_id)
            await conn.send(self.heartbeats.pong_reply(pong))
        elif example is None:
            await self._unanswerable(conn, req, method)
        elif example.error is not None:
            err = example.error
            failure = ErrorReply(err.get("code"), str(err.get("message", "")), err.get("data"))
            await conn.send(self._error(req, failure))
        elif request is not None and not request.correlated:
            # The reply carries no id: it is the reply message as the spec shows it.
            result = self.faults.drifted(method, copy.deepcopy(example.result))
            reply = self.framer.with_match(result, request.reply_when) if isinstance(result, dict) else result
            await conn.send(reply)
        else:
            result = self.faults.drifted(method, example.result)
            reply = self.framer.reply(req.id, result, has_id=req.has_id, method=method)
            await conn.send(reply)

    async def _unanswerable(self, conn: Connection, req: IncomingRequest, method: str) -> None:
        """No example answers ``method``: the spec's error frame says so, when it has one;
        without one (AsyncAPI documents) the server says nothing the spec does not say."""
        if self.api.envelope.error is None:
            logger.warning("conn %d: no example answers %s, and the spec has no error frame: no answer", conn.number, method)
            return
        logger.warning("conn %d: no example answers %s", conn.number, method)
        await conn.send(self._error(req, self.unknown_method_error))

    def _error(self, req: IncomingRequest, err: ErrorReply) -> dict[str, Any]:
        return self.framer.error(req.id, err.code, err.message, err.data, has_id=req.has_id)
