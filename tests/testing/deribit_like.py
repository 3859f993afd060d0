"""A Deribit-like JSON-RPC API, built by hand as IR, for the test server's tests."""

from __future__ import annotations

from dataclasses import replace

from nova_runtime.protocol import (
    Auth,
    Envelope,
    ErrorRule,
    Heartbeat,
    Match,
    NotificationRule,
    Reply,
    RequestFrame,
    ResponseRule,
    ServerPing,
)

from nova_gen.ir import (
    Api,
    Channel,
    ChannelExample,
    Event,
    Param,
    Request,
    RequestExample,
    Server,
    SubscriptionMethod,
)
from nova_gen.nova.signing import expand_recipe

LOGIN_PARAMS, LOGIN_SIGNATURE = expand_recipe(
    "deribit_client_signature",
    {"grant_type": "client_credentials", "client_id": "{client_id}", "client_secret": "{client_secret}"},
)
"""Deribit's client_signature login, as the old recipe name expands."""

ENVELOPE = Envelope(
    template={"jsonrpc": "2.0"},
    request=RequestFrame(id="/id", method="/method", params="/params"),
    response=ResponseRule(when=Match(present=("/id", "/result"))),
    error=ErrorRule(when=Match(present=("/id", "/error"))),
    notification=NotificationRule(
        when=Match(equals=(("/method", "subscription"),)),
        channel="/params/channel",
        payload="/params/data",
    ),
)

STRING = {"type": "string"}
CHANNELS = Param("channels", {"type": "array", "items": STRING})

TICK_BTC = {"instrument_name": "BTC-PERPETUAL", "mark_price": 64000.5, "timestamp": 1}
TICK_BTC_2 = {"instrument_name": "BTC-PERPETUAL", "mark_price": 64001.0, "timestamp": 2}
TICK_ETH = {"instrument_name": "ETH-PERPETUAL", "mark_price": 3100.25, "timestamp": 3}

INSTRUMENTS_BTC = [{"instrument_name": "BTC-PERPETUAL", "kind": "future"}]
INSTRUMENTS_BTC_OPTIONS = [{"instrument_name": "BTC-28JUN24-70000-C", "kind": "option"}]


def deribit_like_api() -> Api:
    return Api(
        name="deribit",
        title="Deribit-like",
        version="2",
        description="",
        source="tests/testing/deribit_like.py",
        servers=(Server("local", "ws://127.0.0.1:0"),),
        default_server="local",
        envelope=ENVELOPE,
        requests=(
            Request(
                name="get_time",
                method="public/get_time",
                params=(),
                result={"type": "integer"},
                examples=(RequestExample(params={}, result=1700000000000),),
            ),
            Request(
                name="get_instruments",
                method="public/get_instruments",
                params=(
                    Param("currency", STRING),
                    Param("kind", STRING, required=False),
                ),
                result={"type": "array"},
                examples=(
                    RequestExample(params={"currency": "BTC"}, result=INSTRUMENTS_BTC),
                    RequestExample(
                        params={"currency": "BTC", "kind": "option"},
                        result=INSTRUMENTS_BTC_OPTIONS,
                    ),
                    RequestExample(
                        name="unknown currency",
                        params={"currency": "XYZ"},
                        error={
                            "code": 10020,
                            "message": "invalid_currency",
                            "data": {"p": 1},
                        },
                    ),
                ),
            ),
            Request(
                name="buy",
                method="private/buy",
                params=(Param("amount", {"type": "number"}),),
                result={"type": "object"},
                # no examples: the server answers with a result built from the schema
            ),
            Request(
                name="public_subscribe",
                method="public/subscribe",
                params=(CHANNELS,),
                result={"type": "array"},
                examples=(
                    RequestExample(
                        params={"channels": ["ticker.BTC-PERPETUAL.100ms"]},
                        result=["ticker.BTC-PERPETUAL.100ms"],
                    ),
                ),
            ),
            Request(
                name="public_unsubscribe",
                method="public/unsubscribe",
                params=(CHANNELS,),
                result={"type": "array"},
                examples=(
                    RequestExample(
                        params={"channels": ["ticker.BTC-PERPETUAL.100ms"]},
                        result=["ticker.BTC-PERPETUAL.100ms"],
                    ),
                ),
            ),
            Request(
                name="set_heartbeat",
                method="public/set_heartbeat",
                params=(Param("interval", {"type": "integer"}),),
                result=STRING,
                examples=(RequestExample(params={"interval": 30}, result="ok"),),
            ),
            Request(
                name="test",
                method="public/test",
                params=(),
                result={"type": "object"},
                examples=(RequestExample(params={}, result={"version": "1.2.26"}),),
            ),
        ),
        subscriptions=(
            SubscriptionMethod(
                name="public",
                subscribe="public_subscribe",
                unsubscribe="public_unsubscribe",
                addresses="/channels",
            ),
        ),
        channels=(
            Channel(
                name="ticker",
                address="ticker.{instrument_name}.{interval}",
                parameters=(
                    Param("instrument_name", STRING),
                    Param("interval", {"enum": ["100ms", "raw"]}),
                ),
                subscription="public",
                message={"type": "object"},
                examples=(
                    ChannelExample(
                        {"instrument_name": "BTC-PERPETUAL", "interval": "100ms"},
                        TICK_BTC,
                    ),
                    ChannelExample(
                        {"instrument_name": "BTC-PERPETUAL", "interval": "100ms"},
                        TICK_BTC_2,
                    ),
                    ChannelExample(
                        {"instrument_name": "ETH-PERPETUAL", "interval": "raw"},
                        TICK_ETH,
                    ),
                ),
            ),
        ),
        events=(
            Event(
                name="heartbeat",
                when=Match(equals=(("/method", "heartbeat"),)),
                payload="/params",
                message={"type": "object"},
                examples=({"type": "heartbeat"},),
            ),
        ),
        heartbeat=Heartbeat(
            on_connect=Reply(request="public/set_heartbeat", params={"interval": 30}),
            server_pings=(
                ServerPing(
                    when=Match(
                        equals=(
                            ("/method", "heartbeat"),
                            ("/params/type", "test_request"),
                        )
                    ),
                    reply=Reply(request="public/test"),
                ),
            ),
        ),
    )


