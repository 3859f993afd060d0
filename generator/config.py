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

from .argparsing import closest
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


def header_source(spec: Path, output: Path) -> str:
    """The spec's path as generated headers name it: relative to the project root (the folder
    of the nearest pyproject.toml at or above ``output``) when the spec is inside it, else the
    spec's file name. Never relative to the working directory, so ``--check`` gives the same
    answer wherever it runs. E.g. ``specs/deribit.yaml``."""
    resolved = spec.resolve()
    pyproject = find_pyproject(output.resolve())
    if pyproject is not None:
        try:
            return resolved.relative_to(pyproject.parent.resolve()).as_posix()
        except ValueError:
            pass
    return resolved.name


def load_targets(pyproject: Path) -> list[Target]:
    try:
        data = tomllib.loads(pyproject.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{pyproject}: {exc}") from None
    table: Any = data.get("tool", {}).get("nova-gen")
    if table is None:
        raise ConfigError(f"{pyproject} has no [tool.nova-gen] table; name a spec: nova-gen SPEC -o DIR")
    root = pyproject.parent
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.nova-gen] must be a table")
    _known(table, TOP_KEYS, f"{pyproject}: [tool.nova-gen]")
    default_output = _path(table.get("output", "."), f"{pyproject}: [tool.nova-gen] output")
    targets = table.get("targets", [])
    if not isinstance(targets, list) or not targets:
        raise ConfigError(f"{pyproject}: [tool.nova-gen] lists no targets ([[tool.nova-gen.targets]] with spec = ...)")
    out = []
    for n, t in enumerate(targets, 1):
        if not isinstance(t, dict):
            raise ConfigError(f"{pyproject}: target {n} must be a table ([[tool.nova-gen.targets]])")
        _known(t, TARGET_KEYS, f"{pyproject}: target {n}")
        if "spec" not in t:
            raise ConfigError(f"{pyproject}: target {n}: needs spec = \"path\"")
        out.append(
            Target(
                spec=root / _path(t["spec"], f"{pyproject}: target {n}: spec"),
                output=root / _path(t.get("output", default_output), f"{pyproject}: target {n}: output"),
                vendor_runtime=_flag(t.get("vendor-runtime", False), "vendor-runtime", pyproject, n),
                templates=root / _path(t["templates"], f"{pyproject}: target {n}: templates")
                if "templates" in t
                else None,
                base=root,
                perspective=_perspective(t.get("perspective"), pyproject, n),
                max_file_size=_size(t.get("max-file-size"), pyproject, n),
            )
        )
    return out


TARGET_KEYS = ("spec", "output", "vendor-runtime", "templates", "perspective", "max-file-size")
"""The keys of one ``[[tool.nova-gen.targets]]`` table."""
TOP_KEYS = ("output", "targets")
"""The keys of ``[tool.nova-gen]`` itself."""


def _known(table: dict[str, Any], keys: tuple[str, ...], where: str) -> None:
    """Raise ConfigError naming every key of ``table`` not in ``keys``, with the closest
    known key for each (``outptu`` -> ``output``): a misspelt key is never ignored."""
    unknown = [key for key in table if key not in keys]
    if not unknown:
        return
    problems = []
    for key in unknown:
        guess = closest(key, list(keys))
        problems.append(f"{key!r}" + (f" (did you mean {guess!r}?)" if guess else ""))
    raise ConfigError(f"{where}: unknown key{'s' if len(unknown) > 1 else ''} {', '.join(problems)}; known: {', '.join(keys)}")


def _path(value: Any, where: str) -> str:
    if isinstance(value, str) and value:
        return value
    raise ConfigError(f"{where} must be a path in quotes, not {value!r}")


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
