"""The base class of generated handlers, and how the runtime skips default hooks.

Generated handlers classes declare one ``async def on_<message>`` per message kind,
each decorated with :func:`default_hook`. Users subclass and override the ones they
care about. The client resolves, once at start-up, which hooks are overridden and
caches their bound methods; a hook left at its default is never called, so a stream
nobody handles costs nothing beyond feeding its iterators.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

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
    """Callbacks for connection life-cycle, unknown messages and errors.

    Every hook is awaited on the client's handler task, never inline in the receive
    loop, so a slow hook delays other hooks but never the protocol itself. An
    exception raised by a hook goes to :meth:`on_error`; the connection goes on.
    """

    @default_hook
    async def on_connect(self) -> None:
        """The connection is open (after the on-connect request, if any, was sent)."""

    @default_hook
    async def on_disconnect(self, reason: str) -> None:
        """The connection is gone: closed by the client or lost (``reason`` says which)."""

    @default_hook
    async def on_unknown_message(self, frame: Any, reason: str) -> None:
        """A frame no rule claims, a reply nobody waits for, or a message on an unknown address.

        ``frame`` is the decoded JSON (or the raw ``str``/``bytes`` if it was not JSON).
        By default it is logged at DEBUG level.
        """

    @default_hook
    async def on_error(self, error: Exception, context: str) -> None:
        """Something went wrong that no caller will see: a malformed frame, an error
        reply nobody waits for, an exception in another hook. By default it is logged
        at WARNING level."""
