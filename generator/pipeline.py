"""The whole pipeline for one spec: load, check, plan, render. No file is written here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Diagnostics
from .gcscope import fewer_collections
from .loader import load_api
from .loader.limits import DEFAULT_LIMITS, Limits
from .planner import plan
from .render import RenderOptions, render_package


@dataclass(frozen=True)
class Generated:
    package: str
    files: dict[str, str]
    """File text by path relative to the package folder."""


@fewer_collections
def generate(
    spec: Path,
    options: RenderOptions,
    diagnostics: Diagnostics,
    base: Path | None = None,
    perspective: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Generated:
    """Generate the package for ``spec``; raises SpecError with diagnostics on bad input.

    ``base`` is the folder the spec's path is shown relative to in diagnostics (default: the
    working directory); the generated header shows it so too unless ``options.source`` names
    it (the CLI does: :func:`~nova_gen.config.header_source`). ``limits`` bound every file read.
    """
    api = load_api(spec, diagnostics, base, perspective, limits)
    planned = plan(api, diagnostics)
    files = render_package(planned, options, diagnostics)
    diagnostics.raise_if_errors()
    return Generated(planned.package, files)
