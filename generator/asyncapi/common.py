"""Helpers shared by the 2.x and 3.x readers."""

from __future__ import annotations

from typing import Any

from nova_runtime.pointer import compile_pointer, join_pointer, unescape_token

from ..diagnostics import Diagnostics
from ..loader.refs import RefResolver
from ..loader.source import Document
from ..naming import snake_case
from .model import Message, Parsed
from .traits import apply_traits


class Reader:
    def __init__(self, doc: Document, refs: RefResolver, diagnostics: Diagnostics, major: int) -> None:
        self.doc = doc
        self.refs = refs
        self.diagnostics = diagnostics
        self.major = major

    def follow(self, value: Any, doc: Document, pointer: str) -> tuple[Any, Document, str]:
        return self.refs.follow(value, doc, pointer)

    def traits(self, value: dict[str, Any], doc: Document, pointer: str) -> dict[str, Any]:
        raw = value.get("traits")
        if not isinstance(raw, list):
            return value
        resolved = []
        for i, trait in enumerate(raw):
            target, _, _ = self.follow(trait, doc, join_pointer(join_pointer(pointer, "traits"), i))
            if isinstance(target, dict):
                resolved.append(target)
        return apply_traits(value, resolved, self.major)

    def message(self, value: Any, doc: Document, pointer: str, fallback: str) -> Message | None:
        ref = value.get("$ref") if isinstance(value, dict) else None
        if isinstance(ref, str) and "/messages/" in ref:
            # `#/channels/room/messages/hello` names the message `hello`, wherever it lives.
            fallback = unescape_token(ref.rsplit("/", 1)[-1])
        elif (name := _message_member(pointer)) is not None:
            fallback = name
        failures = self.refs.failures
        target, mdoc, mptr = self.follow(value, doc, pointer)
        if self.refs.failures > failures:
            return None  # its $ref was reported; an empty message would only add follow-on warnings
        if not isinstance(target, dict):
            self.diagnostics.error(
                "NOVA102",
                "a message must be a mapping",
                doc.source.position(pointer),
                hint="see the Message Object of the AsyncAPI specification",
            )
            return None
        merged = self.traits(target, mdoc, mptr)
        return Message(message_key(merged, mptr, fallback, self.major), merged, mdoc, mptr)


def message_key(value: dict[str, Any], pointer: str, fallback: str, major: int) -> str:
    return own_name(value, pointer, major) or fallback


def own_name(value: dict[str, Any], pointer: str, major: int) -> str | None:
    """The name the document gives a message: ``name``, else 2.x ``messageId``, else its key
    under ``messages``, else ``title``; None when it gives none."""
    for field in ("name",) + (("messageId",) if major == 2 else ()):
        if isinstance(value.get(field), str) and value[field]:
            return str(value[field])
    if (name := _message_member(pointer)) is not None:
        return name
    if isinstance(value.get("title"), str) and value["title"]:
        return str(value["title"])
    return None


def _message_member(pointer: str) -> str | None:
    """The member name when the JSON Pointer ``pointer`` ends in ``/messages/<name>``."""
    tokens = compile_pointer(pointer) if pointer.startswith("/") else ()
    return tokens[-1] if len(tokens) >= 2 and tokens[-2] == "messages" else None


def distinct_keys(parsed: Parsed) -> None:
    """Give different messages different keys, which name their methods, hooks and classes.

    Keys are unique within a channel only: an exchange document declares an ``ErrorResponse``
    message in each of its channels (52 of them), and a key shared by different messages (by identity,
    compared as Python names) would define one Python name many times. Each of those messages
    takes as a prefix its channel's key (``Positions_ErrorResponse``, the method
    ``positions_error_response``), else its operation's key, the first that leaves no two
    alike; keys that only case tells apart in one channel and operation (``ErrorResponse``,
    ``error_response``) keep the channel's prefix and are numbered in document order
    (``Positions_error_response_2``). A message reached by several references keeps one key."""
    uses: dict[tuple[str, str], list[tuple[Message, tuple[str, str]]]] = {}
    for op in parsed.operations:
        for msg in [*op.messages, *(op.reply or ())]:
            uses.setdefault(msg.identity, []).append((msg, (op.channel.key, op.key)))
    groups: dict[str, list[tuple[str, str]]] = {}
    for identity, found in uses.items():
        groups.setdefault(snake_case(found[0][0].key), []).append(identity)
    taken = set(groups)
    for identities in groups.values():
        if len(identities) < 2:
            continue
        keys = _prefixed(identities, uses, 0)  # the channel's key, kept when nothing else serves
        for level in (0, 1):
            candidate = _prefixed(identities, uses, level)
            names = {snake_case(k) for k in candidate}
            if len(names) == len(candidate) and not taken & names:
                keys = candidate
                break
        for n, base in enumerate(keys):
            key, number = base, 1
            while snake_case(key) in taken:
                number += 1
                key = f"{base}_{number}"
            keys[n] = key
            taken.add(snake_case(key))
        for identity, key in zip(identities, keys, strict=True):
            for msg, _ in uses[identity]:
                msg.key = key


def _prefixed(
    identities: list[tuple[str, str]], uses: dict[tuple[str, str], list[tuple[Message, tuple[str, str]]]], level: int
) -> list[str]:
    """The keys of the messages ``identities``, each prefixed with its first use's channel key
    (``level`` 0) or operation key (1)."""
    return [f"{uses[i][0][1][level]}_{uses[i][0][0].key}" for i in identities]
