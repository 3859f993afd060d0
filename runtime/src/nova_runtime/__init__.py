"""The nova-gen runtime, copied into every generated package as ``_runtime``.

Only relative imports and only the stdlib, ``websockets`` and ``pydantic``: the
generated package must work without nova-gen installed.
"""

from .client import BaseClient
from .connector import Connector
from .core.auth import MissingCredential, Secret
from .core.lenient import ValidationPolicy, drifted_fields, raw_frame
from .credentials import CredentialProvider, CredentialSource
from .diagnostics import Diagnostics, SubscriptionInfo
from .errors import (
    ConnectFailed,
    ConnectionClosed,
    ConnectionLost,
    InvalidArguments,
    MalformedFrame,
    NovaError,
    ProtocolError,
    RateLimited,
    RequestTimeout,
    ServerError,
    SubscriptionError,
    SubscriptionOverflow,
)
from .handlers import BaseHandlers, default_hook
from .hookcheck import HookNameError, not_a_hook
from .lifecycle import (
    ClientState,
    ConnectInfo,
    DisconnectReason,
    ErrorAction,
    OverflowPolicy,
    ReconnectDecision,
)
from .options import ConnectOptions
from .protocol import Heartbeat, ReconnectPolicy
from .subscription import Subscription
from .telemetry import InMemoryMetrics, TelemetryEvent, TelemetrySink

__all__ = [
    "BaseClient",
    "BaseHandlers",
    "ClientState",
    "ConnectFailed",
    "ConnectInfo",
    "ConnectOptions",
    "ConnectionClosed",
    "ConnectionLost",
    "Connector",
    "CredentialProvider",
    "CredentialSource",
    "Diagnostics",
    "DisconnectReason",
    "ErrorAction",
    "Heartbeat",
    "HookNameError",
    "InMemoryMetrics",
    "InvalidArguments",
    "MalformedFrame",
    "MissingCredential",
    "NovaError",
    "OverflowPolicy",
    "ProtocolError",
    "RateLimited",
    "ReconnectDecision",
    "ReconnectPolicy",
    "RequestTimeout",
    "Secret",
    "ServerError",
    "Subscription",
    "SubscriptionError",
    "SubscriptionInfo",
    "SubscriptionOverflow",
    "TelemetryEvent",
    "TelemetrySink",
    "ValidationPolicy",
    "default_hook",
    "drifted_fields",
    "raw_frame",
    "not_a_hook",
]
