"""Sends that are not id-correlated requests: fire-and-forget, and next-reply requests.

AsyncAPI documents describe messages the client sends without a reply (a Slack
``message``), and replies that carry no correlation id. The first are written and
forgotten; for the second the call waits for the next incoming frame that matches the
reply (documented rule: concurrent calls of one such method may get each other's replies).

.. note:: ``request_next`` observes frames by wrapping the session's dispatcher; the
   runtime's client should offer a hook for this (see docs/asyncapi.md).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic_core import from_json

from .core.match import compile_match
from .errors import RequestTimeout
from .protocol import Match, RequestSpec

__all__ = ["request_next", "send_only"]

T = TypeVar("T")

_Waiter = tuple[Any, Any, "asyncio.Future[Any]"]
_WAITERS: weakref.WeakKeyDictionary[Any, list[_Waiter]] = weakref.WeakKeyDictionary()


async def send_only(client: Any, spec: RequestSpec[Any], params: Mapping[str, Any]) -> None:
    """Send ``spec``'s frame with ``params`` and return at once (no id, no reply)."""
    text = client._session.frame(spec.method, params, None)
    await _send_text(client, text, spec.method)


async def _send_text(client: Any, text: str, method: str) -> None:
    """Write one frame on the client's current connection (waiting for one if reconnecting).

    Uses the client's internals: ``_send`` (single-connection client) or
    ``_connection_now``/``_connection`` (supervised client). The runtime should offer a
    public ``send_frame`` instead (see docs/asyncapi.md).
    """
    send = getattr(client, "_send", None)
    if send is not None:
        await send(text)
        return
    conn = client._connection_now()
    if conn is None:
        timeout = client.request_timeout
        conn = await client._connection(asyncio.get_running_loop().time() + timeout, method, timeout)
    await conn.send(text)


def _waiters(client: Any) -> list[_Waiter]:
    found = _WAITERS.get(client)
    if found is not None:
        return found
    waiters: list[_Waiter] = []
    _WAITERS[client] = waiters
    dispatcher = client._session.dispatcher
    original = dispatcher.receive

    def receive(data: str | bytes) -> Any:
        outcome = original(data)
        if waiters:
            try:
                frame = from_json(data)
            except ValueError:
                return outcome
            for waiter in list(waiters):
                matches, parse, future = waiter
                if future.done():
                    waiters.remove(waiter)
                elif matches(frame):
                    waiters.remove(waiter)
                    try:
                        future.set_result(parse(frame))
                    except Exception as exc:  # noqa: BLE001 - delivered to the caller
                        future.set_exception(exc)
                    break
        return outcome

    dispatcher.receive = receive
    return waiters


async def request_next(
    client: Any,
    spec: RequestSpec[T],
    params: Mapping[str, Any],
    reply: Match,
    *,
    timeout: float | None = None,
) -> T:
    """Send ``spec``'s frame, then return the next incoming frame matching ``reply``, parsed."""
    waiters = _waiters(client)
    future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
    waiters.append((compile_match(reply), spec.parse_result, future))
    limit = timeout if timeout is not None else spec.timeout or client.request_timeout
    try:
        await send_only(client, spec, params)
        return await asyncio.wait_for(future, limit)
    except TimeoutError:
        raise RequestTimeout(spec.method, limit) from None
    finally:
        if not future.done():
            future.cancel()
