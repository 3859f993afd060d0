"""Request ids and the requests still waiting for a reply.

Every outgoing request gets a fresh id of the kind the envelope asks for and a
:class:`Pending` entry with its deadline (an absolute time in the caller's clock). A
reply resolves exactly the entry with its id. A reply whose id is no longer pending
is *stray*: either *late* (the request expired or was abandoned; we remember a bounded
number of those ids) or *unknown* (never sent by us). Strays are reported, never
delivered to another request.

The I/O layer hangs whatever it waits on (an ``asyncio.Future``) on ``Pending.waiter``;
the core never looks at it.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any, Literal

from ..protocol import IdKind, RequestSpec

__all__ = ["Correlator", "Pending", "PendingKind"]

PendingKind = Literal["request", "subscribe", "unsubscribe", "internal"]
"""Who waits: a user request, a subscribe or unsubscribe call, or the runtime itself
(a heartbeat reply, the on-connect request) whose reply is swallowed."""


class Pending:
    """One request waiting for its reply."""

    __slots__ = (
        "addresses",
        "correlated",
        "deadline",
        "id",
        "kind",
        "method",
        "spec",
        "timeout",
        "waiter",
    )

    def __init__(
        self,
        id: Any,
        method: str,
        spec: RequestSpec[Any] | None,
        kind: PendingKind,
        deadline: float,
        timeout: float,
        addresses: tuple[str, ...] = (),
    ) -> None:
        self.id = id
        self.method = method
        self.spec = spec
        self.kind: PendingKind = kind
        self.deadline = deadline
        self.timeout = timeout
        self.addresses = addresses
        """For subscribe and unsubscribe requests: the channel addresses they carry."""
        self.waiter: Any = None
        self.correlated = True
        """False for a request no correlated reply answers (not in the correlator): a
        subscribe acked by an uncorrelated frame or not at all, a frame without an id."""

    def __repr__(self) -> str:
        return f"<Pending {self.kind} {self.method} id={self.id!r}>"


class Correlator:
    """Allocates ids and matches replies to pending requests."""

    def __init__(self, id_kind: IdKind = "int", *, remember_late: int = 1024) -> None:
        self.id_kind: IdKind = id_kind
        self._counter = 0
        self._pending: dict[Any, Pending] = {}
        self._late: OrderedDict[Any, None] = OrderedDict()
        """Ids of expired or abandoned requests, oldest first (an ordered set)."""
        self._remember_late = remember_late
        self._answered: OrderedDict[Any, None] = OrderedDict()
        """Ids of answered requests, oldest first."""

    def next_id(self) -> Any:
        """A fresh request id: an int, a numeric string, or a uuid4 string."""
        if self.id_kind == "uuid":
            return str(uuid.uuid4())
        self._counter += 1
        return str(self._counter) if self.id_kind == "str" else self._counter

    def detached(
        self,
        method: str,
        spec: RequestSpec[Any] | None,
        kind: PendingKind,
        now: float,
        timeout: float,
        addresses: tuple[str, ...] = (),
        id: Any = None,
    ) -> Pending:
        """A request entry no reply resolves (not registered): ``id`` as given."""
        pending = Pending(id, method, spec, kind, now + timeout, timeout, addresses)
        pending.correlated = False
        return pending

    def add(
        self,
        method: str,
        spec: RequestSpec[Any] | None,
        kind: PendingKind,
        now: float,
        timeout: float,
        addresses: tuple[str, ...] = (),
    ) -> Pending:
        """Register a new request with a fresh id and deadline ``now + timeout``."""
        pending = Pending(self.next_id(), method, spec, kind, now + timeout, timeout, addresses)
        self._pending[pending.id] = pending
        return pending

    def resolve(self, id: Any) -> Pending | None:
        """Remove and return the request a reply with ``id`` answers, or None if stray.

        Servers sometimes echo a numeric id as a string or the other way round, so a
        counter id also matches its other form: request ``7`` (``id_kind: int``) is
        answered by ``"7"``, request ``"7"`` (``str``) by ``7``. Only the exact decimal
        text of the counter matches (``"07"``, ``"+7"``, ``"7.0"``, ``"７"``, ``"²"`` do
        not); a ``bool`` or ``float`` id matches nothing; uuid ids match only as sent. Any
        JSON value is accepted (an object id, a 5000-digit string): it is simply not ours.
        """
        pending = self._pending.pop(id, None) if _is_id(id) else None
        if pending is None:
            alt = self._other_form(id)
            if alt is not None:
                pending = self._pending.pop(alt, None)
        if pending is not None:
            self._remember(self._answered, pending.id)
        return pending

    def _other_form(self, id: Any) -> Any:
        """The counter id ``id`` stands for in its other JSON type, or None."""
        if self.id_kind == "int" and type(id) is str:
            return int(id) if _is_counter(id) else None
        if self.id_kind == "str" and type(id) is int:
            return str(id)
        return None

    def is_late(self, id: Any) -> bool:
        """True if ``id`` (in either form, see :meth:`resolve`) belonged to a request that
        expired or was abandoned, among the last ``remember_late`` such requests."""
        return self._seen(self._late, id)

    def is_duplicate(self, id: Any) -> bool:
        """True if ``id`` (in either form) belonged to a request that was already answered."""
        return self._seen(self._answered, id)

    def _seen(self, ids: OrderedDict[Any, None], id: Any) -> bool:
        if _is_id(id) and id in ids:
            return True
        alt = self._other_form(id)
        return alt is not None and alt in ids

    def abandon(self, id: Any) -> Pending | None:
        """Forget a request nobody waits for any more; its reply will be *late*."""
        pending = self._pending.pop(id, None)
        if pending is not None:
            self._remember(self._late, id)
        return pending

    def expire(self, now: float) -> list[Pending]:
        """Remove and return every request whose deadline is at or before ``now``."""
        expired = [p for p in self._pending.values() if p.deadline <= now]
        for pending in expired:
            del self._pending[pending.id]
            self._remember(self._late, pending.id)
        return expired

    def next_deadline(self) -> float | None:
        """The earliest deadline among pending requests, for the caller's timer."""
        return min((p.deadline for p in self._pending.values()), default=None)

    def fail_all(self) -> list[Pending]:
        """Remove and return every pending request (the connection is gone)."""
        pending = list(self._pending.values())
        self._pending.clear()
        return pending

    def __len__(self) -> int:
        return len(self._pending)

    def __iter__(self) -> Iterator[Pending]:
        return iter(list(self._pending.values()))

    def _remember(self, ids: OrderedDict[Any, None], id: Any) -> None:
        """Keep the last ``remember_late`` ids of one kind (late or answered): one
        ordered set per kind, the oldest dropped first. An ``OrderedDict`` drops it in
        constant time; a plain dict leaves every deleted entry at the front of its table,
        where finding the oldest (``next(iter(ids))``) walks over them all: once the
        record was full, about a thousand per answered request."""
        ids[id] = None
        if len(ids) > self._remember_late:
            ids.popitem(last=False)


def _is_id(id: Any) -> bool:
    """Whether ``id`` can be one of our ids: an int or a str (not a bool, a float, or a
    JSON object or array, which would otherwise compare or hash like one of them)."""
    return type(id) is int or type(id) is str


def _is_counter(text: str) -> bool:
    """A numeric id exactly as our int counter writes it: ASCII digits without a leading
    zero, at most 18 of them (``"07"``, ``"²"``, a 5000-digit string are not)."""
    return text.isascii() and text.isdigit() and len(text) <= 18 and not text.startswith("0")
