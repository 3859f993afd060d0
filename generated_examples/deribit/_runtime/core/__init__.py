"""The sans-I/O core: all protocol state, no sockets, no asyncio, no clock.

Time is passed in by the caller (``now``), and the core answers with frames to send and
outcomes to act on, so every rule can be unit-tested without a server.
"""

from .correlator import Correlator, Pending, PendingKind
from .dispatcher import (
    Dispatcher,
    ErrorReply,
    Event,
    Malformed,
    Notification,
    Outcome,
    PingReceived,
    Response,
    StrayReply,
    TemplateNotification,
    Unknown,
)
from .match import compile_match
from .session import Session, SubscribeAck, SubscribeFailed
from .subscriptions import RestoreStep, SubEntry, Subscriptions, SubState

__all__ = [
    "Correlator",
    "Dispatcher",
    "ErrorReply",
    "Event",
    "Malformed",
    "Notification",
    "Outcome",
    "Pending",
    "PendingKind",
    "PingReceived",
    "Response",
    "RestoreStep",
    "Session",
    "StrayReply",
    "SubEntry",
    "SubState",
    "SubscribeAck",
    "SubscribeFailed",
    "Subscriptions",
    "TemplateNotification",
    "Unknown",
    "compile_match",
]
