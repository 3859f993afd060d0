"""Sends that are not id-correlated requests: fire-and-forget, and next-reply requests.

AsyncAPI documents describe messages the client sends without a reply (a Slack
``message``), and replies that carry no correlation id. The first are written and
forgotten (:meth:`.sender.Sender.send_frame`: through the rate limiter, waiting for a
restore while reconnecting); for the second the call waits for the next incoming frame
that matches the reply (``Session.add_waiter``; concurrent calls of one such method are
answered in the order they were sent, and a frame answers only one of them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from .protocol import Match, RequestSpec

if TYPE_CHECKING:
    from .sender import Sender

__all__ = ["request_next", "send_frame", "send_only"]

T = TypeVar("T")


class _Client(Protocol):
    """A generated client (a :class:`~.client.BaseClient`), as these functions use it."""

    @property
    def _sender(self) -> Sender: ...


async def send_only(
    client: _Client, spec: RequestSpec[Any], params: Mapping[str, Any]
) -> None:
    """Send ``spec``'s frame with ``params`` and return at once (no id, no reply)."""
    sender = client._sender
    await sender.send_frame(
        sender.frame_of(spec, params), method=spec.method, cost=spec.cost
    )


async def send_frame(
    client: _Client, spec: RequestSpec[Any], frame: str | bytes
) -> None:
    """Send ``frame`` as it is and return at once: a message whose payload is the whole
    frame (JSON text from :func:`~.params.dump_payload`, a text frame, or bytes: a binary
    frame), not params in an envelope."""
    await client._sender.send_frame(frame, method=spec.method, cost=spec.cost)


async def request_next(
    client: _Client,
    spec: RequestSpec[T],
    params: Mapping[str, Any],
    reply: Match,
    *,
    timeout: float | None = None,
    frame: str | bytes | None = None,
) -> T:
    """Send ``spec``'s frame (or ``frame`` as it is, see :func:`send_frame`), then return
    the next incoming frame matching ``reply``, parsed."""
    return await client._sender.request_next(
        spec, params, reply, timeout=timeout, frame=frame
    )
