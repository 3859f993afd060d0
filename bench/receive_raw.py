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
    python bench/receive_raw.py --instructions

``--cpu``: CPU time of this process instead of the wall clock (see ``receive.py``).

``--instructions``: CPU instructions per message with valgrind's callgrind, as in
``receive.py``, for each side and for the floor of typed receive: pydantic-core validating
the notification with the validator the runtime's fast path builds (the envelope and the
``Ticker`` model), with nothing around it (the difference of 1 000 and 11 000 calls).
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
    callgrind_total,
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
from receive import SUBSCRIBE, nova


async def raw(url: str, n: int) -> float:
    from websockets.asyncio.client import connect

    async with connect(url, compression=None, max_size=2**24) as ws:
        await ws.send(json.dumps(SUBSCRIBE))
        await ws.recv()  # the ack
        return await rate(aiter(ws), n)


def validate_only(calls: int) -> None:
    """The floor: ``calls`` validations of the notification, the fast path's validator."""
    from deribit._protocol import PROTOCOL
    from nova_runtime.core.fastpath import FastPath
    from nova_runtime.core.subscriptions import SubEntry

    spec = next(c for c in PROTOCOL.channels if c.name == "ticker")
    fast = FastPath(PROTOCOL, {CHANNEL: SubEntry(CHANNEL, spec, None, None)})  # type: ignore[arg-type]
    frame = ticker_frame()
    hit = fast.receive(frame)  # builds the validator, as the first frame does
    assert hit is not None
    validate = fast._adapters["ticker"]  # the runtime's own, so the floor is what it calls
    assert validate is not None
    for _ in range(calls):
        validate(frame)
    print(f"validated {calls} notifications, each into a {type(hit[1]).__name__}")


def instructions() -> None:
    """Callgrind's instruction count per message of each side and of the validation alone."""
    counts = instructions_per_message(__file__, ("raw", *transports()), ticker_frame())
    totals = [callgrind_total([__file__, "--child", "validate", str(n)]) for n in (1_000, 11_000)]
    floor = (totals[1] - totals[0]) / 10_000
    print(f"validation alone: {floor:,.0f} instructions per message", flush=True)
    for transport in transports():
        ratio = counts["raw"] / counts[transport]
        print(f"ratio raw/{nova_side(transport)} (higher: nova faster): {ratio:.3f}", flush=True)
    print(
        f"ratio raw/validation alone (the ceiling of any validating client): {counts['raw'] / floor:.3f}"
    )


def main() -> None:
    if sys.argv[1:2] == ["--child"]:  # one side, once, under callgrind
        side, n = sys.argv[2], int(sys.argv[3])
        if side == "validate":
            validate_only(n)
        else:
            url = sys.argv[4]
            run(raw(url, n) if side == "raw" else nova(url, n, side))
        return
    if sys.argv[1:2] == ["--instructions"]:
        instructions()
        return
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
