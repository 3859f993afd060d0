"""SpecServer's connection-level fault controls, against a plain ``websockets`` client."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, replace

import pytest
from nova_runtime.protocol import Hello, Match
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.http11 import Request

from nova_gen.ir import Api
from nova_gen.testing import MessageLimit, SpecServer

from .deribit_like import deribit_like_api
from .test_server import TICKER_BTC, call, is_note, notes, recv_until, send

pytestmark = pytest.mark.asyncio

TIMEOUT = 5.0


async def test_refuse_connections_during_handshake() -> None:
    async with asyncio.timeout(TIMEOUT), SpecServer(deribit_like_api()) as server:
        server.refuse_connections(2, status=429)
        for _ in range(2):
            with pytest.raises(InvalidStatus) as info:
                async with connect(server.url):
                    pass
            assert info.value.response.status_code == 429
        async with connect(server.url) as ws:
            assert (await call(ws, 1, "public/get_time"))["result"] == 1700000000000
        assert server.refused == 2 and server.connections == 1
        server.refuse_connections(1)  # default 503
        with pytest.raises(InvalidStatus) as info:
            async with connect(server.url):
                pass
        assert info.value.response.status_code == 503 and server.refused == 3


async def test_stall_until_unstall_fires_the_clients_ping_timeout() -> None:
    async with (
        asyncio.timeout(TIMEOUT),
        SpecServer(deribit_like_api(), notify_interval=0.002) as server,
    ):
        async with connect(
            server.url, ping_interval=0.05, ping_timeout=0.2, close_timeout=0.2
        ) as ws:
            await call(ws, 1, "public/subscribe", {"channels": [TICKER_BTC]})
            await notes(ws, 2)
            server.stall()
            await send(ws, 2, "public/get_time")  # notifications in flight may still land
            with pytest.raises(ConnectionClosed) as info:
                for _ in range(10_000):
                    frame = json.loads(await ws.recv())
                    assert frame.get("id") != 2, "a stalled server answered"
            # closed by the keepalive: 1011 "keepalive ping timeout"
            assert info.value.sent is not None and info.value.sent.code == 1011
        # connections opened during the stall are served
        async with connect(server.url) as ws2:
            assert (await call(ws2, 1, "public/get_time"))["result"] == 1700000000000
        server.unstall()


async def test_stall_for_seconds_then_answers() -> None:
    async with (
        asyncio.timeout(TIMEOUT),
        SpecServer(deribit_like_api()) as server,
        connect(server.url, ping_interval=None) as ws,
    ):
        await server.wait_for(lambda: server.open_connections == 1)
        server.stall(0.1)
        await send(ws, 1, "public/get_time")
        reply = json.loads(await ws.recv())
        # The answer came only once the stall had run out (the test never unstalled).
        assert reply["result"] == 1700000000000 and server.stalls_ended == 1
        # unstall cancels a timed stall early
        server.stall(60)
        await send(ws, 2, "public/get_time")
        server.unstall()
        assert json.loads(await ws.recv())["id"] == 2 and server.stalls_ended == 2


@pytest.mark.parametrize(
    ("code", "reason"),
    [(1001, "going away"), (1011, "internal error"), (4000, "app says bye")],
)
async def test_close_connections_codes(code: int, reason: str) -> None:
    async with (
        asyncio.timeout(TIMEOUT),
        SpecServer(deribit_like_api()) as server,
        connect(server.url) as ws,
    ):
        await server.wait_for(lambda: server.open_connections == 1)
        await server.close_connections(code, reason)
        with pytest.raises(ConnectionClosed) as info:
            await ws.recv()
        assert info.value.rcvd is not None
        assert (info.value.rcvd.code, info.value.rcvd.reason) == (code, reason)
        await server.wait_for(lambda: server.open_connections == 0, timeout=2)


async def test_drop_every_aborts_repeatedly_until_stopped() -> None:
    async with asyncio.timeout(TIMEOUT), SpecServer(deribit_like_api()) as server:
        server.drop_every(0.05)
        for _ in range(3):
            async with connect(server.url) as ws:
                with pytest.raises(ConnectionClosed) as info:
                    await ws.recv()
                assert info.value.rcvd is None  # aborted: no close frame
        assert server.drops >= 3
        server.drop_every(None)
        drops = server.drops
        async with connect(server.url) as ws:
            # 30 notifications 0.01 s apart outlast six drop periods of 0.05 s on the
            # server's own clock: the connection would have been dropped by now.
            await call(ws, 1, "public/subscribe", {"channels": [TICKER_BTC]})
            assert len(await notes(ws, 30)) == 30
            assert (await call(ws, 2, "public/get_time"))["result"] == 1700000000000
        assert server.drops == drops
        with pytest.raises(ValueError):
            server.drop_every(0)


async def test_throttle_any_method_then_normal() -> None:
    async with (
        asyncio.timeout(TIMEOUT),
        SpecServer(deribit_like_api()) as server,
        connect(server.url) as ws,
    ):
        server.throttle(2)
        for rid, method in ((1, "public/get_time"), (2, "public/test")):
            reply = await call(ws, rid, method)
            assert reply["error"] == {"code": 10028, "message": "too_many_requests"}
        assert (await call(ws, 3, "public/get_time"))["result"] == 1700000000000
        server.throttle(1, 429, "slow down")
        assert (await call(ws, 4, "public/test"))["error"]["code"] == 429
        assert server.throttled == 3


async def test_throttle_close_after_closes_with_1008() -> None:
    async with (
        asyncio.timeout(TIMEOUT),
        SpecServer(deribit_like_api()) as server,
        connect(server.url) as ws,
    ):
        server.throttle(1, close_after=True)
        reply = await call(ws, 1, "public/get_time")
        assert reply["error"]["code"] == 10028
        with pytest.raises(ConnectionClosed) as info:
            await ws.recv()
        assert info.value.rcvd is not None and info.value.rcvd.code == 1008


async def test_connection_log_keeps_order_per_connection() -> None:
    async with asyncio.timeout(TIMEOUT), SpecServer(deribit_like_api()) as server:
        async with connect(server.url) as ws:
            await call(ws, 1, "public/set_heartbeat", {"interval": 30})
            await call(ws, 2, "public/subscribe", {"channels": [TICKER_BTC]})
        server.drop_connections()
        async with connect(server.url) as ws:
            await call(ws, 1, "public/test")
            await call(ws, 2, "public/subscribe", {"channels": [TICKER_BTC]})
            await recv_until(ws, is_note)
            assert server.connection_log(2) == [
                ("public/test", {}),
                ("public/subscribe", {"channels": [TICKER_BTC]}),
            ]
        assert server.connection_log(1) == [
            ("public/set_heartbeat", {"interval": 30}),
            ("public/subscribe", {"channels": [TICKER_BTC]}),
        ]
        assert server.connection_log(3) == []


@dataclass(frozen=True)
class _HelloApi(Api):
    """An Api with a hello, for an ``ir.Api`` that has no such field yet."""

    hello: Hello | None = None


def hello_api() -> Api:
    base = deribit_like_api()
    when = Match(equals=(("/method", "hello"), ("/params/heartbeat_interval", 41.25)))
    if "hello" in Api.__dataclass_fields__:
        return replace(base, hello=Hello(when=when))  # type: ignore[call-arg,unused-ignore]
    fields = {f: getattr(base, f) for f in base.__dataclass_fields__}
    return _HelloApi(**fields, hello=Hello(when=when))


async def test_hello_first_after_accept_with_delay() -> None:
    async with (
        asyncio.timeout(TIMEOUT),
        SpecServer(hello_api(), hello_delay=0.1) as server,
    ):
        async with connect(server.url) as ws:
            # The connection's handler runs, and holds the hello back.
            await server.wait_for(lambda: server.connections == 1)
            assert server.hellos_sent == 0
            await send(ws, 1, "public/get_time")  # sent before the hello
            first = json.loads(await ws.recv())
            assert first == {
                "jsonrpc": "2.0",
                "method": "hello",
                "params": {"heartbeat_interval": 41.25},
            }
            assert json.loads(await ws.recv())["id"] == 1
        assert server.hellos_sent == 1
    # no hello in the spec, none sent
    async with (
        asyncio.timeout(TIMEOUT),
        SpecServer(deribit_like_api()) as server,
        connect(server.url) as ws,
    ):
        assert (await call(ws, 1, "public/get_time"))["id"] == 1
        assert server.hellos_sent == 0


async def test_message_limit_closes_with_1008_above_the_limit() -> None:
    limit = MessageLimit(limit=3, window=60.0)
    async with asyncio.timeout(TIMEOUT), SpecServer(
        deribit_like_api(), message_limit=limit
    ) as server:
        async with connect(server.url) as ws:
            for n in range(1, 4):  # three frames: allowed and answered
                assert (await call(ws, n, "public/get_time"))["result"] == 1700000000000
            await send(ws, 4, "public/get_time")
            with pytest.raises(ConnectionClosed):
                while True:
                    await ws.recv()
            assert (ws.close_code, ws.close_reason) == (1008, "Too many requests")
        async with connect(server.url) as ws:  # the count is per connection
            assert (await call(ws, 1, "public/get_time"))["result"] == 1700000000000
    assert (limit.closed, limit.peak, limit.peak_all) == (1, 4, 5)


async def test_authorize_refuses_handshakes_with_401() -> None:
    seen: list[str] = []

    def authorize(request: Request) -> bool:
        seen.append(request.path)
        return len(seen) > 1

    async with asyncio.timeout(TIMEOUT), SpecServer(
        deribit_like_api(), authorize=authorize
    ) as server:
        with pytest.raises(InvalidStatus) as info:
            async with connect(server.url + "/?token=a"):
                pass
        assert info.value.response.status_code == 401
        async with connect(server.url + "/?token=b") as ws:
            assert (await call(ws, 1, "public/get_time"))["result"] == 1700000000000
    assert seen == ["/?token=a", "/?token=b"] and server.unauthorized == 1


async def test_drift_results_changes_one_methods_results_until_stopped() -> None:
    async with asyncio.timeout(TIMEOUT), SpecServer(deribit_like_api()) as server:
        async with connect(server.url) as ws:
            assert (await call(ws, 1, "public/get_time"))["result"] == 1700000000000
            server.drift_results("public/get_time", replace={"": {"ignored": 1}})
            # A scalar result has no members: nothing to remove or replace in it.
            assert (await call(ws, 2, "public/get_time"))["result"] == 1700000000000
            server.drift_results("public/get_time")  # stops it
            version = (await call(ws, 3, "public/test"))["result"]
            assert isinstance(version, dict) and version
            member = next(iter(version))
            server.drift_results("public/test", remove=(f"/{member}",), replace={"/extra": "x"})
            drifted = (await call(ws, 4, "public/test"))["result"]
            assert drifted == {**{k: v for k, v in version.items() if k != member}, "extra": "x"}
            # Only that method's results, and the spec's example itself is left as it was.
            assert (await call(ws, 5, "public/get_time"))["result"] == 1700000000000
            server.drift_results("public/test")
            assert (await call(ws, 6, "public/test"))["result"] == version
