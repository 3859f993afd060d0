"""Shared helpers for the generator tests: a small valid spec to mutate, and runners."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from nova_gen.cli import main
from nova_gen.diagnostics import Diagnostics, SpecError
from nova_gen.loader import load_api
from nova_gen.planner import plan

HERE = Path(__file__).parent
BASE = (HERE / "base_spec.yaml").read_text("utf-8")
"""The "complete small example" of docs/spec-language.md."""

MARKER = "@@"
"""Written into a broken spec right where the diagnostic must point; removed before use."""


def mutate(old: str, new: str, text: str = BASE) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def add_section(section: str, text: str = BASE) -> str:
    """Insert a top-level section before `schemas:` (which stays last)."""
    return mutate("schemas:\n", section.rstrip("\n") + "\n\nschemas:\n", text)


@dataclass(frozen=True)
class Marked:
    file: str
    line: int
    column: int


def write_files(folder: Path, files: dict[str, str]) -> Marked | None:
    """Write ``files``; return where the one MARKER was (1-based), if any."""
    found = None
    for name, text in files.items():
        if MARKER in text:
            assert found is None and text.count(MARKER) == 1, "exactly one marker"
            before = text[: text.index(MARKER)]
            found = Marked(name, before.count("\n") + 1, len(before) - before.rfind("\n"))
        (folder / name).write_text(text.replace(MARKER, ""), encoding="utf-8")
    return found


def diagnose(spec: Path) -> Diagnostics:
    """Load and plan ``spec`` as `nova-gen validate` does; never raises SpecError."""
    diagnostics = Diagnostics()
    try:
        plan(load_api(spec, diagnostics), diagnostics)
    except SpecError:
        pass
    return diagnostics


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work inside tmp_path, so spec paths display as plain file names."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding spec.yaml (:data:`BASE`) and out/tickers/, generated once per module."""
    root = tmp_path_factory.mktemp("cli")
    (root / "spec.yaml").write_text(BASE, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        assert main(["spec.yaml", "-o", "out", "-q"]) == 0
    return root


@pytest.fixture
def project(generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of ``generated``, as the working directory."""
    shutil.copytree(generated, tmp_path / "p")
    monkeypatch.chdir(tmp_path / "p")
    return tmp_path / "p"
