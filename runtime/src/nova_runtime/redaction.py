"""The secrets of one client: where they come from before each connection attempt, and
how they are kept out of logs, reprs and exceptions.

A credential is a string or a provider asked again before every attempt
(:mod:`.credentials`); the handshake (URL, query, headers) is built again with it
(:mod:`.handshake`). Every value that went out this way, the login state's secrets and
the token fields of the auth reply are redacted: from the ``nova.<api>`` and
``websockets`` loggers (DEBUG frame logs included), and from the text of every error a
caller or hook sees.

Two rules, applied where a text is made (a log record, an exception, a telemetry event,
a shown URL), never per frame:

* by place: the value of a member, ``repr`` item or URL query parameter named like a
  secret (the spec's secret credentials, the login params filled from them, the token
  fields of the login reply, the handshake's secret names, :data:`.logs.SECRET_NAMES`)
  and the ``Authorization``/``Cookie`` handshake lines, whatever the value, known or not
  (a login reply the client could not read still has its tokens masked);
* by value: every secret value the client holds, wherever it appears, when it is at least
  :data:`.logs.SHORTEST_FREE_TEXT_SECRET` characters long (a shorter one would mangle
  the text it is searched in).
"""

from __future__ import annotations

import inspect
import os
from collections import deque
from collections.abc import Mapping
from typing import Any

from .core.auth import AuthState, Secret, resolve_credentials
from .credentials import CredentialSource, resolve_credential
from .handshake import BoundHandshake, HandshakeFactory
from .logs import (
    SHORTEST_FREE_TEXT_SECRET,
    frame_preview,
    mask_fields,
    redact,
    secret_fields,
)
from .protocol import Auth, Init, Protocol

__all__ = ["Secrets", "secret_names"]


class Secrets:
    """Credentials, handshake and the redaction of one client's secret values."""

    def __init__(
        self,
        protocol: Protocol,
        credentials: Mapping[str, CredentialSource | None] | None,
        *,
        url: str,
        handshake: BoundHandshake | HandshakeFactory | None,
        extra_headers: Mapping[str, str],
    ) -> None:
        sources = {k: v for k, v in (credentials or {}).items() if v is not None}
        self.auth = _auth_state(protocol, sources)
        """Login state (spec ``auth``), None for public use."""
        names = secret_names(protocol.auth, protocol.init)
        if isinstance(handshake, BoundHandshake):
            names.update(handshake.handshake.secrets)
        self.fields = secret_fields(names)
        """Where a value is secret by its name (:func:`.logs.secret_fields`)."""
        self._open_url = url
        self.handshake = handshake
        """URL and headers, asked for again before every connection attempt."""
        self.providers = {k: v for k, v in sources.items() if not isinstance(v, str)}
        """Credentials asked for again before every connection attempt."""
        self.credentials = {k: v for k, v in sources.items() if isinstance(v, str)}
        """The current values, for the spec's ``init`` frame."""
        self._held: deque[str] | None = None
        """Credentials sent in handshakes and values from providers, to redact (the last
        64; made by the first)."""
        self.hold_headers(extra_headers)
        self.url = self.redact(url)
        """The URL of the current (or last) connection attempt, credentials masked."""

    async def attempt_handshake(self) -> tuple[str, Mapping[str, str] | None]:
        """Before a connection attempt: ask every credential provider again, build the
        handshake; returns the URL to open and the headers (:attr:`url` shows the URL
        with credentials masked). Every credential value joins the redacted ones. A
        provider's ``TypeError`` (it returned no ``str``) propagates; so does anything
        else it raises."""
        for name, source in self.providers.items():
            value = await resolve_credential(name, source)
            self.credentials[name] = value
            self._hold(value)
            if self.auth is not None:
                self.auth.credentials[name] = Secret(value)
        handshake = self.handshake
        if handshake is None:
            return self._open_url, None
        if isinstance(handshake, BoundHandshake):
            url, headers, self.url, found = await handshake.build()
            self._hold(*found)
        else:
            built = handshake()
            if inspect.isawaitable(built):
                built = await built
            url, headers = built
            self.url = self.redact(url)
        self.hold_headers(headers)
        return url, headers

    def values(self) -> list[str]:
        """Every secret value known now (credentials, tokens, handshake secrets) long
        enough to be searched for in free text (:data:`.logs.SHORTEST_FREE_TEXT_SECRET`)."""
        auth = self.auth
        values = auth.secret_values() if auth is not None else []
        if self._held is not None:
            values = values + list(self._held)
        return [v for v in values if len(v) >= SHORTEST_FREE_TEXT_SECRET]

    def _hold(self, *values: str) -> None:
        if not values:
            return
        held = self._held
        if held is None:
            held = self._held = deque(maxlen=64)
        held.extend(values)

    def hold_headers(self, headers: Mapping[str, str]) -> None:
        """The credentials of a handshake's headers (RFC 9110 ``Authorization``: the
        whole value and its token; RFC 6265 ``Cookie``: each value) join the values
        redacted from logs: ``websockets`` logs every request header at DEBUG."""
        for name, value in headers.items():
            lower = name.lower()
            if lower == "authorization":
                self._hold(value)
                _, _, token = value.partition(" ")
                if token:
                    self._hold(token.strip())
            elif lower == "cookie":
                for pair in value.split(";"):
                    cookie = pair.partition("=")[2].strip()
                    if cookie:
                        self._hold(cookie)

    def redact_error(self, error: BaseException) -> None:
        """Remove secrets from an exception's text and from those of its causes and
        contexts (``__cause__``, ``__context__``, an exception group's members), in place,
        before anyone sees it: a server error message may echo the token it refuses, an
        ``InvalidURI`` holds the URL with its query."""
        seen: set[int] = set()
        todo = [error]
        while todo and len(seen) < 64:  # bounded: a chain can be long or cyclic
            exc = todo.pop()
            if id(exc) in seen:
                continue
            seen.add(id(exc))
            exc.args = tuple(self.redact(a) if isinstance(a, str) else a for a in exc.args)
            # Instance attributes only: a property may be deprecated or computed.
            fields = getattr(exc, "__dict__", {})
            for name in ("message", "reason", "url", "uri"):
                value = fields.get(name)
                if isinstance(value, str):
                    fields[name] = self.redact(value)
            if isinstance(exc, OSError):  # str() shows these, not args
                for name in ("strerror", "filename"):
                    value = getattr(exc, name)
                    if isinstance(value, str):
                        setattr(exc, name, self.redact(value))
            todo.extend(e for e in (exc.__cause__, exc.__context__) if e is not None)
            if isinstance(exc, BaseExceptionGroup):
                todo.extend(exc.exceptions)

    def redact(self, text: str) -> str:
        """``text`` with secrets masked by place, then by value (see the module's rules)."""
        return redact(mask_fields(text, self.fields), self.values())

    def preview(self, data: str | bytes) -> str:
        """A redacted one-line preview of a frame, for DEBUG logs: secrets by place (the
        login reply's token fields, not known yet when that reply itself is logged), then
        by value."""
        if isinstance(data, str):
            data = mask_fields(data, self.fields)
        return frame_preview(data, secrets=self.values())


