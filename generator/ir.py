"""The intermediate representation: what an API *is*, whatever format described it.

Front ends (the nova spec language, AsyncAPI) build an :class:`Api`; the planner names it;
templates and the local test server read it. Wire-level parts (envelope, heartbeat,
auth, reconnect, rate limit) reuse the runtime's own description types from
:mod:`nova_runtime.protocol`, so the generator and the runtime cannot disagree on
what they mean. Payload types are JSON Schemas whose references all point into
:attr:`Api.schemas` as ``#/$defs/<Name>``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from nova_runtime.protocol import (
    Auth,
    Envelope,
    ErrorCode,
    Heartbeat,
    Hello,
    Init,
    Match,
    RateLimit,
    ReconnectPolicy,
    Sequence,
)

JsonSchema = dict[str, Any]

K = TypeVar("K")
V = TypeVar("V")


class LazyMapping(Mapping[K, V], Generic[K, V]):
    """A read-only mapping built by ``build()`` when it is first read, for what only some
    commands read (:attr:`Api.schema_nodes`: ``nova-gen breaking``), so generating a
    package does not pay for it. Equal to any mapping with the same items."""

    __slots__ = ("_build", "_data")

    def __init__(self, build: Callable[[], Mapping[K, V]]) -> None:
        self._build: Callable[[], Mapping[K, V]] | None = build
        self._data: Mapping[K, V] = {}

    def _items(self) -> Mapping[K, V]:
        if self._build is not None:
            self._data, self._build = self._build(), None
        return self._data

    def __getitem__(self, key: K) -> V:
        return self._items()[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._items())

    def __len__(self) -> int:
        return len(self._items())

    def __repr__(self) -> str:
        return repr(dict(self._items()))


def required_names(schema: Any) -> frozenset[str]:
    """The names ``schema`` lists under ``required``, read as a spec may have written them:
    schemas are read before they are validated (NOVA012), so anything else is ignored here."""
    listed = schema.get("required") if isinstance(schema, dict) else None
    return frozenset(r for r in listed if isinstance(r, str)) if isinstance(listed, list) else frozenset()


@dataclass(frozen=True)
class Location:
    """Where something was written: for diagnostics that point at the spec."""

    file: str
    line: int
    column: int


@dataclass(frozen=True)
class Server:
    name: str
    url: str
    description: str = ""


@dataclass(frozen=True)
class Param:
    """A named, typed value: a request param or a channel parameter."""

    name: str
    """The name on the wire."""
    schema: JsonSchema
    required: bool = True
    description: str = ""
    location: Location | None = field(default=None, compare=False)
    """Where it is written (its key under ``properties``), for diagnostics; None when unknown."""
    required_location: Location | None = field(default=None, compare=False)
    """Where its entry in the object's ``required`` list is written, when it has one."""


@dataclass(frozen=True)
class RequestExample:
    params: Any
    result: Any = None
    error: dict[str, Any] | None = None
    """``{"code": ..., "message": ..., "data"?: ...}`` when the example is an error reply."""
    name: str = ""


@dataclass(frozen=True)
class Request:
    name: str
    """The Python method name."""
    method: str
    """The wire method."""
    params: tuple[Param, ...]
    result: JsonSchema
    summary: str = ""
    description: str = ""
    requires_auth: bool = False
    cost: float = 1.0
    idempotent: bool = False
    timeout: float | None = None
    examples: tuple[RequestExample, ...] = ()
    location: Location | None = None
    reply: bool = True
    """False for a fire-and-forget send: the method sends the frame and returns None."""
    correlated: bool = True
    """False when the reply carries no correlation id: the method waits for the next
    frame matching :attr:`reply_when` instead (AsyncAPI replies without ``correlationId``)."""
    reply_when: Match | None = None
    """How the reply of an uncorrelated request is recognised."""
    positional: bool = False
    """Params go out as a JSON array in the order of :attr:`params`."""
    params_array: bool = False
    """The params are one JSON array (Binance ``SUBSCRIBE``): :attr:`params` holds a single
    parameter named ``params`` whose value is sent as the params."""
    params_ref: str | None = None
    """The named schema the params are, when the spec wrote them as a ``$ref``: it is then
    the params model instead of a hoisted ``<Name>Params`` class."""
    public: bool | None = None
    """The spec key ``public``: False for protocol plumbing only the runtime sends (no method),
    True to ask for a method where the default gives none, None when not written (the default,
    :func:`nova_gen.plumbing.is_public`, decides)."""
    body: FrameKind | None = None
    """None: the params go into the envelope. Otherwise the frame *is* the value of the one
    parameter ``payload`` (an AsyncAPI payload that is not an object: an array, a union,
    text or bytes), sent as JSON, as a text frame or as a binary frame."""


