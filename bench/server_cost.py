"""What the round trip's stub server spends per request, by client: the check that keeps
``roundtrip.py``'s server neutral.

A round trip's latency includes the server's work. On a machine where client and server
share a CPU core, that work can depend on the client: a server that runs the same code as
the client finds it warm in the core's caches. This script runs ``roundtrip.py``'s
sequential load (N calls of ``get_time``, the same clients, alternating, R rounds) against
each stub server and prints the server's CPU time per reply while each client was
connected (the server process's CPU time over the connection, divided by its replies):

- ``websockets``: the Python stub of the other benches, built on ``websockets`` like the
  hand-written baseline client;
- ``node``: ``stub_server.js``, which ``roundtrip.py`` uses, sharing no code with any client.

A neutral server costs the same whichever client it answers: ``nova/baseline`` near 1.00.

    python bench/server_cost.py [N] [ROUNDS]
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from functools import partial
from typing import Any

from _common import argv, interleave, node_server, nova_side, report, run, server, transports
from roundtrip import baseline, nova

STUBS: dict[str, Callable[[Any], AbstractContextManager[str]]] = {
    "websockets": lambda costs: server(costs=costs),
    "node": lambda costs: node_server(costs=costs),
}


def cost_per_reply(costs: Any, go: Callable[[], object]) -> float:
    """Run one client connection (``go``); the server's CPU microseconds per reply on it."""
    go()
    seconds, replies = costs.get(timeout=60)
    return seconds / max(replies, 1) * 1e6


def sides(url: str, n: int, costs: Any) -> Iterator[tuple[str, Callable[[], float]]]:
    yield "baseline", partial(cost_per_reply, costs, lambda: run(baseline(url, n, 1)))
    for transport in transports():
        go = partial(lambda t: run(nova(url, n, 1, t)), transport)
        yield nova_side(transport), partial(cost_per_reply, costs, go)


def main() -> None:
    n, rounds = argv(5_000, 5)
    labels = {"baseline": "server, answering the baseline"}
    for transport in transports():
        labels[nova_side(transport)] = f"server, answering nova ({transport})"
    for name, stub in STUBS.items():
        costs: Any = multiprocessing.Queue() if name == "websockets" else queue.Queue()
        with stub(costs) as url:
            report(
                f"{name} stub server, CPU per reply, sequential, N={n}",
                interleave(rounds, dict(sides(url, n, costs)), "us/reply"),
                labels,
                "us",
                ours=tuple(nova_side(t) for t in transports()),
                base="baseline",
                goal="neutral: 1.00",
            )


if __name__ == "__main__":
    main()
