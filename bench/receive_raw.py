"""Typed receive against ``websockets`` raw receive, which does no parsing at all.

The stub server (a child process) streams N Deribit ticker notifications after a subscribe.
Two clients consume them in this same process run, alternating, R rounds each:

- raw: ``websockets``' own receive loop (``async for text in ws``), counting frames: no JSON
  parsing, no validation, no routing. The floor of what any client on ``websockets`` pays;
- nova: ``DeribitClient.subscribe_ticker(...)`` iterated for N fully validated ``Ticker``
  messages, on the default transport (``websockets``);
- nova_picows: the same on ``ConnectOptions(transport="picows")``, when picows is installed.

Prints the rates (messages per second, median and min-max) and each nova side / raw (goal
>= 1.0: typed receive at least as fast as raw ``websockets`` receive).

    python bench/receive_raw.py [N] [ROUNDS] [--cpu]

``--cpu``: CPU time of this process instead of the wall clock (see ``receive.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial

import _common
from _common import argv, interleave, nova_side, rate, report, run, server, ticker_frame, transports
from receive import SUBSCRIBE, nova


async def raw(url: str, n: int) -> float:
    from websockets.asyncio.client import connect

    async with connect(url, compression=None, max_size=2**24) as ws:
        await ws.send(json.dumps(SUBSCRIBE))
        await ws.recv()  # the ack
        return await rate(aiter(ws), n)


def main() -> None:
    n, rounds = argv(50_000, 5)
    frame = ticker_frame()
    labels = {"raw": "websockets raw receive (no parsing)"}
    for transport in transports():
        labels[nova_side(transport)] = f"nova-gen Deribit client, {transport} (typed iterator)"
    with server(burst=n, frame=frame) as url:
        sides: dict[str, Callable[[], float]] = {"raw": lambda: run(raw(url, n))}
        for transport in transports():
            sides[nova_side(transport)] = partial(lambda t: run(nova(url, n, t)), transport)
        samples = interleave(rounds, sides, _common.rate_unit())
    report(
        f"typed receive vs raw receive, frame {len(frame)} B, N={n}",
        samples,
        labels,
        _common.rate_unit(),
        ours=tuple(nova_side(t) for t in transports()),
        base="raw",
        goal=">= 1.0",
    )


if __name__ == "__main__":
    main()
