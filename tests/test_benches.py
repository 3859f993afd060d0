"""Every script in bench/ runs once at a tiny N, so the benches keep working.

No timing is asserted (numbers on a shared machine mean nothing at this size): each
script must finish, print both sides with median and min-max, and print its ratio.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"

TINY = {
    "receive.py": ["300", "1"],
    "receive_raw.py": ["300", "1", "--cpu"],
    "roundtrip.py": ["200", "1"],
    "server_cost.py": ["200", "1"],
    "memory.py": ["4", "1"],
    "import_time.py": ["1", "1"],
    "telemetry.py": ["2000", "1"],
    "generation.py": ["1", "--sizes", "2,4", "--startup"],
}


def run_bench(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        cwd=BENCH,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out


def test_every_bench_script_is_run_here() -> None:
    scripts = {p.name for p in BENCH.glob("*.py") if not p.name.startswith("_")}
    assert scripts == set(TINY)


@pytest.mark.parametrize("script", sorted(TINY))
def test_bench_runs_at_tiny_n_and_reports_a_ratio(script: str) -> None:
    out = run_bench(script, *TINY[script])
    assert re.search(r"^ratio \w+/\w+: \d+\.\d+", out.stdout, re.MULTILINE), out.stdout
    assert "median" in out.stdout and "min-max" in out.stdout, out.stdout


def test_import_bench_measures_with_importtime_too() -> None:
    out = run_bench("import_time.py", "1", "1", "--importtime")
    ratios = re.findall(r"^ratio (\w+)/(\w+): \d+\.\d+", out.stdout, re.MULTILINE)
    assert ratios == [("nova", "baseline"), ("nova_ws", "baseline_ws")], out.stdout


def test_receive_floor_child_validates_with_the_fast_paths_own_validator() -> None:
    """The child ``receive_raw.py --instructions`` counts for the validation alone: it must
    find the fast path's validator for the ticker channel and run it (asserted inside)."""
    out = run_bench("receive_raw.py", "--child", "validate", "5")
    assert "validated 5 notifications, each into a Ticker" in out.stdout, out.stdout
