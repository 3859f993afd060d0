"""Running user hooks off the receive loop.

The receive loop must never wait for user code (a later layer answers heartbeats from
it), so every hook call is queued here and awaited by a separate task, in order (started
by the first call: a client whose hooks are all defaults never has one). The
queue is bounded (drop-oldest, counted in ``dropped``) and every hook goes through it,
``on_error`` included, so no burst of bad frames can pile up tasks. Which hooks the user
overrode is resolved once; a default hook is never queued at all, and the defaults of
``on_error`` and ``on_unknown_message`` become log lines (warnings rate-limited per
context by :attr:`HookRunner.limits`).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from .errors import brief
from .handlers import resolve_hook
from .logs import LogLimiter

__all__ = ["HookRunner"]


class HookRunner:
    """A bounded queue of hook calls and the coroutine that drains it."""

    def __init__(
        self,
        handlers: object,
        names: Iterable[str],
        log: logging.Logger,
        maxsize: int = 10_000,
        *,
        limits: LogLimiter | None = None,
    ) -> None:
        all_names = set(names) | {
            "on_connect",
            "on_unknown_message",
            "on_text_frame",
            "on_binary_frame",
            "on_subscribed",
            "on_subscription_error",
            "on_sequence_gap",
        }
        self.hooks: dict[str, Callable[..., Any] | None] = {
            n: resolve_hook(handlers, n) for n in all_names
        }
        """Hook name -> bound method if overridden, else None (looked up on the hot path)."""
        self.dropped = 0
        self.maxsize = maxsize
        self._log = log
        self.limits = limits if limits is not None else LogLimiter()
        """Rate limits of the warnings written for default hooks."""
        self._queue: deque[tuple[Callable[..., Any], tuple[Any, ...]]] | None = None
        """Calls not run yet; made by the first one."""
        self._waiter: asyncio.Future[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._name = "hooks"
        self._task: asyncio.Task[None] | None = None
        self.error_handler: Callable[[Exception, str], None] | None = None
        """Where ``on_error`` goes (the client decides what a returned action means)."""

    def call(self, name: str, *args: Any) -> None:
        """Queue the hook ``name`` if overridden; defaults of errors and unknowns are logged."""
        if name == "on_error" and self.error_handler is not None:
            self.error_handler(args[0], args[1])
            return
        hook = self.hooks.get(name)
        if hook is not None:
            self.enqueue(hook, args)
        elif name == "on_error":
            self.limits.warning(
                self._log, ("on_error", args[1]), "%s: %s", args[1], args[0]
            )
        elif name == "on_sequence_gap":
            self.limits.warning(
                self._log,
                ("on_sequence_gap", args[0]),
                "sequence gap on %r: expected %r, received %r",
                args[0],
                args[1],
                args[2],
            )
        elif name == "on_unknown_message" and self._log.isEnabledFor(logging.DEBUG):
            self._log.debug("unknown message (%s): %s", args[1], brief(args[0]))

    def start(self, loop: asyncio.AbstractEventLoop, name: str) -> None:
        """Run queued hooks on ``loop`` from now on, in a task called ``name`` (made by
        the first call, or now if calls are queued already)."""
        self._loop, self._name = loop, name
        if self._queue:
            self._run_task(loop)

    async def stop(self) -> None:
        """Stop running hooks (what is still queued is dropped; :meth:`drain` first)."""
        task, self._task, self._loop = self._task, None, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def enqueue(self, hook: Callable[..., Any], args: tuple[Any, ...]) -> None:
        """Queue one call (hot path for overridden message hooks)."""
        queue = self._queue
        if queue is None:
            queue = self._queue = deque()
        if len(queue) >= self.maxsize:
            queue.popleft()
            self.dropped += 1
        queue.append((hook, args))
        waiter = self._waiter
        if waiter is not None:
            if not waiter.done():
                waiter.set_result(None)
        elif self._task is None and self._loop is not None:
            self._run_task(self._loop)

    def _run_task(self, loop: asyncio.AbstractEventLoop) -> None:
        self._task = loop.create_task(self.run(), name=self._name)

    def __len__(self) -> int:
        return len(self._queue) if self._queue is not None else 0

    async def run(self) -> None:
        """Await queued hooks forever; an exception in one goes to ``on_error``."""
        queue = self._queue
        if queue is None:
            queue = self._queue = deque()
        loop = asyncio.get_running_loop()
        while True:
            while not queue:
                self._waiter = loop.create_future()
                try:
                    await self._waiter
                finally:
                    self._waiter = None
            hook, args = queue.popleft()
            try:
                await hook(*args)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - user hooks may raise anything
                name = getattr(hook, "__name__", repr(hook))
                if name == "on_error":
                    self.limits.warning(
                        self._log, "on_error", "the on_error hook failed: %r", exc
                    )
                else:
                    self.call("on_error", exc, f"handler {name}")

    async def drain(self, timeout: float | None) -> None:
        """Wait (bounded) until the queue is empty, e.g. for ``on_disconnect`` at close."""
        try:
            async with asyncio.timeout(timeout):
                while self._queue and self._task is not None:
                    await asyncio.sleep(0.005)
        except TimeoutError:
            pass
