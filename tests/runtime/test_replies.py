"""The compiled reply rule decides what the general path decides, only sooner.

Two sessions of one protocol get the same requests and the same frames; one classifies
with the compiled reply rule (:mod:`nova_runtime.core.replies`), the other without it.
The frames are random mixes of what a reply, an error, a server ping and a notification
carry (and ids in every JSON type, answered twice, never sent), so that every rule tried
before the response rule gets its chance to claim a frame that also looks like a reply.
"""

from __future__ import annotations

import dataclasses
import json
import random
from typing import Any

import pytest
from nova_runtime import protocol as p
from nova_runtime.core import Session
from nova_runtime.core.replies import compile_reply

from .nova_fake_api import GET_TIME, make_protocol


def describe(outcome: Any) -> tuple[Any, ...]:
    """What a caller acts on: the outcome's kind, the request it resolves, its result."""
    pending = getattr(outcome, "pending", None)
    return (
        type(outcome).__name__,
        getattr(pending, "id", None),
        repr(getattr(outcome, "result", None)),
        repr(getattr(outcome, "id", None)),
        getattr(outcome, "late", None),
        getattr(outcome, "duplicate", None),
    )


def random_frame(rng: random.Random, ids: list[Any]) -> str:
    frame: dict[str, Any] = {}
    if rng.random() < 0.8:
        frame["jsonrpc"] = "2.0"
    if rng.random() < 0.85:
        frame["id"] = rng.choice([*ids, 999, "1", "01", True, 1.0, None, {"a": 1}, [1]])
    if rng.random() < 0.8:
        frame["result"] = rng.choice([1_700_000_000_000, "x", None, {"k": [1]}, -5])
    if rng.random() < 0.15:
        frame["error"] = {"code": rng.choice([10028, -32600, "E"]), "message": "no"}
    if rng.random() < 0.15:
        frame["method"] = rng.choice(["heartbeat", "subscription", "other"])
    if rng.random() < 0.15:
        frame["params"] = rng.choice(
            [{"type": "test_request"}, {"type": "heartbeat"}, {"channel": "x", "data": {}}]
        )
    keys = list(frame)
    rng.shuffle(keys)
    text = json.dumps({k: frame[k] for k in keys})
    return text if rng.random() < 0.97 else rng.choice(["[1, 2]", "3", "null", "{"])


def sessions(protocol: p.Protocol) -> tuple[Session, Session]:
    compiled, general = Session(protocol), Session(protocol)
    general.dispatcher._reply = None
    return compiled, general


@pytest.mark.parametrize("seed", range(40))
def test_both_paths_classify_every_frame_the_same(seed: int) -> None:
    rng = random.Random(seed)
    protocol = make_protocol(id_kind=rng.choice(["int", "str"]))
    compiled, general = sessions(protocol)
    assert compiled.dispatcher._reply is not None
    responses = 0
    for _ in range(200):
        if rng.random() < 0.5:
            for session in (compiled, general):
                session.build_request(GET_TIME, {}, now=0.0, timeout=10.0)
        ids = list(compiled.correlator._pending) or [1]
        text = random_frame(rng, ids)
        seen = describe(compiled.receive(text))
        assert seen == describe(general.receive(text)), text
        responses += seen[0] == "Response"
        assert list(compiled.correlator._pending) == list(general.correlator._pending)
        assert compiled.correlator._answered == general.correlator._answered
    assert responses >= 10  # the compiled rule was exercised, not only its refusals


def test_a_reply_is_resolved_in_one_step() -> None:
    compiled, _ = sessions(make_protocol())
    pending, _ = compiled.build_request(GET_TIME, {}, now=0.0, timeout=10.0)
    rule = compiled.dispatcher._reply
    assert rule is not None
    assert rule({"jsonrpc": "2.0", "id": pending.id, "result": 7}) == (pending, 7)
    assert rule({"jsonrpc": "2.0", "id": pending.id, "result": 7}) is None  # answered already


