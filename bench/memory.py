"""Memory per idle connection with 10 subscriptions: the generated client against a
hand-written one.

N connections to the stub server (a child process), each with 10 ticker subscriptions
acknowledged, then idle. Measured with ``tracemalloc`` (Python allocations of this process,
after a full ``gc.collect()``, divided by N; the server runs in another process). Two sides in
this same process run, alternating, R rounds each, all connections closed between sides:

- baseline: what a competent engineer writes by hand: a ``websockets`` connection, a reader
  task validating replies and notifications with pydantic and routing notifications through
  a dict of 10 channel handlers, and 10 subscribe requests awaited for their acks;
- nova: ``DeribitClient.connect()`` and 10 awaited ``subscribe_ticker(...)``.

Prints KB per connection (median and min-max) and nova/baseline (goal <= 2).

    python bench/memory.py [N] [ROUNDS]
"""

from __future__ import annotations

import asyncio
import gc
import json
import tracemalloc
from typing import Any

from _common import argv, interleave, report, run, server

SUBSCRIPTIONS = 10
OPENING = 50
"""Connections opened at once (the stub server's accept queue stays short)."""


def _channels() -> list[str]:
    return [f"ticker.I{j}.100ms" for j in range(SUBSCRIPTIONS)]


class HandWritten:
    """One hand-written client: socket, reader task, pending futures, channel routes."""

    def __init__(self, ws: Any, validate_reply: Any, validate_note: Any) -> None:
        self.ws = ws
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.routes: dict[str, Any] = {}
        self.received = 0
        self._reply = validate_reply
        self._note = validate_note
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for text in self.ws:
            if '"method"' in text:
                note = self._note(text)
                self.routes[note.params.channel](note.params.data)
            else:
                reply = self._reply(text)
                future = self.pending.pop(reply.id, None)
                if future is not None:
                    future.set_result(reply.result)

    def on_ticker(self, tick: Any) -> None:
        self.received += 1

    async def subscribe(self, request_id: int, channel: str) -> None:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending[request_id] = future
        request = {"jsonrpc": "2.0", "id": request_id, "method": "public/subscribe", "params": {"channels": [channel]}}
        await self.ws.send(json.dumps(request))
        await future
        self.routes[channel] = self.on_ticker

    async def close(self) -> None:
        await self.ws.close()
        self.reader.cancel()


async def baseline(url: str, n: int) -> float:
    from deribit import models
    from pydantic import BaseModel
    from websockets.asyncio.client import connect

    class Reply(BaseModel):
        id: int
        result: list[str]

    class Params(BaseModel):
        channel: str
        data: models.Ticker

    class Notification(BaseModel):
        method: str
        params: Params

    reply, note = Reply.model_validate_json, Notification.model_validate_json

    async def open_one() -> HandWritten:
        client = HandWritten(await connect(url, compression=None), reply, note)
        for j, channel in enumerate(_channels()):
            await client.subscribe(j + 1, channel)
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
