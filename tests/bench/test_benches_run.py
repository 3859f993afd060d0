"""Each benchmark in bench/ runs once at a tiny size, so the scripts keep working.

Only that they run and print their rows is checked: timings on a shared machine are not
asserted (docs/performance.md records the measured numbers).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(script: str, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_generation_bench_prints_both_rows() -> None:
    out = run("generation.py", "1", "--sizes", "2,4")
    assert "nova / baseline" in out
    assert "t(4)/t(2) =" in out


def test_synthetic_spec_has_the_requested_entries(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import generation
    finally:
        sys.path.remove(str(ROOT / "bench"))
    from nova_gen.diagnostics import Diagnostics
    from nova_gen.loader import load_api

    for size in (2, 20):
        path = tmp_path / f"synthetic{size}.yaml"
        path.write_text(generation.synthetic_spec(size), encoding="utf-8")
        api = load_api(path, Diagnostics())
        assert len(api.requests) + len(api.channels) == size
