"""Core tests for structured channels, routes, acks, subscription ids and sequences."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from nova_runtime import protocol as p
from nova_runtime.core import GapNotification, Notification, Session, SubscribeAck


@dataclass(frozen=True)
class Book:
    symbol: str
    depth: int


def _proto(**method: Any) -> p.Protocol:
    book = p.ChannelSpec(
        name="book",
        address='{"channel":"book","symbol":"{symbol}"}',
        parameters=("symbol", "depth"),
        parse=lambda x: x,
        channel_type=Book,
        hook="on_book",
        via="m",
        structured={"channel": "book", "symbol": "{symbol}"},
        subscribe_params={"channel": "book", "symbol": ["{symbol}"], "depth": "{depth}"},
        when=p.Match(equals=(("/channel", "book"),)),
        route=(("channel", "/channel"), ("symbol", "/data/0/symbol")),
        sequence=p.Sequence(field="/seq"),
    )
    return p.Protocol(
        name="t",
        servers={},
        default_server=None,
        envelope=p.Envelope(
            request=p.RequestFrame(id="/req_id"),
            response=p.ResponseRule(when=p.Match(present=("/req_id", "/result")), id="/req_id"),
            notification=p.NotificationRule(
                when=p.Match(present=("/channel", "/data")), channel="/channel", payload="/data"
            ),
        ),
        requests={},
        channels=(book,),
        subscribe_methods={"m": p.SubscribeMethod(name="m", subscribe="subscribe",
                                                  unsubscribe="unsubscribe", addresses="",
                                                  batch=False, **method)},
    )


def test_structured_address_params_route_and_sequence() -> None:
    s = Session(_proto())
    spec = s.protocol.channels[0]
    entry, req = s.subscribe(spec, Book("BTC/USD", 10), "sink", now=0, timeout=1)
    assert entry.address == '{"channel":"book","symbol":"BTC/USD"}'
    assert req is not None
    frame = json.loads(req[1])
    assert frame["params"] == {"channel": "book", "symbol": ["BTC/USD"], "depth": 10}
    ack = s.receive(json.dumps({"req_id": frame["req_id"], "result": {}}))
    assert isinstance(ack, SubscribeAck) and entry.state == "active"

    def note(seq: int) -> str:
        return json.dumps({"channel": "book", "seq": seq, "data": [{"symbol": "BTC/USD"}]})

    assert isinstance(s.receive(note(1)), Notification)  # baseline
    assert isinstance(s.receive(note(2)), Notification)
    gap = s.receive(note(5))
    assert isinstance(gap, GapNotification) and (gap.expected, gap.received) == (3, 5)
    assert isinstance(s.receive(note(6)), Notification)


def test_ack_none_is_active_once_built() -> None:
    s = Session(_proto(ack="none"))
    entry, req = s.subscribe(s.protocol.channels[0], Book("X", 10), "sink", now=0, timeout=1)
    assert req is not None and not req[0].correlated and entry.state == "active"


def test_match_ack_marks_active() -> None:
    s = Session(_proto(ack="match", ack_when=p.Match(equals=(("/event", "subscribed"),)),
                       ack_address="/arg"))
    entry, req = s.subscribe(s.protocol.channels[0], Book("X", 10), "sink", now=0, timeout=1)
    assert req is not None and s.awaits_ack(req[0])
    ack = s.receive(json.dumps({"event": "subscribed", "arg": {"symbol": "X", "channel": "book"}}))
    assert isinstance(ack, SubscribeAck) and ack.pending is req[0] and entry.state == "active"


def test_subscription_id_from_reply_routes_notifications() -> None:
    proto = _proto(subscription_id="", unsubscribe_params=["{subscription_id}"])
    env = p.Envelope(
        request=proto.envelope.request,
        response=proto.envelope.response,
        notification=p.NotificationRule(when=p.Match(equals=(("/method", "sub"),)),
                                        payload="/params/result",
                                        subscription="/params/subscription"),
    )
    from dataclasses import replace

    s = Session(replace(proto, envelope=env))
    entry, req = s.subscribe(s.protocol.channels[0], Book("X", 10), "sink", now=0, timeout=1)
    assert req is not None
    s.receive(json.dumps({"req_id": req[0].id, "result": "0xabc"}))
    out = s.receive(json.dumps({"method": "sub", "params": {"subscription": "0xabc", "result": 1}}))
    assert isinstance(out, Notification) and out.entry is entry
    unsub = s.unsubscribe(entry, None, now=0, timeout=1)
    assert unsub is not None and json.loads(unsub[1])["params"] == ["0xabc"]


def test_positional_and_params_array() -> None:
    from nova_runtime.core.frames import wire_params

    spec = p.RequestSpec(name="g", method="g", parse_result=lambda x: x, positional=("a", "b", "c"))
    assert wire_params(spec, {"a": 1, "b": True}) == [1, True]
    arr = p.RequestSpec(name="s", method="s", parse_result=lambda x: x, params_array=True)
    assert wire_params(arr, {"params": ["x@trade"]}) == ["x@trade"]


def test_a_route_family_routes_only_the_frames_its_when_accepts() -> None:
    proto = _proto(ack="none")
    book = dataclasses.replace(
        proto.channels[0], sequence=None, when=p.Match(equals=(("/type", "update"),))
    )
    s = Session(dataclasses.replace(proto, channels=(book,)))
    entry, _ = s.subscribe(book, Book("X", 10), "sink", now=0, timeout=1)

    def note(kind: str) -> str:
        return json.dumps({"type": kind, "channel": "book", "data": [{"symbol": "X"}]})

    routed = s.receive(note("update"))
    assert isinstance(routed, Notification) and routed.entry is entry
    assert not isinstance(s.receive(note("snapshot")), Notification)  # same fields, other kind
