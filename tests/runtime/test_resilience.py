"""Backpressure, rate limiting, application pings, the server's hello, ``on_error``
decisions and lifetime rotation, over real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from nova_runtime import (
    ConnectFailed,
    ConnectOptions,
    ErrorAction,
    RateLimited,
    ReconnectPolicy,
    SubscriptionOverflow,
)
from nova_runtime.connector import Connector
from nova_runtime.core.ratelimit import TokenBucket
from nova_runtime.protocol import ClientPing, Heartbeat, Hello, Match, Reply
from nova_runtime.telemetry import InMemoryMetrics
from websockets.asyncio.server import ServerConnection, serve

from nova_gen.loader import load_api
from nova_gen.testing import SpecServer

from .limiting import RecordingBucket
from .nova_fake_api import PROTOCOL, FakeClient, FakeHandlers
from .test_client import TIME, FakeServer, until

SPECS = Path(__file__).resolve().parents[2] / "specs"
FAST = ReconnectPolicy(initial_delay=0.01, max_delay=0.05)



class MutableServer(FakeServer):
    """The fake server, which can stop answering app pings and greet with a hello."""

    def __init__(self) -> None:
        super().__init__()
        self.mute_pings = False
        self.hello: dict[str, Any] | None = None

    async def handler(self, ws: ServerConnection) -> None:
        if self.hello is not None:
            await ws.send(json.dumps(self.hello))
        await super().handler(ws)

    async def answer(self, ws: ServerConnection, msg: dict[str, Any]) -> None:
        if msg.get("method") == "public/test" and self.mute_pings:
            return
        await super().answer(ws, msg)


@pytest.fixture
async def server() -> AsyncIterator[tuple[MutableServer, str]]:
    fake = MutableServer()
    async with serve(fake.handler, "127.0.0.1", 0) as srv:
        port = srv.sockets[0].getsockname()[1]
        yield fake, f"ws://127.0.0.1:{port}"


async def test_drop_newest_keeps_the_first_messages(server: tuple[MutableServer, str]) -> None:
    fake, url = server
    fake.ticks = 50
    options = ConnectOptions(subscription_buffer=10, overflow="drop_newest", telemetry=InMemoryMetrics())
    async with asyncio.timeout(5):
        async with FakeClient.connect(url=url, options=options) as client:
            sub = await client.subscribe_ticker(instrument_name="BTC", interval="raw")
            await until(lambda: sub.dropped == 40)
            assert [(await sub.__anext__()).seq for _ in range(10)] == list(range(10))
            assert client.metrics.dropped(sub.address) == 40
            assert client.diagnostics().subscriptions[0].dropped == 40


async def test_raise_policy_ends_the_iterator_and_unsubscribes(
    server: tuple[MutableServer, str],
) -> None:
    fake, url = server
    fake.ticks = 50
    errors: list[tuple[str, Exception]] = []

    class Handlers(FakeHandlers):
        async def on_subscription_error(self, address: str, error: Exception) -> None:
            errors.append((address, error))

    async with asyncio.timeout(5):
        async with FakeClient.connect(url=url, handlers=Handlers()) as client:
            sub = client.subscribe_ticker(instrument_name="BTC", interval="raw")
            sub.set_overflow("raise", maxsize=10)  # per subscription, before the first message
            await sub
            got = []
            with pytest.raises(SubscriptionOverflow) as info:
                async for tick in sub:
                    got.append(tick.seq)
            assert got == list(range(10))  # what was buffered is delivered first
            assert info.value.address == sub.address
            await until(lambda: any(m.get("method") == "public/unsubscribe" for m in fake.received))
            await until(lambda: bool(errors))
            assert errors[0][0] == sub.address
            assert client.diagnostics().subscriptions == ()


async def test_limiter_waits_or_raises(server: tuple[MutableServer, str]) -> None:
    fake, url = server
    async with asyncio.timeout(5):
        limiter = RecordingBucket(rate=20, burst=1)
        options = ConnectOptions(limiter=limiter, telemetry=InMemoryMetrics())
        async with FakeClient.connect(url=url, options=options) as client:
            before = len(limiter.reservations)
            assert await asyncio.gather(*(client.get_time() for _ in range(5))) == [TIME] * 5
            mine = limiter.reservations[before:]
            # 1 token, then one per 1/20 s: four of five calls at once wait their turn.
            assert [r.wait > 0 for r in mine] == [False, True, True, True, True]
            assert client.metrics.count("rate_limited") == 4
        # Each request reached the server only once the limiter's window for it had passed.
        sent = [t for t, m in fake.arrived if m.get("method") == "public/get_time"]
        windows = sorted(r.until for r in mine)
        assert all(t >= until for t, until in zip(sent, windows, strict=True))
        options = ConnectOptions(limiter=TokenBucket(rate=1, burst=2), on_limit="raise")
        async with FakeClient.connect(url=url, options=options) as client:
            await client.get_time()
            await client.get_time()
            with pytest.raises(RateLimited) as info:
                await client.get_time()
            assert 0 < info.value.retry_after <= 1.0
            assert client.diagnostics().limiter_tokens is not None


class Allowance:
    """A user-supplied limiter (anything with ``reserve``, ``available``, ``tokens``): lets
    ``allow`` requests through, then asks for ``retry`` seconds."""

    def __init__(self, retry: float) -> None:
        self.allow = 0
        self.retry = retry
        self.reserved: list[float] = []

    def reserve(self, cost: float, now: float) -> float:
        self.reserved.append(cost)
        self.allow -= 1
        return 0.0

    def available(self, cost: float, now: float) -> float:
        return 0.0 if self.allow > 0 else self.retry

    def tokens(self, now: float) -> float:
        return float(self.allow)


async def test_a_custom_limiter_is_consulted_and_obeyed(server: tuple[MutableServer, str]) -> None:
    fake, url = server
    limiter = Allowance(retry=7.5)
    options = ConnectOptions(limiter=limiter, on_limit="raise")
    async with asyncio.timeout(5), FakeClient.connect(url=url, options=options) as client:
        limiter.allow, limiter.reserved = 2, []
        await client.get_time()
        await client.get_time()
        with pytest.raises(RateLimited) as info:
            await client.get_time()
        assert info.value.retry_after == 7.5  # the limiter's answer, as it gave it
        assert limiter.reserved == [1.0, 1.0]  # each request took its cost
        assert client.diagnostics().limiter_tokens == 0.0
    assert [m["method"] for m in fake.received].count("public/get_time") == 2  # 3rd never sent


async def test_unanswered_app_ping_reconnects(server: tuple[MutableServer, str]) -> None:
    fake, url = server
    ping = ClientPing(send=Reply(request="public/test"), interval=0.05, timeout=0.2)
    heartbeat = Heartbeat(ws_ping_interval=None, client_ping=ping)
    options = ConnectOptions(heartbeat=heartbeat, reconnect=FAST, telemetry=InMemoryMetrics())
    async with asyncio.timeout(10):
        async with FakeClient.connect(url=url, options=options) as client:
            await until(lambda: sum(m.get("method") == "public/test" for m in fake.received) >= 3)
            assert len(fake.conns) == 1  # answered pings keep the connection
            fake.mute_pings = True
            await until(lambda: len(fake.conns) == 2)
            fake.mute_pings = False
            await until(lambda: client.state == "open")
            assert await client.get_time() > 0
            assert client.metrics.count("heartbeat_missed") == 1


async def test_hello_first_and_ping_interval_from_it(server: tuple[MutableServer, str]) -> None:
    fake, url = server
    fake.hello = {"jsonrpc": "2.0", "method": "hello", "params": {"interval": 50}}
    hello = Hello(
        when=Match(equals=(("/method", "hello"),)),
        heartbeat_interval="/params/interval",
        interval_scale=0.001,
        timeout=2.0,
    )
    ping = ClientPing(send=Reply(request="public/test"), interval=10.0, timeout=1.0)
    protocol = dataclasses.replace(
        PROTOCOL, hello=hello, heartbeat=Heartbeat(ws_ping_interval=None, client_ping=ping)
    )
    async with asyncio.timeout(5):
        connector = Connector(FakeClient, protocol, url=url, handlers=FakeHandlers())
        async with connector as client:
            # 50 ms from the hello, not the spec's 10 s
            await until(lambda: sum(m.get("method") == "public/test" for m in fake.received) >= 3)
            assert await client.get_time() > 0
    fake.hello = {"jsonrpc": "2.0", "method": "not-hello"}
    with pytest.raises(ConnectFailed) as caught:
        async with asyncio.timeout(5):
            await Connector(
                FakeClient,
                dataclasses.replace(protocol, hello=dataclasses.replace(hello, timeout=0.2)),
                url=url,
                handlers=FakeHandlers(),
            )
    assert isinstance(caught.value.__cause__, TimeoutError)  # no hello in time


async def test_on_error_can_ask_for_a_reconnect(server: tuple[MutableServer, str]) -> None:
    fake, url = server

    class Handlers(FakeHandlers):
        async def on_error(self, error: Exception, context: str) -> ErrorAction | None:
            return "reconnect"

    async with asyncio.timeout(5):
        options = ConnectOptions(reconnect=FAST)
        async with FakeClient.connect(url=url, handlers=Handlers(), options=options) as client:
            await fake.send_all("not json")
            await until(lambda: len(fake.conns) == 2 and client.state == "open")
            assert await client.get_time() > 0
            assert client.diagnostics().reconnects == 1


async def test_lifetime_rotation_is_make_before_break() -> None:
    api = load_api(SPECS / "deribit.yaml")
    from deribit import DeribitClient

    options = ConnectOptions(max_lifetime=0.4, reconnect=FAST, telemetry=InMemoryMetrics())
    async with asyncio.timeout(15), SpecServer(api, notify_interval=0.005) as server:
        async with DeribitClient.connect(url=server.url, options=options) as client:
            ticker = await client.subscribe_ticker(
                instrument_name="BTC-PERPETUAL", interval="100ms"
            )
            got = 0
            async for _ in ticker:
                got += 1
                assert server.open_connections >= 1
                if len(server.connection_log(4)) > 0 and got > 50:
                    break
            await server.wait_for(lambda: 4 in server.subscriptions)
            assert isinstance(await client.get_time(), int)
            for n in (1, 2, 3, 4):
                counts: Counter[str] = Counter()
                for method, params in server.connection_log(n):
                    if method == "public/subscribe":
                        counts.update(params["channels"])
                assert counts == {"ticker.BTC-PERPETUAL.100ms": 1}, (n, counts)
            assert client.diagnostics().reconnects == 0  # rotations are not reconnects
            assert client.metrics.count("connection_restored") >= 3


def test_tls_options(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import ssl

    from nova_runtime.options import ssl_context, websockets_kwargs

    assert ssl_context(ConnectOptions()) is None  # websockets' default: verified
    with caplog.at_level("WARNING", logger="nova"):
        insecure = ssl_context(ConnectOptions(insecure=True))
    assert insecure is not None and insecure.verify_mode == ssl.CERT_NONE
    assert "insecure=True" in caplog.text
    with pytest.raises(FileNotFoundError):
        ssl_context(ConnectOptions(ca_file=str(tmp_path / "missing.pem")))
    with pytest.raises(FileNotFoundError):
        ssl_context(ConnectOptions(client_cert=str(tmp_path / "c.pem")))
    kwargs = websockets_kwargs(
        PROTOCOL,
        ConnectOptions(
            subprotocols=("v2",),
            compression=False,
            max_size=1024,
            extra_headers={"X-A": "1"},
            open_timeout=3.0,
        ),
        "ws://127.0.0.1/",
    )
    assert kwargs["subprotocols"] == ["v2"] and kwargs["compression"] is None
    assert kwargs["max_size"] == 1024 and kwargs["additional_headers"] == {"X-A": "1"}
    assert kwargs["open_timeout"] == 3.0 and "ssl" not in kwargs
