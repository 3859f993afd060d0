"""Fixtures of the runtime tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from nova_runtime.core import match, subscriptions


@pytest.fixture(autouse=True)
def fresh_shared_compilations() -> Iterator[None]:
    """Each test compiles its own match predicates and address templates.

    The runtime shares them process-wide (every client of a protocol compiles the same
    rules), so without this a test would get whatever an earlier test compiled and never
    run the compiler itself; mutation testing, whose test processes are forked from one
    that already ran the suite, would not reach it at all.
    """
    match._COMPILED.clear()
    subscriptions._TEMPLATES.clear()
    yield
