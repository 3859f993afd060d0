"""What every benchmark shares: a stub JSON-RPC server in a child process, interleaved
rounds, and one report format.

The rule every bench follows: the baseline does exactly the work the product does
(receive, parse, validate into an equivalent pydantic model, route by channel, hand over,
drop), written the way a competent engineer would write it by hand; both sides run in the
same process run, alternating, several rounds; the report prints both sides with median
and min-max, and the ratio of the medians. Ratios, not absolutes, mean something on a
shared machine.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated_examples"
if str(GENERATED) not in sys.path:
    sys.path.insert(0, str(GENERATED))

CHANNEL = "ticker.BTC-PERPETUAL.100ms"
"""The Deribit channel every receive bench streams."""


def argv(default_n: int, default_rounds: int) -> tuple[int, int]:
    """``[N] [ROUNDS]`` from the command line (options starting with ``--`` aside);
    ``--cpu`` anywhere makes :func:`clock` the process's CPU time."""
    global clock
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if "--cpu" in sys.argv[1:]:
        clock = time.process_time
    n = int(args[0]) if args else default_n
    rounds = int(args[1]) if len(args) > 1 else default_rounds
    return n, rounds


clock: Callable[[], float] = time.perf_counter
"""What the receive benches time with: wall-clock seconds, or with ``--cpu`` the CPU seconds
of this process (the client's own work, whatever else the machine runs; the server is a
child process and not counted). Rates are then messages per CPU-second."""


def rate_unit() -> str:
    """The unit of :func:`rate`'s numbers under the chosen :data:`clock`."""
    return "msg/CPU-s" if clock is time.process_time else "msg/s"


def ticker_frame(channel: str = CHANNEL) -> str:
    """One Deribit ``subscription`` notification around the spec's own ticker example."""
    from nova_gen.loader import load_api

    api = load_api(ROOT / "specs" / "deribit.yaml")
    ticker = next(c for c in api.channels if c.name == "ticker")
    data: dict[str, Any] = ticker.examples[0].message
    params = {"channel": channel, "data": data}
    return json.dumps({"jsonrpc": "2.0", "method": "subscription", "params": params})


def _serve(port_queue: Any, burst: int, frame: str, costs: Any = None) -> None:
    """The server process: JSON-RPC replies (``public/subscribe`` acks its channels,
    ``public/get_time`` answers an int, anything else ``"ok"``); after a subscribe it
    writes ``burst`` pre-encoded copies of ``frame`` straight to the socket, so the server
    is never the bottleneck: the clients are what is measured. With ``costs`` (a queue),
    each connection that ends puts ``(CPU seconds of this process meanwhile, replies)``."""
    from websockets.asyncio.server import ServerConnection, serve

    payload = frame.encode()
    assert 125 < len(payload) < 65536 or not burst
    encoded = bytes([0x81, 126]) + len(payload).to_bytes(2, "big") + payload  # unmasked text

    async def handler(ws: ServerConnection) -> None:
        started, replies = time.process_time(), 0
        try:
            async for text in ws:
                request = json.loads(text)
                if "id" not in request:
                    continue
                replies += 1
                method = request.get("method")
                if method == "public/subscribe":
                    result: Any = request["params"]["channels"]
                elif method == "public/get_time":
                    result = 1_700_000_000_000
                else:
                    result = "ok"
                reply = {"jsonrpc": "2.0", "id": request["id"], "result": result}
                await ws.send(json.dumps(reply))
                if method == "public/subscribe" and burst and ws.transport is not None:
                    ws.transport.write(encoded * burst)
        finally:
            if costs is not None:
                costs.put((time.process_time() - started, replies))

    async def main() -> None:
        async with serve(
            handler, "127.0.0.1", 0, compression=None, max_queue=None, ping_interval=None
        ) as server:
            port_queue.put(server.sockets[0].getsockname()[1])
            await asyncio.Future()

    asyncio.run(main())


@contextmanager
def server(burst: int = 0, frame: str = "", costs: Any = None) -> Iterator[str]:
    """Run the stub server in a child process for the ``with`` block; yields its URL.
    ``frame`` (sent ``burst`` times after each subscribe) must fit a 16-bit length;
    ``costs``: a ``multiprocessing.Queue`` for the server's cost of each connection."""
    ports: Any = multiprocessing.Queue()
    child = multiprocessing.Process(target=_serve, args=(ports, burst, frame, costs), daemon=True)
    child.start()
    try:
        yield f"ws://127.0.0.1:{ports.get(timeout=60)}"
    finally:
        child.terminate()
        child.join(10)


