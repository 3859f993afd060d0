"""The sans-I/O core: all protocol state, no sockets, no asyncio, no clock.

Time is passed in by the caller (``now``), and the core answers with frames to send and
outcomes to act on, so every rule can be unit-tested without a server.

Every name is imported from its module when first used (PEP 562 ``__getattr__``), as in
``nova_runtime`` itself: importing one module of the core (``nova_runtime.core.match``, say)
loads that module, not all of the core with ``websockets``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_names

if TYPE_CHECKING:
    from .auth import (
        AuthState,
        MissingCredential,
        Secret,
        SignHook,
        resolve_credentials,
    )
    from .backoff import DEFAULT_CLOSE_CODES, Backoff, CloseAction, classify_close
    from .correlator import Correlator, Pending, PendingKind
    from .dispatcher import Dispatcher
    from .lenient import ValidationPolicy, drifted_fields, lenient_parse, raw_frame
    from .match import compile_match
    from .outcomes import (
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
        SubscribeAck,
        SubscribeFailed,
        SubscribeRetry,
        SubscriptionEnded,
        TemplateNotification,
        Unknown,
        WaiterReply,
    )
    from .pings import PingTracker
    from .ratelimit import (
        Limiter,
        SlidingWindow,
        TokenBucket,
        connect_limiter_for,
        limiter_for,
        window_for,
    )
    from .session import Session
    from .subscriptions import RestoreStep, SubEntry, Subscriptions, SubState
    from .waiters import Waiter, Waiters

_MODULES: dict[str, str] = {
    "AuthState": ".auth",
    "Backoff": ".backoff",
    "CloseAction": ".backoff",
    "Correlator": ".correlator",
    "DEFAULT_CLOSE_CODES": ".backoff",
    "Dispatcher": ".dispatcher",
    "Drifted": ".outcomes",
    "ErrorReply": ".outcomes",
    "Event": ".outcomes",
    "GapNotification": ".outcomes",
    "Limiter": ".ratelimit",
    "Malformed": ".outcomes",
    "MatchAck": ".outcomes",
    "MissingCredential": ".auth",
    "Notification": ".outcomes",
    "Outcome": ".outcomes",
    "Pending": ".correlator",
    "PendingKind": ".correlator",
    "PingReceived": ".outcomes",
    "PingTracker": ".pings",
    "Response": ".outcomes",
    "RestoreStep": ".subscriptions",
    "Secret": ".auth",
    "Session": ".session",
    "SignHook": ".auth",
    "SlidingWindow": ".ratelimit",
    "StrayReply": ".outcomes",
    "SubEntry": ".subscriptions",
    "SubState": ".subscriptions",
    "SubscribeAck": ".outcomes",
    "SubscribeFailed": ".outcomes",
    "SubscribeRetry": ".outcomes",
    "SubscriptionEnded": ".outcomes",
    "Subscriptions": ".subscriptions",
    "TemplateNotification": ".outcomes",
    "TokenBucket": ".ratelimit",
    "Unknown": ".outcomes",
    "ValidationPolicy": ".lenient",
    "Waiter": ".waiters",
    "WaiterReply": ".outcomes",
    "Waiters": ".waiters",
    "classify_close": ".backoff",
    "compile_match": ".match",
    "connect_limiter_for": ".ratelimit",
    "drifted_fields": ".lenient",
    "lenient_parse": ".lenient",
    "limiter_for": ".ratelimit",
    "raw_frame": ".lenient",
    "resolve_credentials": ".auth",
    "window_for": ".ratelimit",
}
"""Public name -> the module that defines it, imported on first use."""

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


__getattr__, __dir__ = lazy_names(__name__, _MODULES, globals())
