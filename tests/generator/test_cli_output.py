"""`nova-gen SPEC -o DIR` with --check and --diff: diffs, stale and missing files, determinism,
and refusing to overwrite a folder nova-gen did not write."""

from __future__ import annotations

from pathlib import Path

import pytest

from nova_gen.cli import main

from .conftest import GENERATED, mutate


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_check_clean(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spec.yaml", "-o", "out", "--check"]) == 0
    assert "out/tickers: up to date" in capsys.readouterr().out


def test_writing_twice_is_byte_identical(project: Path, generated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spec.yaml", "-o", "out"]) == 0
    assert "out/tickers: 9 files, none changed" in capsys.readouterr().out
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
    (package / "extra.py").write_text(GENERATED + "x = 1\n", encoding="utf-8")
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
    stale.write_text(GENERATED + "x = 1\n", encoding="utf-8")
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


def test_first_generation_says_new_files(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spec.yaml", "-o", "fresh"]) == 0
    assert capsys.readouterr().out.startswith("fresh/tickers: 9 files, 9 new (")


USER_FILES = {"my_helpers.py": "def helper() -> int:\n    return 1\n", "NOTES.md": "notes\n", "sub/a.py": "a = 1\n"}


def test_user_files_in_the_package_are_kept_and_named(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The trial's data loss: files the user put in the package folder survive regeneration
    (named, not removed) and do not fail --check; a stale generated file beside them goes."""
    package = project / "out" / "tickers"
    for name, text in USER_FILES.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text, encoding="utf-8")
    (package / "old.py").write_text(GENERATED, encoding="utf-8")
    capsys.readouterr()
    assert main(["spec.yaml", "-o", "out"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0] == "out/tickers/old.py: removed (the spec no longer produces it)"
    assert out.splitlines()[1].startswith("out/tickers: 9 files, 1 removed (")
    assert err.splitlines() == [f"out/tickers/{name}: not written by nova-gen, kept" for name in sorted(USER_FILES)]
    assert {name: (package / name).read_text(encoding="utf-8") for name in USER_FILES} == USER_FILES
    assert not (package / "old.py").exists()
    assert main(["spec.yaml", "-o", "out", "--check"]) == 0
    out, err = capsys.readouterr()
    assert "out/tickers: up to date" in out and "out/tickers/NOTES.md: not written by nova-gen, kept" in err
    assert main(["spec.yaml", "-o", "out", "--check", "-q"]) == 0
    assert capsys.readouterr() == ("", "")


def test_a_user_file_that_shadows_a_generated_module_fails_the_check(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = project / "out" / "tickers"
    (package / "client").mkdir()
    (package / "client" / "__init__.py").write_text("mine = 1\n", encoding="utf-8")
    assert main(["spec.yaml", "-o", "out", "--check"]) == 1
    out, err = capsys.readouterr()
    assert "@@ shadows client.py: remove or rename it @@" in out
    assert "out/tickers/client/__init__.py: shadows client.py" in err.splitlines()
    assert main(["spec.yaml", "-o", "out", "-q"]) == 0  # kept, with a warning even when quiet
    assert capsys.readouterr().err == (
        "out/tickers/client/__init__.py: warning: not written by nova-gen, kept; it shadows client.py\n"
    )
    assert (package / "client" / "__init__.py").read_text(encoding="utf-8") == "mine = 1\n"
    assert main(["spec.yaml", "-o", "out", "--check", "--error-format", "json"]) == 1
    assert '"message": "file shadows the generated module client.py' in capsys.readouterr().out


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


def test_check_of_a_package_never_generated_is_one_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Not a diff of every line of every file: the folder does not exist, and that is the news."""
    assert main(["spec.yaml", "-o", "elsewhere", "--check"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines()[0].startswith("elsewhere/tickers: does not exist; the spec produces ")
    assert len(err.splitlines()) == 2 and "out of date" in err


def test_check_summarises_a_missing_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    models = (project / "out" / "tickers" / "models.py").read_text("utf-8")
    (project / "out" / "tickers" / "models.py").unlink()
    assert main(["spec.yaml", "-o", "out", "--check"]) == 1
    out, err = capsys.readouterr()
    lines = models.count("\n")
    assert out == f"--- /dev/null\n+++ out/tickers/models.py (generated)\n@@ missing: {lines} lines @@\n"
    assert "out/tickers/models.py: missing" in err


def header(path: Path) -> str:
    return path.read_text("utf-8").splitlines()[0]


def test_the_header_names_the_spec_from_the_project_root_wherever_nova_gen_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The header is part of what --check compares: it must not depend on the working directory."""
    from .conftest import BASE

    project = tmp_path / "newuser"
    (project / "docs").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    (project / "docs" / "x.yml").write_text(BASE, encoding="utf-8")
    monkeypatch.chdir(project)
    assert main(["docs/x.yml", "-o", "out", "-q"]) == 0
    assert header(project / "out" / "tickers" / "client.py").endswith(" from docs/x.yml. DO NOT EDIT.")
    for cwd, argv in [
        (tmp_path, [str(project / "docs" / "x.yml"), "-o", str(project / "out")]),
        (project / "docs", ["x.yml", "-o", "../out"]),
        (project / "out", ["../docs/x.yml", "-o", "."]),
    ]:
        monkeypatch.chdir(cwd)
        assert main([*argv, "--check"]) == 0, capsys.readouterr()


def test_without_a_project_root_the_header_names_the_spec_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nova_gen.config import header_source

    monkeypatch.chdir(tmp_path)
    assert header_source(Path("/nowhere/specs/x.yml"), tmp_path / "out") == "x.yml"
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    assert header_source(tmp_path / "specs" / "x.yml", tmp_path / "out" / "deep") == "specs/x.yml"
    assert header_source(Path("/nowhere/specs/x.yml"), tmp_path / "out") == "x.yml"
