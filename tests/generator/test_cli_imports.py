"""Each ``nova-gen`` command imports what it uses, not what other commands or the client use.

A fresh process per command, as a user runs it: ``--help`` reads no spec (no YAML, no checks,
JSON Schema validators, templates or model generator); ``validate`` renders nothing (no
jinja2, no datamodel-code-generator); generating loads no client machinery (asyncio, ``websockets``,
the runtime's sans-I/O core beyond the two helpers the checks read, its client classes,
whose attributes are read from their source)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import contextlib, io, json, sys
from nova_gen.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        main(sys.argv[1:])
    except SystemExit:
        pass
print(json.dumps(sorted(sys.modules)))
"""

READING = ("yaml", "jsonschema", "jsonschema_rs", "nova_gen.checks", "nova_gen.planner", "nova_runtime.protocol")
RENDERING = ("jinja2", "datamodel_code_generator", "isort", "nova_gen.render")
CLIENT = (
    "asyncio",
    "websockets",
    "nova_runtime.client",
    "nova_runtime.handlers",
    "nova_runtime.core.session",
    "nova_runtime.core.dispatcher",
    "nova_runtime.core.auth",
    "nova_runtime.connection",
    "nova_runtime.supervisor",
    "nova_runtime.sender",
)


def loaded(*argv: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return set(json.loads(out.stdout))


def packages(modules: set[str], names: tuple[str, ...]) -> list[str]:
    """The names of ``names`` that are loaded, as packages or modules."""
    return [n for n in names if any(m == n or m.startswith(n + ".") for m in modules)]


def test_help_loads_no_spec_reading_or_rendering() -> None:
    assert packages(loaded("--help"), READING + RENDERING + CLIENT) == []


def test_validate_renders_nothing() -> None:
    modules = loaded("validate", "specs/deribit.yaml")
    assert "nova_gen.planner" in modules  # it did read and plan the spec
    assert packages(modules, RENDERING + CLIENT) == []


@pytest.mark.parametrize("check", [False, True], ids=["generate", "check"])
def test_generating_loads_no_client_machinery(tmp_path: Path, check: bool) -> None:
    argv = ["specs/deribit.yaml", "-o", str(tmp_path)] + (["--check"] if check else [])
    modules = loaded(*argv)
    assert "datamodel_code_generator" in modules  # it did render models
    assert packages(modules, CLIENT) == []
    # Its schemas and examples are fine: jsonschema-rs decides, python-jsonschema, which only
    # explains failures, is not loaded (nova_gen.schemavalid).
    assert packages(modules, ("jsonschema", "referencing", "attrs")) == []
