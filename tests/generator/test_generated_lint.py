"""Generated code is clean under the user's own ruff, with ruff's defaults (``--isolated``):
``ruff check`` and ``ruff format --check`` pass on a freshly generated package and on every
committed example, a vendored ``_runtime/`` included (the runtime's own source, laid out by
``ruff format`` when it is copied)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]

from nova_gen.cli import main
from nova_gen.render.formatter import format_python

from .conftest import BASE

ROOT = Path(__file__).parents[2]
RUFF = str(find_ruff_bin())


def ruff(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [RUFF, *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.parametrize(
    "runtime", [[], ["--vendor-runtime"]], ids=["runtime-library", "vendored"]
)
def test_a_fresh_package_passes_ruff_defaults(in_tmp: Path, runtime: list[str]) -> None:
    (in_tmp / "spec.yaml").write_text(BASE, encoding="utf-8")
    # A project config that would disagree: --isolated must ignore it, here and in nova-gen.
    (in_tmp / "ruff.toml").write_text(
        'line-length = 40\n[lint]\nselect = ["ALL"]\n', encoding="utf-8"
    )
    assert main(["spec.yaml", "-o", "out", "-q", *runtime]) == 0
    package = in_tmp / "out" / "tickers"
    modules = sorted(p.name for p in package.glob("*.py"))
    assert modules == [
        "__init__.py",
        "_protocol.py",
        *([] if runtime else ["_runtime_check.py"]),
        "channels.py",
        "client.py",
        "errors.py",
        "handlers.py",
        "models.py",
    ]
    lint = ruff("check", "--isolated", "out/tickers", cwd=in_tmp)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = ruff(
        "format", "--check", "--isolated", "out/tickers", cwd=in_tmp
    )
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    python_files = len(list(package.rglob("*.py")))  # a vendored _runtime/ too
    assert f"{python_files} files already formatted" in fmt.stdout


def test_every_committed_example_passes_ruff_defaults() -> None:
    lint = ruff("check", "--isolated", "generated_examples", cwd=ROOT)
    assert lint.returncode == 0, lint.stdout
    fmt = ruff(
        "format", "--check", "--isolated", "generated_examples", cwd=ROOT
    )
    assert fmt.returncode == 0, fmt.stdout


def test_formatting_is_byte_stable() -> None:
    for path in sorted((ROOT / "generated_examples" / "deribit").glob("*.py")):
        text = path.read_text("utf-8")
        assert format_python(text) == text, path.name
