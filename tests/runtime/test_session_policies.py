"""Session choices the spec and the options make, without sockets: validation policies
per channel (``strict``, ``lenient``, ``raw``) on both receive paths, error codes the spec
marks ``retry`` on a subscribe, and batched subscribe requests."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from nova_runtime.core import Notification, Session, TemplateNotification
from nova_runtime.core.lenient import raw_frame
from nova_runtime.core.outcomes import Drifted, SubscribeFailed, SubscribeRetry
from nova_runtime.protocol import ErrorCode, Protocol, SubscribeMethod

from .nova_fake_api import TICKER, Ticker, TickerChannel, make_protocol

BTC = TickerChannel(instrument_name="BTC", interval="raw")
ETH = TickerChannel(instrument_name="ETH", interval="raw")
SOL = TickerChannel(instrument_name="SOL", interval="raw")
TYPED = dataclasses.replace(TICKER, message_type=Ticker)
"""The ticker channel with its message type, so the fast path and lenient validation apply."""
TRADES = dataclasses.replace(
    TYPED, name="trades", address="trades.{instrument_name}.{interval}", via="private"
)


def protocol(*, batch: bool = True) -> Protocol:
    base = make_protocol(batch=batch)
    private = SubscribeMethod(
        name="private",
        subscribe="private/subscribe",
        unsubscribe="private/unsubscribe",
        batch=batch,
    )
    return dataclasses.replace(
        base,
        channels=(TYPED, TRADES),
        subscribe_methods={**base.subscribe_methods, "private": private},
        errors={
            10028: ErrorCode(10028, "too_many_requests", action="retry"),
            13009: ErrorCode(13009, "unauthorized", action="reauth"),
        },
    )


def note(address: str, data: dict[str, Any]) -> str:
    params = {"channel": address, "data": data}
    return json.dumps({"jsonrpc": "2.0", "method": "subscription", "params": params})


def sent(text: str) -> tuple[str, Any]:
    frame = json.loads(text)
    return frame["method"], frame["params"]


# -- validation policies -------------------------------------------------------------------


def test_policies_and_channel_names_are_checked() -> None:
    with pytest.raises(ValueError) as unknown:
        Session(protocol(), channel_validation={"nope": "raw", "also": "lenient", "ticker": "raw"})
    assert str(unknown.value) == (
        "channel_validation names no channel of 'fake': also, nope (channels: ticker, trades)"
    )
    for bad in ({"validation": "loose"}, {"channel_validation": {"trades": "loose"}}):
        with pytest.raises(ValueError) as policy:
            Session(protocol(), **bad)  # type: ignore[arg-type]
        assert str(policy.value) == "validation policy 'loose': use strict, lenient or raw"
    for name in ("strict", "lenient", "raw"):
        Session(protocol(), validation=name, channel_validation={"ticker": name})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "raw"),
    [
        ({}, set()),
        ({"validation": "raw"}, {"ticker", "trades"}),
        ({"channel_validation": {"trades": "raw"}}, {"trades"}),
        ({"validation": "raw", "channel_validation": {"ticker": "strict"}}, {"trades"}),
    ],
)
def test_raw_channels_are_delivered_unvalidated_on_both_paths(
    options: dict[str, Any], raw: set[str]
) -> None:
    s = Session(protocol(), **options)
    assert s.fast is not None
    for spec in (TYPED, TRADES):
        entry, _ = s.subscribe(spec, BTC, "sink", now=0, timeout=1)
        data = {"instrument_name": "BTC", "last_price": 1.5}
        frame = note(entry.address, data)
        fast = s.fast(frame)
        general = s.receive(frame)
        assert isinstance(general, Notification) and general.entry is entry
        if spec.name in raw:
            assert fast is None  # the general path takes unvalidated channels
            assert general.message == data
        else:
            assert fast == (entry, Ticker(instrument_name="BTC", last_price=1.5))
            assert general.message == Ticker(instrument_name="BTC", last_price=1.5)


def test_a_lenient_channel_delivers_a_drifted_message_and_a_strict_one_drops_it() -> None:
    s = Session(protocol(), validation="lenient", channel_validation={"trades": "strict"})
    lenient, _ = s.subscribe(TYPED, BTC, "sink", now=0, timeout=1)
    strict, _ = s.subscribe(TRADES, BTC, "sink", now=0, timeout=1)
    drift = {"instrument_name": "BTC", "last_price": "n/a"}
    out = s.receive(note(lenient.address, drift))
    assert isinstance(out, Drifted) and out.fields == ("last_price",)
    assert out.spec is TYPED and out.address == lenient.address  # what drift telemetry names
    assert isinstance(out.outcome, Notification) and out.outcome.message.last_price is None
    assert type(s.receive(note(strict.address, drift))).__name__ == "Malformed"


# -- error codes the spec marks retry ------------------------------------------------------


def test_error_actions_come_from_the_spec() -> None:
    s = Session(protocol())
    assert s.error_action(10028) == "retry"
    assert s.error_action("10028") == "retry"  # the code as text
    assert s.error_action(13009) == "reauth"
    assert s.error_action(1) == "raise"  # a code the spec does not list
    assert Session(make_protocol()).error_action(10028) == "raise"  # no errors table


def test_a_retryable_subscribe_error_keeps_the_addresses_pending_for_a_resubscribe() -> None:
    s = Session(protocol())
    btc, first = s.subscribe(TYPED, BTC, "sink", now=0, timeout=1)
    assert first is not None
    entries = tuple(s.subscriptions.add(TYPED, c, "sink")[0] for c in (ETH, SOL))
    ((batch, text),) = s.subscribe_requests(entries, now=0, timeout=1)
    assert sent(text) == ("public/subscribe", {"channels": [e.address for e in entries]})
    error = {"code": 10028, "message": "too_many_requests"}
    out = s.receive(json.dumps({"jsonrpc": "2.0", "id": batch.id, "error": error}))
    assert isinstance(out, SubscribeRetry)
    assert out.pending is batch and out.addresses == batch.addresses
    assert out.error.code == 10028 and "too_many_requests" in str(out.error)
    assert [e.state for e in entries] == ["pending", "pending"]
    assert s.subscriptions.get(entries[0].address) is entries[0]

    # After the back-off: one request per subscribe method, for what is still pending.
    trade, _ = s.subscribe(TRADES, BTC, "sink", now=0, timeout=1)
    s.receive(json.dumps({"jsonrpc": "2.0", "id": first[0].id, "result": [btc.address]}))
    assert btc.state == "active"  # not pending: not subscribed again
    again = s.resubscribe(
        (btc.address, entries[0].address, "ticker.GONE.raw", trade.address, entries[1].address),
        now=5,
        timeout=2,
    )
    assert [sent(t) for _, t in again] == [
        ("public/subscribe", {"channels": [entries[0].address, entries[1].address]}),
        ("private/subscribe", {"channels": [trade.address]}),
    ]
    assert [(q.kind, q.addresses, q.deadline) for q, _ in again] == [
        ("subscribe", (entries[0].address, entries[1].address), 7),
        ("subscribe", (trade.address,), 7),
    ]


def test_a_subscribe_error_without_retry_fails_the_addresses() -> None:
    s = Session(protocol())
    entry, req = s.subscribe(TYPED, BTC, "sink", now=0, timeout=1)
    assert req is not None
    error = {"code": 13009, "message": "unauthorized"}
    out = s.receive(json.dumps({"jsonrpc": "2.0", "id": req[0].id, "error": error}))
    assert isinstance(out, SubscribeFailed) and out.entries == [entry]
    assert entry.state == "failed"


def test_subscribe_requests_batch_as_the_method_allows() -> None:
    s = Session(protocol(batch=False))
    assert s.subscribe_requests((), now=0, timeout=1) == []
    entries = tuple(s.subscriptions.add(TYPED, c, "sink")[0] for c in (BTC, ETH))
    out = s.subscribe_requests(entries, now=0, timeout=1)
    assert [sent(t) for _, t in out] == [
        ("public/subscribe", {"channels": [entries[0].address]}),
        ("public/subscribe", {"channels": [entries[1].address]}),
    ]
    (alone,) = s.subscribe_requests((s.subscriptions.add(TRADES, SOL, "x")[0],), now=0, timeout=1)
    assert sent(alone[1]) == ("private/subscribe", {"channels": ["trades.SOL.raw"]})


def test_a_drifted_message_on_an_unsubscribed_address_is_a_drifted_template_notification() -> None:
    s = Session(protocol(), validation="lenient")
    data = {"instrument_name": "SOL", "last_price": "n/a"}
    text = note("ticker.SOL.raw", data)
    out = s.receive(text)
    assert isinstance(out, Drifted) and out.fields == ("last_price",)
    assert (out.spec, out.address) == (TYPED, "ticker.SOL.raw")
    template = out.outcome
    assert isinstance(template, TemplateNotification)
    assert template.spec is TYPED and template.channel == SOL
    assert template.message.instrument_name == "SOL" and template.message.last_price is None
    assert raw_frame(template.message) == json.loads(text)  # the frame it came from
