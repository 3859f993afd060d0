"""Sans-I/O parts of liveness: the rotation overlap (once-only delivery across two
connections, sequence checks paused), resubscribing one stale address, and the
per-channel stale limits from the spec and the options."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from nova_runtime import ConnectOptions
from nova_runtime.core import GapNotification, Notification, Session, SubscribeAck
from nova_runtime.core.overlap import Overlap
from nova_runtime.protocol import Heartbeat, Reply, Sequence
from nova_runtime.watchdogs import idle_limit, stale_action, stale_limits

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


def deliveries(overlap: Overlap, entry: Any, arrivals: list[tuple[int, int]]) -> list[int]:
    """Feed (connection, sequence) arrivals; the sequence values delivered, in order."""
    out: list[int] = []
    for source, seq in arrivals:
        out.extend(overlap.offer(source, entry, frame(seq), seq))
    return out


OLD, NEW = 1, 2


@pytest.mark.parametrize(
    "arrivals",
    [
        # the new connection behind the old one
        [(OLD, 10), (OLD, 11), (OLD, 12), (NEW, 11), (NEW, 12), (OLD, 13), (NEW, 13), (NEW, 14)],
        # interleaved, the new one a step ahead
        [(OLD, 10), (NEW, 11), (OLD, 11), (NEW, 12), (OLD, 12), (NEW, 13), (NEW, 14)],
        # the new one several messages ahead, before the old one catches up
        [(OLD, 10), (NEW, 13), (NEW, 14), (OLD, 11), (OLD, 12), (OLD, 13), (OLD, 14), (NEW, 15)],
    ],
    ids=["new-behind", "interleaved", "new-ahead"],
)
def test_overlap_hands_over_once_and_in_order(arrivals: list[tuple[int, int]]) -> None:
    s = sequenced_session()
    entry = active(s)
    overlap = s.begin_overlap(OLD)
    delivered = deliveries(overlap, entry, arrivals)
    assert delivered == sorted(set(delivered)) == list(range(10, max(delivered) + 1))
    assert delivered[-1] == max(seq for _, seq in arrivals)
    assert overlap.duplicates == len(arrivals) - len(delivered)  # logged when it ends


def test_copies_are_told_by_the_sequence_value_not_the_text() -> None:
    s = sequenced_session()
    entry = active(s)
    overlap = s.begin_overlap(OLD)
    got = []
    for source, seq in [(OLD, 10), (OLD, 11), (NEW, 11), (OLD, 12), (NEW, 12)]:
        price = 1.0 if source == OLD else 2.0  # each connection's copy reads differently
        got.extend(overlap.offer(source, entry, frame(seq, price), (source, seq)))
    assert got == [(OLD, 10), (OLD, 11), (NEW, 12)] and overlap.duplicates == 2


def _sequenced_text(seq: Any) -> str:
    return json.dumps({"method": "subscription", "params": {"channel": ADDR, "data": {"seq": seq}}})


@pytest.mark.parametrize(
    "texts",
    [
        [b"\x00a", b"\x00b", b"\x00c"],  # not JSON (an undecoded binary frame)
        [_sequenced_text([n]) for n in range(3)],  # a sequence value that cannot be hashed
    ],
    ids=["not-json", "unhashable-sequence"],
)
def test_without_a_usable_sequence_value_copies_are_told_by_the_text(texts: list[Any]) -> None:
    s = sequenced_session()
    entry = active(s)
    overlap = s.begin_overlap(OLD)
    a, b, c = texts
    got = []
    for source, data in [(OLD, a), (NEW, b), (OLD, b), (NEW, c)]:
        got.extend(overlap.offer(source, entry, data, (source, data)))
    assert got == [(OLD, a), (OLD, b), (NEW, c)] and overlap.duplicates == 1


def test_copies_are_counted_across_addresses() -> None:
    s = sequenced_session()
    btc = active(s)
    eth, sol = (
        s.subscribe(TICKER, TickerChannel(instrument_name=n, interval="100ms"), "x", now=0, timeout=1)[0]
        for n in ("ETH-PERPETUAL", "SOL-PERPETUAL")
    )
    overlap = s.begin_overlap(OLD)
    assert deliveries(overlap, btc, [(OLD, 1), (NEW, 1)]) == [1]  # the new one caught up
    assert deliveries(overlap, eth, [(OLD, 1), (NEW, 2), (OLD, 2)]) == [1, 2]  # it was ahead
    assert deliveries(overlap, sol, [(OLD, 1), (NEW, 1)]) == [1]
    assert overlap.duplicates == 3


def test_what_the_new_connection_held_is_delivered_when_the_overlap_ends() -> None:
    s = sequenced_session()
    entry = active(s)
    overlap = s.begin_overlap(OLD)
    assert deliveries(overlap, entry, [(OLD, 10), (NEW, 12), (NEW, 13), (OLD, 11)]) == [10, 11]
    ended = s.end_overlap()  # the old connection dropped before sending 12
    assert ended is overlap and [m for _, m in overlap.drain()] == [12, 13]
    assert s.overlap is None


def test_overlap_by_frame_text_when_the_channel_has_no_sequence() -> None:
    s = Session(make_protocol())  # no sequence: the frame's text is the key
    entry = active(s)
    overlap = s.begin_overlap(OLD)
    texts = [frame(n, price=float(n)) for n in range(6)]
    got = []
    for source, n in [(OLD, 0), (OLD, 1), (NEW, 1), (NEW, 2), (OLD, 2), (NEW, 3), (OLD, 3), (NEW, 4)]:
        got.extend(overlap.offer(source, entry, texts[n], n))
    assert got == [0, 1, 2, 3, 4] and overlap.duplicates == 3


def test_overlap_memory_is_bounded() -> None:
    s = Session(make_protocol())
    entry = active(s)
    overlap = Overlap(s.protocol, OLD)
    overlap.max_keys, overlap.max_held = 10, 5
    for n in range(100):
        assert overlap.offer(OLD, entry, frame(n), n) == [n]
    (_, handover), = overlap._handovers.values()
    assert len(handover.delivered) == 10
    # The new connection far ahead: held up to max_held, then it takes over.
    assert [overlap.offer(NEW, entry, frame(200 + n), 200 + n) for n in range(5)] == [[]] * 5
    assert overlap.offer(NEW, entry, frame(205), 205) == [200, 201, 202, 203, 204, 205]
    assert overlap.offer(OLD, entry, frame(100), 100) == []  # the new one leads now


def test_sequence_checks_pause_during_the_overlap_and_restart_from_a_new_baseline() -> None:
    s = sequenced_session()
    entry = active(s)
    assert isinstance(s.receive(frame(10)), Notification)
    s.begin_overlap(OLD)
    for seq in (11, 11, 12, 11):  # interleaved copies: no gap reported
        assert type(s.receive(frame(seq))) is Notification
    ended = s.end_overlap()
    assert ended is not None and ended.drain() == []
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
    other = TickerChannel(instrument_name="ETH-PERPETUAL", interval="100ms")
    s.subscribe(TICKER, other, "sink", now=0, timeout=1)  # another address: not in the plan
    (step,) = s.subscriptions.restore_plan(only=[entry])
    assert step.addresses == (ADDR,)
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


def test_idle_limit_from_the_options_or_the_servers_promised_heartbeat() -> None:
    promised = Heartbeat(on_connect=Reply(request="public/set_heartbeat", params={"interval": 30}))
    assert idle_limit(ConnectOptions(), Heartbeat()) is None  # off by default
    assert idle_limit(ConnectOptions(), promised) == (65.0, True)  # 2 x 30 + 5
    assert idle_limit(ConnectOptions(idle_timeout=3.0), promised) == (3.0, False)
    assert idle_limit(ConnectOptions(idle_timeout=0), promised) is None
