"""End-to-end tests of the asyncio layer against a real ``websockets`` server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from nova_runtime import (
    ConnectInfo,
    ConnectionClosed,
    ConnectionLost,
    DisconnectReason,
    MalformedFrame,
    ReconnectDecision,
    ReconnectPolicy,
    RequestTimeout,
    ServerError,
    SubscriptionError,
)
from nova_runtime.options import ConnectOptions, resolve_url, websockets_kwargs
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosedError

from .nova_fake_api import (
    PROTOCOL,
    FakeClient,
    FakeHandlers,
    Heartbeat_,
    Ticker,
    TickerChannel,
    TooManyRequests,
)

TIME = 1_700_000_000_000


class FakeServer:
    """A scripted Deribit-like server; tests steer it through attributes."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.arrived: list[tuple[float, dict[str, Any]]] = []
        """Every frame with the event loop's time it arrived (the client's clock too)."""
        self.conns: list[ServerConnection] = []
        self.error_code: int | None = None
        self.ticks = 150
        self.late_reply_after: float | None = None
        self.close_codes: list[int | None] = []

    async def handler(self, ws: ServerConnection) -> None:
        self.conns.append(ws)
        try:
            async for raw in ws:
                msg = json.loads(raw)
                self.received.append(msg)
                self.arrived.append((asyncio.get_running_loop().time(), msg))
                await self.answer(ws, msg)
        except ConnectionClosedError:
            pass  # the client went away (or a test dropped it) mid-answer: not a server error
        finally:
            self.close_codes.append(ws.close_code)

    async def answer(self, ws: ServerConnection, msg: dict[str, Any]) -> None:
        method, id_ = msg.get("method"), msg.get("id")
        params = msg.get("params", {})

        async def reply(result: Any) -> None:
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": id_, "result": result}))

        if method == "public/get_time":
            if self.error_code is not None:
                err = {"code": self.error_code, "message": "nope", "data": {"why": "test"}}
                await ws.send(json.dumps({"jsonrpc": "2.0", "id": id_, "error": err}))
            else:
                await reply(TIME)
        elif method == "public/slow":
            if self.late_reply_after is not None:
                await asyncio.sleep(self.late_reply_after)
                await reply(1)
        elif method == "public/subscribe":
            channels = params["channels"]
            if any(".BAD." in c for c in channels):
                err = {"code": 11050, "message": "bad_request"}
                await ws.send(json.dumps({"jsonrpc": "2.0", "id": id_, "error": err}))
                return
            await reply(channels)
            for seq in range(self.ticks):
                for channel in channels:
                    name = channel.split(".")[1]
                    data = {"instrument_name": name, "last_price": 100.0 + seq, "seq": seq}
                    frame = {
                        "jsonrpc": "2.0",
                        "method": "subscription",
                        "params": {"channel": channel, "data": data},
                    }
                    await ws.send(json.dumps(frame))
        elif method in ("public/unsubscribe", "public/set_heartbeat", "public/test"):
            await reply(params.get("channels", "ok"))

    async def send_all(self, obj: Any) -> None:
        text = obj if isinstance(obj, str) else json.dumps(obj)
        for ws in self.conns:
            await ws.send(text)


@pytest.fixture
async def server() -> AsyncIterator[tuple[FakeServer, str]]:
    fake = FakeServer()
    async with serve(fake.handler, "127.0.0.1", 0) as srv:
        port = srv.sockets[0].getsockname()[1]
        yield fake, f"ws://127.0.0.1:{port}"


class Recorder(FakeHandlers):
    def __init__(self) -> None:
        self.tickers: list[tuple[Ticker, TickerChannel]] = []
        self.heartbeats: list[Heartbeat_] = []
        self.errors: list[tuple[Exception, str]] = []
        self.unknown: list[tuple[Any, str]] = []
        self.events: list[str] = []

    async def on_ticker(self, message: Ticker, channel: TickerChannel) -> None:
        self.tickers.append((message, channel))

    async def on_heartbeat(self, message: Heartbeat_) -> None:
        self.heartbeats.append(message)

    async def on_error(self, error: Exception, context: str) -> None:
        self.errors.append((error, context))

    async def on_unknown_message(self, frame: Any, reason: str) -> None:
        self.unknown.append((frame, reason))

    async def on_connect(self, info: ConnectInfo) -> None:
        self.events.append("connect")

    async def on_disconnect(self, reason: DisconnectReason) -> ReconnectDecision | None:
        self.events.append(f"disconnect: {reason}")
        return None


