"""Golden test: every spec in specs/ regenerates byte for byte into generated_examples/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nova_gen.diagnostics import Diagnostics
from nova_gen.output import compare
from nova_gen.pipeline import generate
from nova_gen.render import RenderOptions

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted((ROOT / "specs").glob("*.yaml"))


def test_every_spec_has_a_committed_example() -> None:
    assert SPECS, "specs/ has no spec"
    for spec in SPECS:
        assert (ROOT / "generated_examples" / spec.stem).is_dir(), f"{spec.name} has no generated example"


@pytest.mark.parametrize("spec", SPECS, ids=[s.stem for s in SPECS])
def test_regenerates_byte_for_byte(spec: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the header names the spec relative to the working directory
    generated = generate(Path(os.path.relpath(spec, ROOT)), RenderOptions(), Diagnostics())
    folder = ROOT / "generated_examples" / generated.package
    result = compare(folder, generated.files, f"generated_examples/{generated.package}")
    assert result.clean, "regenerate with `nova-gen` and commit:\n" + result.diff[:4000]


def test_generation_is_deterministic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    first = generate(Path("specs/deribit.yaml"), RenderOptions(), Diagnostics()).files
    second = generate(Path("specs/deribit.yaml"), RenderOptions(), Diagnostics()).files
    assert first == second
