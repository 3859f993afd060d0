"""Connection options, server selection, and their translation into ``websockets`` arguments.

Kept apart from the client so the policy (TLS verification on unless explicitly turned
off, which server ``connect()`` picks) is in one small, testable place.
"""

from __future__ import annotations

import ssl as _ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .protocol import Protocol

__all__ = ["ConnectOptions", "resolve_url", "websockets_kwargs"]


@dataclass(frozen=True, slots=True)
class ConnectOptions:
    """How to open the WebSocket. Defaults are safe: TLS is verified unless ``verify=False``."""

    open_timeout: float | None = 10.0
    close_timeout: float | None = 10.0
    max_size: int | None = 16 * 2**20
    """Largest incoming message in bytes (None: no limit)."""
    extra_headers: Mapping[str, str] = field(default_factory=dict)
    compression: bool = True
    """Offer permessage-deflate."""
    ssl: _ssl.SSLContext | None = None
    """A custom TLS context (custom CA, client certificates). Wins over ``verify``."""
    verify: bool = True
    """Verify the server's TLS certificate. Turn off only for development."""
    user_agent: str | None = None
    subscription_buffer: int = 1000
    """Messages each subscription buffers before dropping the oldest."""
    handler_queue_size: int = 10_000
    """Hook calls queued before dropping the oldest (counted in ``client.hooks_dropped``)."""


def resolve_url(protocol: Protocol, server: str | None, url: str | None) -> str:
    """The URL to connect to: ``url`` if given, else the named (or default) server's."""
    if url is not None:
        return url
    name = server if server is not None else protocol.default_server
    if name is None:
        if not protocol.servers:
            raise ValueError(f"{protocol.name}: no servers are defined; pass url=")
        name = next(iter(protocol.servers))
    try:
        return protocol.servers[name]
    except KeyError:
        known = ", ".join(repr(s) for s in protocol.servers) or "none"
        raise ValueError(
            f"{protocol.name}: unknown server {name!r}; known servers: {known}"
        ) from None


def websockets_kwargs(protocol: Protocol, options: ConnectOptions, url: str) -> dict[str, Any]:
    """Keyword arguments for ``websockets.asyncio.client.connect``."""
    hb = protocol.heartbeat
    kwargs: dict[str, Any] = {
        "open_timeout": options.open_timeout,
        "close_timeout": options.close_timeout,
        "max_size": options.max_size,
        "ping_interval": hb.ws_ping_interval,
        "ping_timeout": hb.ws_ping_timeout,
        "compression": "deflate" if options.compression else None,
    }
    if options.extra_headers:
        kwargs["additional_headers"] = dict(options.extra_headers)
    if options.user_agent is not None:
        kwargs["user_agent_header"] = options.user_agent
    if protocol.subprotocols:
        kwargs["subprotocols"] = list(protocol.subprotocols)
    if url.startswith("wss:"):
        if options.ssl is not None:
            kwargs["ssl"] = options.ssl
        elif not options.verify:
            context = _ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = _ssl.CERT_NONE
            kwargs["ssl"] = context
    return kwargs
