"""New subscriptions waiting for their subscribe frame, sent together.

Why: a rate-limited server counts frames, not addresses. Twenty ``subscribe_*`` calls in
a loop used to be twenty frames (Binance allows 5 a second); where the protocol batches
they can be one. So a new address does not send its own request: it joins the
:class:`Outbox` of its subscribe method, and one task per method sends what has gathered
(every address added in the same event-loop iteration, or while the rate limiter held
the previous frame back), as few frames as the method allows (``batch``, ``max_batch``),
each through the limiter. The restore after a reconnect plans every desired address
itself, so it empties the outboxes (:meth:`Outbox.clear`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from .context import Context
from .core import SubEntry, SubscribeAck
from .errors import ConnectionLost, RateLimited, RequestTimeout
from .outcomes import Outcomes
from .protocol import SubscribeMethod
from .sender import Sender

__all__ = ["Outbox"]


class Outbox:
    """Addresses per subscribe method whose subscribe frame has not gone out yet."""

    def __init__(self, ctx: Context, sender: Sender, outcomes: Outcomes) -> None:
        self.ctx = ctx
        self.sender = sender
        self.outcomes = outcomes
        self._waiting: dict[str, list[SubEntry]] = {}
        self._senders: dict[str, asyncio.Task[Any]] = {}

    def add(self, entry: SubEntry) -> None:
        """``entry`` (new, pending) needs a subscribe frame; a sender task is started for
        its method unless one runs."""
        name = entry.method.name
        self._waiting.setdefault(name, []).append(entry)
        if name not in self._senders:
            self._senders[name] = self.ctx.spawn(self._send(entry.method))

    def cancel(self, entry: SubEntry) -> bool:
        """Take ``entry`` out before its frame went out; True if it was waiting."""
        waiting = self._waiting.get(entry.method.name, [])
        if entry in waiting:
            waiting.remove(entry)
            return True
        return False

    def clear(self) -> None:
        """A restore plans every desired address: nothing waits here anymore."""
        for waiting in self._waiting.values():
            waiting.clear()

    async def _send(self, method: SubscribeMethod) -> None:
        ctx, sender = self.ctx, self.sender
        loop = ctx.loop
        session = ctx.session
        timeout = ctx.request_timeout
        wire = method.subscribe
        cost = sender.cost_of(wire)
        size = (method.max_batch or 0) if method.batch else 1
        waiting = self._waiting.setdefault(method.name, [])
        try:
            while waiting:
                take = size or len(waiting)
                try:
                    conn = await sender.ready(
                        wire, cost, loop.time() + timeout, timeout
                    )
                except (ConnectionLost, RequestTimeout, RateLimited) as exc:
                    failed = [e.address for e in waiting[:take]]
                    del waiting[:take]
                    ctx.fail_entries(
                        session.subscriptions.mark_failed(failed, exc), exc
                    )
                    continue
                entries = [e for e in waiting[:take] if e.state == "pending"]
                del waiting[:take]
                requests = session.subscribe_requests(
                    tuple(entries), now=loop.time(), timeout=timeout
                )
                for number, (pending, text) in enumerate(requests):
                    if number:  # addresses this method cannot batch: one frame each
                        await sender.throttle(
                            wire, cost, pending.deadline, timeout, wait_only=True
                        )
                    sender.watch(pending)
                    conn.last_subscribe = pending.addresses  # for a `reject` close
                    try:
                        await conn.send(text)
                    except ConnectionLost:
                        break  # still desired: the restore on the next connection sends them
                    if not pending.correlated:
                        # Active once sent (ack none, or the request id is the subscription id).
                        active = [
                            e
                            for e in entries
                            if e.address in pending.addresses and e.state == "active"
                        ]
                        if active:
                            self.outcomes.handle(
                                SubscribeAck(pending, active, []), conn
                            )
        finally:
            if self._senders.get(method.name) is asyncio.current_task():
                del self._senders[method.name]
