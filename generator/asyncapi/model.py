"""The version-neutral shape both AsyncAPI versions are read into before the IR.

2.x ``publish``/``subscribe`` become 3.0-style ``receive``/``send`` *from the point of
view of the application the document describes* (the converter's rule: ``publish`` means
the application receives). The perspective setting later decides whether that
application is the server (the client does the opposite) or the client itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ..loader.source import Document

Action = Literal["send", "receive"]


@dataclass
class Message:
    key: str
    """Identifier: ``name``, else 2.x ``messageId``, else its key, else ``title``."""
    value: dict[str, Any]
    """The message object with its traits merged."""
    doc: Document
    pointer: str
    """Where the message object is (after following references): its identity."""
    correlation: str | None = None
    """A ``correlationId`` location (``$message.payload#/id``) the document gives outside the
    message's own ``correlationId``: Ballerina's root ``x-dispatcherStreamId``
    (:mod:`.responses`). The message's own ``correlationId`` wins."""

    @property
    def identity(self) -> tuple[str, str]:
        return (str(self.doc.path), self.pointer)


@dataclass
class Channel:
    key: str
    address: str | None
    value: dict[str, Any]
    doc: Document
    pointer: str


@dataclass
class Operation:
    key: str
    action: Action
    channel: Channel
    messages: list[Message]
    value: dict[str, Any]
    doc: Document
    pointer: str
    reply: list[Message] | None = None
    """Messages of the 3.0 ``reply`` (2.x: of a message's ``x-response``, :mod:`.responses`, or
    those sharing its ``correlationId``, :mod:`.pairs`); None without a reply."""
    reply_pointer: str = ""
    reply_doc: Document | None = None
    """The document of ``reply_pointer`` when it is not ``doc`` (a message in another file)."""
    shared: bool = False
    """Split from an operation that lists other messages too (:func:`.pairs.split`): the
    operation's summary and description describe none of them alone."""


@dataclass
class Parsed:
    operations: list[Operation] = field(default_factory=list)
    channels: list[Channel] = field(default_factory=list)
