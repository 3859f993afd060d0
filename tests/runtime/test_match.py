"""``compile_match``: every combination of conditions holds all of them (the specialised
predicates for common shapes decide exactly what the general one decides)."""

from __future__ import annotations

from typing import Any

import pytest
from nova_runtime.core import compile_match
from nova_runtime.core import match as match_module
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


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"type": "a", "id": 1, "side": "buy"}, True),
        ({"type": "b", "id": 1, "side": "sell"}, True),
        ({"type": "c", "id": 1, "side": "buy"}, False),  # not one of the values
        ({"id": 1, "side": "buy"}, False),  # one_of needs the key
        ({"type": True, "id": 1, "side": "buy"}, False),  # true is not 1 (JSON equality)
        ({"type": 1, "id": 1, "side": "buy"}, True),
        ({"type": "a", "id": 1, "side": "cancel"}, False),  # one of the excluded values
        ({"type": "a", "id": 1}, True),  # none_of: an absent key excludes nothing
        ({"type": "a", "id": 1, "side": 0}, True),  # false is not 0
        ({"type": "a", "id": 1, "side": False}, False),
        ({"type": "a", "side": "buy"}, False),  # the plain conditions still hold: present
        ({"type": "a", "id": 1, "side": "buy", "error": 1}, False),  # absent
        ({"type": "a", "id": 1, "side": "buy", "v": 3}, False),  # equals
    ],
)
def test_value_sets_one_of_and_none_of(doc: dict[str, object], expected: bool) -> None:
    match = Match(
        present=("/id",),
        absent=("/error",),
        equals=(("/v", 2),) if "v" in doc else (),
        one_of=(("/type", ("a", "b", 1)),),
        none_of=(("/side", ("cancel", False)),),
    )
    assert compile_match(match)(doc) is expected


def test_value_sets_alone() -> None:
    only_in = compile_match(Match(one_of=(("/k", ("x",)),)))
    assert [only_in(d) for d in ({"k": "x"}, {"k": "y"}, {})] == [True, False, False]
    only_not = compile_match(Match(none_of=(("/k", ("x",)),)))
    assert [only_not(d) for d in ({"k": "x"}, {"k": "y"}, {})] == [False, True, True]


def test_a_match_is_compiled_once_and_json_values_stay_apart() -> None:
    """Every client of a protocol shares the predicates of its rules; matches that Python
    finds equal but JSON does not (``true`` and ``1``), or that cannot be hashed (an
    object in ``equals``), still get their own."""
    one, true = Match(equals=(("/n", 1),)), Match(equals=(("/n", True),))
    assert one == true  # as Python compares them
    assert compile_match(one) is compile_match(Match(equals=(("/n", 1),)))
    assert compile_match(one) is not compile_match(true)
    assert compile_match(one)({"n": 1}) and not compile_match(true)({"n": 1})
    assert compile_match(true)({"n": True}) and not compile_match(one)({"n": True})
    obj = Match(equals=(("/o", {"a": [1]}),))
    assert compile_match(obj) is compile_match(Match(equals=(("/o", {"a": [1]}),)))
    assert compile_match(obj)({"o": {"a": [1]}}) and not compile_match(obj)({"o": {"a": [2]}})


def test_the_shared_predicates_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``_COMPILED_MAX`` distinct matches (a process that loads many protocols),
    a match is compiled for its caller and not kept: the shared table stops growing."""
    monkeypatch.setattr(match_module, "_COMPILED_MAX", 2)
    matches = [Match(equals=(("/k", f"v{i}"),)) for i in range(3)]
    kept = [compile_match(m) for m in matches]
    assert len(match_module._COMPILED) == 2
    assert [compile_match(m) is p for m, p in zip(matches, kept, strict=True)] == [True, True, False]
    assert kept[2]({"k": "v2"}) and not kept[2]({"k": "v1"})
