"""Whose side an AsyncAPI document is written from, and what that makes of its operations.

An AsyncAPI document describes one application: ``send`` is what *it* sends. Most public
WebSocket documents describe the server, so nova-gen reads them from the server's side by
default (``--perspective server``): the server's ``send`` is what the client receives. A
document that describes the client reads the other way round, and read the wrong way it
gives a client with every direction reversed. Nothing in AsyncAPI says which application a
document describes, so :func:`check` looks for clues (documented in docs/asyncapi.md) and
warns with ``NOVA095`` when the clues for the other side outnumber those for the chosen one:

- the title names the other side as a word (``Slack Websocket API Client``, ``Echo Server``);
- read this way, the client would receive nothing at all;
- read this way, the client would *receive* more messages or operations whose names are a
  client's requests (``subscribe``, ``unsubscribe``, ``login``, ``auth``, ``request``...) than
  it sends; more on the client's sending side count for the chosen side (a majority, as APIs
  send a few requests of their own: deepgram's ``FunctionCallRequest``);
- read this way, the client would *send* more answers to such requests (a name with a request
  word and an answer word: ``subscribeResponse``, ``Login Reply``, ``authAck``), which a server
  sends, than it receives; more received count for the chosen side (an answer's name is never
  counted as a request);
- messages whose title or summary names their sender (``Client message to update ...``,
  ``Server message confirming ...``, ``sent by the server``, ``sent to Server``): more of
  them say the other side sends what the client would send (or receives what it would
  receive) than agree.

:func:`answers` turns the replies the client owes the server (a ``receive`` operation with a
``reply``, under the chosen perspective: Slack's ``acknowledge`` of an event) into one-way
sends: the client gets a typed method for each reply message and calls it from the hook.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Literal

from ..diagnostics import Diagnostics
from ..loader.source import Document
from ..naming import snake_case
from .model import Operation

Perspective = Literal["server", "client"]

CLIENT_REQUEST_WORDS = frozenset(
    {"subscribe", "unsubscribe", "login", "logon", "logout", "auth", "authenticate", "authorize", "request"}
)
"""Words of a message or operation name that a client's request carries (``request`` too:
an API's own requests to the client, such as deepgram's ``FunctionCallRequest``, are few
beside the client's, which is why the clue counts a majority)."""

ANSWER_WORDS = frozenset({"response", "reply", "ack", "acknowledgement", "result", "confirmation"})
"""Words that make a name with a request word the server's answer to it (``subscribeResponse``)."""


def _words(text: str) -> set[str]:
    """The lowercase words of a name: ``receiveSubscribeRequest`` -> receive, subscribe, request."""
    return {w for w in snake_case(text).split("_") if w}


def _title_side(title: str) -> Perspective | None:
    words = {w.lower() for w in re.split(r"[^0-9A-Za-z]+", title) if w}
    if "client" in words and "server" not in words:
        return "client"
    if "server" in words and "client" not in words:
        return "server"
    return None


def _names(op: Operation, *, replies: bool) -> list[str]:
    """The names an author chose for ``op`` (or its reply) and its messages. Left out: the
    names nova-gen makes up for 2.x operations without ``operationId`` (``subscribe_/``),
    and the messages of an operation that lists none (it has all of its channel's, so they
    say nothing of the direction)."""
    # A 2.x reply may be a message of the channel's other operation, named after that one.
    synthetic = tuple(f"{verb}_{op.channel.address}" for verb in ("subscribe", "publish"))
    names: list[str] = []
    if not replies:
        names.append(op.key)
        if "messages" not in op.value and "message" not in op.value:
            return [n for n in names if not n.startswith(synthetic)]
    for msg in (op.reply or []) if replies else op.messages:
        names += [msg.key, str(msg.value.get("title", "") or "")]
    return [n for n in names if n and not n.startswith(synthetic)]


def _requests(ops: list[Operation], *, replies: bool, answers: bool = False) -> list[str]:
    """Names among ``ops`` that read as client requests (``subscribe``, ``login``...), or with
    ``answers`` as the server's answers to them (``subscribeResponse``)."""
    found: list[str] = []
    for op in ops:
        for name in _names(op, replies=replies):
            words = _words(name)
            if words & CLIENT_REQUEST_WORDS and bool(words & ANSWER_WORDS) == answers and name not in found:
                found.append(name)
    return found


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def _shown(names: list[str]) -> str:
    return ", ".join(repr(n) for n in names[:4]) + (", ..." if len(names) > 4 else "")


_SENDER = (
    (re.compile(r"^(client|server)\b"), False),  # "Client message to ...", "Server sends ..."
    (re.compile(r"\b(?:from|by) (?:the )?(client|server)\b(?!')"), False),  # "sent by the server"
    (re.compile(r"\bsent to (?:the )?(client|server)\b"), True),  # "response sent to Server"
)
"""Phrases of a message's title or summary that name its sender (or, ``True``, its receiver)."""


