"""Import time: the generated client package against what a hand-written client imports.

Each sample is a fresh interpreter (``python -c``) that times its own import statement with
``time.perf_counter`` (interpreter start-up is not counted), alternating the two sides, R
rounds of N interpreters each:

- baseline: what a hand-written Deribit client imports: ``asyncio``, ``json``,
  ``websockets.asyncio.client``, ``pydantic`` and the same models module (the generated
  ``models.py``, imported on its own, outside the package);
- nova: ``import deribit`` (the client, handlers, channels, errors, models and its runtime).

The runtime loads its asyncio machinery and ``websockets`` when a client is made, not at
import, while a hand-written client imports ``websockets`` up front. So a second pair of
sides imports ``websockets.asyncio.client`` first on both sides: what the generated
package costs beyond what both need to run.

Prints milliseconds per import (median of each round's median, and min-max) and
nova/baseline for both pairs (goal <= 1.2).

    python bench/import_time.py [N] [ROUNDS] [--importtime]

``--importtime`` measures each import as the sum of ``python -X importtime``'s self times
of the modules it loads (those of the interpreter's start-up left out) instead of by the
clock around it.
"""

from __future__ import annotations

import statistics
import subprocess
import sys

from _common import GENERATED, argv, interleave, report

TIMED = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"

BASELINE = (
    "import sys; sys.path.insert(0, {folder!r}); "
    "import asyncio, json, websockets.asyncio.client, pydantic, models"
).format(folder=str(GENERATED / "deribit"))
"""The models module imported on its own, as ``models`` (it imports only pydantic)."""

NOVA = "import deribit"

WEBSOCKETS = "import websockets.asyncio.client; "


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=GENERATED, check=True, capture_output=True, text=True, timeout=120
    )


def _importtime(stmt: str) -> dict[str, int]:
    """Module -> its own import time in microseconds (``python -X importtime``)."""
    times = {}
    for line in _run("-X", "importtime", "-c", stmt).stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if len(fields) == 3 and fields[0].strip().isdigit():
            times[fields[2].strip()] = int(fields[0])
    return times


STARTUP = frozenset(_importtime("pass")) if "--importtime" in sys.argv else frozenset()
"""Modules every interpreter imports before running a statement (not counted)."""


def _sample(stmt: str) -> float:
    """Milliseconds ``stmt`` takes to import: by the clock, or with ``--importtime`` the
    sum of ``-X importtime``'s self times of the modules it imports (steadier on a busy
    machine: time spent descheduled between modules is not counted)."""
    if "--importtime" in sys.argv:
        times = _importtime(stmt)
        return sum(us for name, us in times.items() if name not in STARTUP) / 1e3
    return float(_run("-c", TIMED.format(stmt=stmt)).stdout) * 1e3


def _median_of(stmt: str, n: int) -> float:
    return statistics.median(_sample(stmt) for _ in range(n))


def main() -> None:
    n, rounds = argv(10, 5)
    sides = {
        "baseline": BASELINE,
        "nova": NOVA,
        "baseline_ws": WEBSOCKETS + BASELINE,
        "nova_ws": WEBSOCKETS + NOVA,
    }
    for stmt in sides.values():
        _sample(stmt)  # warm the bytecode caches before measuring
    samples = interleave(
        rounds, {name: lambda stmt=stmt: _median_of(stmt, n) for name, stmt in sides.items()}, "ms"
    )
    report(
        f"import time, median of {n} interpreters per round",
        samples,
        {
            "baseline": "baseline (websockets + pydantic + the models)",
            "nova": "nova-gen Deribit package (import deribit)",
        },
        "ms",
        ours="nova",
        base="baseline",
        goal="<= 1.2",
    )
    report(
        f"import time with websockets imported first on both sides, median of {n} interpreters",
        samples,
        {
            "baseline_ws": "baseline (websockets + pydantic + the models)",
            "nova_ws": "websockets, then import deribit",
        },
        "ms",
        ours="nova_ws",
        base="baseline_ws",
        goal="<= 1.2",
    )


if __name__ == "__main__":
    main()
