"""Fewer garbage collections while nova-gen reads, checks, plans and renders a spec.

Reading a spec allocates tens of thousands of small containers (the YAML node graph, the
values built from it, the source map, the IR), none of them garbage while a stage runs.
CPython's default young-generation threshold (700 allocations) starts a collection every
few hundred of them, and the older generations, which hold every module nova-gen and its
libraries imported, are traversed again and again: about 65 collections and 10-17 ms of
generating Deribit. datamodel-code-generator raises the same threshold around its own
run (to 100 000, measured by its authors: faster, no higher memory peak); nova-gen does
the same around its own stages, and restores whatever threshold it found.
"""

from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

YOUNG_THRESHOLD = 100_000
"""Allocations (minus deallocations) of container objects between young-generation
collections while a scope runs; CPython's default is 700."""

P = ParamSpec("P")
R = TypeVar("R")

_lock = threading.Lock()
_depth = 0
"""Scopes running now, in any thread: the threshold is process-wide, so only the outermost
one sets it and the last one to end restores it."""
_saved: tuple[int, ...] | None = None
"""The threshold found by the outermost scope; None when the collector was disabled."""


def fewer_collections(function: Callable[P, R]) -> Callable[P, R]:
    """``function`` run with the young-generation threshold at :data:`YOUNG_THRESHOLD`
    (or higher, if the process set it higher), restored when the last running scope returns
    or raises. A process that disabled the collector is left alone. Calls nest, also
    across threads."""

    @functools.wraps(function)
    def scoped(*args: P.args, **kwargs: P.kwargs) -> R:
        global _depth, _saved
        with _lock:
            if _depth == 0:
                _saved = gc.get_threshold() if gc.isenabled() else None
                if _saved is not None:
                    gc.set_threshold(max(_saved[0], YOUNG_THRESHOLD), *_saved[1:])
            _depth += 1
        try:
            return function(*args, **kwargs)
        finally:
            with _lock:
                _depth -= 1
                if _depth == 0 and _saved is not None:
                    gc.set_threshold(*_saved)

    return scoped