AUTH_RESULT = {
    "access_token": "example-token",
    "expires_in": 900,
    "refresh_token": "example-refresh",
    "scope": "connection",
    "token_type": "bearer",
}
POSITIONS = [{"instrument_name": "BTC-PERPETUAL", "size": 10}]
ORDERS_CHANNEL = "user.orders.BTC-PERPETUAL.raw"


def deribit_auth_api(*, error_example: bool = True) -> Api:
    """The Deribit-like API plus ``public/auth``, a private request and a private
    subscription method, with ``api.auth`` set the way the Deribit spec sets it."""
    base = deribit_like_api()
    auth_examples = [
        RequestExample(
            params={"grant_type": "client_credentials", "client_id": "id"},
            result=AUTH_RESULT,
        )
    ]
    if error_example:
        auth_examples.append(
            RequestExample(
                name="wrong secret",
                params={"grant_type": "client_credentials", "client_secret": "bad"},
                error={"code": 13004, "message": "invalid_credentials"},
            )
        )
    requests = (
        *base.requests,
        Request(
            name="auth",
            method="public/auth",
            params=(Param("grant_type", STRING),),
            result={"type": "object"},
            examples=tuple(auth_examples),
        ),
        Request(
            name="get_positions",
            method="private/get_positions",
            params=(),
            result={"type": "array"},
            requires_auth=True,
            examples=(RequestExample(params={}, result=POSITIONS),),
        ),
        Request(
            name="private_subscribe",
            method="private/subscribe",
            params=(CHANNELS,),
            result={"type": "array"},
        ),
    )
    orders = Channel(
        name="orders",
        address="user.orders.{instrument_name}.raw",
        parameters=(Param("instrument_name", STRING),),
        subscription="private",
        message={"type": "object"},
        examples=(ChannelExample({"instrument_name": "BTC-PERPETUAL"}, {"o": 1}),),
    )
    return replace(
        base,
        requests=requests,
        subscriptions=(
            *base.subscriptions,
            SubscriptionMethod(
                name="private",
                subscribe="private_subscribe",
                unsubscribe=None,
                requires_auth=True,
            ),
        ),
        channels=(*base.channels, orders),
        auth=Auth(
            request="public/auth",
            params=LOGIN_PARAMS,
            refresh_params={
                "grant_type": "refresh_token",
                "refresh_token": "{refresh_token}",
            },
            signature=LOGIN_SIGNATURE,
        ),
        auth_request="auth",
    )
