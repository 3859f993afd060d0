"""AsyncAPI 2.x replies as Ballerina's AsyncAPI tools write them (``x-response``).

AsyncAPI 2.x has no ``reply``. Ballerina's AsyncAPI tools (ballerina-platform/asyncapi-tools,
whose specification "Ballerina AsyncAPI for WebSockets" defines these keys) write a request's
reply with keys of their own, read here into the same :attr:`.model.Operation.reply` that a
3.0 ``reply`` fills, so these replies get all that 3.0 replies get (a typed request/reply
method, reply matching, the local server's answers and examples):

- ``x-response`` on a message the application receives (listed under ``publish``; where the
  same message is listed under ``subscribe``, the application sends it and the key does not
  apply): the reply message, a ``$ref`` or written in place, or ``oneOf`` a list of them (a
  reply written in place that repeats a message of the channel's ``subscribe``, as Ballerina
  writes replies of built-in types, is that message: :func:`same_messages`); its siblings
  ``description`` and ``x-required`` are not read;
- ``x-response-type`` beside it: ``simple-rpc``, one reply (also without the key: Ballerina's
  client then returns one reply), or ``server-streaming``, a stream of replies (GraphQL over
  WebSocket's ``next`` ... ``complete``). The 3.0 mapping has no stream of replies to a send
  (incoming AsyncAPI messages are events, not subscribed channels), so such a message stays a
  one-way send and its replies stay events, with the warning ``NOVA127``;
- ``x-dispatcherStreamId`` at the root: the payload property that carries the id tying
  replies to their request. It is the request's ``correlationId`` location
  (``$message.payload#/<key>``) when the request's payload and every reply's declare that
  property, and the message has no ``correlationId`` of its own; else the reply is the next
  frame that is one of the reply messages (``NOVA108``, as for an uncorrelated 3.0 reply);
- ``x-dispatcherKey`` at the root (the payload property naming a frame's type, ``event`` or
  ``type``) is not read: Ballerina's documents pin it with a ``const`` in the messages that
  have one, and :mod:`.dispatch` finds those by itself; a message that leaves it open (any
  string) says nothing of its values.

A malformed ``x-response`` (not a mapping, a ``oneOf`` that is not a list of mappings, a
reference to something that is not a message) or an unknown ``x-response-type`` is the error
``NOVA126``; a reference to nothing is ``NOVA010``, reported by the resolver.
"""

from __future__ import annotations

from typing import Any

from nova_runtime.pointer import compile_pointer, join_pointer

from ..loader.source import Document
from .common import Reader
from .model import Message, Operation

RESPONSE_TYPES = ("simple-rpc", "server-streaming")
"""The values of ``x-response-type`` Ballerina's specification defines."""


def replies_of(r: Reader, msg: Message) -> tuple[list[Message], Document, str] | None:
    """The reply messages ``msg``'s ``x-response`` names, with the document and pointer of the
    ``x-response``; None without one, for a stream of replies (``NOVA127``), or when it is
    malformed (reported). Sets ``msg.correlation`` from ``x-dispatcherStreamId``."""
    raw = msg.value.get("x-response")
    if raw is None:
        return None
    pointer = join_pointer(msg.pointer, "x-response")
    kind = msg.value.get("x-response-type", "simple-rpc")
    if kind not in RESPONSE_TYPES:
        _malformed(
            r, msg, join_pointer(msg.pointer, "x-response-type"), f"x-response-type of message {msg.key!r} is {kind!r}"
        )
        return None
    found = []
    listed = _references(r, msg, raw, pointer) or []
    for n, (value, where) in enumerate(listed):
        name = f"{msg.key}Response" + (str(n + 1) if len(listed) > 1 else "")
        reply = _reply(r, msg, value, where, name)
        if reply is None:
            return None
        found.append(reply)
    if not found:
        return None
    if kind == "server-streaming":
        names = ", ".join(repr(m.key) for m in found)
        r.diagnostics.warning(
            "NOVA127",
            f"message {msg.key!r} is answered by a stream of {names} (x-response-type: server-streaming), which "
            "nova-gen does not map to one call: it is sent as a one-way message, and the replies the client "
            "receives reach their hooks as events",
            msg.doc.source.position(join_pointer(msg.pointer, "x-response-type")),
            hint="handle the stream in the reply messages' hooks (on_<message>); a reply that ends the stream "
            "(GraphQL's complete) is one of them",
        )
        return None
    _correlate(r, msg, found)
    return found, msg.doc, pointer


def _references(r: Reader, msg: Message, raw: Any, pointer: str) -> list[tuple[Any, str]] | None:
    """The messages an ``x-response`` holds (references or inline), with their pointers; None
    (reported) when it is not a mapping."""
    if not isinstance(raw, dict):
        _malformed(r, msg, pointer, f"x-response of message {msg.key!r} is not a mapping")
        return None
    if "oneOf" in raw:
        branches = raw["oneOf"]
        if not isinstance(branches, list) or not branches:
            _malformed(r, msg, join_pointer(pointer, "oneOf"), f"x-response of message {msg.key!r} has a `oneOf` "
                       "that is not a list of messages")
            return None
        where = join_pointer(pointer, "oneOf")
        return [(b, join_pointer(where, i)) for i, b in enumerate(branches)]
    return [(raw, pointer)]


