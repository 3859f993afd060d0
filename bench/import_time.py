"""Import time: the generated client package against what a hand-written client imports.

Each sample is a fresh interpreter (``python -c``) that times its own import statement with
``time.perf_counter`` (interpreter start-up is not counted), alternating the two sides, R
rounds of N interpreters each:

- baseline: what a hand-written Deribit client imports: ``asyncio``, ``json``,
  ``websockets.asyncio.client``, ``pydantic`` and the same models module (the generated
  ``models.py``, loaded on its own, outside the package);
- nova: ``import deribit`` (the client, handlers, channels, errors, models and its runtime).

The runtime loads its asyncio machinery and ``websockets`` when a client is made, not at
import, while a hand-written client imports ``websockets`` up front. So a second pair of
sides imports ``websockets.asyncio.client`` first on both sides: what the generated
package costs beyond what both need to run.

Prints milliseconds per import (median of each round's median, and min-max) and
nova/baseline for both pairs (goal <= 1.2).

    python bench/import_time.py [N] [ROUNDS]
"""

from __future__ import annotations

import statistics
import subprocess
import sys

from _common import GENERATED, argv, interleave, report

TIMED = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"

BASELINE = (
    "import asyncio, json, importlib.util, websockets.asyncio.client, pydantic; "
    "s = importlib.util.spec_from_file_location('models', {models!r}); "
    "m = importlib.util.module_from_spec(s); s.loader.exec_module(m)"
).format(models=str(GENERATED / "deribit" / "models.py"))

NOVA = "import deribit"

WEBSOCKETS = "import websockets.asyncio.client; "


def _sample(stmt: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", TIMED.format(stmt=stmt)],
        cwd=GENERATED,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return float(out.stdout) * 1e3


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
