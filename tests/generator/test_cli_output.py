"""`nova-gen SPEC -o DIR` with --check and --diff: diffs, stale and missing files, determinism,
and refusing to overwrite a folder nova-gen did not write."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nova_gen.cli import main

from .conftest import BASE, mutate


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding spec.yaml and out/tickers/, generated once for the module."""
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


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_check_clean(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spec.yaml", "-o", "out", "--check"]) == 0
    assert "out/tickers: up to date" in capsys.readouterr().out


def test_writing_twice_is_byte_identical(project: Path, generated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spec.yaml", "-o", "out"]) == 0
    assert "0 changed" in capsys.readouterr().out
    assert tree(project / "out") == tree(generated / "out")
    assert "__pycache__" not in str(list(tree(project / "out")))


def test_check_after_spec_change(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = project / "spec.yaml"
    spec.write_text(mutate("Current server time in milliseconds.", "Server time, in ms."), encoding="utf-8")
    before = tree(project / "out")
    assert main(["spec.yaml", "-o", "out", "--check"]) == 1
    out, err = capsys.readouterr()
    assert "--- out/tickers/client.py\n+++ out/tickers/client.py (generated)\n" in out
    assert '-        """Current server time in milliseconds.' in out
    assert '+        """Server time, in ms.' in out
    assert "out/tickers/client.py: changed" in err
    assert "out of date" in err
    assert tree(project / "out") == before, "--check writes nothing"


def test_diff_exits_zero(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "spec.yaml").write_text(mutate("title: Example ticker API", "title: Another title"), encoding="utf-8")
    before = tree(project / "out")
    assert main(["spec.yaml", "-o", "out", "--diff"]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith("--- out/tickers/")
    assert "+++ out/tickers/client.py (generated)" in out and "Another title" in out
    assert tree(project / "out") == before, "--diff writes nothing"


def test_stale_and_missing_files(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    package = project / "out" / "tickers"
    (package / "extra.py").write_text("x = 1\n", encoding="utf-8")
    (package / "errors.py").unlink()
    assert main(["spec.yaml", "-o", "out", "--check"]) == 1
    out, err = capsys.readouterr()
    assert "out/tickers/extra.py: stale" in err
    assert "out/tickers/errors.py: missing" in err
    assert "--- out/tickers/extra.py\n+++ /dev/null" in out
    assert "--- /dev/null\n+++ out/tickers/errors.py (generated)" in out
    # writing fixes both
    assert main(["spec.yaml", "-o", "out", "-q"]) == 0
    assert not (package / "extra.py").exists() and (package / "errors.py").is_file()
    assert main(["spec.yaml", "-o", "out", "--check", "-q"]) == 0


@pytest.mark.parametrize("extra", ["extra.py", "sub/deeper/notes.txt", ".hidden"])
def test_a_stale_file_alone_fails_the_check(
    project: Path, capsys: pytest.CaptureFixture[str], extra: str
) -> None:
    """Nothing else differs: the one file the spec does not produce is enough."""
    stale = project / "out" / "tickers" / extra
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text("x = 1\n", encoding="utf-8")
    before = tree(project / "out")
    assert main(["spec.yaml", "-o", "out", "--check"]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        f"out/tickers/{extra}: stale",
        "out/tickers: out of date; run nova-gen to regenerate",
    ]
    assert f"--- out/tickers/{extra}\n+++ /dev/null\n" in out
    assert "up to date" not in out
    assert tree(project / "out") == before, "--check writes nothing"
    assert main(["spec.yaml", "-o", "out", "--diff"]) == 0  # shown, not a failure
    assert f"--- out/tickers/{extra}\n+++ /dev/null\n" in capsys.readouterr().out


def test_bytecode_caches_are_not_stale(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache = project / "out" / "tickers" / "__pycache__"
    cache.mkdir()
    (cache / "client.cpython-311.pyc").write_bytes(b"\0")
    assert main(["spec.yaml", "-o", "out", "--check"]) == 0
    assert "out/tickers: up to date" in capsys.readouterr().out


def test_refuses_a_folder_it_did_not_write(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mine = project / "mine" / "tickers"
    mine.mkdir(parents=True)
    (mine / "notes.txt").write_text("precious\n", encoding="utf-8")
    assert main(["spec.yaml", "-o", "mine"]) == 2
    err = capsys.readouterr().err
    assert "was not generated by nova-gen" in err and "Traceback" not in err
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "precious\n"
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]


def test_bad_spec_writes_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "spec.yaml").write_text(mutate("nova: 1", "nova: 3"), encoding="utf-8")
    before = tree(project / "out")
    assert main(["spec.yaml", "-o", "out"]) == 2
    assert "spec.yaml:1:7: error NOVA004" in capsys.readouterr().err
    assert tree(project / "out") == before
