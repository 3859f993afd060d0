"""Outgoing messages become requests: a typed request/reply method where a reply is
correlated (``correlationId``) or recognised, a fire-and-forget send otherwise; with the
connection's request envelope (method field, id field) they share."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from nova_runtime import protocol as p
from nova_runtime.pointer import MISSING, compile_pointer, getter, join_pointer

from .. import ir
from ..loader.refs import property_locations
from ..loader.source import Document
from ..naming import snake_case
from .dispatch import Shape
from .messages import MessageReader
from .model import Message, Operation


def _text(op: Operation, msg: Message, key: str, fallback: str | None = None) -> str:
    """A method's ``key`` (summary or description): the operation's when it sends only this
    message, else the message's own ``key`` (or ``fallback``, e.g. its title). An operation
    that sends many messages ("Client messages") describes none of them, also when one of them
    is split from it as a request of its own."""
    candidates = [op.value.get(key)] if len(op.messages) == 1 and not op.shared else []
    candidates += [msg.value.get(key), msg.value.get(fallback) if fallback else None]
    return next((c.strip() for c in candidates if isinstance(c, str) and c.strip()), "")


class Outgoing(MessageReader):
    """The outgoing half of :class:`~.normalize.AsyncApiNormalizer`."""

    def requests(
        self, sends: list[Operation], incoming: dict[tuple[str, str], Shape]
    ) -> tuple[tuple[ir.Request, ...], p.Envelope]:
        outgoing: list[tuple[Operation, Message, Shape]] = []
        seen: set[tuple[str, str]] = set()
        for op in sends:
            for msg in op.messages:
                if msg.identity not in seen:
                    seen.add(msg.identity)
                    outgoing.append((op, msg, self.shape(msg)))
        bodies = {msg.identity: self.body(msg) for _, msg, _ in outgoing}
        method_ptr = self.method_pointer([o for o in outgoing if bodies[o[1].identity] is None])
        corr_ptrs: dict[str, Message] = {}
        out: list[ir.Request] = []
        self._framing = {snake_case(msg.key): (msg, op.reply or []) for op, msg, _ in outgoing}
        id_kind: p.IdKind = "int"
        for op, msg, shape in outgoing:
            name = snake_case(msg.key)
            body = bodies[msg.identity]
            method = shape.equals.get(method_ptr) if method_ptr and body is None else None
            wire = str(method) if method is not None else msg.key
            corr = self.correlation(msg) if body is None else None
            replies = op.reply
            if corr is not None and replies is not None:
                corr_ptrs.setdefault(corr, msg)
                id_kind = self.id_kind(msg, corr) or id_kind
            params = (
                self.params(msg, {method_ptr, corr} - {None})
                if body is None
                else (ir.Param("payload", self.message_schema(msg), True, "The whole frame."),)
            )
            result: ir.JsonSchema = {}
            reply_when: p.Match | None = None
            if replies:
                schemas = [self.message_schema(m) for m in replies]
                result = schemas[0] if len(schemas) == 1 else {"oneOf": schemas}
                if corr is None:
                    self.diagnostics.warning(
                        "NOVA108",
                        f"the reply to {msg.key!r} has no correlationId: {name}() takes the next frame that is "
                        "one of its reply messages",
                        (op.reply_doc or op.doc).source.position(op.reply_pointer or op.pointer, key=True),
                        hint="concurrent calls of this method may get each other's replies; add "
                        "`correlationId: {location: '$message.payload#/id'}` to the message",
                    )
                    shapes = [incoming.get(m.identity) or self.shape(m) for m in replies]
                    reply_when = self.when(replies[0], shapes[0]) if len(replies) == 1 else p.Match(
                        present=tuple(sorted(set.intersection(*(s.keyed for s in shapes))))
                    )
            examples = self.request_examples(msg, replies, params, {method_ptr, corr} - {None}) if body is None else ()
            out.append(
                ir.Request(
                    name=name,
                    method=wire,
                    params=params,
                    result=result,
                    summary=_text(op, msg, "summary", "title"),
                    description=_text(op, msg, "description"),
                    examples=examples,
                    location=self.location(msg.doc, msg.pointer),
                    reply=replies is not None and bool(replies),
                    correlated=corr is not None,
                    reply_when=reply_when,
                    body=body,
                )
            )
        if len(corr_ptrs) > 1:
            first, second = list(corr_ptrs.items())[:2]
            self.diagnostics.error(
                "NOVA109",
                f"requests correlate on different fields ({first[0]!r} for {first[1].key!r}, "
                f"{second[0]!r} for {second[1].key!r}); one connection needs one",
                second[1].doc.source.position(second[1].pointer, key=True),
                hint="use the same correlationId location for every request",
            )
        corr_ptr = next(iter(corr_ptrs), None)
        envelope = p.Envelope(
            request=p.RequestFrame(method=method_ptr, params="", id=corr_ptr, id_kind=id_kind),
            response=(
                p.ResponseRule(when=p.Match(present=(corr_ptr,)), id=corr_ptr, result="")
                if corr_ptr is not None
                else None
            ),
        )
        return tuple(out), envelope

    def body(self, msg: Message) -> ir.FrameKind | None:
        """None for a payload that is an object with ``properties`` (its properties become
        keyword arguments); otherwise the frame is the payload itself, one argument
        ``payload``, sent as JSON, text or bytes (:meth:`frame_kind`)."""
        found = self.payload(msg)
        value = self.refs.follow(found[0], msg.doc, found[1])[0] if found is not None else None
        if isinstance(value, dict) and isinstance(value.get("properties"), dict) and value["properties"]:
            return None
        return self.frame_kind(msg)

    def method_pointer(self, outgoing: list[tuple[Operation, Message, Shape]]) -> str | None:
        if not outgoing:
            return None
        common = set.intersection(*(set(s.equals) for _, _, s in outgoing))
        if common:
            # The field that tells most of them apart; then the shallowest, then by name.
            return min(
                common,
                key=lambda ptr: (-len({str(s.equals[ptr]) for _, _, s in outgoing}), ptr.count("/"), ptr),
            )
        if len(outgoing) > 1:
            _, msg, _ = outgoing[1]
            self.diagnostics.warning(
                "NOVA074",
                "the messages the client sends share no constant field; each method sends its payload "
                "as it is, and the server tells them apart as the document says",
                msg.doc.source.position(msg.pointer, key=True),
                hint="if they share a field such as `type` or `event`, give each a `const` there: it "
                "becomes the wire method and the methods fill it in",
            )
        return None

    def id_kind(self, msg: Message, corr: str) -> p.IdKind | None:
        found = self.payload(msg)
        if found is None or not corr:
            return None
        value, doc, pointer = self.refs.follow(found[0], msg.doc, found[1])
        for token in compile_pointer(corr):
            props = value.get("properties") if isinstance(value, dict) else None
            if not isinstance(props, dict) or token not in props:
                return None
            value, doc, pointer = self.refs.follow(
                props[token], doc, join_pointer(join_pointer(pointer, "properties"), token)
            )
        if not isinstance(value, dict):
            return None
        if value.get("type") == "integer":
            return "int"
        if value.get("format") == "uuid":
            return "uuid"
        if value.get("type") == "string":
            return "str"
        return None

    def params(self, msg: Message, skip: set[str | None]) -> tuple[ir.Param, ...]:
        found = self.payload(msg)
        if found is None or found[0] is None:
            return ()
        value, doc, pointer = self.refs.follow(found[0], msg.doc, found[1])
        return self.params_of(msg, value, doc, pointer, skip)

    def params_of(
        self, msg: Message, value: Any, doc: Document, pointer: str, skip: set[str | None]
    ) -> tuple[ir.Param, ...]:
        """The keyword arguments of a method: the properties of the object schema ``value``
        (at ``pointer`` of ``doc``), but those the envelope fills (``skip``)."""
        properties = value.get("properties") if isinstance(value, dict) else None
        if not isinstance(properties, dict):
            self.diagnostics.error(
                "NOVA116",
                f"the payload of outgoing message {msg.key!r} is not an object with `properties`",
                doc.source.position(pointer),
                hint="each property becomes a keyword argument of the generated method",
            )
            return ()
        required = ir.required_names(value)
        skipped = {s[1:] for s in skip if s and s.count("/") == 1}
        base = join_pointer(pointer, "properties")
        out = []
        for name, prop in properties.items():
            if name in skipped:
                continue
            schema = self.refs.rewrite(prop, doc, join_pointer(base, name))
            description = str(prop.get("description", "")) if isinstance(prop, dict) else ""
            location, required_location = property_locations(doc, pointer, value, name)
            out.append(
                ir.Param(
                    str(name), schema if isinstance(schema, dict) else {}, name in required, description,
                    location, required_location,
                )
            )
        return tuple(out)

    def request_examples(
        self, msg: Message, replies: list[Message] | None, params: tuple[ir.Param, ...], skip: set[str | None]
    ) -> tuple[ir.RequestExample, ...]:
        """Examples for the local test server: each reply example, with the request's own
        example of the same position as its params (else the first, else none). A reply
        without examples has none here: the server builds one from the reply's schema
        (:mod:`nova_gen.testing.synth`)."""
        if not replies:
            return ()
        skipped = {s[1:] for s in skip if s and s.count("/") == 1}
        own = self.examples(msg)
        sample = {k: v for k, v in own[0].items() if k not in skipped} if own and isinstance(own[0], dict) else None
        if sample is None:
            if any(prm.required for prm in params):
                return ()
            sample = {}
        results: list[Any] = []
        for m in replies:
            results.extend(self.examples(m))
        # A reply example keeps its correlation value: the server writes the request's over it.
        # The n-th example of the request goes with the n-th reply example (an echo's pairs).
        params_of = [{k: v for k, v in ex.items() if k not in skipped} if isinstance(ex, dict) else sample for ex in own]
        return tuple(
            ir.RequestExample(params=params_of[n] if n < len(params_of) else sample, result=r, name=f"{msg.key} {n + 1}")
            for n, r in enumerate(results)
        )

    def framed(self, request: ir.Request, envelope: p.Envelope) -> ir.Request:
        """A request framed by an overlay's envelope (a preset such as ``jsonrpc2``) rather than
        by the document: the document's messages are whole frames, so the method's arguments
        become the properties of the message's own ``params`` object (where the envelope puts
        them), and its result the reply's ``result`` (where the envelope reads it); the fields
        the envelope fills itself (template, method, id) are no arguments."""
        msg, replies = self._framing[request.name]
        frame = envelope.request
        filled = {f"/{key}" for key in envelope.template} | {frame.method, frame.id}
        params = tuple(prm for prm in request.params if f"/{prm.name}" not in filled)
        inner = self.sub_schema(msg, frame.params) if frame.params else None
        if inner is not None:
            params = self.params_of(msg, *self.refs.follow(*inner), skip=set())
        result, rule = request.result, envelope.response
        narrow = rule is not None and bool(rule.result) and request.correlated and bool(replies)
        if narrow and rule is not None:
            schemas = []
            for reply in replies:
                found = self.sub_schema(reply, rule.result)
                rewritten = self.refs.rewrite(*found) if found is not None else None
                schemas.append(rewritten if isinstance(rewritten, dict) else {})
            result = schemas[0] if len(schemas) == 1 else {"oneOf": schemas}

        def example(ex: ir.RequestExample) -> ir.RequestExample:
            sample = ex.params
            if inner is not None and frame.params:
                sample = self.example_at(msg, frame.params)
            elif isinstance(sample, dict):
                sample = {k: v for k, v in sample.items() if f"/{k}" not in filled}
            found = getter(rule.result)(ex.result) if narrow and rule is not None else ex.result
            return replace(ex, params=sample, result=None if found is MISSING else found)

        examples = tuple(example(ex) for ex in request.examples)
        return replace(request, params=params, result=result, examples=examples)
