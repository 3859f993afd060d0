"""Unit tests of the sans-I/O core with a hand-built Deribit-like protocol."""

from __future__ import annotations

import json
import types
import uuid
from typing import Any

import pytest
from nova_runtime.core import (
    ErrorReply,
    Event,
    Malformed,
    Notification,
    PingReceived,
    Response,
    Session,
    StrayReply,
    SubscribeAck,
    SubscribeFailed,
    TemplateNotification,
    Unknown,
    compile_match,
)
from nova_runtime.errors import MalformedFrame, ServerError, SubscriptionError
from nova_runtime.pointer import (
    MISSING,
    compile_pointer,
    escape_token,
    get,
    getter,
    join_pointer,
    set_at,
    unescape_token,
)
from nova_runtime.protocol import Match

from .nova_fake_api import (
    GET_TIME,
    TICKER,
    Ticker,
    TickerChannel,
    TooManyRequests,
    make_protocol,
)


def dumps(obj: Any) -> str:
    return json.dumps(obj)


def notification(address: str, data: Any) -> str:
    return dumps(
        {
            "jsonrpc": "2.0",
            "method": "subscription",
            "params": {"channel": address, "data": data},
        }
    )


TICK = {"instrument_name": "BTC-PERPETUAL", "last_price": 64000.5}
ADDR = "ticker.BTC-PERPETUAL.100ms"
BTC = TickerChannel(instrument_name="BTC-PERPETUAL", interval="100ms")


# -- pointers and matches -------------------------------------------------------------


def test_pointer_compile_escape_and_get() -> None:
    assert compile_pointer("") == ()
    assert compile_pointer("/a~1b/c~0d") == ("a/b", "c~d")
    with pytest.raises(ValueError):
        compile_pointer("a")
    doc = {"a": {"b": [10, {"c": None}]}}
    assert get(doc, compile_pointer("/a/b/1/c")) is None
    assert get(doc, compile_pointer("/a/b/2")) is MISSING
    assert get(doc, compile_pointer("/a/b/01")) is MISSING
    assert getter("/a/b")(doc) == [10, {"c": None}]
    assert getter("/a")(doc) == {"b": [10, {"c": None}]}
    assert getter("/x/y")(doc) is MISSING
    assert getter("/a/b/0")(doc) == 10
    assert getter("")(doc) is doc
    assert getter("/a")([1]) is MISSING


def test_pointer_tokens_escape_join_and_round_trip() -> None:
    """RFC 6901 escaping, the one implementation the generator uses too."""
    for name in ("a/b", "c~d", "~1", "/~0/", "", "plain"):
        assert unescape_token(escape_token(name)) == name
        assert compile_pointer(join_pointer("/x", name)) == ("x", name)
    assert escape_token("a/b~c") == "a~1b~0c"
    assert join_pointer("", 3) == "/3"
    assert join_pointer("/schemas", "T/U") == "/schemas/T~1U"


def test_pointer_set_creates_objects_and_merges() -> None:
    doc: dict[str, Any] = {"jsonrpc": "2.0"}
    set_at(doc, compile_pointer("/params/inner/x"), 1)
    set_at(doc, (), {"merged": True})
    assert doc == {"jsonrpc": "2.0", "params": {"inner": {"x": 1}}, "merged": True}


def test_match_conditions() -> None:
    m = compile_match(Match(present=("/id",), absent=("/error",), equals=(("/v", True),)))
    assert m({"id": 1, "v": True})
    assert not m({"id": 1, "v": 1})  # JSON true is not 1
    assert not m({"id": 1, "v": True, "error": None})  # null is present
    assert not m({"v": True})
    assert compile_match(Match())({"anything": 1})
    assert compile_match(Match(equals=(("/method", "x"),)))({"method": "x"})
    assert not compile_match(Match(equals=(("/method", "x"),)))({"other": "x"})


# -- requests and correlation ------------------------------------------------------------


def test_build_request_frame() -> None:
    s = Session(make_protocol())
    pending, text = s.build_request(GET_TIME, {"a": 1}, now=100.0, timeout=5.0)
    assert json.loads(text) == {
        "jsonrpc": "2.0",
        "method": "public/get_time",
        "params": {"a": 1},
        "id": 1,
    }
    assert pending.deadline == 105.0 and pending.kind == "request" and pending.spec is GET_TIME
    pending2, _ = s.build_request(GET_TIME, {}, now=100.0, timeout=5.0)
    assert pending2.id == 2


