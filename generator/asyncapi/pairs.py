"""AsyncAPI 2.x request/reply: a message the client sends and the messages it receives that
share its ``correlationId`` location.

AsyncAPI 2.x has no ``reply``; its documents say that a message answers another by giving
both the same ``correlationId`` (``$message.payload#/id`` on the request and on the
response), the "message tracing or matching" the 2.x specification names it for. Read that
way, each message the client sends with a payload correlation id is a request whose replies
are the received messages correlated at the same place: the generated method returns the
typed reply, the local server answers with it, and such a reply is never sent unasked.
3.x documents say it with ``reply`` and are left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from .model import Message, Operation

Location = Callable[[Message], str | None]
"""A message's ``correlationId`` location (``$message.payload#/id``), or None."""


def pair_by_correlation(
    sends: list[Operation], receives: list[Operation], location: Location
) -> tuple[list[Operation], set[tuple[str, str]]]:
    """``sends`` with each correlated message split into an operation of its own whose
    ``reply`` is the received messages correlated at the same location; and the identities
    of the received messages that became replies."""
    by_location: dict[str, list[Message]] = {}
    for op in receives:
        for msg in op.messages:
            where = location(msg)
            if where is not None and where.startswith("$message.payload#"):
                found = by_location.setdefault(where, [])
                if all(m.identity != msg.identity for m in found):
                    found.append(msg)
    out: list[Operation] = []
    replies: set[tuple[str, str]] = set()
    for op in sends:
        if op.reply is not None:
            out.append(op)
            continue
        plain = []
        for msg in op.messages:
            where = location(msg)
            answers = by_location.get(where) if where is not None else None
            if answers:
                out.append(replace(op, messages=[msg], reply=list(answers)))
                replies.update(m.identity for m in answers)
            else:
                plain.append(msg)
        if plain or not op.messages:
            out.append(replace(op, messages=plain))
    return out, replies
