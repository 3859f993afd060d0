"""How the sans-I/O session acknowledges subscriptions and answers waiters: uncorrelated
match acks (one request carrying several addresses), refusals, deadlines (``settle``),
subscriptions whose id is the request id (GraphQL), and what a waiter receives."""

from __future__ import annotations

import dataclasses
import json

from nova_runtime import protocol as p
from nova_runtime.core import ErrorReply, Event, Malformed, Response, Session, SubscribeAck
from nova_runtime.core.outcomes import SubscribeFailed, WaiterReply
from nova_runtime.errors import SubscriptionError
from pydantic import TypeAdapter

from .nova_fake_api import GET_TIME, TICKER, TickerChannel, make_protocol
from .test_structured import Book, _proto


def match_session() -> Session:
    proto = _proto(
        ack="match", ack_when=p.Match(equals=(("/event", "subscribed"),)), ack_address="/arg"
    )
    method = dataclasses.replace(proto.subscribe_methods["m"], batch=True, addresses="/args")
    return Session(dataclasses.replace(proto, subscribe_methods={"m": method}))


def acked(symbol: str) -> str:
    return json.dumps({"event": "subscribed", "arg": {"channel": "book", "symbol": symbol}})


def test_one_request_is_done_when_every_address_it_carried_is_acked() -> None:
    s = match_session()
    spec = s.protocol.channels[0]
    btc, req = s.subscribe(spec, Book("BTC", 1), "sink", now=0, timeout=5)
    assert req is not None
    pending, text = req
    assert json.loads(text)["req_id"] == pending.id  # an id, so a refusal can name it
    assert s.awaits_ack(pending)
    # Resubscribe both after a reconnect: one batched request for two addresses.
    eth, _ = s.subscribe(spec, Book("ETH", 1), "sink", now=0, timeout=5)
    ((restore, _),) = [r for r in s.restore_requests(now=1, timeout=5) if len(r[0].addresses) == 2]
    first = s.receive(acked("ETH"))
    assert isinstance(first, SubscribeAck) and first.entries == [eth] and first.refused == []
    assert first.pending is not restore and first.pending.correlated is False  # not done yet
    assert s.awaits_ack(restore) and btc.state == "pending"
    second = s.receive(acked("BTC"))
    assert isinstance(second, SubscribeAck) and second.pending is restore and second.entries == [btc]
    # Acked by the match: no reply is due, and a late one is not "late".
    assert restore.id not in {q.id for q in s.correlator}
    stray = s.receive(json.dumps({"req_id": restore.id, "result": {}}))
    assert type(stray).__name__ == "StrayReply" and stray.late is False  # type: ignore[attr-defined]


def test_settle_reports_whether_the_request_still_waited() -> None:
    s = match_session()
    spec = s.protocol.channels[0]
    _, req = s.subscribe(spec, Book("BTC", 1), "sink", now=0, timeout=5)
    assert req is not None
    pending = req[0]
    assert s.settle(pending) is True  # it waited for its ack (and had an id)
    assert s.settle(pending) is False  # forgotten: nothing waits any more
    late = s.receive(json.dumps({"req_id": pending.id, "result": {}}))
    assert late.late is True  # type: ignore[attr-defined]
    reply_ack = Session(_proto())  # acked by a correlated reply only
    _, req = reply_ack.subscribe(spec, Book("X", 1), "sink", now=0, timeout=5)
    assert req is not None and reply_ack.settle(req[0]) is True and reply_ack.settle(req[0]) is False
    none_ack = Session(_proto(ack="none"))
    _, req = none_ack.subscribe(spec, Book("X", 1), "sink", now=0, timeout=5)
    assert req is not None and none_ack.settle(req[0]) is False and not none_ack.awaits_ack(req[0])


def test_a_refusal_carrying_the_request_id_fails_every_address() -> None:
    proto = _proto(ack="match", ack_when=p.Match(equals=(("/event", "subscribed"),)), ack_address="/arg")
    env = dataclasses.replace(
        proto.envelope,
        error=p.ErrorRule(when=p.Match(equals=(("/event", "error"),)), id="/req_id", code="/code", message="/msg"),
    )
    s = Session(dataclasses.replace(proto, envelope=env))
    entry, req = s.subscribe(s.protocol.channels[0], Book("BTC", 1), "sink", now=0, timeout=5)
    assert req is not None
    out = s.receive(json.dumps({"event": "error", "req_id": req[0].id, "code": 60012, "msg": "bad"}))
    assert isinstance(out, SubscribeFailed) and out.pending is req[0] and out.entries == [entry]
    assert (out.error.code, out.error.message) == (60012, "bad")
    assert entry.state == "failed"
    # A later ack for that address changes nothing.
    again = s.receive(acked("BTC"))
    assert isinstance(again, SubscribeAck) and again.entries == [] and again.pending.correlated is False


