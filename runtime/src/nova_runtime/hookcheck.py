"""Catch misspelt hooks: a handler method named ``on_*`` that no base class declares.

A subclass of the generated handlers with ``on_orderbok`` instead of ``on_orderbook`` would
silently never be called, the most common trouble with callback-style clients ("behaviours
not being invoked"). :func:`check_class` runs at class creation (``BaseHandlers``
``__init_subclass__``) and raises :class:`HookNameError` naming the closest hook;
:func:`signature_problems` is the further check ``nova-gen check-handlers`` runs in CI.
A deliberate helper whose name starts with ``on_`` is marked with :func:`not_a_hook`.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from .errors import NovaError

__all__ = ["HookNameError", "check_class", "declared_hooks", "not_a_hook", "signature_problems"]

F = TypeVar("F", bound=Callable[..., Any])

_HELPER = "__nova_not_a_hook__"
_DECLARED = "__nova_default_hook__"  # handlers.default_hook's mark: a hook declaration


class HookNameError(NovaError, TypeError):
    """A handlers class defines an ``on_*`` method that is not one of its hooks.

    ``name`` is the method, ``suggestion`` the closest hook (or None), ``file`` and
    ``line`` where the method is written.
    """

    def __init__(self, cls: type, name: str, suggestion: str | None, file: str, line: int) -> None:
        hint = f"; did you mean {suggestion!r}?" if suggestion else ""
        super().__init__(
            f"{cls.__qualname__}.{name} is not a hook of {_base_names(cls)}, so it would never be "
            f"called{hint} (mark a deliberate helper with @not_a_hook)"
        )
        self.name = name
        self.suggestion = suggestion
        self.file = file
        self.line = line


def not_a_hook(func: F) -> F:
    """Mark a handler method whose name starts with ``on_`` as a helper, not a hook."""
    setattr(func, _HELPER, True)
    return func


def declared_hooks(cls: type) -> dict[str, Callable[..., Any]]:
    """The hooks ``cls``'s base classes declare, by name (the methods a subclass may override)."""
    hooks: dict[str, Callable[..., Any]] = {}
    for base in reversed(cls.__mro__[1:]):
        for name, value in vars(base).items():
            if (_is_hook_name(name) or name == "sign") and callable(value) and not getattr(value, _HELPER, False):
                hooks[name] = value
    return hooks


def _is_hook_name(name: str) -> bool:
    return name.startswith("on_")


def _base_names(cls: type) -> str:
    return ", ".join(b.__qualname__ for b in cls.__bases__)


def _where(func: Any) -> tuple[str, int]:
    code = getattr(inspect.unwrap(func), "__code__", None)
    if code is None:
        return "<unknown>", 0
    return code.co_filename, code.co_firstlineno


def _unknown(cls: type) -> Iterator[HookNameError]:
    hooks = declared_hooks(cls)
    for name, value in vars(cls).items():
        if not _is_hook_name(name) or not callable(value) or name in hooks:
            continue
        if getattr(value, _HELPER, False) or getattr(value, _DECLARED, False):
            continue  # a helper, or a hook this class declares (generated handlers)
        close = difflib.get_close_matches(name, list(hooks), n=1, cutoff=0.6)
        yield HookNameError(cls, name, close[0] if close else None, *_where(value))


def check_class(cls: type) -> None:
    """Raise :class:`HookNameError` for the first ``on_*`` method of ``cls`` that is no hook."""
    for error in _unknown(cls):
        raise error


def signature_problems(cls: type) -> list[tuple[str, int, str]]:
    """``(file, line, message)`` for each overridden hook of ``cls`` whose signature cannot
    take the arguments the runtime passes (and each ``on_*`` method that is no hook)."""
    problems = [(e.file, e.line, str(e)) for e in _unknown(cls)]
    hooks = declared_hooks(cls)
    for klass in cls.__mro__:
        if klass is object or not any(name in vars(klass) for name in hooks):
            continue
        for name, value in vars(klass).items():
            base = hooks.get(name)
            if base is None or base is value or getattr(value, _DECLARED, False) or not callable(value):
                continue
            for message in _incompatible(name, value, base):
                problems.append((*_where(value), f"{klass.__qualname__}.{message}"))
    return problems


def _incompatible(name: str, override: Any, hook: Any) -> list[str]:
    """Every way ``override`` cannot stand for ``hook`` (all of them, so one run of
    ``check-handlers`` shows what to fix)."""
    try:
        want = inspect.signature(hook)
        got = inspect.signature(override)
    except (TypeError, ValueError):
        return []
    found = []
    if inspect.iscoroutinefunction(hook) and not inspect.iscoroutinefunction(override):
        found.append(f"{name} must be `async def`: the runtime awaits it")
    args = [p for p in want.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    try:
        got.bind(*args)  # the runtime passes every argument positionally
    except TypeError as exc:
        wanted = ", ".join(p.name for p in args)
        found.append(f"{name}{got} cannot take the hook's arguments ({wanted}): {exc}")
    return found