def test_params_of_any_mapping_go_on_the_wire_as_an_object() -> None:
    # A read-only mapping is no dict: the frame holds a dict copy, which JSON can encode.
    params = types.MappingProxyType({"a": 1})
    _, text = Session(make_protocol()).build_request(GET_TIME, params, now=0, timeout=1)
    assert json.loads(text)["params"] == {"a": 1}


@pytest.mark.parametrize("kind", ["int", "str", "uuid"])
def test_id_kinds(kind: Any) -> None:
    s = Session(make_protocol(id_kind=kind))
    p1, t1 = s.build_request(GET_TIME, {}, now=0, timeout=1)
    p2, _ = s.build_request(GET_TIME, {}, now=0, timeout=1)
    assert p1.id != p2.id
    if kind == "int":
        assert (p1.id, p2.id) == (1, 2)
    elif kind == "str":
        assert (p1.id, p2.id) == ("1", "2")
    else:
        uuid.UUID(p1.id)
    assert json.loads(t1)["id"] == p1.id
    out = s.receive(dumps({"jsonrpc": "2.0", "id": p2.id, "result": 7}))
    assert isinstance(out, Response) and out.pending is p2 and out.result == 7


def test_str_counter_accepts_numeric_echo() -> None:
    s = Session(make_protocol(id_kind="str"))
    p, _ = s.build_request(GET_TIME, {}, now=0, timeout=1)
    out = s.receive(dumps({"id": 1, "result": 5}))
    assert isinstance(out, Response) and out.pending is p


def test_response_parsed_and_invalid_result_is_malformed() -> None:
    s = Session(make_protocol())
    p, _ = s.build_request(GET_TIME, {}, now=0, timeout=1)
    out = s.receive(dumps({"jsonrpc": "2.0", "id": p.id, "result": "not an int"}))
    assert isinstance(out, Malformed) and out.pending is p
    assert isinstance(out.error, MalformedFrame)


def test_late_and_unknown_replies_are_reported_not_mixed_up() -> None:
    s = Session(make_protocol())
    p1, _ = s.build_request(GET_TIME, {}, now=0.0, timeout=1.0)
    p2, _ = s.build_request(GET_TIME, {}, now=0.0, timeout=10.0)
    assert s.expire(5.0) == [p1]
    late = s.receive(dumps({"id": p1.id, "result": 1}))
    assert isinstance(late, StrayReply) and late.late and late.id == p1.id
    unknown = s.receive(dumps({"id": 999, "result": 1}))
    assert isinstance(unknown, StrayReply) and not unknown.late
    ok = s.receive(dumps({"id": p2.id, "result": 2}))
    assert isinstance(ok, Response) and ok.pending is p2
    again = s.receive(dumps({"id": p2.id, "result": 2}))
    assert isinstance(again, StrayReply) and not again.late
    p3, _ = s.build_request(GET_TIME, {}, now=0.0, timeout=10.0)
    s.abandon(p3)
    out = s.receive(dumps({"id": p3.id, "result": 3}))
    assert isinstance(out, StrayReply) and out.late


def test_error_reply_typed_by_code() -> None:
    s = Session(make_protocol())
    p, _ = s.build_request(GET_TIME, {}, now=0, timeout=1)
    out = s.receive(
        dumps(
            {
                "id": p.id,
                "error": {
                    "code": 10028,
                    "message": "too_many_requests",
                    "data": {"x": 1},
                },
            }
        )
    )
    assert isinstance(out, ErrorReply) and out.pending is p
    assert type(out.error) is TooManyRequests
    assert (out.error.code, out.error.message, out.error.data) == (
        10028,
        "too_many_requests",
        {"x": 1},
    )
    p, _ = s.build_request(GET_TIME, {}, now=0, timeout=1)
    out = s.receive(dumps({"id": p.id, "error": {"code": 1, "message": "other"}}))
    assert isinstance(out, ErrorReply) and type(out.error) is ServerError and out.error.data is None
    out = s.receive(dumps({"id": None, "error": {"code": -32700, "message": "parse error"}}))
    assert isinstance(out, ErrorReply) and out.pending is None


def test_connection_lost_fails_all_pending() -> None:
    s = Session(make_protocol())
    p1, _ = s.build_request(GET_TIME, {}, now=0, timeout=1)
    p2, _ = s.build_request(GET_TIME, {}, now=0, timeout=1)
    assert set(map(id, s.connection_lost())) == {id(p1), id(p2)}
    assert len(s.correlator) == 0


