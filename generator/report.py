"""Printing diagnostics for a person or for a CI system: ``--error-format text|github|json``.

- ``text`` (default): ``file:line:col: severity CODE: message`` and a ``hint:`` line, on stderr,
  then a count.
- ``github``: GitHub Actions workflow commands, ``::error file=F,line=L,col=C::CODE message``
  (``::warning`` for warnings), on stdout, where the runner reads them and annotates the file.
  Values are escaped as the runner expects (``%``, CR, LF; in properties also ``:`` and ``,``).
- ``json``: one JSON object per line (JSON Lines) on stdout, with the keys ``file``, ``line``,
  ``col``, ``code``, ``severity``, ``message`` and ``hint``; whatever else a command prints
  (progress, diffs) goes to stderr, so stdout stays machine-readable.

Every command that reports diagnostics (generation, ``--check``, ``validate``, ``breaking``)
prints them through :class:`Reporter`, so the three formats cannot drift apart.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Literal, TextIO

from .diagnostics import Diagnostic, reading_order

ErrorFormat = Literal["text", "github", "json"]
ERROR_FORMATS: tuple[ErrorFormat, ...] = ("text", "github", "json")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(d: Diagnostic) -> str:
    """One workflow command: ``::error file=…,line=…,col=…::CODE message`` (hint on a second line)."""
    message = f"{d.code} {d.message}" + (f"\nhint: {d.hint}" if d.hint else "")
    where = (
        f"file={_escape_property(d.position.file)},line={d.position.line},col={d.position.column}"
    )
    return f"::{d.severity} {where}::{_escape_data(message)}"


def json_record(d: Diagnostic) -> str:
    """One line of JSON: file, line, col, code, severity, message, hint."""
    return json.dumps(
        {
            "file": d.position.file,
            "line": d.position.line,
            "col": d.position.column,
            "code": d.code,
            "severity": d.severity,
            "message": d.message,
            "hint": d.hint,
        },
        ensure_ascii=False,
    )


class Reporter:
    """Where a command's output goes, by error format.

    :meth:`diagnostics` prints problems; :meth:`info` prints everything else a person reads
    (progress, "up to date", diffs), which in the ``json`` format moves to stderr.
    """

    def __init__(self, error_format: ErrorFormat = "text") -> None:
        self.format: ErrorFormat = error_format

    @property
    def machine(self) -> bool:
        return self.format == "json"

    def info(self, text: str, *, end: str = "\n") -> None:
        stream: TextIO = sys.stderr if self.machine else sys.stdout
        stream.write(text + end)

    def note(self, text: str) -> None:
        """A line about a problem, for people only: stderr in every format."""
        print(text, file=sys.stderr)

    def diagnostics(self, items: Iterable[Diagnostic], *, summary: bool = True) -> None:
        ordered = sorted(items, key=reading_order)
        if self.format == "text":
            for d in ordered:
                print(d.format(), file=sys.stderr)
            if ordered and summary:
                errors = sum(d.severity == "error" for d in ordered)
                print(f"{errors} error(s), {len(ordered) - errors} warning(s)", file=sys.stderr)
            return
        line = github_annotation if self.format == "github" else json_record
        for d in ordered:
            print(line(d), flush=False)
        sys.stdout.flush()
