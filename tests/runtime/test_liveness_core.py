"""Sans-I/O parts of liveness: the rotation overlap (once-only delivery across two
connections, sequence checks paused), resubscribing one stale address, and the
per-channel stale limits from the spec and the options."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from nova_gen.runtime import ConnectOptions
from nova_gen.runtime.core import GapNotification, Notification, Session, SubscribeAck
from nova_gen.runtime.core.overlap import Overlap
from nova_gen.runtime.protocol import Sequence
from nova_gen.runtime.watchdogs import stale_action, stale_limits

from .nova_fake_api import TICKER, TickerChannel, make_protocol

ADDR = "ticker.BTC-PERPETUAL.100ms"
BTC = TickerChannel(instrument_name="BTC-PERPETUAL", interval="100ms")


def frame(seq: int, price: float = 1.0) -> str:
    data = {"instrument_name": "BTC-PERPETUAL", "last_price": price, "seq": seq}
    params = {"channel": ADDR, "data": data}
    return json.dumps({"jsonrpc": "2.0", "method": "subscription", "params": params})


def sequenced_session() -> Session:
    ticker = dataclasses.replace(TICKER, sequence=Sequence(field="/params/data/seq"))
    return Session(dataclasses.replace(make_protocol(), channels=(ticker,)))


def active(session: Session) -> Any:
    entry, request = session.subscribe(TICKER, BTC, "sink", now=0, timeout=1)
    assert request is not None
    ack = session.receive(json.dumps({"id": request[0].id, "result": [ADDR]}))
    assert isinstance(ack, SubscribeAck) and entry.state == "active"
    return entry


def test_overlap_delivers_each_sequence_value_once_whatever_the_interleaving() -> None:
    s = sequenced_session()
    entry = active(s)
    overlap = s.begin_overlap()
    old, new = 1, 2
    arrivals = [(old, 10), (old, 11), (new, 11), (new, 12), (old, 12), (new, 13), (old, 13),
                (old, 14), (new, 14), (new, 15)]
    delivered = [seq for source, seq in arrivals if overlap.first(source, entry, frame(seq))]
    assert delivered == [10, 11, 12, 13, 14, 15]
    assert overlap.duplicates == 4


def test_overlap_by_frame_text_never_drops_a_repeat_on_the_same_connection() -> None:
    s = Session(make_protocol())  # no sequence: the frame's text is the key
    entry = active(s)
    overlap = s.begin_overlap()
    a, b = frame(1, 5.0), frame(1, 6.0)
    assert overlap.first(1, entry, a) and overlap.first(1, entry, a)  # the same tick twice
    assert not overlap.first(2, entry, a) and not overlap.first(2, entry, a)  # copies of both
    assert overlap.first(2, entry, b) and not overlap.first(1, entry, b)
    assert overlap.first(2, entry, a)  # a third one: new
    assert overlap.duplicates == 3


def test_overlap_memory_is_bounded() -> None:
    s = Session(make_protocol())
    entry = active(s)
    overlap = Overlap(s.protocol)
    overlap.max_keys = 10
    for n in range(100):
        assert overlap.first(1, entry, frame(n))
    assert len(overlap._seen) == 10
    assert not overlap.first(2, entry, frame(99)) and overlap.first(2, entry, frame(0))


def test_sequence_checks_pause_during_the_overlap_and_restart_from_a_new_baseline() -> None:
    s = sequenced_session()
    entry = active(s)
    assert isinstance(s.receive(frame(10)), Notification)
    s.begin_overlap()
    for seq in (11, 11, 12, 11):  # interleaved copies: no gap reported
        assert type(s.receive(frame(seq))) is Notification
    assert s.end_overlap() == 0  # nothing went through overlap.first here
    assert entry.seq_last is None
    assert type(s.receive(frame(20))) is Notification  # the new baseline
    assert isinstance(s.receive(frame(22)), GapNotification)  # checks are back


def test_unsubscribe_to_resubscribe_keeps_the_address_desired() -> None:
    s = Session(make_protocol())
    entry = active(s)
    entry.seq_last = 7
    frames = s.unsubscribe_to_resubscribe(entry, now=0, timeout=1)
    assert [json.loads(t)["method"] for _, t in frames] == ["public/unsubscribe"]
    assert json.loads(frames[0][1])["params"] == {"channels": [ADDR]}
    assert entry.state == "pending" and entry.seq_last is None
    assert s.subscriptions.get(ADDR) is entry and s.subscriptions.routes[ADDR] is entry
    (step,) = s.subscriptions.restore_plan(only=[entry])
    pending, text = s.restore_request(step, now=0, timeout=1)
    assert json.loads(text)["method"] == "public/subscribe"
    s.receive(json.dumps({"id": frames[0][0].id, "result": [ADDR]}))  # the unsubscribe reply
    ack = s.receive(json.dumps({"id": pending.id, "result": [ADDR]}))
    assert isinstance(ack, SubscribeAck) and entry.state == "active"


def test_a_method_without_unsubscribe_cannot_resubscribe_in_place() -> None:
    protocol = make_protocol()
    methods = {n: dataclasses.replace(m, unsubscribe=None) for n, m in protocol.subscribe_methods.items()}
    s = Session(dataclasses.replace(protocol, subscribe_methods=methods))
    entry = active(s)
    assert s.unsubscribe_to_resubscribe(entry, now=0, timeout=1) == []
    assert entry.state == "active"


def test_stale_limits_from_the_spec_and_the_options() -> None:
    ticker = dataclasses.replace(TICKER, stale_after=2.0)
    protocol = dataclasses.replace(make_protocol(), channels=(ticker,))
    assert stale_limits(protocol, ConnectOptions()) == {"ticker": 2.0}
    assert stale_limits(protocol, ConnectOptions(stale_after={"ticker": 0.5})) == {"ticker": 0.5}
    assert stale_limits(protocol, ConnectOptions(stale_after={"ticker": None})) == {}
    assert stale_limits(make_protocol(), ConnectOptions()) == {}
    with pytest.raises(ValueError, match="no channel 'tickr'"):
        stale_limits(protocol, ConnectOptions(stale_after={"tickr": 1.0}))


def test_stale_action_resubscribes_then_reconnects_once_then_leaves_it_alone() -> None:
    assert [stale_action(n, True) for n in (1, 2, 3, 4)] == [
        "resubscribe",
        "reconnect",
        None,
        None,
    ]
    assert [stale_action(n, False) for n in (1, 2, 3)] == ["reconnect", None, None]
    assert stale_action(0, True) is None
