"""Every outcome of the dispatcher, field by field: what a frame becomes decides what the
user sees (the message an iterator yields, the error a request raises, the frame and reason
``on_unknown_message`` gets, the text of a ``MalformedFrame``)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from nova_runtime import protocol as p
from nova_runtime.core import (
    ErrorReply,
    Event,
    GapNotification,
    Malformed,
    MatchAck,
    Notification,
    Outcome,
    PingReceived,
    Response,
    Session,
    StrayReply,
    SubscriptionEnded,
    TemplateNotification,
    Unknown,
)
from nova_runtime.core.dispatcher import Dispatcher
from nova_runtime.errors import MalformedFrame, ServerError

from .nova_fake_api import (
    GET_TIME,
    HEARTBEAT,
    TICKER,
    Heartbeat_,
    Ticker,
    TickerChannel,
    TooManyRequests,
    make_protocol,
)
from .test_structured import Book, _proto

TICK = {"instrument_name": "BTC-PERPETUAL", "last_price": 1.5}
ADDR = "ticker.BTC-PERPETUAL.100ms"


def shape(outcome: Outcome) -> tuple[Any, ...]:
    """The outcome as plain values: its type, then each field (entries by address, specs
    by name, requests by id, errors by their type and public fields)."""

    def plain(value: Any) -> Any:
        if isinstance(value, MalformedFrame):
            return ("MalformedFrame", value.reason, value.frame)
        if isinstance(value, ServerError):
            return (type(value).__name__, value.code, value.message, value.data)
        if hasattr(value, "sinks") and hasattr(value, "address"):
            return ("entry", value.address)
        if isinstance(value, (p.ChannelSpec, p.EventSpec)):
            return ("spec", value.name)
        if hasattr(value, "correlated") and hasattr(value, "id"):
            return ("pending", value.id)
        return value

    return (type(outcome).__name__, *(plain(getattr(outcome, k)) for k in outcome.__slots__))


def receive(s: Session | Dispatcher, frame: Any) -> tuple[Any, ...]:
    return shape(s.receive(frame if isinstance(frame, (str, bytes)) else json.dumps(frame)))


def subscribed() -> Session:
    s = Session(make_protocol())
    s.subscribe(TICKER, TickerChannel(instrument_name="BTC-PERPETUAL", interval="100ms"), "sink", now=0, timeout=1)
    return s


def note(address: Any, data: Any = TICK) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "method": "subscription", "params": {"channel": address, "data": data}}


# -- frames that are not JSON, pings -------------------------------------------------------


def test_not_json() -> None:
    (kind, (_, reason, frame), _) = receive(Session(make_protocol()), "{oops")
    assert (kind, frame) == ("Malformed", "{oops") and reason.startswith("frame is not JSON: ")
    assert receive(Session(make_protocol()), b"\xff")[1][2] == b"\xff"


def test_json_ping_and_its_reply() -> None:
    s = Session(make_protocol())
    ping = {"jsonrpc": "2.0", "method": "heartbeat", "params": {"type": "test_request"}}
    (reply,) = make_protocol().heartbeat.server_pings
    assert receive(s, ping) == ("PingReceived", reply.reply)


def test_text_ping_only_for_that_exact_text_frame() -> None:
    proto = make_protocol()
    pong = p.Reply(text="pong")
    text_ping = p.ServerPing(when=p.Match(), reply=pong, text="ping")
    s = Session(dataclasses.replace(proto, heartbeat=p.Heartbeat(server_pings=(text_ping,))))
    assert receive(s, "ping") == ("PingReceived", pong)
    assert receive(s, b"ping")[0] == "Malformed"  # a binary frame is not the text probe
    assert receive(s, '"ping"')[0] == "Unknown"  # nor is the JSON string


# -- replies ---------------------------------------------------------------------------------


def test_response_and_strays() -> None:
    s = Session(make_protocol())
    pending, _ = s.build_request(GET_TIME, {}, now=0, timeout=1)
    assert receive(s, {"id": pending.id, "result": 7}) == ("Response", ("pending", 1), 7)
    again = {"id": 1, "result": 7}
    assert receive(s, again) == ("StrayReply", True, again, 1, False)  # answered already
    null = {"id": None, "result": 7}
    assert receive(s, null) == ("StrayReply", False, null, None, False)


def test_a_reply_without_its_result_is_malformed_for_its_request() -> None:
    proto = make_protocol()
    env = dataclasses.replace(proto.envelope, response=p.ResponseRule(when=p.Match(present=("/id",))))
    s = Session(dataclasses.replace(proto, envelope=env))
    pending, _ = s.build_request(GET_TIME, {}, now=0, timeout=1)
    frame = {"id": pending.id, "status": "ok"}
    assert receive(s, frame) == (
        "Malformed",
        ("MalformedFrame", "public/get_time: reply has no result", frame),
        ("pending", 1),
    )


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ({"code": 10028, "message": "too_many_requests", "data": {"x": 1}},
         ("TooManyRequests", 10028, "too_many_requests", {"x": 1})),
        ({"code": "10028", "message": "as text"}, ("TooManyRequests", "10028", "as text", None)),
        ({"code": 1, "message": 5}, ("ServerError", 1, "5", None)),
        ({"message": "no code"}, ("ServerError", None, "no code", None)),
        ({"code": 2}, ("ServerError", 2, "", None)),
        ({"code": [1], "message": "odd"}, ("ServerError", [1], "odd", None)),
        ({"code": "-10028", "message": "m"}, ("ServerError", "-10028", "m", None)),
    ],
)
def test_error_replies(error: dict[str, Any], expected: tuple[Any, ...]) -> None:
    s = Session(make_protocol())
    pending, _ = s.build_request(GET_TIME, {}, now=0, timeout=1)
    frame = {"id": pending.id, "error": error}
    assert receive(s, frame) == ("ErrorReply", expected, frame, 1, ("pending", 1))
    stray = {"id": 99, "error": error}
    assert receive(s, stray) == ("ErrorReply", expected, stray, 99, None)


def test_error_classes_by_number_or_text_and_only_server_errors() -> None:
    class Negative(ServerError):
        pass

    proto = make_protocol()
    classes = {"10028": TooManyRequests, -5: Negative, 7: dict}
    d = Session(dataclasses.replace(proto, error_classes=classes)).dispatcher
    assert type(d.error_for(10028, "m", None)) is TooManyRequests  # int code, str key
    assert type(d.error_for("-5", "m", None)) is Negative  # str code, int key
    assert type(d.error_for(7, "m", None)) is ServerError  # not an exception class
    assert type(d.error_for({"a": 1}, "m", None)) is ServerError  # unhashable code
    none = Session(dataclasses.replace(proto, error_classes={})).dispatcher
    assert type(none.error_for(10028, "m", None)) is ServerError


# -- events and unknown frames ---------------------------------------------------------------


def test_events_valid_and_invalid() -> None:
    s = Session(make_protocol())
    ok = {"method": "heartbeat", "params": {"type": "heartbeat"}}
    assert receive(s, ok) == ("Event", Heartbeat_(type="heartbeat"), ("spec", HEARTBEAT.name))
    bad = {"method": "heartbeat", "params": {"kind": 1}}
    (kind, (_, reason, frame), _) = receive(s, bad)
    assert (kind, frame) == ("Malformed", bad)
    assert reason.startswith("event 'heartbeat': invalid payload: 1 validation error for ")
    assert reason.endswith("[type=missing]")  # the explanation of the model's error


def test_a_frame_no_rule_claims() -> None:
    frame = {"jsonrpc": "2.0", "method": "something_else"}
    assert receive(Session(make_protocol()), frame) == (
        "Unknown", frame, "no rule of the spec matches this frame"
    )


# -- notifications ---------------------------------------------------------------------------


def test_notification_on_a_subscribed_address() -> None:
    s = subscribed()
    assert receive(s, note(ADDR)) == (
        "Notification", ("entry", ADDR), Ticker(instrument_name="BTC-PERPETUAL", last_price=1.5)
    )
    bad = note(ADDR, {"instrument_name": "X"})
    (kind, (_, reason, frame), _) = receive(s, bad)
    assert (kind, frame) == ("Malformed", bad)
    assert reason.startswith(f"channel {ADDR!r}: invalid message: ")


def test_notification_on_a_template_address() -> None:
    s = subscribed()
    other = note("ticker.ETH.raw")
    assert receive(s, other) == (
        "TemplateNotification",
        TickerChannel(instrument_name="ETH", interval="raw"),
        Ticker(instrument_name="BTC-PERPETUAL", last_price=1.5),
        ("spec", "ticker"),
    )
    bad_params = note("ticker.ETH.1s")
    (kind, (_, reason, frame), _) = receive(s, bad_params)
    assert (kind, frame) == ("Malformed", bad_params)
    assert reason.startswith("channel 'ticker.ETH.1s': invalid address parameters: 1 validation error")
    assert "interval" in reason.removeprefix("channel 'ticker.ETH.1s'")  # names the bad parameter
    bad_message = note("ticker.ETH.raw", {"nope": 1})
    (kind, (_, reason, frame), _) = receive(s, bad_message)
    assert (kind, frame) == ("Malformed", bad_message)
    assert reason.startswith("channel 'ticker.ETH.raw': invalid message: ")


def test_notifications_no_channel_claims() -> None:
    s = subscribed()
    unknown = note("book.BTC.100ms")
    assert receive(s, unknown) == ("Unknown", unknown, "notification on unknown channel 'book.BTC.100ms'")
    no_address = {"method": "subscription", "params": {"data": TICK}}
    assert receive(s, no_address) == ("Unknown", no_address, "notification without a channel address")
    structured = note({"channel": "book", "b": 1})
    assert receive(s, structured) == (
        "Unknown", structured, 'notification on unknown channel {"b":1,"channel":"book"}'
    )


# -- structured channels: routes, acks, subscription ids, ends, sequences -----------------


def book_session(**method: Any) -> tuple[Session, Any]:
    s = Session(_proto(**method))
    entry, req = s.subscribe(s.protocol.channels[0], Book("BTC/USD", 10), "sink", now=0, timeout=1)
    assert req is not None
    return s, entry


def test_a_route_finds_the_entry_and_a_missing_route_field_does_not() -> None:
    s, entry = book_session()
    frame = {"channel": "book", "data": [{"symbol": "BTC/USD", "p": 1}]}
    assert receive(s, frame) == ("Notification", ("entry", entry.address), frame["data"])
    # Not ours, or without the routed field: then the channel pointer is all there is.
    other = {"channel": "book", "data": [{"symbol": "ETH/USD"}]}
    assert receive(s, other) == ("Unknown", other, "notification on unknown channel 'book'")
    no_symbol = {"channel": "book", "data": [{}]}
    assert receive(s, no_symbol) == ("Unknown", no_symbol, "notification on unknown channel 'book'")


def test_a_structured_address_at_the_channel_pointer() -> None:
    proto = _proto()
    (book,) = proto.channels
    channel = dataclasses.replace(book, route=(), when=None, sequence=None, parse=strict)
    s = Session(dataclasses.replace(proto, channels=(channel,)))
    entry, _ = s.subscribe(s.protocol.channels[0], Book("BTC/USD", 10), "sink", now=0, timeout=1)
    frame = {"channel": {"symbol": "BTC/USD", "channel": "book"}, "data": [1]}
    assert receive(s, frame) == ("Notification", ("entry", entry.address), [1])
    bad = {"channel": {"symbol": "BTC/USD", "channel": "book"}, "data": "bad"}
    (kind, (_, reason, got), _) = receive(s, bad)
    assert (kind, got) == ("Malformed", bad)
    assert reason == f"channel {entry.address!r}: invalid message: not a message"


def test_match_acks_carry_the_canonical_address_and_the_frame() -> None:
    s, entry = book_session(
        ack="match", ack_when=p.Match(equals=(("/event", "subscribed"),)), ack_address="/arg"
    )
    frame = {"event": "subscribed", "arg": {"symbol": "BTC/USD", "channel": "book"}}
    d = Dispatcher(s.protocol, s.correlator, s.subscriptions)
    assert receive(d, frame) == ("MatchAck", entry.address, frame)
    text_ack = {"event": "subscribed", "arg": "book.BTC"}
    assert receive(d, text_ack) == ("MatchAck", "book.BTC", text_ack)


def test_subscription_ids_route_and_end_subscriptions() -> None:
    proto = _proto(subscription_id="", end_when=p.Match(equals=(("/method", "end"),)))
    env = dataclasses.replace(
        proto.envelope,
        notification=p.NotificationRule(
            when=p.Match(equals=(("/method", "sub"),)), payload="/params/result",
            subscription="/params/subscription",
        ),
    )
    s = Session(dataclasses.replace(proto, envelope=env))
    entry, req = s.subscribe(s.protocol.channels[0], Book("X", 10), "sink", now=0, timeout=1)
    assert req is not None
    s.receive(json.dumps({"req_id": req[0].id, "result": {"id": [1, 2]}}))  # an object id
    frame = {"method": "sub", "params": {"subscription": {"id": [1, 2]}, "result": 5}}
    assert receive(s, frame) == ("Notification", ("entry", entry.address), 5)
    unknown = {"method": "sub", "params": {"subscription": "0xother", "result": 5}}
    assert receive(s, unknown) == ("Unknown", unknown, "notification for an unknown subscription id")
    end = {"method": "end", "params": {"subscription": {"id": [1, 2]}}}
    assert receive(s, end) == ("SubscriptionEnded", ("entry", entry.address), end)
    end_unknown = {"method": "end", "params": {"subscription": "0xother"}}
    assert receive(s, end_unknown)[0] == "Unknown"


def test_gap_outcomes_carry_the_message_and_both_values() -> None:
    s, entry = book_session()
    (pending,) = [q for q in s.correlator]
    s.receive(json.dumps({"req_id": pending.id, "result": {}}))

    def book(seq: Any) -> dict[str, Any]:
        return {"channel": "book", "seq": seq, "data": [{"symbol": "BTC/USD", "n": seq}]}

    addr = ("entry", entry.address)
    assert receive(s, book(1)) == ("Notification", addr, book(1)["data"])
    assert receive(s, book(4)) == ("GapNotification", addr, 2, book(4)["data"], 4)
    no_seq = {"channel": "book", "data": [{"symbol": "BTC/USD"}]}
    assert receive(s, no_seq) == ("Notification", addr, no_seq["data"])
    # A value that is not an int (or is a bool) is a gap after an int, then cannot be a
    # baseline: the frames after it are delivered unchecked until an int comes again.
    assert receive(s, book("x")) == ("GapNotification", addr, 5, book("x")["data"], "x")
    assert receive(s, book(True)) == ("Notification", addr, book(True)["data"])
    assert receive(s, book(2)) == ("Notification", addr, book(2)["data"])
    assert receive(s, book(3)) == ("Notification", addr, book(3)["data"])


def test_outcome_reprs_name_every_field() -> None:
    assert repr(Unknown({"a": 1}, "why")) == "Unknown(frame={'a': 1}, reason='why')"
    assert isinstance(GapNotification, type) and issubclass(MatchAck, Outcome)
    for cls in (Notification, Response, StrayReply, Event, Malformed, PingReceived,
                SubscriptionEnded, TemplateNotification, ErrorReply):
        assert issubclass(cls, Outcome)


# -- the rarer paths: sequences on string addresses, families, shared id fields ----------


def sequenced_ticker(previous: str | None = None) -> Session:
    proto = make_protocol()
    seq = p.Sequence(field="/params/data/seq", previous=previous)
    s = Session(dataclasses.replace(proto, channels=(dataclasses.replace(TICKER, sequence=seq),)))
    s.subscribe(s.protocol.channels[0], TickerChannel(instrument_name="BTC-PERPETUAL", interval="100ms"), "x", now=0, timeout=1)
    return s


def test_sequenced_string_addresses() -> None:
    s = sequenced_ticker()
    tick = {**TICK, "seq": 1}
    message = Ticker(instrument_name="BTC-PERPETUAL", last_price=1.5, seq=1)
    assert receive(s, note(ADDR, tick)) == ("Notification", ("entry", ADDR), message)
    jump = {**TICK, "seq": 3}
    assert receive(s, note(ADDR, jump)) == ("GapNotification", ("entry", ADDR), 2, Ticker(**jump), 3)
    bad = note(ADDR, {"seq": 4})
    (kind, (_, reason, frame), _) = receive(s, bad)
    assert (kind, frame) == ("Malformed", bad)
    assert reason.startswith(f"channel {ADDR!r}: invalid message: ")


def test_a_frame_without_its_previous_value_is_delivered_unchecked() -> None:
    s = sequenced_ticker(previous="/params/prev")
    first = note(ADDR, {**TICK, "seq": 10})
    assert receive(s, first)[0] == "Notification"
    no_prev = note(ADDR, {**TICK, "seq": 12})
    assert receive(s, no_prev) == ("Notification", ("entry", ADDR), Ticker(**{**TICK, "seq": 12}))
    with_prev = note(ADDR, {**TICK, "seq": 14})
    with_prev["params"]["prev"] = 11
    assert receive(s, with_prev) == ("GapNotification", ("entry", ADDR), 12, Ticker(**{**TICK, "seq": 14}), 11)


def strict(payload: Any) -> Any:
    if payload == "bad":
        raise ValueError("not a message")
    return payload


def families() -> Session:
    """Two routed families without ``when``: a book by (channel, symbol), a trade by
    (channel, pair); a trade frame has no symbol, so only the second family routes it."""
    proto = _proto()
    (book,) = proto.channels
    book = dataclasses.replace(book, when=None, sequence=None, parse=strict)
    trade = dataclasses.replace(
        book,
        name="trade",
        address='{"channel":"trade","pair":"{symbol}"}',
        structured={"channel": "trade", "pair": "{symbol}"},
        subscribe_params=None,
        route=(("channel", "/channel"), ("pair", "/pair")),
    )
    s = Session(dataclasses.replace(proto, channels=(book, trade)))
    s.subscribe(book, Book("BTC", 1), "x", now=0, timeout=1)
    s.subscribe(trade, Book("ETH", 1), "x", now=0, timeout=1)
    return s


def test_route_families_are_tried_in_turn() -> None:
    s = families()
    trade = {"channel": "trade", "pair": "ETH", "data": "t"}
    assert receive(s, trade) == ("Notification", ("entry", '{"channel":"trade","pair":"ETH"}'), "t")
    book = {"channel": "book", "data": [{"symbol": "BTC"}]}
    assert receive(s, book)[:2] == ("Notification", ("entry", '{"channel":"book","symbol":"BTC"}'))
    bad = {"channel": "trade", "pair": "ETH", "data": "bad"}
    (kind, (_, reason, frame), _) = receive(s, bad)
    assert (kind, frame) == ("Malformed", bad)
    assert reason == """channel '{"channel":"trade","pair":"ETH"}': invalid message: not a message"""


def graphql_like() -> tuple[Session, Any]:
    """Replies and notifications share the ``id`` field; notifications route by it."""
    proto = _proto(subscription_id="request", ack="none")
    (book,) = proto.channels
    env = p.Envelope(
        request=p.RequestFrame(id="/id"),
        response=p.ResponseRule(when=p.Match(present=("/id", "/payload")), id="/id", result="/payload"),
        notification=p.NotificationRule(
            when=p.Match(equals=(("/type", "next"),)), channel="/id", payload="/payload", subscription="/id"
        ),
    )
    channel = dataclasses.replace(book, sequence=None, route=(), when=None, parse=strict)
    s = Session(dataclasses.replace(proto, envelope=env, channels=(channel,)))
    entry, _ = s.subscribe(channel, Book("X", 1), "x", now=0, timeout=1)
    return s, entry


def test_a_reply_shaped_notification_routed_by_its_id() -> None:
    s, entry = graphql_like()
    frame = {"id": entry.sub_id, "type": "next", "payload": {"n": 1}}
    assert receive(s, frame) == ("Notification", ("entry", entry.address), {"n": 1})
    bad = {"id": entry.sub_id, "type": "next", "payload": "bad"}
    (kind, (_, reason, got), _) = receive(s, bad)
    assert (kind, got) == ("Malformed", bad)
    assert reason == f"channel {entry.address!r}: invalid message: not a message"
    # A real reply to a request with the same shape is still a reply.
    pending, _ = s.build_request(GET_TIME, {}, now=0, timeout=1)
    reply = {"id": pending.id, "type": "next", "payload": 5}
    assert receive(s, reply)[0] == "Response"
    # Not ours and not a notification: a stray reply.
    other = {"id": 99, "type": "complete", "payload": 1}
    assert receive(s, other) == ("StrayReply", False, other, 99, False)


def test_an_envelope_without_some_rules_never_tries_them() -> None:
    bare = p.Protocol(
        name="bare", servers={}, default_server=None,
        envelope=p.Envelope(error=p.ErrorRule(when=p.Match(present=("/error",)), data=None)),
        requests={}, channels=(), subscribe_methods={},
    )
    s = Session(bare)
    frame = {"id": 1, "result": 2, "method": "subscription", "params": {"channel": "x"}}
    assert receive(s, frame) == ("Unknown", frame, "no rule of the spec matches this frame")
    error = {"error": {"code": 1, "message": "m", "data": {"d": 1}}}
    assert receive(s, error)[:3] == ("ErrorReply", ("ServerError", 1, "m", None), error)
    assert receive(s, error)[4] is None


def test_describe_and_repr() -> None:
    d = Session(make_protocol()).dispatcher
    assert Dispatcher.describe("x" * 200) == "x" * 200
    assert Dispatcher.describe("x" * 201) == "x" * 200 + "…"
    assert Dispatcher.describe({"a": 1}) == "{'a': 1}"
    assert repr(d) == "<Dispatcher pings=1 events=1>"
    text_ping = p.ServerPing(when=p.Match(), reply=p.Reply(text="pong"), text="ping")
    both = make_protocol()
    both = dataclasses.replace(both, heartbeat=p.Heartbeat(server_pings=(*both.heartbeat.server_pings, text_ping)))
    assert repr(Session(both).dispatcher) == "<Dispatcher pings=2 events=1>"


def test_odd_error_codes_fall_back_to_server_error() -> None:
    d = Session(make_protocol()).dispatcher
    for code in ("X7", "-", "", "7.0"):
        assert type(d.error_for(code, "m", None)) is ServerError


def test_match_acks_only_for_match_methods_and_the_whole_frame_without_an_address() -> None:
    when = p.Match(equals=(("/event", "subscribed"),))
    frame = {"event": "subscribed", "arg": "x"}
    s = Session(_proto(ack="match", ack_when=when))  # no ack_address: the frame is the key
    d = Dispatcher(s.protocol, s.correlator, s.subscriptions)
    assert receive(d, frame) == ("MatchAck", '{"arg":"x","event":"subscribed"}', frame)
    reply = Session(_proto(ack="reply", ack_when=when))  # not a match method: no match acks
    assert receive(reply.dispatcher, frame)[0] == "Unknown"


class ByText(ServerError):
    pass


class ByLongerText(ServerError):
    pass


class Base(ServerError):
    pass


def text_dispatcher(**classes: Any) -> Dispatcher:
    table = {"EOrder": ByText, "EOrder:Unknown order": ByLongerText, "Exceeded msg rate": ByText}
    proto = dataclasses.replace(make_protocol(), error_classes={**table, **classes}, base_error=Base)
    return Session(proto).dispatcher


@pytest.mark.parametrize(
    ("code", "message", "expected"),
    [
        ("Exceeded msg rate", "m", ByText),  # equals a key
        ("EOrder", "m", ByText),
        ("EOrder:Unknown order", "m", ByLongerText),  # equals the longer key
        ("EOrder:Unknown order:id 7", "m", ByLongerText),  # the longest key it starts with
        ("EOrder : no funds", "m", ByText),  # spaces before the colon
        ("EOrder:Insufficient funds:need 3:more", "m", ByText),
        (" EOrder:x", "m", Base),  # does not start with the key
        ("EOrderX:x", "m", Base),
        ("Unknown order:EOrder", "m", Base),  # the key later in the text
        (None, "EOrder:Unknown order: 7", ByLongerText),  # no code: the message decides
        (None, "Exceeded msg rate", ByText),  # a message equal to a key (Bybit's ret_msg)
        (None, "", Base),
        (5, "EOrder:Unknown order", Base),  # a code that is not text: the message is not used
        ("EOrder" + ":x" * 8, "m", ByText),  # at most 8 parts are stripped
        ("EOrder" + ":x" * 9, "m", Base),
    ],
)
def test_error_classes_by_text_key(code: Any, message: str, expected: type) -> None:
    error = text_dispatcher().error_for(code, message, None)
    assert type(error) is expected
    assert (error.code, error.message) == (code, message)


def test_error_class_text_keys_are_bounded_and_must_be_server_errors() -> None:
    long_key = "E" * 257
    d = text_dispatcher(**{long_key: ByText, "NotAnError": dict, "NotAType": 7})
    assert type(d.error_for(long_key, "m", None)) is ByText  # equal: looked up as a code
    assert type(d.error_for(long_key + ":x", "m", None)) is Base  # only 256 characters read
    assert type(d.error_for("NotAnError:x", "m", None)) is Base
    assert type(d.error_for("NotAType:x", "m", None)) is Base
    proto = dataclasses.replace(make_protocol(), error_classes={}, base_error=dict)  # type: ignore[arg-type]
    assert type(Session(proto).dispatcher.error_for("x", "m", None)) is ServerError


def test_an_error_carries_the_whole_reply() -> None:
    s = Session(make_protocol())
    pending, _ = s.build_request(GET_TIME, {}, now=0, timeout=1)
    frame = {"id": pending.id, "error": {"code": 1, "message": "bad"}, "usIn": 7}
    out = s.receive(json.dumps(frame))
    assert isinstance(out, ErrorReply) and out.error.reply == frame


@pytest.mark.parametrize(
    ("code", "matches"),
    [
        (-32602, True),  # JSON-RPC codes below zero, keyed as text
        (10**18 - 1, True),
        (-(10**18) + 1, True),
        (10**18, False),  # beyond: never turned into text (a 5000-digit code costs nothing)
        (-(10**18), False),
    ],
)
def test_an_int_code_matches_its_decimal_text_key_within_bounds(code: int, matches: bool) -> None:
    proto = dataclasses.replace(make_protocol(), error_classes={str(code): ByText})
    error = Session(proto).dispatcher.error_for(code, "m", None)
    assert (type(error) is ByText) is matches


# -- raw text and binary events (payloads that are not JSON objects) --------------------------


def _text(payload: Any) -> str:
    if not isinstance(payload, str) or payload.startswith("bad"):
        raise ValueError(f"not a text payload: {payload!r}")
    return payload


def _binary(payload: Any) -> bytes:
    if not isinstance(payload, bytes):
        raise ValueError("not bytes")
    return payload


TEXT = p.EventSpec(name="text", when=p.Match(), payload="", parse=_text, hook="on_text", frame="text")
TEXT_2 = p.EventSpec(name="text_2", when=p.Match(), payload="", parse=str, hook="on_text_2", frame="text")
BINARY = p.EventSpec(name="blob", when=p.Match(), payload="", parse=_binary, hook="on_blob", frame="binary")


def raw_session(*events: p.EventSpec[Any]) -> Session:
    proto = make_protocol()
    return Session(dataclasses.replace(proto, events=(HEARTBEAT, *events)))


def test_a_text_event_takes_text_no_json_rule_takes_as_it_is() -> None:
    s = raw_session(TEXT, TEXT_2, BINARY)
    assert receive(s, "hello world") == ("Event", "hello world", ("spec", "text"))
    # JSON that no rule matches is still text, delivered as written (not re-encoded)
    assert receive(s, '{"x": 1}') == ("Event", '{"x": 1}', ("spec", "text"))
    # JSON rules come first: a heartbeat stays a heartbeat, an invalid one stays malformed
    ok = {"method": "heartbeat", "params": {"type": "heartbeat"}}
    assert receive(s, ok) == ("Event", Heartbeat_(type="heartbeat"), ("spec", HEARTBEAT.name))
    assert receive(s, {"method": "heartbeat", "params": {"kind": 1}})[0] == "Malformed"
    # the first text event of the spec takes the frame; its parser's error makes it malformed
    (kind, (_, reason, frame), _) = receive(s, "bad text")
    assert (kind, frame) == ("Malformed", "bad text")
    assert reason.startswith("event 'text': invalid payload: not a text payload")


def test_a_binary_event_takes_every_binary_frame_before_json() -> None:
    s = raw_session(BINARY, TEXT)
    heartbeat = json.dumps({"method": "heartbeat", "params": {"type": "heartbeat"}}).encode()
    assert receive(s, b"\x00\x01") == ("Event", b"\x00\x01", ("spec", "blob"))
    assert receive(s, heartbeat) == ("Event", heartbeat, ("spec", "blob"))
    assert receive(s, "plain") == ("Event", "plain", ("spec", "text"))


def test_without_an_event_for_its_kind_a_raw_frame_is_what_it_was() -> None:
    only_text = raw_session(TEXT)
    (kind, (_, reason, frame), _) = receive(only_text, b"\xff")
    assert (kind, frame) == ("Malformed", b"\xff") and reason.startswith("frame is not JSON: ")
    only_binary = raw_session(BINARY)
    (kind, (_, reason, frame), _) = receive(only_binary, "plain")
    assert (kind, frame) == ("Malformed", "plain") and reason.startswith("frame is not JSON: ")
    unmatched = {"jsonrpc": "2.0", "method": "something_else"}
    assert receive(only_binary, unmatched)[0] == "Unknown"


def test_a_text_ping_is_answered_before_a_text_event_sees_it() -> None:
    proto = make_protocol()
    pong = p.Reply(text="pong")
    text_ping = p.ServerPing(when=p.Match(), reply=pong, text="ping")
    s = Session(
        dataclasses.replace(
            proto, events=(HEARTBEAT, TEXT), heartbeat=p.Heartbeat(server_pings=(text_ping,))
        )
    )
    assert receive(s, "ping") == ("PingReceived", pong)
    assert receive(s, "pong") == ("Event", "pong", ("spec", "text"))


def test_notifications_on_subscribed_addresses_are_not_text_events() -> None:
    s = raw_session(TEXT)
    s.subscribe(TICKER, TickerChannel(instrument_name="BTC-PERPETUAL", interval="100ms"), "sink", now=0, timeout=1)
    assert receive(s, note(ADDR))[0] == "Notification"
