"""The secrets of one client: where they come from before each connection attempt, and
how they are kept out of logs, reprs and exceptions.

A credential is a string or a provider asked again before every attempt
(:mod:`.credentials`); the handshake (URL, query, headers) is built again with it
(:mod:`.handshake`). Every value that went out this way, the login state's secrets and
the token fields of the auth reply are redacted: from the ``nova.<api>`` and
``websockets`` loggers (DEBUG frame logs included), and from the text of every error a
caller or hook sees.
"""

from __future__ import annotations

import inspect
import os
import re
from collections import deque
from collections.abc import Mapping

from .core.auth import AuthState, Secret, resolve_credentials
from .credentials import CredentialSource, resolve_credential
from .handshake import BoundHandshake, HandshakeFactory
from .logs import frame_preview, redact
from .protocol import Protocol

__all__ = ["Secrets"]


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
        self.url = url
        """The URL of the current (or last) connection attempt, credentials masked."""
        self.handshake = handshake
        """URL and headers, asked for again before every connection attempt."""
        self.providers = {k: v for k, v in sources.items() if not isinstance(v, str)}
        """Credentials asked for again before every connection attempt."""
        self.credentials = {k: v for k, v in sources.items() if isinstance(v, str)}
        """The current values, for the spec's ``init`` frame."""
        self._held: deque[str] | None = None
        """Credentials sent in handshakes and values from providers, to redact (the last
        64; made by the first)."""
        self._masked_fields = _token_fields(protocol)
        self.hold_headers(extra_headers)

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
            return self.url, None
        if isinstance(handshake, BoundHandshake):
            url, headers, self.url, found = await handshake.build()
            self._hold(*found)
        else:
            built = handshake()
            if inspect.isawaitable(built):
                built = await built
            url, headers = built
            self.url = url
        self.hold_headers(headers)
        return url, headers

    def values(self) -> list[str]:
        """Every secret value known now (credentials, tokens, handshake secrets)."""
        auth = self.auth
        values = auth.secret_values() if auth is not None else []
        return values + list(self._held) if self._held is not None else values

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
        """Remove secret values from an exception's text, in place, before anyone sees
        it (a server error message may echo the token it refuses)."""
        secrets = self.values()
        if not secrets:
            return
        error.args = tuple(redact(a, secrets) if isinstance(a, str) else a for a in error.args)
        for name in ("message", "reason"):
            value = getattr(error, name, None)
            if isinstance(value, str):
                setattr(error, name, redact(value, secrets))

    def redact(self, text: str) -> str:
        """``text`` with every secret value replaced."""
        return redact(text, self.values())

    def preview(self, data: str | bytes) -> str:
        """A redacted one-line preview of a frame, for DEBUG logs: known secret values,
        and the values of the auth reply's token fields (not known yet when the login
        reply itself is logged)."""
        masked = self._masked_fields
        if masked is not None and isinstance(data, str):
            data = masked.sub(r'\1"***"', data)
        return frame_preview(data, secrets=self.values())


def _token_fields(protocol: Protocol) -> re.Pattern[str] | None:
    """A regex matching ``"name": "value"`` for the token fields of the auth reply and
    the secret credentials, so DEBUG frame logs never show them."""
    auth = protocol.auth
    if auth is None:
        return None
    names = {p.rsplit("/", 1)[-1] for p in (auth.token, auth.refresh_token) if p}
    names |= {c.name for c in auth.credentials if c.secret}
    names |= {"access_token", "refresh_token"}
    alternatives = "|".join(re.escape(n) for n in sorted(names) if n)
    return re.compile(rf'("(?:{alternatives})"\s*:\s*)"(?:[^"\\]|\\.)*"')


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
