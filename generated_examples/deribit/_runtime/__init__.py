"""The nova-gen runtime, copied into every generated package as ``_runtime``.

Only relative imports and only the stdlib, ``websockets`` and ``pydantic``: the
generated package must work without nova-gen installed.
"""

from .client import BaseClient, Connector
from .errors import (
    ConnectionClosed,
    ConnectionLost,
    MalformedFrame,
    NovaError,
    ProtocolError,
    RequestTimeout,
    ServerError,
    SubscriptionError,
)
from .handlers import BaseHandlers, default_hook
from .options import ConnectOptions
from .subscription import Subscription

__all__ = [
    "BaseClient",
    "BaseHandlers",
    "ConnectOptions",
    "ConnectionClosed",
    "ConnectionLost",
    "Connector",
    "MalformedFrame",
    "NovaError",
    "ProtocolError",
    "RequestTimeout",
    "ServerError",
    "Subscription",
    "SubscriptionError",
    "default_hook",
]
