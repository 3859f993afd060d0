"""The WebSocket handshake of an AsyncAPI client: URL, query string, headers, cookies.

Generated ``connect()`` methods of clients built from AsyncAPI documents describe their
handshake with a :class:`Handshake` (server variables, channel address parameters,
``ws`` binding query and headers, security schemes) and turn it into the URL and
``ConnectOptions.extra_headers`` the connection uses. Nothing here does I/O.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from .options import ConnectOptions

__all__ = ["Handshake", "HandshakeFactory", "TokenProvider", "encode_value", "secret"]

TokenProvider = Callable[[], str]
"""Returns a fresh access token (OAuth2 / OpenID Connect); called before every connection
attempt (the first connect, each reconnect and each lifetime rotation)."""

HandshakeFactory = Callable[[], tuple[str, Mapping[str, str]]]
"""Called before every connection attempt: the URL to open and the handshake headers."""

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def secret(value: str | None, env: str | None) -> str | None:
    """``value``, or the environment variable ``env`` when ``value`` is None."""
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
            raise ValueError(f"{what} {{{name}}} needs a value: pass {name}=... to connect()")
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
    bearer: str | TokenProvider | None = None
    basic: tuple[str | None, str | None] | None = None

    def url(self, base: str) -> str:
        """The URL to open: ``base`` with its variables filled, the address, the query.

        None values are left out of the query; a placeholder without a value is an error.
        """
        filled = _fill(base, self.server, "server variable", path=False)
        parts = urlsplit(filled)
        path = parts.path
        if self.address and self.address != "/":
            path = path.rstrip("/") + _fill(self.address, self.path, "address parameter", path=True)
        query = [(k, encode_value(v)) for k, v in self.query.items() if v is not None]
        joined = "&".join(x for x in (parts.query, urlencode(query)) if x)
        return urlunsplit((parts.scheme, parts.netloc, path, joined, parts.fragment))

    def header_values(self) -> dict[str, str]:
        """Handshake headers: declared headers, cookies, and ``Authorization``."""
        out = {k: encode_value(v) for k, v in self.headers.items() if v is not None}
        cookies = [f"{k}={encode_value(v)}" for k, v in self.cookies.items() if v is not None]
        if cookies:
            out["Cookie"] = "; ".join(cookies)
        token = self.bearer() if callable(self.bearer) else self.bearer
        if token is not None:
            out["Authorization"] = f"Bearer {token}"
        elif self.basic is not None and self.basic[0] is not None:
            raw = f"{self.basic[0]}:{self.basic[1] or ''}".encode()
            out["Authorization"] = "Basic " + base64.b64encode(raw).decode("ascii")
        return out

    def factory(self, base: str) -> HandshakeFactory:
        """What the client calls before each connection attempt: the URL built from
        ``base`` and the headers, built again each time (a token provider is asked anew)."""

        def build() -> tuple[str, Mapping[str, str]]:
            return self.url(base), self.header_values()

        return build

    def options(self, options: ConnectOptions | None) -> ConnectOptions:
        """``options`` with the handshake headers added (headers given there win), built
        once: prefer passing the handshake to ``Connector``, which rebuilds it per connect."""
        base = options if options is not None else ConnectOptions()
        headers = self.header_values()
        if not headers:
            return base
        return replace(base, extra_headers={**headers, **dict(base.extra_headers)})
