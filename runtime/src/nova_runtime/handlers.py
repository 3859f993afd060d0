"""The base class of generated handlers, and how the runtime skips default hooks.

Generated handlers classes declare one ``async def on_<message>`` per message kind,
each decorated with :func:`default_hook`. Users subclass and override the ones they
care about. The client resolves, once at start-up, which hooks are overridden and
caches their bound methods; a hook left at its default is never called, so a stream
nobody handles costs nothing beyond feeding its iterators.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import JsonValue

from .hookcheck import check_class

if TYPE_CHECKING:
    from .core.ratelimit import Limiter
    from .lifecycle import ConnectInfo, DisconnectReason, ErrorAction, ReconnectDecision

__all__ = ["BaseHandlers", "default_hook", "is_default_hook", "resolve_hook"]

F = TypeVar("F", bound=Callable[..., Any])

_MARK = "__nova_default_hook__"


def default_hook(func: F) -> F:
    """Mark ``func`` as a default hook: the runtime does not call it unless overridden."""
    setattr(func, _MARK, True)
    return func


def is_default_hook(func: Any) -> bool:
    """True if ``func`` (a function or bound method) is a hook nobody overrode."""
    return bool(getattr(getattr(func, "__func__", func), _MARK, False))


def resolve_hook(handlers: object, name: str) -> Callable[..., Any] | None:
    """The bound hook ``name`` of ``handlers`` if the user overrode it, else None."""
    hook = getattr(handlers, name, None)
    if hook is None or not callable(hook) or is_default_hook(hook):
        return None
    return hook  # type: ignore[no-any-return]


class BaseHandlers:
    """Callbacks for connection life-cycle, raw frames, unknown messages and errors.

    Message hooks and ``on_connect``, ``on_unknown_message``, ``on_text_frame``,
    ``on_binary_frame``, ``on_subscribed`` and ``on_subscription_error`` run on the
    client's handler task, never inline in the receive loop, so a slow hook delays other
    hooks but never the protocol (heartbeat replies included). An exception raised by a
    hook goes to :meth:`on_error`; the connection goes on.

    Hooks that return a *decision* (``on_disconnect``, ``on_error``) are awaited by the
    connection supervisor itself, bounded by ``ConnectOptions.hook_timeout``; a hook
    that times out or raises counts as ``None`` (follow the policy). ``sign`` is called
    synchronously right before a request is framed. Hooks left at their default cost
    nothing: the runtime never calls them.

    A subclass that defines an ``on_*`` method no base class declares fails at class
    creation with :class:`~.hookcheck.HookNameError` naming the closest hook (a misspelt
    hook would never be called); mark deliberate helpers with ``@not_a_hook``.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        check_class(cls)

    @default_hook
    async def on_connect(self, info: ConnectInfo) -> None:
        """A connection is ready: open, past the server's hello, authenticated when
        credentials were given, and every desired subscription restored. Called after
        the first connect and after every reconnect (``info.reconnect``)."""

    @default_hook
    async def on_disconnect(self, reason: DisconnectReason) -> ReconnectDecision | None:
        """A connection ended. Return None (the default) to follow the reconnect policy
        (``reason.action`` says what it will do), ``ReconnectDecision.retry(delay)`` to
        reconnect anyway, or ``ReconnectDecision.stop()`` to give up. Also called once
        when the client is closed (``reason.by_client``; the answer is then ignored)."""
        return None

    @default_hook
    async def on_unknown_message(self, frame: JsonValue | bytes, reason: str) -> None:
        """A frame no rule claims, a reply nobody waits for, or a message on an unknown address.

        ``frame`` is the decoded JSON value (or the raw ``str``/``bytes`` if it was not JSON);
        no schema of the spec describes it, so it is typed as any JSON value.
        By default it is logged at DEBUG level.
        """

    @default_hook
    async def on_error(self, error: Exception, context: str) -> ErrorAction | None:
        """Something went wrong that no caller will see: a malformed frame, an error
        reply nobody waits for, an exception in another hook, a failed reconnect
        attempt. By default it is logged at WARNING level. Return ``"reconnect"`` to
        drop the connection and restore on a new one, ``"stop"`` to close the client;
        None or ``"ignore"`` change nothing (any other value is logged and ignored)."""
        return None

    @default_hook
    async def on_text_frame(self, text: str) -> None:
        """Every text frame as received, before it is parsed (only if overridden)."""

    @default_hook
    async def on_binary_frame(self, data: bytes) -> None:
        """Every binary frame as received, before it is parsed (only if overridden)."""

    @default_hook
    async def on_subscribed(self, address: str) -> None:
        """The server confirmed a subscription (also after each restore)."""

    @default_hook
    async def on_subscription_error(self, address: str, error: Exception) -> None:
        """A subscription failed: refused, unconfirmed in time, or its buffer overflowed."""

    @default_hook
    async def on_sequence_gap(self, channel: Any, expected: Any, received: Any) -> None:
        """A channel's sequence check failed (spec ``sequence``): the frame carried
        ``received`` where ``expected`` was due, so messages were missed. The messages keep
        flowing; resubscribe (``unsubscribe`` then ``subscribe``) for a fresh snapshot if
        the stream needs one. By default it is logged at WARNING level."""

    @default_hook
    def sign(self, method: Any, params: dict[str, Any]) -> dict[str, Any]:
        """Sign what the spec cannot describe: return the params to send instead (e.g.
        with a timestamp and an HMAC added, or a fresh JWT as Coinbase wants in every
        subscribe). Called for every request frame whose params are an object (requests,
        the login, subscribes and unsubscribes), with credentials already substituted;
        it must not do I/O. Not overriding it costs nothing. Generated handlers narrow
        ``method`` to the spec's wire methods (and ``on_sequence_gap`` to the channels
        that have a sequence check)."""
        return params

    @default_hook
    def limiter(self) -> Limiter | None:
        """A custom rate limiter for requests (an object with ``reserve``,
        ``available`` and ``tokens``), or None (default) for the spec's rate limit or
        ``ConnectOptions.limiter``."""
        return None
