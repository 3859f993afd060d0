"""Logging helpers (the LoggingHandler behaviour): ``nova.<api>`` loggers, secret redaction,
frame previews for DEBUG logs.

Every client logs under ``nova.<api>`` (``nova.deribit``); its frames at DEBUG, shortened
by :func:`frame_preview`. A :class:`RedactingFilter` built from the client's current
secrets (credentials, tokens) rewrites each record so no secret value reaches a handler.
"""

from __future__ import annotations

import json
import logging
import re
import time
import traceback
from collections.abc import Callable, Hashable, Iterable

from websockets.frames import Frame, Opcode

__all__ = [
    "REDACTED",
    "SECRET_NAMES",
    "SHORTEST_FREE_TEXT_SECRET",
    "LogLimiter",
    "RedactingFilter",
    "frame_preview",
    "get_logger",
    "mask_fields",
    "redact",
    "secret_fields",
]

REDACTED = "***"

SHORTEST_FREE_TEXT_SECRET = 4
"""A client searches free text only for secret values at least this long: replacing every
``x`` of a one-letter token would mangle each line (``e***pires``) and reveal the secret
anyway. Where a secret is known to be (:func:`secret_fields`) it is masked whatever its length."""

SECRET_NAMES = frozenset(
    {
        "access_token",
        "api_key",
        "apikey",
        "client_secret",
        "id_token",
        "passphrase",
        "password",
        "refresh_token",
        "secret",
        "signature",
        "token",
    }
)
"""Names whose value is a credential in any API (OAuth 2.0, RFC 6749 ``access_token``...):
masked by :func:`secret_fields` as members, ``repr`` keys and URL query parameters."""

# Control characters escaped in previews, so one frame stays one log line.
_CONTROL = {i: repr(chr(i))[1:-1] for i in (*range(32), 127)}


def get_logger(api: str) -> logging.Logger:
    """The logger of a generated client for protocol ``api``: ``nova.<api>``."""
    return logging.getLogger(f"nova.{api}")


def _usable(secrets: Iterable[str | None]) -> list[str]:
    """Every form a secret takes in logs: as is, escaped inside a JSON string (both with
    and without ``ensure_ascii``), and as ``repr`` shows it (a secret inside a dict or list
    argument, ``%r``). Longest first, so a secret that contains another is replaced whole."""
    forms: set[str] = set()
    for s in secrets:
        if isinstance(s, str) and s:
            forms.add(s)
            forms.add(json.dumps(s, ensure_ascii=False)[1:-1])
            forms.add(json.dumps(s)[1:-1])
            forms.add(repr(s)[1:-1])
    return sorted(forms, key=len, reverse=True)


def secret_fields(names: Iterable[str]) -> re.Pattern[str]:
    """A pattern of the places a value is secret by name, whatever the value: a JSON member
    or a ``repr`` dict item ``"name": "value"`` / ``'name': 'value'``, a URL query
    parameter ``name=value`` (RFC 3986), and the ``Authorization``, ``Proxy-Authorization``
    and ``Cookie`` lines of a handshake as ``websockets`` logs them (``> Cookie: ...``).
    Used with :func:`mask_fields`; names compare case-sensitively, header names not."""
    keys = "|".join(re.escape(n) for n in sorted(set(names) | SECRET_NAMES, key=len, reverse=True) if n)
    return re.compile(
        rf"""(?P<k>(?P<q>["'])(?:{keys})(?P=q)\s*:\s*)(?P<v>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
        rf"|(?P<p>[?&;](?:{keys})=)[^&;#\s'\"]*"
        r"|(?P<h>^[<>] (?i:authorization|proxy-authorization|cookie): ).*$",
        re.MULTILINE,
    )


def _mask(match: re.Match[str]) -> str:
    if match["k"] is not None:
        quote = match["v"][0]
        return f"{match['k']}{quote}{REDACTED}{quote}"
    return f"{match['p'] or match['h']}{REDACTED}"


def mask_fields(text: str, fields: re.Pattern[str] | None) -> str:
    """``text`` with the value of every place :func:`secret_fields` matches masked as ``***``."""
    return fields.sub(_mask, text) if fields is not None else text


def redact(text: str, secrets: Iterable[str | None], replacement: str = REDACTED) -> str:
    """``text`` with every occurrence of every non-empty secret (raw, JSON-escaped or as
    ``repr`` shows it) replaced."""
    for secret in _usable(secrets):
        if secret in text:
            text = text.replace(secret, replacement)
    return text


class RedactingFilter(logging.Filter):
    """Remove secret values from log records.

    ``secrets`` is called for every record and returns the secrets current at that moment
    (a token obtained at login, a refreshed one...). The filter formats the message
    (``record.getMessage()``), replaces each secret by ``***`` and stores the result in
    ``record.msg`` with ``record.args = ()``; it does the same to the exception text and the
    stack text (and then drops ``exc_info``, so no handler can re-render the raw exception).

    Attach it to the *handlers* that write somewhere (a filter on a logger does not see
    records of its child loggers), or to the ``nova.<api>`` logger when the client logs
    only there. It never drops a record.
    """

    def __init__(
        self,
        secrets: Callable[[], Iterable[str | None]],
        replacement: str = REDACTED,
        name: str = "",
        *,
        frames: Callable[[str | bytes], str] | None = None,
        fields: re.Pattern[str] | None = None,
    ) -> None:
        super().__init__(name)
        self._secrets = secrets
        self._fields = fields
        """Where values are secret by name (:func:`secret_fields`), masked before the
        values are searched for."""
        self.replacement = replacement
        self._frames = frames
        """Renders the payload of a ``websockets`` frame logged as an argument (the
        library's own DEBUG lines): redacted whole, *before* the library would shorten
        it, since a secret cut in half by shortening can no longer be found by value."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            secrets = _usable(self._secrets())
        except Exception:  # noqa: BLE001 - a broken secrets callable must not break logging
            secrets = []
        if self._frames is not None and isinstance(record.args, tuple):
            record.args = tuple(self._frame(a) if isinstance(a, Frame) else a for a in record.args)
        fields = self._fields
        message = mask_fields(record.getMessage(), fields)
        record.msg = redact(message, secrets, self.replacement)
        record.args = ()
        if record.exc_info is not None and record.exc_info[0] is not None:  # noqa: SIM102
            if not record.exc_text:
                record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            redacted = redact(mask_fields(record.exc_text, fields), secrets, self.replacement)
            if redacted != record.exc_text:
                record.exc_text = redacted
                record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info, secrets, self.replacement)
        return True

    def _frame(self, frame: Frame) -> str:
        assert self._frames is not None
        if frame.opcode not in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT):
            return str(frame)  # control frames: a close code and reason, ping payloads
        raw = bytes(frame.data)
        data: str | bytes = raw.decode("utf-8", "replace") if frame.opcode is Opcode.TEXT else raw
        return f"{frame.opcode.name} {self._frames(data)}"