def test_addresses_the_server_did_not_list_are_refused() -> None:
    s = Session(make_protocol(batch=True))
    btc, _ = s.subscribe(TICKER, TickerChannel(instrument_name="BTC", interval="raw"), "a", now=0, timeout=5)
    eth, _ = s.subscribe(TICKER, TickerChannel(instrument_name="ETH", interval="raw"), "b", now=0, timeout=5)
    ((pending, _),) = s.restore_requests(now=1, timeout=5)
    out = s.receive(json.dumps({"id": pending.id, "result": [btc.address]}))
    assert isinstance(out, SubscribeAck) and out.entries == [btc] and out.refused == [eth]
    assert isinstance(eth.error, SubscriptionError)
    assert str(eth.error) == f"{eth.address}: the server did not confirm the subscription"
    assert eth.error.address == eth.address


def test_an_invalid_result_is_malformed_with_the_result_as_frame() -> None:
    s = Session(make_protocol())
    pending, _ = s.build_request(GET_TIME, {}, now=0, timeout=1)
    out = s.receive(json.dumps({"id": pending.id, "result": {"not": "an int"}}))
    assert isinstance(out, Malformed) and out.pending is pending
    assert out.error.reason.startswith("public/get_time: invalid result: 1 validation error for ")
    assert out.error.frame == {"not": "an int"}


def test_request_id_subscriptions_graphql_style() -> None:
    proto = _proto(subscription_id="request", ack="none")
    s = Session(proto)
    spec = s.protocol.channels[0]
    entry, req = s.subscribe(spec, Book("X", 1), "sink", now=0, timeout=5)
    assert req is not None
    pending, text = req
    assert json.loads(text)["req_id"] == 1 == pending.id == entry.sub_id
    assert entry.state == "active" and not pending.correlated and pending.kind == "subscribe"
    assert s.subscriptions.by_id == {1: entry}
    unsub = s.unsubscribe(entry, "sink", now=0, timeout=5)
    assert unsub is not None
    upending, utext = unsub
    assert json.loads(utext)["req_id"] == 1 and upending.kind == "unsubscribe"
    assert upending.method == "unsubscribe" and upending.addresses == (entry.address,)


def test_an_error_for_an_operation_id_fails_that_subscription() -> None:
    proto = _proto(subscription_id="request", ack="none")
    env = dataclasses.replace(
        proto.envelope,
        error=p.ErrorRule(when=p.Match(equals=(("/type", "error"),)), id="/id", code="/code", message="/msg"),
    )
    s = Session(dataclasses.replace(proto, envelope=env))
    entry, _ = s.subscribe(s.protocol.channels[0], Book("X", 1), "sink", now=0, timeout=5)
    out = s.receive(json.dumps({"type": "error", "id": 1, "code": 400, "msg": "bad query"}))
    assert isinstance(out, SubscribeFailed) and out.entries == [entry]
    assert out.pending.correlated is False and entry.state == "failed"
    assert entry.error is out.error and (out.error.code, out.error.message) == (400, "bad query")
    other = s.receive(json.dumps({"type": "error", "id": 99, "code": 400, "msg": "x"}))
    assert isinstance(other, ErrorReply) and other.pending is None


def test_waiters_get_the_frame_parsed_or_the_parse_error() -> None:
    s = Session(make_protocol())
    ok = s.add_waiter(p.Match(equals=(("/op", "pong"),)), TypeAdapter(dict).validate_python, method="ping", now=0, timeout=5)
    bad = s.add_waiter(p.Match(equals=(("/op", "x"),)), TypeAdapter(int).validate_python, method="x", now=0, timeout=5)
    out = s.receive(json.dumps({"op": "pong", "n": 1}))
    assert isinstance(out, WaiterReply) and out.waiter is ok
    assert (out.result, out.error, out.event) == ({"op": "pong", "n": 1}, None, None)
    out = s.receive(json.dumps({"op": "x"}))
    assert isinstance(out, WaiterReply) and out.waiter is bad and out.result is None
    assert out.error is not None and out.error.reason.startswith("x: invalid reply: 1 validation error for ")
    assert out.error.frame == {"op": "x"}
    # A frame that is also an event reaches the waiter and keeps its event.
    beat = s.add_waiter(p.Match(equals=(("/method", "heartbeat"),)), lambda f: f, method="hb", now=0, timeout=5)
    out = s.receive(json.dumps({"method": "heartbeat", "params": {"type": "heartbeat"}}))
    assert isinstance(out, WaiterReply) and out.waiter is beat and isinstance(out.event, Event)


