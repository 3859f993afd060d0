"""Handlers that record what the Deribit client decided, for end-to-end assertions."""

from __future__ import annotations

from deribit import DeribitHandlers
from nova_runtime import DisconnectReason, ReconnectDecision


class Disconnects(DeribitHandlers):
    """Records every ``on_disconnect`` reason and follows the spec's policy."""

    def __init__(self) -> None:
        self.reasons: list[DisconnectReason] = []

    async def on_disconnect(self, reason: DisconnectReason) -> ReconnectDecision | None:
        self.reasons.append(reason)
        return None
