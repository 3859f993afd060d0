"""A spec as it is at a git revision: ``REF:PATH`` (``main:specs/x.yaml``, ``HEAD~3:./x.yaml``).

``nova-gen breaking`` compares a spec with an earlier version of itself. The folder that holds
the spec at ``REF`` (with its subfolders, so ``$ref``'d files come along) is exported with
``git archive`` into a temporary folder and read from there. PATH is relative to the
repository's top, or to the working directory when it starts with ``./`` (as in ``git show``).
"""

from __future__ import annotations

import io
import posixpath
import subprocess
import tarfile
from pathlib import Path


class GitRefError(Exception):
    """``REF:PATH`` could not be read: no git, not a repository, no such revision or file."""


def is_git_ref(argument: str) -> bool:
    """``REF:PATH`` and not a file that exists (a Windows path such as ``C:\\x`` exists)."""
    return ":" in argument and not Path(argument).exists()


def _git(*args: str, cwd: Path) -> bytes:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, check=False, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitRefError(f"git {args[0]} failed: {exc}") from None
    if proc.returncode != 0:
        raise GitRefError(proc.stderr.decode("utf-8", "replace").strip() or f"git {args[0]} failed")
    return proc.stdout


def export(argument: str, into: Path, cwd: Path | None = None) -> Path:
    """Write the spec ``REF:PATH`` and its folder at ``REF`` under ``into``; return the spec's
    path there (``into / PATH``, PATH relative to the repository's top)."""
    here = cwd or Path.cwd()
    ref, _, path = argument.partition(":")
    if not ref or not path:
        raise GitRefError(f"{argument!r} is neither a file nor REF:PATH")
    if path.startswith("./"):
        prefix = _git("rev-parse", "--show-prefix", cwd=here).decode().strip()
        path = posixpath.normpath(prefix + path[2:])
    kind = _git("cat-file", "-t", f"{ref}:{path}", cwd=here).decode().strip()
    if kind != "blob":
        raise GitRefError(f"{ref}:{path} is a {kind}, not a file")
    folder = posixpath.dirname(path) or "."
    top = Path(_git("rev-parse", "--show-toplevel", cwd=here).decode().strip())
    archive = _git("archive", "--format=tar", ref, "--", folder, cwd=top)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / path
