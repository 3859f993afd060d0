"""The plan: every part of the IR with its Python name and type, as the templates print it.

Made by :mod:`.planner`; read by :mod:`.render`, :mod:`.breaking` and the CLI. Every name
and type here is Python source decided once; templates never invent one.
"""

from __future__ import annotations

from dataclasses import dataclass

from nova_runtime import protocol as p

from . import ir


@dataclass(frozen=True)
class PlannedParam:
    wire: str
    name: str
    annotation: str
    required: bool
    description: str
    default: str | None = None
    """Python source of the default of an optional channel parameter (its schema's ``default``)."""
    fixed: str | None = None
    """Python source of the one value a required request parameter can take (``const``, or an
    ``enum`` of one): the method sends it and does not ask for it."""


@dataclass(frozen=True)
class PlannedRequest:
    source: ir.Request
    name: str
    const: str
    params: tuple[PlannedParam, ...]
    params_model: str | None
    result: str
    public: bool = True
    """Generated as a client method (see :mod:`nova_gen.plumbing`)."""
    awaits_reply: bool = True
    """The method waits for the reply and returns it; otherwise it only sends."""


@dataclass(frozen=True)
class PlannedChannel:
    source: ir.Channel
    const: str
    class_name: str
    subscribe: str
    unsubscribe: str
    hook: str
    params: tuple[PlannedParam, ...]
    message: str


@dataclass(frozen=True)
class PlannedEvent:
    source: ir.Event
    const: str
    hook: str
    message: str


@dataclass(frozen=True)
class PlannedError:
    source: p.ErrorCode
    class_name: str


@dataclass(frozen=True)
class PlannedCredential:
    """An auth credential: a keyword argument of ``connect()``."""

    source: p.Credential
    name: str


@dataclass(frozen=True)
class PlannedConnectParam:
    """A handshake argument of ``connect()`` (AsyncAPI clients)."""

    source: ir.ConnectParam
    name: str
    annotation: str
    default: str | None
    """The default's source text; None for a required argument."""
    value: str
    """The expression passed to the handshake (``name``, or ``secret(name, "ENV")``)."""


@dataclass(frozen=True)
class Plan:
    api: ir.Api
    package: str
    client_class: str
    handlers_class: str
    requests: tuple[PlannedRequest, ...]
    channels: tuple[PlannedChannel, ...]
    events: tuple[PlannedEvent, ...]
    errors: tuple[PlannedError, ...]
    models: dict[str, ir.JsonSchema]
    """Every schema that becomes a class or alias in models.py, by class name."""
    field_names: dict[str, str]
    """Python names for wire fields, as ``{"Class.wire": "python_name"}`` (from ``x-nova-name``)."""
    connect_params: tuple[PlannedConnectParam, ...] = ()
    credentials: tuple[PlannedCredential, ...] = ()
    base_error: str = ""

    def request_const(self, method: str) -> str:
        return next(r.const for r in self.requests if r.source.method == method)
