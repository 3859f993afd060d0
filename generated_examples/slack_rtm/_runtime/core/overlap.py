"""Deliver each notification once, in order, while two connections carry the same
subscriptions.

A lifetime rotation opens and restores the replacement *before* the old connection goes
(make-before-break), so for a moment both sockets receive the same stream, each a little
ahead of or behind the other. Per address, :class:`Overlap` hands the stream over from the
old connection to the new one at a point both have seen:

- the old connection delivers, and its messages are remembered;
- a message of the new connection that the old one already delivered means the new one
  has caught up: from then on the new connection delivers, the old one's messages are
  dropped, and so are the new one's that the old one delivered before the switch;
- a message of the new connection the old one has not delivered yet is held back; when
  the old connection delivers it, the held ones after it are delivered and the new
  connection takes over;
- when the overlap ends (the old connection is closed or dropped), what is still held is
  delivered (:meth:`Overlap.drain`).

A message is identified by its sequence value (spec ``sequence.field``) for channels that
have one: the feed's numbering, the same on every connection (a per-connection counter,
as Coinbase's ``sequence_num``, cannot tell copies apart and must not be declared
``sequence`` on a rotated connection); else by the frame's exact text: exchanges stamp
frames with event times or ids, so identical frames of one address within the overlap
(about a second) are taken for copies. Memory is bounded (:attr:`Overlap.max_keys`
remembered and :attr:`Overlap.max_held` held messages per address) and lives only as long
as the overlap.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import from_json

from ..pointer import MISSING, getter
from ..protocol import Protocol
from .subscriptions import SubEntry

__all__ = ["Overlap"]


class _Handover:
    """One address's handover from the old connection to the new one."""

    __slots__ = ("delivered", "held", "new_leads")

    def __init__(self) -> None:
        self.new_leads = False
        self.delivered: dict[Any, None] = {}
        """Keys the old connection delivered (insertion-ordered, bounded)."""
        self.held: list[tuple[Any, Any]] = []
        """(key, message) of the new connection, ahead of the old one."""


class Overlap:
    """Once-only, in-order delivery across the two connections of one rotation."""

    max_keys = 65_536
    """Messages of the old connection remembered per address; the oldest are forgotten."""
    max_held = 10_000
    """Messages of the new connection held per address; beyond, it takes over at once."""

    def __init__(self, protocol: Protocol, old: int) -> None:
        self.old = old
        """The number of the connection being replaced."""
        self._sequence_of = {
            spec.name: getter(spec.sequence.field)
            for spec in protocol.channels
            if spec.sequence is not None
        }
        self._handovers: dict[str, tuple[SubEntry, _Handover]] = {}
        self.duplicates = 0
        """Copies dropped so far."""

    def offer(
        self, source: int, entry: SubEntry, data: str | bytes, message: Any
    ) -> list[Any]:
        """The messages of ``entry`` to deliver now, in order, for ``message`` (decoded
        from ``data``) received on connection number ``source``: none (a copy, or held
        back), the message itself, or held messages that are due."""
        pair = self._handovers.get(entry.address)
        if pair is None:
            pair = self._handovers[entry.address] = (entry, _Handover())
        h = pair[1]
        key = self._key(entry, data)
        if source == self.old:
            if h.new_leads:
                self.duplicates += 1
                return []
            if len(h.delivered) >= self.max_keys:
                del h.delivered[next(iter(h.delivered))]
            h.delivered[key] = None
            for i, (held_key, _) in enumerate(h.held):
                if held_key == key:  # the new connection was ahead: it takes over here
                    due = (
                        [m for _, m in h.held[:i]]
                        + [message]
                        + [m for _, m in h.held[i + 1 :]]
                    )
                    self.duplicates += 1
                    h.held.clear()
                    h.new_leads = True
                    return due
            return [message]
        if h.new_leads:
            if key in h.delivered:
                self.duplicates += 1
                return []
            return [message]
        if (
            key in h.delivered
        ):  # caught up: the new connection takes over after this one
            self.duplicates += 1
            due = [m for _, m in h.held]
            h.held.clear()
            h.new_leads = True
            return due
        h.held.append((key, message))
        if len(h.held) > self.max_held:
            due = [m for _, m in h.held]
            h.held.clear()
            h.new_leads = True
            return due
        return []

    def drain(self) -> list[tuple[SubEntry, Any]]:
        """The overlap ends: the messages still held (the old connection never delivered
        them), in order, per address."""
        out: list[tuple[SubEntry, Any]] = []
        for entry, h in self._handovers.values():
            out.extend((entry, m) for _, m in h.held)
            h.held.clear()
        return out

    def _key(self, entry: SubEntry, data: str | bytes) -> Any:
        sequence_of = self._sequence_of.get(entry.spec.name)
        if sequence_of is not None:
            try:
                value = sequence_of(from_json(data))
            except ValueError:
                value = MISSING
            if value is not MISSING:
                try:
                    hash(value)
                except TypeError:
                    return ("text", hash(data))
                return ("seq", value)
        # The text's 64-bit hash, not the text: a bounded, small memory whatever the
        # frame size (a collision within one overlap is vanishingly unlikely).
        return ("text", hash(data))
