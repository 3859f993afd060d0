"""Servers, server variables, ``ws`` bindings and security schemes: the handshake.

Everything here becomes a typed argument of the generated ``connect()``
(:class:`~nova_gen.ir.ConnectParam`) with the place its value goes: the server URL, the
channel address (path), the query string, a header, a cookie, or ``Authorization``.
"""

from __future__ import annotations

import re
from typing import Any

from nova_runtime.pointer import join_pointer
from nova_runtime.template import PLACEHOLDER

from .. import ir
from ..diagnostics import Diagnostics
from ..loader.refs import RefResolver
from ..loader.source import Document
from .model import Channel
from .validate import mapping

WS_PROTOCOLS = ("ws", "wss")
NOT_WEBSOCKET = frozenset(
    {"X509", "symmetricEncryption", "asymmetricEncryption", "plain", "scramSha256", "scramSha512", "gssapi"}
)


class Handshake:
    def __init__(self, doc: Document, refs: RefResolver, diagnostics: Diagnostics, major: int, api_name: str) -> None:
        self.doc = doc
        self.refs = refs
        self.diagnostics = diagnostics
        self.major = major
        self.api_name = api_name
        self.params: list[ir.ConnectParam] = []
        self._seen: set[tuple[str, str]] = set()

    def add(self, param: ir.ConnectParam) -> None:
        key = (param.kind, param.name)
        if key not in self._seen:
            self._seen.add(key)
            self.params.append(param)

    def own_name(self, name: str) -> str:
        """The name of a credential argument nova-gen makes up (``token``, ``username``,
        ``password``, ``access_token``): ``auth_<name>`` when the document already gives an
        argument that name (a ``ws`` header called ``token``), as the document's names win."""
        return f"auth_{name}" if any(p.name == name for p in self.params) else name

    def env_name(self, name: str) -> str:
        return re.sub(r"[^0-9A-Za-z]+", "_", f"{self.api_name}_{name}").upper()

    # -- servers ------------------------------------------------------------------------

    def servers(self) -> tuple[list[ir.Server], list[tuple[Any, Document, str]]]:
        """WebSocket servers, and every server's security requirements (where they are)."""
        out: list[ir.Server] = []
        security: list[tuple[Any, Document, str]] = []
        for name, raw in (self.doc.data.get("servers") or {}).items():
            base = join_pointer("/servers", name)
            server, sdoc, sptr = self.refs.follow(raw, self.doc, base)
            if not isinstance(server, dict):
                continue
            protocol = str(server.get("protocol", "")).lower()
            if self.major == 2:
                url = str(server.get("url", ""))
                if "://" in url:
                    scheme = url.split("://", 1)[0].lower()
                    protocol = protocol or scheme
                else:
                    url = f"{protocol or 'wss'}://{url}"
                where = join_pointer(sptr, "url")
            else:
                host = str(server.get("host", ""))
                pathname = str(server.get("pathname", "") or "")
                if pathname and not pathname.startswith("/"):
                    pathname = "/" + pathname
                url = f"{protocol or 'wss'}://{host}{pathname}"
                where = join_pointer(sptr, "host")
            if "security" in server:
                security.append((server["security"], sdoc, join_pointer(sptr, "security")))
            if protocol not in WS_PROTOCOLS or not url.startswith(("ws://", "wss://")):
                self.diagnostics.warning(
                    "NOVA104",
                    f"server {name!r} is not a WebSocket server ({protocol or url!r}); it is not used to connect",
                    sdoc.source.position(join_pointer(sptr, "protocol")),
                    hint="a bootstrap endpoint (e.g. https) is called by your code; pass the WebSocket "
                    "URL it returns as connect(url=...)",
                )
                continue
            variables = mapping(server.get("variables"), sdoc, join_pointer(sptr, "variables"), self.diagnostics)
            used = PLACEHOLDER.findall(url)
            for var in used:
                if var not in variables:
                    self.diagnostics.error(
                        "NOVA105",
                        f"server {name!r} uses {{{var}}} but declares no such variable",
                        sdoc.source.position(where),
                        hint=f"add `variables: {{{var}: {{default: ...}}}}` to the server",
                    )
            for var, spec in variables.items():
                spec, _, _ = self.refs.follow(spec, sdoc, join_pointer(join_pointer(sptr, "variables"), var))
                spec = spec if isinstance(spec, dict) else {}
                if var not in used:
                    self.diagnostics.error(
                        "NOVA105",
                        f"server variable {var!r} of server {name!r} is not used in its URL",
                        sdoc.source.position(join_pointer(join_pointer(sptr, "variables"), var), key=True),
                        hint=f"write {{{var}}} in the URL, or remove the variable",
                    )
                    continue
                schema: dict[str, Any] = {"type": "string"}
                if isinstance(spec.get("enum"), list):
                    schema["enum"] = [str(v) for v in spec["enum"]]
                self.add(
                    ir.ConnectParam(
                        location=_location(sdoc, join_pointer(join_pointer(sptr, "variables"), var)),
                        name=var,
                        kind="server",
                        schema=schema,
                        required=False,
                        default=spec.get("default"),
                        description=str(spec.get("description", "")),
                    )
                )
            out.append(ir.Server(str(name), url, str(server.get("description", "") or "")))
        return out, security

    # -- channel ------------------------------------------------------------------------

    def channel(self, channel: Channel) -> None:
        """Parameters of the connection's channel address, and its ``ws`` binding."""
        address = channel.address or ""
        declared = mapping(
            channel.value.get("parameters"), channel.doc, join_pointer(channel.pointer, "parameters"), self.diagnostics
        )
        used = PLACEHOLDER.findall(address)
        pbase = join_pointer(channel.pointer, "parameters")
        for name in used:
            if name not in declared:
                self.diagnostics.error(
                    "NOVA106",
                    f"address parameter {{{name}}} of channel {channel.key!r} is not declared",
                    channel.doc.source.position(channel.pointer, key=True),
                    hint=f"add `{name}` under the channel's parameters",
                )
        unused = [name for name in declared if name not in used]
        located = [
            name
            for name in unused
            if _has_location(self.refs.follow(declared[name], channel.doc, join_pointer(pbase, name))[0])
        ]
        for name in unused:
            if name not in located:
                self.diagnostics.error(
                    "NOVA106",
                    f"parameter {name!r} of channel {channel.key!r} is missing from its address {address!r}",
                    channel.doc.source.position(join_pointer(pbase, name), key=True),
                    hint=f"write {{{name}}} in the address, or remove the parameter",
                )
        if located:
            # Vendors describe query settings so (`location: $message.payload#/x`); a parameter
            # only ever fills the address, so these fill nothing: one warning for them all.
            more = f" and {len(located) - 4} more" if len(located) > 4 else ""
            shown = ", ".join(repr(n) for n in located[:4]) + more
            self.diagnostics.warning(
                "NOVA121",
                f"channel {channel.key!r} declares parameters its address {address!r} does not use ({shown}); "
                "they say where their value lives (`location`), so nova-gen ignores them",
                channel.doc.source.position(join_pointer(pbase, located[0]), key=True),
                hint="if the server reads them from the URL's query string, declare them under the channel's "
                "`bindings: {ws: {query: {type: object, properties: {...}}}}`: each becomes a connect() argument",
            )
        for name in dict.fromkeys(used):
            if name not in declared:
                continue
            spec, pdoc, pptr = self.refs.follow(declared[name], channel.doc, join_pointer(pbase, name))
            spec = spec if isinstance(spec, dict) else {}
            if self.major == 2 and "schema" in spec:
                schema = self.refs.rewrite(spec["schema"], pdoc, join_pointer(pptr, "schema"))
            else:
                schema = {"type": "string"}
                if isinstance(spec.get("enum"), list):
                    schema["enum"] = [str(v) for v in spec["enum"]]
            default = spec.get("default", schema.get("default") if isinstance(schema, dict) else None)
            self.add(
                ir.ConnectParam(
                    location=_location(channel.doc, join_pointer(pbase, name)),
                    name=name,
                    kind="path",
                    schema=schema if isinstance(schema, dict) else {},
                    required=default is None,
                    default=default,
                    description=str(spec.get("description", "")).strip(),
                )
            )
        binding, bdoc, bptr = self.refs.follow(
            mapping(
                channel.value.get("bindings"), channel.doc, join_pointer(channel.pointer, "bindings"), self.diagnostics
            ).get("ws"),
            channel.doc,
            join_pointer(join_pointer(channel.pointer, "bindings"), "ws"),
        )
        if not isinstance(binding, dict):
            return
        method = binding.get("method")
        if isinstance(method, str) and method.upper() not in ("GET",):
            self.diagnostics.warning(
                "NOVA110",
                f"the ws binding asks for method {method!r}; a WebSocket handshake is always GET",
                bdoc.source.position(join_pointer(bptr, "method")),
                hint="remove `method`, or write GET",
            )
        for kind in ("query", "headers"):
            raw = binding.get(kind)
            if raw is None:
                continue
            schema, sdoc, sptr = self.refs.follow(raw, bdoc, join_pointer(bptr, kind))
            props = schema.get("properties") if isinstance(schema, dict) else None
            if not isinstance(props, dict):
                continue
            required = ir.required_names(schema)
            for name, prop in props.items():
                rewritten = self.refs.rewrite(prop, sdoc, join_pointer(join_pointer(sptr, "properties"), name))
                description = str(prop.get("description", "")).strip() if isinstance(prop, dict) else ""
                self.add(
                    ir.ConnectParam(
                        location=_location(sdoc, join_pointer(join_pointer(sptr, "properties"), str(name))),
                        name=str(name),
                        kind="query" if kind == "query" else "header",
                        schema=rewritten if isinstance(rewritten, dict) else {},
                        required=name in required,
                        description=description,
                    )
                )

    # -- security -----------------------------------------------------------------------

    def security(self, requirements: list[tuple[Any, Document, str]]) -> None:
        components = self.doc.data.get("components")
        schemes = mapping(
            components.get("securitySchemes") if isinstance(components, dict) else None,
            self.doc,
            "/components/securitySchemes",
            self.diagnostics,
        )
        for value, doc, pointer in requirements:
            if not isinstance(value, list):
                continue
            for i, req in enumerate(value):
                where = join_pointer(pointer, i)
                if self.major == 2 or (isinstance(req, dict) and "$ref" not in req and "type" not in req):
                    for name in req if isinstance(req, dict) else ():
                        if name not in schemes:
                            self.diagnostics.error(
                                "NOVA111",
                                f"security requirement names unknown scheme {name!r}",
                                doc.source.position(join_pointer(where, name), key=True),
                                hint="known schemes: " + (", ".join(sorted(schemes)) or "none (components.securitySchemes)"),
                            )
                            continue
                        scheme, sdoc, sptr = self.refs.follow(
                            schemes[name], self.doc, join_pointer("/components/securitySchemes", name)
                        )
                        self.scheme(str(name), scheme, sdoc, sptr)
                else:
                    scheme, sdoc, sptr = self.refs.follow(req, doc, where)
                    name = sptr.rsplit("/", 1)[-1] if sptr.startswith("/components/") else f"security{i + 1}"
                    self.scheme(name, scheme, sdoc, sptr)

    def scheme(self, key: str, scheme: Any, doc: Document, pointer: str) -> None:
        if not isinstance(scheme, dict):
            return
        kind = scheme.get("type")
        where = doc.source.position(join_pointer(pointer, "type"))
        desc = str(scheme.get("description", "")).strip()
        if kind == "httpApiKey":
            place = scheme.get("in")
            name = str(scheme.get("name", key))
            if place in ("query", "header", "cookie"):
                self.add(
                    ir.ConnectParam(
                        location=_location(doc, join_pointer(pointer, "name") if "name" in scheme else pointer),
                        name=name,
                        kind=place,
                        schema={"type": "string"},
                        description=desc or f"API key ({key}), sent as {place} {name!r}",
                        secret=True,
                        env=self.env_name(name),
                    )
                )
                return
        elif kind == "http":
            http = str(scheme.get("scheme", "")).lower()
            if http == "bearer":
                token = self.own_name("token")
                self.add(ir.ConnectParam(token, "bearer", {"type": "string"}, description=desc or "bearer token",
                                         secret=True, env=self.env_name(token)))
                return
            if http == "basic":
                self.basic(desc)
                return
        elif kind == "userPassword" or (kind == "apiKey" and scheme.get("in") in ("user", "password")):
            self.basic(desc)
            return
        elif kind in ("oauth2", "openIdConnect"):
            token = self.own_name("access_token")
            self.add(
                ir.ConnectParam(
                    token,
                    "bearer",
                    {"type": "string"},
                    description=desc or f"{kind} access token, or a callable returning a fresh one",
                    secret=True,
                    env=self.env_name(token),
                )
            )
            return
        what = f"{kind} in {scheme.get('in')!r}" if "in" in scheme else str(kind)
        self.diagnostics.warning(
            "NOVA110",
            f"security scheme {key!r} ({what}) cannot apply to a WebSocket handshake; it is ignored",
            where,
            hint="pass what it needs yourself through ConnectOptions(extra_headers=...), or describe it with x-nova-auth",
        )

    def basic(self, desc: str) -> None:
        user, password = self.own_name("username"), self.own_name("password")
        self.add(ir.ConnectParam(user, "basic_user", {"type": "string"}, description=desc or "user name",
                                 env=self.env_name(user)))
        self.add(ir.ConnectParam(password, "basic_password", {"type": "string"}, description="password",
                                 secret=True, env=self.env_name(password)))


def _location(doc: Document, pointer: str) -> ir.Location:
    position = doc.source.position(pointer, key=True)
    return ir.Location(position.file, position.line, position.column)


def _has_location(parameter: Any) -> bool:
    """Whether a Parameter Object says where its value lives (``location``: a runtime expression)."""
    return isinstance(parameter, dict) and isinstance(parameter.get("location"), str)