FrameKind = Literal["json", "text", "binary"]
"""How a message travels: a JSON text frame, a text frame taken as it is (an AsyncAPI
``type: string`` payload: an echo server's text), or a binary frame (``format: binary``,
``contentType: application/octet-stream``)."""


ConnectParamKind = Literal[
    "path", "server", "query", "header", "cookie", "bearer", "basic_user", "basic_password"
]


@dataclass(frozen=True)
class ConnectParam:
    """A typed argument of the generated ``connect()`` that shapes the WebSocket handshake.

    ``kind`` says where its value goes: a ``{name}`` of the channel address (``path``) or of
    the server URL (``server``), the query string, a handshake header or cookie, or the
    ``Authorization`` header (``bearer``, ``basic_user``/``basic_password``).
    """

    name: str
    """The name on the wire (query key, header name, placeholder); also the Python name's source."""
    kind: ConnectParamKind
    schema: JsonSchema = field(default_factory=dict)
    required: bool = False
    default: Any = None
    description: str = ""
    secret: bool = False
    env: str | None = None
    """Environment variable read when the argument is not given (secrets)."""
    location: Location | None = None
    """Where the spec declares it (server variable, parameter, binding property, scheme)."""


@dataclass(frozen=True)
class SubscriptionMethod:
    name: str
    subscribe: str
    """Name of the subscribe request (a key of :attr:`Api.requests`)."""
    unsubscribe: str | None
    addresses: str = "/channels"
    batch: bool = True
    max_batch: int | None = None
    """The most addresses one subscribe request may carry; None: no limit."""
    requires_auth: bool = False
    ack: Literal["reply", "none", "match"] = "reply"
    ack_when: Match | None = None
    ack_address: str | None = None
    subscription_id: str | None = None
    unsubscribe_params: Any = None
    end_when: Match | None = None


@dataclass(frozen=True)
class ChannelExample:
    parameters: dict[str, Any]
    message: Any


@dataclass(frozen=True)
class Channel:
    name: str
    address: str
    parameters: tuple[Param, ...]
    """In the order they appear in :attr:`address`."""
    subscription: str
    """Name of the :class:`SubscriptionMethod`."""
    message: JsonSchema
    summary: str = ""
    description: str = ""
    examples: tuple[ChannelExample, ...] = ()
    location: Location | None = None
    structured: Any = None
    """An object or array address template; :attr:`address` is then its JSON text."""
    subscribe_params: Any = None
    when: Match | None = None
    route: tuple[tuple[str, str], ...] = ()
    sequence: Sequence | None = None
    stale_after: float | None = None
    """Seconds without a message after which a subscribed stream counts as stale."""
    method: str | None = None
    """The Python name of the subscribe method, when not ``subscribe_<name>`` (spec key
    ``method``); the unsubscribe method is ``un<method>``."""


