"""Turn a structurally valid AsyncAPI document (2.x or 3.x) into the IR.

The reading is version-specific (:mod:`.v2`, :mod:`.v3`) and ends in the neutral
:class:`~.model.Parsed`; everything from there on is shared:

- perspective: which operations the *client* sends and which it receives;
- the connection: servers, the channel address and its parameters, ``ws`` bindings and
  security schemes become typed ``connect()`` arguments (:mod:`.security`);
- incoming messages become :class:`~nova_gen.ir.Event` s told apart by discriminators
  found in their payloads (:mod:`.dispatch`);
- outgoing messages become requests: with a correlated reply (3.x ``reply`` plus a
  payload ``correlationId``) a typed request/reply method, without a reply a
  fire-and-forget send;
- ``x-nova-*`` extensions and a ``<stem>.nova.yaml`` overlay add heartbeats, reconnect,
  rate limits, errors and auth (:mod:`.overlay`).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from nova_runtime import protocol as p
from nova_runtime.pointer import MISSING, compile_pointer, getter, join_pointer

from .. import ir, reserved
from ..checks import disjoint
from ..diagnostics import Diagnostics
from ..loader.refs import RefResolver
from ..loader.source import Document
from ..naming import pascal_case, snake_case
from ..nova.common import match_from
from ..nova.normalize import Normalizer as NovaNormalizer
from ..nova.normalize import envelope_from
from . import perspective, v2, v3
from .common import Reader, distinct_keys, own_name
from .dispatch import Shape, ShapeReader
from .model import Channel, Message, Operation
from .overlay import Overlay, read_overlay
from .pairs import pair_by_correlation
from .perspective import Perspective
from .pins import pin_schema
from .security import Handshake
from .validate import sequence

DEFAULT_PERSPECTIVE: Perspective = "server"
JSON_FORMATS = (
    "application/vnd.aai.asyncapi",
    "application/schema+json",
    "application/schema+yaml",
)
BINARY_CONTENT = ("application/octet-stream", "application/x-binary")
GENERIC_WORDS = {
    "api", "apis", "websocket", "websockets", "ws", "asyncapi", "the",
    "rest", "http", "https", "openapi", "spec", "specification", "service", "server",
}
"""Words of a title that name no API: "REST API" says nothing about whose API it is."""


ANNOTATIONS = frozenset({"title", "description", "examples", "example", "$comment", "summary"})


NAMED = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})


def _without_annotations(schema: Any, names: bool = False) -> Any:
    """A schema without the keywords that do not constrain a value, to compare two of them;
    ``names``: ``schema`` maps names to schemas (``properties``), whose keys all stay."""
    if isinstance(schema, dict):
        if names:
            return {k: _without_annotations(v) for k, v in schema.items()}
        return {k: _without_annotations(v, k in NAMED) for k, v in schema.items() if k not in ANNOTATIONS}
    if isinstance(schema, list):
        return [_without_annotations(v) for v in schema]
    return schema


def api_name_from(title: str, fallback: str) -> str:
    name = _distinctive(title) or snake_case(fallback).strip("_")
    if not name or not name[0].isalpha():
        name = "api_" + name
    return name


def _distinctive(text: str) -> str:
    """``text`` as snake_case without its generic words; empty when nothing else is left."""
    words = [w for w in re.split(r"[^0-9A-Za-z]+", text) if w and w.lower() not in GENERIC_WORDS]
    return snake_case(" ".join(words)).strip("_") if words else ""


def host_name(servers: Any) -> tuple[str, str] | None:
    """The name a server host gives an API, with the host: ``api.deepgram.com`` ->
    ``deepgram`` (the label before the top-level domain). None for IP addresses, localhost,
    or no server. ``servers`` is the document's ``servers`` mapping (2.x ``url``, 3.x ``host``)."""
    if not isinstance(servers, dict):
        return None
    for server in servers.values():
        if not isinstance(server, dict):
            continue
        host = server.get("host") or server.get("url")
        if not isinstance(host, str):
            continue
        host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", host).split("/")[0].split(":")[0]
        labels = host.split(".")
        if len(labels) < 2 or all(label.isdigit() for label in labels):
            continue
        name = _distinctive(labels[-2])
        if name and name[0].isalpha():
            return name, host
    return None



