"""Pure tests of the frame builder, the address templates and the pointer helper."""

from __future__ import annotations

from typing import Any

import pytest
from nova_runtime.core.match import compile_match
from nova_runtime.protocol import (
    Envelope,
    ErrorRule,
    Match,
    NotificationRule,
    RequestFrame,
    ResponseRule,
    ServerPing,
)

from nova_gen.ir import Channel, Event, Param
from nova_gen.satisfy import Unsatisfiable, satisfy
from nova_gen.testing import Framer
from nova_gen.testing import framing as ptr
from nova_gen.testing.addresses import AddressTemplate, same_parameters

from .deribit_like import ENVELOPE, deribit_like_api


def matches(frame: Any, when: Match) -> bool:
    return (
        all(ptr.has_at(frame, p) for p in when.present)
        and not any(ptr.has_at(frame, p) for p in when.absent)
        and all(ptr.has_at(frame, p) and ptr.read_at(frame, p) == v for p, v in when.equals)
    )


def test_jsonrpc_frames() -> None:
    f = Framer(ENVELOPE)
    assert f.reply(7, {"a": 1}) == {"jsonrpc": "2.0", "id": 7, "result": {"a": 1}}
    assert f.error(8, 10020, "bad", {"x": 1}) == {
        "jsonrpc": "2.0",
        "id": 8,
        "error": {"code": 10020, "message": "bad", "data": {"x": 1}},
    }
    assert f.error(9, 1, "m") == {
        "jsonrpc": "2.0",
        "id": 9,
        "error": {"code": 1, "message": "m"},
    }
    assert f.notification("ticker.X.raw", {"p": 1}) == {
        "jsonrpc": "2.0",
        "method": "subscription",
        "params": {"channel": "ticker.X.raw", "data": {"p": 1}},
    }
    # A null result is still present, so the response rule recognises it.
    assert f.reply(1, None) == {"jsonrpc": "2.0", "id": 1, "result": None}


def test_event_and_ping_frames() -> None:
    api = deribit_like_api()
    f = Framer(api.envelope)
    assert f.event(api.events[0], {"type": "heartbeat"}) == {
        "jsonrpc": "2.0",
        "method": "heartbeat",
        "params": {"type": "heartbeat"},
    }
    assert f.server_ping(api.heartbeat.server_pings[0]) == {
        "jsonrpc": "2.0",
        "method": "heartbeat",
        "params": {"type": "test_request"},
    }
    assert (
        f.server_ping(
            ServerPing(
                when=Match(), reply=api.heartbeat.server_pings[0].reply, text="ping"
            )
        )
        == "ping"
    )


def test_op_tagged_envelope_inverts_rules() -> None:
    env = Envelope(
        template={},
        request=RequestFrame(method="/op", params="", id="/req_id"),
        response=ResponseRule(
            when=Match(equals=(("/type", "response"),), present=("/ok",)),
            id="/req_id",
            result="/data",
        ),
        error=ErrorRule(
            when=Match(equals=(("/type", "error"),)),
            id="/req_id",
            code="/code",
            message="/msg",
            data=None,
        ),
        notification=NotificationRule(
            when=Match(equals=(("/type", "update"), ("/v", 2))),
            channel="/topic",
            payload="",
        ),
    )
    f = Framer(env)
    reply = f.reply("a1", [1])
    assert reply == {"type": "response", "req_id": "a1", "data": [1], "ok": None}
    assert env.response is not None and matches(reply, env.response.when)
    err = f.error("a2", "E1", "nope", {"ignored": True})
    assert err == {"type": "error", "req_id": "a2", "code": "E1", "msg": "nope"}
    note = f.notification("trades:BTC", {"price": 1, "type": "spoofed"})
    assert note == {"type": "update", "v": 2, "topic": "trades:BTC", "price": 1}
    req = f.read_request({"op": "subscribe", "req_id": 5, "args": ["x"]})
    assert (req.method, req.id, req.has_id, req.params) == (
        "subscribe",
        5,
        True,
        {"args": ["x"]},
    )
    ev = Event("status", Match(equals=(("/type", "status"),)), "", {})
    assert f.event(ev, {"type": "other", "up": True}) == {"type": "status", "up": True}


