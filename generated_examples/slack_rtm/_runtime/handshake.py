"""The WebSocket handshake of an AsyncAPI client: URL, query string, headers, cookies.

Generated ``connect()`` methods of clients built from AsyncAPI documents describe their
handshake with a :class:`Handshake` (server variables, channel address parameters,
``ws`` binding query and headers, security schemes) and turn it into the URL and
``ConnectOptions.extra_headers`` the connection uses. Nothing here does I/O; credential
providers (:mod:`.credentials`) are called, and awaited, by :meth:`Handshake.resolved`
before every connection attempt.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from .credentials import CredentialProvider, check_credential, resolve_credential
from .options import ConnectOptions

__all__ = [
    "BoundHandshake",
    "CredentialProvider",
    "Handshake",
    "HandshakeFactory",
    "TokenProvider",
    "encode_value",
    "secret",
]

TokenProvider = CredentialProvider
"""The provider of a bearer token (OAuth2 / OpenID Connect): one
:data:`~.credentials.CredentialProvider`, like every other credential's."""

HandshakeFactory = Callable[
    [], tuple[str, Mapping[str, str]] | Awaitable[tuple[str, Mapping[str, str]]]
]
"""Called (and awaited, when it returns an awaitable) before every connection attempt:
the URL to open and the handshake headers."""

_MASK = "***"
_V = TypeVar("_V")

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def secret(value: _V | None, env: str | None) -> _V | str | None:
    """``value`` (a string or a credential provider), or the environment variable ``env``
    when ``value`` is None."""
    if value is not None or env is None:
        return value
    return os.environ.get(env)


