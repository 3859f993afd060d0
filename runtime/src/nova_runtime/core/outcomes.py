"""The outcomes of the sans-I/O core: what one received frame turned out to be.

:meth:`.dispatcher.Dispatcher.receive` classifies a frame into one of the first kinds
(a notification, a response, an error reply, an event, a server ping, ...);
:meth:`.session.Session.receive` turns some of those into what they mean for the
session's own state (a subscribe acked, refused or to be retried; the reply a waiter
wanted). They are small slotted objects, and the I/O layer dispatches on their exact type.
"""

from __future__ import annotations

from typing import Any

from ..errors import MalformedFrame, ServerError
from ..protocol import ChannelSpec, EventSpec, Reply
from .correlator import Pending
from .subscriptions import SubEntry
from .waiters import Waiter

__all__ = [
    "Drifted",
    "ErrorReply",
    "Event",
    "GapNotification",
    "Malformed",
    "MatchAck",
    "Notification",
    "Outcome",
    "PingReceived",
    "Response",
    "StrayReply",
    "SubscribeAck",
    "SubscribeFailed",
    "SubscribeRetry",
    "SubscriptionEnded",
    "TemplateNotification",
    "Unknown",
    "WaiterReply",
]


class Outcome:
    """Base of everything :meth:`Dispatcher.receive` returns."""

    __slots__ = ()

    def __repr__(self) -> str:
        names: tuple[str, ...] = self.__slots__
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in names)
        return f"{type(self).__name__}({fields})"


class Notification(Outcome):
    """A message on a subscribed address: deliver to ``entry.sinks`` and the hook."""

    __slots__ = ("entry", "message")

    def __init__(self, entry: SubEntry, message: Any) -> None:
        self.entry = entry
        self.message = message


class GapNotification(Outcome):
    """A message on a subscribed address whose sequence check failed: report the gap
    (``expected``, ``received``), then deliver it like a :class:`Notification`."""

    __slots__ = ("entry", "expected", "message", "received")

    def __init__(self, entry: SubEntry, message: Any, expected: Any, received: Any) -> None:
        self.entry = entry
        self.message = message
        self.expected = expected
        self.received = received


class MatchAck(Outcome):
    """An uncorrelated subscribe ack (``ack: match``) for routing key ``address``."""

    __slots__ = ("address", "frame")

    def __init__(self, address: str, frame: Any) -> None:
        self.address = address
        self.frame = frame


class SubscriptionEnded(Outcome):
    """The server ended ``entry``'s subscription (an ``end_when`` frame)."""

    __slots__ = ("entry", "frame")

    def __init__(self, entry: SubEntry, frame: Any) -> None:
        self.entry = entry
        self.frame = frame


class TemplateNotification(Outcome):
    """A message on an address we did not subscribe but whose template we know: hook only."""

    __slots__ = ("channel", "message", "spec")

    def __init__(self, spec: ChannelSpec[Any, Any], channel: Any, message: Any) -> None:
        self.spec = spec
        self.channel = channel
        self.message = message


class Response(Outcome):
    """A reply resolving ``pending``; ``result`` is parsed for user requests."""

    __slots__ = ("pending", "result")

    def __init__(self, pending: Pending, result: Any) -> None:
        self.pending = pending
        self.result = result


class ErrorReply(Outcome):
    """An error reply; ``pending`` is None when its id is missing or not ours."""

    __slots__ = ("error", "frame", "id", "pending")

    def __init__(
        self, pending: Pending | None, error: ServerError, frame: Any, id: Any = None
    ) -> None:
        self.pending = pending
        self.error = error
        self.frame = frame
        self.id = id
        """The id the frame names (MISSING or None when it names none)."""


class StrayReply(Outcome):
    """A reply whose id is not pending: ``late`` (expired/abandoned), ``duplicate``
    (answered already) or unknown (neither)."""

    __slots__ = ("duplicate", "frame", "id", "late")

    def __init__(self, id: Any, late: bool, frame: Any, duplicate: bool = False) -> None:
        self.id = id
        self.late = late
        self.frame = frame
        self.duplicate = duplicate


class Event(Outcome):
    """An unsolicited server message matching one of the spec's events."""

    __slots__ = ("message", "spec")

    def __init__(self, spec: EventSpec[Any], message: Any) -> None:
        self.spec = spec
        self.message = message


class Malformed(Outcome):
    """Not JSON, or a payload/result that failed validation (``pending``: who waited)."""

    __slots__ = ("error", "pending")

    def __init__(self, error: MalformedFrame, pending: Pending | None = None) -> None:
        self.error = error
        self.pending = pending


class Drifted(Outcome):
    """A notification whose message failed validation in ``fields`` and was built
    without them (validation policy ``lenient``): count and report the drift, then act
    on ``outcome`` (a :class:`Notification`, :class:`GapNotification` or
    :class:`TemplateNotification`)."""

    __slots__ = ("address", "fields", "outcome", "spec")

    def __init__(
        self, outcome: Outcome, spec: ChannelSpec[Any, Any], address: Any, fields: tuple[str, ...]
    ) -> None:
        self.outcome = outcome
        self.spec = spec
        self.address = address
        self.fields = fields


class Unknown(Outcome):
    """A well-formed frame no rule claims, or a notification on an unknown address."""

    __slots__ = ("frame", "reason")

    def __init__(self, frame: Any, reason: str) -> None:
        self.frame = frame
        self.reason = reason


class PingReceived(Outcome):
    """A server probe; answer it with ``Session.build_reply(reply)`` right away."""

    __slots__ = ("reply",)

    def __init__(self, reply: Reply) -> None:
        self.reply = reply


class SubscribeAck(Outcome):
    """The reply to a subscribe request: ``entries`` became active, ``refused`` failed."""

    __slots__ = ("entries", "pending", "refused")

    def __init__(self, pending: Pending, entries: list[SubEntry], refused: list[SubEntry]) -> None:
        self.pending = pending
        self.entries = entries
        self.refused = refused


class SubscribeFailed(Outcome):
    """An error reply to a subscribe request: every entry it carried failed."""

    __slots__ = ("entries", "error", "pending")

    def __init__(self, pending: Pending, entries: list[SubEntry], error: ServerError) -> None:
        self.pending = pending
        self.entries = entries
        self.error = error


class SubscribeRetry(Outcome):
    """An error reply to a subscribe request whose code the spec marks ``retry`` (the
    server is busy or rate limiting): the entries stay desired and pending; send
    :meth:`Session.resubscribe` for ``addresses`` after a back-off."""

    __slots__ = ("addresses", "error", "pending")

    def __init__(self, pending: Pending, addresses: tuple[str, ...], error: ServerError) -> None:
        self.pending = pending
        self.addresses = addresses
        self.error = error


class WaiterReply(Outcome):
    """A frame that answered the oldest matching :class:`~.waiters.Waiter`.

    ``result`` is the waiter's ``parse`` of the frame, or ``error`` is set when parsing
    failed (deliver it to the waiter as the failure). ``event`` is the :class:`Event`
    the frame also is, if any: its hook is still called.
    """

    __slots__ = ("error", "event", "result", "waiter")

    def __init__(
        self,
        waiter: Waiter,
        result: Any,
        error: MalformedFrame | None = None,
        event: Event | None = None,
    ) -> None:
        self.waiter = waiter
        self.result = result
        self.error = error
        self.event = event
