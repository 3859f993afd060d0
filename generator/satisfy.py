"""Writing a frame that meets a ``Match``: the inverse of the runtime's recognition.

The client tells a frame's kind by trying :class:`~nova_runtime.protocol.Match` rules in a
fixed order (server pings, errors, replies, notifications, events). The local test server
builds frames the other way round, and ``validate`` asks the same question of every rule:
can a frame meet this rule, and meet no rule the client tries before it? Every condition
kind of the language is written here: ``equals`` constants, ``present`` and ``absent``
pointers, ``in`` (``one_of``: one of the listed values, the first that works) and ``not``
(``none_of``: a listed value is removed, since a missing value meets ``not``). The
outcome is checked with the runtime's own predicate, so a frame this module returns is
recognised by the rule it was built from.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Sequence
from typing import Any

from nova_runtime.core.match import compile_match, json_equal
from nova_runtime.pointer import MISSING, compile_pointer, get, set_at
from nova_runtime.protocol import Envelope, Match

__all__ = ["Unsatisfiable", "describe", "earlier_rules", "satisfy"]

_MAX_CHOICES = 256
"""How many combinations of ``in`` values are tried before giving up on ``avoid``."""


_KEEP = object()
"""In a combination of ``in`` values: keep the frame's own value where the rule allows it."""


class Unsatisfiable(ValueError):
    """No frame meets the rule (or, with ``avoid``, none meets it without an earlier rule)."""


def satisfy(frame: Any, when: Match | None, avoid: Sequence[Match] = ()) -> Any:
    """``frame`` (a JSON object, changed in place and returned) made to meet ``when``.

    The values already in ``frame`` are kept where they meet the rule. For each pointer of
    an ``in`` the first value that works is taken; with ``avoid`` (the rules the client
    tries first), combinations are tried until the frame meets ``when`` and none of
    ``avoid``. When every combination meets an earlier rule, the first frame that meets
    ``when`` is returned all the same (``validate`` warns about such a spec: NOVA085).

    Raises :class:`Unsatisfiable` when no frame can meet ``when`` (``equals: {/a: 1}``
    with ``not: {/a: [1]}``, or a pointer both ``present`` and ``absent``).
    """
    if when is None:
        return frame
    recognised = compile_match(when)
    earlier = [compile_match(m) for m in avoid]
    # Written in place, no copy (the hot path of the server's streams): a combination only
    # changes the places of the rule, so each one overwrites what the last one wrote.
    fallback: tuple[Any, ...] | None = None
    for choice in itertools.islice(_choices(when), _MAX_CHOICES):
        _write(frame, when, choice)
        if not isinstance(frame, dict) or not recognised(frame):
            continue
        if not any(p(frame) for p in earlier):
            return frame
        if fallback is None:
            fallback = choice
    if fallback is None:
        raise Unsatisfiable(f"no frame can meet {describe(when)}")
    return _write(frame, when, fallback)


def earlier_rules(envelope: Envelope) -> dict[str, tuple[Match, ...]]:
    """Frame kind (``response``, ``notification``, ``event``) -> the envelope rules the
    client's dispatcher tries before that kind's own rule (errors, then replies, then
    notifications, then events; see ``nova_runtime.core.dispatcher``): a frame of that
    kind must meet none of them, or the client reads it as something else."""
    errors = tuple(r.when for r in (envelope.error, envelope.result_error) if r is not None)
    response = (envelope.response.when,) if envelope.response is not None else ()
    notification = (envelope.notification.when,) if envelope.notification is not None else ()
    # Routed by subscription id (GraphQL `next`), a frame with the shape of a reply whose
    # id no request waits for is a notification: the response rule does not take it.
    by_id = envelope.notification is not None and envelope.notification.subscription is not None
    return {
        "response": errors,
        "notification": errors + (() if by_id else response),
        "event": errors + response + notification,
    }


def describe(when: Match) -> str:
    """``when`` in the spec's words, values as JSON (``true``, ``"result"``), for messages."""
    def text(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, default=repr)

    parts: list[str] = []
    if when.equals:
        parts.append("equals " + ", ".join(f"{p}={text(v)}" for p, v in when.equals))
    if when.one_of:
        parts.append("in " + ", ".join(f"{p}={text(list(vs))}" for p, vs in when.one_of))
    if when.none_of:
        parts.append("not " + ", ".join(f"{p}={text(list(vs))}" for p, vs in when.none_of))
    if when.present:
        parts.append("present " + ", ".join(when.present))
    if when.absent:
        parts.append("absent " + ", ".join(when.absent))
    return "{" + "; ".join(parts) + "}"


def _allowed(when: Match, pointer: str, values: tuple[Any, ...]) -> list[Any]:
    """The values of an ``in`` that the rule's own ``equals`` and ``not`` leave."""
    excluded = [v for p, vs in when.none_of if p == pointer for v in vs]
    pinned = [v for p, v in when.equals if p == pointer]
    return [
        v
        for v in values
        if not any(json_equal(v, x) for x in excluded) and all(json_equal(v, x) for x in pinned)
    ]


def _choices(when: Match) -> itertools.product[tuple[Any, ...]]:
    """Every combination of one value per ``in`` pointer, in the spec's order; :data:`_KEEP`
    for a pointer stands for "keep what the frame has if it is allowed"."""
    options = [[_KEEP, *_allowed(when, p, vs)] for p, vs in when.one_of]
    return itertools.product(*options)


def _write(frame: Any, when: Match, choice: tuple[Any, ...]) -> Any:
    if not isinstance(frame, dict):
        return frame
    for pointer, value in when.equals:
        set_at(frame, compile_pointer(pointer), copy.deepcopy(value))
    for pointer in when.present:
        if get(frame, compile_pointer(pointer)) is MISSING:
            set_at(frame, compile_pointer(pointer), None)
    for (pointer, values), picked in zip(when.one_of, choice, strict=True):
        tokens = compile_pointer(pointer)
        current = get(frame, tokens)
        allowed = _allowed(when, pointer, values)
        if picked is _KEEP:
            if current is not MISSING and any(json_equal(current, v) for v in allowed):
                continue
            if not allowed:
                continue  # every value excluded: the check of the whole frame fails
            picked = allowed[0]
        set_at(frame, tokens, copy.deepcopy(picked))
    for pointer, excluded in when.none_of:
        tokens = compile_pointer(pointer)
        current = get(frame, tokens)
        if current is not MISSING and any(json_equal(current, x) for x in excluded):
            _remove(frame, tokens)
    for pointer in when.absent:
        _remove(frame, compile_pointer(pointer))
    return frame


def _remove(doc: Any, tokens: tuple[str, ...]) -> None:
    if not tokens:
        return
    parent = get(doc, tokens[:-1])
    if isinstance(parent, dict):
        parent.pop(tokens[-1], None)
