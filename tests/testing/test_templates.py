"""Address templates and request routing of the test server (no sockets)."""

from __future__ import annotations

from dataclasses import replace

from nova_runtime.core.match import compile_match

from nova_gen.ir import SubscriptionMethod
from nova_gen.testing.drift import put
from nova_gen.testing.routing import IdMaker, Router, id_in_unsubscribe
from nova_gen.testing.streams import NotificationFramer, Subscription
from nova_gen.testing.templates import fill, key_of, match

from .deribit_like import deribit_like_api
from .families import load_spec

S = {"symbol": {}, "depth": {}, "levels": {"enum": [5, 10]}}


def test_match_binds_values_lists_regexes_and_constants() -> None:
    assert match("{symbol}", ["a"], S) == [{"symbol": ["a"]}]
    assert match("{symbol}@depth{levels}@100ms", "btc@depth10@100ms", S) == [
        {"symbol": "btc", "levels": "10"}
    ]
    assert match("{symbol}@trade", "btc@depth", S) is None
    template = {"channel": "book", "symbol": ["{symbol}"], "depth": "{depth}", "snapshot": True}
    assert match(template, {"channel": "book", "symbol": ["A", "B"], "depth": 10, "x": 1}, S) == [
        {"symbol": "A", "depth": 10},
        {"symbol": "B", "depth": 10},
    ]
    # optional parameter and constant option missing; a string constant must be there
    assert match(template, {"channel": "book", "symbol": ["A"]}, S) == [{"symbol": "A"}]
    assert match(template, {"symbol": ["A"]}, S) is None
    assert match(template, {"channel": "book", "symbol": []}, S) == []
    # array templates (Ethereum); braces that are no parameter are text
    assert match(["logs", {"address": "{symbol}"}], ["logs", {"address": "0x1"}], S) == [{"symbol": "0x1"}]
    assert match(["newHeads"], ["logs"], S) is None
    assert match("query { a }", "query { a }", S) == [{}]
    assert match(1, True, S) is None


def test_fill_and_keys() -> None:
    assert fill({"channel": "candle{levels}", "instId": "{symbol}"}, {"levels": 5, "symbol": "X"}, S) == {
        "channel": "candle5",
        "instId": "X",
    }
    assert fill(["logs", {"address": "{symbol}", "topics": "{depth}"}], {"symbol": "0x1"}, S) == [
        "logs",
        {"address": "0x1"},
    ]
    assert key_of({"b": 1, "a": 2}) == '{"a":2,"b":1}' and key_of("x.y") == "x.y"


def test_router_keeps_deribit_addresses_and_reports_unmatched() -> None:
    api = deribit_like_api()
    router = Router(api.channels)
    targets, unmatched = router.targets(
        api.subscriptions[0], {"channels": ["ticker.BTC-PERPETUAL.100ms", "nope", "ticker.BTC-PERPETUAL.100ms"]}
    )
    assert [t.key for t in targets] == ["ticker.BTC-PERPETUAL.100ms"]
    assert targets[0].params == {"instrument_name": "BTC-PERPETUAL", "interval": "100ms"}
    assert unmatched == ["nope"]


def test_route_written_after_payload_and_sequence() -> None:
    api = load_spec("coinbase")
    router = Router(api.channels)
    (target,) = router.targets(api.subscriptions[0], {"channel": "level2", "product_ids": ["ETH-USD"]})[0]
    assert target.address == {"channel": "l2_data", "product_id": "ETH-USD"}
    framer = NotificationFramer(api.envelope)
    sub = Subscription(target)
    message = api.channels[0].examples[0].message
    first = framer.frame(sub, message)
    assert first["events"][0]["product_id"] == "ETH-USD"  # the example said BTC-USD
    assert first["channel"] == "l2_data" and first["sequence_num"] == 0
    assert framer.frame(sub, message, skip=2)["sequence_num"] == 3
    assert message["events"][0]["product_id"] == "BTC-USD"  # examples are not mutated


def test_subscription_ids() -> None:
    eth = SubscriptionMethod("eth", "s", "u", addresses="", subscription_id="", unsubscribe_params=["{subscription_id}"])
    made = IdMaker("0x9cef478923ff08bf67fde6c64013158d").make(1, eth)
    assert isinstance(made, str) and made.startswith("0x") and len(made) == 34
    assert IdMaker(7).make(1, eth) == 1
    assert id_in_unsubscribe(eth, [made], 5) == made
    gql = replace(eth, subscription_id="request", unsubscribe_params=None)
    assert IdMaker().make("op", gql) == "op" and id_in_unsubscribe(gql, {}, "op") == "op"


def test_put_steps_into_lists() -> None:
    doc: dict[str, object] = {"data": [{"symbol": "A"}]}
    put(doc, "/data/0/symbol", "B")
    put(doc, "/arg/channel", "x")
    put(doc, "/data/5/symbol", "C")  # out of range: nothing
    assert doc == {"data": [{"symbol": "B"}], "arg": {"channel": "x"}}


def test_notification_frames_meet_in_and_not() -> None:
    """Every condition kind of the notification rule holds in a streamed frame: an `in`
    the example does not meet gets the first listed value, a `not` value is removed."""
    api = load_spec("coinbase")
    rule = api.envelope.notification
    assert rule is not None
    when = replace(rule.when, one_of=(("/kind", ("update", "snapshot")),), none_of=(*rule.when.none_of, ("/stale", (True,))))
    envelope = replace(api.envelope, notification=replace(rule, when=when))
    (target,) = Router(api.channels).targets(api.subscriptions[0], {"channel": "level2", "product_ids": ["ETH-USD"]})[0]
    message = {**api.channels[0].examples[0].message, "kind": "other", "stale": True}
    frame = NotificationFramer(envelope).frame(Subscription(target), message)
    assert compile_match(when)(frame)
    assert frame["kind"] == "update" and "stale" not in frame and frame["channel"] == "l2_data"
