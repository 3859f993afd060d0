"""The desired subscription set and the frame waiters of the sans-I/O core, state by state:
which entry a subscription id routes to, what leaves the set when, and which waiter a frame
answers."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import Any

import pytest
from nova_runtime import protocol as p
from nova_runtime.core import subscriptions
from nova_runtime.core.subscriptions import Subscriptions
from nova_runtime.core.waiters import Waiters

from .nova_fake_api import TICKER, TickerChannel, make_protocol

BTC = TickerChannel(instrument_name="BTC", interval="raw")
ETH = TickerChannel(instrument_name="ETH", interval="raw")


def subs() -> Subscriptions:
    return Subscriptions(make_protocol())


def test_subscription_ids_route_until_forgotten() -> None:
    s = subs()
    btc, _ = s.add(TICKER, BTC, "a")
    eth, _ = s.add(TICKER, ETH, "b")
    s.set_id(btc, 7)
    s.set_id(eth, {"op": [1]})  # unhashable: routed by its canonical JSON
    assert s.by_id == {7: btc, '{"op":[1]}': eth}
    s.set_id(btc, 8)  # a new id replaces the old one
    assert s.by_id == {8: btc, '{"op":[1]}': eth}
    # Another entry's id is not removed by forgetting this one's.
    s.by_id[9] = eth
    btc.sub_id = 9
    s.forget_id(btc)
    assert s.by_id[9] is eth
    btc.sub_id = 8
    assert s.remove(btc.address) is btc and btc.state == "unsubscribed"
    assert s.by_id == {9: eth, '{"op":[1]}': eth}
    assert s.mark_failed([eth.address], RuntimeError("no")) == [eth]
    assert s.by_id == {9: eth}  # its own (canonical) id went with it
    assert s.remove("never.subscribed") is None


def test_reset_for_reconnect_forgets_ids_and_sets_active_entries_pending() -> None:
    s = subs()
    btc, _ = s.add(TICKER, BTC, "a")
    s.set_id(btc, 7)
    assert s.mark_active([btc.address, "unknown"]) == [btc]
    assert s.mark_active([btc.address]) == []  # already active: nothing changes
    s.reset_for_reconnect()
    assert (btc.state, btc.sub_id, s.by_id) == ("pending", None, {})
    s.forget_id(btc)  # no id: nothing to do
    assert s.by_id == {}


def test_the_last_sink_unsubscribes_unless_the_entry_is_already_gone() -> None:
    s = subs()
    btc, new = s.add(TICKER, BTC, "a")
    same, again = s.add(TICKER, BTC, "b")
    assert (new, again, same is btc) == (True, False, True)
    assert s.remove_sink(btc, "a") is False and btc.sinks == ["b"]
    assert s.remove_sink(btc, "zzz") is False  # not a sink of it
    assert s.remove_sink(btc, "b") is True and s.get(btc.address) is None
    for state in ("failed", "unsubscribed"):
        eth, _ = s.add(TICKER, ETH, "a")
        eth.state = state  # type: ignore[assignment]
        assert s.remove_sink(eth, "a") is False
        assert s.get(eth.address) is eth  # left to whoever ended it
        s.remove(eth.address)


def test_clear_ends_every_entry() -> None:
    s = subs()
    btc, _ = s.add(TICKER, BTC, "a")
    eth, _ = s.add(TICKER, ETH, "b")
    s.set_id(eth, 1)
    assert s.entries() == [btc, eth]
    assert s.clear() == [btc, eth]
    assert {btc.state, eth.state} == {"unsubscribed"}
    assert (s.entries(), s.routes, s.by_id) == ([], {}, {})


def test_template_channels_fall_back_to_calling_the_channel_type() -> None:
    class Plain:
        def __init__(self, instrument_name: str, interval: str) -> None:
            self.args = (instrument_name, interval)

    proto = make_protocol()
    plain = dataclasses.replace(TICKER, channel_type=Plain)  # type: ignore[arg-type]
    s = Subscriptions(dataclasses.replace(proto, channels=(plain,)))
    hit = s.match_template("ticker.SOL.raw")
    assert hit is not None and hit[0] is plain
    assert isinstance(hit[1], Plain) and hit[1].args == ("SOL", "raw")
    assert s.match_template("book.SOL.raw") is None


# -- waiters -------------------------------------------------------------------------------


def test_waiters_take_matches_or_predicates_and_answer_the_oldest_first() -> None:
    w = Waiters()
    by_match = w.add(p.Match(equals=(("/type", "pong"),)), lambda f: f, method="ping", now=1.0, timeout=2.0)
    by_predicate = w.add(lambda f: f.get("n") == 1, lambda f: f["n"], method="n", now=0.0, timeout=5.0)
    twin = w.add(p.Match(equals=(("/type", "pong"),)), lambda f: f, method="ping2", now=1.0, timeout=4.0)
    assert (by_match.deadline, by_match.timeout, by_match.method) == (3.0, 2.0, "ping")
    assert w.next_deadline() == 3.0
    assert w.offer({"n": 1}) is by_predicate
    assert w.offer({"type": "pong"}) is by_match
    assert w.offer({"type": "pong"}) is twin
    assert w.offer({"type": "pong"}) is None and not w and w.next_deadline() is None


def test_a_failing_predicate_is_no_match() -> None:
    w = Waiters()

    def broken(frame: Any) -> bool:
        raise KeyError("x")

    w.add(broken, lambda f: f, method="m", now=0.0, timeout=1.0)
    good = w.add(lambda f: True, lambda f: f, method="m", now=0.0, timeout=1.0)
    assert w.offer({}) is good and len(w) == 1


@pytest.mark.parametrize("value", [[1, 2], {"a": 1}])
def test_an_unhashable_match_still_works(value: Any) -> None:
    w = Waiters()
    waiter = w.add(p.Match(equals=(("/v", value),)), lambda f: f, method="m", now=0.0, timeout=1.0)
    assert w.offer({"v": value}) is waiter


# -- addresses and subscribe params --------------------------------------------------------


class Interval(enum.Enum):
    FAST = "100ms"


@dataclass(frozen=True)
class Renamed:
    """A channel type whose attribute names differ from the wire parameters (``fields``)."""

    name: str
    every: Interval


def test_enum_values_and_attribute_names_fill_addresses() -> None:
    spec = dataclasses.replace(TICKER, channel_type=Renamed, fields=("name", "every"))
    proto = dataclasses.replace(make_protocol(), channels=(spec,))
    s = Subscriptions(proto)
    entry, _ = s.add(spec, Renamed("BTC", Interval.FAST), "a")
    assert entry.address == "ticker.BTC.100ms" and entry.wire == "ticker.BTC.100ms"
    assert Subscriptions.values_of(spec, Renamed("BTC", Interval.FAST)) == {
        "instrument_name": "BTC", "interval": "100ms"
    }
    assert entry.channel == Renamed("BTC", Interval.FAST)
    hit = s.match_template("ticker.ETH.100ms")
    assert hit is not None and hit[1] == Renamed("ETH", Interval.FAST)


def test_an_unknown_subscribe_method_is_named() -> None:
    spec = dataclasses.replace(TICKER, via="nope")
    with pytest.raises(ValueError, match="^channel 'ticker' uses unknown subscribe method 'nope'$"):
        subs().add(spec, BTC, "a")


def method(**kw: Any) -> p.SubscribeMethod:
    return p.SubscribeMethod(name="m", subscribe="SUB", unsubscribe="UNSUB", **kw)


def test_params_for_string_addresses_as_the_params_list() -> None:
    s = subs()
    btc, _ = s.add(TICKER, BTC, "a")
    batched = method(addresses="", batch=True)
    assert s.params_for(batched, [btc, "other.address"]) == [
        ((btc.address, "other.address"), [btc.address, "other.address"])
    ]
    single = method(addresses="", batch=False)
    assert s.params_for(single, [btc.address]) == [((btc.address,), [btc.address])]
    assert s.params_for(single, []) == []
    pointer = method(addresses="/channels", batch=False)
    assert s.params_for(pointer, [btc.address, "x"]) == [
        ((btc.address,), {"channels": [btc.address]}), (("x",), {"channels": ["x"]})
    ]


def test_params_for_unsubscribing() -> None:
    s = subs()
    btc, _ = s.add(TICKER, BTC, "a")
    s.set_id(btc, "0xab")
    by_id = method(addresses="", unsubscribe_params=["{subscription_id}"])
    assert s.params_for(by_id, [btc], unsubscribe=True) == [((btc.address,), ["0xab"])]
    request_id = method(addresses="", subscription_id="request")
    assert s.params_for(request_id, [btc], unsubscribe=True) == [((btc.address,), None)]
    assert s.params_for(request_id, [btc])[0][1] == [btc.address]  # subscribing: the address


def test_structured_wires_and_string_items_of_known_entries() -> None:
    proto = make_protocol()
    structured = dataclasses.replace(TICKER, structured={"channel": "ticker", "pair": "{instrument_name}"})
    s = Subscriptions(dataclasses.replace(proto, channels=(structured,)))
    entry, _ = s.add(structured, BTC, "a")
    assert entry.wire == {"channel": "ticker", "pair": "BTC"}  # no subscribe_params: the object
    one = method(addresses="", batch=False)
    assert s.params_for(one, [entry.address]) == [((entry.address,), {"channel": "ticker", "pair": "BTC"})]
    assert entry.received == 0  # messages delivered so far (the stale watchdog reads it)


def test_an_array_shaped_structured_address_is_the_params_as_it_is() -> None:
    proto = make_protocol()
    arrayed = dataclasses.replace(TICKER, structured=["ticker", "{instrument_name}"])
    s = Subscriptions(dataclasses.replace(proto, channels=(arrayed,)))
    entry, _ = s.add(arrayed, BTC, "a")
    assert entry.wire == ["ticker", "BTC"]
    one = method(addresses="", batch=False)
    assert s.params_for(one, [entry.address]) == [((entry.address,), ["ticker", "BTC"])]


def test_failing_or_forgetting_what_is_not_there() -> None:
    s = subs()
    assert s.mark_failed(["never.subscribed"], RuntimeError("x")) == []
    btc, _ = s.add(TICKER, BTC, "a")
    btc.sub_id = {"unhashable": [1]}  # never registered
    s.forget_id(btc)
    assert s.by_id == {}


def test_clients_of_one_protocol_share_its_compiled_address_templates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The templates are compiled once per protocol object, kept with that object (a
    protocol collected and another given its id gets its own), for at most
    ``_SHARED_MAX`` protocols."""
    one, other = make_protocol(), make_protocol()
    first = Subscriptions(one)._templates
    assert first and Subscriptions(one)._templates is first
    assert Subscriptions(other)._templates is not first
    assert Subscriptions(other)._templates is Subscriptions(other)._templates
    # An entry left by a collected protocol whose id the new one reuses is not taken.
    monkeypatch.setitem(subscriptions._TEMPLATES, id(other), (one, first))
    replaced = Subscriptions(other)._templates
    assert replaced is not first and subscriptions._TEMPLATES[id(other)][0] is other
    assert Subscriptions(other)._templates is replaced

    subscriptions._TEMPLATES.clear()
    monkeypatch.setattr(subscriptions, "_SHARED_MAX", 1)
    first = Subscriptions(one)._templates
    assert Subscriptions(other)._templates is not Subscriptions(other)._templates
    assert list(subscriptions._TEMPLATES) == [id(one)]
    assert Subscriptions(one)._templates is first
    hit = Subscriptions(other).match_template("ticker.BTC.raw")  # unshared, still compiled
    assert hit is not None and hit[1] == BTC
