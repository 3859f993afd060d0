"""Request-id correlation in the sans-I/O core: which reply answers which request, an id
echoed in the other JSON type, and the bounded memory of late ids."""

from __future__ import annotations

import json
from typing import Any

import pytest
from nova_runtime.core import ErrorReply, Response, Session, StrayReply
from nova_runtime.core.correlator import Correlator

from .nova_fake_api import GET_TIME, make_protocol


def reply(id: Any, result: Any = 5) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": id, "result": result})


def session_with(n: int, id_kind: Any = "int") -> tuple[Session, list[Any]]:
    s = Session(make_protocol(id_kind=id_kind))
    return s, [s.build_request(GET_TIME, {}, now=0.0, timeout=10.0)[0] for _ in range(n)]


def test_int_counter_matches_its_id_echoed_as_a_string() -> None:
    s, pendings = session_with(8)
    out = s.receive(reply("7"))
    assert isinstance(out, Response) and out.pending is pendings[6] and out.result == 5
    error = json.dumps({"id": "3", "error": {"code": 1, "message": "no"}})
    out = s.receive(error)
    assert isinstance(out, ErrorReply) and out.pending is pendings[2]
    assert {p.id for p in s.correlator} == {1, 2, 4, 5, 6, 8}


def test_str_counter_matches_its_id_echoed_as_a_number() -> None:
    s, pendings = session_with(3, "str")
    out = s.receive(reply(2))
    assert isinstance(out, Response) and out.pending is pendings[1]
    assert {p.id for p in s.correlator} == {"1", "3"}


@pytest.mark.parametrize("echo", ["07", "+7", "7.0", " 7", "７", 7.0, True, [7], {"id": 7}])
def test_only_the_exact_decimal_form_matches(echo: Any) -> None:
    s, pendings = session_with(7)
    out = s.receive(reply(echo))
    assert isinstance(out, StrayReply) and not out.late
    assert len(s.correlator) == 7


def test_bool_id_never_answers_request_one() -> None:
    s, (first,) = session_with(1)
    assert isinstance(s.receive(reply(True)), StrayReply)
    out = s.receive(reply(1))
    assert isinstance(out, Response) and out.pending is first


def test_uuid_ids_match_only_as_sent() -> None:
    s, (pending,) = session_with(1, "uuid")
    assert isinstance(s.receive(reply(pending.id.upper())), StrayReply)
    out = s.receive(reply(pending.id))
    assert isinstance(out, Response) and out.pending is pending


def test_late_reply_echoed_in_the_other_form_is_late() -> None:
    s, pendings = session_with(2)
    assert s.expire(10.0) == pendings
    out = s.receive(reply("2"))
    assert isinstance(out, StrayReply) and out.late and out.id == "2"
    out = s.receive(reply("3"))
    assert isinstance(out, StrayReply) and not out.late


def test_late_ids_are_remembered_up_to_the_bound() -> None:
    correlator = Correlator("int", remember_late=3)
    pendings = [correlator.add("m", None, "request", 0.0, 1.0) for _ in range(5)]
    correlator.abandon(pendings[0].id)
    assert correlator.expire(1.0) == pendings[1:]
    # The three most recent late ids (3, 4, 5) are remembered; 1 and 2 are forgotten.
    assert [correlator.is_late(p.id) for p in pendings] == [False, False, True, True, True]
    assert len(correlator._late) == 3
    # More late ids push the oldest out, in the order they became late.
    more = [correlator.add("m", None, "request", 0.0, 1.0) for _ in range(2)]
    for p in more:
        correlator.abandon(p.id)
    assert [correlator.is_late(p.id) for p in pendings + more] == [False] * 4 + [True] * 3
    assert len(correlator._late) == 3


def test_session_remembers_1024_late_ids() -> None:
    s, pendings = session_with(1030)
    assert len(s.expire(10.0)) == 1030
    late = [isinstance(o := s.receive(reply(p.id)), StrayReply) and o.late for p in pendings]
    assert late == [False] * 6 + [True] * 1024
    assert len(s.correlator._late) == 1024


def test_answered_ids_are_remembered_up_to_the_bound() -> None:
    # Thousands of answers: a reply repeated for one of the last 1024 answered ids is a
    # duplicate, an older one is not; the record stays at the bound, oldest out first.
    s, pendings = session_with(3000)
    for p in pendings:
        assert isinstance(s.receive(reply(p.id)), Response)
    asked = (pendings[0], pendings[1975], pendings[1976], pendings[-1])
    again = [s.receive(reply(p.id)) for p in asked]
    assert all(isinstance(o, StrayReply) and not o.late for o in again)
    assert [o.duplicate for o in again if isinstance(o, StrayReply)] == [False, False, True, True]
    assert list(s.correlator._answered) == [p.id for p in pendings[-1024:]]


def test_detached_requests_are_not_registered() -> None:
    correlator = Correlator("int")
    detached = correlator.detached("sub", None, "subscribe", 10.0, 2.5, ("a", "b"), id="op-1")
    assert (detached.id, detached.method, detached.spec, detached.kind) == ("op-1", "sub", None, "subscribe")
    assert (detached.deadline, detached.timeout, detached.addresses) == (12.5, 2.5, ("a", "b"))
    assert detached.correlated is False and len(correlator) == 0
    assert correlator.resolve("op-1") is None and correlator.next_deadline() is None
    registered = correlator.add("m", None, "request", 10.0, 1.0)
    assert registered.correlated is True and registered.addresses == ()


def test_next_deadline_is_the_earliest_pending_one() -> None:
    correlator = Correlator("int")
    assert correlator.next_deadline() is None
    late = correlator.add("m", None, "request", 0.0, 9.0)
    early = correlator.add("m", None, "request", 0.0, 3.0)
    assert correlator.next_deadline() == 3.0
    correlator.abandon(early.id)
    assert correlator.next_deadline() == 9.0 and list(correlator) == [late]


def test_abandoning_an_unknown_id_is_harmless() -> None:
    correlator = Correlator("int")
    assert correlator.abandon(42) is None
    assert not correlator.is_late(42)


def test_defaults_and_what_a_request_entry_records() -> None:
    correlator = Correlator()  # an int counter by default
    spec = object()
    pending = correlator.add("m", spec, "request", 5.0, 1.5)  # type: ignore[arg-type]
    assert (pending.id, pending.spec, pending.deadline, pending.timeout) == (1, spec, 6.5, 1.5)
    assert pending.waiter is None and repr(pending) == "<Pending request m id=1>"
    detached = correlator.detached("m", spec, "request", 0.0, 1.0)  # type: ignore[arg-type]
    assert detached.spec is spec and detached.id is None and detached.waiter is None
