"""The receive fast path decides exactly what the general path decides, only faster."""

from __future__ import annotations

import json
from typing import Any

import pytest
from deribit import TickerChannel, models
from deribit._protocol import PROTOCOL, TICKER_CHANNEL
from nova_runtime.core import Malformed, Notification, Session, StrayReply
from nova_runtime.core.fastpath import FastPath

BTC = TickerChannel(instrument_name="BTC-PERPETUAL", interval="100ms")
ADDRESS = "ticker.BTC-PERPETUAL.100ms"
TICK: dict[str, Any] = {
    "timestamp": 1623060194301,
    "stats": {"volume_usd": 2.8e8, "volume": 7871.0, "price_change": 0.72, "low": 35213.5, "high": 36824.5},
    "state": "open",
    "settlement_price": 36169.49,
    "open_interest": 502097590,
    "min_price": 35898.37,
    "max_price": 36991.72,
    "mark_price": 36446.51,
    "last_price": 36457.5,
    "instrument_name": "BTC-PERPETUAL",
    "index_price": 36441.64,
    "funding_8h": 0.0000211,
    "current_funding": 0,
    "estimated_delivery_price": 36441.64,
    "best_bid_price": 36442.5,
    "best_bid_amount": 5000,
    "best_ask_price": 36443,
    "best_ask_amount": 100,
    "interest_value": 1.73,
}


def note(address: str = ADDRESS, data: Any = None, **extra: Any) -> str:
    frame = {"jsonrpc": "2.0", "method": "subscription", "params": {"channel": address, "data": data or TICK}}
    return json.dumps({**frame, **extra})


def subscribed() -> Session:
    session = Session(PROTOCOL)
    session.subscribe(TICKER_CHANNEL, BTC, "sink", now=0, timeout=1)
    return session


def fast_of(session: Session) -> FastPath:
    return FastPath(PROTOCOL, session.subscriptions.routes)


def test_a_notification_takes_the_fast_path_and_equals_the_general_one() -> None:
    session = subscribed()
    hit = fast_of(session).receive(note())
    assert hit is not None
    entry, message = hit
    assert entry.address == ADDRESS
    assert isinstance(message, models.Ticker)
    assert message == TICKER_CHANNEL.parse(TICK)


def decide(session: Session, text: str, *, fast: bool) -> tuple[Any, bool]:
    """What the I/O layer's receive loop (runtime/connection.py) makes of one frame, with
    the fast path tried first or not at all; and whether the fast path decided it."""
    hit = session.fast(text) if fast and session.fast is not None else None
    if hit is not None:
        entry, message = hit
        return ("notification", entry.address, message), True
    outcome = session.receive(text)
    if isinstance(outcome, Notification):
        return ("notification", outcome.entry.address, outcome.message), False
    return (type(outcome).__name__,), False


MIXED = [
    note(),
    note("ticker.ETH-PERPETUAL.100ms"),
    note(data={**TICK, "last_price": 1.5}),
    note(data={"nonsense": True}),
    note(id=7, result=["x"]),
    json.dumps({"jsonrpc": "2.0", "method": "subscription", "x": {"channel": ADDRESS},
                "params": {"channel": "other.chan", "data": TICK}}),
    "ping",
    note(data={**TICK, "stats": {**TICK["stats"], "volume": 1.0}}),
]


def test_the_session_answers_the_same_with_or_without_it() -> None:
    on, off = subscribed(), subscribed()
    with_fast = [decide(on, text, fast=True) for text in MIXED]
    without = [decide(off, text, fast=False) for text in MIXED]
    assert [d for d, _ in with_fast] == [d for d, _ in without]
    # Both ways really ran: the fast path took the three notifications, and only those.
    assert [took for _, took in with_fast] == [True, False, True, False, False, False, False, True]
    assert not any(took for _, took in without)
    assert [d[0] for d, _ in without].count("notification") == 3


@pytest.mark.parametrize(
    "text",
    [
        note("ticker.ETH-PERPETUAL.100ms"),  # not subscribed: template path decides
        note(data={"nonsense": True}),  # invalid payload: the general path reports it
        note(id=7, result=["x"]),  # an earlier rule (response) claims this frame
        json.dumps({"jsonrpc": "2.0", "id": 1, "result": {"channel": ADDRESS}}),
        '{"method":"subscription","params":{"channel":"' + ADDRESS + '\\"x","data":{}}}',
        "ping",
    ],
)
def test_frames_it_must_not_decide_fall_through(text: str) -> None:
    assert fast_of(subscribed()).receive(text) is None


def test_a_decoy_channel_key_cannot_misroute() -> None:
    session = subscribed()
    decoy = {"channel": ADDRESS}
    text = json.dumps(
        {"jsonrpc": "2.0", "method": "subscription", "x": decoy, "params": {"channel": "other.chan", "data": TICK}}
    )
    assert fast_of(session).receive(text) is None  # found ADDRESS first, validated "other.chan"


def test_general_path_still_reports_what_the_fast_path_declines() -> None:
    session = subscribed()
    assert isinstance(session.receive(note(data={"nonsense": True})), Malformed)
    assert isinstance(session.receive(note(id=7, result=["x"])), StrayReply)


def test_off_without_a_message_type() -> None:
    import dataclasses

    spec = dataclasses.replace(TICKER_CHANNEL, message_type=None)
    protocol = dataclasses.replace(PROTOCOL, channels=(spec,))
    session = Session(protocol)
    session.subscribe(spec, BTC, "sink", now=0, timeout=1)
    assert FastPath(protocol, session.subscriptions.routes).receive(note()) is None
    assert isinstance(session.receive(note()), Notification)


def _claimed_by_earlier_rules(protocol: Any, base: dict[str, Any]) -> list[dict[str, Any]]:
    """``base`` with what each rule checked before notifications (server pings, error
    replies, responses) looks for added: frames the fast path must leave alone."""
    import copy

    from nova_runtime.pointer import compile_pointer, set_at

    env = protocol.envelope
    rules = [p.when for p in protocol.heartbeat.server_pings if p.text is None]
    rules += [r.when for r in (env.error, env.response) if r is not None]
    frames = []
    for when in rules:
        frame = copy.deepcopy(base)
        for pointer in when.present:
            set_at(frame, compile_pointer(pointer), {"code": 1, "message": "m"})
        for pointer, value in when.equals:
            set_at(frame, compile_pointer(pointer), value)
        frames.append(frame)
    return frames


def test_the_fast_path_never_disagrees_with_the_general_path() -> None:
    session = subscribed()
    assert session.fast is not None
    base = json.loads(note())
    frames = [base, *_claimed_by_earlier_rules(PROTOCOL, base)]
    assert len(frames) >= 3  # the error and response rules at least
    decided = 0
    for frame in frames:
        text = json.dumps(frame)
        fast = session.fast(text)
        general = session.receive(text)
        if fast is not None:
            decided += 1
            assert isinstance(general, Notification), (frame, general)
            assert general.entry is fast[0] and general.message == fast[1]
    assert decided == 1  # the plain notification, and nothing an earlier rule claims
