"""What an AsyncAPI message says: its payload schema, frame kind, shape, examples and
correlation id, read for the parts of the normalizer (:mod:`.incoming`, :mod:`.outgoing`,
:mod:`.normalize`) that turn messages into events and requests.

:class:`MessageReader` holds what they share: the document, its ``$ref`` resolver, the
diagnostics, the perspective and the overlay.
"""

from __future__ import annotations

from typing import Any

from nova_runtime import protocol as p
from nova_runtime.pointer import MISSING, compile_pointer, getter, join_pointer

from .. import ir
from ..diagnostics import Diagnostics
from ..loader.refs import RefResolver
from ..loader.source import Document
from ..naming import pascal_case
from ..nova.common import match_from
from .dispatch import Shape, ShapeReader
from .model import Message, Operation
from .overlay import Overlay, read_overlay
from .perspective import Perspective
from .validate import sequence

JSON_FORMATS = (
    "application/vnd.aai.asyncapi",
    "application/schema+json",
    "application/schema+yaml",
)
"""``schemaFormat`` prefixes of payloads that are JSON Schema (the AsyncAPI Schema Object)."""
BINARY_CONTENT = ("application/octet-stream", "application/x-binary")


class MessageReader:
    """Reads messages of one AsyncAPI document (``major``: 2 or 3) for one perspective."""

    def __init__(
        self,
        doc: Document,
        diagnostics: Diagnostics,
        major: int,
        perspective: Perspective,
        refs: RefResolver | None = None,
    ) -> None:
        self.doc = doc
        self.data: dict[str, Any] = doc.data
        self.diagnostics = diagnostics
        self.major = major
        self.perspective = perspective
        self.refs = refs or RefResolver(doc, diagnostics)
        self.shapes = ShapeReader(self.refs)
        self.overlay: Overlay = read_overlay(doc, diagnostics)
        self.own_payloads: set[str] = set()
        """Named schemas that are a message's inline payload (no other message has them)."""
        self.pins: list[tuple[Message, ir.JsonSchema, p.Match]] = []
        """Incoming messages whose recognition a human wrote, with their payload schema:
        :func:`.pins.apply` makes the models accept what that recognition requires."""
        self._framing: dict[str, tuple[Message, list[Message]]] = {}
        """Request name -> its message and reply messages, to frame them again under an
        overlay's envelope (:meth:`framed`)."""

    # -- helpers ---------------------------------------------------------------------

    def location(self, doc: Document, pointer: str) -> ir.Location:
        position = doc.source.position(pointer, key=True)
        return ir.Location(position.file, position.line, position.column)

    def client_sends(self, op: Operation) -> bool:
        """Whether the client sends this operation's messages (else it receives them)."""
        if self.perspective == "server":
            return op.action == "receive"
        return op.action == "send"

    def payload(self, msg: Message) -> tuple[Any, str] | None:
        """The payload schema of ``msg`` and its pointer, or None (reported) for non-JSON formats."""
        value = msg.value.get("payload")
        pointer = join_pointer(msg.pointer, "payload")
        fmt = msg.value.get("schemaFormat")
        if isinstance(value, dict) and "schemaFormat" in value and "schema" in value and self.major >= 3:
            fmt = value["schemaFormat"]
            value, pointer = value["schema"], join_pointer(pointer, "schema")
        if isinstance(fmt, str) and not fmt.startswith(JSON_FORMATS):
            self.diagnostics.error(
                "NOVA112",
                f"message {msg.key!r} has schemaFormat {fmt!r}, which nova-gen cannot read",
                msg.doc.source.position(join_pointer(msg.pointer, "schemaFormat")),
                hint="payloads must be JSON Schema (the AsyncAPI Schema Object); convert this one",
            )
            return None
        return value, pointer

    def message_schema(self, msg: Message) -> ir.JsonSchema:
        found = self.payload(msg)
        if found is None:
            return {}
        value, pointer = found
        if value is None:
            return {}
        if isinstance(value, dict) and "$ref" not in value and (
            "properties" in value
            or value.get("type") in ("object", "array")
            or any(k in value for k in ("oneOf", "anyOf", "allOf"))
        ):
            # A reserved class name is suffixed by the planner, like every other name.
            name = self.refs.name_target(msg.doc, pointer, pascal_case(msg.key))
            if name:
                self.own_payloads.add(name)
            return {"$ref": f"#/$defs/{name}"} if name else {}
        rewritten = self.refs.rewrite(value, msg.doc, pointer)
        return rewritten if isinstance(rewritten, dict) else {}

    def frame_kind(self, msg: Message) -> ir.FrameKind:
        """How ``msg`` travels: ``binary`` for ``contentType: application/octet-stream`` or a
        ``format: binary`` string, ``text`` for any other ``type: string`` payload (a text
        frame as it is, as echo servers send; unless the message's own ``contentType`` says
        JSON), else ``json``."""
        content = msg.value.get("contentType")
        media = content.split(";")[0].strip().lower() if isinstance(content, str) else ""
        if media in BINARY_CONTENT:
            return "binary"
        found = self.payload(msg)
        value = self.refs.follow(found[0], msg.doc, found[1])[0] if found is not None else None
        if not isinstance(value, dict) or value.get("type") != "string":
            return "json"
        if value.get("format") == "binary" or value.get("contentEncoding") == "binary":
            return "binary"
        return "json" if media.endswith(("/json", "+json")) else "text"

    def shape(self, msg: Message) -> Shape:
        found = self.payload(msg)
        if found is None or found[0] is None:
            return Shape()
        return self.shapes.shape(found[0], msg.doc, found[1])

    def when(self, msg: Message, shape: Shape) -> p.Match:
        return self.override(msg) or shape.match()

    def override(self, msg: Message) -> p.Match | None:
        """How a human said ``msg`` is recognised: the overlay's ``messages.<key>.when``, else
        the message's ``x-nova-when``; None when neither says."""
        overrides = self.overlay.data.get("messages") or {}
        if msg.key in overrides:
            return match_from(overrides[msg.key]["when"])
        custom = msg.value.get("x-nova-when")
        return match_from(custom) if isinstance(custom, dict) else None

    def examples(self, msg: Message) -> list[Any]:
        """The message's example payloads: its ``examples[].payload``, else the payload
        schema's own ``examples`` (JSON Schema) or ``example`` (OpenAPI style)."""
        out = []
        for ex in sequence(msg.value.get("examples"), msg.doc, join_pointer(msg.pointer, "examples"), self.diagnostics):
            if isinstance(ex, dict) and "payload" in ex:
                out.append(ex["payload"])
        return out or self.payload_examples(msg)

    def payload_examples(self, msg: Message) -> list[Any]:
        value = msg.value.get("payload")
        pointer = join_pointer(msg.pointer, "payload")
        if isinstance(value, dict) and "schemaFormat" in value and "schema" in value and self.major >= 3:
            value, pointer = value["schema"], join_pointer(pointer, "schema")
        if not isinstance(value, dict):
            return []
        value, _, _ = self.refs.follow(value, msg.doc, pointer)
        if not isinstance(value, dict):
            return []
        if isinstance(value.get("examples"), list):
            return list(value["examples"])
        return [value["example"]] if "example" in value else []

    def example_at(self, msg: Message, pointer: str) -> Any:
        """The value at ``pointer`` of the message's first example payload (``{}`` if none)."""
        own = self.examples(msg)
        found = getter(pointer)(own[0]) if own else MISSING
        return {} if found is MISSING else found

    def sub_schema(self, msg: Message, pointer: str) -> tuple[Any, Document, str] | None:
        """The schema of the payload field at ``pointer`` (``/params``) as written (a ``$ref``
        stays one), with its document and pointer; None when the payload has no such property."""
        found = self.payload(msg)
        if found is None or found[0] is None:
            return None
        raw, doc, where = found[0], msg.doc, found[1]
        try:
            tokens = compile_pointer(pointer)
        except ValueError:  # not a pointer: no such property
            return None
        for token in tokens:
            value, doc, where = self.refs.follow(raw, doc, where)
            props = value.get("properties") if isinstance(value, dict) else None
            if not isinstance(props, dict) or token not in props:
                return None
            raw, where = props[token], join_pointer(join_pointer(where, "properties"), token)
        return raw, doc, where

    def _correlation_id(self, msg: Message) -> tuple[Any, Document, str] | None:
        """The ``location`` of the message's ``correlationId`` as written (any value), with
        the document and pointer of the Correlation ID Object; else the location the document
        gives elsewhere (:attr:`.model.Message.correlation`), at the message; None without one."""
        raw = msg.value.get("correlationId")
        if raw is None:
            return (msg.correlation, msg.doc, msg.pointer) if msg.correlation is not None else None
        value, cdoc, cptr = self.refs.follow(raw, msg.doc, join_pointer(msg.pointer, "correlationId"))
        return (value.get("location") if isinstance(value, dict) else None), cdoc, cptr

    def correlation_location(self, msg: Message) -> str | None:
        """The ``location`` of the message's ``correlationId``, as written; None without one."""
        found = self._correlation_id(msg)
        return found[0] if found is not None and isinstance(found[0], str) else None

    def correlation(self, msg: Message) -> str | None:
        """The JSON Pointer into the payload that the ``correlationId`` names
        (``$message.payload#/id`` -> ``/id``); None without one, or NOVA109 for another kind
        of location (a WebSocket frame has no headers)."""
        found = self._correlation_id(msg)
        if found is None:
            return None
        location, cdoc, cptr = found
        if isinstance(location, str) and location.startswith("$message.payload#"):
            pointer = location.split("#", 1)[1]
            if pointer.startswith("/") or pointer == "":
                return pointer
        self.diagnostics.error(
            "NOVA109",
            f"correlationId of message {msg.key!r} is {location!r}; nova-gen correlates only on a payload "
            "field (`$message.payload#/field`)",
            cdoc.source.position(join_pointer(cptr, "location")),
            hint="a WebSocket frame has no headers: put the id in the payload",
        )
        return None
