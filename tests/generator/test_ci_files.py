"""``.pre-commit-hooks.yaml`` and ``action.yml`` parse, and what they run works: each hook's
``entry`` and each shell step of the action run here, against a temporary project, with the
``nova-gen`` of this checkout."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import BASE, mutate

ROOT = Path(__file__).parents[2]
BIN = Path(sys.executable).parent
SCRIPTS = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["scripts"]
STALE = mutate("Current server time in milliseconds.", "Server time, in ms.")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project as a user has it: pyproject.toml with one target, the spec, its client."""
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "tickers.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.nova-gen]\noutput = "src"\n\n[[tool.nova-gen.targets]]\nspec = "specs/tickers.yaml"\n',
        encoding="utf-8",
    )
    subprocess.run([str(BIN / "nova-gen"), "-q"], cwd=tmp_path, check=True, timeout=300)
    return tmp_path


def run(
    command: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **(env or {})}
    return subprocess.run(
        command, cwd=cwd, env=full, capture_output=True, text=True, timeout=300, check=False
    )


# -- pre-commit ---------------------------------------------------------------------------


def hooks() -> dict[str, dict[str, Any]]:
    listed = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert isinstance(listed, list)
    return {hook["id"]: hook for hook in listed}


def test_hooks_have_what_pre_commit_requires() -> None:
    found = hooks()
    assert set(found) == {"nova-gen-check", "nova-gen-validate"}
    for hook in found.values():
        assert {"id", "name", "entry", "language"} <= set(hook)
        assert hook["language"] == "python", (
            "pre-commit installs this repository, so the entry is our script"
        )
        assert shlex.split(hook["entry"])[0] in SCRIPTS
    check = found["nova-gen-check"]
    assert check["pass_filenames"] is False, "--check reads pyproject.toml, not file names"
    assert all(
        re.search(check["files"], name)
        for name in ("specs/x.yaml", "pyproject.toml", "src/tickers/client.py")
    )
    validate = found["nova-gen-validate"]
    assert re.search(validate["files"], "specs/deribit.yaml") and not re.search(
        validate["files"], "docs/x.yaml"
    )
    assert re.search(validate["exclude"], "specs/slack-rtm.nova.yaml")


def test_check_hook_entry_passes_then_fails_on_a_stale_client(project: Path) -> None:
    entry = shlex.split(hooks()["nova-gen-check"]["entry"])
    clean = run(entry, project)
    assert clean.returncode == 0, clean.stderr
    (project / "specs" / "tickers.yaml").write_text(STALE, encoding="utf-8")
    stale = run(entry, project)
    assert stale.returncode == 1
    assert "src/tickers/client.py: changed" in stale.stderr


def test_validate_hook_entry_takes_the_file_names(project: Path) -> None:
    entry = shlex.split(hooks()["nova-gen-validate"]["entry"])
    assert run([*entry, "specs/tickers.yaml"], project).returncode == 0
    (project / "specs" / "tickers.yaml").write_text(mutate("nova: 1", "nova: 3"), encoding="utf-8")
    broken = run([*entry, "specs/tickers.yaml"], project)
    assert broken.returncode == 2 and "specs/tickers.yaml:1:7: error NOVA004" in broken.stderr


# -- the GitHub Action --------------------------------------------------------------------


def action() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def expand(text: str, inputs: dict[str, str]) -> str:
    """``${{ inputs.x }}`` as the runner expands it; any other expression is a test failure."""

    def value(match: re.Match[str]) -> str:
        expression = match.group(1).strip()
        assert expression.startswith("inputs."), expression
        return inputs[expression.removeprefix("inputs.")]

    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def run_action(project: Path, overrides: dict[str, str]) -> list[subprocess.CompletedProcess[str]]:
    """Every ``shell: bash`` step, in order, as the runner would run it (stops at a failure)."""
    spec = action()
    inputs = {
        name: str(item.get("default", "")) for name, item in spec["inputs"].items()
    } | overrides
    results = []
    for step in spec["runs"]["steps"]:
        if "run" not in step:
            assert step["uses"].startswith("actions/setup-python@"), step
            continue
        assert step["shell"] == "bash"
        env = {k: expand(str(v), inputs) for k, v in step.get("env", {}).items()}
        env |= {
            "GITHUB_ACTION_PATH": str(ROOT),
            "RUNNER_TEMP": str(project / ".runner"),
            "PIP_NO_INDEX": "1",
        }
        cwd = project / expand(step.get("working-directory", "."), inputs)
        result = run(["bash", "-e", "-o", "pipefail", "-c", expand(step["run"], inputs)], cwd, env)
        results.append(result)
        if result.returncode != 0:
            break
    return results


def test_action_is_a_composite_with_documented_inputs() -> None:
    spec = action()
    assert spec["runs"]["using"] == "composite"
    assert {"name", "description", "inputs", "runs"} <= set(spec)
    for name, item in spec["inputs"].items():
        assert item.get("description"), name
    names = [step.get("name", step.get("uses")) for step in spec["runs"]["steps"]]
    assert names[-1] == "nova-gen --check"
    assert "--error-format github" in spec["runs"]["steps"][-1]["run"]


def test_action_steps_annotate_a_stale_client(project: Path) -> None:
    # "nova-gen" is already installed here (this checkout); pip finds it without an index.
    inputs = {"requirement": "nova-gen", "working-directory": "."}
    install, check = run_action(project, inputs)
    assert install.returncode == 0, install.stderr
    assert check.returncode == 0, check.stdout + check.stderr
    assert "src/tickers: up to date" in check.stdout

    (project / "specs" / "tickers.yaml").write_text(STALE, encoding="utf-8")
    install, check = run_action(project, inputs)
    assert check.returncode == 1
    annotations = [line for line in check.stdout.splitlines() if line.startswith("::")]
    assert annotations and all(line.startswith("::error file=src/tickers/") for line in annotations)
    assert any(
        line.startswith("::error file=src/tickers/client.py,line=") and "NOVA200" in line
        for line in annotations
    )


def test_action_working_directory_and_args(project: Path) -> None:
    app = project / "app"
    app.mkdir()
    for name in ("specs", "src", "pyproject.toml"):
        (project / name).rename(app / name)
    _, check = run_action(project, {"requirement": "nova-gen", "working-directory": "app"})
    assert check.returncode == 0 and "src/tickers: up to date" in check.stdout, check.stderr
    # A spec and -o instead of the targets (the header still names the spec from the project root).
    _, check = run_action(
        project,
        {
            "requirement": "nova-gen",
            "working-directory": "app",
            "args": "specs/tickers.yaml -o src",
        },
    )
    assert check.returncode == 0 and "src/tickers: up to date" in check.stdout, check.stderr


def test_the_install_step_installs_both_distributions_of_the_checkout() -> None:
    """With no ``requirement``, pip gets runtime/ (nova-runtime) and the root (nova-gen): both
    are distributions of this repository (their pyproject.toml names say so)."""
    step = next(s for s in action()["runs"]["steps"] if s.get("name") == "Install nova-gen")
    assert '"$GITHUB_ACTION_PATH/runtime" "$GITHUB_ACTION_PATH"' in step["run"]
    names = {
        tomllib.loads((folder / "pyproject.toml").read_text("utf-8"))["project"]["name"]
        for folder in (ROOT / "runtime", ROOT)
    }
    assert names == {"nova-runtime", "nova-gen"}
    for hook in hooks().values():
        assert hook["additional_dependencies"] == ["./runtime"]
