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
ASYNCAPI_SPECS = sorted((ROOT / "specs" / "asyncapi").glob("*.yml"))


def _targets() -> dict[Path, Path]:
    """Output folder of each configured target, by spec path."""
    from nova_gen.config import load_targets

    return {t.spec.resolve(): t.output for t in load_targets(ROOT / "pyproject.toml")}


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


@pytest.mark.parametrize("spec", ASYNCAPI_SPECS, ids=[s.stem for s in ASYNCAPI_SPECS])
def test_asyncapi_regenerates_byte_for_byte(spec: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each AsyncAPI document is a target in pyproject.toml and its client is committed."""
    monkeypatch.chdir(ROOT)
    output = _targets().get(spec.resolve())
    assert output is not None, f"{spec.name} is not a [[tool.nova-gen.targets]] entry"
    generated = generate(Path(os.path.relpath(spec, ROOT)), RenderOptions(), Diagnostics())
    folder = output / generated.package
    result = compare(folder, generated.files, os.path.relpath(folder, ROOT))
    assert result.clean, "regenerate with `nova-gen` and commit:\n" + result.diff[:4000]
