"""AsyncAPI 3.x: channels with ``address`` and ``messages``; operations with ``action``,
``channel``, ``messages`` and ``reply``."""

from __future__ import annotations

from typing import Any

from nova_runtime.pointer import join_pointer, unescape_token

from ..loader.source import Document
from .common import Reader
from .model import Channel, Message, Operation, Parsed


def read(r: Reader) -> Parsed:
    out = Parsed()
    by_pointer: dict[tuple[str, str], Channel] = {}

    def channel_at(value: Any, doc: Document, pointer: str) -> Channel | None:
        target, cdoc, cptr = r.follow(value, doc, pointer)
        if not isinstance(target, dict):
            return None
        key = (str(cdoc.path), cptr)
        if key not in by_pointer:
            address = target.get("address")
            name = unescape_token(cptr.rsplit("/", 1)[-1]) if cptr else "channel"
            by_pointer[key] = Channel(name, address if isinstance(address, str) else None, target, cdoc, cptr)
            out.channels.append(by_pointer[key])
        return by_pointer[key]

    for name in r.doc.data.get("channels") or {}:
        channel_at(r.doc.data["channels"][name], r.doc, join_pointer("/channels", name))

    def messages_of(channel: Channel, listed: Any, doc: Document, pointer: str, prefix: str) -> list[Message]:
        found: list[Message] = []
        if isinstance(listed, list):
            for i, m in enumerate(listed):
                msg = r.message(m, doc, join_pointer(pointer, i), f"{prefix}_{i + 1}")
                if msg is not None:
                    found.append(msg)
            return found
        own = channel.value.get("messages") or {}
        for key, m in own.items():
            msg = r.message(m, channel.doc, join_pointer(join_pointer(channel.pointer, "messages"), key), key)
            if msg is not None:
                found.append(msg)
        return found

    for key, op in (r.doc.data.get("operations") or {}).items():
        base = join_pointer("/operations", key)
        op, odoc, optr = r.follow(op, r.doc, base)
        if not isinstance(op, dict):
            continue
        op = r.traits(op, odoc, optr)
        channel = channel_at(op.get("channel"), odoc, join_pointer(optr, "channel"))
        if channel is None:
            r.diagnostics.error(
                "NOVA113",
                f"operation {key!r} does not name a channel",
                odoc.source.position(join_pointer(optr, "channel")),
                hint="write `channel: {$ref: '#/channels/<name>'}`",
            )
            continue
        action = op.get("action")
        if action not in ("send", "receive"):
            r.diagnostics.error(
                "NOVA102",
                f"operation {key!r} has action {action!r}",
                odoc.source.position(join_pointer(optr, "action")),
                hint="action is `send` or `receive`",
            )
            continue
        messages = messages_of(channel, op.get("messages"), odoc, join_pointer(optr, "messages"), key)
        operation = Operation(str(key), action, channel, messages, op, odoc, optr)
        if "reply" in op:
            reply, rdoc, rptr = r.follow(op["reply"], odoc, join_pointer(optr, "reply"))
            if isinstance(reply, dict):
                rchannel = (
                    channel_at(reply["channel"], rdoc, join_pointer(rptr, "channel"))
                    if "channel" in reply
                    else channel
                )
                operation.reply = messages_of(
                    rchannel or channel, reply.get("messages"), rdoc, join_pointer(rptr, "messages"), f"{key}_reply"
                )
                operation.reply_pointer = rptr
        out.operations.append(operation)
    return out
