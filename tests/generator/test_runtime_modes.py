"""The runtime as a library (the default) and vendored (``--vendor-runtime``).

A library-mode package records the nova-runtime range it was generated for and fails at
import, saying what to install, when the runtime it finds is outside it; a vendored package
holds the runtime's source (laid out by ruff format), and ``--check`` names every edited, missing or extra file
of that copy. Switching a package from one mode to the other names every file it removes.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
import venv
from importlib import metadata
from pathlib import Path

import nova_runtime
import pytest
from mypy import api as mypy_api
from nova_runtime.version import release, require_runtime, satisfies

from nova_gen.cli import main
from nova_gen.render import RUNTIME_REQUIREMENT, runtime_files

from .conftest import BASE

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_SOURCE = Path(nova_runtime.__file__).parent


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "spec.yaml").write_text(BASE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def python(args: list[str], pythonpath: list[Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run this interpreter with exactly ``pythonpath`` in front of its site-packages."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": ":".join(map(str, pythonpath)), "PATH": "/usr/bin:/bin"},
    )


def runtime_with_version(folder: Path, version: str) -> Path:
    """A copy of nova_runtime under ``folder`` whose version is ``version``: what
    ``pip install nova-runtime==<version>`` would put first on the path."""
    copy = folder / "nova_runtime"
    shutil.copytree(RUNTIME_SOURCE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    source = (copy / "version.py").read_text("utf-8")
    line = f'__version__ = "{nova_runtime.__version__}"'
    assert line in source
    (copy / "version.py").write_text(source.replace(line, f'__version__ = "{version}"'), encoding="utf-8")
    return folder


# -- the range ---------------------------------------------------------------------------


def test_the_range_is_nova_gens_dependency_and_holds_this_runtime() -> None:
    """One range: what generated packages check, what nova-gen requires, what runtime/ is."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert f"nova-runtime{RUNTIME_REQUIREMENT}" in project["dependencies"]
    assert satisfies(nova_runtime.__version__, RUNTIME_REQUIREMENT)
    runtime = tomllib.loads((ROOT / "runtime" / "pyproject.toml").read_text("utf-8"))
    assert runtime["project"]["dynamic"] == ["version"]
    assert runtime["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "nova_runtime.version.__version__"}
    # websockets and pydantic only, in the ranges nova-gen itself declares
    same = {d for d in project["dependencies"] if d.startswith(("pydantic", "websockets"))}
    assert set(runtime["project"]["dependencies"]) == same and len(same) == 2


@pytest.mark.parametrize(
    ("version", "requirement", "inside"),
    [
        ("0.1.0", ">=0.1,<0.2", True),
        ("0.1.9", ">=0.1,<0.2", True),
        ("0.1", ">=0.1.0,<0.2", True),
        ("0.2.0", ">=0.1,<0.2", False),
        ("0.0.9", ">=0.1,<0.2", False),
        ("1.0.0", ">=0.1", True),
        ("0.1.3", ">=0.1.4,<0.2", False),
        ("0.1.3rc1", "==0.1.3", True),  # suffixes are ignored
        ("0.1.3", "!=0.1.3", False),
        ("0.1.3", " > 0.1 , <= 0.1.3 ", True),
        ("v2.0", ">1.99", True),
    ],
)
def test_satisfies(version: str, requirement: str, inside: bool) -> None:
    assert satisfies(version, requirement) is inside


@pytest.mark.parametrize("requirement", ["~=0.1", ">=0.1;<0.2", ">=", "0.1", ">=0.1.*", ">=a"])
def test_an_unreadable_requirement_is_a_value_error(requirement: str) -> None:
    with pytest.raises(ValueError, match="is not a version clause"):
        satisfies("0.1.0", requirement)


def test_an_unreadable_version_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="is not a version"):
        release("dev")


def test_require_runtime_names_the_package_the_range_and_the_command() -> None:
    require_runtime(RUNTIME_REQUIREMENT, "deribit")  # this runtime is inside: nothing happens
    with pytest.raises(ImportError) as raised:
        require_runtime(">=9.1,<9.2", "deribit")
    assert str(raised.value) == (
        f"deribit was generated for nova-runtime>=9.1,<9.2, but nova-runtime {nova_runtime.__version__} "
        "is installed: run  pip install 'nova-runtime>=9.1,<9.2'  (or regenerate deribit with the "
        f"nova-gen release that goes with nova-runtime {nova_runtime.__version__})"
    )


# -- library mode: the import-time check ---------------------------------------------------