# -- classification order --------------------------------------------------------------


def test_classification_order() -> None:
    s = Session(make_protocol())
    # A server ping wins even over the event rule that also matches it.
    ping = s.receive(
        dumps(
            {
                "jsonrpc": "2.0",
                "method": "heartbeat",
                "params": {"type": "test_request"},
            }
        )
    )
    assert isinstance(ping, PingReceived)
    pending, text = s.build_reply(ping.reply, now=0.0)
    assert pending is not None and pending.kind == "internal"
    assert text is not None and json.loads(text)["method"] == "public/test"
    # The heartbeat's own answer is swallowed as an internal reply, not a user response.
    out = s.receive(dumps({"id": pending.id, "result": "ok"}))
    assert isinstance(out, Response) and out.pending.kind == "internal"
    # Error wins over response when a frame has both.
    p, _ = s.build_request(GET_TIME, {}, now=0, timeout=1)
    both = s.receive(dumps({"id": p.id, "result": 1, "error": {"code": 1, "message": "x"}}))
    assert isinstance(both, ErrorReply)
    ev = s.receive(
        dumps({"jsonrpc": "2.0", "method": "heartbeat", "params": {"type": "heartbeat"}})
    )
    assert isinstance(ev, Event) and ev.message.type == "heartbeat"
    unk = s.receive(dumps({"jsonrpc": "2.0", "method": "something_else"}))
    assert isinstance(unk, Unknown)


def test_malformed_frames_never_raise() -> None:
    s = Session(make_protocol())
    out = s.receive("{not json")
    assert isinstance(out, Malformed) and out.error.frame == "{not json"
    out = s.receive(b"\xff\xfe")
    assert isinstance(out, Malformed)
    bad_event = s.receive(dumps({"method": "heartbeat", "params": {"no_type": 1}}))
    assert isinstance(bad_event, Malformed)
    s.subscribe(TICKER, BTC, "sink", now=0, timeout=1)
    bad = s.receive(notification(ADDR, {"instrument_name": "X"}))
    assert isinstance(bad, Malformed) and ADDR in bad.error.reason
    no_addr = s.receive(dumps({"method": "subscription", "params": {"data": TICK}}))
    assert isinstance(no_addr, Unknown)


# -- channels ----------------------------------------------------------------------------


def test_channel_routing_exact_template_unknown() -> None:
    s = Session(make_protocol())
    entry, req = s.subscribe(TICKER, BTC, "sink", now=0, timeout=1)
    assert entry.address == ADDR and req is not None
    exact = s.receive(notification(ADDR, TICK))
    assert isinstance(exact, Notification) and exact.entry is entry
    assert exact.message == Ticker(instrument_name="BTC-PERPETUAL", last_price=64000.5)
    other = s.receive(notification("ticker.ETH-PERPETUAL.raw", TICK))
    assert isinstance(other, TemplateNotification) and other.spec is TICKER
    assert other.channel == TickerChannel(instrument_name="ETH-PERPETUAL", interval="raw")
    unknown = s.receive(notification("book.BTC.100ms", TICK))
    assert isinstance(unknown, Unknown) and "book.BTC.100ms" in unknown.reason
    # A template match whose parameters fail the channel type is malformed, not a crash.
    bad = s.receive(notification("ticker.ETH.1s", TICK))
    assert isinstance(bad, Malformed)


def test_subscribe_ack_and_failure() -> None:
    s = Session(make_protocol())
    entry, req = s.subscribe(TICKER, BTC, "sink", now=0, timeout=1)
    assert req is not None
    pending, text = req
    frame = json.loads(text)
    assert frame["method"] == "public/subscribe" and frame["params"] == {"channels": [ADDR]}
    assert entry.state == "pending"
    # A second consumer of the same address sends nothing.
    entry2, req2 = s.subscribe(TICKER, BTC, "sink2", now=0, timeout=1)
    assert entry2 is entry and req2 is None and entry.sinks == ["sink", "sink2"]
    ack = s.receive(dumps({"id": pending.id, "result": [ADDR]}))
    assert isinstance(ack, SubscribeAck) and ack.entries == [entry] and entry.state == "active"

    eth = TickerChannel(instrument_name="ETH", interval="raw")
    e_eth, req = s.subscribe(TICKER, eth, "sink", now=0, timeout=1)
    assert req is not None
    failed = s.receive(dumps({"id": req[0].id, "error": {"code": 11050, "message": "bad_request"}}))
    assert isinstance(failed, SubscribeFailed) and failed.entries == [e_eth]
    assert e_eth.state == "failed" and s.subscriptions.get(e_eth.address) is None

    sol = TickerChannel(instrument_name="SOL", interval="raw")
    e_sol, req = s.subscribe(TICKER, sol, "sink", now=0, timeout=1)
    assert req is not None
    refused = s.receive(dumps({"id": req[0].id, "result": []}))
    assert isinstance(refused, SubscribeAck) and refused.refused == [e_sol]
    assert isinstance(e_sol.error, SubscriptionError)