def test_replies_to_our_requests_are_never_offered_to_waiters() -> None:
    s = Session(make_protocol())
    s.add_waiter(lambda f: True, lambda f: f, method="any", now=0, timeout=5)
    pending, _ = s.build_request(GET_TIME, {}, now=0, timeout=1)
    assert isinstance(s.receive(json.dumps({"id": pending.id, "result": 1})), Response)
    pending, _ = s.build_request(GET_TIME, {}, now=0, timeout=1)
    error = s.receive(json.dumps({"id": pending.id, "error": {"code": 1, "message": "m"}}))
    assert isinstance(error, ErrorReply) and error.pending is pending
    pending, _ = s.build_request(GET_TIME, {}, now=0, timeout=1)
    bad = s.receive(json.dumps({"id": pending.id, "result": "x"}))
    assert isinstance(bad, Malformed) and bad.pending is pending
    # Anything else goes to the waiter, even a frame that is not JSON-object shaped.
    assert isinstance(s.receive(json.dumps([1, 2])), WaiterReply)
    assert len(s.waiters) == 0


def test_subscribe_and_unsubscribe_frames_in_every_ack_mode() -> None:
    book = Book("BTC", 1)
    params = {"channel": "book", "symbol": ["BTC"], "depth": 1}
    # ack: reply (an id, correlated).
    s = Session(_proto())
    entry, req = s.subscribe(s.protocol.channels[0], book, "x", now=0, timeout=5)
    assert req is not None and json.loads(req[1]) == {"method": "subscribe", "params": params, "req_id": 1}
    assert (req[0].method, req[0].kind, req[0].addresses, req[0].correlated) == (
        "subscribe", "subscribe", (entry.address,), True
    )
    # ack: none (no id: active once sent).
    s = Session(_proto(ack="none"))
    entry, req = s.subscribe(s.protocol.channels[0], book, "x", now=2.0, timeout=5)
    assert req is not None and json.loads(req[1]) == {"method": "subscribe", "params": params}
    assert (req[0].method, req[0].kind, req[0].deadline, req[0].addresses) == (
        "subscribe", "subscribe", 7.0, (entry.address,)
    )
    unsub = s.unsubscribe(entry, "x", now=0, timeout=5)
    assert unsub is not None and json.loads(unsub[1]) == {"method": "unsubscribe", "params": params}
    assert (unsub[0].method, unsub[0].kind) == ("unsubscribe", "unsubscribe")
    # ack: match (an id, so a refusal can name the request).
    s = match_session()
    entry, req = s.subscribe(s.protocol.channels[0], book, "x", now=0, timeout=5)
    assert req is not None
    assert json.loads(req[1]) == {"method": "subscribe", "params": {"args": [params]}, "req_id": 1}
    assert (req[0].method, req[0].kind, req[0].addresses) == ("subscribe", "subscribe", (entry.address,))
    # subscription_id: request (the request id names the subscription).
    s = Session(_proto(subscription_id="request", ack="none"))
    entry, req = s.subscribe(s.protocol.channels[0], book, "x", now=0, timeout=5)
    assert req is not None and json.loads(req[1]) == {"method": "subscribe", "params": params, "req_id": 1}
    assert (req[0].method, req[0].addresses) == ("subscribe", (entry.address,))
    unsub = s.unsubscribe(entry, None, now=0, timeout=5)
    # The reused id says which operation ends: no params.
    assert unsub is not None and json.loads(unsub[1]) == {"method": "unsubscribe", "req_id": 1}


def test_unsubscribing_a_whole_address_only_when_it_was_live() -> None:
    s = Session(_proto(ack="none"))
    entry, _ = s.subscribe(s.protocol.channels[0], Book("BTC", 1), "x", now=0, timeout=5)
    assert s.unsubscribe(entry, None, now=0, timeout=5) is not None  # active: unsubscribe it
    again = s.unsubscribe(entry, None, now=0, timeout=5)
    assert again is None  # already unsubscribed: nothing to send
    s2 = Session(_proto())
    p_entry, _ = s2.subscribe(s2.protocol.channels[0], Book("ETH", 1), "x", now=0, timeout=5)
    assert p_entry.state == "pending" and s2.unsubscribe(p_entry, None, now=0, timeout=5) is not None