def test_a_frame_an_earlier_rule_may_claim_is_left_to_the_general_path() -> None:
    compiled, _ = sessions(make_protocol())
    pending, _ = compiled.build_request(GET_TIME, {}, now=0.0, timeout=10.0)
    rule = compiled.dispatcher._reply
    assert rule is not None
    ping = {"id": pending.id, "result": 1, "method": "heartbeat", "params": {"type": "test_request"}}
    error = {"id": pending.id, "result": 1, "error": {"code": 1, "message": "m"}}
    assert rule(ping) is None and rule(error) is None
    assert type(compiled.receive(json.dumps(ping))).__name__ == "PingReceived"
    assert type(compiled.receive(json.dumps(error))).__name__ == "ErrorReply"


def _with_envelope(**changes: Any) -> p.Protocol:
    protocol = make_protocol()
    return dataclasses.replace(protocol, envelope=dataclasses.replace(protocol.envelope, **changes))


def _with_ack(**changes: Any) -> p.Protocol:
    """The fake API with its subscribe method's ``ack``/``ack_when`` changed."""
    protocol = make_protocol()
    public = dataclasses.replace(protocol.subscribe_methods["public"], **changes)
    return dataclasses.replace(protocol, subscribe_methods={"public": public})


@pytest.mark.parametrize(
    "protocol",
    [
        _with_envelope(response=None),
        _with_envelope(response=p.ResponseRule(when=p.Match(equals=(("/ok", True),)))),
        _with_envelope(response=p.ResponseRule(when=p.Match(present=("/id",)), result="/r/v")),
        _with_envelope(response=p.ResponseRule(when=p.Match(present=("/id",)), id="/meta/id")),
        # An error rule that asks for nothing a reply lacks: it may claim any reply.
        _with_envelope(error=p.ErrorRule(when=p.Match(present=("/id", "/result")))),
        _with_envelope(error=p.ErrorRule(when=p.Match(absent=("/result",)))),
        # A response rule with a condition on values: more than key presence to compile.
        _with_envelope(response=p.ResponseRule(when=p.Match(one_of=(("/type", ("r",)),)))),
        _with_envelope(response=p.ResponseRule(when=p.Match(none_of=(("/type", ("e",)),)))),
        # A subscribe ack by match (tried before replies) that asks for nothing a reply lacks.
        _with_ack(ack="match", ack_when=p.Match(present=("/id", "/result"))),
    ],
)
def test_no_compiled_rule_where_it_could_decide_otherwise(protocol: p.Protocol) -> None:
    session = Session(protocol)
    assert compile_reply(protocol, session.correlator) is None
    assert session.dispatcher._reply is None


def test_a_frame_a_match_ack_may_claim_is_left_to_the_general_path() -> None:
    protocol = _with_ack(ack="match", ack_when=p.Match(present=("/id", "/result", "/type")))
    compiled, _ = sessions(protocol)
    pending, _ = compiled.build_request(GET_TIME, {}, now=0.0, timeout=10.0)
    rule = compiled.dispatcher._reply
    assert rule is not None
    ack = {"id": pending.id, "result": 1, "type": "subscribed"}
    assert rule(ack) is None
    assert type(compiled.receive(json.dumps(ack))).__name__ == "SubscribeAck"
    assert pending.id in compiled.correlator._pending  # the ack did not answer the request
    assert rule({"id": pending.id, "result": 1}) == (pending, 1)


@pytest.mark.parametrize(
    "protocol",
    [
        # ``ack_when`` is read only with ``ack="match"``: the dispatcher never tries these.
        _with_ack(ack="reply", ack_when=p.Match(present=("/id", "/result"))),
        _with_ack(ack="none", ack_when=p.Match(present=("/id", "/result"))),
        _with_ack(ack="match", ack_when=None),
    ],
)
def test_an_ack_rule_the_dispatcher_never_tries_does_not_block_the_compiled_rule(
    protocol: p.Protocol,
) -> None:
    compiled, general = sessions(protocol)
    pending, _ = compiled.build_request(GET_TIME, {}, now=0.0, timeout=10.0)
    general.build_request(GET_TIME, {}, now=0.0, timeout=10.0)
    rule = compiled.dispatcher._reply
    assert rule is not None
    reply = json.dumps({"id": pending.id, "result": 1})
    seen = describe(compiled.receive(reply))
    assert seen == describe(general.receive(reply))
    assert seen[0] == "Response"
