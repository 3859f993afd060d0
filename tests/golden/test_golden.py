"""Golden test: every spec in specs/ regenerates byte for byte into generated_examples/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nova_gen.config import Target, load_targets
from nova_gen.diagnostics import Diagnostics
from nova_gen.output import compare
from nova_gen.pipeline import generate
from nova_gen.render import RenderOptions

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted((ROOT / "specs").glob("*.yaml"))
ASYNCAPI_SPECS = sorted((ROOT / "specs" / "asyncapi").glob("*.yml"))


def _targets() -> dict[Path, Target]:
    """Each configured target, by spec path."""
    return {t.spec.resolve(): t for t in load_targets(ROOT / "pyproject.toml")}


def _options(spec: Path) -> RenderOptions:
    """The options its [[tool.nova-gen.targets]] entry gives ``spec`` (vendored or not)."""
    target = _targets()[spec.resolve()]
    return RenderOptions(vendor_runtime=target.vendor_runtime, templates=target.templates)


def test_every_spec_has_a_committed_example() -> None:
    assert SPECS, "specs/ has no spec"
    for spec in SPECS:
        assert (ROOT / "generated_examples" / spec.stem).is_dir(), f"{spec.name} has no generated example"


@pytest.mark.parametrize("spec", SPECS, ids=[s.stem for s in SPECS])
def test_regenerates_byte_for_byte(spec: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the header names the spec relative to the working directory
    generated = generate(Path(os.path.relpath(spec, ROOT)), _options(spec), Diagnostics())
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
    target = _targets().get(spec.resolve())
    assert target is not None, f"{spec.name} is not a [[tool.nova-gen.targets]] entry"
    generated = generate(Path(os.path.relpath(spec, ROOT)), _options(spec), Diagnostics())
    folder = target.output / generated.package
    result = compare(folder, generated.files, os.path.relpath(folder, ROOT))
    assert result.clean, "regenerate with `nova-gen` and commit:\n" + result.diff[:4000]


def test_examples_use_the_library_and_one_is_vendored() -> None:
    """Both runtime modes stay generated and golden-tested: every committed example imports
    nova_runtime except the vendored one, which holds the runtime's source (laid out by ruff format)."""
    targets = load_targets(ROOT / "pyproject.toml")
    vendored = [t for t in targets if t.vendor_runtime]
    assert [t.spec.name for t in vendored] == ["slack-rtm.yml"]
    assert len(targets) - len(vendored) >= 10
    packages = [p.parent for p in (ROOT / "generated_examples").rglob("_protocol.py")]
    assert sorted(p.name for p in packages if (p / "_runtime").is_dir()) == ["slack_rtm"]
    assert all((p / "_runtime_check.py").is_file() for p in packages if p.name != "slack_rtm")
