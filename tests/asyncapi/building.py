"""Generate a package from a small document written by a test, import it, type-check it.

Shared by the tests of documents as found in the wild (issue 11): each writes its files
into ``tmp_path``, then :func:`build` generates and imports the client (and removes it
from ``sys.modules`` afterwards), :func:`mypy_strict` checks it like ``make test`` does.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from mypy import api as mypy_api

from nova_gen.diagnostics import Diagnostics
from nova_gen.pipeline import Generated, generate
from nova_gen.render import RenderOptions


def one_channel(title: str) -> str:
    """The start of a 3.0 document with a local ``ws`` server and one channel ``root`` at
    ``/``; the test appends the channel's ``messages`` (indented six spaces) and the rest."""
    return (
        f"asyncapi: 3.0.0\ninfo: {{title: {title}, version: '1'}}\n"
        "servers:\n  local: {host: 127.0.0.1, protocol: ws}\n"
        "channels:\n  root:\n    address: /\n    messages:\n"
    )


def write(folder: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (relative path -> text) under ``folder``; the first is the document."""
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder / next(iter(files))


def emit(spec: Path, out: Path, diagnostics: Diagnostics | None = None) -> Generated:
    """Generate ``spec`` into ``out/<package>``."""
    generated = generate(spec, RenderOptions(), diagnostics or Diagnostics(), spec.parent)
    for name, text in generated.files.items():
        target = out / generated.package / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return generated


@contextmanager
def build(spec: Path, out: Path, diagnostics: Diagnostics | None = None) -> Iterator[ModuleType]:
    """The generated package of ``spec``, imported from ``out``; forgotten on exit."""
    generated = emit(spec, out, diagnostics)
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module(generated.package)
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m.split(".")[0] == generated.package]:
            del sys.modules[name]


def mypy_strict(*paths: Path) -> tuple[int, str]:
    """``mypy --strict`` over ``paths``: (status, output)."""
    stdout, stderr, status = mypy_api.run(
        ["--strict", "--no-incremental", "--cache-dir", os.devnull, *map(str, paths)]
    )
    return status, stdout + stderr