def test_library_mode_imports_nova_runtime_and_records_the_range(project: Path) -> None:
    assert main(["spec.yaml", "-o", "out", "-q"]) == 0
    package = project / "out" / "tickers"
    assert not (package / "_runtime").exists()
    check = (package / "_runtime_check.py").read_text("utf-8")
    assert f"RUNTIME_REQUIREMENT = {RUNTIME_REQUIREMENT!r}".replace("'", '"') in check
    # the check is the first import of the package: nothing of the runtime is imported before it
    first = next(n for n in ast.parse((package / "__init__.py").read_text("utf-8")).body if isinstance(n, ast.ImportFrom))
    assert (first.module, first.level) == ("_runtime_check", 1)
    proc = python(["-c", "import tickers, nova_runtime; print(tickers.RUNTIME_REQUIREMENT, "
                   "tickers.ConnectOptions is nova_runtime.ConnectOptions)"], [project / "out"], project)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [RUNTIME_REQUIREMENT, "True"]


@pytest.mark.parametrize("installed", ["0.2.0", "0.0.9", "1.0.0"])
def test_a_runtime_outside_the_range_fails_the_import_saying_what_to_install(
    project: Path, installed: str
) -> None:
    assert main(["spec.yaml", "-o", "out", "-q"]) == 0
    site = runtime_with_version(project / "site", installed)
    # importing a submodule runs the package's __init__, and so the check, first
    for module in ("tickers", "tickers.client"):
        proc = python(["-c", f"import {module}"], [project / "out", site], project)
        assert proc.returncode == 1
        assert proc.stderr.splitlines()[-1] == (
            f"ImportError: tickers was generated for nova-runtime{RUNTIME_REQUIREMENT}, but nova-runtime "
            f"{installed} is installed: run  pip install 'nova-runtime{RUNTIME_REQUIREMENT}'  (or "
            f"regenerate tickers with the nova-gen release that goes with nova-runtime {installed})"
        ), proc.stderr


def test_a_runtime_inside_the_range_imports(project: Path) -> None:
    assert main(["spec.yaml", "-o", "out", "-q"]) == 0
    site = runtime_with_version(project / "site", "0.1.99")
    proc = python(["-c", "import tickers, nova_runtime; print(nova_runtime.__version__)"], [project / "out", site], project)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "0.1.99"


def test_no_runtime_installed_fails_the_import_saying_what_to_install(project: Path) -> None:
    assert main(["spec.yaml", "-o", "out", "-q"]) == 0
    # -S: no site-packages, so no nova_runtime (nor anything else installed)
    proc = python(["-S", "-c", "import tickers"], [project / "out"], project)
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1] == (
        f"ImportError: tickers needs nova-runtime{RUNTIME_REQUIREMENT}, which is not installed: "
        f"run  pip install 'nova-runtime{RUNTIME_REQUIREMENT}'"
    ), proc.stderr
    assert "No module named 'nova_runtime'" in proc.stderr  # the cause, chained


# -- vendored mode -------------------------------------------------------------------------


def test_vendored_mode_copies_the_runtime_and_never_imports_nova_runtime(project: Path) -> None:
    assert main(["spec.yaml", "-o", "out", "-q", "--vendor-runtime"]) == 0
    package = project / "out" / "tickers"
    vendored = {p.relative_to(package / "_runtime").as_posix(): p.read_text("utf-8")
                for p in (package / "_runtime").rglob("*.py")}
    assert vendored == runtime_files()
    assert len(vendored) > 30 and "version.py" in vendored
    assert not (package / "_runtime_check.py").exists()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and not getattr(node, "level", 0):
                names = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                assert not any(str(n).startswith("nova_runtime") for n in names), path
    # it imports with nova_runtime unimportable: a runtime of the wrong version first on the path
    site = runtime_with_version(project / "site", "9.0.0")
    proc = python(["-c", "import tickers, sys; print(tickers.ConnectOptions.__module__, 'nova_runtime' in sys.modules)"],
                  [project / "out", site], project)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["tickers._runtime.options", "False"]


def environment_of(folder: Path, requirements: list[str]) -> Path:
    """A Python environment at ``folder`` (a venv without pip) holding exactly the distributions
    ``requirements`` name and what they require (no extras), linked from this interpreter's
    site-packages: what ``pip install`` of them alone would give. Returns its python."""
    venv.EnvBuilder(with_pip=False).create(folder)
    site = next(folder.glob("lib/python*/site-packages"))
    seen: set[str] = set()
    def name(requirement: str) -> str:  # PEP 508: the name comes first
        return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0]

    todo = [name(r) for r in requirements]
    while todo:
        dist = metadata.distribution(todo.pop())
        if dist.metadata["Name"].lower() in seen:
            continue
        seen.add(dist.metadata["Name"].lower())
        todo += [name(r) for r in dist.requires or [] if "extra ==" not in r]
        for top in {f.parts[0] for f in dist.files or [] if f.parts[0] != ".." and not f.name.endswith(".pth")}:
            if Path(dist.locate_file(top)).exists() and not (site / top).exists():
                (site / top).symlink_to(Path(dist.locate_file(top)))
    return folder / "bin" / "python"


