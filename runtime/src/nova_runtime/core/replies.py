"""The reply rule, compiled: a correlated reply recognised and resolved in one step.

The dispatcher classifies a decoded frame by trying the spec's rules in their fixed order
(server pings, error replies, subscribe acks, responses, ...), each a predicate over JSON
Pointer reads, and then reads the reply's id and result with two more. For a request's
reply, the most common frame after notifications, that is about ten Python calls. When the
envelope allows it, :func:`compile_reply` turns the same decision into one function of a
few ``in`` tests on the frame's top-level keys:

- the response rule asks only that keys be present, and its id and result are top-level
  keys (``/id``, ``/result``: JSON-RPC 2.0 section 5 and most APIs);
- every rule tried before it needs a top-level key the response rule does not (a pointer
  that resolves needs its first reference token, RFC 6901): a frame without any such key
  cannot match that rule (Deribit: a server ping needs ``method``, an error ``error``).

The function returns the pending request and the raw result, or None whenever it cannot
decide alone (a key of an earlier rule is there, a key of the reply is not, the id is not
pending): then the general path decides, as before. So only speed differs, never results;
``tests/runtime/test_replies.py`` checks both paths agree on frames built to confuse them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..pointer import compile_pointer
from ..protocol import Match, Protocol
from .correlator import Correlator, Pending

__all__ = ["ReplyRule", "compile_reply"]

ReplyRule = Callable[[Any], "tuple[Pending, Any] | None"]
"""Decoded frame -> ``(pending, result)`` for a correlated reply it resolved, else None."""


def _top_keys(match: Match) -> set[str] | None:
    """The top-level keys a frame must have to satisfy ``match``; None when some pointer
    is not a plain key below the root (then nothing is known for sure)."""
    keys: set[str] = set()
    pointers = (*match.present, *(p for p, _ in match.equals), *(p for p, _ in match.one_of))
    for pointer in pointers:
        tokens = compile_pointer(pointer)
        if not tokens:
            return None  # the whole document: present in every frame
        keys.add(tokens[0])
    return keys


def compile_reply(protocol: Protocol, correlator: Correlator) -> ReplyRule | None:
    """The compiled reply rule of ``protocol``'s envelope, or None when it cannot be
    compiled (the general path alone classifies replies then)."""
    env = protocol.envelope
    rule = env.response
    if rule is None:
        return None
    when = rule.when
    if when.absent or when.equals or when.one_of or when.none_of:
        return None
    id_tokens, result_tokens = compile_pointer(rule.id), compile_pointer(rule.result)
    if len(id_tokens) != 1 or len(result_tokens) != 1:
        return None
    id_key, result_key = id_tokens[0], result_tokens[0]
    required = {id_key, result_key}
    for pointer in when.present:
        tokens = compile_pointer(pointer)
        if len(tokens) != 1:
            return None
        required.add(tokens[0])
    earlier = [p.when for p in protocol.heartbeat.server_pings if p.text is None]
    earlier += [r.when for r in (env.error, env.result_error) if r is not None]
    earlier += [
        m.ack_when
        for m in protocol.subscribe_methods.values()
        if m.ack == "match" and m.ack_when is not None
    ]
    excluded: set[str] = set()
    for other in earlier:
        keys = _top_keys(other)
        if keys is None or not keys - required:
            return None  # a frame of that rule may look like a reply: no shortcut
        excluded.add(min(keys - required))  # any one of them will do; min: deterministic
    others = tuple(sorted(excluded))
    needs = tuple(sorted(required))
    resolve = correlator.resolve

    def reply(frame: Any) -> tuple[Pending, Any] | None:
        if type(frame) is not dict:
            return None
        for key in others:
            if key in frame:
                return None
        for key in needs:
            if key not in frame:
                return None
        pending = resolve(frame[id_key])
        if pending is None:
            return None  # stray, late or a duplicate: the general path reports it
        return pending, frame[result_key]

    return reply