def _sender(msg_value: dict[str, object]) -> Perspective | None:
    """The side a message's ``title`` and ``summary`` name as its sender, if exactly one:
    ``Client message to ...`` and ``Acknowledgement sent to Server`` are the client's."""
    sides: set[Perspective] = set()
    for key in ("title", "summary"):
        text = str(msg_value.get(key) or "").strip().lower()
        for pattern, receiver in _SENDER:
            for side in pattern.findall(text):
                sides.add(("server" if side == "client" else "client") if receiver else side)
    return sides.pop() if len(sides) == 1 else None


def _senders(sends: list[Operation], receives: list[Operation]) -> tuple[int, list[str]]:
    """How many messages' own words agree with reading the document the chosen way (what
    the client sends is the client's, what it receives the server's), and the titles or
    summaries of those that disagree."""
    agree, disagree = 0, []
    for ops, side, replies in ((sends, "client", False), (receives, "server", False),
                               (sends, "server", True), (receives, "client", True)):
        for op in ops:
            for msg in (op.reply or []) if replies else op.messages:
                sender = _sender(msg.value)
                if sender == side:
                    agree += 1
                elif sender is not None:
                    disagree.append(str(msg.value.get("summary") or msg.value.get("title")))
    return agree, disagree


def check(
    doc: Document,
    diagnostics: Diagnostics,
    perspective: Perspective,
    sends: list[Operation],
    receives: list[Operation],
) -> None:
    """Warn (``NOVA095``) when the document looks written from the other side."""
    other: Perspective = "client" if perspective == "server" else "server"
    info = doc.data.get("info") if isinstance(doc.data, dict) else None
    title = str(info.get("title", "")) if isinstance(info, dict) else ""
    against: list[str] = []
    support = 0
    side = _title_side(title)
    if side == other:
        against.append(f"its title {title!r} names the {other}")
    elif side == perspective:
        support += 1
    incoming = sum(len(op.messages) for op in receives) + sum(len(op.reply or ()) for op in sends)
    if sends and not incoming:
        against.append("the client would receive nothing")
    # A name counts once: a 2.x reply is often listed among the received messages too.
    received = _unique(_requests(receives, replies=False) + _requests(sends, replies=True))
    sent = _unique(_requests(sends, replies=False) + _requests(receives, replies=True))
    if len(received) > len(sent):
        against.append(f"the client would receive {_shown(received)}, which a client sends")
    support += len(sent) > len(received)
    answered = _unique(
        _requests(receives, replies=False, answers=True) + _requests(sends, replies=True, answers=True)
    )
    answering = _unique(
        _requests(sends, replies=False, answers=True) + _requests(receives, replies=True, answers=True)
    )
    if len(answering) > len(answered):
        against.append(f"the client would send {_shown(answering)}, which a server sends")
    support += len(answered) > len(answering)
    agree, disagree = _senders(sends, receives)
    if len(disagree) > agree:
        against.append(
            f"{len(disagree)} of its messages name as their sender the side that would receive them "
            f"(such as {disagree[0][:60]!r})"
        )
    support += agree > len(disagree)
    if not against or len(against) <= support:
        return
    diagnostics.warning(
        "NOVA095",
        f"read from the {perspective}'s side, this document looks written from the {other}'s side: "
        + "; ".join(against),
        doc.source.position("/info/title" if side == other else "/asyncapi"),
        hint=f"generate with --perspective {other} (or `perspective = \"{other}\"` in [tool.nova-gen]); "
        "the same option applies to `nova-gen validate` and `nova-gen serve`",
    )


def answers(receives: list[Operation], diagnostics: Diagnostics) -> list[Operation]:
    """One-way sends for the replies the client owes the server: each ``receive`` operation
    (under the chosen perspective) with a ``reply`` gives an operation that sends the reply
    messages, with no reply of its own; ``NOVA103`` says the client must call them."""
    out: list[Operation] = []
    for op in receives:
        if not op.reply:
            continue
        names = ", ".join(f"{snake_case(m.key)}()" for m in op.reply)
        asked = ", ".join(repr(m.key) for m in op.messages) or "its messages"
        diagnostics.warning(
            "NOVA103",
            f"operation {op.key!r} expects the client to answer {asked}; the client does not answer "
            f"by itself: it gets {names} to call from the hook",
            (op.reply_doc or op.doc).source.position(op.reply_pointer or op.pointer, key=True),
            hint="if the document describes the other side, generate with the other --perspective",
        )
        out.append(replace(op, messages=list(op.reply), reply=None))
    return out