@contextmanager
def node_server(costs: Any = None) -> Iterator[str]:
    """Run ``stub_server.js`` (Node.js, no dependencies) for the ``with`` block; yields its
    URL. It answers JSON-RPC like :func:`server` (without bursts) and shares no
    user-space code with any Python client, so its cost per request does not depend on
    which client ran before it on the same core. ``costs``: a queue that gets
    ``(CPU seconds of the server meanwhile, replies)`` for each connection that ends."""
    child = subprocess.Popen(
        ["node", str(Path(__file__).with_name("stub_server.js"))],
        stdin=subprocess.PIPE,  # closed when this process ends: the server exits then
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        port = int(child.stdout.readline())
        lines = child.stdout

        def relay() -> None:  # "cost SECONDS REPLIES" per connection; read, or the pipe fills
            for line in lines:
                seconds, replies = line.split()[1:]
                if costs is not None:
                    costs.put((float(seconds), int(replies)))

        threading.Thread(target=relay, daemon=True).start()
        yield f"ws://127.0.0.1:{port}"
    finally:
        child.terminate()
        child.wait(10)


def interleave(rounds: int, sides: dict[str, Callable[[], float]], unit: str) -> dict[str, list[float]]:
    """Run every side once per round, alternating, and print each sample as it comes."""
    samples: dict[str, list[float]] = {name: [] for name in sides}
    for r in range(rounds):
        for name, run in sides.items():
            value = run()
            samples[name].append(value)
            print(f"round {r + 1}/{rounds} {name:>10}: {value:>12,.2f} {unit}", flush=True)
    return samples


def report(
    title: str,
    samples: dict[str, list[float]],
    labels: dict[str, str],
    unit: str,
    *,
    ours: str | tuple[str, ...],
    base: str,
    goal: str,
) -> float:
    """Print median and min-max per side and the ratio ``ours/base`` of the medians
    (with the goal it is held against), one line per side of ``ours``; return the
    first ratio."""
    print(f"== {title}")
    for name, label in labels.items():
        values = samples[name]
        print(
            f"{label:<52} median {statistics.median(values):>12,.2f} {unit}"
            f"  (min-max {min(values):,.2f}-{max(values):,.2f}, {len(values)} rounds)"
        )
    ratios = []
    for side in (ours,) if isinstance(ours, str) else ours:
        ratio = statistics.median(samples[side]) / statistics.median(samples[base])
        print(f"ratio {side}/{base}: {ratio:.3f}  (goal {goal})", flush=True)
        ratios.append(ratio)
    return ratios[0]


def transports() -> tuple[str, ...]:
    """The receive transports installed here: ``websockets`` always, ``picows`` with the
    extra ``nova-runtime[picows]``."""
    try:
        import picows  # noqa: F401
    except ImportError:
        return ("websockets",)
    return ("websockets", "picows")


def nova_side(transport: str) -> str:
    """The name of the nova side on ``transport`` in a report (``nova``, ``nova_picows``)."""
    return "nova" if transport == "websockets" else f"nova_{transport}"


async def rate(messages: AsyncIterator[Any], n: int) -> float:
    """Messages per second of the next ``n`` items of ``messages`` (each dropped at once)."""
    count = 0
    started = clock()
    async for _message in messages:
        count += 1
        if count == n:
            break
    return n / (clock() - started)


def run(coro: Any, timeout: float = 300) -> Any:
    """``asyncio.run`` bounded in time: a hung side fails the bench instead of hanging it."""

    async def bounded() -> Any:
        async with asyncio.timeout(timeout):
            return await coro

    return asyncio.run(bounded())


def instructions_per_message(script: str, sides: tuple[str, ...], frame: str) -> dict[str, float]:
    """Callgrind's instructions per message of each side of a receive bench: ``script
    --child SIDE N URL`` run for 2 000 and for 12 000 messages of ``frame``, the difference
    over 10 000 (start-up cancels); each count is printed as it comes."""
    counts: dict[str, float] = {}
    for side in sides:
        totals = []
        for n in (2_000, 12_000):
            with server(burst=n, frame=frame) as url:
                totals.append(callgrind_total([script, "--child", side, str(n), url]))
        counts[side] = (totals[1] - totals[0]) / 10_000
        print(f"{side:>10}: {counts[side]:,.0f} instructions per message", flush=True)
    return counts


def callgrind_total(args: list[str]) -> int:
    """CPU instructions of ``python args...`` run under valgrind's callgrind (which must
    be installed). Unlike time on a shared machine, the count repeats within about 1%;
    benches take the difference of two runs of different sizes, so start-up cancels."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/out", sys.executable, *args],
            capture_output=True,
            text=True,
            check=True,
        )
    found = re.search(r"Collected : (\d+)", out.stderr)
    assert found is not None, out.stderr[-2000:]
    return int(found.group(1))