async def until(predicate: Any, timeout: float = 3.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


async def test_request_response_and_on_connect(server: tuple[FakeServer, str]) -> None:
    fake, url = server
    handlers = Recorder()
    async with asyncio.timeout(5):
        async with FakeClient.connect(url=url, handlers=handlers) as client:
            assert await client.get_time() == TIME
            results = await asyncio.gather(*(client.get_time() for _ in range(20)))
            assert results == [TIME] * 20
            await until(lambda: handlers.events == ["connect"])
        assert fake.received[0]["method"] == "public/set_heartbeat"
        assert (
            fake.received[0]["params"] == {"interval": 10} and fake.received[0]["jsonrpc"] == "2.0"
        )
        assert client.state == "closed"


async def test_await_connect_and_clean_close(server: tuple[FakeServer, str]) -> None:
    fake, url = server
    async with asyncio.timeout(5):
        client = await FakeClient.connect(url=url)
        sub = await client.subscribe_ticker(instrument_name="BTC", interval="raw")
        pending = asyncio.ensure_future(client.slow())
        await until(lambda: any(m.get("method") == "public/slow" for m in fake.received))
        await client.close()  # with the slow request sent and unanswered
        with pytest.raises(ConnectionLost):
            await pending
        count = 0
        async for _ in sub:  # buffered messages, then StopAsyncIteration
            count += 1
            assert count <= fake.ticks
        assert sub.state == "unsubscribed"
        with pytest.raises(ConnectionClosed):
            await client.get_time()
        await client.close()  # idempotent
        await until(lambda: fake.close_codes == [1000])


async def test_timeout_then_late_reply_is_reported(server: tuple[FakeServer, str]) -> None:
    fake, url = server
    fake.late_reply_after = 0.3
    handlers = Recorder()
    async with asyncio.timeout(5):
        async with FakeClient.connect(url=url, handlers=handlers, request_timeout=0.1) as client:
            with pytest.raises(RequestTimeout):
                await client.slow()
            with pytest.raises(TimeoutError):  # RequestTimeout is a TimeoutError too
                await client.slow(timeout=0.05)
            await until(lambda: len(handlers.unknown) == 2)
            assert all("late reply" in reason for _, reason in handlers.unknown)
            assert await client.get_time() == TIME


async def test_error_reply_raises_typed_exception(server: tuple[FakeServer, str]) -> None:
    fake, url = server
    async with asyncio.timeout(5):
        async with FakeClient.connect(url=url) as client:
            fake.error_code = 10028
            with pytest.raises(TooManyRequests) as info:
                await client.get_time()
            assert (info.value.code, info.value.message, info.value.data) == (
                10028,
                "nope",
                {"why": "test"},
            )
            fake.error_code = 42
            with pytest.raises(ServerError) as info2:
                await client.get_time()
            assert type(info2.value) is ServerError and info2.value.code == 42


async def test_subscription_delivers_to_iterator_and_handler(
    server: tuple[FakeServer, str],
) -> None:
    fake, url = server
    handlers = Recorder()
    async with asyncio.timeout(10):
        async with FakeClient.connect(url=url, handlers=handlers) as client:
            sub = client.subscribe_ticker(instrument_name="BTC", interval="100ms")
            assert sub.state == "pending" and sub.address == "ticker.BTC.100ms"
            assert sub.channel == TickerChannel(instrument_name="BTC", interval="100ms")
            got: list[Ticker] = []
            async for tick in sub:
                got.append(tick)
                if len(got) == fake.ticks:
                    break
            assert [t.seq for t in got] == list(range(fake.ticks))
            assert sub.state == "active" and sub.dropped == 0
            await until(lambda: len(handlers.tickers) == fake.ticks)
            assert handlers.tickers[0][1] == sub.channel
            # Events go to their hook; server pings are answered with public/test.
            await fake.send_all(
                {"jsonrpc": "2.0", "method": "heartbeat", "params": {"type": "heartbeat"}}
            )
            await fake.send_all(
                {"jsonrpc": "2.0", "method": "heartbeat", "params": {"type": "test_request"}}
            )
            await until(lambda: len(handlers.heartbeats) == 1)
            await until(lambda: any(m.get("method") == "public/test" for m in fake.received))
            # An address only matching the template goes to the handler alone.
            data = {"instrument_name": "ETH", "last_price": 1.0}
            frame = {
                "method": "subscription",
                "params": {"channel": "ticker.ETH.raw", "data": data},
            }
            await fake.send_all(frame)
            await until(lambda: handlers.tickers[-1][1].instrument_name == "ETH")
            assert not handlers.errors and not handlers.unknown


async def test_subscription_await_context_manager_and_unsubscribe(
    server: tuple[FakeServer, str],
) -> None:
    fake, url = server
    fake.ticks = 0
    async with asyncio.timeout(5):
        async with FakeClient.connect(url=url) as client:
            async with client.subscribe_ticker(instrument_name="BTC", interval="raw") as sub:
                assert sub.state == "active"
            assert sub.state == "unsubscribed"
            assert fake.received[-1]["method"] == "public/unsubscribe"
            assert fake.received[-1]["params"] == {"channels": ["ticker.BTC.raw"]}
            with pytest.raises(StopAsyncIteration):
                await sub.__anext__()
            s1 = await client.subscribe_ticker(instrument_name="ETH", interval="raw")
            s2 = await client.subscribe_ticker(instrument_name="ETH", interval="raw")
            assert s2.state == "active"
            await client.unsubscribe_ticker(instrument_name="ETH", interval="raw")
            assert s1.state == s2.state == "unsubscribed"


async def test_subscription_error(server: tuple[FakeServer, str]) -> None:
    _, url = server
    async with asyncio.timeout(5):
        async with FakeClient.connect(url=url) as client:
            sub = client.subscribe_ticker(instrument_name="BAD", interval="raw")
            with pytest.raises(SubscriptionError) as info:
                await sub
            assert isinstance(info.value.cause, ServerError) and info.value.cause.code == 11050
            assert sub.state == "failed"
            with pytest.raises(SubscriptionError):
                await sub.__anext__()
            assert await client.get_time() == TIME


async def test_malformed_frames_and_failing_hook_keep_connection(
    server: tuple[FakeServer, str],
) -> None:
    fake, url = server
    fake.ticks = 1

    class Failing(Recorder):
        async def on_ticker(self, message: Ticker, channel: TickerChannel) -> None:
            raise RuntimeError("user bug")

    handlers = Failing()
    async with asyncio.timeout(5):
        async with FakeClient.connect(url=url, handlers=handlers) as client:
            sub = await client.subscribe_ticker(instrument_name="BTC", interval="raw")
            await fake.send_all("{garbage")
            bad = {
                "method": "subscription",
                "params": {"channel": "ticker.BTC.raw", "data": {"x": 1}},
            }
            await fake.send_all(bad)
            await fake.send_all({"jsonrpc": "2.0", "method": "who_knows"})
            assert await client.get_time() == TIME
            await until(lambda: len(handlers.errors) == 3 and len(handlers.unknown) == 1)
            kinds = [type(e) for e, _ in handlers.errors]
            assert kinds.count(MalformedFrame) == 2 and RuntimeError in kinds
            assert handlers.unknown[0][0] == {"jsonrpc": "2.0", "method": "who_knows"}
            assert sub.state == "active" and client.state == "open"


async def test_server_drop_raises_connection_lost(server: tuple[FakeServer, str]) -> None:
    """With reconnecting turned off (max_attempts=0), a drop ends everything."""
    fake, url = server
    fake.ticks = 3
    handlers = Recorder()
    options = ConnectOptions(reconnect=ReconnectPolicy(max_attempts=0))
    async with asyncio.timeout(5):
        client = await FakeClient.connect(url=url, handlers=handlers, options=options)
        sub = await client.subscribe_ticker(instrument_name="BTC", interval="raw")
        pending = asyncio.ensure_future(client.slow())
        await until(lambda: any(m.get("method") == "public/slow" for m in fake.received))
        fake.conns[0].transport.abort()
        with pytest.raises(ConnectionLost) as info:
            await pending
        assert not isinstance(info.value, ConnectionClosed)
        got = 0
        with pytest.raises(ConnectionLost):
            async for _ in sub:
                got += 1
                assert got <= 3
        assert got == 3
        await until(lambda: any(e.startswith("disconnect") for e in handlers.events))
        with pytest.raises(ConnectionLost):
            await client.get_time()
        await client.close()


async def test_buffer_drops_oldest(server: tuple[FakeServer, str]) -> None:
    fake, url = server
    fake.ticks = 50
    async with asyncio.timeout(5):
        options = ConnectOptions(subscription_buffer=10)
        async with FakeClient.connect(url=url, options=options) as client:
            sub = await client.subscribe_ticker(instrument_name="BTC", interval="raw")
            await until(lambda: sub.dropped == 40)
            first = await sub.__anext__()
            assert first.seq == 40


def test_server_selection_and_options() -> None:
    assert resolve_url(PROTOCOL, None, None) == "ws://127.0.0.1:1/"
    assert resolve_url(PROTOCOL, "other", None) == "ws://127.0.0.1:2/"
    assert resolve_url(PROTOCOL, "other", "ws://x/") == "ws://x/"
    with pytest.raises(ValueError, match="'local', 'other'"):
        FakeClient.connect(server="nope")  # type: ignore[arg-type]
    kwargs = websockets_kwargs(PROTOCOL, ConnectOptions(), "wss://example.invalid/")
    assert "ssl" not in kwargs  # websockets' default context: verification on
    assert kwargs["ping_interval"] == 20.0 and kwargs["compression"] == "deflate"
    insecure = websockets_kwargs(PROTOCOL, ConnectOptions(verify=False), "wss://example.invalid/")
    assert insecure["ssl"].verify_mode == 0
