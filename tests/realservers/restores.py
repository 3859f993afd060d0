"""Waiting, by event, for a client to have reconnected and restored its subscriptions."""

from __future__ import annotations

import asyncio
from typing import Any


class Restores:
    """Mix into a generated handlers class (``class H(Restores, EthereumHandlers)``):
    :attr:`restored` is set once a reconnect has restored every subscription."""

    def __init__(self) -> None:
        self.restored = asyncio.Event()

    async def on_connect(self, info: Any) -> None:
        if info.reconnect:
            self.restored.set()
