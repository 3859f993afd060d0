"""Fire-and-forget sends (``BaseClient._send_frame``), uncorrelated replies
(``request_next``) and the handshake rebuilt on every connect, against a real
``websockets`` server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from nova_runtime import (
    ConnectFailed,
    ConnectInfo,
    ConnectionLost,
    DisconnectReason,
    RateLimited,
    ReconnectDecision,
    ReconnectPolicy,
    RequestTimeout,
)
from nova_runtime.connector import Connector
from nova_runtime.core import TokenBucket
from nova_runtime.handshake import Handshake
from nova_runtime.options import ConnectOptions
from nova_runtime.protocol import Match, RequestSpec
from nova_runtime.sends import request_next, send_only
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request as HttpRequest

from .limiting import RecordingBucket
from .nova_fake_api import PROTOCOL, FakeClient, FakeHandlers

HELLO: RequestSpec[str] = RequestSpec(
    name="hello", method="public/hello", parse_result=lambda frame: str(frame["greeting"])
)
NOTE: RequestSpec[None] = RequestSpec(
    name="note", method="public/note", parse_result=lambda _: None, cost=2.0
)
GREETING = Match(present=("/greeting",))
FAST = ConnectOptions(reconnect=ReconnectPolicy(initial_delay=0.01, max_delay=0.05))


class Server:
    def __init__(self) -> None:
        self.received: list[tuple[int, dict[str, Any]]] = []
        self.arrived: list[tuple[float, dict[str, Any]]] = []
        """Every frame with the event loop's time it arrived (the client's clock too)."""
        self.conns: list[ServerConnection] = []
        self.answer_hello = True
        self.hello_delay = 0.0
        self.handshakes: list[HttpRequest | None] = []
        """Each connection's opening handshake request, in order."""
        self.slow_acks: dict[int, float] = {}
        """Connection number -> seconds its subscribe acks are delayed."""

    @property
    def requests(self) -> list[tuple[str, dict[str, str]]]:
        """(path, headers) of each opening handshake (asserted here, in the test)."""
        assert None not in self.handshakes
        return [(r.path, dict(r.headers)) for r in self.handshakes if r is not None]

    async def handler(self, ws: ServerConnection) -> None:
        self.conns.append(ws)
        number = len(self.conns)
        self.handshakes.append(ws.request)
        try:
            async for raw in ws:
                await self.answer(ws, number, json.loads(raw))
        except ConnectionClosed:
            pass  # the client went away (closed, or a test dropped it) mid-answer: not a server error

    async def answer(self, ws: ServerConnection, number: int, msg: dict[str, Any]) -> None:
        self.received.append((number, msg))
        self.arrived.append((asyncio.get_running_loop().time(), msg))
        if "id" in msg:
            if msg.get("method") == "public/subscribe" and number in self.slow_acks:
                await asyncio.sleep(self.slow_acks[number])
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": "ok"}))
        elif msg.get("method") == "public/hello" and self.answer_hello:
            await asyncio.sleep(self.hello_delay)
            await ws.send(json.dumps({"greeting": f"hi {msg['params']['name']}"}))

    def sent(self, method: str) -> list[tuple[int, dict[str, Any]]]:
        return [(n, m) for n, m in self.received if m.get("method") == method]


@pytest.fixture
async def server() -> AsyncIterator[tuple[Server, str]]:
    fake = Server()
    async with serve(fake.handler, "127.0.0.1", 0) as srv:
        port = srv.sockets[0].getsockname()[1]
        yield fake, f"ws://127.0.0.1:{port}"


class Recorder(FakeHandlers):
    def __init__(self) -> None:
        self.unknown: list[Any] = []

    async def on_unknown_message(self, frame: Any, reason: str) -> None:
        self.unknown.append(frame)