def _reply(r: Reader, msg: Message, value: Any, pointer: str, fallback: str) -> Message | None:
    """The reply message ``value``: a reference to a message or a message written in place
    (named ``fallback`` unless it names itself); None when it is not a mapping (``NOVA126``),
    a reference to nothing (``NOVA010``, from the resolver) or to something that is not a
    message (``NOVA126``)."""
    if not isinstance(value, dict):
        _malformed(r, msg, pointer, f"x-response of message {msg.key!r} lists a reply that is not a message")
        return None
    if "$ref" in value:
        failures = r.refs.failures
        target, _, tptr = r.follow(value, msg.doc, pointer)
        if r.refs.failures > failures:
            return None
        if not isinstance(target, dict) or not _is_message(tptr):
            _malformed(
                r, msg, join_pointer(pointer, "$ref"), f"x-response of message {msg.key!r} names {value['$ref']!r}, "
                "which is not a message",
            )
            return None
    return r.message(value, msg.doc, pointer, fallback)


def _is_message(pointer: str) -> bool:
    """Whether ``pointer`` is where 2.x keeps a message: ``components/messages/<key>``, an
    operation's ``message``, or one of its ``oneOf``."""
    tokens = compile_pointer(pointer) if pointer.startswith("/") else ()
    return bool(tokens) and (
        (len(tokens) >= 2 and tokens[-2] == "messages")
        or tokens[-1] == "message"
        or (len(tokens) >= 3 and tokens[-3:-1] == ("message", "oneOf"))
    )


def _malformed(r: Reader, msg: Message, pointer: str, text: str) -> None:
    r.diagnostics.error(
        "NOVA126",
        text,
        msg.doc.source.position(pointer),
        hint="Ballerina's form: `x-response: {$ref: '#/components/messages/<reply>'}` (or `oneOf` a list of "
        "them) and `x-response-type: simple-rpc` (one reply) or `server-streaming`",
    )


def _correlate(r: Reader, msg: Message, replies: list[Message]) -> None:
    """``msg.correlation`` from the root ``x-dispatcherStreamId`` when the request and all its
    replies declare that payload property and the request has no ``correlationId`` of its own."""
    key = r.doc.data.get("x-dispatcherStreamId")
    if not isinstance(key, str) or not key or "correlationId" in msg.value:
        return
    if all(_declares(r, m, key) for m in [msg, *replies]):
        msg.correlation = "$message.payload#" + join_pointer("", key)


def _declares(r: Reader, msg: Message, name: str) -> bool:
    """Whether every payload of ``msg`` has the property ``name``: in its ``properties``, in
    one of its ``allOf``, or in every branch of its ``oneOf``/``anyOf`` (``$ref``s followed;
    each schema read once, so a cycle ends)."""
    known: dict[tuple[str, str], bool] = {}

    def walk(value: Any, doc: Document, pointer: str) -> bool:
        value, doc, pointer = r.follow(value, doc, pointer)
        where = (str(doc.path), pointer)
        if where not in known:
            known[where] = False  # while it is read: a schema inside itself adds nothing
            known[where] = isinstance(value, dict) and declared(value, doc, pointer)
        return known[where]

    def declared(value: dict[str, Any], doc: Document, pointer: str) -> bool:
        properties = value.get("properties")
        if isinstance(properties, dict) and name in properties:
            return True
        members = value.get("allOf")
        if isinstance(members, list) and any(
            walk(m, doc, join_pointer(join_pointer(pointer, "allOf"), i)) for i, m in enumerate(members)
        ):
            return True
        for key in ("oneOf", "anyOf"):
            branches = value.get(key)
            if isinstance(branches, list) and branches and all(
                walk(b, doc, join_pointer(join_pointer(pointer, key), i)) for i, b in enumerate(branches)
            ):
                return True
        return False

    return walk(msg.value.get("payload"), msg.doc, join_pointer(msg.pointer, "payload"))


def same_messages(operations: list[Operation]) -> None:
    """A reply written in place in ``x-response`` that repeats a message the channel's
    operation of the other direction lists (annotations aside: :func:`_essence`) is that message: one event and one
    model, not two alike. Ballerina writes a reply of a built-in type (``payload: {type:
    integer}``) so, in the message's ``x-response`` and again in the channel's ``subscribe``."""
    for op in operations:
        others = [
            m for other in operations if other.channel is op.channel and other.action != op.action
            for m in other.messages
        ]
        for n, reply in enumerate(op.reply or ()):
            if "/x-response" in reply.pointer and op.reply is not None:
                op.reply[n] = next((m for m in others if _essence(m.value) == _essence(reply.value)), reply)


def _essence(value: dict[str, Any]) -> dict[str, Any]:
    """A message without what only annotates it (``description``, ``summary``, ``x-...``:
    Ballerina adds ``x-required`` to the reply)."""
    return {k: v for k, v in value.items() if k not in ("description", "summary") and not k.startswith("x-")}
