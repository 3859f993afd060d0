"""Diagnostics: every problem with a spec, as ``file:line:col: severity CODE: message``.

Front ends never raise on bad input; they add a :class:`Diagnostic` to a
:class:`Diagnostics` collector and go on, so a user sees every problem at once. When a
stage cannot continue it raises :class:`SpecError` carrying what was collected. The CLI
prints them and exits with status 2; nothing else ever reaches the user as a traceback.

Codes are stable and each one is documented in ``docs/diagnostics.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Position:
    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    position: Position
    hint: str = ""

    def format(self) -> str:
        text = f"{self.position}: {self.severity} {self.code}: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


def reading_order(d: Diagnostic) -> tuple[str, int, int, str]:
    """Sort key: by file, line, column, then code, the order a person reads them in."""
    return (d.position.file, d.position.line, d.position.column, d.code)


@dataclass
class Diagnostics:
    """Collects diagnostics from every stage, in the order they were found.

    The same diagnostic twice (one value read by two stages) is kept once.
    """

    items: list[Diagnostic] = field(default_factory=list)
    _seen: set[Diagnostic] = field(default_factory=set, repr=False, compare=False)

    def error(self, code: str, message: str, position: Position, hint: str = "") -> None:
        self._add(Diagnostic(code, "error", message, position, hint))

    def warning(self, code: str, message: str, position: Position, hint: str = "") -> None:
        self._add(Diagnostic(code, "warning", message, position, hint))

    def _add(self, diagnostic: Diagnostic) -> None:
        if diagnostic not in self._seen:
            self._seen.add(diagnostic)
            self.items.append(diagnostic)

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.items)

    def raise_if_errors(self) -> None:
        if self.has_errors:
            raise SpecError(self)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=reading_order)


class SpecError(Exception):
    """The spec has errors; :attr:`diagnostics` says which."""

    def __init__(self, diagnostics: Diagnostics) -> None:
        self.diagnostics = diagnostics
        errors = sum(d.severity == "error" for d in diagnostics.items)
        super().__init__(f"{errors} error(s) in the spec")
