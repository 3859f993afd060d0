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

ruff is a binary, run twice for all the files of a package; a syntax error in the source (a bug in a
template, or a ``--templates`` override) is :class:`FormatError`.
"""

from __future__ import annotations

import functools
import subprocess
import tempfile
from pathlib import Path

from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]

TARGET = "py311"


class FormatError(Exception):
    """ruff could not format the source: it is not valid Python."""


@functools.cache
def _ruff() -> str:
    return str(find_ruff_bin())


def _run(command: str, *arguments: str) -> None:
    proc = subprocess.run(
        [_ruff(), command, "--isolated", "--target-version", TARGET, *arguments],
        capture_output=True,
        check=False,
        timeout=120,
    )
    if proc.returncode != 0:
        raise FormatError(proc.stderr.decode("utf-8", "replace").strip())


def format_files(sources: dict[str, str], *, fix: bool = True) -> dict[str, str]:
    """Each source (by name) with ruff's safe fixes applied (unless ``fix`` is false: the
    vendored runtime is hand-written code that only needs ruff's layout), then as
    ``ruff format`` prints it.

    All files go through one ``ruff check`` and one ``ruff format`` process, in a temporary
    folder, under neutral names (``m0.py``, ...): a file's name never changes its output
    (``__init__.py`` would, for ruff's F401), and two processes cost less than two per file.
    Raises :class:`FormatError`, naming the file, if one is not valid Python.
    """
    with tempfile.TemporaryDirectory(prefix="nova-gen-format-") as folder:
        paths = {name: Path(folder) / f"m{i}.py" for i, name in enumerate(sources)}
        for name, path in paths.items():
            path.write_bytes(sources[name].encode("utf-8"))
        try:
            if fix:
                _run("check", "--fix", "--exit-zero", "--quiet", folder)
            _run("format", folder)
        except FormatError as exc:
            message = str(exc)
            for name, path in paths.items():
                message = message.replace(str(path), name)
            raise FormatError(message) from None
        return {name: path.read_bytes().decode("utf-8") for name, path in paths.items()}


def format_python(source: str) -> str:
    """``source`` with ruff's safe fixes applied, then as ``ruff format`` prints it."""
    return format_files({"generated.py": source})["generated.py"]
