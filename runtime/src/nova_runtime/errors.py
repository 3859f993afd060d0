"""The exceptions a generated client raises.

Everything derives from :class:`NovaError` so callers can catch the whole family.
Connection and timeout errors also derive from the matching builtin
(``ConnectionError``, ``TimeoutError``) so generic code that catches those keeps
working. Generated code subclasses :class:`ServerError` once per error code the spec
declares; the runtime picks the subclass from ``Protocol.error_classes``.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ConnectFailed",
    "ConnectionClosed",
    "ConnectionLost",
    "InvalidArguments",
    "MalformedFrame",
    "MissingCredential",
    "NovaError",
    "ProtocolError",
    "RateLimited",
    "RequestTimeout",
    "ServerError",
    "SubscriptionError",
    "SubscriptionOverflow",
]


class NovaError(Exception):
    """Base class of every error the runtime raises."""


class ConnectionLost(NovaError, ConnectionError):
    """The connection went away while something still needed it.

    ``code`` and ``reason`` are the WebSocket close code and reason when known.
    """

    def __init__(self, message: str, *, code: int | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason


class ConnectFailed(NovaError, ConnectionError):
    """The first connection could not be made (refused, TLS, handshake, hello/init/login).

    The underlying error is ``__cause__``; ``url`` is where the client tried to connect.
    With ``ReconnectPolicy.retry_first_connect`` this is raised once the policy gives up.
    """

    def __init__(self, url: str, cause: BaseException) -> None:
        super().__init__(f"could not connect to {url}: {type(cause).__name__}: {cause}")
        self.url = url


class ConnectionClosed(ConnectionLost):
    """The client was closed on purpose (``close()``); a kind of :class:`ConnectionLost`."""


class InvalidArguments(NovaError, ValueError):
    """A generated method was called with arguments its params schema rejects; nothing was sent.

    ``errors`` is pydantic's list of details (``loc`` with wire names, ``msg``, ``type``,
    ``input``), ``model`` the params model's name.
    """

    def __init__(self, model: str, errors: list[Any]) -> None:
        first = errors[0] if errors else {}
        where = ".".join(str(part) for part in first.get("loc", ())) or model
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"invalid arguments for {model}: {where}: {first.get('msg', 'invalid')}{more}")
        self.model = model
        self.errors = errors


def seconds(value: float) -> str:
    """``value`` seconds for a message, to the millisecond: ``10s``, ``0.25s``. A budget
    measured on the clock (``9.99999``, what was left of 10 s) reads as what was meant."""
    return f"{round(value, 3):g}s"


class RequestTimeout(NovaError, TimeoutError):
    """No reply came before the request's deadline (``timeout``, seconds).

    ``unread`` counts the frames that arrived meanwhile which no rule of the spec matched
    or which failed validation (often the awaited reply, in a shape the spec does not
    describe); the message then says so, and where to see them (``logger``'s DEBUG lines).
    """

    def __init__(
        self, method: str, timeout: float, *, unread: int = 0, logger: str = "nova.<api>"
    ) -> None:
        text = f"{method}: no reply within {seconds(timeout)}"
        if unread:
            text += (
                f"; {unread} frame(s) arrived meanwhile that no rule of the spec matched or"
                f" that failed validation (counted in diagnostics().unexpected_frames;"
                f" logged at DEBUG by {logger!r})"
            )
        super().__init__(text)
        self.method = method
        self.timeout = timeout
        self.unread = unread


class ServerError(NovaError):
    """The server answered a request with an error reply.

    ``code`` is None when the reply carries none (a GraphQL error without
    ``extensions.code``); ``data`` is what the spec's error rule points at (e.g. the whole
    GraphQL result, ``{"data": ..., "errors": [...]}``); ``reply`` is the whole decoded
    error frame, so members the spec does not name (ganache's ``stack``) stay available.
    """

    def __init__(self, code: Any, message: str, data: Any = None) -> None:
        text = brief(message, 1000)
        super().__init__(text if code is None else f"[{brief(code, 40)}] {text}")
        self.code = code
        self.message = message
        self.data = data
        self.reply: Any = None


class SubscriptionError(NovaError):
    """A subscription could not be made; ``cause`` is the server's error if it sent one."""

    def __init__(self, address: str, message: str, cause: BaseException | None = None) -> None:
        super().__init__(f"{address}: {message}")
        self.address = address
        self.cause = cause


class ProtocolError(NovaError):
    """The server sent something the spec does not allow."""


class MalformedFrame(ProtocolError):
    """A frame that is not JSON, or whose payload fails validation.

    ``frame`` is the raw text or decoded JSON; ``reason`` says what was wrong.
    """

    def __init__(self, reason: str, frame: Any = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.frame = frame


class RateLimited(NovaError):
    """The client-side rate limiter refused a request (``on_limit="raise"``).

    ``retry_after`` is the number of seconds until the request's cost is available.
    """

    def __init__(self, method: str, retry_after: float) -> None:
        super().__init__(f"{method}: rate limited, retry after {retry_after:.3g}s")
        self.method = method
        self.retry_after = retry_after


class SubscriptionOverflow(NovaError):
    """A subscription's buffer overflowed under the ``raise`` policy: the consumer was
    too slow, so the iterator ends with this error (``dropped`` counts lost messages)."""

    def __init__(self, address: str, maxsize: int, dropped: int = 1) -> None:
        super().__init__(
            f"{address}: buffer of {maxsize} messages overflowed (consumer too slow);"
            " raise ConnectOptions.subscription_buffer or pick another overflow policy"
        )
        self.address = address
        self.maxsize = maxsize
        self.dropped = dropped


def brief(value: Any, limit: int = 200) -> str:
    """``value`` as text for a message (a ``str`` as is, anything else by ``repr``), at
    most ``limit`` characters; never raises: a server may send a 5000-digit number,
    which ``str`` and ``repr`` refuse to convert."""
    try:
        text = value if isinstance(value, str) else repr(value)
    except ValueError:
        return f"<integer of {value.bit_length()} bits>" if isinstance(value, int) else "<?>"
    return text if len(text) <= limit else text[:limit] + "…"


def explain(error: BaseException) -> str:
    """The text of an error raised while parsing a frame, for a :class:`MalformedFrame`:
    a pydantic ``ValidationError`` without the offending input values (its own text shows
    ``input_value=...``, which can be a login reply's token), as ``N validation error(s)
    for Model: loc: msg [type=...]; ...``; any other error as ``str``."""
    from pydantic import ValidationError  # the models import it already

    if not isinstance(error, ValidationError):
        return str(error)
    details = error.errors(include_url=False, include_input=False, include_context=False)
    shown = "; ".join(
        f"{'.'.join(str(p) for p in d['loc']) or '(root)'}: {d['msg']} [type={d['type']}]"
        for d in details[:3]
    )
    more = f"; and {len(details) - 3} more" if len(details) > 3 else ""
    count = error.error_count()
    plural = "s" if count != 1 else ""
    return f"{count} validation error{plural} for {error.title}: {shown}{more}"


def describe(error: BaseException) -> str:
    """``"Type: text"`` (or just the type name) of an exception, for logs and reasons."""
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class MissingCredential(NovaError):
    """A credential the spec's auth needs was neither passed nor in the environment.

    The message names the credential and its environment variable, never a value.
    """

    def __init__(self, name: str, env: str | None = None) -> None:
        where = f" or set the environment variable {env}" if env else ""
        super().__init__(f"missing credential {name!r}: pass {name}=...{where}")
        self.name = name
        self.env = env
