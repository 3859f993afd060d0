"""Credentials that can be fresh on every connection attempt.

Every credential argument of a generated ``connect()`` (a nova spec's login credentials,
an AsyncAPI API key in the query, a header or a cookie, a bearer token, a Basic password)
takes a :data:`CredentialSource`: the value itself, or a :data:`CredentialProvider`, a
callable returning it (plain or async). The client asks a provider again before every
connection attempt (the first connect, each reconnect, each lifetime rotation): a connect
token valid once, a short-lived JWT, a token fetched from a REST endpoint (Kraken's
``GetWebSocketsToken``) are then never re-sent stale.

Why a check at ``connect()``: a value of another type (bytes, a number, a coroutine
object, a dict) would otherwise surface much later as a wrong URL or a failed login on
some reconnect; a ``TypeError`` names the argument at once (never the value).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import TypeAlias

__all__ = [
    "CredentialProvider",
    "CredentialSource",
    "check_credential",
    "resolve_credential",
]

CredentialProvider: TypeAlias = Callable[[], str | Awaitable[str]]
"""Returns a credential (``str``), directly or awaitable; called before every connection
attempt. An exception it raises fails that attempt (retried per the reconnect policy)."""

CredentialSource: TypeAlias = str | CredentialProvider
"""A credential as ``connect()`` takes it: the value, or a provider of fresh values."""


def check_credential(name: str, value: object) -> None:
    """Raise ``TypeError`` unless ``value`` is None, a ``str`` or a callable.

    The message names the argument ``name`` and the value's type, never the value.
    """
    if value is None or isinstance(value, str) or callable(value):
        return
    raise TypeError(
        f"{name} must be a str or a callable returning one (str | Awaitable[str]),"
        f" not {type(value).__name__}"
    )


async def resolve_credential(name: str, value: CredentialSource) -> str:
    """The credential now: ``value`` itself, or what its provider returns (awaited when
    awaitable). Raises ``TypeError`` when a provider returns anything but a ``str``;
    what the provider raises propagates."""
    if isinstance(value, str):
        return value
    result = value()
    if inspect.isawaitable(result):
        result = await result
    if not isinstance(result, str):
        raise TypeError(
            f"the provider of {name} returned {type(result).__name__}, not str"
        )
    return result
