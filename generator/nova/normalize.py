"""Turn a structurally valid nova spec into the IR, checking what a schema cannot.

Each section has its own small function. Cross-references between sections (a channel
naming its subscription method, auth naming its login request) are checked here, where
both ends are known; checks that apply to any front end live in :mod:`nova_gen.checks`.
"""

from __future__ import annotations

import re
from typing import Any

from nova_runtime import protocol as p
from nova_runtime.pointer import join_pointer
from nova_runtime.template import PLACEHOLDER

from .. import ir
from ..diagnostics import Diagnostics
from ..loader.refs import RefResolver, property_locations
from ..loader.source import Document
from ..naming import nfkc, snake_case
from .channels import read_channel
from .common import match_from, strings_in
from .signing import read_signature

"""Keyword arguments the generated ``connect()`` has besides one per credential."""


class Normalizer:
    def __init__(self, doc: Document, diagnostics: Diagnostics) -> None:
        self.doc = doc
        self.data: dict[str, Any] = doc.data
        self.diagnostics = diagnostics
        self.refs = RefResolver(doc, diagnostics)
        self.request_methods: dict[str, str] = {}

    # -- helpers ---------------------------------------------------------------------

    def pos(self, pointer: str, *, key: bool = False) -> Any:
        return self.doc.source.position(pointer, key=key)

    def location(self, pointer: str) -> ir.Location:
        position = self.pos(pointer, key=True)
        return ir.Location(position.file, position.line, position.column)

    def schema(self, value: Any, pointer: str) -> ir.JsonSchema:
        if value is None:
            return {}
        if value is True:
            return {}
        rewritten = self.refs.rewrite(value, self.doc, pointer)
        return rewritten if isinstance(rewritten, dict) else {}

    def method_of(self, request_name: str, pointer: str) -> str | None:
        method = self.request_methods.get(request_name)
        if method is None:
            import difflib

            close = difflib.get_close_matches(request_name, list(self.request_methods), 1)
            self.diagnostics.error(
                "NOVA033",
                f"unknown request {request_name!r}",
                self.pos(pointer),
                hint=f"did you mean {close[0]!r}?" if close else "name a key of `requests`",
            )
        return method

    # -- the document --------------------------------------------------------------------

    def run(self, source: str) -> ir.Api:
        d = self.data
        for name in d.get("schemas", {}):
            self.refs.name_target(self.doc, join_pointer("/schemas", name), name)
        servers = self.servers()
        default_server = self.default_server(servers)
        envelope = envelope_from(d["envelope"])
        requests = self.requests()
        subscriptions = self.subscriptions()
        channels = self.channels({s.name for s in subscriptions})
        events = self.events()
        auth, auth_request = self.auth()
        heartbeat = self.heartbeat()
        self.refs.finish()
        name_position = self.pos("/name")
        return ir.Api(
            name_location=ir.Location(name_position.file, name_position.line, name_position.column),
            name=d["name"],
            title=str(d.get("title", d["name"])),
            version=str(d.get("version", "")),
            description=str(d.get("description", "")),
            source=source,
            servers=servers,
            default_server=default_server,
            envelope=envelope,
            requests=requests,
            subscriptions=subscriptions,
            channels=channels,
            events=events,
            auth=auth,
            auth_request=auth_request,
            heartbeat=heartbeat,
            reconnect=self.reconnect(),
            rate_limit=self.rate_limit(),
            max_lifetime=d.get("max_lifetime"),
            subprotocols=tuple(d.get("subprotocols", ())),
            hello=self.hello(),
            init=self.init(),
            errors=self.errors(),
            schemas=dict(self.refs.schemas),
            schema_locations=self.refs.schema_locations(),
            schema_nodes=self.refs.schema_nodes(),
            credential_locations={
                name: self.location(join_pointer("/auth/credentials", name))
                for name in (d.get("auth") or {}).get("credentials", {})
            },
            error_locations={
                str(code): self.location(join_pointer("/errors", str(code))) for code in d.get("errors", {})
            },
            auth_pointer_locations={
                key: self.location(f"/auth/{key}")
                for key in ("token", "expires_in", "refresh_token")
                if isinstance(d.get("auth"), dict) and key in d["auth"]
            },
            envelope_locations={
                kind: self.location(f"/envelope/{kind}/when" if "when" in rule else f"/envelope/{kind}")
                for kind, rule in (d.get("envelope") or {}).items()
                if isinstance(rule, dict) and kind in ("response", "error", "result_error", "notification")
            },
            fingerprint=self.refs.fingerprint(),
        )

    def servers(self) -> tuple[ir.Server, ...]:
        out = []
        for name, server in self.data["servers"].items():
            url = server["url"]
            if not url.startswith(("ws://", "wss://")):
                self.diagnostics.error(
                    "NOVA038",
                    f"server {name!r} has URL {url!r}, which is not a WebSocket URL",
                    self.pos(f"/servers/{name}/url"),
                    hint="WebSocket URLs start with wss:// (or ws:// for local servers)",
                )
            out.append(ir.Server(name, url, server.get("description", "")))
        return tuple(out)

    def default_server(self, servers: tuple[ir.Server, ...]) -> str | None:
        name = self.data.get("default_server")
        if name is None:
            return servers[0].name if servers else None
        if name not in {s.name for s in servers}:
            self.diagnostics.error(
                "NOVA037",
                f"default_server {name!r} is not one of the servers",
                self.pos("/default_server"),
                hint="known servers: " + ", ".join(s.name for s in servers),
            )
        return str(name)

    def requests(self) -> tuple[ir.Request, ...]:
        out = []
        seen_methods: dict[str, str] = {}
        for name, r in self.data.get("requests", {}).items():
            base = join_pointer("/requests", name)
            method = r["method"]
            if method in seen_methods:
                self.diagnostics.error(
                    "NOVA020",
                    f"requests {seen_methods[method]!r} and {name!r} both use method {method!r}",
                    self.pos(join_pointer(base, "method")),
                    hint="each wire method is described once",
                )
            seen_methods[method] = name
            self.request_methods[name] = method
            out.append(
                ir.Request(
                    name=name,
                    method=method,
                    params=self.params(r.get("params"), join_pointer(base, "params")),
                    result=self.schema(r.get("result"), join_pointer(base, "result")),
                    summary=r.get("summary", ""),
                    description=r.get("description", ""),
                    requires_auth=r.get("auth", False),
                    cost=float(r.get("cost", 1)),
                    idempotent=r.get("idempotent", False),
                    timeout=r.get("timeout"),
                    positional=r.get("positional", False),
                    params_array=_is_array(r.get("params"), self),
                    params_ref=self.params_ref(r.get("params"), join_pointer(base, "params")),
                    reply=r.get("reply", True),
                    public=r.get("public"),
                    examples=tuple(
                        ir.RequestExample(
                            params=e.get("params", {}),
                            result=e.get("result"),
                            error=e.get("error"),
                            name=e.get("name", ""),
                        )
                        for e in r.get("examples", ())
                    ),
                    location=self.location(base),
                )
            )
        return tuple(out)

    def params_ref(self, value: Any, pointer: str) -> str | None:
        """The named schema a ``$ref`` params object points to."""
        if not (isinstance(value, dict) and "$ref" in value) or _is_array(value, self):
            return None
        ref = self.schema(value, pointer).get("$ref", "")
        return ref.rsplit("/", 1)[1] if ref.startswith("#/$defs/") else None

    def params(self, value: Any, pointer: str) -> tuple[ir.Param, ...]:
        """One Param per property of the params object (which may be a ``$ref``)."""
        if value is None:
            return ()
        value, doc, pointer = self.refs.follow(value, self.doc, pointer)
        if isinstance(value, dict) and value.get("type") == "array":
            schema = self.refs.rewrite(value, doc, pointer)
            return (ir.Param("params", schema, True, value.get("description", "")),)
        properties = value.get("properties", {}) if isinstance(value, dict) else None
        if not isinstance(value, dict) or value.get("type", "object") != "object" or not isinstance(properties, dict):
            self.diagnostics.error(
                "NOVA039",
                "request params must be an object schema with `properties` (or an array)",
                doc.source.position(pointer),
                hint="each property becomes a keyword argument of the generated method",
            )
            return ()
        required = ir.required_names(value)
        base = join_pointer(pointer, "properties")
        out = []
        for name, prop in properties.items():
            schema = self.refs.rewrite(prop, doc, join_pointer(base, name))
            description = prop.get("description", "") if isinstance(prop, dict) else ""
            location, required_location = property_locations(doc, pointer, value, name)
            out.append(
                ir.Param(
                    name, schema if isinstance(schema, dict) else {}, name in required, description,
                    location, required_location,
                )
            )
        return tuple(out)

    def subscriptions(self) -> tuple[ir.SubscriptionMethod, ...]:
        out = []
        for name, s in self.data.get("subscriptions", {}).items():
            base = join_pointer("/subscriptions", name)
            self.method_of(s["subscribe"], join_pointer(base, "subscribe"))
            if "unsubscribe" in s:
                self.method_of(s["unsubscribe"], join_pointer(base, "unsubscribe"))
            if "max_batch" in s and s.get("batch") is False:
                self.diagnostics.warning(
                    "NOVA094",
                    f"subscription method {name!r} has max_batch but batch: false;"
                    " it sends one address per request, so max_batch has no effect",
                    self.pos(join_pointer(base, "max_batch")),
                    hint="remove max_batch, or set batch: true if the API takes several addresses",
                )
            out.append(
                ir.SubscriptionMethod(
                    name=name,
                    subscribe=s["subscribe"],
                    unsubscribe=s.get("unsubscribe"),
                    addresses=s.get("addresses", "/channels"),
                    batch=s.get("batch", True),
                    max_batch=s.get("max_batch"),
                    requires_auth=s.get("auth", False),
                    **_ack(s.get("ack", "reply")),
                    subscription_id=s.get("subscription_id"),
                    unsubscribe_params=s.get("unsubscribe_params"),
                    end_when=match_from(s["end"]["when"]) if "end" in s else None,
                )
            )
        return tuple(out)

    def channels(self, methods: set[str]) -> tuple[ir.Channel, ...]:
        return tuple(
            read_channel(self, name, c, methods) for name, c in self.data.get("channels", {}).items()
        )

    def events(self) -> tuple[ir.Event, ...]:
        return tuple(
            ir.Event(
                name=name,
                when=match_from(e["when"]),
                payload=e.get("payload", ""),
                message=self.schema(e["message"], join_pointer(join_pointer("/events", name), "message")),
                summary=e.get("summary", ""),
                description=e.get("description", ""),
                examples=tuple(e.get("examples", ())),
                location=self.location(join_pointer("/events", name)),
            )
            for name, e in self.data.get("events", {}).items()
        )

    def auth(self) -> tuple[p.Auth | None, str | None]:
        a = self.data.get("auth")
        if a is None:
            return None, None
        method = self.method_of(a["request"], "/auth/request") or ""
        credentials = tuple(
            p.Credential(name, c.get("env"), c.get("secret", False)) for name, c in a.get("credentials", {}).items()
        )
        params, signature = read_signature(self, a, {c.name for c in credentials})
        known = {c.name for c in credentials} | {"refresh_token"}
        if signature is not None:
            known |= {"timestamp", "nonce", "method", signature.into}
        for name in a.get("credentials", {}):
            if not nfkc(name).isidentifier():
                self.diagnostics.error(
                    "NOVA022",
                    f"credential {name!r} cannot be a keyword argument of connect()",
                    self.pos(join_pointer("/auth/credentials", name), key=True),
                    hint=f"use a snake_case identifier such as {snake_case(name).lstrip('_') or 'token'!r}",
                )
        for key, value in (("params", params), ("refresh", a.get("refresh", {}))):
            for pointer, text in strings_in(value, f"/auth/{key}"):
                for name in PLACEHOLDER.findall(text):
                    if name not in known:
                        self.diagnostics.error(
                            "NOVA040",
                            f"{{{name}}} is not a credential",
                            self.pos(pointer),
                            hint="declare it under auth.credentials",
                        )
        return (
            p.Auth(
                request=method,
                params=params,
                credentials=credentials,
                token=a.get("token", "/access_token"),
                expires_in=a.get("expires_in", "/expires_in"),
                refresh_token=a.get("refresh_token", "/refresh_token"),
                refresh_params=a.get("refresh"),
                signature=signature,
            ),
            a["request"],
        )

    def reply(self, value: dict[str, Any], pointer: str) -> p.Reply:
        request = value.get("request")
        method = self.method_of(request, join_pointer(pointer, "request")) if request else None
        return p.Reply(
            request=method, params=value.get("params", {}), text=value.get("text"), frame=value.get("frame")
        )

    def heartbeat(self) -> p.Heartbeat:
        h = self.data.get("heartbeat", {})
        ws_ping = h.get("ws_ping", {"interval": 20.0, "timeout": 20.0})
        client = h.get("client_ping")
        return p.Heartbeat(
            ws_ping_interval=ws_ping.get("interval", 20.0) if ws_ping is not None else None,
            ws_ping_timeout=ws_ping.get("timeout", 20.0) if ws_ping is not None else None,
            on_connect=self.reply(h["on_connect"], "/heartbeat/on_connect") if "on_connect" in h else None,
            server_pings=tuple(
                p.ServerPing(
                    when=match_from(s.get("when", {})),
                    reply=self.reply(s["reply"], f"/heartbeat/server_pings/{i}/reply"),
                    text=s.get("text"),
                )
                for i, s in enumerate(h.get("server_pings", ()))
            ),
            client_ping=(
                p.ClientPing(
                    send=self.reply(client["send"], "/heartbeat/client_ping/send"),
                    interval=client["interval"],
                    timeout=client["timeout"],
                    pong=match_from(client["pong"]) if "pong" in client else None,
                    pong_text=client.get("pong_text"),
                )
                if client
                else None
            ),
        )

    def reconnect(self) -> p.ReconnectPolicy:
        r = dict(self.data.get("reconnect", {}))
        codes = {int(code): action for code, action in r.pop("close_codes", {}).items()}
        return p.ReconnectPolicy(**r, close_codes=codes)

    def rate_limit(self) -> p.RateLimit | None:
        r = dict(self.data.get("rate_limit") or {})
        if not r:
            return None
        connections = r.pop("connections", None) or {}
        return p.RateLimit(**r, connect_rate=connections.get("rate"), connect_burst=connections.get("burst"))

    def init(self) -> p.Init | None:
        i = self.data.get("init")
        if i is None:
            return None
        return p.Init(send=i["send"], ack=match_from(i["ack"]), timeout=i.get("timeout", 10.0))

    def hello(self) -> p.Hello | None:
        h = self.data.get("hello")
        if h is None:
            return None
        return p.Hello(
            when=match_from(h["when"]),
            timeout=h.get("timeout", 10.0),
            heartbeat_interval=h.get("heartbeat_interval"),
            interval_scale=0.001 if h.get("interval_unit") == "ms" else 1.0,
        )

    def errors(self) -> tuple[p.ErrorCode, ...]:
        return tuple(
            p.ErrorCode(
                code=int(code) if re.fullmatch(r"-?[0-9]+", code) else code,
                name=e["name"],
                action=e.get("action", "raise"),
                description=e.get("description", ""),
            )
            for code, e in self.data.get("errors", {}).items()
        )


