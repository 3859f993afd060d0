"""The sequence check in the sans-I/O core (spec ``sequence``): the first frame after each
(re)subscribe sets the baseline, so a reconnect, whose server numbering starts again, is
not a gap, and a real jump after it is."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from nova_runtime import protocol as p
from nova_runtime.core import GapNotification, Notification, Session, SubscribeAck

from .test_structured import Book, _proto


def sequenced(previous: bool) -> Session:
    proto = _proto()
    (book,) = proto.channels
    seq = p.Sequence(field="/seq", previous="/prev" if previous else None)
    return Session(dataclasses.replace(proto, channels=(dataclasses.replace(book, sequence=seq),)))


def note(seq: int, previous: bool) -> str:
    frame: dict[str, Any] = {"channel": "book", "seq": seq, "data": [{"symbol": "BTC/USD"}]}
    if previous:
        frame["prev"] = seq - 1
    return json.dumps(frame)


def kinds(s: Session, seqs: list[int], previous: bool) -> list[Any]:
    out = []
    for seq in seqs:
        outcome = s.receive(note(seq, previous))
        if isinstance(outcome, GapNotification):
            out.append(("gap", outcome.expected, outcome.received))
        else:
            assert isinstance(outcome, Notification)
            out.append("ok")
    return out


def ack(s: Session, text: str) -> None:
    assert isinstance(s.receive(json.dumps({"req_id": json.loads(text)["req_id"], "result": {}})), SubscribeAck)


@pytest.mark.parametrize("previous", [False, True], ids=["counter", "previous-field"])
@pytest.mark.parametrize("drop", ["restore_requests", "connection_lost"])
def test_reconnect_resets_the_baseline(previous: bool, drop: str) -> None:
    s = sequenced(previous)
    entry, req = s.subscribe(s.protocol.channels[0], Book("BTC/USD", 10), "sink", now=0, timeout=1)
    assert req is not None
    ack(s, req[1])
    assert kinds(s, [100, 101, 102], previous) == ["ok", "ok", "ok"]
    # The connection drops; on the new one the server numbers from 1 again.
    if drop == "connection_lost":
        s.connection_lost()
    (restore,) = s.restore_requests(now=1.0, timeout=1.0)
    ack(s, restore[1])
    assert entry.state == "active"
    # 1 is the new baseline (not a gap from 102); the check then goes on from it: with a
    # counter, 5 after 2 is a gap (3 expected); with a previous field, prev=4 is (2 expected).
    gap = ("gap", 2, 4) if previous else ("gap", 3, 5)
    assert kinds(s, [1, 2, 5, 6], previous) == ["ok", "ok", gap, "ok"]

def test_a_gap_moves_the_baseline_to_the_received_value() -> None:
    s = sequenced(False)
    entry, req = s.subscribe(s.protocol.channels[0], Book("BTC/USD", 10), "sink", now=0, timeout=1)
    assert req is not None
    ack(s, req[1])
    assert kinds(s, [7, 9, 10], False) == ["ok", ("gap", 8, 9), "ok"]
    assert entry.seq_last == 10


def test_sequenced_channels_never_take_the_fast_path() -> None:
    """The fast path skips the dispatcher, so it must decline a sequenced channel (its check
    would be skipped); the same channel without a sequence takes it."""
    from deribit._protocol import PROTOCOL, TICKER_CHANNEL

    from .test_fastpath import BTC, note

    def fast(channel: Any) -> Any:
        proto = dataclasses.replace(PROTOCOL, channels=(channel,))
        s = Session(proto)
        s.subscribe(channel, BTC, "sink", now=0, timeout=1)
        assert s.fast is not None
        return s.fast(note())

    assert fast(TICKER_CHANNEL) is not None
    sequenced = dataclasses.replace(TICKER_CHANNEL, sequence=p.Sequence(field="/params/data/timestamp"))
    assert fast(sequenced) is None