def frame_preview(
    data: str | bytes,
    limit: int = 500,
    *,
    secrets: Iterable[str | None] = (),
) -> str:
    """A one-line preview of a frame for DEBUG logs: its length, then at most ``limit``
    characters (text) or bytes (shown as hex), with ``…`` when truncated.

    Pass ``secrets`` to redact *before* truncating: a log filter cannot recognise a secret
    that truncation has cut in half.
    """
    limit = max(0, limit)
    if isinstance(data, str):
        text = redact(data, secrets) if secrets else data
        head = text[:limit].translate(_CONTROL)
        more = "…" if len(text) > limit else ""
        return f"[{len(data)} chars] {head}{more}"
    raw = bytes(data)
    if secrets:
        # Binary frames can carry text (MessagePack, gzip'd JSON is opaque anyway).
        for secret in _usable(secrets):
            raw = raw.replace(secret.encode("utf-8"), REDACTED.encode("ascii"))
    more = "…" if len(raw) > limit else ""
    return f"[{len(data)} bytes] {raw[:limit].hex()}{more}"


class LogLimiter:
    """Rate limits for repeated log lines: at most ``burst`` lines per key in any
    ``period`` seconds (``clock``: monotonic seconds). A server that sends 50 000 bad
    frames must not write 50 000 warnings; the lines held back are counted and the next
    line of that key that passes says how many.
    """

    def __init__(
        self, period: float = 10.0, burst: int = 5, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.period = period
        self.burst = burst
        self._clock = clock
        self._windows: dict[Hashable, tuple[float, int, int]] = {}
        """key -> (window start, lines logged in it, lines held back since the last one)."""

    def allow(self, key: Hashable) -> int | None:
        """None: do not log this line. Else log it, and mention the returned count of
        lines held back before it (0: none)."""
        now = self._clock()
        start, logged, held = self._windows.get(key, (now, 0, 0))
        if now - start >= self.period:
            start, logged = now, 0
        if logged >= self.burst:
            self._windows[key] = (start, logged, held + 1)
            return None
        if len(self._windows) >= 1024 and key not in self._windows:
            self._windows.clear()  # bounded: keys may come from a server (addresses)
        self._windows[key] = (start, logged + 1, 0)
        return held

    def warning(
        self, log: logging.Logger, key: Hashable, msg: str, *args: object, exc_info: bool = False
    ) -> None:
        """``log.warning(msg, *args)`` within the limit of ``key``."""
        held = self.allow(key)
        if held is None:
            return
        if held:
            msg, args = msg + " (%d similar line(s) suppressed)", (*args, held)
        if exc_info:
            log.warning(msg, *args, exc_info=True)  # noqa: LOG014 - callers pass it from a handler
        else:
            log.warning(msg, *args)