def _is_array(value: Any, n: Normalizer) -> bool:
    followed, _, _ = n.refs.follow(value, n.doc, "") if value is not None else ({}, None, "")
    return isinstance(followed, dict) and followed.get("type") == "array"


def _ack(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return {"ack": "match", "ack_when": match_from(value["when"]), "ack_address": value["address"]}
    return {"ack": value}


JSONRPC2: dict[str, Any] = {
    "template": {"jsonrpc": "2.0"},
    "request": {"id": "/id", "method": "/method", "params": "/params", "id_kind": "int"},
    "response": {"when": {"present": ["/id", "/result"]}, "id": "/id", "result": "/result"},
    "error": {
        "when": {"present": ["/id", "/error"]},
        "id": "/id",
        "code": "/error/code",
        "message": "/error/message",
        "data": "/error/data",
    },
    "notification": {
        "when": {"equals": {"/method": "subscription"}},
        "channel": "/params/channel",
        "payload": "/params/data",
    },
}
PRESETS = {"jsonrpc2": JSONRPC2}


def _error_rule(error: dict[str, Any] | None) -> p.ErrorRule | None:
    if not error:
        return None
    return p.ErrorRule(
        match_from(error["when"]),
        id=error.get("id", "/id"),
        code=error.get("code", "/error/code"),
        message=error.get("message", "/error/message"),
        data=error.get("data"),
    )


def envelope_from(value: dict[str, Any]) -> p.Envelope:
    """Expand a preset, let keys written beside it win, and build the runtime's Envelope."""
    merged = {**PRESETS.get(value.get("preset", ""), {}), **{k: v for k, v in value.items() if k != "preset"}}
    request = merged.get("request", {})
    response = merged.get("response")
    notification = merged.get("notification")
    return p.Envelope(
        template=merged.get("template", {}),
        request=p.RequestFrame(
            method=request.get("method", "/method"),
            params=request.get("params", "/params"),
            id=request.get("id", "/id"),
            id_kind=request.get("id_kind", "int"),
        ),
        response=(
            p.ResponseRule(match_from(response["when"]), response.get("id", "/id"), response.get("result", "/result"))
            if response
            else None
        ),
        error=_error_rule(merged.get("error")),
        result_error=_error_rule(merged.get("result_error")),
        notification=(
            p.NotificationRule(
                match_from(notification["when"]),
                channel=notification.get("channel", "/params/channel"),
                payload=notification.get("payload", "/params/data"),
                subscription=notification.get("subscription"),
            )
            if notification
            else None
        ),
    )
