"""AsyncAPI 2.0-2.6: channels keyed by address, each with ``publish``/``subscribe``; a
message's reply from Ballerina's ``x-response`` (:mod:`.responses`)."""

from __future__ import annotations

from typing import Any

from nova_runtime.pointer import join_pointer

from .common import Reader
from .model import Action, Channel, Operation, Parsed
from .pairs import split
from .responses import replies_of, same_messages

ACTIONS: dict[str, Action] = {"publish": "receive", "subscribe": "send"}
"""2.x verbs, as the converter maps them: ``publish`` is what the application receives."""


def read(r: Reader) -> Parsed:
    out = Parsed()
    channels = r.doc.data.get("channels") or {}
    for address, item in channels.items():
        base = join_pointer("/channels", address)
        value, cdoc, cptr = r.follow(item, r.doc, base)
        if not isinstance(value, dict):
            continue
        channel = Channel(str(address), str(address), value, cdoc, cptr)
        out.channels.append(channel)
        for verb, action in ACTIONS.items():
            op = value.get(verb)
            if not isinstance(op, dict):
                continue
            optr = join_pointer(cptr, verb)
            op = r.traits(op, cdoc, optr)
            key = str(op.get("operationId") or f"{verb}_{address}")
            messages = []
            raw: Any = op.get("message")
            target, mdoc, mptr = r.follow(raw, cdoc, join_pointer(optr, "message"))
            if isinstance(target, dict) and isinstance(target.get("oneOf"), list):
                for i, m in enumerate(target["oneOf"]):
                    msg = r.message(m, mdoc, join_pointer(join_pointer(mptr, "oneOf"), i), f"{key}_{i + 1}")
                    if msg is not None:
                        messages.append(msg)
            elif raw is not None:
                msg = r.message(raw, cdoc, join_pointer(optr, "message"), key)
                if msg is not None:
                    messages.append(msg)
            operation = Operation(key, action, channel, messages, op, cdoc, optr)
            if verb == "publish":
                # A message the application receives with Ballerina's `x-response` is a request
                # of its own, with that reply (listed under `subscribe` too, it is only sent).
                out.operations.extend(split(operation, lambda msg: replies_of(r, msg)))
            else:
                out.operations.append(operation)
    same_messages(out.operations)
    return out
