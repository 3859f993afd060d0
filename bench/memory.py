"""Memory per idle connection with 10 subscriptions: the generated client against a
hand-written one.

N connections to the stub server (a child process), each with 10 ticker subscriptions
acknowledged, then idle. Measured with ``tracemalloc`` (Python allocations of this process,
after a full ``gc.collect()``, divided by N; the server runs in another process). Two sides in
this same process run, alternating, R rounds each, all connections closed between sides:

- baseline: what a competent engineer writes by hand for the same behaviour
  (:class:`HandWritten`): a ``websockets`` connection with its pings, a reader task
  validating replies and notifications with pydantic, routing notifications through a
  dict of 10 channel handlers, answering the server's heartbeat requests, with a no-data
  timeout and the spec's rate limit, reconnecting and resubscribing; ``set_heartbeat``
  and 10 subscribe requests awaited for their acks, each within a request timeout;
- nova: ``DeribitClient.connect()`` and 10 awaited ``subscribe_ticker(...)``.

Prints KB per connection (median and min-max) and nova/baseline (goal <= 2).

    python bench/memory.py [N] [ROUNDS]
"""

from __future__ import annotations

import asyncio
import gc
import json
import time
import tracemalloc
from typing import Any

from _common import argv, interleave, report, run, server

SUBSCRIPTIONS = 10
HEARTBEAT = 30
"""Seconds: the interval Deribit's spec asks the server to heartbeat at (``set_heartbeat``)."""
RATE, BURST = 20, 100
"""The spec's ``rate_limit``: requests per second, and how many may go at once."""
REQUEST_TIMEOUT = 10.0
"""Seconds: the generated client's default request timeout."""
OPENING = 50
"""Connections opened at once (the stub server's accept queue stays short)."""


def _channels() -> list[str]:
    return [f"ticker.I{j}.100ms" for j in range(SUBSCRIPTIONS)]


class TokenBucket:
    """The spec's rate limit (20 requests/s, bursts of 100) as a hand-written client
    keeps it: two floats."""

    __slots__ = ("stamp", "tokens")

    def __init__(self) -> None:
        self.tokens = float(BURST)
        self.stamp = time.monotonic()

    def wait(self) -> float:
        """Take one token; the seconds to wait before sending."""
        now = time.monotonic()
        self.tokens = min(BURST, self.tokens + (now - self.stamp) * RATE) - 1
        self.stamp = now
        return max(0.0, -self.tokens / RATE)


class HandWritten:
    """One hand-written client with the behaviour the generated one has when idle: the
    spec's heartbeats (websockets' pings every 20 s, ``public/set_heartbeat`` on connect,
    ``test_request`` answered with ``public/test``), a no-data watchdog of twice the
    heartbeat interval plus 5 s, its rate limit, a request timeout, and a reader that
    reconnects and resubscribes what ``routes`` holds (its only state beyond the socket)."""

    def __init__(self, url: str, validate_reply: Any, validate_note: Any) -> None:
        self.url = url
        self.ws: Any = None
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.routes: dict[str, Any] = {}
        self.received = 0
        self.last_id = 0
        self._reply = validate_reply
        self._note = validate_note
        self.reader: asyncio.Task[None] | None = None
        self.limit = TokenBucket()

    async def open(self) -> None:
        from websockets.asyncio.client import connect

        self.ws = await connect(self.url, compression=None, ping_interval=20, ping_timeout=20)
        if self.reader is None:
            self.reader = asyncio.create_task(self._run())
        await self.request("public/set_heartbeat", {"interval": HEARTBEAT})

    async def _run(self) -> None:
        """Read until the connection drops, then reconnect and restore the routes."""
        from websockets.exceptions import ConnectionClosed

        while True:
            try:
                await self._read()
            except (ConnectionClosed, TimeoutError):
                pass
            for future in self.pending.values():
                future.cancel()
            self.pending.clear()
            await asyncio.sleep(1.0)
            try:
                await self.open()
                await self.request("public/subscribe", {"channels": list(self.routes)})
            except (OSError, ConnectionClosed, TimeoutError):
                continue

    async def _read(self) -> None:
        while True:
            async with asyncio.timeout(2 * HEARTBEAT + 5):
                text = await self.ws.recv()
            if '"method"' not in text:
                reply = self._reply(text)
                future = self.pending.pop(reply.id, None)
                if future is not None and not future.done():
                    future.set_result(reply.result)
            elif '"subscription"' in text:
                note = self._note(text)
                self.routes[note.params.channel](note.params.data)
            elif '"test_request"' in text:
                asyncio.create_task(self.request("public/test", {}))

    def on_ticker(self, tick: Any) -> None:
        self.received += 1

    async def request(self, method: str, params: dict[str, Any]) -> Any:
        self.last_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending[self.last_id] = future
        frame = {"jsonrpc": "2.0", "id": self.last_id, "method": method, "params": params}
        async with asyncio.timeout(REQUEST_TIMEOUT):
            if wait := self.limit.wait():
                await asyncio.sleep(wait)
            await self.ws.send(json.dumps(frame))
            return await future

    async def subscribe(self, channel: str) -> None:
        await self.request("public/subscribe", {"channels": [channel]})
        self.routes[channel] = self.on_ticker

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
        await self.ws.close()


async def baseline(url: str, n: int) -> float:
    from deribit import models
    from pydantic import BaseModel

    class Reply(BaseModel):
        id: int
        result: list[str] | str

    class Params(BaseModel):
        channel: str
        data: models.Ticker

    class Notification(BaseModel):
        method: str
        params: Params

    reply, note = Reply.model_validate_json, Notification.model_validate_json

    async def open_one() -> HandWritten:
        client = HandWritten(url, reply, note)
        await client.open()
        for channel in _channels():
            await client.subscribe(channel)
        return client

    return await _measure(n, open_one, HandWritten.close)


async def nova(url: str, n: int) -> float:
    from deribit import DeribitClient
    from nova_runtime import ConnectOptions

    options = ConnectOptions(compression=False)

    async def open_one() -> Any:
        client = await DeribitClient.connect(url=url, options=options)
        for j in range(SUBSCRIPTIONS):
            await client.subscribe_ticker(instrument_name=f"I{j}", interval="100ms")
        return client

    async def close(client: Any) -> None:
        await client.close()

    return await _measure(n, open_one, close)


async def _measure(n: int, open_one: Any, close: Any) -> float:
    """KB per connection of ``n`` clients from ``open_one``, all idle at the snapshot."""
    gate = asyncio.Semaphore(OPENING)

    async def gated() -> Any:
        async with gate:
            return await open_one()

    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    clients = await asyncio.gather(*(gated() for _ in range(n)))
    await asyncio.sleep(0.2)  # idle: every ack handled, nothing in flight
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    await asyncio.gather(*(close(c) for c in clients))
    return (after - before) / n / 1024


def main() -> None:
    n, rounds = argv(1000, 3)
    tracemalloc.start()
    with server() as url:
        samples = interleave(
            rounds,
            {"baseline": lambda: run(baseline(url, n)), "nova": lambda: run(nova(url, n))},
            "KB/conn",
        )
    report(
        f"memory per idle connection with {SUBSCRIPTIONS} subscriptions, N={n} (tracemalloc)",
        samples,
        {
            "baseline": "baseline (websockets + reader task + routes)",
            "nova": "nova-gen Deribit client",
        },
        "KB",
        ours="nova",
        base="baseline",
        goal="<= 2",
    )


if __name__ == "__main__":
    main()
