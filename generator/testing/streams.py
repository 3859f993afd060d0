"""Notification streams: what one subscription sends, framed the way the spec routes it.

Each frame is the channel's example message (one built from its schema when it has none,
:mod:`.valid`) placed at the envelope notification's payload pointer, plus the rule's
constants, plus what routes it to the subscription:

- the subscription id at the rule's ``subscription`` pointer (Ethereum, GraphQL);
- else, for a channel with ``route``, each address field's value at its pointer (Kraken v2
  ``/channel``, ``/data/0/symbol``), written after the payload so the subscribed values win;
- else the address (a string, or the whole object: OKX ``/arg``) at the rule's ``channel``.

A channel with ``sequence`` gets increasing values at ``sequence.field``: consecutive ones,
or, with ``sequence.previous``, a chain of values 1 to 3 apart where each frame also carries
the one before it; :class:`SequenceSkips` makes the next frame jump ahead.
"""

from __future__ import annotations

import asyncio
import copy
import math
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from nova_runtime.protocol import Envelope, Match

from ..ir import Channel, ChannelExample
from ..satisfy import earlier_rules, satisfy
from .addresses import value_text
from .drift import PayloadDrift, put
from .framing import read_at
from .routing import Target


@dataclass(eq=False)
class Subscription:
    """One active subscription of one connection."""

    target: Target
    sub_id: Any = None
    """The id notifications carry instead of the address (None: routed by address)."""
    sequence: int | None = None
    """The last sequence value sent (counting skipped ones)."""
    task: asyncio.Task[None] | None = field(default=None, repr=False)
    muted: bool = False
    """Send nothing more, while the connection stays healthy (a stream gone quiet)."""

    @property
    def key(self) -> str:
        return self.target.key if self.sub_id is None else str(self.sub_id)


class SequenceSkips:
    """Pending jumps of the next sequenced frame (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending = 0
        self.skipped = 0
        """Sequence values skipped so far."""

    def add(self, n: int) -> None:
        if n < 1:
            raise ValueError("n must be >= 1")
        with self._lock:
            self._pending += n

    def take(self) -> int:
        with self._lock:
            n, self._pending = self._pending, 0
            self.skipped += n
            return n


class NotificationFramer:
    """Builds the notification frames of one envelope."""

    def __init__(self, envelope: Envelope) -> None:
        self.envelope = envelope
        self.drift = PayloadDrift()
        self._earlier = earlier_rules(envelope)["notification"]

    def _constants(self, frame: dict[str, Any], when: Match | None) -> None:
        """Make ``frame`` meet every condition of ``when`` and no rule the client tries
        before notifications (:func:`~nova_gen.satisfy.satisfy`)."""
        satisfy(frame, when, self._earlier)

    def frame(self, sub: Subscription, message: Any, skip: int = 0) -> dict[str, Any]:
        rule = self.envelope.notification
        if rule is None:
            raise ValueError("the envelope has no notification rule")
        channel = sub.target.channel
        frame: dict[str, Any] = copy.deepcopy(dict(self.envelope.template))
        self._constants(frame, rule.when)
        put(frame, rule.payload, self.drift.apply(copy.deepcopy(message)))
        if sub.sub_id is not None and rule.subscription is not None:
            put(frame, rule.subscription, sub.sub_id)
        elif channel.route:
            address = sub.target.address
            for name, pointer in channel.route:
                if isinstance(address, dict) and name in address:
                    put(frame, pointer, copy.deepcopy(address[name]))
        else:
            put(frame, rule.channel, copy.deepcopy(sub.target.address))
        # Again: a payload merged into the frame ("") must not hide the constants.
        self._constants(frame, rule.when)
        self._constants(frame, channel.when)
        if channel.sequence is not None:
            self._sequence(frame, sub, channel, skip)
        return frame

    @staticmethod
    def _sequence(frame: dict[str, Any], sub: Subscription, channel: Channel, skip: int) -> None:
        seq = channel.sequence
        assert seq is not None
        if sub.sequence is None:
            start = read_at(frame, seq.field)
            sub.sequence = (
                start - 1 if isinstance(start, int) and not isinstance(start, bool) else 0
            )
        if seq.previous is None:
            value = sub.sequence + 1 + skip
        else:
            # A chain: each frame names the value before it, and values are not
            # consecutive (as on OKX), so only the chain shows a gap. Skipped frames
            # advance the chain unseen.
            previous = sub.sequence
            for _ in range(skip):
                previous = chain_next(previous)
            value = chain_next(previous)
            put(frame, seq.previous, previous)
        put(frame, seq.field, value)
        sub.sequence = value


def chain_next(value: int) -> int:
    """The value after ``value`` in a chained sequence: steps of 1 to 3, mixed."""
    return value + 1 + (value // 2) % 3


_ABSENT = object()


def examples_for(channel: Channel, params: dict[str, Any]) -> list[ChannelExample]:
    """The channel's examples whose parameters are the subscription's (compared as text,
    on the parameters both name), else all of them."""
    preferred = [
        e
        for e in channel.examples
        if e.parameters
        and all(
            k not in params or value_text(v) == value_text(params[k])
            for k, v in e.parameters.items()
        )
    ]
    return preferred or list(channel.examples)


async def stream(
    sub: Subscription,
    examples: list[ChannelExample],
    *,
    build: Callable[[Subscription, Any], Any],
    send: Callable[[Any], Awaitable[None]],
    running: asyncio.Event,
    interval: float,
    limit: int | None,
    sent: Callable[[], None],
    origin: float | None = None,
) -> None:
    """Send ``examples`` in a cycle, ``interval`` apart, ``limit`` frames at most; a
    muted subscription (:attr:`Subscription.muted`) sends nothing.

    With ``origin`` (a loop time), the frames follow one clock shared by every
    connection, as an exchange's feed does: tick ``k`` (at ``origin + k * interval``) is
    example ``k mod n`` with the k-th sequence value (``k``, or the k-th link of a chained
    sequence), so two connections subscribed to the same address receive the same frames
    (a lifetime rotation's overlap). A stream that falls behind its clock catches up tick
    by tick; no tick is skipped.
    """
    if not examples or limit == 0:
        return
    loop = asyncio.get_running_loop()
    tick = 0 if origin is None else math.floor((loop.time() - origin) / interval) + 1
    before = _feed_value(sub, tick - 1) if origin is not None else 0
    """The sequence value of the tick before ``tick`` (feed clock only)."""
    count = 0
    while limit is None or count < limit:
        if origin is not None:
            await asyncio.sleep(max(0.0, origin + tick * interval - loop.time()))
        await running.wait()
        if not sub.muted:
            if origin is not None:
                sub.sequence = before  # the frame carries the tick's own value
            await send(build(sub, examples[tick % len(examples)].message))
            count += 1
            sent()
        tick += 1
        if origin is None:
            await asyncio.sleep(interval)
        else:
            before = _next_value(sub, before)


def _next_value(sub: Subscription, value: int) -> int:
    seq = sub.target.channel.sequence
    return chain_next(value) if seq is not None and seq.previous is not None else value + 1


def _feed_value(sub: Subscription, tick: int) -> int:
    """The sequence value of ``tick`` on the feed clock (0 at tick 0)."""
    value = 0
    for _ in range(max(0, tick)):
        value = _next_value(sub, value)
    return value