async def until(predicate: Any, timeout: float = 3.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


async def test_send_only_writes_one_frame_without_id(server: tuple[Server, str]) -> None:
    fake, url = server
    async with asyncio.timeout(5):
        async with FakeClient.connect(url=url) as client:
            await send_only(client, NOTE, {"text": "x"})
            await until(lambda: fake.sent("public/note"))
    assert fake.sent("public/note") == [
        (1, {"jsonrpc": "2.0", "method": "public/note", "params": {"text": "x"}})
    ]


async def test_send_frame_goes_through_the_rate_limiter(server: tuple[Server, str]) -> None:
    _, url = server
    options = ConnectOptions(limiter=TokenBucket(rate=0.001, burst=2.0), on_limit="raise")
    async with asyncio.timeout(5):
        async with FakeClient.connect(url=url, options=options) as client:
            await send_only(client, NOTE, {"text": "costs 2"})
            with pytest.raises(RateLimited):
                await client._send_frame("{}", method="raw")
            with pytest.raises(RateLimited):
                await send_only(client, NOTE, {"text": "again"})


async def test_send_frame_waits_for_the_restore_while_reconnecting(
    server: tuple[Server, str],
) -> None:
    fake, url = server
    async with asyncio.timeout(5):
        async with FakeClient.connect(url=url, options=FAST) as client:
            await fake.conns[0].close(1011, "restart")
            await until(lambda: client.state == "reconnecting")
            await send_only(client, NOTE, {"text": "after"})
            assert client.state == "open"
            await until(lambda: fake.sent("public/note"))
    assert [n for n, _ in fake.sent("public/note")] == [2]


async def test_send_frame_times_out_when_no_restore_comes(server: tuple[Server, str]) -> None:
    fake, url = server

    class Slow(FakeHandlers):
        async def on_disconnect(self, reason: DisconnectReason) -> ReconnectDecision | None:
            return ReconnectDecision.retry(5.0)  # exactly 5 s, no jitter

    async with asyncio.timeout(5):
        async with FakeClient.connect(url=url, handlers=Slow(), request_timeout=0.2) as client:
            await fake.conns[0].close(1011, "restart")
            await until(lambda: client.state == "reconnecting")
            with pytest.raises(RequestTimeout):
                await client._send_frame("{}", method="raw")


async def test_request_next_answers_concurrent_calls_in_order(server: tuple[Server, str]) -> None:
    fake, url = server
    recorder = Recorder()
    async with asyncio.timeout(5):
        async with FakeClient.connect(url=url, handlers=recorder) as client:
            results = await asyncio.gather(
                *(request_next(client, HELLO, {"name": str(i)}, GREETING) for i in range(5))
            )
            assert len(client._session.waiters) == 0
    assert results == [f"hi {i}" for i in range(5)]
    assert recorder.unknown == []  # claimed replies are not unknown messages
    assert [m["params"]["name"] for _, m in fake.sent("public/hello")] == [str(i) for i in range(5)]
    assert all("id" not in m for _, m in fake.sent("public/hello"))


async def test_request_next_times_out_and_the_late_frame_is_unknown(
    server: tuple[Server, str],
) -> None:
    fake, url = server
    fake.hello_delay = 0.3
    recorder = Recorder()
    async with asyncio.timeout(5):
        async with FakeClient.connect(url=url, handlers=recorder) as client:
            with pytest.raises(RequestTimeout):
                await request_next(client, HELLO, {"name": "late"}, GREETING, timeout=0.1)
            assert len(client._session.waiters) == 0
            await until(lambda: recorder.unknown)
    assert recorder.unknown == [{"greeting": "hi late"}]


async def test_request_next_pending_at_a_drop_gets_connection_lost(
    server: tuple[Server, str],
) -> None:
    fake, url = server
    fake.answer_hello = False
    async with asyncio.timeout(5):
        async with FakeClient.connect(url=url, options=FAST) as client:
            call = asyncio.ensure_future(request_next(client, HELLO, {"name": "x"}, GREETING))
            await until(lambda: fake.sent("public/hello"))
            await fake.conns[0].close(1011, "restart")
            with pytest.raises(ConnectionLost):
                await call
            assert len(client._session.waiters) == 0
            fake.answer_hello = True
            assert await request_next(client, HELLO, {"name": "y"}, GREETING) == "hi y"


# -- the handshake is built again for every connection attempt ---------------------------


async def test_a_token_provider_is_asked_again_on_every_reconnect(
    server: tuple[Server, str],
) -> None:
    fake, url = server
    tokens: list[str] = []

    def provider() -> str:
        tokens.append(f"t{len(tokens) + 1}")
        return tokens[-1]

    handshake = Handshake(address="/rooms/{room}", path={"room": "a b"}, query={"v": 2},
                          headers={"X-Fixed": "1"}, bearer=provider)
    connector = Connector(FakeClient, PROTOCOL, url=url, handlers=FakeHandlers(),
                          options=FAST, handshake=handshake)
    assert connector.url == f"{url}/rooms/a%20b?v=2"
    assert tokens == []  # nothing is asked before connecting
    async with asyncio.timeout(5):
        async with connector as client:
            for round_ in range(2):
                await until(lambda r=round_: len(fake.conns) == r + 1)
                await fake.conns[round_].close(1011, "restart")
                await until(lambda r=round_: len(fake.conns) == r + 2 and client.state == "open")
    assert tokens == ["t1", "t2", "t3"]
    assert [r[0] for r in fake.requests] == ["/rooms/a%20b?v=2"] * 3
    assert [r[1]["authorization"] for r in fake.requests] == ["Bearer t1", "Bearer t2", "Bearer t3"]
    assert all(r[1]["x-fixed"] == "1" for r in fake.requests)


async def test_handshake_credentials_never_reach_the_websockets_debug_lines(
    server: tuple[Server, str], caplog: pytest.LogCaptureFixture, transport: str
) -> None:
    """The transport library's own lines about the handshake are redacted: websockets logs
    each header at DEBUG, picows the whole upgrade request at its level 9."""
    fake, url = server
    tokens: list[str] = []

    def provider() -> str:
        tokens.append(f"bearer-token-{len(tokens) + 1}-xyz")
        return tokens[-1]

    handshake = Handshake(bearer=provider, cookies={"session": "cookie-value-42"})
    options = ConnectOptions(reconnect=FAST.reconnect, extra_headers={"X-Api": "plain"})
    connector = Connector(FakeClient, PROTOCOL, url=url, handlers=FakeHandlers(),
                          options=options, handshake=handshake)
    async with asyncio.timeout(5):
        with caplog.at_level(logging.DEBUG - 1):
            async with connector as client:
                await fake.conns[0].close(1011, "restart")
                await until(lambda: len(fake.conns) == 2 and client.state == "open")
    client_lines = [r.getMessage() for r in caplog.records if r.name.startswith("nova.fake")]
    assert any("Authorization: ***" in line for line in client_lines)  # logged, redacted
    text = "\n".join(client_lines)
    assert len(tokens) == 2 and not any(t in text for t in tokens)
    assert "cookie-value-42" not in text and "X-Api: plain" in text


async def test_connect_options_handshake_and_extra_headers_win(
    server: tuple[Server, str],
) -> None:
    fake, url = server
    calls: list[int] = []

    def handshake() -> tuple[str, dict[str, str]]:
        calls.append(1)
        return f"{url}/n{len(calls)}", {"X-Attempt": str(len(calls)), "X-Both": "handshake"}

    options = ConnectOptions(
        reconnect=FAST.reconnect, handshake=handshake, extra_headers={"X-Both": "options"}
    )
    async with asyncio.timeout(5):
        async with FakeClient.connect(url=url, options=options) as client:
            await fake.conns[0].close(1011, "restart")
            await until(lambda: len(fake.conns) == 2 and client.state == "open")
            assert client.url == f"{url}/n2"
            assert client.diagnostics().url == f"{url}/n2"
    assert [(p, h["x-attempt"], h["x-both"]) for p, h in fake.requests] == [
        ("/n1", "1", "options"), ("/n2", "2", "options")
    ]


async def test_a_failing_token_provider_fails_the_first_connect(
    server: tuple[Server, str],
) -> None:
    _, url = server

    def provider() -> str:
        raise RuntimeError("no token")

    connector = Connector(FakeClient, PROTOCOL, url=url, handlers=FakeHandlers(),
                          handshake=Handshake(bearer=provider))
    async with asyncio.timeout(5):
        with pytest.raises(ConnectFailed, match="no token") as caught:
            await connector
    assert isinstance(caught.value.__cause__, RuntimeError)


# -- leftovers: subscriptions and the limiter, on_error's answer, rotation ----------------


async def test_subscribe_and_unsubscribe_go_through_the_rate_limiter(
    server: tuple[Server, str],
) -> None:
    fake, url = server
    limiter = RecordingBucket(rate=10.0, burst=1.0)
    options = ConnectOptions(limiter=limiter)
    async with asyncio.timeout(5):
        async with FakeClient.connect(url=url, options=options) as client:
            before = len(limiter.reservations)
            await client.subscribe_ticker(instrument_name="A", interval="100ms")
            # B and C are made together: they share one frame, which waits for the limiter
            subs = [client.subscribe_ticker(instrument_name=n, interval="100ms")
                    for n in ("B", "C")]
            for sub in subs:
                await sub
            same = client.subscribe_ticker(instrument_name="A", interval="100ms")
            await same  # an address already subscribed sends nothing: costs nothing
            await client.unsubscribe_ticker(instrument_name="B", interval="100ms")
    assert [m["params"]["channels"] for _, m in fake.sent("public/subscribe")] == [
        ["ticker.A.100ms"], ["ticker.B.100ms", "ticker.C.100ms"]
    ]
    mine = limiter.reservations[before:]
    assert [r.cost for r in mine] == [1.0] * 3  # 2 subscribe frames, 1 unsubscribe, the repeat free
    # 1 token, then 10 per second: the frame of B and C waits its turn.
    assert [r.wait > 0 for r in mine[:2]] == [False, True]
    # Each frame reached the server only once the limiter's window for it had passed.
    sent = [t for t, m in fake.arrived if m.get("method") in ("public/subscribe", "public/unsubscribe")]
    assert len(sent) == 3
    assert all(t >= r.until for t, r in zip(sent, sorted(mine, key=lambda r: r.until), strict=True))


async def test_a_subscribe_over_the_limit_fails_with_rate_limited(
    server: tuple[Server, str],
) -> None:
    _, url = server
    options = ConnectOptions(limiter=TokenBucket(rate=0.001, burst=1.0), on_limit="raise")
    async with asyncio.timeout(5):
        async with FakeClient.connect(url=url, options=options) as client:
            await client.subscribe_ticker(instrument_name="A", interval="100ms")
            with pytest.raises(RateLimited):
                await client.subscribe_ticker(instrument_name="B", interval="100ms")


async def test_on_error_answers_other_than_the_known_ones_are_logged_and_ignored(
    server: tuple[Server, str], caplog: pytest.LogCaptureFixture
) -> None:
    fake, url = server
    seen: list[str] = []

    class Handlers(FakeHandlers):
        async def on_error(self, error: Exception, context: str) -> Any:
            seen.append(context)
            return "retry"

    async with asyncio.timeout(5):
        with caplog.at_level(logging.WARNING):
            async with FakeClient.connect(url=url, handlers=Handlers()) as client:
                await fake.conns[0].send("not json")
                await until(lambda: "on_error returned 'retry'" in caplog.text)
                assert client.state == "open" and len(fake.conns) == 1
    assert seen == ["malformed frame"]


async def test_a_restored_replacement_is_kept_when_the_old_connection_dies_mid_rotation(
    server: tuple[Server, str], caplog: pytest.LogCaptureFixture
) -> None:
    fake, url = server
    fake.slow_acks[2] = 0.4  # the replacement's restore takes a while
    infos: list[ConnectInfo] = []

    class Handlers(FakeHandlers):
        async def on_connect(self, info: ConnectInfo) -> None:
            infos.append(info)

    # Rotation starts 0.8 s after the first connection's attempt began; the replacement's
    # own rotation only 0.8 s after its attempt began, after these checks.
    options = ConnectOptions(reconnect=FAST.reconnect, max_lifetime=1.0, rotation_margin=0.2)
    async with asyncio.timeout(10):
        async with FakeClient.connect(url=url, handlers=Handlers(), options=options) as client:
            sub = await client.subscribe_ticker(instrument_name="A", interval="100ms")
            await until(lambda: len(fake.conns) == 2)  # the rotation started
            await until(lambda: fake.sent("public/subscribe")[-1][0] == 2)
            await fake.conns[0].close(1011, "died mid-rotation")
            sup = client._sup
            assert sup is not None
            await until(lambda: sup.conn is not None and sup.conn.number == 2)
            assert len(fake.conns) == 2  # no reconnect: the replacement was kept
            assert client.state == "open"
            assert client.diagnostics().subscriptions[0].state == "active"
            assert sup.reconnects == 1
            await until(lambda: len(infos) == 2)
    assert [(i.reconnect, i.rotation) for i in infos] == [(False, False), (True, True)]
    assert sub.address == "ticker.A.100ms"
    assert "switching to the restored replacement" in caplog.text


async def test_an_async_connect_options_handshake_is_awaited_per_attempt(
    server: tuple[Server, str],
) -> None:
    fake, url = server
    calls: list[int] = []

    async def handshake() -> tuple[str, dict[str, str]]:
        await asyncio.sleep(0)
        calls.append(1)
        return f"{url}/a{len(calls)}", {"X-Attempt": str(len(calls))}

    options = ConnectOptions(reconnect=FAST.reconnect, handshake=handshake)
    async with asyncio.timeout(5):
        async with FakeClient.connect(url=url, options=options) as client:
            await fake.conns[0].close(1011, "restart")
            await until(lambda: len(fake.conns) == 2 and client.state == "open")
    assert [(p, h["x-attempt"]) for p, h in fake.requests] == [("/a1", "1"), ("/a2", "2")]
