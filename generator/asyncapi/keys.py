"""Unknown keys in the AsyncAPI objects nova-gen reads, and a document that describes nothing.

The AsyncAPI JSON Schema allows only an object's fixed fields and ``x-`` extensions. A typo
(``chanels``, ``subscibe``, ``paylod``) would otherwise drop what it holds without a word,
so a key close to a fixed field is an error with "did you mean" (``NOVA118``). Vendors also
publish keys of their own or of the other major version (a 2.x ``schema`` in a 3.0
Parameter Object); those are warnings (``NOVA119``): nova-gen reads around them.

Every object is checked wherever it is written: the walk goes object by object as the
specification nests them, through each ``$ref`` into the file it names (split documents keep
channels, messages and components in other files) and into operation and message traits
(checked as written, before they are merged). Each object is checked once, at its own place
(``file:line:col`` of the file that holds it), however many references reach it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from nova_runtime.pointer import join_pointer

from ..argparsing import closest
from ..diagnostics import Diagnostics
from ..loader.refs import RefResolver
from ..loader.source import Document

_COMMON_3 = ("title", "summary", "description", "tags", "externalDocs", "bindings")

FIELDS: dict[str, dict[int, tuple[str, ...]]] = {
    "root": {
        2: ("asyncapi", "id", "info", "servers", "defaultContentType", "channels", "components", "tags",
            "externalDocs"),
        3: ("asyncapi", "id", "info", "servers", "defaultContentType", "channels", "operations", "components"),
    },
    "info": {
        2: ("title", "version", "description", "termsOfService", "contact", "license"),
        3: ("title", "version", "description", "termsOfService", "contact", "license", "tags", "externalDocs"),
    },
    "server": {
        2: ("url", "protocol", "protocolVersion", "description", "variables", "security", "bindings", "tags"),
        3: ("host", "protocol", "protocolVersion", "pathname", "variables", "security", *_COMMON_3),
    },
    "variable": {2: ("enum", "default", "description", "examples"), 3: ("enum", "default", "description", "examples")},
    "channel": {
        2: ("$ref", "description", "servers", "subscribe", "publish", "parameters", "bindings"),
        3: ("address", "messages", "servers", "parameters", *_COMMON_3),
    },
    "operation": {
        2: ("operationId", "summary", "description", "security", "tags", "externalDocs", "bindings", "traits",
            "message"),
        3: ("action", "channel", "security", "traits", "messages", "reply", *_COMMON_3),
    },
    "reply": {3: ("address", "channel", "messages")},
    "message": {
        2: ("messageId", "headers", "payload", "correlationId", "schemaFormat", "contentType", "name", "title",
            "summary", "description", "tags", "externalDocs", "bindings", "examples", "traits"),
        3: ("headers", "payload", "correlationId", "contentType", "name", "examples", "traits", *_COMMON_3),
    },
    "parameter": {2: ("description", "schema", "location"), 3: ("enum", "default", "description", "examples",
                                                                  "location")},
    "components": {
        2: ("schemas", "servers", "serverVariables", "channels", "messages", "securitySchemes", "parameters",
            "correlationIds", "operationTraits", "messageTraits", "serverBindings", "channelBindings",
            "operationBindings", "messageBindings"),
        3: ("schemas", "servers", "channels", "operations", "messages", "securitySchemes", "serverVariables",
            "parameters", "correlationIds", "replies", "replyAddresses", "externalDocs", "tags", "operationTraits",
            "messageTraits", "serverBindings", "channelBindings", "operationBindings", "messageBindings"),
    },
    "security-scheme": {
        2: ("type", "description", "name", "in", "scheme", "bearerFormat", "flows", "openIdConnectUrl"),
        3: ("type", "description", "name", "in", "scheme", "bearerFormat", "flows", "openIdConnectUrl", "scopes"),
    },
    "correlation-id": {2: ("description", "location"), 3: ("description", "location")},
    "operation-trait": {
        2: ("operationId", "summary", "description", "security", "tags", "externalDocs", "bindings"),
        3: ("title", "summary", "description", "security", "tags", "externalDocs", "bindings"),
    },
    "message-trait": {
        2: ("messageId", "headers", "correlationId", "schemaFormat", "contentType", "name", "title", "summary",
            "description", "tags", "externalDocs", "bindings", "examples"),
        3: ("headers", "correlationId", "contentType", "name", "examples", *_COMMON_3),
    },
    "example": {2: ("headers", "payload", "name", "summary"), 3: ("headers", "payload", "name", "summary")},
    "ws-channel": {2: ("method", "query", "headers", "bindingVersion"), 3: ("method", "query", "headers",
                                                                           "bindingVersion")},
}
"""The fixed fields of each object, by AsyncAPI major version (2.0-2.6, 3.0-3.1)."""

_MEMBERS = {"servers": "server", "channels": "channel", "operations": "operation", "messages": "message",
            "parameters": "parameter", "serverVariables": "variable", "replies": "reply",
            "securitySchemes": "security-scheme", "correlationIds": "correlation-id",
            "operationTraits": "operation-trait", "messageTraits": "message-trait"}
"""Component sections (and root sections) whose members are the named objects."""

_TRAITS = {"operation-trait": "operation", "message-trait": "message"}
"""The object each kind of trait is merged into."""

Place = tuple[Document, str]
"""A file and the JSON Pointer of an object or key in it."""


def check_keys(doc: Document, major: int, diagnostics: Diagnostics, refs: RefResolver) -> set[tuple[str, str]]:
    """``NOVA118`` (a typo of a fixed field, at each place) or ``NOVA119`` (a key nova-gen
    ignores, once per key and kind of object, at its first place) for every key of the
    document's objects, in whichever file they are, that is neither a fixed field nor an
    ``x-`` extension. ``refs`` follows the ``$ref`` objects (a :meth:`RefResolver.quiet` one:
    a broken reference is the reader's to report). Returns the (object pointer, fixed field)
    of each typo in the root document, so that the field is not also reported missing."""
    ignored: dict[tuple[str, str], list[Place]] = {}
    typos: set[tuple[str, str]] = set()
    for kind, value, where, pointer in _Walk(refs, major).document(doc):
        allowed = FIELDS[kind].get(major, ())
        for key in value:
            if not isinstance(key, str) or key in allowed or key.startswith("x-"):
                continue
            close = closest(key, list(allowed))
            if close:
                if where is doc:
                    typos.add((pointer, close))
                diagnostics.error(
                    "NOVA118",
                    f"unknown key {key!r} in {_NAMES[kind]}",
                    where.source.position(join_pointer(pointer, key), key=True),
                    hint=f"did you mean {close!r}?",
                )
            else:
                ignored.setdefault((kind, key), []).append((where, join_pointer(pointer, key)))
    for (kind, key), places in ignored.items():
        more = f" (here and in {len(places) - 1} more)" if len(places) > 1 else ""
        first, at = places[0]
        diagnostics.warning(
            "NOVA119",
            f"unknown key {key!r} in {_NAMES[kind]}{_why(kind, key, major)}{more}; {_fate(kind, key, major)}",
            first.source.position(at, key=True),
            hint="allowed here: " + ", ".join(FIELDS[kind].get(major, ())) + ", and `x-` extensions",
        )
    return typos


def _why(kind: str, key: str, major: int) -> str:
    """Where ``key`` belongs when it is a fixed field elsewhere: the other major version, or
    the object a trait is merged into (the AsyncAPI schema allows a trait only part of it)."""
    other = 3 if major == 2 else 2
    if key in FIELDS[kind].get(other, ()):
        return f" (a field of AsyncAPI {other}.x)"
    target = _TRAITS.get(kind)
    if target is not None and key in FIELDS[target].get(major, ()):
        return f" (a field of {_NAMES[target]} that the AsyncAPI schema does not allow in its traits)"
    return ""


def _fate(kind: str, key: str, major: int) -> str:
    target = _TRAITS.get(kind)
    if target is not None and key in FIELDS[target].get(major, ()):
        return f"nova-gen merges it into the {target} all the same"
    return "nova-gen ignores it"


_NAMES = {"root": "the document", "info": "info", "server": "a server", "variable": "a server variable",
          "channel": "a channel", "operation": "an operation", "reply": "an operation's reply",
          "message": "a message", "parameter": "a channel parameter", "components": "components",
          "security-scheme": "a security scheme", "correlation-id": "a correlationId",
          "operation-trait": "an operation trait", "message-trait": "a message trait",
          "example": "a message example", "ws-channel": "the channel's ws binding"}


class _Walk:
    """Every object :data:`FIELDS` knows, as (kind, mapping, file, pointer), each once:
    a ``$ref`` is followed to the object it names, which is yielded at its own place."""

    def __init__(self, refs: RefResolver, major: int) -> None:
        self.refs = refs
        self.major = major
        self.seen: set[tuple[str, str]] = set()

    def document(self, doc: Document) -> Iterator[tuple[str, dict[str, Any], Document, str]]:
        data = doc.data
        if not isinstance(data, dict):
            return
        yield "root", data, doc, ""
        if isinstance(data.get("info"), dict):
            yield "info", data["info"], doc, "/info"
        for section in ("servers", "channels", "operations"):
            yield from self.members(data.get(section), _MEMBERS[section], doc, join_pointer("", section))
        components = data.get("components")
        if isinstance(components, dict):
            yield "components", components, doc, "/components"
            for section, kind in _MEMBERS.items():
                pointer = join_pointer("/components", section)
                yield from self.members(components.get(section), kind, doc, pointer)

    def members(
        self, section: Any, kind: str, doc: Document, pointer: str
    ) -> Iterator[tuple[str, dict[str, Any], Document, str]]:
        """The members of a mapping (``{name: object}``) or a list of ``kind`` objects."""
        if isinstance(section, dict):
            for name, value in section.items():
                yield from self.object(kind, value, doc, join_pointer(pointer, name))
        elif isinstance(section, list):
            for i, value in enumerate(section):
                yield from self.object(kind, value, doc, join_pointer(pointer, i))

    def object(
        self, kind: str, value: Any, doc: Document, pointer: str
    ) -> Iterator[tuple[str, dict[str, Any], Document, str]]:
        """``value`` as a ``kind`` object (where its ``$ref`` leads), and the objects nested in it."""
        value, doc, pointer = self.refs.follow(value, doc, pointer)
        if not isinstance(value, dict) or (str(doc.path), pointer) in self.seen:
            return
        self.seen.add((str(doc.path), pointer))
        if kind == "message" and self.major == 2 and isinstance(value.get("oneOf"), list) and len(value) == 1:
            yield from self.members(value["oneOf"], "message", doc, join_pointer(pointer, "oneOf"))
            return
        yield kind, value, doc, pointer

        def nested(key: str, of: str) -> Iterator[tuple[str, dict[str, Any], Document, str]]:
            return self.object(of, value.get(key), doc, join_pointer(pointer, key))

        def each(key: str, of: str) -> Iterator[tuple[str, dict[str, Any], Document, str]]:
            return self.members(value.get(key), of, doc, join_pointer(pointer, key))

        v3 = self.major >= 3
        if kind == "server":
            yield from each("variables", "variable")
            yield from self.schemes(value, doc, pointer) if v3 else iter(())
        elif kind == "channel":
            yield from each("parameters", "parameter")
            yield from each("messages", "message")
            for verb in ("publish", "subscribe") if not v3 else ():
                yield from nested(verb, "operation")
            bindings = value.get("bindings")
            if isinstance(bindings, dict):
                where = join_pointer(join_pointer(pointer, "bindings"), "ws")
                yield from self.object("ws-channel", bindings.get("ws"), doc, where)
        elif kind in ("message", "message-trait"):
            yield from nested("correlationId", "correlation-id")
            yield from each("examples", "example")
            yield from each("traits", "message-trait") if kind == "message" else iter(())
        elif kind == "operation":
            yield from each("traits", "operation-trait")
            if not v3:
                yield from nested("message", "message")
            else:
                yield from nested("channel", "channel")
                yield from each("messages", "message")
                yield from nested("reply", "reply")
                yield from self.schemes(value, doc, pointer)
        elif kind == "reply":
            yield from nested("channel", "channel")
            yield from each("messages", "message")

    def schemes(
        self, value: dict[str, Any], doc: Document, pointer: str
    ) -> Iterator[tuple[str, dict[str, Any], Document, str]]:
        """A 3.x ``security`` list's Security Scheme objects; an item with neither ``$ref`` nor
        ``type`` is a 2.x-style requirement (``{name: [scopes]}``), read as one elsewhere."""
        listed = value.get("security")
        for i, item in enumerate(listed if isinstance(listed, list) else ()):
            if isinstance(item, dict) and ("$ref" in item or "type" in item):
                yield from self.object("security-scheme", item, doc, join_pointer(join_pointer(pointer, "security"), i))
