"""Unknown keys in the AsyncAPI objects nova-gen reads, and a document that describes nothing.

The AsyncAPI JSON Schema allows only an object's fixed fields and ``x-`` extensions. A typo
(``chanels``, ``subscibe``, ``paylod``) would otherwise drop what it holds without a word,
so a key close to a fixed field is an error with "did you mean" (``NOVA118``). Vendors also
publish keys of their own or of the other major version (a 2.x ``schema`` in a 3.0
Parameter Object); those are warnings (``NOVA119``): nova-gen reads around them. Only the
root document is walked, object by object as the specification nests them; a ``$ref``
object is left to what it points at.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from nova_runtime.pointer import join_pointer

from ..argparsing import closest
from ..diagnostics import Diagnostics
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
    "example": {2: ("headers", "payload", "name", "summary"), 3: ("headers", "payload", "name", "summary")},
    "ws-channel": {2: ("method", "query", "headers", "bindingVersion"), 3: ("method", "query", "headers",
                                                                           "bindingVersion")},
}
"""The fixed fields of each object, by AsyncAPI major version (2.0-2.6, 3.0-3.1)."""

_MEMBERS = {"servers": "server", "channels": "channel", "operations": "operation", "messages": "message",
            "parameters": "parameter", "serverVariables": "variable", "replies": "reply",
            "securitySchemes": "security-scheme", "correlationIds": "correlation-id"}
"""Component sections (and root sections) whose members are the named objects."""


def check_keys(doc: Document, major: int, diagnostics: Diagnostics) -> set[tuple[str, str]]:
    """``NOVA118`` (a typo of a fixed field, at each place) or ``NOVA119`` (a key nova-gen
    ignores, once per key and kind of object, at its first place) for every key of the
    document's objects that is neither a fixed field nor an ``x-`` extension. Returns the
    (object pointer, fixed field) of each typo, so that the field is not also reported missing."""
    ignored: dict[tuple[str, str], list[str]] = {}
    typos: set[tuple[str, str]] = set()
    for kind, value, pointer in _objects(doc.data, major):
        allowed = FIELDS[kind].get(major, ())
        for key in value:
            if not isinstance(key, str) or key in allowed or key.startswith("x-"):
                continue
            close = closest(key, list(allowed))
            if close:
                typos.add((pointer, close))
                diagnostics.error(
                    "NOVA118",
                    f"unknown key {key!r} in {_NAMES[kind]}",
                    doc.source.position(join_pointer(pointer, key), key=True),
                    hint=f"did you mean {close!r}?",
                )
            else:
                ignored.setdefault((kind, key), []).append(join_pointer(pointer, key))
    for (kind, key), places in ignored.items():
        allowed = FIELDS[kind].get(major, ())
        other = 3 if major == 2 else 2
        version = f" (a field of AsyncAPI {other}.x)" if key in FIELDS[kind].get(other, ()) else ""
        more = f" (here and in {len(places) - 1} more)" if len(places) > 1 else ""
        diagnostics.warning(
            "NOVA119",
            f"unknown key {key!r} in {_NAMES[kind]}{version}{more}; nova-gen ignores it",
            doc.source.position(places[0], key=True),
            hint="allowed here: " + ", ".join(allowed) + ", and `x-` extensions",
        )
    return typos


_NAMES = {"root": "the document", "info": "info", "server": "a server", "variable": "a server variable",
          "channel": "a channel", "operation": "an operation", "reply": "an operation's reply",
          "message": "a message", "parameter": "a channel parameter", "components": "components",
          "security-scheme": "a security scheme", "correlation-id": "a correlationId",
          "example": "a message example", "ws-channel": "the channel's ws binding"}


def _objects(data: Any, major: int) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(kind, mapping, pointer) of every object of the root document that :data:`FIELDS` knows."""
    if not isinstance(data, dict):
        return
    yield "root", data, ""
    if isinstance(data.get("info"), dict):
        yield "info", data["info"], "/info"
    for section in ("servers", "channels", "operations"):
        yield from _members(data.get(section), _MEMBERS[section], join_pointer("", section), major)
    components = data.get("components")
    if isinstance(components, dict):
        yield "components", components, "/components"
        for section, kind in _MEMBERS.items():
            yield from _members(components.get(section), kind, join_pointer("/components", section), major)


def _members(section: Any, kind: str, pointer: str, major: int) -> Iterator[tuple[str, dict[str, Any], str]]:
    if isinstance(section, dict):
        for name, value in section.items():
            yield from _object(kind, value, join_pointer(pointer, name), major)


def _object(kind: str, value: Any, pointer: str, major: int) -> Iterator[tuple[str, dict[str, Any], str]]:
    """``value`` as a ``kind`` object, and the objects nested in it."""
    if not isinstance(value, dict) or "$ref" in value:
        return
    if kind == "message" and major == 2 and isinstance(value.get("oneOf"), list) and len(value) == 1:
        for i, item in enumerate(value["oneOf"]):
            yield from _object("message", item, join_pointer(join_pointer(pointer, "oneOf"), i), major)
        return
    yield kind, value, pointer
    if kind == "server":
        yield from _members(value.get("variables"), "variable", join_pointer(pointer, "variables"), major)
    elif kind == "channel":
        yield from _members(value.get("parameters"), "parameter", join_pointer(pointer, "parameters"), major)
        yield from _members(value.get("messages"), "message", join_pointer(pointer, "messages"), major)
        for verb in ("publish", "subscribe") if major == 2 else ():
            yield from _object("operation", value.get(verb), join_pointer(pointer, verb), major)
        bindings = value.get("bindings")
        if isinstance(bindings, dict):
            yield from _object("ws-channel", bindings.get("ws"), join_pointer(join_pointer(pointer, "bindings"), "ws"),
                               major)
    elif kind == "message":
        yield from _object("correlation-id", value.get("correlationId"), join_pointer(pointer, "correlationId"), major)
        examples = value.get("examples")
        for i, example in enumerate(examples if isinstance(examples, list) else ()):
            yield from _object("example", example, join_pointer(join_pointer(pointer, "examples"), i), major)
    elif kind == "operation":
        if major == 2:
            yield from _object("message", value.get("message"), join_pointer(pointer, "message"), major)
        else:
            yield from _object("reply", value.get("reply"), join_pointer(pointer, "reply"), major)
