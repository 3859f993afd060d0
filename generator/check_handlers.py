"""``nova-gen check-handlers module:Class``: a handlers subclass, checked for CI.

Importing the class already runs the class-creation check (an ``on_*`` method that no base
class declares raises ``HookNameError``); this command reports that, and also each
overridden hook whose signature cannot take the arguments the runtime passes, or that is
not ``async def`` where the runtime awaits it, as ``file:line: error: message``.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from nova_runtime.hookcheck import signature_problems

__all__ = ["check_handlers"]


class UsageError(Exception):
    """The target cannot be found: not ``module:Class``, not importable, not a handlers class."""


def _load(target: str) -> type:
    module_name, sep, class_name = target.partition(":")
    if not sep or not module_name or not class_name:
        raise UsageError(f"{target!r} is not module:Class (e.g. myapp.handlers:MyHandlers)")
    if str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise UsageError(f"cannot import {module_name!r}: {exc}") from exc
    except Exception as exc:
        if type(exc).__name__ == "HookNameError":
            raise  # a misspelt hook, found while the class was created: reported as such
        # The user's module is broken (a syntax error, a failing import of its own): theirs to fix.
        raise UsageError(f"importing {module_name!r} raised {exc.__class__.__name__}: {exc}") from exc
    cls: object = module
    for part in class_name.split("."):
        cls = getattr(cls, part, None)
        if cls is None:
            raise UsageError(f"{module_name!r} has no {class_name!r}")
    if not isinstance(cls, type) or not any(b.__name__ == "BaseHandlers" for b in cls.__mro__):
        raise UsageError(f"{target} is not a subclass of generated handlers")
    return cls


def check_handlers(target: str) -> tuple[list[str], bool]:
    """The problems of ``target`` as printable lines, and whether the target was found."""
    try:
        cls = _load(target)
    except UsageError as exc:
        return [f"nova-gen check-handlers: {exc}"], False
    except Exception as exc:  # noqa: BLE001 - HookNameError of whichever runtime copy the class uses
        if type(exc).__name__ != "HookNameError":
            raise
        return [f"{getattr(exc, 'file', '?')}:{getattr(exc, 'line', 0)}: error: {exc}"], True
    return [f"{file}:{line}: error: {message}" for file, line, message in signature_problems(cls)], True
