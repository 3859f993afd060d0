"""The one formatter of generated Python: ruff at the exact version nova-gen pins.

Each file goes through ``ruff check --fix`` (its safe fixes: ``__all__`` sorted, import blocks
in order, a redundant ``pass`` dropped) and then ``ruff format``. Generated files must be byte
for byte the same on every machine (``--check``), so ruff is pinned exactly and run with
``--isolated``: no ``pyproject.toml`` or ``ruff.toml`` of the user's project can change the
output. The settings are ruff's defaults (its default rules, line length 88), so the files
also pass ``ruff check --isolated`` and ``ruff format --check --isolated`` in the user's
project. ruff was chosen over black (the formatter until nova-gen 0.x) because it
formats the same files several times faster and is byte-stable on its own output (see
docs/architecture.md).

ruff is a binary, run once per file through stdin; a syntax error in the source (a bug in a
template, or a ``--templates`` override) is :class:`FormatError`.
"""

from __future__ import annotations

import functools
import subprocess

from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]

TARGET = "py311"


class FormatError(Exception):
    """ruff could not format the source: it is not valid Python."""


@functools.cache
def _ruff() -> str:
    return str(find_ruff_bin())


def _run(command: str, source: str, *options: str) -> str:
    proc = subprocess.run(
        [_ruff(), command, "--isolated", "--target-version", TARGET, *options, "--stdin-filename", "generated.py", "-"],
        input=source.encode("utf-8"),
        capture_output=True,
        check=False,
        timeout=120,
    )
    if proc.returncode != 0:
        raise FormatError(proc.stderr.decode("utf-8", "replace").strip())
    return proc.stdout.decode("utf-8")


def format_python(source: str) -> str:
    """``source`` with ruff's safe fixes applied, then as ``ruff format`` prints it."""
    fixed = _run("check", source, "--fix", "--exit-zero", "--quiet")
    return _run("format", fixed)
