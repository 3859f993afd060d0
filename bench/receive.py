"""Receive benchmark: the generated Deribit client against a hand-written baseline.

A server in a child process streams N Deribit ticker notifications after a subscribe. Two
clients consume them in this same process run, alternating, R rounds each:

- baseline: ``websockets`` + one pydantic ``validate_json`` per frame (a model of the whole
  notification around the generated ``Ticker``) + a dict lookup by channel;
- nova: ``DeribitClient.subscribe_ticker(...)`` iterated for N typed messages.

It prints both rates (median of the rounds) and nova/baseline. Ratios, not absolutes, are
meaningful on a shared machine.

    python bench/receive.py [N] [ROUNDS]
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "generated_examples"))

CHANNEL = "ticker.BTC-PERPETUAL.100ms"


def ticker_payload() -> dict[str, Any]:
    from nova_gen.loader import load_api

    api = load_api(ROOT / "specs" / "deribit.yaml")
    channel = next(c for c in api.channels if c.name == "ticker")
    message: dict[str, Any] = channel.examples[0].message
    return message


def serve(port_queue: Any, n: int, frame: str) -> None:
    from websockets.asyncio.server import ServerConnection, serve

    payload = frame.encode()
    assert 125 < len(payload) < 65536
    encoded = bytes([0x81, 126]) + len(payload).to_bytes(2, "big") + payload  # one unmasked text frame

    async def handler(ws: ServerConnection) -> None:
        async for text in ws:
            request = json.loads(text)
            if "id" not in request:
                continue
            subscribe = request.get("method") == "public/subscribe"
            result = request["params"]["channels"] if subscribe else "ok"
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": result}))
            if subscribe:
                # Pre-encoded frames written straight to the transport, so the server is never
                # the bottleneck: the clients are what is measured.
                ws.transport.write(encoded * n)

    async def main() -> None:
        async with serve(handler, "127.0.0.1", 0, compression=None, max_queue=None) as server:
            port_queue.put(server.sockets[0].getsockname()[1])
            await asyncio.Future()

    asyncio.run(main())


async def baseline(url: str, n: int) -> float:
    from deribit import models
    from pydantic import BaseModel, TypeAdapter
    from websockets.asyncio.client import connect

    class Params(BaseModel):
        channel: str
        data: models.Ticker

    class Notification(BaseModel):
        jsonrpc: str
        method: str
        params: Params

    validate = TypeAdapter(Notification).validate_json
    sink: list[models.Ticker] = []
    routes = {CHANNEL: sink}
    async with connect(url, compression=None, max_size=2**24) as ws:
        request = {"jsonrpc": "2.0", "id": 1, "method": "public/subscribe", "params": {"channels": [CHANNEL]}}
        await ws.send(json.dumps(request))
        await ws.recv()  # the ack
        started = time.perf_counter()
        for _ in range(n):
            note = validate(await ws.recv())
            routes[note.params.channel].append(note.params.data)
        return n / (time.perf_counter() - started)


async def nova(url: str, n: int) -> float:
    from deribit import DeribitClient
    from nova_runtime import ConnectOptions

    options = ConnectOptions(compression=False, subscription_buffer=n + 10)
    async with DeribitClient.connect(url=url, options=options) as client:
        sub = await client.subscribe_ticker(instrument_name="BTC-PERPETUAL", interval="100ms")
        count = 0
        started = time.perf_counter()
        async for _tick in sub:
            count += 1
            if count == n:
                break
        return n / (time.perf_counter() - started)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    frame = json.dumps(
        {"jsonrpc": "2.0", "method": "subscription", "params": {"channel": CHANNEL, "data": ticker_payload()}}
    )
    ports: Any = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(ports, n, frame), daemon=True)
    server.start()
    url = f"ws://127.0.0.1:{ports.get(timeout=30)}"
    rates: dict[str, list[float]] = {"baseline": [], "nova": []}
    try:
        for r in range(rounds):
            for name, run in (("baseline", baseline), ("nova", nova)):
                rate = asyncio.run(asyncio.wait_for(run(url, n), timeout=120))
                rates[name].append(rate)
                print(f"round {r + 1}/{rounds} {name:>8}: {rate:>9,.0f} msg/s", flush=True)
    finally:
        server.terminate()
        server.join()
    base, ours = statistics.median(rates["baseline"]), statistics.median(rates["nova"])
    print(f"frame {len(frame)} B, N={n}, median of {rounds} rounds")
    print(f"baseline (websockets + validate_json + dict): {base:>9,.0f} msg/s")
    print(f"nova-gen Deribit client (typed iterator):     {ours:>9,.0f} msg/s")
    print(f"ratio nova/baseline: {ours / base:.3f}")


if __name__ == "__main__":
    main()