def encode_value(value: Any) -> str:
    """A value as it appears in a URL or header: JSON spelling for booleans."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(template: str, values: Mapping[str, Any], what: str, *, path: bool) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        value = values.get(name)
        if value is None:
            raise ValueError(
                f"{what} {{{name}}} needs a value: pass {name}=... to connect()"
            )
        text = encode_value(value)
        return quote(text, safe="") if path else text

    return _PLACEHOLDER.sub(one, template)


@dataclass(frozen=True, slots=True)
class Handshake:
    address: str = ""
    """The channel address appended to the server URL, e.g. ``/v1/marketdata/{symbol}``."""
    path: Mapping[str, Any] = field(default_factory=dict)
    """Values of the address's ``{placeholders}``."""
    server: Mapping[str, Any] = field(default_factory=dict)
    """Values of the server URL's ``{variables}``."""
    query: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, Any] = field(default_factory=dict)
    cookies: Mapping[str, Any] = field(default_factory=dict)
    bearer: str | CredentialProvider | None = None
    basic: (
        tuple[str | CredentialProvider | None, str | CredentialProvider | None] | None
    ) = None
    secrets: tuple[str, ...] = ()
    """Names in ``query``, ``headers`` and ``cookies`` whose values are credentials (API
    keys): a provider may stand for them, and they are masked wherever the URL is shown.
    The bearer token and the Basic password always are credentials."""

    def check(self) -> None:
        """``TypeError`` for a credential that is neither a ``str``, a provider nor None."""
        for where in (self.query, self.headers, self.cookies):
            for name in self.secrets:
                if name in where:
                    check_credential(name, where[name])
        check_credential("bearer token", self.bearer)
        if self.basic is not None:
            check_credential("Basic user name", self.basic[0])
            check_credential("Basic password", self.basic[1])

    async def resolved(self) -> tuple[Handshake, list[str]]:
        """A copy with every provider asked (and awaited), and the credential values in
        it (to redact). Called before every connection attempt."""
        found: list[str] = []

        async def one(name: str, value: Any, is_secret: bool) -> Any:
            if callable(value):
                value = await resolve_credential(name, value)
                is_secret = True
            if is_secret and isinstance(value, str) and value:
                found.append(value)
            return value

        async def each(values: Mapping[str, Any]) -> dict[str, Any]:
            return {k: await one(k, v, k in self.secrets) for k, v in values.items()}

        basic = self.basic
        if basic is not None:
            basic = (
                await one("Basic user name", basic[0], False),
                await one("Basic password", basic[1], True),
            )
        copy = replace(
            self,
            query=await each(self.query),
            headers=await each(self.headers),
            cookies=await each(self.cookies),
            bearer=await one("bearer token", self.bearer, True),
            basic=basic,
        )
        return copy, found

    def masked(self) -> Handshake:
        """A copy to show (``client.url``, logs, telemetry): credentials and providers in
        the query, headers and cookies are ``***``; no Authorization."""

        def mask(values: Mapping[str, Any]) -> dict[str, Any]:
            return {
                k: _MASK if (k in self.secrets or callable(v)) and v is not None else v
                for k, v in values.items()
            }

        return replace(
            self,
            query=mask(self.query),
            headers=mask(self.headers),
            cookies=mask(self.cookies),
            bearer=None,
            basic=None,
        )

    def url(self, base: str) -> str:
        """The URL to open: ``base`` with its variables filled, the address, the query.

        None values are left out of the query; a placeholder without a value is an error.
        """
        filled = _fill(base, self.server, "server variable", path=False)
        parts = urlsplit(filled)
        path = parts.path
        if self.address and self.address != "/":
            # Exactly one "/" between the server's path and the address, however either is written
            # (AsyncAPI 3.x addresses often have no leading slash: `events`).
            address = _fill(self.address, self.path, "address parameter", path=True)
            path = path.rstrip("/") + "/" + address.lstrip("/")
        query = [(k, encode_value(v)) for k, v in self.query.items() if v is not None]
        joined = "&".join(x for x in (parts.query, urlencode(query)) if x)
        return urlunsplit((parts.scheme, parts.netloc, path, joined, parts.fragment))

    def header_values(self) -> dict[str, str]:
        """Handshake headers: declared headers, cookies, and ``Authorization``."""
        out = {k: encode_value(v) for k, v in self.headers.items() if v is not None}
        cookies = [
            f"{k}={encode_value(v)}" for k, v in self.cookies.items() if v is not None
        ]
        if cookies:
            out["Cookie"] = "; ".join(cookies)
        token = self.bearer
        if token is not None:
            out["Authorization"] = f"Bearer {_plain(token)}"
        elif self.basic is not None and self.basic[0] is not None:
            user, password = _plain(self.basic[0]), _plain(self.basic[1] or "")
            raw = f"{user}:{password}".encode()
            out["Authorization"] = "Basic " + base64.b64encode(raw).decode("ascii")
        return out

    def factory(self, base: str) -> HandshakeFactory:
        """What the client calls before each connection attempt: the URL built from
        ``base`` and the headers, built again each time (providers are asked anew)."""

        async def build() -> tuple[str, Mapping[str, str]]:
            fresh, _ = await self.resolved()
            return fresh.url(base), fresh.header_values()

        return build

    def options(self, options: ConnectOptions | None) -> ConnectOptions:
        """``options`` with the handshake headers added (headers given there win), built
        once from plain values (no providers): prefer passing the handshake to
        ``Connector``, which rebuilds it per connection attempt."""
        base = options if options is not None else ConnectOptions()
        headers = self.header_values()
        if not headers:
            return base
        return replace(base, extra_headers={**headers, **dict(base.extra_headers)})


def _plain(value: object) -> str:
    if callable(value):
        raise TypeError(
            "a credential provider must be resolved first (Handshake.resolved)"
        )
    return str(value)


@dataclass(frozen=True, slots=True)
class BoundHandshake:
    """A :class:`Handshake` applied to a server URL: what the client builds before
    every connection attempt."""

    handshake: Handshake
    base: str

    @property
    def shown_url(self) -> str:
        """The URL with credentials masked, for ``client.url``, logs and telemetry."""
        return self.handshake.masked().url(self.base)

    async def build(self) -> tuple[str, Mapping[str, str], str, list[str]]:
        """``(URL to open, headers, URL to show, credential values to redact)``, with
        every provider asked again."""
        fresh, found = await self.handshake.resolved()
        return fresh.url(self.base), fresh.header_values(), self.shown_url, found
