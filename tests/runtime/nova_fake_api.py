"""A tiny hand-written stand-in for a generated package (Deribit-like JSON-RPC).

It is written the way the generator will write code, so the tests also check that the
runtime contract type-checks from the generated side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from nova_runtime import (
    BaseClient,
    BaseHandlers,
    ConnectOptions,
    Connector,
    ServerError,
    Subscription,
    default_hook,
)
from nova_runtime.protocol import (
    ChannelSpec,
    Envelope,
    ErrorRule,
    EventSpec,
    Heartbeat,
    Match,
    NotificationRule,
    Protocol,
    Reply,
    RequestFrame,
    RequestSpec,
    ResponseRule,
    ServerPing,
    SubscribeMethod,
)
from pydantic import BaseModel, TypeAdapter


class Ticker(BaseModel):
    instrument_name: str
    last_price: float
    seq: int = 0


class Heartbeat_(BaseModel):
    type: str


@dataclass(frozen=True, slots=True)
class TickerChannel:
    instrument_name: str
    interval: Literal["100ms", "raw"]


class TooManyRequests(ServerError):
    pass


GET_TIME: RequestSpec[int] = RequestSpec(
    name="get_time", method="public/get_time", parse_result=TypeAdapter(int).validate_python
)
SLOW: RequestSpec[int] = RequestSpec(
    name="slow", method="public/slow", parse_result=TypeAdapter(int).validate_python
)
SUBSCRIBE: RequestSpec[list[str]] = RequestSpec(
    name="subscribe", method="public/subscribe", parse_result=TypeAdapter(list[str]).validate_python
)
TICKER: ChannelSpec[Ticker, TickerChannel] = ChannelSpec(
    name="ticker",
    address="ticker.{instrument_name}.{interval}",
    parameters=("instrument_name", "interval"),
    parse=TypeAdapter(Ticker).validate_python,
    channel_type=TickerChannel,
    hook="on_ticker",
    via="public",
)
HEARTBEAT: EventSpec[Heartbeat_] = EventSpec(
    name="heartbeat",
    when=Match(equals=(("/method", "heartbeat"),)),
    payload="/params",
    parse=TypeAdapter(Heartbeat_).validate_python,
    hook="on_heartbeat",
)


def make_protocol(
    *, id_kind: Literal["int", "str", "uuid"] = "int", batch: bool = True
) -> Protocol:
    return Protocol(
        name="fake",
        servers={"local": "ws://127.0.0.1:1/", "other": "ws://127.0.0.1:2/"},
        default_server="local",
        envelope=Envelope(
            template={"jsonrpc": "2.0"},
            request=RequestFrame(id_kind=id_kind),
            response=ResponseRule(when=Match(present=("/id", "/result"))),
            error=ErrorRule(when=Match(present=("/id", "/error"))),
            notification=NotificationRule(when=Match(equals=(("/method", "subscription"),))),
        ),
        requests={r.method: r for r in (GET_TIME, SLOW, SUBSCRIBE)},
        channels=(TICKER,),
        subscribe_methods={
            "public": SubscribeMethod(
                name="public",
                subscribe="public/subscribe",
                unsubscribe="public/unsubscribe",
                batch=batch,
            )
        },
        events=(HEARTBEAT,),
        heartbeat=Heartbeat(
            on_connect=Reply(request="public/set_heartbeat", params={"interval": 10}),
            server_pings=(
                ServerPing(
                    when=Match(equals=(("/method", "heartbeat"), ("/params/type", "test_request"))),
                    reply=Reply(request="public/test"),
                ),
            ),
        ),
        error_classes={10028: TooManyRequests},
    )


PROTOCOL = make_protocol()


class FakeHandlers(BaseHandlers):
    @default_hook
    async def on_ticker(self, message: Ticker, channel: TickerChannel) -> None:
        """A ticker message."""

    @default_hook
    async def on_heartbeat(self, message: Heartbeat_) -> None:
        """A heartbeat."""


class FakeClient(BaseClient[FakeHandlers]):
    @classmethod
    def connect(
        cls,
        *,
        server: Literal["local", "other"] | None = None,
        url: str | None = None,
        handlers: FakeHandlers | None = None,
        request_timeout: float = 10.0,
        options: ConnectOptions | None = None,
    ) -> Connector[FakeClient]:
        return Connector(
            cls,
            PROTOCOL,
            server=server,
            url=url,
            handlers=handlers or FakeHandlers(),
            request_timeout=request_timeout,
            credentials={"client_id": None},
            options=options,
        )

    async def get_time(self, *, timeout: float | None = None) -> int:
        return await self._request(GET_TIME, {}, timeout=timeout)

    async def slow(self, *, timeout: float | None = None) -> int:
        return await self._request(SLOW, {}, timeout=timeout)

    def subscribe_ticker(
        self, *, instrument_name: str, interval: Literal["100ms", "raw"]
    ) -> Subscription[Ticker, TickerChannel]:
        return self._subscribe(
            TICKER, TickerChannel(instrument_name=instrument_name, interval=interval)
        )

    async def unsubscribe_ticker(
        self, *, instrument_name: str, interval: Literal["100ms", "raw"]
    ) -> None:
        await self._unsubscribe(
            TICKER, TickerChannel(instrument_name=instrument_name, interval=interval)
        )
