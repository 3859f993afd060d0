"""``[tool.nova-gen]`` in pyproject.toml: the targets a bare ``nova-gen`` generates.

    [tool.nova-gen]
    output = "generated"                  # default output folder for every target

    [[tool.nova-gen.targets]]
    spec = "specs/deribit.yaml"

    [[tool.nova-gen.targets]]
    spec = "specs/other.yaml"
    output = "src"
    runtime-import = "nova_runtime"

Every command-line option has a key of the same name. Paths are relative to the
pyproject.toml that holds them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class Target:
    spec: Path
    output: Path
    runtime_import: str | None = None
    templates: Path | None = None
    base: Path | None = None
    """Folder the spec path is shown relative to: the pyproject's for configured targets."""


def find_pyproject(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_targets(pyproject: Path) -> list[Target]:
    try:
        data = tomllib.loads(pyproject.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{pyproject}: {exc}") from None
    table: Any = data.get("tool", {}).get("nova-gen")
    if table is None:
        raise ConfigError(f"{pyproject} has no [tool.nova-gen] table; name a spec: nova-gen SPEC -o DIR")
    root = pyproject.parent
    default_output = table.get("output", ".")
    targets = table.get("targets", [])
    if not isinstance(targets, list) or not targets:
        raise ConfigError(f"{pyproject}: [tool.nova-gen] lists no targets ([[tool.nova-gen.targets]] with spec = ...)")
    out = []
    for n, t in enumerate(targets, 1):
        unknown = set(t) - {"spec", "output", "runtime-import", "templates"}
        if unknown or "spec" not in t:
            raise ConfigError(
                f"{pyproject}: target {n}: "
                + (f"unknown keys {sorted(unknown)}" if unknown else "needs spec = \"path\"")
            )
        out.append(
            Target(
                spec=root / t["spec"],
                output=root / t.get("output", default_output),
                runtime_import=t.get("runtime-import"),
                templates=root / t["templates"] if "templates" in t else None,
                base=root,
            )
        )
    return out
