"""Loading specs: files with positions, ``$ref`` resolution, format detection.

The reading machinery (YAML, the checks and their JSON Schema validators) is imported by
:func:`load_api`, not with this package: the command line imports :mod:`.limits` for its
options, and ``nova-gen --help`` should not load what only reading a spec needs.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..diagnostics import Diagnostics, Position, SpecError
from ..gcscope import fewer_collections
from .limits import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    from .. import ir


def display_path(path: Path, base: Path | None = None) -> str:
    """How a spec path is shown: relative to ``base`` (default: the working directory)
    when inside it, else its file name.

    This string ends up in generated headers, so it must not depend on where the
    repository happens to be checked out.
    """
    resolved = path.resolve()
    try:
        shown = resolved.relative_to((base or Path.cwd()).resolve())
    except ValueError:
        shown = Path(resolved.name)
    return shown.as_posix()


def _specs_in(folder: Path) -> str:
    """A hint naming the YAML and JSON files of ``folder`` (at most a few), the likely specs."""
    try:
        names = sorted(
            p.name for p in itertools.islice(folder.iterdir(), 1000) if p.suffix in (".yaml", ".yml", ".json")
        )
    except OSError:
        names = []
    if not names:
        return "name the spec file itself (a .yaml, .yml or .json file)"
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return f"name the spec file itself; this folder has {shown}"


@fewer_collections
def load_api(
    path: Path | str,
    diagnostics: Diagnostics | None = None,
    base: Path | None = None,
    perspective: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ir.Api:
    """Load a spec of any supported format into the IR.

    ``perspective`` (``server`` or ``client``) says whose side an AsyncAPI document is
    written from; None means the default (``server``). Nova specs ignore it.
    ``limits`` bound every file read: the spec, its ``$ref``'d files, an overlay.

    Raises :class:`SpecError` with every diagnostic found; warnings are left in
    ``diagnostics`` for the caller to show.
    """
    from ..checks import check_api
    from .detect import detect
    from .source import load_document

    diagnostics = diagnostics if diagnostics is not None else Diagnostics()
    path = Path(path)
    try:
        display = display_path(path, base)
        found, folder = path.is_file(), path.is_dir()
    except (OSError, ValueError, RuntimeError):  # a name too long, a NUL byte, a symlink loop
        display, found, folder = path.name[:200], False, False
    if folder:
        diagnostics.error(
            "NOVA011",
            f"{os.fspath(path)[:200]!r} is a folder, not a spec file",
            Position(display, 1, 1),
            hint=_specs_in(path),
        )
        raise SpecError(diagnostics)
    if not found:
        diagnostics.error("NOVA011", f"spec file {os.fspath(path)[:200]!r} not found", Position(display, 1, 1))
        raise SpecError(diagnostics)
    doc = load_document(path.resolve(), display, diagnostics, limits)
    if doc is None:
        raise SpecError(diagnostics)
    language = detect(doc, diagnostics)
    if language is None:
        raise SpecError(diagnostics)
    api: ir.Api | None
    if language == "asyncapi":
        from ..asyncapi import load_asyncapi

        if perspective not in (None, "server", "client"):
            raise ValueError(f"perspective must be 'server' or 'client', not {perspective!r}")
        api = load_asyncapi(doc, diagnostics, perspective)  # type: ignore[arg-type]
    else:
        from ..nova import load_nova

        api = load_nova(doc, diagnostics)
    if api is None:
        raise SpecError(diagnostics)
    if api.source_format == "asyncapi":
        # Examples in AsyncAPI documents are illustrations written by third parties: one
        # that contradicts its schema is worth a warning, not a refusal to generate.
        checked = Diagnostics()
        check_api(api, checked)
        for d in checked.items:
            if d.code == "NOVA036" and d.severity == "error":
                diagnostics.warning(d.code, d.message, d.position, d.hint)
            else:
                diagnostics.items.append(d)
    else:
        check_api(api, diagnostics)
    diagnostics.raise_if_errors()
    return api