def test_unsubscribe_sends_when_last_sink_leaves() -> None:
    s = Session(make_protocol())
    entry, _ = s.subscribe(TICKER, BTC, "a", now=0, timeout=1)
    s.subscribe(TICKER, BTC, "b", now=0, timeout=1)
    assert s.unsubscribe(entry, "a", now=0, timeout=1) is None
    req = s.unsubscribe(entry, "b", now=0, timeout=1)
    assert req is not None
    frame = json.loads(req[1])
    assert frame["method"] == "public/unsubscribe" and frame["params"] == {"channels": [ADDR]}
    assert entry.state == "unsubscribed"
    assert isinstance(s.receive(notification(ADDR, TICK)), TemplateNotification)


def test_params_batching() -> None:
    for batch, expected in ((True, [["a", "b", "c"]]), (False, [["a"], ["b"], ["c"]])):
        s = Session(make_protocol(batch=batch))
        method = s.subscriptions.methods["public"]
        params = s.subscriptions.params_for(method, ["a", "b", "c"])
        assert [p["channels"] for _, p in params] == expected
        assert [list(g) for g, _ in params] == expected


@pytest.mark.parametrize("batch", [True, False])
def test_restore_plan(batch: bool) -> None:
    s = Session(make_protocol(batch=batch))
    chans = [TickerChannel(instrument_name=n, interval="raw") for n in ("A", "B", "C", "D")]
    reqs = [s.subscribe(TICKER, c, "sink", now=0, timeout=1)[1] for c in chans]
    # A active, B pending, C failed, D unsubscribed.
    s.receive(dumps({"id": reqs[0][0].id, "result": ["ticker.A.raw"]}))  # type: ignore[index]
    s.receive(dumps({"id": reqs[2][0].id, "error": {"code": 1, "message": "no"}}))  # type: ignore[index]
    entry_d = s.subscriptions.get("ticker.D.raw")
    assert entry_d is not None
    s.unsubscribe(entry_d, None, now=0, timeout=1)
    plan = s.subscriptions.restore_plan()
    if batch:
        assert [step.addresses for step in plan] == [("ticker.A.raw", "ticker.B.raw")]
        assert plan[0].params == {"channels": ["ticker.A.raw", "ticker.B.raw"]}
    else:
        assert [step.addresses for step in plan] == [
            ("ticker.A.raw",),
            ("ticker.B.raw",),
        ]
    assert all(step.method.name == "public" for step in plan)
    s.connection_lost()
    assert s.subscriptions.get("ticker.A.raw").state == "pending"  # type: ignore[union-attr]
    frames = s.restore_requests(now=0, timeout=1)
    assert len(frames) == len(plan)
    assert all(json.loads(t)["method"] == "public/subscribe" for _, t in frames)
    ack = s.receive(dumps({"id": frames[0][0].id, "result": list(frames[0][0].addresses)}))
    assert isinstance(ack, SubscribeAck) and ack.entries[0].state == "active"


def test_channel_fields_map_wire_parameters_to_attributes() -> None:
    from dataclasses import dataclass, replace

    @dataclass(frozen=True)
    class FromChannel:
        from_: str

    spec = replace(
        TICKER,
        name="trades",
        address="trades.{from}",
        parameters=("from",),
        fields=("from_",),
        channel_type=FromChannel,
    )
    s = Session(make_protocol())
    assert s.subscriptions.address_of(spec, FromChannel(from_="x")) == "trades.x"
    templates = s.subscriptions._templates  # shared by every client of the protocol: not mutated
    s.subscriptions._templates = (*templates, type(templates[0])(spec))
    hit = s.subscriptions.match_template("trades.y")
    assert hit is not None and hit[1] == FromChannel(from_="y")
