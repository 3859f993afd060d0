"""Typed receive against a fair hand-written client: ``websockets`` + ``validate_json``.

The stub server (a child process) streams N Deribit ticker notifications after a subscribe.
Two clients consume them in this same process run, alternating, R rounds each:

- baseline: what a competent engineer writes by hand with the same libraries: ``websockets``,
  one pydantic ``model_validate_json`` per frame into a model of the whole notification
  around the generated ``Ticker``, a dict lookup by channel, and a call of the channel's
  handler, which counts the message and drops it;
- nova: ``DeribitClient.subscribe_ticker(...)`` iterated for N typed ``Ticker`` messages,
  each dropped after it is counted, on the default transport (``websockets``);
- nova_picows: the same on ``ConnectOptions(transport="picows")``, when picows is installed.

Every side validates every frame fully into the same ``Ticker`` model. Prints the rates
(messages per second, median and min-max) and each nova side / baseline (goal >= 1.2).

    python bench/receive.py [N] [ROUNDS] [--cpu]
    python bench/receive.py --instructions

``--cpu`` times each side by this process's CPU time instead of the wall clock: on a shared
machine, where the wall clock also counts the time other jobs held the CPU.

``--instructions`` counts CPU instructions per message instead, with valgrind's callgrind:
each side runs in a child process under callgrind for 2 000 and for 12 000 messages, and the
difference of the two totals over 10 000 is printed (repeatable within about 1%).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import partial

import _common
from _common import (
    CHANNEL,
    argv,
    instructions_per_message,
    interleave,
    nova_side,
    rate,
    report,
    run,
    server,
    ticker_frame,
    transports,
)

SUBSCRIBE = {"jsonrpc": "2.0", "id": 1, "method": "public/subscribe", "params": {"channels": [CHANNEL]}}


async def baseline(url: str, n: int) -> float:
    from deribit import models
    from pydantic import BaseModel
    from websockets.asyncio.client import connect

    class Params(BaseModel):
        channel: str
        data: models.Ticker

    class Notification(BaseModel):
        method: str
        params: Params

    validate = Notification.model_validate_json
    received = 0

    def on_ticker(tick: models.Ticker) -> None:
        nonlocal received
        received += 1

    routes = {CHANNEL: on_ticker}
    async with connect(url, compression=None, max_size=2**24) as ws:
        await ws.send(json.dumps(SUBSCRIBE))
        await ws.recv()  # the ack
        started = _common.clock()
        async for text in ws:
            note = validate(text)
            routes[note.params.channel](note.params.data)
            if received == n:
                break
        return n / (_common.clock() - started)


async def nova(url: str, n: int, transport: str = "websockets") -> float:
    from deribit import DeribitClient
    from nova_runtime import ConnectOptions

    options = ConnectOptions(
        compression=False,
        subscription_buffer=n + 10,
        transport="picows" if transport == "picows" else "websockets",
    )
    async with DeribitClient.connect(url=url, options=options) as client:
        sub = await client.subscribe_ticker(instrument_name="BTC-PERPETUAL", interval="100ms")
        return await rate(aiter(sub), n)


def instructions() -> None:
    """Callgrind's instruction count per message of each side (see the module docstring)."""
    counts = instructions_per_message(__file__, ("baseline", *transports()), ticker_frame())
    for transport in transports():
        ratio = counts["baseline"] / counts[transport]
        print(f"ratio baseline/{nova_side(transport)} (higher: nova faster): {ratio:.3f}", flush=True)


def main() -> None:
    if sys.argv[1:2] == ["--child"]:  # one side, once, under callgrind
        side, n, url = sys.argv[2], int(sys.argv[3]), sys.argv[4]
        run(baseline(url, n) if side == "baseline" else nova(url, n, side))
        return
    if sys.argv[1:2] == ["--instructions"]:
        instructions()
        return
    n, rounds = argv(50_000, 5)
    frame = ticker_frame()
    labels = {"baseline": "baseline (websockets + validate_json + route)"}
    for transport in transports():
        labels[nova_side(transport)] = f"nova-gen Deribit client, {transport} (typed iterator)"
    with server(burst=n, frame=frame) as url:
        sides: dict[str, Callable[[], float]] = {"baseline": lambda: run(baseline(url, n))}
        for transport in transports():
            sides[nova_side(transport)] = partial(lambda t: run(nova(url, n, t)), transport)
        samples = interleave(rounds, sides, _common.rate_unit())
    report(
        f"typed receive, frame {len(frame)} B, N={n}",
        samples,
        labels,
        _common.rate_unit(),
        ours=tuple(nova_side(t) for t in transports()),
        base="baseline",
        goal=">= 1.2",
    )


if __name__ == "__main__":
    main()