def test_read_request_without_id() -> None:
    req = Framer(ENVELOPE).read_request({"jsonrpc": "2.0", "method": "m"})
    assert (req.method, req.has_id, req.params) == ("m", False, {})


def test_address_templates() -> None:
    ticker = deribit_like_api().channels[0]
    t = AddressTemplate(ticker)
    assert t.match("ticker.BTC-PERPETUAL.100ms") == {
        "instrument_name": "BTC-PERPETUAL",
        "interval": "100ms",
    }
    # The enum pins the last parameter, so a dotted instrument name still splits right.
    assert t.match("ticker.A.B.raw") == {"instrument_name": "A.B", "interval": "raw"}
    assert t.match("ticker.BTC-PERPETUAL.1s") is None
    assert t.match("book.BTC-PERPETUAL.100ms") is None
    assert t.match("ticker..100ms") is None
    plain = AddressTemplate(Channel("p", "a+b(c).{x}", (Param("x", {}),), "s", {}))
    assert plain.match("a+b(c).1") == {"x": "1"}
    assert plain.match("aab(c).1") is None
    assert same_parameters({"x": 1, "y": True}, {"x": "1", "y": "true"})
    assert not same_parameters({"x": 1}, {"x": "1", "y": "true"})


def test_pointer_helpers_wrap_the_runtime() -> None:
    doc: dict[str, Any] = {}
    ptr.write_at(doc, "/a/b~1c/d~0e", 1)
    assert doc == {"a": {"b/c": {"d~e": 1}}}
    assert ptr.read_at(doc, "/a/b~1c/d~0e") == 1 and ptr.has_at(doc, "/a")
    assert not ptr.has_at(doc, "/a/x") and ptr.read_at(doc, "/a/x", 7) == 7
    ptr.write_at(doc, "", {"z": 2})
    assert doc["z"] == 2
    ptr.remove_at(doc, "/a/b~1c")
    ptr.remove_at(doc, "/nope/x")
    assert doc == {"a": {}, "z": 2}
    lst: dict[str, Any] = {"l": [0, 1]}
    assert ptr.read_at(lst, "/l/1") == 1 and ptr.read_at(lst, "/l/7") is None
    # JSON null is a value, not a missing member
    assert ptr.has_at({"n": None}, "/n") and not ptr.has_at({}, "/n")
    with pytest.raises(TypeError):
        ptr.write_at(doc, "", [1])
    with pytest.raises(ValueError):
        ptr.read_at(doc, "no-slash")


def test_in_and_not_conditions_are_met_without_an_earlier_rule() -> None:
    """Home Assistant: `result` replies and errors share `type`; only `success` tells them
    apart, so the reply takes the first `in` value the error rule does not accept."""
    error = Match(one_of=(("/type", ("result", "auth_invalid")),), none_of=(("/success", (True,)),))
    response = Match(one_of=(("/type", ("result", "auth_ok", "pong")),), none_of=(("/success", (False,)),))
    env = Envelope(
        request=RequestFrame(method="/type", params="", id="/id"),
        response=ResponseRule(when=response, id="/id", result="/result"),
        error=ErrorRule(when=error, id="/id", code="/error/code", message="/error/message", data=None),
    )
    f = Framer(env)
    reply = f.reply(5, [1])
    assert reply == {"id": 5, "result": [1], "type": "auth_ok"}
    assert compile_match(response)(reply) and not compile_match(error)(reply)
    failed = f.error(6, "not_found", "no")
    assert failed["type"] == "result" and compile_match(error)(failed)
    # A value a `not` excludes is removed (a missing member meets `not`), a null `in` value kept.
    when = Match(none_of=(("/success", (False,)),), one_of=(("/x", (None, 1)),))
    assert satisfy({"success": False, "x": None}, when) == {"x": None}
    with pytest.raises(Unsatisfiable, match="no frame can meet"):
        satisfy({}, Match(equals=(("/type", "a"),), none_of=(("/type", ("a",)),)))
