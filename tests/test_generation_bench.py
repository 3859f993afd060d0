"""The generation benchmark's synthetic specs hold the number of requests + channels it says."""

from __future__ import annotations

import sys
from pathlib import Path

from nova_gen.diagnostics import Diagnostics
from nova_gen.loader import load_api

BENCH = Path(__file__).resolve().parent.parent / "bench"


def test_synthetic_spec_has_the_requested_entries(tmp_path: Path) -> None:
    sys.path.insert(0, str(BENCH))
    try:
        import generation
    finally:
        sys.path.remove(str(BENCH))
    for size in (2, 20, 160):
        path = tmp_path / f"synthetic{size}.yaml"
        path.write_text(generation.synthetic_spec(size), encoding="utf-8")
        api = load_api(path, Diagnostics())
        assert len(api.requests) + len(api.channels) == size
