"""``[tool.nova-gen]`` in pyproject.toml: the targets a bare ``nova-gen`` generates.

    [tool.nova-gen]
    output = "generated"                  # default output folder for every target

    [[tool.nova-gen.targets]]
    spec = "specs/deribit.yaml"

    [[tool.nova-gen.targets]]
    spec = "specs/other.yaml"
    output = "src"
    vendor-runtime = true                 # copy the runtime into the package as _runtime/
    perspective = "client"                # AsyncAPI: whose side the document describes
    max-file-size = "50MB"                # raise the 2MB limit on each file read

Every command-line option has a key of the same name. Paths are relative to the
pyproject.toml that holds them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .loader.limits import parse_size


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class Target:
    spec: Path
    output: Path
    vendor_runtime: bool = False
    """Copy the runtime into the package (``_runtime/``) instead of importing ``nova_runtime``."""
    templates: Path | None = None
    base: Path | None = None
    """Folder the spec path is shown relative to: the pyproject's for configured targets."""
    perspective: str | None = None
    """AsyncAPI only: ``server`` (default; the document describes the server) or ``client``."""
    max_file_size: int | None = None
    """Bytes each file read may have; None for the default of :class:`~.loader.limits.Limits`."""


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
        unknown = set(t) - {"spec", "output", "vendor-runtime", "templates", "perspective", "max-file-size"}
        if unknown or "spec" not in t:
            raise ConfigError(
                f"{pyproject}: target {n}: "
                + (f"unknown keys {sorted(unknown)}" if unknown else "needs spec = \"path\"")
            )
        out.append(
            Target(
                spec=root / t["spec"],
                output=root / t.get("output", default_output),
                vendor_runtime=_flag(t.get("vendor-runtime", False), "vendor-runtime", pyproject, n),
                templates=root / t["templates"] if "templates" in t else None,
                base=root,
                perspective=_perspective(t.get("perspective"), pyproject, n),
                max_file_size=_size(t.get("max-file-size"), pyproject, n),
            )
        )
    return out


def _flag(value: Any, key: str, pyproject: Path, n: int) -> bool:
    if isinstance(value, bool):
        return value
    raise ConfigError(f"{pyproject}: target {n}: {key} must be true or false, not {value!r}")


def _perspective(value: Any, pyproject: Path, n: int) -> str | None:
    if value is None or value in ("server", "client"):
        return value  # type: ignore[no-any-return]
    raise ConfigError(f"{pyproject}: target {n}: perspective must be \"server\" or \"client\", not {value!r}")


def _size(value: Any, pyproject: Path, n: int) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0):
        return value
    try:
        return parse_size(value) if isinstance(value, str) else parse_size("")
    except ValueError:
        raise ConfigError(
            f"{pyproject}: target {n}: max-file-size must be a size such as \"50MB\" or a number of bytes, "
            f"not {value!r}"
        ) from None
