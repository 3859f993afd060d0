"""The sans-I/O core: all protocol state, no sockets, no asyncio, no clock.

Time is passed in by the caller (``now``), and the core answers with frames to send and
outcomes to act on, so every rule can be unit-tested without a server.
"""

from .auth import AuthState, MissingCredential, Secret, SignHook, resolve_credentials
from .backoff import DEFAULT_CLOSE_CODES, Backoff, CloseAction, classify_close
from .correlator import Correlator, Pending, PendingKind
from .dispatcher import (
    Dispatcher,
    Drifted,
    ErrorReply,
    Event,
    GapNotification,
    Malformed,
    MatchAck,
    Notification,
    Outcome,
    PingReceived,
    Response,
    StrayReply,
    SubscriptionEnded,
    TemplateNotification,
    Unknown,
)
from .lenient import ValidationPolicy, drifted_fields, lenient_parse, raw_frame
from .match import compile_match
from .pings import PingTracker
from .ratelimit import (
    Limiter,
    SlidingWindow,
    TokenBucket,
    connect_limiter_for,
    limiter_for,
    window_for,
)
from .session import Session, SubscribeAck, SubscribeFailed, SubscribeRetry, WaiterReply
from .subscriptions import RestoreStep, SubEntry, Subscriptions, SubState
from .waiters import Waiter, Waiters

__all__ = [
    "DEFAULT_CLOSE_CODES",
    "AuthState",
    "Backoff",
    "CloseAction",
    "Correlator",
    "Dispatcher",
    "Drifted",
    "ErrorReply",
    "Event",
    "GapNotification",
    "Limiter",
    "Malformed",
    "MatchAck",
    "MissingCredential",
    "Notification",
    "Outcome",
    "Pending",
    "PendingKind",
    "PingReceived",
    "PingTracker",
    "Response",
    "RestoreStep",
    "Secret",
    "Session",
    "SignHook",
    "SlidingWindow",
    "StrayReply",
    "SubEntry",
    "SubState",
    "SubscribeAck",
    "SubscribeFailed",
    "SubscribeRetry",
    "SubscriptionEnded",
    "Subscriptions",
    "TemplateNotification",
    "TokenBucket",
    "Unknown",
    "ValidationPolicy",
    "Waiter",
    "WaiterReply",
    "Waiters",
    "classify_close",
    "compile_match",
    "connect_limiter_for",
    "drifted_fields",
    "lenient_parse",
    "limiter_for",
    "raw_frame",
    "resolve_credentials",
    "window_for",
]
