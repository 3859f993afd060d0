"""Deliver each notification once while two connections carry the same subscriptions.

A lifetime rotation opens and restores the replacement *before* the old connection goes
(make-before-break), so for a moment both sockets receive the same stream. Both deliver
through one :class:`Overlap`, which lets the first copy of each message through and drops
the copy that arrives on the other socket. A message is identified by:

- its sequence value (spec ``sequence.field``), for channels that have one: the feed's
  numbering, the same on every connection (a per-connection counter, as Coinbase's
  ``sequence_num``, cannot tell duplicates apart and must not be declared ``sequence``
  on a rotated connection);
- else the frame's exact text: exchanges stamp frames with event times or ids, so two
  identical frames of one address within the overlap (about a second) count once.

A copy is matched against copies seen on *other* connections only, so a message that
repeats on one socket is never dropped. Memory is bounded (:attr:`Overlap.max_keys`, the
oldest forgotten first) and lives only as long as the overlap.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import from_json

from ..pointer import MISSING, getter
from ..protocol import Protocol
from .subscriptions import SubEntry

__all__ = ["Overlap"]


class Overlap:
    """Once-only delivery across connections, for the time of one rotation."""

    max_keys = 65_536
    """Messages remembered at most; beyond, the oldest are forgotten."""

    def __init__(self, protocol: Protocol) -> None:
        self._sequence_of = {
            spec.name: getter(spec.sequence.field)
            for spec in protocol.channels
            if spec.sequence is not None
        }
        self._seen: dict[tuple[str, Any], list[int]] = {}
        """(address, message key) -> the connections that delivered it, not yet matched."""
        self.duplicates = 0
        """Copies dropped so far."""

    def first(self, source: int, entry: SubEntry, data: str | bytes) -> bool:
        """Whether the message ``data`` of ``entry``, received on connection number
        ``source``, is the first copy (deliver it) rather than another socket's copy."""
        key = (entry.address, self._key(entry, data))
        holders = self._seen.get(key)
        if holders:
            for i, holder in enumerate(holders):
                if holder != source:
                    del holders[i]
                    if not holders:
                        del self._seen[key]
                    self.duplicates += 1
                    return False
            holders.append(source)
            return True
        if len(self._seen) >= self.max_keys:
            del self._seen[next(iter(self._seen))]
        self._seen[key] = [source]
        return True

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
                    return ("text", data)
                return ("seq", value)
        return ("text", data)