def test_a_vendored_package_type_checks_with_or_without_the_optional_picows(project: Path) -> None:
    """The vendored copy holds the optional picows transport: ``mypy --strict`` passes with only
    the runtime's dependencies installed (websockets, pydantic), and with picows installed too;
    without picows the package imports, with it the transport module imports."""
    assert main(["spec.yaml", "-o", "out", "-q", "--vendor-runtime"]) == 0
    runtime = tomllib.loads((ROOT / "runtime" / "pyproject.toml").read_text("utf-8"))
    bare = environment_of(project / "env", runtime["project"]["dependencies"])
    probe = "import importlib.util as u; print([u.find_spec(m) is not None for m in ('websockets', 'pydantic', 'picows')])"
    assert subprocess.run([bare, "-c", probe], capture_output=True, text=True, timeout=60).stdout == "[True, True, False]\n"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60).stdout == "[True, True, True]\n"
    for interpreter in (bare, Path(sys.executable)):
        stdout, stderr, status = mypy_api.run(
            ["--strict", "--no-incremental", "--cache-dir", os.devnull, "--python-executable", str(interpreter),
             str(project / "out" / "tickers")]
        )
        assert status == 0, (interpreter, stdout + stderr)
    proc = subprocess.run([bare, "-c", "import tickers"], cwd=project / "out", capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    proc = python(["-c", "import tickers._runtime.picows_transport as t; print(t.PicowsSocket.__mro__[1].__module__)"],
                  [project / "out"], project / "out")
    assert proc.stdout.split()[0].startswith("picows"), proc.stderr


def test_check_names_every_edited_missing_and_extra_file_of_the_vendored_copy(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["spec.yaml", "-o", "out", "-q", "--vendor-runtime"]) == 0
    runtime = project / "out" / "tickers" / "_runtime"
    client = runtime / "core" / "session.py"
    client.write_text(client.read_text("utf-8").replace("def ", "def  ", 1), encoding="utf-8")
    (runtime / "version.py").unlink()
    (runtime / "patch.py").write_text("# a local fix\n", encoding="utf-8")
    (runtime / "gone.py").write_text(runtime_files()["version.py"], encoding="utf-8")
    capsys.readouterr()
    assert main(["spec.yaml", "-o", "out", "--check", "--vendor-runtime"]) == 1
    out, err = capsys.readouterr()
    assert "out/tickers/_runtime/core/session.py: changed" in err
    assert "out/tickers/_runtime/version.py: missing" in err
    assert "out/tickers/_runtime/gone.py: stale" in err  # it has the generated header
    assert "out/tickers/_runtime/patch.py: not written by nova-gen, kept" in err
    assert "--- out/tickers/_runtime/core/session.py\n+++ out/tickers/_runtime/core/session.py (generated)" in out
    # regenerating restores the copy
    assert main(["spec.yaml", "-o", "out", "-q", "--vendor-runtime"]) == 0
    assert main(["spec.yaml", "-o", "out", "--check", "--vendor-runtime"]) == 0


def test_switching_modes_names_every_removed_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spec.yaml", "-o", "out", "--vendor-runtime"]) == 0
    assert main(["spec.yaml", "-o", "out"]) == 0  # vendored -> library
    out = capsys.readouterr().out
    removed = {line.split(": removed")[0] for line in out.splitlines() if ": removed" in line}
    assert removed == {f"out/tickers/_runtime/{name}" for name in runtime_files()}
    assert not (project / "out" / "tickers" / "_runtime").exists()
    assert main(["spec.yaml", "-o", "out", "--vendor-runtime"]) == 0  # library -> vendored
    out = capsys.readouterr().out
    assert [line for line in out.splitlines() if ": removed" in line] == [
        "out/tickers/_runtime_check.py: removed (the spec no longer produces it)"
    ]


def test_vendor_runtime_is_a_target_key(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.nova-gen]\noutput = "out"\n\n[[tool.nova-gen.targets]]\nspec = "spec.yaml"\nvendor-runtime = true\n',
        encoding="utf-8",
    )
    assert main(["-q"]) == 0
    assert (project / "out" / "tickers" / "_runtime" / "client.py").is_file()
    (project / "pyproject.toml").write_text(
        '[tool.nova-gen]\noutput = "out"\n\n[[tool.nova-gen.targets]]\nspec = "spec.yaml"\nvendor-runtime = "yes"\n',
        encoding="utf-8",
    )
    assert main(["-q"]) == 2
    assert "target 1: vendor-runtime must be true or false, not 'yes'" in capsys.readouterr().err
