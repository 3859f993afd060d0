"""The receive fast path on envelopes built to tell its rules apart: which notification
rules it can express as a frame schema, which earlier rules (server pings, errors,
responses) it must exclude and how, and how it finds the address in the text.

Every frame is decided both ways: whenever the fast path takes a frame, the general path
must give the same notification (the module's promise); the tests also say which frames
it takes, so a rule it stops expressing (a slower client) fails too."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from nova_runtime.core import Notification, Session
from nova_runtime.protocol import (
    ChannelSpec,
    Envelope,
    Heartbeat,
    Match,
    NotificationRule,
    Protocol,
    Reply,
    ResponseRule,
    ServerPing,
)
from pydantic import BaseModel

from .nova_fake_api import TICKER, Ticker, TickerChannel, make_protocol

BTC = TickerChannel(instrument_name="BTC", interval="raw")
ADDRESS = "ticker.BTC.raw"
DATA = {"instrument_name": "BTC", "last_price": 1.5}
UPDATE = Match(equals=(("/type", "update"),))
TYPED = dataclasses.replace(TICKER, message_type=Ticker)
FLAT = NotificationRule(when=UPDATE, channel="/channel", payload="/data")
"""Notifications as flat frames: {"type": "update", "channel": ..., "data": ...}."""


def protocol(
    notification: NotificationRule | None = FLAT,
    *,
    response: Match | None = None,
    pings: tuple[ServerPing, ...] = (),
    channel: ChannelSpec[Any, Any] = TYPED,
) -> Protocol:
    envelope = Envelope(
        response=ResponseRule(when=response) if response is not None else None,
        notification=notification,
    )
    return dataclasses.replace(
        make_protocol(),
        envelope=envelope,
        channels=(channel,),
        heartbeat=Heartbeat(server_pings=pings),
    )


def subscribed(proto: Protocol) -> Session:
    s = Session(proto)
    s.subscribe(proto.channels[0], BTC, "sink", now=0, timeout=1)
    return s


def frame(*, compact: bool = True, data: dict[str, Any] = DATA, **fields: Any) -> str:
    body = {"type": "update", "channel": ADDRESS, "data": data, **fields}
    return json.dumps(body, separators=(",", ":") if compact else (", ", ": "))


def taken(s: Session, text: str) -> bool:
    """Whether the fast path took ``text``; when it did, the general path agrees."""
    fast = s.fast(text) if s.fast is not None else None
    general = s.receive(text)
    if fast is None:
        return False
    assert isinstance(general, Notification), (text, general)
    assert (general.entry, general.message) == fast
    return True


def test_a_flat_notification_is_taken_and_other_frames_are_not() -> None:
    s = subscribed(protocol())
    assert taken(s, frame())
    assert not taken(s, frame(type="snapshot"))
    assert not taken(s, frame(channel="ticker.ETH.raw"))


def test_an_earlier_rule_that_needs_a_key_absent_excludes_nothing_more() -> None:
    # A response is a frame with a channel and no type: no notification is one.
    s = subscribed(protocol(response=Match(present=("/channel",), absent=("/type",))))
    assert taken(s, frame())


def test_a_key_an_earlier_rule_requires_besides_shared_ones_is_forbidden() -> None:
    # A response needs "channel" (as a notification does) and "id": "id" is forbidden.
    s = subscribed(protocol(response=Match(present=("/channel", "/id"))))
    assert taken(s, frame())
    assert not taken(s, frame(id=7))


def test_server_pings_are_excluded_by_their_key() -> None:
    json_ping = ServerPing(when=Match(present=("/ping",)), reply=Reply(request="pong"))
    text_ping = ServerPing(when=Match(), reply=Reply(request="pong"), text="ping")
    s = subscribed(protocol(pings=(json_ping, text_ping)))
    assert taken(s, frame())
    assert not taken(s, frame(ping=1))
    assert type(s.receive(frame(ping=1))).__name__ == "PingReceived"


def test_present_pointers_are_required() -> None:
    when = Match(present=("/channel", "/seq"), equals=UPDATE.equals)
    s = subscribed(protocol(dataclasses.replace(FLAT, when=when)))
    assert taken(s, frame(seq=5))
    assert not taken(s, frame())


@pytest.mark.parametrize(
    "rule",
    [
        # payload is the whole frame: no key to put the message under
        dataclasses.replace(FLAT, payload=""),
        # a pointer below a string value
        dataclasses.replace(FLAT, when=Match(present=("/type/x",), equals=UPDATE.equals)),
        # the channel key must also equal a constant
        dataclasses.replace(FLAT, when=Match(equals=(*UPDATE.equals, ("/channel", "fixed")))),
        # an absent key
        dataclasses.replace(FLAT, when=Match(absent=("/ping",), equals=UPDATE.equals)),
    ],
    ids=["whole-frame-payload", "below-a-string", "channel-constant", "absent"],
)
def test_rules_a_frame_schema_cannot_express_leave_every_frame_to_the_general_path(
    rule: NotificationRule,
) -> None:
    s = subscribed(protocol(rule))
    assert s.fast is None
    for text in (frame(), frame(type="update", ping=1), frame(data={**DATA, "type": "x"})):
        assert not taken(s, text)


def test_no_notification_rule_or_routing_by_subscription_id_has_no_fast_path() -> None:
    assert Session(protocol(None)).fast is None
    assert Session(protocol(dataclasses.replace(FLAT, subscription="/sub"))).fast is None


class Opaque:
    """A message type pydantic cannot build a schema for."""

    def __init__(self, data: Any) -> None:
        self.data = data

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Opaque) and other.data == self.data

    __hash__ = None  # type: ignore[assignment]


def test_a_message_type_pydantic_cannot_build_takes_the_general_path() -> None:
    spec = dataclasses.replace(TICKER, message_type=Opaque, parse=Opaque)
    s = subscribed(protocol(channel=spec))
    assert not taken(s, frame())
    out = s.receive(frame())
    assert isinstance(out, Notification) and out.message == Opaque(DATA)


class Tagged(BaseModel):
    instrument_name: str
    channel: str


def test_the_address_is_the_first_channel_key_in_either_json_style() -> None:
    spec = dataclasses.replace(TICKER, message_type=Tagged, parse=Tagged.model_validate)
    s = subscribed(protocol(channel=spec))
    data = {"instrument_name": "BTC", "channel": "zzz"}  # a later "channel" in the message
    styles = [True, False, False, True, True]  # compact, spaced (tried first next), ...
    assert [taken(s, frame(compact=c, data=data)) for c in styles] == [True] * len(styles)


def _nested(tokens: list[str], value: Any, into: dict[str, Any]) -> None:
    for token in tokens[:-1]:
        into = into.setdefault(token, {})
    into[tokens[-1]] = value


@pytest.mark.parametrize(
    ("channel", "payload"),
    [
        ("/params/channel", "/params/data"),  # the usual envelope: one key holds both
        ("/params/meta/channel", "/params/data"),
        ("/params/meta/channel", "/params/meta/data"),
        ("/a/b", "/b/c"),  # the channel's key names the payload's outer key
        ("/params/channel", "/result/data"),
        ("/data/channel", "/params/data"),  # the channel's outer key names the payload's key
    ],
)
def test_the_address_and_message_are_read_wherever_the_rule_puts_them(
    channel: str, payload: str
) -> None:
    rule = NotificationRule(when=UPDATE, channel=channel, payload=payload)
    s = subscribed(protocol(rule))
    body: dict[str, Any] = {"type": "update"}
    _nested(channel.split("/")[1:], ADDRESS, body)
    _nested(payload.split("/")[1:], DATA, body)
    assert taken(s, json.dumps(body, separators=(",", ":")))
