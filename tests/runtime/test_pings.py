"""Client-initiated application pings with a fake clock."""

from __future__ import annotations

import json

import pytest
from nova_runtime.core import PingTracker
from nova_runtime.protocol import ClientPing, Match, Reply

TEXT_PING = ClientPing(send=Reply(text="ping"), interval=10.0, timeout=3.0, pong_text="pong")
JSON_PING = ClientPing(
    send=Reply(request="public/test"),
    interval=30.0,
    timeout=5.0,
    pong=Match(equals=(("/op", 11),)),
)


def test_due_sent_answered() -> None:
    t = PingTracker(TEXT_PING, now=100.0)
    assert t.next_due() == 110.0
    assert not t.due(109.9)
    assert t.due(110.0)
    t.sent(110.0)
    assert t.next_due() == 120.0
    assert not t.due(115.0)
    assert not t.overdue(112.9)
    t.answered(111.0)
    assert not t.overdue(1000.0)


def test_overdue_without_answer() -> None:
    t = PingTracker(TEXT_PING, now=0.0)
    t.sent(10.0)
    assert not t.overdue(12.99)
    assert t.overdue(13.0)


def test_unanswered_earlier_ping_keeps_its_deadline() -> None:
    ping = ClientPing(send=Reply(text="ping"), interval=1.0, timeout=5.0, pong_text="pong")
    t = PingTracker(ping, now=0.0)
    t.sent(1.0)
    t.sent(2.0)
    assert t.overdue(6.0)
    t.answered(6.0)
    assert not t.overdue(6.0)
    t.sent(7.0)
    assert not t.overdue(11.9) and t.overdue(12.0)


def test_set_interval() -> None:
    t = PingTracker(JSON_PING, now=0.0)
    t.set_interval(41.25)  # e.g. Discord's hello heartbeat_interval 41250 ms * 0.001
    assert t.interval == 41.25
    assert t.next_due() == 41.25
    assert not t.due(41.0) and t.due(41.25)
    with pytest.raises(ValueError):
        t.set_interval(0)


def test_text_pong() -> None:
    t = PingTracker(TEXT_PING, now=0.0)
    assert t.is_pong("pong", None)
    assert not t.is_pong("pong ", None)
    assert not t.is_pong('"pong"', "pong")


def test_json_pong() -> None:
    t = PingTracker(JSON_PING, now=0.0)
    frame = '{"op":11,"d":null}'
    assert t.is_pong(frame, json.loads(frame))
    other = '{"op":0,"t":"READY"}'
    assert not t.is_pong(other, json.loads(other))
    assert not t.is_pong('{"op":true}', {"op": True})  # JSON true is not 11
    assert not t.is_pong("pong", None)


def test_set_interval_accepts_any_positive_interval_only() -> None:
    t = PingTracker(TEXT_PING, now=0.0)
    t.set_interval(0.25)
    assert t.next_due() == 0.25
    for bad in (0.0, -1.0):
        with pytest.raises(ValueError, match=f"^a ping interval must be positive, not {bad}$"):
            t.set_interval(bad)
    assert repr(t) == "<PingTracker interval=0.25s outstanding=False>"
    t.sent(1.0)
    assert repr(t) == "<PingTracker interval=0.25s outstanding=True>"
