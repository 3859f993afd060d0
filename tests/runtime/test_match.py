"""``compile_match``: every combination of conditions holds all of them (the specialised
predicates for common shapes decide exactly what the general one decides)."""

from __future__ import annotations

from typing import Any

import pytest
from nova_runtime.core import compile_match
from nova_runtime.protocol import Match

CASES: list[tuple[Match, Any, bool]] = [
    (Match(), {}, True),
    (Match(present=("/id",)), {"id": None}, True),
    (Match(present=("/id",)), {}, False),
    (Match(present=("/id", "/result")), {"id": 1}, False),
    (Match(present=("/a", "/b", "/c")), {"a": 1, "b": 2, "c": 3}, True),
    (Match(present=("/a", "/b", "/c")), {"a": 1, "b": 2}, False),
    (Match(present=("/id",), absent=("/error",)), {"id": 1, "error": {}}, False),
    (Match(present=("/id",), absent=("/error",)), {"id": 1}, True),
    (Match(equals=(("/t", "a"),)), {"t": "a"}, True),
    (Match(equals=(("/t", "a"),)), {"t": "b"}, False),
    (Match(present=("/x",), equals=(("/t", "a"),)), {"t": "a"}, False),
    (Match(absent=("/e",), equals=(("/t", "a"),)), {"t": "a", "e": 1}, False),
    (Match(absent=("/e",), equals=(("/t", "a"),)), {"t": "a"}, True),
    (Match(equals=(("/n", 1),)), {"n": True}, False),  # JSON: true is not 1
    (Match(equals=(("/n", True),)), {"n": 1}, False),
    (Match(equals=(("/n", 1), ("/t", "a"))), {"n": 1, "t": "a"}, True),
]


@pytest.mark.parametrize(("match", "frame", "expected"), CASES)
def test_every_condition_holds(match: Match, frame: Any, expected: bool) -> None:
    assert compile_match(match)(frame) is expected