def test_failures_and_acks_carry_their_request_and_error() -> None:
    s = Session(make_protocol(batch=True))
    btc, req = s.subscribe(TICKER, TickerChannel(instrument_name="BTC", interval="raw"), "a", now=0, timeout=5)
    assert req is not None
    ack = s.receive(json.dumps({"id": req[0].id, "result": [btc.address]}))
    assert isinstance(ack, SubscribeAck) and ack.pending is req[0] and ack.refused == []
    eth, req = s.subscribe(TICKER, TickerChannel(instrument_name="ETH", interval="raw"), "b", now=0, timeout=5)
    assert req is not None
    failed = s.receive(json.dumps({"id": req[0].id, "error": {"code": 11050, "message": "bad"}}))
    assert isinstance(failed, SubscribeFailed) and failed.pending is req[0]
    assert eth.error is failed.error and eth.state == "failed"


def test_an_ended_subscription_leaves_the_desired_set() -> None:
    proto = _proto(subscription_id="", end_when=p.Match(equals=(("/method", "end"),)))
    env = dataclasses.replace(
        proto.envelope,
        notification=p.NotificationRule(
            when=p.Match(equals=(("/method", "sub"),)), payload="/params/result", subscription="/params/subscription"
        ),
    )
    s = Session(dataclasses.replace(proto, envelope=env))
    entry, req = s.subscribe(s.protocol.channels[0], Book("X", 1), "x", now=0, timeout=5)
    assert req is not None
    s.receive(json.dumps({"req_id": req[0].id, "result": "0xa"}))
    assert s.subscriptions.by_id == {"0xa": entry}
    s.receive(json.dumps({"method": "end", "params": {"subscription": "0xa"}}))
    assert s.subscriptions.get(entry.address) is None and entry.state == "unsubscribed"
    assert s.subscriptions.by_id == {}


def test_a_null_subscription_id_is_not_an_id() -> None:
    s = Session(_proto(subscription_id=""))
    entry, req = s.subscribe(s.protocol.channels[0], Book("X", 1), "x", now=0, timeout=5)
    assert req is not None
    s.receive(json.dumps({"req_id": req[0].id, "result": None}))
    assert entry.state == "active" and entry.sub_id is None and s.subscriptions.by_id == {}


def test_restoring_request_id_subscriptions_names_them_anew() -> None:
    s = Session(_proto(subscription_id="request", ack="none"))
    entry, _ = s.subscribe(s.protocol.channels[0], Book("X", 1), "x", now=0, timeout=5)
    assert entry.sub_id == 1
    ((pending, text),) = s.restore_requests(now=1, timeout=5)
    assert json.loads(text) == {
        "method": "subscribe", "params": {"channel": "book", "symbol": ["X"], "depth": 1}, "req_id": 2
    }
    assert 2 == entry.sub_id == pending.id
    assert s.subscriptions.by_id == {2: entry} and entry.state == "active"


def test_a_parse_error_keeps_the_event_the_frame_also_is() -> None:
    s = Session(make_protocol())
    s.add_waiter(p.Match(equals=(("/method", "heartbeat"),)), TypeAdapter(int).validate_python, method="hb", now=0, timeout=5)
    out = s.receive(json.dumps({"method": "heartbeat", "params": {"type": "heartbeat"}}))
    assert isinstance(out, WaiterReply) and out.error is not None and isinstance(out.event, Event)


def test_settle_without_request_ids() -> None:
    """A match-acked subscribe on an API without request ids is detached: settle says
    whether it still waited for its ack."""
    proto = _proto(ack="match", ack_when=p.Match(equals=(("/event", "subscribed"),)), ack_address="/arg")
    env = dataclasses.replace(proto.envelope, request=p.RequestFrame(id=None))
    s = Session(dataclasses.replace(proto, envelope=env))
    _, req = s.subscribe(s.protocol.channels[0], Book("BTC", 1), "x", now=0, timeout=5)
    assert req is not None and not req[0].correlated and s.awaits_ack(req[0])
    assert s.settle(req[0]) is True
    assert s.settle(req[0]) is False and not s.awaits_ack(req[0])
    _, req = s.subscribe(s.protocol.channels[0], Book("ETH", 1), "x", now=0, timeout=5)
    assert req is not None
    s.receive(acked("ETH"))
    assert s.settle(req[0]) is False  # acked: nothing waited any more


