"""Public names imported when first used (PEP 562), for ``nova_runtime`` and ``nova_runtime.core``.

A package maps each public name to the module that defines it and takes its module-level
``__getattr__`` and ``__dir__`` from :func:`lazy_names`: importing the package then loads none
of those modules, and ``from nova_runtime import BaseClient`` loads the client's module (and
what it imports) only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(
    package: str, modules: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``: ``modules`` maps each public name to
    the module that defines it, relative to the package (``".client"``); ``namespace`` is the
    package's ``globals()``, where a name is kept once imported. An unknown name raises
    ``AttributeError``, as for any module."""

    def __getattr__(name: str) -> Any:
        module = modules.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        # __import__ rather than importlib.import_module: the same import, and one that
        # ``python -X importtime`` reports.
        value = getattr(__import__(f"{package}{module}", fromlist=[name]), name)
        namespace[name] = value  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(modules))

    return __getattr__, __dir__
