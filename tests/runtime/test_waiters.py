"""Uncorrelated replies in the sans-I/O core: ``Session.add_waiter`` with a fake clock."""

from __future__ import annotations

import json
from typing import Any

from nova_runtime.core import (
    Event,
    Notification,
    PingReceived,
    Response,
    Session,
    Unknown,
    WaiterReply,
)
from nova_runtime.errors import MalformedFrame
from nova_runtime.protocol import Match
from pydantic import TypeAdapter

from .nova_fake_api import GET_TIME, TICKER, TickerChannel, make_protocol

PONG = Match(equals=(("/event", "pong"),))
STATUS = Match(present=("/status",))


def dumps(obj: Any) -> str:
    return json.dumps(obj)


def status_of(frame: Any) -> str:
    return str(frame["status"])


def test_the_oldest_matching_waiter_gets_the_frame_in_order() -> None:
    session = Session(make_protocol())
    first = session.add_waiter(STATUS, status_of, method="a", now=0.0, timeout=5.0)
    pong = session.add_waiter(PONG, lambda f: f, method="ping", now=0.0, timeout=5.0)
    second = session.add_waiter(STATUS, status_of, method="b", now=0.0, timeout=5.0)

    out = session.receive(dumps({"status": "one"}))
    assert isinstance(out, WaiterReply) and out.waiter is first and out.result == "one"
    out = session.receive(dumps({"status": "two"}))
    assert isinstance(out, WaiterReply) and out.waiter is second and out.result == "two"
    out = session.receive(dumps({"status": "three"}))
    assert isinstance(out, Unknown)  # nobody waits any more: as before
    out = session.receive(dumps({"event": "pong"}))
    assert isinstance(out, WaiterReply) and out.waiter is pong
    assert len(session.waiters) == 0


def test_frames_of_the_sessions_own_state_are_never_offered() -> None:
    session = Session(make_protocol())
    anything = Match()  # matches every frame
    session.subscriptions.add(*_ticker())
    pending, _ = session.build_request(GET_TIME, {}, now=0.0, timeout=5.0)
    waiter = session.add_waiter(anything, lambda f: f, method="x", now=0.0, timeout=5.0)

    assert isinstance(session.receive(dumps({"id": pending.id, "result": 1})), Response)
    ping = {"method": "heartbeat", "params": {"type": "test_request"}}
    assert isinstance(session.receive(dumps(ping)), PingReceived)
    note = {"method": "subscription", "params": {"channel": "ticker.BTC-PERPETUAL.100ms",
                                                  "data": {"instrument_name": "B", "last_price": 1}}}
    assert isinstance(session.receive(dumps(note)), Notification)
    assert len(session.waiters) == 1
    out = session.receive("not json")
    assert not isinstance(out, WaiterReply)  # nothing to match on
    out = session.receive(dumps({"hello": 1}))
    assert isinstance(out, WaiterReply) and out.waiter is waiter


def test_an_event_that_answers_a_waiter_keeps_its_event() -> None:
    session = Session(make_protocol())
    session.add_waiter(Match(equals=(("/method", "heartbeat"),)), lambda f: f["params"]["type"],
                       method="x", now=0.0, timeout=5.0)
    out = session.receive(dumps({"method": "heartbeat", "params": {"type": "heartbeat"}}))
    assert isinstance(out, WaiterReply) and out.result == "heartbeat"
    assert isinstance(out.event, Event)


def test_a_reply_that_fails_to_parse_is_the_waiters_error() -> None:
    session = Session(make_protocol())
    waiter = session.add_waiter(STATUS, TypeAdapter(int).validate_python, method="n",
                                now=0.0, timeout=5.0)
    out = session.receive(dumps({"status": "x"}))
    assert isinstance(out, WaiterReply) and out.waiter is waiter
    assert isinstance(out.error, MalformedFrame) and "n: invalid reply" in str(out.error)


def test_waiters_expire_like_requests_and_fail_all_at_a_drop() -> None:
    session = Session(make_protocol())
    early = session.add_waiter(STATUS, status_of, method="a", now=0.0, timeout=1.0)
    late = session.add_waiter(STATUS, status_of, method="b", now=0.0, timeout=3.0)
    assert session.waiters.next_deadline() == 1.0
    assert session.expire_waiters(0.5) == []
    assert session.expire_waiters(1.0) == [early]
    out = session.receive(dumps({"status": "s"}))
    assert isinstance(out, WaiterReply) and out.waiter is late  # not the expired one
    again = session.add_waiter(STATUS, status_of, method="c", now=2.0, timeout=3.0)
    assert session.connection_lost() == []  # requests only
    assert session.waiters.fail_all() == [again]
    assert isinstance(session.receive(dumps({"status": "s"})), Unknown)


def test_remove_and_predicates() -> None:
    session = Session(make_protocol())
    waiter = session.add_waiter(lambda f: f == [1], lambda f: f, method="p", now=0.0, timeout=1.0)
    assert session.waiters.remove(waiter) is True
    assert session.waiters.remove(waiter) is False
    session.add_waiter(Match(equals=(("/k", [1, 2]),)), lambda f: f, method="l", now=0.0, timeout=1.0)
    assert isinstance(session.receive(dumps({"k": [1, 2]})), WaiterReply)


def test_frame_without_id() -> None:
    session = Session(make_protocol())
    assert json.loads(session.frames.build("public/hello", {"a": 1})) == {
        "jsonrpc": "2.0", "method": "public/hello", "params": {"a": 1}}


def _ticker() -> tuple[Any, Any, Any]:
    return TICKER, TickerChannel(instrument_name="BTC-PERPETUAL", interval="100ms"), object()
