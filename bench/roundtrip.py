"""Request round trip: the generated client's typed method against a hand-written one.

The stub server (a child process) answers ``public/get_time`` with an int: by default
``stub_server.js`` on Node.js, which shares no code with either client;
``--server=websockets`` uses the Python stub of the other benches instead, built on ``websockets`` like
the baseline, which on a shared core makes the server's own cost depend on which client ran
(docs/performance.md). Two clients call it in this same process run, alternating, R
rounds each, every round on a fresh connection:

- baseline: what a competent engineer writes by hand: ``websockets``, a reader task that
  validates every reply with pydantic (``{jsonrpc, id, result: int}``) and resolves the
  future waiting under its id, and a ``call`` that sends the request and awaits the future;
- nova: ``DeribitClient.get_time()``, which returns the validated ``int``. The spec's rate
  limit (20 requests/s) would make nova wait where the baseline does not, so nova gets a
  limiter as wide as the load: it still pays for every limiter call, never for a wait;
- nova_picows: the same on ``ConnectOptions(transport="picows")``, when picows is installed.

The baseline does the work the product does for a reply, no more and no less: build the
JSON-RPC request, send it, correlate the reply by id, validate it into a pydantic model,
hand the result over. What the product does besides (a deadline per request, the rate
limiter, late and duplicate reply detection) nova pays for inside the ratio.

Two loads: N calls one after another (sequential), and N calls in waves of 100 in flight.
Prints the p50 latency per call (microseconds, median and min-max over rounds) and
nova/baseline for each (goal <= 1.05).

    python bench/roundtrip.py [N] [ROUNDS] [--server=node|websockets]
    python bench/roundtrip.py --instructions [IN_FLIGHT] [--server=node|websockets]

``--instructions`` counts CPU instructions per request instead, with valgrind's callgrind
(which must be installed): each side runs in a child process under callgrind for 300 and
for 1300 requests, and the difference of the two totals over 1000 is printed. Unlike
latencies on a shared machine, these counts repeat within about 1%.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from functools import partial

from _common import (
    argv,
    callgrind_total,
    interleave,
    node_server,
    nova_side,
    report,
    run,
    server,
    transports,
)

IN_FLIGHT = 100

Call = Callable[[], Awaitable[int]]


async def _latencies(call: Call, n: int, in_flight: int) -> list[float]:
    latencies: list[float] = []

    async def one() -> None:
        started = time.perf_counter()
        result = await call()
        latencies.append(time.perf_counter() - started)
        assert isinstance(result, int)

    for _ in range(max(1, n // in_flight)):
        if in_flight == 1:
            await one()
        else:
            await asyncio.gather(*(one() for _ in range(in_flight)))
    return latencies


async def baseline(url: str, n: int, in_flight: int) -> float:
    from pydantic import BaseModel
    from websockets.asyncio.client import connect

    class Reply(BaseModel):
        id: int
        result: int

    validate = Reply.model_validate_json
    pending: dict[int, asyncio.Future[int]] = {}
    ids = iter(range(1, 2**62))

    async with connect(url, compression=None) as ws:

        async def reader() -> None:
            async for text in ws:
                reply = validate(text)
                future = pending.pop(reply.id, None)
                if future is not None and not future.done():
                    future.set_result(reply.result)

        async def get_time() -> int:
            request_id = next(ids)
            future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
            pending[request_id] = future
            request = {"jsonrpc": "2.0", "id": request_id, "method": "public/get_time", "params": {}}
            await ws.send(json.dumps(request))
            return await future

        task = asyncio.create_task(reader())
        try:
            latencies = await _latencies(get_time, n, in_flight)
        finally:
            task.cancel()
    return statistics.median(latencies) * 1e6


async def nova(url: str, n: int, in_flight: int, transport: str = "websockets") -> float:
    from deribit import DeribitClient
    from nova_runtime import ConnectOptions
    from nova_runtime.core.ratelimit import SlidingWindow

    options = ConnectOptions(
        compression=False,
        limiter=SlidingWindow(limit=10 * n + 10, window=1.0),
        transport="picows" if transport == "picows" else "websockets",
    )
    async with DeribitClient.connect(url=url, options=options) as client:
        return statistics.median(await _latencies(client.get_time, n, in_flight)) * 1e6


def stub() -> AbstractContextManager[str]:
    """The stub server ``--server=NAME`` names (default: the Node.js one)."""
    names = [a.removeprefix("--server=") for a in sys.argv[1:] if a.startswith("--server=")]
    name = names[-1] if names else "node"
    if name not in ("node", "websockets"):
        raise SystemExit(f"--server= takes node or websockets, not {name!r}")
    return node_server() if name == "node" else server()


def instructions(in_flight: int) -> None:
    """Callgrind's instruction count per request of each side (see the module docstring)."""
    counts: dict[str, float] = {}
    with stub() as url:
        for side in ("baseline", *(nova_side(t) for t in transports())):
            totals = [
                callgrind_total([__file__, "--child", side, str(n), url, str(in_flight)])
                for n in (300, 1300)
            ]
            counts[side] = (totals[1] - totals[0]) / 1000
            print(f"{side:>10}: {counts[side]:,.0f} instructions per request", flush=True)
    for side in (nova_side(t) for t in transports()):
        ratio = counts[side] / counts["baseline"]
        print(f"ratio {side}/baseline: {ratio:.3f}  ({in_flight} in flight)", flush=True)


def main() -> None:
    if sys.argv[1:2] == ["--child"]:  # one side, once, under callgrind
        side, n, url, in_flight = sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
        transport = "picows" if side == nova_side("picows") else "websockets"
        asyncio.run(baseline(url, n, in_flight) if side == "baseline" else nova(url, n, in_flight, transport))
        return
    if sys.argv[1:2] == ["--instructions"]:
        instructions(int(sys.argv[2]) if sys.argv[2:3] and sys.argv[2].isdigit() else 1)
        return
    n, rounds = argv(5_000, 5)
    labels = {"baseline": "baseline (websockets + futures by id + validate)"}
    for transport in transports():
        labels[nova_side(transport)] = f"nova-gen Deribit client, {transport} (get_time())"
    with stub() as url:
        for label, in_flight in (("sequential", 1), (f"{IN_FLIGHT} in flight", IN_FLIGHT)):
            sides: dict[str, Callable[[], float]] = {
                "baseline": partial(lambda f: run(baseline(url, n, f)), in_flight)
            }
            for transport in transports():
                sides[nova_side(transport)] = partial(
                    lambda f, t: run(nova(url, n, f, t)), in_flight, transport
                )
            report(
                f"request round trip p50, {label}, N={n}",
                interleave(rounds, sides, "us p50"),
                labels,
                "us",
                ours=tuple(nova_side(t) for t in transports()),
                base="baseline",
                goal="<= 1.05",
            )


if __name__ == "__main__":
    main()