@dataclass(frozen=True)
class Event:
    name: str
    when: Match
    payload: str
    message: JsonSchema
    summary: str = ""
    description: str = ""
    examples: tuple[Any, ...] = ()
    location: Location | None = None
    unsolicited: bool = True
    """False when the spec gives this message only as the reply to a request (an AsyncAPI
    3.x operation ``reply``): the local test server then sends it only in answer."""
    frame: FrameKind = "json"
    """``text``/``binary``: the event is a text frame that is not JSON (delivered as ``str``)
    or a binary frame (``bytes``)."""
    by_validation: bool = False
    """Its ``when`` overlaps other events' (an AsyncAPI document that pins no field apart):
    the dispatcher tries the overlapping events in list order and delivers the first whose
    payload validates, so the front end lists the most specific first."""
    source_name: str = ""
    """How the source document names the message, for diagnostics (AsyncAPI: ``'tick'``, or
    ``the message at #/channels/~1/subscribe/message`` when it names none and :attr:`name`
    was made up); empty for nova specs, whose names are the event names."""


@dataclass(frozen=True)
class Api:
    name: str
    title: str
    version: str
    description: str
    source: str
    """The spec path as given on the command line, for the generated header."""
    servers: tuple[Server, ...]
    default_server: str | None
    envelope: Envelope
    requests: tuple[Request, ...] = ()
    subscriptions: tuple[SubscriptionMethod, ...] = ()
    channels: tuple[Channel, ...] = ()
    events: tuple[Event, ...] = ()
    auth: Auth | None = None
    auth_request: str | None = None
    """Name of the login request, when :attr:`auth` is set."""
    heartbeat: Heartbeat = Heartbeat()
    reconnect: ReconnectPolicy = ReconnectPolicy()
    rate_limit: RateLimit | None = None
    max_lifetime: float | None = None
    subprotocols: tuple[str, ...] = ()
    hello: Hello | None = None
    init: Init | None = None
    errors: tuple[ErrorCode, ...] = ()
    schemas: dict[str, JsonSchema] = field(default_factory=dict)
    """Named schemas, by name; every ``$ref`` in the IR is ``#/$defs/<name>``."""
    schema_locations: dict[str, Location] = field(default_factory=dict)
    schema_nodes: Mapping[str, Mapping[str, Location]] = field(default_factory=dict)
    """For each named schema, where each node under it is written, by JSON Pointer relative
    to the schema (``/properties/price``, ``/required/0``; a member at its key): so a
    diagnostic about one field points at that field (``nova-gen breaking``). Built when
    first read (a :class:`LazyMapping`): generating never reads it."""
    fingerprint: str = ""
    """A hash of the spec's content (every file it reaches), blind to comments and layout:
    the generated package records it, so ``--check`` notices any change to the spec."""
    connect_params: tuple[ConnectParam, ...] = ()
    """Handshake arguments of ``connect()`` (AsyncAPI server variables, channel parameters,
    ``ws`` binding query and headers, security schemes)."""
    address: str = ""
    """A path template appended to the server URL (an AsyncAPI channel address), with
    ``{name}`` placeholders filled from :attr:`connect_params` of kind ``path``."""
    source_format: str = "nova"
    """``nova`` or ``asyncapi``."""
    credential_locations: dict[str, Location] = field(default_factory=dict)
    error_locations: dict[str, Location] = field(default_factory=dict)
    """Where each error code is written, by the code's text."""
    name_location: Location | None = None
    """Where the package name comes from (``name``, or the AsyncAPI ``info.title``)."""
    auth_pointer_locations: dict[str, Location] = field(default_factory=dict)
    """Where ``auth.token``, ``auth.expires_in`` and ``auth.refresh_token`` are written, by
    key; a pointer left to its default has none."""
    envelope_locations: dict[str, Location] = field(default_factory=dict)
    """Where each envelope rule's ``when`` is written, by rule (``response``, ``error``,
    ``result_error``, ``notification``); a rule from a preset has none."""

    def request(self, name: str) -> Request:
        return next(r for r in self.requests if r.name == name)

    def request_by_method(self, method: str) -> Request | None:
        return next((r for r in self.requests if r.method == method), None)
