"""Errors from the operating system, in plain words.

A file that is a folder, a folder that is a file, a permission denied, a port in use: these
are problems of the user's machine or command line, reported as a plain message with exit
status 2, never as an internal error of nova-gen. Standard library only: every command (the
test server's too) uses it.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

_WORDS = {
    errno.ENOENT: "does not exist",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "is a folder, not a file",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EEXIST: "already exists",
    errno.ENAMETOOLONG: "the name is too long",
    errno.ELOOP: "too many levels of symbolic links",
    errno.EADDRINUSE: "the address is already in use",
    errno.EADDRNOTAVAIL: "the address is not available on this machine",
}


def reason(exc: OSError) -> str:
    """What went wrong, in words: ``permission denied``, ``is a folder, not a file``."""
    return _WORDS.get(exc.errno or 0) or (exc.strerror or exc.__class__.__name__).lower()


def describe(exc: OSError) -> str:
    """``exc`` as ``'<path>': <what went wrong>`` (or just what went wrong when no path is
    involved), e.g. ``'out/deribit': a part of the path is a file, not a folder``."""
    words = reason(exc)
    name = exc.filename
    return f"{os.fspath(name)[:200]!r}: {words}" if name is not None else words


def folder_problem(folder: Path) -> str | None:
    """Why files cannot be written under ``folder`` (created with its parents if need be),
    or None when nothing is known to stop it: an existing ancestor that is a file, or a
    folder that does not exist under an ancestor that cannot be written to."""
    for ancestor in (folder, *folder.parents):
        try:
            if ancestor.is_dir():
                if ancestor != folder and not os.access(ancestor, os.W_OK | os.X_OK):
                    return f"{os.fspath(folder)!r} cannot be created: {os.fspath(ancestor)!r} is not writable"
                return None
            if ancestor.exists():
                return f"{os.fspath(ancestor)!r} is a file, not a folder"
        except OSError as exc:
            return describe(exc)
    return None
