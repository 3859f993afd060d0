"""The wire description of an API: what the runtime needs to know to speak it.

These frozen dataclasses are the contract between the generator and the runtime. The
generator builds them from the IR and writes them into the generated package as a
Python literal (``_protocol.py``); the runtime reads them and nothing else. They hold
no I/O and no behaviour beyond small helpers, so the sans-I/O core can be tested by
building one by hand.

Everything that points into a JSON frame is a JSON pointer (RFC 6901) such as
``/params/channel``; the empty string ``""`` means the whole frame.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

JsonValue = Any
"""Any value JSON can hold: dict, list, str, int, float, bool or None."""

T = TypeVar("T")
M = TypeVar("M")
C = TypeVar("C")


IdKind = Literal["int", "str", "uuid"]
CloseAction = Literal["retry", "fatal", "reauth", "rate_limited", "reject"]
"""What a close code means. ``rate_limited``: the server said "too many requests";
reconnect (never give up) after the longer rate-limit back-off. ``reject``: the server
closed the connection because of the operation the client sent last (strawberry-graphql
closes with 4400 for a GraphQL syntax error in one operation): that subscription fails
and leaves the desired set, requests pending at the close fail as at any drop, and the
client reconnects and restores the rest."""
ErrorAction = Literal["raise", "retry", "reauth", "fatal"]


@dataclass(frozen=True, slots=True)
class Match:
    """Conditions an incoming frame must meet, all of them, to be of some kind.

    ``present`` and ``absent`` list pointers that must (not) resolve; ``equals`` maps a
    pointer to the JSON value found there; ``one_of`` maps a pointer to the values one of
    which is found there (a spec's ``in``, an ``enum``); ``none_of`` maps a pointer to values
    none of which is found there, a missing value included (a spec's ``not``).
    """

    present: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    equals: tuple[tuple[str, JsonValue], ...] = ()
    one_of: tuple[tuple[str, tuple[JsonValue, ...]], ...] = ()
    none_of: tuple[tuple[str, tuple[JsonValue, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class RequestFrame:
    """How an outgoing request is framed."""

    method: str | None = "/method"
    """Where the method name goes; None when the API has no method field."""
    params: str | None = "/params"
    """Where the params object goes; ``""`` merges the params into the frame itself."""
    id: str | None = "/id"
    """Where the request id goes; None when requests are not correlated by id."""
    id_kind: IdKind = "int"


@dataclass(frozen=True, slots=True)
class ResponseRule:
    """How a reply to a request is recognised and where its parts are."""

    when: Match
    id: str = "/id"
    result: str = "/result"


@dataclass(frozen=True, slots=True)
class ErrorRule:
    """How an error reply is recognised and where the code and message are."""

    when: Match
    id: str = "/id"
    code: str = "/error/code"
    message: str = "/error/message"
    data: str | None = "/error/data"


@dataclass(frozen=True, slots=True)
class NotificationRule:
    """How a subscription notification is recognised and routed back to its channel."""

    when: Match
    channel: str = "/params/channel"
    """Where the channel address (the routing key) is: a string, or an object for
    structured addresses."""
    payload: str = "/params/data"
    subscription: str | None = None
    """Where a subscription id is, for APIs that route by the id the subscribe reply
    assigned (Ethereum ``/params/subscription``, GraphQL ``/id``) instead of an address."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """How every frame of the API is framed and told apart."""

    template: Mapping[str, JsonValue] = field(default_factory=dict)
    """Constant members of every frame the client sends, e.g. ``{"jsonrpc": "2.0"}``."""
    request: RequestFrame = RequestFrame()
    response: ResponseRule | None = None
    error: ErrorRule | None = None
    result_error: ErrorRule | None = None
    """Frames that carry a result together with errors (GraphQL ``next`` with ``errors``):
    tried right after :attr:`error`, and an error reply all the same (for the request, or
    the subscription routed by id, that the frame's id names)."""
    notification: NotificationRule | None = None


@dataclass(frozen=True, slots=True)
class RequestSpec(Generic[T]):
    """One request the client can send and the typed reply it waits for."""

    name: str
    """The Python method name, e.g. ``get_time``."""
    method: str
    """The method on the wire, e.g. ``public/get_time``."""
    parse_result: Callable[[Any], T]
    cost: float = 1.0
    """Tokens this request takes from the rate limiter."""
    requires_auth: bool = False
    idempotent: bool = False
    """Safe to send again after a reconnect."""
    timeout: float | None = None
    """Overrides the client's default request timeout."""
    positional: tuple[str, ...] | None = None
    """When set, the params go out as a JSON array in this order (JSON-RPC positional
    params; ``()``: an empty array); trailing params that were not given are left out."""
    params_array: bool = False
    """The params are one JSON array given as the single parameter ``params``."""


@dataclass(frozen=True, slots=True)
class Sequence:
    """A continuity check on a channel's frames; pointers are into the whole frame."""

    field: str
    previous: str | None = None
    """Where the previous frame's value is; None: each value is the previous plus one."""


@dataclass(frozen=True, slots=True)
class SubscribeMethod:
    """How channels are subscribed and unsubscribed: a request that carries addresses."""

    name: str
    subscribe: str
    """Wire method of the subscribe request, e.g. ``public/subscribe``."""
    unsubscribe: str | None
    addresses: str = "/channels"
    """Pointer inside the params where the list of channel addresses goes."""
    batch: bool = True
    """Several addresses may share one request."""
    max_batch: int | None = None
    """The most addresses one request may carry (Bybit: 10); None: no limit."""
    requires_auth: bool = False
    ack: Literal["reply", "none", "match"] = "reply"
    """``reply``: the correlated reply acks; ``none``: active once sent; ``match``: an
    uncorrelated frame matching :attr:`ack_when` acks the address at :attr:`ack_address`."""
    ack_when: Match | None = None
    ack_address: str | None = None
    subscription_id: str | None = None
    """Where the server-assigned subscription id is in the subscribe reply's result
    (``""``: the result itself), or ``"request"``: the subscribe request's own id."""
    unsubscribe_params: JsonValue = None
    """Params of the unsubscribe request; ``"{subscription_id}"`` is replaced by the id.
    With ``subscription_id="request"`` and no reply ack (``ack`` ``none`` or ``match``) the
    unsubscribe request also reuses the id as its own request id (GraphQL ``{"id": ...,
    "type": "complete"}``); with ``ack="reply"`` it is a request of its own (Home Assistant
    ``unsubscribe_events``)."""
    end_when: Match | None = None
    """Frames that end a subscription from the server's side (GraphQL ``complete``),
    routed to it like notifications."""


@dataclass(frozen=True, slots=True)
class ChannelSpec(Generic[M, C]):
    """A family of channels sharing one address template and one message type."""

    name: str
    address: str
    """The address template, e.g. ``ticker.{instrument_name}.{interval}``; for a
    structured address, its canonical JSON text (for logs and diagnostics)."""
    parameters: tuple[str, ...]
    """Parameter names, in the order they appear in the address."""
    parse: Callable[[Any], M]
    channel_type: Callable[..., C]
    """Builds the typed channel object (a generated frozen dataclass) from its parameters."""
    hook: str
    """Name of the handlers method that receives these messages, e.g. ``on_ticker``."""
    via: str
    """Name of the SubscribeMethod used for this channel."""
    fields: tuple[str, ...] = ()
    """The channel object's attribute for each parameter, when they differ from the
    parameter names (a wire name may be a Python keyword); empty means the same."""
    message_type: Any = None
    """The message's type (what ``parse`` returns), for the receive fast path that
    validates a whole notification frame in one pass; None turns that path off."""
    structured: JsonValue = None
    """An object or array address template (OKX ``{"channel": "books", "instId":
    "{inst_id}"}``); a string ``"{p}"`` takes parameter ``p``'s typed value."""
    subscribe_params: JsonValue = None
    """What the subscribe request carries for this channel when it is not the address."""
    when: Match | None = None
    """Which notification frames belong to this channel (structured routing)."""
    route: tuple[tuple[str, str], ...] = ()
    """(address field, pointer in the frame): builds the routing key of a frame."""
    sequence: Sequence | None = None
    stale_after: float | None = None
    """Seconds without a message on a subscribed address after which its stream counts
    as stale (spec ``stale_after``): resubscribed, or the connection replaced."""


@dataclass(frozen=True, slots=True)
class EventSpec(Generic[M]):
    """A message the server sends unasked (hello, heartbeat, status, ...)."""

    name: str
    when: Match
    payload: str
    parse: Callable[[Any], M]
    hook: str
    frame: Literal["json", "text", "binary"] = "json"
    """``text``: the event is a text frame no other rule takes (not JSON, or JSON nothing
    matches), given to ``parse`` as the ``str`` it is; ``binary``: a binary frame, as
    ``bytes``. ``when`` and ``payload`` then do not apply."""


@dataclass(frozen=True, slots=True)
class Reply:
    """What the client sends back: a request, or a raw text frame."""

    request: str | None = None
    """Wire method of a request to send."""
    params: Mapping[str, JsonValue] = field(default_factory=dict)
    text: str | None = None
    frame: Mapping[str, JsonValue] | None = None
    """A JSON frame sent as it is (GraphQL ``{"type": "pong"}``)."""


@dataclass(frozen=True, slots=True)
class ServerPing:
    """An application-level probe from the server that the client must answer."""

    when: Match
    reply: Reply
    text: str | None = None
    """Set instead of ``when`` when the probe is a raw text frame such as ``ping``."""


@dataclass(frozen=True, slots=True)
class ClientPing:
    """An application-level ping the client sends, and how the answer is recognised."""

    send: Reply
    interval: float
    timeout: float
    pong: Match | None = None
    pong_text: str | None = None


@dataclass(frozen=True, slots=True)
class Heartbeat:
    ws_ping_interval: float | None = 20.0
    ws_ping_timeout: float | None = 20.0
    on_connect: Reply | None = None
    """A request sent after connecting that turns the server's heartbeat on."""
    server_pings: tuple[ServerPing, ...] = ()
    client_ping: ClientPing | None = None


@dataclass(frozen=True, slots=True)
class Credential:
    name: str
    env: str | None = None
    secret: bool = False


@dataclass(frozen=True, slots=True)
class Auth:
    """A login request, and where its reply keeps the token."""

    request: str
    """Wire method of the login request."""
    params: Mapping[str, JsonValue]
    """Params template; strings ``{name}`` are replaced by the credential ``name``."""
    credentials: tuple[Credential, ...] = ()
    token: str | None = "/access_token"
    expires_in: str | None = "/expires_in"
    refresh_token: str | None = "/refresh_token"
    refresh_params: Mapping[str, JsonValue] | None = None
    signature: Signature | None = None
    """An HMAC the login params carry (spec ``auth.signature``)."""


@dataclass(frozen=True, slots=True)
class Signature:
    """An HMAC signature of the login (spec ``auth.signature``): ``hmac`` (RFC 2104) with
    the credential ``key`` over ``message``, encoded, and filled in where the login params
    say ``"{into}"``.

    ``message`` and the params are templates of named values: the credentials,
    ``{timestamp}`` (wall-clock time in ``timestamp_unit``, an integer or, with
    ``timestamp_type == "string"``, its decimal text), ``{nonce}`` (16 random hex
    digits) and ``{method}`` (the login's wire method).
    """

    into: str
    """The placeholder the signature fills, e.g. ``signature`` for ``"{signature}"``."""
    key: str
    """The credential that keys the HMAC."""
    message: str
    """The signed text, a template, e.g. ``"{timestamp}GET/users/self/verify"``."""
    hmac: Literal["sha256", "sha512"] = "sha256"
    encoding: Literal["hex", "base64"] = "hex"
    timestamp_unit: Literal["s", "ms"] = "ms"
    timestamp_type: Literal["integer", "string"] = "integer"


@dataclass(frozen=True, slots=True)
class ReconnectPolicy:
    initial_delay: float = 0.5
    multiplier: float = 2.0
    max_delay: float = 30.0
    max_attempts: int | None = None
    reset_after: float = 60.0
    close_codes: Mapping[int, CloseAction] = field(default_factory=dict)
    retry_first_connect: bool = False


@dataclass(frozen=True, slots=True)
class RateLimit:
    rate: float
    """Tokens added per second."""
    burst: float
    """Bucket size."""
    on_limit: Literal["wait", "raise"] = "wait"
    connect_rate: float | None = None
    """Connection attempts added per second (e.g. 300 per 5 minutes = 1.0); None: no limit
    beyond the reconnect backoff."""
    connect_burst: float | None = None


@dataclass(frozen=True, slots=True)
class Init:
    """A frame the client sends first, and the ack it waits for (GraphQL connection_init)."""

    send: Mapping[str, JsonValue]
    ack: Match
    timeout: float = 10.0


@dataclass(frozen=True, slots=True)
class Hello:
    """A message the server sends first, which the client waits for before anything else."""

    when: Match
    timeout: float = 10.0
    """Seconds to wait for it before the connection attempt counts as failed."""
    heartbeat_interval: str | None = None
    """Pointer in the hello to the interval at which the client must ping (Discord-style)."""
    interval_scale: float = 1.0
    """Multiply the value found by this to get seconds (0.001 for milliseconds)."""


@dataclass(frozen=True, slots=True)
class ErrorCode:
    code: int | str
    name: str
    action: ErrorAction = "raise"
    description: str = ""


@dataclass(frozen=True, slots=True)
class Protocol:
    """Everything the runtime knows about one API."""

    name: str
    """The API's short name, used for loggers (``nova.<name>``)."""
    servers: Mapping[str, str]
    default_server: str | None
    envelope: Envelope
    requests: Mapping[str, RequestSpec[Any]]
    """Keyed by wire method."""
    channels: tuple[ChannelSpec[Any, Any], ...] = ()
    subscribe_methods: Mapping[str, SubscribeMethod] = field(default_factory=dict)
    events: tuple[EventSpec[Any], ...] = ()
    heartbeat: Heartbeat = Heartbeat()
    auth: Auth | None = None
    reconnect: ReconnectPolicy = ReconnectPolicy()
    rate_limit: RateLimit | None = None
    errors: Mapping[int | str, ErrorCode] = field(default_factory=dict)
    error_classes: Mapping[int | str, type[Exception]] = field(default_factory=dict)
    """Generated exception class for each known error code."""
    base_error: type[Exception] | None = None
    """The API's own base exception, for error replies whose code is missing or unknown."""
    max_lifetime: float | None = None
    subprotocols: tuple[str, ...] = ()
    hello: Hello | None = None
    init: Init | None = None
