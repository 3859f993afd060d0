"""Connection options, server selection, and their translation into ``websockets`` arguments.

Kept apart from the client so the policy (TLS verification on unless explicitly turned
off, which server ``connect()`` picks) is in one small, testable place.
"""

from __future__ import annotations

import logging
import ssl as _ssl
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .lifecycle import OverflowPolicy
from .protocol import Heartbeat, Protocol, ReconnectPolicy

if TYPE_CHECKING:
    from .core.backoff import Backoff
    from .core.lenient import ValidationPolicy
    from .core.ratelimit import Limiter
    from .telemetry import TelemetrySink

__all__ = [
    "DEFAULT_TRANSPORT",
    "ConnectOptions",
    "Transport",
    "resolve_url",
    "ssl_context",
    "transport_for",
    "websockets_kwargs",
]

Transport = Literal["websockets", "picows"]
"""The receive transports: ``websockets``' own protocol, or picows' C frame parser."""

DEFAULT_TRANSPORT: Transport = "websockets"
"""The transport of options that name none (the test suite runs it both ways)."""


@dataclass(frozen=True, slots=True)
class ConnectOptions:
    """How to connect and keep the connection. Defaults are safe: TLS is verified unless
    ``insecure=True`` (or the older ``verify=False``), which logs a WARNING.

    Fields set to None take the spec's value (``reconnect``, ``heartbeat``,
    ``max_lifetime``, ``on_limit``) or the runtime's default (``limiter``,
    ``backoff``, ``telemetry``).
    """

    open_timeout: float | None = 10.0
    close_timeout: float | None = 10.0
    max_size: int | None = 16 * 2**20
    """Largest incoming message in bytes (None: no limit)."""
    extra_headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    """Headers added to every handshake (left out of ``repr``: they may carry credentials)."""
    compression: bool = True
    """Offer permessage-deflate (the ``websockets`` transport only: picows has none)."""
    transport: Transport | None = None
    """``"websockets"`` (None: the default) or ``"picows"``: the same behaviour on a
    frame parser in C, from the extra ``nova-runtime[picows]``, several times faster to
    receive. It offers no compression (permessage-deflate), whatever ``compression``
    says; see docs/runtime.md."""
    ssl: _ssl.SSLContext | None = None
    """A custom TLS context (custom CA, client certificates). Wins over ``verify``."""
    verify: bool = True
    """Verify the server's TLS certificate. Turn off only for development."""
    user_agent: str | None = None
    insecure: bool = False
    """Skip TLS certificate verification (development only; logs a WARNING)."""
    ca_file: str | None = None
    """A PEM file of CA certificates to verify the server with (instead of the system's)."""
    client_cert: str | None = None
    """A PEM client certificate for mutual TLS (with ``client_key`` unless it holds both)."""
    client_key: str | None = None
    subprotocols: tuple[str, ...] = ()
    """WebSocket subprotocols offered after the spec's own."""
    subscription_buffer: int = 1000
    """Messages each subscription buffers; see ``overflow`` for what happens beyond."""
    overflow: OverflowPolicy = "drop_oldest"
    """What a full subscription buffer does (per subscription: ``sub.set_overflow``)."""
    handler_queue_size: int = 10_000
    """Hook calls queued before dropping the oldest (counted in ``client.hooks_dropped``)."""
    validation: ValidationPolicy = "lenient"
    """How channel notifications are validated: ``lenient`` delivers a message that
    fails validation with the failing fields unset (warned once per field and channel,
    counted in ``diagnostics().schema_drift``), ``strict`` drops it (reported to
    ``on_error`` as malformed), ``raw`` skips validation and delivers the decoded JSON."""
    channel_validation: Mapping[str, ValidationPolicy] = field(default_factory=dict)
    """Per channel (the spec's channel name, e.g. ``{"book": "strict"}``): overrides
    ``validation``."""
    reconnect: ReconnectPolicy | None = None
    """Overrides the spec's reconnect policy (delays, attempts, close codes)."""
    heartbeat: Heartbeat | None = None
    """Overrides the spec's heartbeat (WebSocket ping interval/timeout, app pings)."""
    max_lifetime: float | None = None
    """Overrides the spec's maximum connection lifetime (seconds; rotated before it)."""
    rotation_margin: float | None = None
    """Seconds before ``max_lifetime`` (counted from the start of the connection attempt)
    at which the replacement starts to open. None: ``open_timeout + restore_timeout``
    (the longest an establishment may take), at most a quarter of the lifetime."""
    idle_timeout: float | None = None
    """Seconds without any frame from the server after which the connection counts as
    dead although it answers WebSocket pings (no-data watchdog): it is replaced and
    everything restored. None: only when the spec turns the server's heartbeat on
    (``heartbeat.on_connect`` with an ``interval``: twice that plus 5 s); 0: off."""
    stale_after: Mapping[str, float | None] = field(default_factory=dict)
    """Per channel name (the spec's ``channels`` key), seconds without a message on a
    subscribed address after which its stream counts as stale; overrides the spec's
    ``stale_after`` (None turns it off for that channel). An unknown channel name is a
    ``ValueError`` at connect."""
    on_limit: Literal["wait", "raise"] | None = None
    """``"wait"`` or ``"raise"`` (:class:`~.errors.RateLimited`); None: the spec's."""
    limiter: Limiter | None = None
    """A custom request rate limiter (``reserve``/``available``/``tokens``)."""
    connect_limiter: Limiter | None = None
    """A custom limiter for connection attempts."""
    backoff: Callable[[ReconnectPolicy], Backoff] | None = None
    """Factory of the reconnect backoff (default: exponential with full jitter)."""
    telemetry: TelemetrySink | None = None
    """Where typed telemetry events go. None (the default): no sink, and no event is built;
    ``client.metrics`` then attaches an ``InMemoryMetrics`` at its first use."""
    hook_timeout: float = 5.0
    """Seconds the supervisor waits for ``on_disconnect``/``on_error`` decisions."""
    restore_timeout: float | None = None
    """Seconds to wait for hello, login and resubscribe acks on a new connection
    (None: the client's request timeout)."""
    handshake: (
        Callable[[], tuple[str, Mapping[str, str]] | Awaitable[tuple[str, Mapping[str, str]]]]
        | None
    ) = None
    """Called (and awaited, when it returns an awaitable) before every connection attempt
    (first connect, reconnects, rotations): the URL to open and extra handshake headers
    (``extra_headers`` win over them), e.g. to send a fresh ``Authorization`` header. A generated ``connect()`` with a handshake
    (AsyncAPI query, headers, security) passes its own to ``Connector``; that one is
    used instead of this."""


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


