"""Errors raised inside test servers, made visible to the test that ran them.

A WebSocket server runs each connection's handler in its own task: when the handler raises,
``websockets`` logs ``connection handler failed`` and closes the connection with 1011, and
the test goes on. A client under test that reconnects then passes, and the server's bug (or
a broken assertion inside a handler) is lost in the captured logs. :class:`ServerErrors`
collects those records and turns them into a test failure::

    with ServerErrors() as errors:
        ...                                  # run servers and clients
        errors.expect("connection handler failed", ValueError)  # one error this test wants
    errors.check()                           # AssertionError: anything unexpected, or missing

It listens on the loggers of :class:`~nova_gen.testing.SpecServer` (``nova.testing.server``,
which also takes its connection tasks' failures) and of ``websockets`` servers
(``websockets.server``, the default of ``websockets.asyncio.server.serve``): records at level
ERROR or above.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from types import TracebackType
from typing import Self

__all__ = ["LOGGERS", "ServerErrors"]

LOGGERS = ("nova.testing.server", "websockets.server")
"""The loggers whose ERROR records are server-side errors."""


@dataclass
class _Expected:
    message: re.Pattern[str]
    error: type[BaseException] | None
    count: int | None
    seen: int = 0

    def matches(self, record: logging.LogRecord) -> bool:
        if not self.message.search(record.getMessage()):
            return False
        if self.error is None:
            return True
        exc = record.exc_info[1] if record.exc_info else None
        return isinstance(exc, self.error)

    def describe(self) -> str:
        kind = f" ({self.error.__name__})" if self.error is not None else ""
        return f"{self.message.pattern!r}{kind}"


class ServerErrors(logging.Handler):
    """Collects ERROR records of the server loggers (:data:`LOGGERS`) while installed."""

    def __init__(self, loggers: tuple[str, ...] = LOGGERS) -> None:
        super().__init__(logging.ERROR)
        self.loggers = loggers
        self.records: list[logging.LogRecord] = []
        """Every server-side error record, in order."""
        self._expected: list[_Expected] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self) -> Self:
        for name in self.loggers:
            logging.getLogger(name).addHandler(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for name in self.loggers:
            logging.getLogger(name).removeHandler(self)

    def expect(
        self,
        message: str = "",
        error: type[BaseException] | None = None,
        *,
        count: int | None = None,
    ) -> None:
        """Declare errors this test expects: records whose message matches the regular
        expression ``message`` and whose exception is an ``error`` (any, when None).

        ``count`` is how many must occur (None: at least one).
        """
        self._expected.append(_Expected(re.compile(message), error, count))

    def unexpected(self) -> list[logging.LogRecord]:
        """The records no :meth:`expect` accounts for (counting matches as it goes)."""
        for expected in self._expected:
            expected.seen = 0
        out: list[logging.LogRecord] = []
        for record in self.records:
            match = next((e for e in self._expected if e.matches(record)), None)
            if match is None:
                out.append(record)
            else:
                match.seen += 1
        return out

    def check(self) -> None:
        """Raise AssertionError if a server-side error was not expected, or an expected
        one did not occur (as often as declared)."""
        unexpected = self.unexpected()
        problems = [f"unexpected server-side error: {_render(r)}" for r in unexpected]
        for e in self._expected:
            if (e.count is None and e.seen == 0) or (e.count is not None and e.seen != e.count):
                want = "at least 1" if e.count is None else str(e.count)
                problems.append(f"expected {want} server-side error(s) {e.describe()}, saw {e.seen}")
        if problems:
            raise AssertionError("\n".join(problems))


def _render(record: logging.LogRecord) -> str:
    text = f"{record.name}: {record.getMessage()}"
    if record.exc_info and record.exc_info[1] is not None:
        exc = record.exc_info[1]
        text += f" ({type(exc).__name__}: {exc})"
        text += "\n" + logging.Formatter().formatException(record.exc_info)
    return text