def _text(op: Operation, msg: Message, key: str, fallback: str | None = None) -> str:
    """A method's ``key`` (summary or description): the operation's when it sends only this
    message, else the message's own ``key`` (or ``fallback``, e.g. its title). An operation
    that sends many messages ("Client messages") describes none of them."""
    candidates = [op.value.get(key)] if len(op.messages) == 1 else []
    candidates += [msg.value.get(key), msg.value.get(fallback) if fallback else None]
    return next((c.strip() for c in candidates if isinstance(c, str) and c.strip()), "")


class AsyncApiNormalizer:
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
        self._method_ptr: str | None = None
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

    # -- the document ----------------------------------------------------------------

    def derived_name(self, title: str) -> str:
        """The package name from ``info.title``; one that would shadow a module (``JSON API``
        gives ``json``) takes the suffix ``_api`` and a warning, as the user did not choose it.
        A title of generic words only ("REST API") names no API: the server's host does
        (``api.deepgram.com`` -> ``deepgram``), else the file name, with a warning."""
        name = api_name_from(title, self.doc.path.stem)
        if not _distinctive(title):
            found = host_name(self.data.get("servers"))
            name = found[0] if found else name
            source = f"the server host {found[1]!r}" if found else f"the file name {self.doc.path.name!r}"
            self.diagnostics.warning(
                "NOVA125",
                f"the title {title!r} has only generic words; the package is named {name!r}, from {source}",
                self.doc.source.position("/info/title"),
                hint=f"set `name:` in the nova overlay ({self.doc.path.stem}.nova.yaml next to the document) "
                "to choose the package name",
            )
        if name in reserved.PACKAGES and len(name) <= reserved.PACKAGE_MAX_LENGTH:
            self.diagnostics.warning(
                "NOVA070",
                f"the package name {name!r} derived from the title would shadow a module; it is named {name + '_api'!r}",
                self.doc.source.position("/info/title"),
                hint="set `name:` in the nova overlay to choose another name",
            )
            name += "_api"
        return name

    def run(self, source: str) -> ir.Api:
        info = self.data.get("info") or {}
        title = str(info.get("title", "")) or self.doc.path.stem
        name = self.overlay.data.get("name") or self.derived_name(title)
        reader = Reader(self.doc, self.refs, self.diagnostics, self.major)
        parsed = v2.read(reader) if self.major == 2 else v3.read(reader)
        distinct_keys(parsed)
        handshake = Handshake(self.doc, self.refs, self.diagnostics, self.major, name)
        servers, security = handshake.servers()
        if not servers and "servers" not in self.data:
            pass  # documented: connect(url=...) is then required
        if not self.refs.failures and not any(op.messages or op.reply for op in parsed.operations):
            section = "/operations" if self.major >= 3 else "/channels"
            self.diagnostics.warning(
                "NOVA120",
                "the document describes no operation with a message: the client has no methods and no hooks",
                self.doc.source.position(section if section[1:] in self.data else "/asyncapi", key=True),
                hint="2.x: give a channel `publish`/`subscribe` with a `message`; 3.x: list `operations` with "
                "`action`, `channel` and the channel's `messages`",
            )
        sends = [op for op in parsed.operations if self.client_sends(op)]
        receives = [op for op in parsed.operations if not self.client_sends(op)]
        if not self.refs.failures:  # guessing from a part of the messages would mislead
            perspective.check(self.doc, self.diagnostics, self.perspective, sends, receives)
        address = self.connection(parsed.operations, handshake)
        for op in parsed.operations:
            if "security" in op.value:
                security.append((op.value["security"], op.doc, join_pointer(op.pointer, "security")))
        handshake.security(security)

        replies: set[tuple[str, str]] = set()
        if self.major == 2:
            sends, replies = pair_by_correlation(sends, receives, self.correlation_location)
        incoming: dict[tuple[str, str], Message] = {}
        for op in receives:
            for msg in op.messages:
                incoming.setdefault(msg.identity, msg)
        unsolicited = set(incoming) - replies
        for op in sends:
            # A correlated reply reaches its call by the correlation id, never by its shape:
            # it is the method's result, not an event (unless an operation also receives it).
            if not any("correlationId" in m.value for m in op.messages):
                for msg in op.reply or ():
                    incoming.setdefault(msg.identity, msg)
        events, shapes = self.events(list(incoming.values()), unsolicited)
        requests, envelope = self.requests(sends + perspective.answers(receives, self.diagnostics), shapes)
        api = ir.Api(
            name_location=self.location(self.doc, "/info/title") if "title" in info else None,
            name=str(name),
            title=str(self.overlay.data.get("title", title)),
            version=str(info.get("version", "")),
            description=str(info.get("description", "") or "").strip(),
            source=source,
            servers=tuple(servers),
            default_server=self.default_server(servers),
            envelope=envelope,
            requests=requests,
            events=events,
            connect_params=tuple(handshake.params),
            address=address,
            source_format="asyncapi",
        )
        api = self.apply_overlay(api)
        self.refs.finish()
        for msg, message, override in self.pins:
            pin_schema(self.refs.schemas, self.own_payloads, msg, message, override, self.diagnostics)
        return self.finish(api)

    def finish(self, api: ir.Api) -> ir.Api:
        locations = {}
        for name in self.refs.schemas:
            owner = self.refs.position_of(name)
            if owner is not None:
                position = owner[0].source.position(owner[1], key=True)
                locations[name] = ir.Location(position.file, position.line, position.column)
        return replace(
            api,
            schemas=dict(self.refs.schemas),
            schema_locations=locations,
            fingerprint=self.fingerprint(),
        )

    def fingerprint(self) -> str:
        import hashlib
        import json

        base = self.refs.fingerprint()
        if not self.overlay.files:
            return base
        digest = hashlib.sha256(base.encode())
        for doc in self.overlay.files:
            digest.update(json.dumps(doc.data, sort_keys=True, default=str).encode())
        return "sha256:" + digest.hexdigest()

    def default_server(self, servers: list[ir.Server]) -> str | None:
        chosen = self.overlay.data.get("default_server")
        if isinstance(chosen, str):
            if chosen not in {s.name for s in servers}:
                doc, pointer = self.overlay.where["default_server"]
                self.diagnostics.error(
                    "NOVA114",
                    f"default_server {chosen!r} is not one of the WebSocket servers",
                    doc.source.position(pointer),
                    hint="known: " + (", ".join(s.name for s in servers) or "none"),
                )
            return chosen
        return servers[0].name if servers else None

    # -- the connection --------------------------------------------------------------

    def connection(self, operations: list[Operation], handshake: Handshake) -> str:
        """The channel address appended to the server URL, and its handshake arguments."""
        channels: dict[str, Channel] = {}
        for op in operations:
            channels.setdefault(op.channel.pointer, op.channel)
        addresses: dict[str, Channel] = {}
        for channel in channels.values():
            addresses.setdefault(channel.address or "", channel)
        real = [a for a in addresses if a not in ("", "/")]
        chosen = real[0] if real else ("/" if "/" in addresses else "")
        if len(real) > 1:
            other = addresses[real[1]]
            self.diagnostics.warning(
                "NOVA115",
                f"channels use {len(real)} different addresses ({', '.join(repr(a) for a in real)}); "
                f"a client holds one connection, so it connects to {chosen!r}",
                other.doc.source.position(other.pointer, key=True),
                hint="generate one client per address (a document each), or give the others' frames "
                "to the same connection by using one address",
            )
        for channel in channels.values():
            if (channel.address or "") == chosen:
                handshake.channel(channel)
            else:
                for param in re.findall(r"\{([^{}]*)\}", channel.address or ""):
                    params = channel.value.get("parameters")
                    if not isinstance(params, dict) or param not in params:
                        handshake.channel(channel)
                        break
        return "" if chosen == "/" else chosen

    # -- incoming --------------------------------------------------------------------

    def events(
        self, messages: list[Message], unsolicited: set[tuple[str, str]]
    ) -> tuple[tuple[ir.Event, ...], dict[tuple[str, str], Shape]]:
        """Incoming messages as events; those not in ``unsolicited`` (identities) are only
        ever replies to requests."""
        out: list[ir.Event] = []
        shapes: dict[tuple[str, str], Shape] = {}
        broken: set[int] = set()
        for msg in messages:
            failures = self.refs.failures
            shape = self.shape(msg)
            shapes[msg.identity] = shape
            frame = self.frame_kind(msg)
            message = self.message_schema(msg)
            if self.refs.failures > failures:
                broken.add(len(out))  # its $ref was reported: no dispatch warnings about it
            override = self.override(msg)
            if override is not None:
                self.pins.append((msg, message, override))
            out.append(
                ir.Event(
                    name=snake_case(msg.key),
                    when=self.when(msg, shape) if frame == "json" else p.Match(),
                    payload="",
                    message=message,
                    summary=str(msg.value.get("summary", "") or msg.value.get("title", "") or "").strip(),
                    description=str(msg.value.get("description", "") or "").strip(),
                    examples=tuple(self.examples(msg)),
                    location=self.location(msg.doc, msg.pointer),
                    unsolicited=msg.identity in unsolicited,
                    frame=frame,
                    source_name=repr(msg.key) if own_name(msg.value, msg.pointer, self.major) else
                    f"at #{msg.pointer}",
                )
            )
        order = self.discriminate(messages, out, shapes, broken)
        return tuple(out[i] for i in order), shapes

    def discriminate(
        self,
        messages: list[Message],
        events: list[ir.Event],
        shapes: dict[tuple[str, str], Shape],
        broken: set[int],
    ) -> list[int]:
        """Tell apart at run time the incoming messages whose ``when`` overlap.

        Overlapping events form groups (connected by "a frame could match both"); each group
        is marked ``by_validation`` and reordered most specific first: more required
        properties, then more constants, then more value sets, then document order. The
        dispatcher delivers the first of a group whose payload validates. One NOVA107
        warning per group. ``broken`` (indexes) are messages whose schema did not resolve:
        they join no group. Returns the new order of ``events``, which it marks in place.
        """
        group_of = list(range(len(events)))

        def root(i: int) -> int:
            while group_of[i] != i:
                i = group_of[i]
            return i

        for i, event in enumerate(events):
            for j in range(i):
                # Text and binary events are told apart by the frame itself; a message whose
                # schema did not resolve (reported) is compared with none.
                if i in broken or j in broken:
                    continue
                if event.frame == events[j].frame == "json" and not disjoint(event.when, events[j].when):
                    group_of[root(i)] = root(j)
        groups: dict[int, list[int]] = {}
        for i in range(len(events)):
            groups.setdefault(root(i), []).append(i)
        order = list(range(len(events)))
        for members in groups.values():
            if len(members) < 2:
                continue
            ranked = sorted(members, key=lambda i: self.specificity(messages[i], shapes[messages[i].identity], i))
            for slot, i in zip(members, ranked, strict=True):
                order[slot] = i
                events[i] = replace(events[i], by_validation=True)
            self.unreachable([messages[i] for i in ranked], [events[i].name for i in ranked])
            self.catch_all(
                [messages[i] for i in ranked],
                [events[i].name for i in ranked],
                [self.specificity(messages[i], shapes[messages[i].identity], i) for i in ranked],
            )
            first = messages[members[0]]
            names = ", ".join(repr(events[i].name) for i in ranked)
            self.diagnostics.warning(
                "NOVA107",
                f"incoming messages {names} cannot be told apart by their fields; the client tries "
                "them in this order and delivers the first whose payload validates",
                first.doc.source.position(first.pointer, key=True),
                hint="to make it exact, give each a `const` (or `enum`) on a common field, or "
                "`x-nova-when: {equals: {/field: value}}` (or the overlay's `messages: {name: {when: ...}}`)",
            )
        return order

    def unreachable(self, ranked: list[Message], names: list[str]) -> None:
        """NOVA075 for each message of a group whose payload schema is the same (annotations
        aside) as one tried before it: every frame it accepts goes to the earlier one."""
        seen: dict[str, str] = {}
        for msg, name in zip(ranked, names, strict=True):
            found = self.payload(msg)
            value = self.refs.follow(found[0], msg.doc, found[1])[0] if found else None
            key = json.dumps(_without_annotations(value), sort_keys=True, default=str)
            if key in seen:
                self.diagnostics.warning(
                    "NOVA075",
                    f"incoming message {name!r} is never delivered: {seen[key]!r}, tried before it, "
                    "has the same payload schema",
                    msg.doc.source.position(msg.pointer, key=True),
                    hint="tell them apart with a `const` on a common field or `x-nova-when` (is one of "
                    "them a copy left unedited?)",
                )
            else:
                seen[key] = name

    def catch_all(self, ranked: list[Message], names: list[str], keys: list[tuple[int, int, int, int]]) -> None:
        """NOVA117 for the first message of a group that requires and pins nothing (its
        specificity is all zeros) and is tried before others: it validates every frame of
        theirs whose fields have the types it declares, so it takes their frames (the
        Slack Socket Mode client document: ``hello`` gets every frame)."""
        for n, (msg, key) in enumerate(zip(ranked, keys, strict=True)):
            if key[:3] == (0, 0, 0) and n < len(ranked) - 1:
                later = ", ".join(repr(name) for name in names[n + 1 :])
                self.diagnostics.warning(
                    "NOVA117",
                    f"incoming message {names[n]!r} requires and pins no field: tried before {later}, it "
                    "also takes their frames, unless a field it declares has another type there",
                    msg.doc.source.position(msg.pointer, key=True),
                    hint="say how each is recognised: `x-nova-when: {equals: {/type: ...}}` on the message "
                    "(or the overlay's `messages: {name: {when: ...}}`), or a `const` on a common field",
                )
                return

    def specificity(self, msg: Message, shape: Shape, index: int) -> tuple[int, int, int, int]:
        """The sort key of a message in a runtime-discriminated group: most specific first."""
        found = self.payload(msg)
        value = self.refs.follow(found[0], msg.doc, found[1])[0] if found and found[0] is not None else None
        required = len(ir.required_names(value)) if isinstance(value, dict) else 0
        return (-required, -len(shape.equals), -len(shape.one_of), index)

    # -- outgoing --------------------------------------------------------------------

    def correlation_location(self, msg: Message) -> str | None:
        """The ``location`` of the message's ``correlationId``, as written; None without one."""
        raw = msg.value.get("correlationId")
        if raw is None:
            return None
        value, _, _ = self.refs.follow(raw, msg.doc, join_pointer(msg.pointer, "correlationId"))
        location = value.get("location") if isinstance(value, dict) else None
        return location if isinstance(location, str) else None

    def correlation(self, msg: Message) -> str | None:
        raw = msg.value.get("correlationId")
        if raw is None:
            return None
        value, cdoc, cptr = self.refs.follow(raw, msg.doc, join_pointer(msg.pointer, "correlationId"))
        location = value.get("location") if isinstance(value, dict) else None
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

    def requests(
        self, sends: list[Operation], incoming: dict[tuple[str, str], Shape]
    ) -> tuple[tuple[ir.Request, ...], p.Envelope]:
        outgoing: list[tuple[Operation, Message, Shape]] = []
        seen: set[tuple[str, str]] = set()
        for op in sends:
            for msg in op.messages:
                if msg.identity not in seen:
                    seen.add(msg.identity)
                    outgoing.append((op, msg, self.shape(msg)))
        bodies = {msg.identity: self.body(msg) for _, msg, _ in outgoing}
        method_ptr = self.method_pointer([o for o in outgoing if bodies[o[1].identity] is None])
        self._method_ptr = method_ptr
        corr_ptrs: dict[str, Message] = {}
        out: list[ir.Request] = []
        self._framing = {snake_case(msg.key): (msg, op.reply or []) for op, msg, _ in outgoing}
        id_kind: p.IdKind = "int"
        for op, msg, shape in outgoing:
            name = snake_case(msg.key)
            body = bodies[msg.identity]
            method = shape.equals.get(method_ptr) if method_ptr and body is None else None
            wire = str(method) if method is not None else msg.key
            corr = self.correlation(msg) if body is None else None
            replies = op.reply
            if corr is not None and replies is not None:
                corr_ptrs.setdefault(corr, msg)
                id_kind = self.id_kind(msg, corr) or id_kind
            params = (
                self.params(msg, {method_ptr, corr} - {None})
                if body is None
                else (ir.Param("payload", self.message_schema(msg), True, "The whole frame."),)
            )
            result: ir.JsonSchema = {}
            reply_when: p.Match | None = None
            if replies:
                schemas = [self.message_schema(m) for m in replies]
                result = schemas[0] if len(schemas) == 1 else {"oneOf": schemas}
                if corr is None:
                    self.diagnostics.warning(
                        "NOVA108",
                        f"the reply to {msg.key!r} has no correlationId: {name}() takes the next frame that is "
                        "one of its reply messages",
                        op.doc.source.position(op.reply_pointer or op.pointer, key=True),
                        hint="concurrent calls of this method may get each other's replies; add "
                        "`correlationId: {location: '$message.payload#/id'}` to the message",
                    )
                    shapes = [incoming.get(m.identity) or self.shape(m) for m in replies]
                    reply_when = self.when(replies[0], shapes[0]) if len(replies) == 1 else p.Match(
                        present=tuple(sorted(set.intersection(*(s.keyed for s in shapes))))
                    )
            examples = self.request_examples(msg, replies, params, {method_ptr, corr} - {None}) if body is None else ()
            out.append(
                ir.Request(
                    name=name,
                    method=wire,
                    params=params,
                    result=result,
                    summary=_text(op, msg, "summary", "title"),
                    description=_text(op, msg, "description"),
                    examples=examples,
                    location=self.location(msg.doc, msg.pointer),
                    reply=replies is not None and bool(replies),
                    correlated=corr is not None,
                    reply_when=reply_when,
                    body=body,
                )
            )
        if len(corr_ptrs) > 1:
            first, second = list(corr_ptrs.items())[:2]
            self.diagnostics.error(
                "NOVA109",
                f"requests correlate on different fields ({first[0]!r} for {first[1].key!r}, "
                f"{second[0]!r} for {second[1].key!r}); one connection needs one",
                second[1].doc.source.position(second[1].pointer, key=True),
                hint="use the same correlationId location for every request",
            )
        corr_ptr = next(iter(corr_ptrs), None)
        envelope = p.Envelope(
            request=p.RequestFrame(method=method_ptr, params="", id=corr_ptr, id_kind=id_kind),
            response=(
                p.ResponseRule(when=p.Match(present=(corr_ptr,)), id=corr_ptr, result="")
                if corr_ptr is not None
                else None
            ),
        )
        return tuple(out), envelope

    def body(self, msg: Message) -> ir.FrameKind | None:
        """None for a payload that is an object with ``properties`` (its properties become
        keyword arguments); otherwise the frame is the payload itself, one argument
        ``payload``, sent as JSON, text or bytes (:meth:`frame_kind`)."""
        found = self.payload(msg)
        value = self.refs.follow(found[0], msg.doc, found[1])[0] if found is not None else None
        if isinstance(value, dict) and isinstance(value.get("properties"), dict) and value["properties"]:
            return None
        return self.frame_kind(msg)

    def method_pointer(self, outgoing: list[tuple[Operation, Message, Shape]]) -> str | None:
        if not outgoing:
            return None
        common = set.intersection(*(set(s.equals) for _, _, s in outgoing))
        if common:
            # The field that tells most of them apart; then the shallowest, then by name.
            return min(
                common,
                key=lambda ptr: (-len({str(s.equals[ptr]) for _, _, s in outgoing}), ptr.count("/"), ptr),
            )
        if len(outgoing) > 1:
            _, msg, _ = outgoing[1]
            self.diagnostics.warning(
                "NOVA074",
                "the messages the client sends share no constant field; each method sends its payload "
                "as it is, and the server tells them apart as the document says",
                msg.doc.source.position(msg.pointer, key=True),
                hint="if they share a field such as `type` or `event`, give each a `const` there: it "
                "becomes the wire method and the methods fill it in",
            )
        return None

    def id_kind(self, msg: Message, corr: str) -> p.IdKind | None:
        found = self.payload(msg)
        if found is None or not corr:
            return None
        value, doc, pointer = self.refs.follow(found[0], msg.doc, found[1])
        for token in compile_pointer(corr):
            props = value.get("properties") if isinstance(value, dict) else None
            if not isinstance(props, dict) or token not in props:
                return None
            value, doc, pointer = self.refs.follow(
                props[token], doc, join_pointer(join_pointer(pointer, "properties"), token)
            )
        if not isinstance(value, dict):
            return None
        if value.get("type") == "integer":
            return "int"
        if value.get("format") == "uuid":
            return "uuid"
        if value.get("type") == "string":
            return "str"
        return None

    def params(self, msg: Message, skip: set[str | None]) -> tuple[ir.Param, ...]:
        found = self.payload(msg)
        if found is None or found[0] is None:
            return ()
        value, doc, pointer = self.refs.follow(found[0], msg.doc, found[1])
        return self.params_of(msg, value, doc, pointer, skip)

    def params_of(
        self, msg: Message, value: Any, doc: Document, pointer: str, skip: set[str | None]
    ) -> tuple[ir.Param, ...]:
        """The keyword arguments of a method: the properties of the object schema ``value``
        (at ``pointer`` of ``doc``), but those the envelope fills (``skip``)."""
        properties = value.get("properties") if isinstance(value, dict) else None
        if not isinstance(properties, dict):
            self.diagnostics.error(
                "NOVA116",
                f"the payload of outgoing message {msg.key!r} is not an object with `properties`",
                doc.source.position(pointer),
                hint="each property becomes a keyword argument of the generated method",
            )
            return ()
        required = ir.required_names(value)
        skipped = {s[1:] for s in skip if s and s.count("/") == 1}
        base = join_pointer(pointer, "properties")
        out = []
        for name, prop in properties.items():
            if name in skipped:
                continue
            schema = self.refs.rewrite(prop, doc, join_pointer(base, name))
            description = str(prop.get("description", "")) if isinstance(prop, dict) else ""
            out.append(ir.Param(str(name), schema if isinstance(schema, dict) else {}, name in required, description))
        return tuple(out)

    def request_examples(
        self, msg: Message, replies: list[Message] | None, params: tuple[ir.Param, ...], skip: set[str | None]
    ) -> tuple[ir.RequestExample, ...]:
        """Examples for the local test server: each reply example, with the request's own
        example of the same position as its params (else the first, else none). A reply
        without examples has none here: the server builds one from the reply's schema
        (:mod:`nova_gen.testing.synth`)."""
        if not replies:
            return ()
        skipped = {s[1:] for s in skip if s and s.count("/") == 1}
        own = self.examples(msg)
        sample = {k: v for k, v in own[0].items() if k not in skipped} if own and isinstance(own[0], dict) else None
        if sample is None:
            if any(prm.required for prm in params):
                return ()
            sample = {}
        results: list[Any] = []
        for m in replies:
            results.extend(self.examples(m))
        # A reply example keeps its correlation value: the server writes the request's over it.
        # The n-th example of the request goes with the n-th reply example (an echo's pairs).
        params_of = [{k: v for k, v in ex.items() if k not in skipped} if isinstance(ex, dict) else sample for ex in own]
        return tuple(
            ir.RequestExample(params=params_of[n] if n < len(params_of) else sample, result=r, name=f"{msg.key} {n + 1}")
            for n, r in enumerate(results)
        )

    # -- overlay ---------------------------------------------------------------------

    def apply_overlay(self, api: ir.Api) -> ir.Api:
        data = self.overlay.data
        if not data:
            return api
        first_doc = next(iter(self.overlay.where.values()))[0]
        nova_doc = Document(first_doc.path, first_doc.display, data, first_doc.source)
        nova = NovaNormalizer(nova_doc, self.diagnostics)
        nova.request_methods = {r.name: r.method for r in api.requests}
        changes: dict[str, Any] = {}
        if "heartbeat" in data:
            changes["heartbeat"] = nova.heartbeat()
        if "reconnect" in data:
            changes["reconnect"] = nova.reconnect()
        if "rate_limit" in data:
            changes["rate_limit"] = nova.rate_limit()
        if "hello" in data:
            changes["hello"] = nova.hello()
        if "errors" in data:
            changes["errors"] = nova.errors()
        if "max_lifetime" in data:
            changes["max_lifetime"] = data["max_lifetime"]
        if "subprotocols" in data:
            changes["subprotocols"] = tuple(data["subprotocols"])
        if "auth" in data:
            auth, auth_request = nova.auth()
            changes["auth"], changes["auth_request"] = auth, auth_request
        if "envelope" in data:
            env = data["envelope"]
            built = envelope_from(env)
            parts = {"template", "request", "response", "error", "notification"}
            given = parts if "preset" in env else parts & set(env)
            changes["envelope"] = replace(api.envelope, **{k: getattr(built, k) for k in sorted(given)})
            changes["requests"] = tuple(
                self.framed(r, changes["envelope"]) if r.body is None else r for r in api.requests
            )
        return replace(api, **changes)

    def framed(self, request: ir.Request, envelope: p.Envelope) -> ir.Request:
        """A request framed by an overlay's envelope (a preset such as ``jsonrpc2``) rather than
        by the document: the document's messages are whole frames, so the method's arguments
        become the properties of the message's own ``params`` object (where the envelope puts
        them), and its result the reply's ``result`` (where the envelope reads it); the fields
        the envelope fills itself (template, method, id) are no arguments."""
        msg, replies = self._framing[request.name]
        frame = envelope.request
        filled = {f"/{key}" for key in envelope.template} | {frame.method, frame.id}
        params = tuple(prm for prm in request.params if f"/{prm.name}" not in filled)
        inner = self.sub_schema(msg, frame.params) if frame.params else None
        if inner is not None:
            params = self.params_of(msg, *self.refs.follow(*inner), skip=set())
        result, rule = request.result, envelope.response
        narrow = rule is not None and bool(rule.result) and request.correlated and bool(replies)
        if narrow and rule is not None:
            schemas = []
            for reply in replies:
                found = self.sub_schema(reply, rule.result)
                rewritten = self.refs.rewrite(*found) if found is not None else None
                schemas.append(rewritten if isinstance(rewritten, dict) else {})
            result = schemas[0] if len(schemas) == 1 else {"oneOf": schemas}

        def example(ex: ir.RequestExample) -> ir.RequestExample:
            sample = ex.params
            if inner is not None and frame.params:
                sample = self.example_at(msg, frame.params)
            elif isinstance(sample, dict):
                sample = {k: v for k, v in sample.items() if f"/{k}" not in filled}
            found = getter(rule.result)(ex.result) if narrow and rule is not None else ex.result
            return replace(ex, params=sample, result=None if found is MISSING else found)

        examples = tuple(example(ex) for ex in request.examples)
        return replace(request, params=params, result=result, examples=examples)

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