def transport_for(options: ConnectOptions) -> Transport:
    """The transport ``options`` ask for, or :data:`DEFAULT_TRANSPORT`."""
    return options.transport if options.transport is not None else DEFAULT_TRANSPORT


def websockets_kwargs(protocol: Protocol, options: ConnectOptions, url: str) -> dict[str, Any]:
    """Keyword arguments for ``websockets.asyncio.client.connect``."""
    hb = options.heartbeat or protocol.heartbeat
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
    subprotocols = list(dict.fromkeys((*protocol.subprotocols, *options.subprotocols)))
    if subprotocols:
        kwargs["subprotocols"] = subprotocols
    if url.startswith("wss:"):
        context = ssl_context(options)
        if context is not None:
            kwargs["ssl"] = context
    return kwargs


def ssl_context(options: ConnectOptions) -> _ssl.SSLContext | None:
    """The TLS context the options ask for, or None for the default (verified) one."""
    if options.ssl is not None:
        return options.ssl
    insecure = options.insecure or not options.verify
    if not (insecure or options.ca_file or options.client_cert):
        return None
    context = _ssl.create_default_context(cafile=options.ca_file)
    if options.client_cert is not None:
        context.load_cert_chain(options.client_cert, options.client_key)
    if insecure:
        logging.getLogger("nova").warning(
            "TLS certificate verification is OFF (insecure=True): development only"
        )
        context.check_hostname = False
        context.verify_mode = _ssl.CERT_NONE
    return context