def secret_names(auth: Auth | None, init: Init | None = None) -> set[str]:
    """Names whose values are secret in a protocol (spec ``auth`` and ``init``): the
    token fields of the login reply (last step of ``auth.token``/``auth.refresh_token``),
    the secret credentials, and the members of the login params and of the ``init``
    frame filled from one. The local test server masks them in its logs too."""
    if auth is None:
        return set()
    names = {p.rsplit("/", 1)[-1] for p in (auth.token, auth.refresh_token) if p}
    secret = {c.name for c in auth.credentials if c.secret}
    names |= secret
    placeholders = tuple(f"{{{n}}}" for n in secret)
    templates: list[Any] = [auth.params, auth.refresh_params]
    if init is not None:
        templates.append(init.send)
    while templates:  # the members a secret credential is filled into, at any depth
        node = templates.pop()
        if isinstance(node, Mapping):
            for key, value in node.items():
                if isinstance(value, str) and any(p in value for p in placeholders):
                    names.add(str(key))
                templates.append(value)
        elif isinstance(node, list | tuple):
            templates.extend(node)
    return names


def _auth_state(
    protocol: Protocol, credentials: Mapping[str, CredentialSource]
) -> AuthState | None:
    """Login state when the spec has auth and credentials were given (or are in the
    environment); None for public use. Half-given credentials raise MissingCredential.
    Credentials given as providers are filled in before each connection attempt."""
    auth = protocol.auth
    if auth is None:
        return None
    given = {k: v for k, v in credentials.items() if isinstance(v, str) and v}
    provided = [k for k, v in credentials.items() if not isinstance(v, str)]
    in_env = any(c.env and os.environ.get(c.env) for c in auth.credentials)
    if not given and not provided and not in_env:
        return None
    return AuthState(auth, resolve_credentials(auth, given, os.environ, provided))
