"""Compiling ``Match`` conditions into fast predicates.

A frame's kind is decided by trying several ``Match`` rules per frame, so each rule is
compiled once into a closure over pre-built pointer getters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..pointer import MISSING, getter
from ..protocol import Match

__all__ = ["compile_match", "json_equal"]

Predicate = Callable[[Any], bool]


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: like ``==`` but ``true`` is not ``1`` and ``false`` is not ``0``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(a == b)


_COMPILED: dict[str, Predicate] = {}
"""``repr(match)`` -> its predicate, for the first :data:`_COMPILED_MAX` distinct matches."""
_COMPILED_MAX = 1024


def compile_match(match: Match) -> Predicate:
    """A predicate that is true when a decoded frame meets every condition of ``match``.

    A match with no conditions at all accepts every frame. Each distinct match is
    compiled once and its predicate shared (every client of a protocol compiles the same
    rules). The key is the match's ``repr``, not the match: ``==`` would take ``true``
    for ``1``, which JSON tells apart, and a JSON object in ``equals`` is unhashable.
    """
    key = repr(match)
    predicate = _COMPILED.get(key)
    if predicate is None:
        predicate = _compile(match)
        if len(_COMPILED) < _COMPILED_MAX:
            _COMPILED[key] = predicate
    return predicate


def _compile(match: Match) -> Predicate:
    present = tuple(getter(p) for p in match.present)
    absent = tuple(getter(p) for p in match.absent)
    equals = tuple((getter(p), v) for p, v in match.equals)
    one_of = tuple((getter(p), vs) for p, vs in match.one_of)
    none_of = tuple((getter(p), vs) for p, vs in match.none_of)

    if one_of or none_of:
        exact = compile_match(Match(match.present, match.absent, match.equals))

        def with_sets(doc: Any) -> bool:
            if not exact(doc):
                return False
            for g, values in one_of:
                found = g(doc)
                if found is MISSING or not any(json_equal(found, v) for v in values):
                    return False
            for g, values in none_of:
                found = g(doc)
                if found is not MISSING and any(json_equal(found, v) for v in values):
                    return False
            return True

        return with_sets
    if not absent and not equals and len(present) <= 2:
        if not present:
            return _always
        if len(present) == 1:
            (g1,) = present
            return lambda doc: g1(doc) is not MISSING
        g1, g2 = present
        return lambda doc: g1(doc) is not MISSING and g2(doc) is not MISSING
    if (
        not present
        and not absent
        and len(equals) == 1
        and isinstance(equals[0][1], str)
    ):
        ((g, value),) = equals
        return lambda doc: g(doc) == value

    def predicate(doc: Any) -> bool:
        for g in present:
            if g(doc) is MISSING:
                return False
        for g in absent:
            if g(doc) is not MISSING:
                return False
        for g, v in equals:
            found = g(doc)
            if found is MISSING or not json_equal(found, v):
                return False
        return True

    return predicate


def _always(doc: Any) -> bool:
    return True
