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
from collections.abc import Callable
from typing import ParamSpec, TypeVar

YOUNG_THRESHOLD = 100_000
"""Allocations (minus deallocations) of container objects between young-generation
collections while a scope runs; CPython's default is 700."""

P = ParamSpec("P")
R = TypeVar("R")


def fewer_collections(function: Callable[P, R]) -> Callable[P, R]:
    """``function`` run with the young-generation threshold at :data:`YOUNG_THRESHOLD`
    (or higher, if the process set it higher), restored when it returns or raises. A
    process that disabled the collector is left alone. Calls nest."""

    @functools.wraps(function)
    def scoped(*args: P.args, **kwargs: P.kwargs) -> R:
        if not gc.isenabled():
            return function(*args, **kwargs)
        saved = gc.get_threshold()
        gc.set_threshold(max(saved[0], YOUNG_THRESHOLD), *saved[1:])
        try:
            return function(*args, **kwargs)
        finally:
            gc.set_threshold(*saved)

    return scoped
