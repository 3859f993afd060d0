"""AsyncAPI 2.x request/reply: a message the client sends and the messages it receives that
share its ``correlationId`` location.

AsyncAPI 2.x has no ``reply``; its documents say that a message answers another by giving
both the same ``correlationId`` (``$message.payload#/id`` on the request and on the
response), the "message tracing or matching" the 2.x specification names it for. Read that
way, each message the client sends with a payload correlation id is a request whose replies
are the received messages correlated at the same place: the generated method returns the
typed reply, the local server answers with it, and such a reply is never sent unasked.
3.x documents say it with ``reply`` and are left alone, and so are 2.x messages whose reply
Ballerina's ``x-response`` gives (:mod:`.responses`, which splits operations with :func:`split`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ..loader.source import Document
from .model import Message, Operation

Location = Callable[[Message], str | None]
"""A message's ``correlationId`` location (``$message.payload#/id``), or None."""


Replies = Callable[[Message], tuple[list[Message], Document | None, str] | None]
"""A message's reply messages, with the document and pointer that declare them; None without."""


def split(op: Operation, replies_of: Replies) -> list[Operation]:
    """``op`` with each message that has replies (``replies_of``) in an operation of its own
    whose ``reply`` they are; the other messages stay together in ``op`` (kept also when it
    lists none). An operation that already has a ``reply`` is left as it is."""
    if op.reply is not None:
        return [op]
    out: list[Operation] = []
    plain = []
    for msg in op.messages:
        found = replies_of(msg)
        if found is not None:
            answers, doc, pointer = found
            out.append(replace(
                op, messages=[msg], reply=answers, reply_doc=doc, reply_pointer=pointer, shared=len(op.messages) > 1
            ))
        else:
            plain.append(msg)
    if plain or not op.messages:
        out.append(replace(op, messages=plain, shared=op.shared or len(plain) < len(op.messages)))
    return out


def pair_by_correlation(sends: list[Operation], receives: list[Operation], location: Location) -> list[Operation]:
    """``sends`` with each correlated message split into an operation of its own whose
    ``reply`` is the received messages correlated at the same location."""
    by_location: dict[str, list[Message]] = {}
    for op in receives:
        for msg in op.messages:
            where = location(msg)
            if where is not None and where.startswith("$message.payload#"):
                found = by_location.setdefault(where, [])
                if all(m.identity != msg.identity for m in found):
                    found.append(msg)

    def answers(msg: Message) -> tuple[list[Message], Document | None, str] | None:
        where = location(msg)
        found = by_location.get(where) if where is not None else None
        return (list(found), None, "") if found else None

    return [part for op in sends for part in split(op, answers)]
