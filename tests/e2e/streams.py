"""Reading typed streams in end-to-end tests, recording sequence gaps, and waiting for a
client's reconnect loop to end; bounded by the caller's timeout."""

from __future__ import annotations

import asyncio
from typing import Any


async def take(sub: Any, n: int) -> list[Any]:
    """The next ``n`` messages of ``sub``."""
    got: list[Any] = []
    async for message in sub:
        got.append(message)
        if len(got) >= n:
            break
    return got


async def fresh(client: Any, sub: Any, n: int) -> list[Any]:
    """``n`` messages received after now: what is already buffered (possibly from an old
    connection) is skipped first, so an iterator is shown to go on across a reconnect."""
    (info,) = [s for s in client.diagnostics().subscriptions if s.address == sub.address]
    got = await take(sub, info.queue_depth + n)
    return got[info.queue_depth :]


async def reconnect_loop_ended(client: Any) -> None:
    """Wait until the client's reconnect loop has returned: from then on no reconnect can
    happen, so "it did not reconnect" is a fact rather than a look taken too early."""
    task = client._sup._task  # the supervisor's loop (runtime/supervisor.py)
    assert isinstance(task, asyncio.Task)
    await asyncio.shield(task)


class GapRecorder:
    """A handlers mixin (put it before the generated ``...Handlers`` base): records every
    ``on_sequence_gap`` call as ``(channel, expected, received)`` and sets :attr:`gap`."""

    def __init__(self) -> None:
        super().__init__()
        self.gaps: list[tuple[Any, Any, Any]] = []
        self.gap = asyncio.Event()

    async def on_sequence_gap(self, channel: Any, expected: Any, received: Any) -> None:
        self.gaps.append((channel, expected, received))
        self.gap.set()
