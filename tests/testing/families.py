"""Hand-built IRs with the shapes of the Binance and Coinbase specs (not loadable yet), and
small helpers for raw-socket tests of the protocol families."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection

from nova_gen.ir import (
    Api,
    Channel,
    ChannelExample,
    Param,
    Request,
    RequestExample,
    Server,
    SubscriptionMethod,
)
from nova_gen.loader import load_api
from nova_gen.runtime.protocol import (
    Envelope,
    ErrorRule,
    Match,
    NotificationRule,
    RequestFrame,
    ResponseRule,
    Sequence,
)

SPECS = Path(__file__).resolve().parents[2] / "specs"
STRING = {"type": "string"}


def load_spec(name: str) -> Api:
    """The spec ``specs/<name>.yaml`` (a failure to load fails the test)."""
    return load_api(SPECS / f"{name}.yaml")


async def recv_json(ws: ClientConnection) -> Any:
    return json.loads(await ws.recv())


async def recv_until(ws: ClientConnection, pred: Callable[[Any], bool], limit: int = 100) -> Any:
    for _ in range(limit):
        frame = await recv_json(ws)
        if pred(frame):
            return frame
    raise AssertionError("no matching frame")


async def collect(ws: ClientConnection, pred: Callable[[Any], bool], n: int, limit: int = 200) -> list[Any]:
    out: list[Any] = []
    for _ in range(limit):
        frame = await recv_json(ws)
        if pred(frame):
            out.append(frame)
            if len(out) == n:
                return out
    raise AssertionError(f"only {len(out)} of {n} matching frames")


def binance_like_api() -> Api:
    """Binance: params ARE the list of string addresses; combined-stream notifications."""
    trade = {"e": "trade", "s": "BTCUSDT", "p": "64000.1", "q": "0.01", "t": 1}
    return Api(
        name="binance",
        title="Binance-like",
        version="1",
        description="",
        source="tests/testing/families.py",
        servers=(Server("local", "ws://127.0.0.1:0"),),
        default_server="local",
        envelope=Envelope(
            request=RequestFrame(id="/id", method="/method", params="/params"),
            response=ResponseRule(when=Match(present=("/id",), absent=("/error",))),
            error=ErrorRule(
                when=Match(present=("/id", "/error")), code="/error/code", message="/error/msg"
            ),
            notification=NotificationRule(
                when=Match(present=("/stream", "/data")), channel="/stream", payload="/data"
            ),
        ),
        requests=(
            Request(
                name="subscribe",
                method="SUBSCRIBE",
                params=(),
                result={"type": "null"},
                examples=(RequestExample(params=["btcusdt@trade"], result=None),),  # type: ignore[arg-type]
            ),
            Request(
                name="unsubscribe",
                method="UNSUBSCRIBE",
                params=(),
                result={"type": "null"},
                examples=(RequestExample(params=["btcusdt@trade"], result=None),),  # type: ignore[arg-type]
            ),
        ),
        subscriptions=(
            SubscriptionMethod(
                name="streams", subscribe="subscribe", unsubscribe="unsubscribe", addresses=""
            ),
        ),
        channels=(
            Channel(
                name="trade",
                address="{symbol}@trade",
                parameters=(Param("symbol", STRING),),
                subscription="streams",
                message={"type": "object"},
                examples=(ChannelExample({"symbol": "btcusdt"}, trade),),
            ),
            Channel(
                name="partial_depth",
                address="{symbol}@depth{levels}@100ms",
                parameters=(Param("symbol", STRING), Param("levels", {"enum": [5, 10, 20]})),
                subscription="streams",
                message={"type": "object"},
                examples=(ChannelExample({"symbol": "btcusdt", "levels": 5}, {"bids": []}),),
            ),
        ),
    )


L2_SNAPSHOT = {
    "channel": "l2_data",
    "client_id": "",
    "timestamp": "2023-02-09T20:32:50.714964855Z",
    "sequence_num": 0,
    "events": [{"type": "snapshot", "product_id": "BTC-USD", "updates": []}],
}


def coinbase_like_api() -> Api:
    """Coinbase Advanced Trade: params merged into the frame, symbol lists, no ack, routed by
    ``/events/0/product_id``, ``sequence_num`` continuity."""
    return Api(
        name="coinbase",
        title="Coinbase-like",
        version="1",
        description="",
        source="tests/testing/families.py",
        servers=(Server("local", "ws://127.0.0.1:0"),),
        default_server="local",
        envelope=Envelope(
            request=RequestFrame(id=None, method="/type", params=""),
            error=ErrorRule(
                when=Match(equals=(("/type", "error"),)), id="/id", code="/message", message="/message"
            ),
            notification=NotificationRule(
                when=Match(present=("/channel", "/events")), channel="/channel", payload=""
            ),
        ),
        requests=(
            Request(name="subscribe", method="subscribe", params=(), result={}, reply=False),
            Request(name="unsubscribe", method="unsubscribe", params=(), result={}, reply=False),
        ),
        subscriptions=(
            SubscriptionMethod(
                name="market",
                subscribe="subscribe",
                unsubscribe="unsubscribe",
                addresses="",
                batch=False,
                ack="none",
            ),
        ),
        channels=(
            Channel(
                name="level2",
                address='{"channel":"level2","product_id":"{product_id}"}',
                structured={"channel": "level2", "product_id": "{product_id}"},
                subscribe_params={"channel": "level2", "product_ids": ["{product_id}"]},
                when=Match(equals=(("/channel", "l2_data"),)),
                route=(("product_id", "/events/0/product_id"),),
                sequence=Sequence(field="/sequence_num"),
                parameters=(Param("product_id", STRING),),
                subscription="market",
                message={"type": "object"},
                examples=(ChannelExample({"product_id": "BTC-USD"}, L2_SNAPSHOT),),
            ),
        ),
    )