def test_an_ack_after_the_unsubscribe_completes_nothing() -> None:
    s = match_session()
    entry, req = s.subscribe(s.protocol.channels[0], Book("BTC", 1), "x", now=0, timeout=5)
    assert req is not None
    s.unsubscribe(entry, None, now=0, timeout=5)
    late = s.receive(acked("BTC"))
    assert isinstance(late, SubscribeAck) and late.pending is not req[0] and late.entries == []


def test_a_request_id_subscription_restarted_in_place_has_no_id_until_resubscribed() -> None:
    s = Session(_proto(subscription_id="request", ack="none"))
    entry, _ = s.subscribe(s.protocol.channels[0], Book("X", 1), "x", now=0, timeout=5)
    ((_, text),) = s.unsubscribe_to_resubscribe(entry, now=0, timeout=5)
    assert json.loads(text) == {"method": "unsubscribe", "req_id": 1}
    unsub = s.unsubscribe(entry, "x", now=0, timeout=5)  # before the new subscribe is sent
    assert unsub is not None and json.loads(unsub[1]) == {"method": "unsubscribe"}


def test_request_id_subscriptions_acked_by_their_reply() -> None:
    """``subscription_id: request`` with ``ack: reply`` (Home Assistant ``subscribe_events``):
    the subscribe is a correlated request whose id is also the subscription id."""
    s = Session(_proto(subscription_id="request", ack="reply"))
    spec = s.protocol.channels[0]
    entry, req = s.subscribe(spec, Book("X", 1), "sink", now=0, timeout=5)
    assert req is not None
    pending, text = req
    assert json.loads(text) == {
        "method": "subscribe",
        "params": {"channel": "book", "symbol": ["X"], "depth": 1},
        "req_id": 1,
    }
    assert pending.id == 1 == entry.sub_id
    assert (pending.correlated, pending.kind, pending.method) == (True, "subscribe", "subscribe")
    assert (pending.addresses, pending.deadline) == ((entry.address,), 5)
    assert list(s.correlator) == [pending]  # awaited like any request
    assert entry.state == "pending" and s.subscriptions.by_id == {1: entry}
    # The reply acks it; the subscription keeps the request id (no pointer into the result).
    assert isinstance(s.receive(json.dumps({"req_id": 1, "result": None})), SubscribeAck)
    assert entry.state == "active" and s.subscriptions.by_id == {1: entry}
    # Its unsubscribe is a correlated request of its own (a new id), not a detached one.
    unsub = s.unsubscribe(entry, "sink", now=0, timeout=5)
    assert unsub is not None
    upending, utext = unsub
    assert json.loads(utext) == {"method": "unsubscribe", "req_id": 2}
    assert (upending.id, upending.correlated, upending.kind) == (2, True, "unsubscribe")


def test_a_reply_acked_request_id_subscription_restored_is_named_by_its_new_request() -> None:
    """After a reconnect the restore plan passes no entries: the request names the entry
    of the table at its address, and the new reply acks it under the new id."""
    s = Session(_proto(subscription_id="request", ack="reply"))
    entry, _ = s.subscribe(s.protocol.channels[0], Book("X", 1), "x", now=0, timeout=5)
    s.receive(json.dumps({"req_id": 1, "result": None}))
    assert entry.state == "active" and entry.sub_id == 1
    s.connection_lost()
    assert entry.sub_id is None and s.subscriptions.by_id == {}
    ((pending, text),) = s.restore_requests(now=1, timeout=5)
    assert json.loads(text)["req_id"] == 2 == pending.id == entry.sub_id
    assert s.subscriptions.by_id == {2: entry} and entry.state == "pending"
    assert isinstance(s.receive(json.dumps({"req_id": 2, "result": None})), SubscribeAck)
    assert entry.state == "active" and s.subscriptions.by_id == {2: entry}


def test_reply_acked_request_id_subscriptions_sent_together_each_get_their_own_id() -> None:
    """Entries subscribed again together (after a retry): each request's id names the
    entry at its own address, never another entry passed along with it."""
    s = Session(_proto(subscription_id="request", ack="reply"))
    spec = s.protocol.channels[0]
    x, _ = s.subscribe(spec, Book("X", 1), "x", now=0, timeout=5)
    y, _ = s.subscribe(spec, Book("Y", 1), "y", now=0, timeout=5)
    frames = s.resubscribe((x.address, y.address), now=1, timeout=5)
    ids = {pending.addresses: pending.id for pending, _ in frames}
    assert ids == {(x.address,): 3, (y.address,): 4}
    assert (x.sub_id, y.sub_id) == (3, 4)
    assert s.subscriptions.by_id == {3: x, 4: y}  # the ids of the first requests are gone
