"""Helpers shared by the 2.x and 3.x readers."""

from __future__ import annotations

from typing import Any

from nova_runtime.pointer import compile_pointer, join_pointer, unescape_token

from ..diagnostics import Diagnostics
from ..loader.refs import RefResolver
from ..loader.source import Document
from .model import Message
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
