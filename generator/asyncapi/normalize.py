"""Turn a structurally valid AsyncAPI document (2.x or 3.x) into the IR.

The reading is version-specific (:mod:`.v2`, :mod:`.v3`) and ends in the neutral
:class:`~.model.Parsed`; everything from there on is shared:

- perspective: which operations the *client* sends and which it receives;
- the connection: servers, the channel address and its parameters, ``ws`` bindings and
  security schemes become typed ``connect()`` arguments (:mod:`.security`);
- incoming messages become :class:`~nova_gen.ir.Event` s told apart by discriminators
  found in their payloads (:mod:`.incoming`, :mod:`.dispatch`);
- outgoing messages become requests: with a correlated reply (3.x ``reply`` plus a
  payload ``correlationId``) a typed request/reply method, without a reply a
  fire-and-forget send (:mod:`.outgoing`);
- ``x-nova-*`` extensions and a ``<stem>.nova.yaml`` overlay add heartbeats, reconnect,
  rate limits, errors and auth (:mod:`.overlay`).

What a message says (payload, frame kind, examples, correlation id) is read by
:class:`~.messages.MessageReader`, the base both halves share.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from nova_runtime.pointer import join_pointer

from .. import ir, reserved
from ..loader.source import Document
from ..naming import snake_case
from ..nova.normalize import Normalizer as NovaNormalizer
from ..nova.normalize import envelope_from
from . import perspective, v2, v3
from .common import Reader, distinct_keys
from .incoming import Incoming
from .model import Channel, Message, Operation
from .outgoing import Outgoing
from .pairs import pair_by_correlation
from .perspective import Perspective
from .pins import pin_schema
from .security import Handshake

DEFAULT_PERSPECTIVE: Perspective = "server"
GENERIC_WORDS = {
    "api", "apis", "websocket", "websockets", "ws", "asyncapi", "the",
    "rest", "http", "https", "openapi", "spec", "specification", "service", "server",
}
"""Words of a title that name no API: "REST API" says nothing about whose API it is."""


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


class AsyncApiNormalizer(Incoming, Outgoing):
    """A whole AsyncAPI document as :class:`~nova_gen.ir.Api`: the connection and overlay
    here, events from :class:`~.incoming.Incoming`, requests from :class:`~.outgoing.Outgoing`."""

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
            # 2.x has no `reply`: what answers a request (`x-response`, a shared correlationId)
            # is only ever a reply, never sent unasked.
            sends = pair_by_correlation(sends, receives, self.correlation_location)
            replies = {m.identity for op in sends for m in op.reply or ()}
        incoming: dict[tuple[str, str], Message] = {}
        for op in receives:
            for msg in op.messages:
                incoming.setdefault(msg.identity, msg)
        unsolicited = set(incoming) - replies
        for op in sends:
            # A correlated reply reaches its call by the correlation id, never by its shape:
            # it is the method's result, not an event (unless an operation also receives it).
            if not any("correlationId" in m.value or m.correlation is not None for m in op.messages):
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
        return replace(
            api,
            schemas=dict(self.refs.schemas),
            schema_locations=self.refs.schema_locations(),
            schema_nodes=self.refs.schema_nodes(),
            fingerprint=self.fingerprint(),
        )

    def fingerprint(self) -> str:
        import hashlib

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
