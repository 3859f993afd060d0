"""Fault tests: the generated Deribit client against a misbehaving SpecServer on 127.0.0.1.

Every test is bounded with ``asyncio.timeout`` and uses small reconnect delays through
``ConnectOptions(reconnect=...)``. After each reconnect: every desired subscription is
active again on the new connection and subscribed there exactly once, iterators go on,
requests pending at the drop fail with ``ConnectionLost`` (idempotent ones are re-sent),
fatal closes stop reconnecting, and secrets never reach the logs.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from deribit import ConnectFailed, ConnectionLost, DeribitClient, DeribitHandlers, errors
from deribit._protocol import PROTOCOL
from nova_runtime import (
    ConnectInfo,
    ConnectOptions,
    DisconnectReason,
    ReconnectDecision,
    ReconnectPolicy,
)
from nova_runtime.telemetry import InMemoryMetrics

from nova_gen.loader import load_api
from nova_gen.testing import SpecServer

from .streams import fresh, reconnect_loop_ended, take

SPECS = Path(__file__).resolve().parents[2] / "specs"
SECRET = "s3cr3t-VALUE-never-logged"
CLIENT_ID = "client-id-123"

pytestmark = pytest.mark.asyncio

FAST = ReconnectPolicy(initial_delay=0.01, multiplier=2.0, max_delay=0.05, reset_after=60.0)
OPTIONS = ConnectOptions(reconnect=FAST, restore_timeout=3.0)

PUBLIC = ("ticker.BTC-PERPETUAL.100ms", "trades.BTC-PERPETUAL.100ms")
PRIVATE = ("user.orders.BTC-PERPETUAL.100ms",)


@pytest.fixture
async def server() -> AsyncIterator[SpecServer]:
    api = load_api(SPECS / "deribit.yaml")
    async with SpecServer(
        api,
        notify_interval=0.005,
        expected_credentials={"client_id": CLIENT_ID, "client_secret": SECRET},
    ) as running:
        yield running


class Recorder(DeribitHandlers):
    def __init__(self) -> None:
        self.connects: list[ConnectInfo] = []
        self.disconnects: list[DisconnectReason] = []
        self.decision: ReconnectDecision | None = None

    async def on_connect(self, info: ConnectInfo) -> None:
        self.connects.append(info)

    async def on_disconnect(self, reason: DisconnectReason) -> ReconnectDecision | None:
        self.disconnects.append(reason)
        return self.decision


def connect(server: SpecServer, handlers: DeribitHandlers | None = None, **kw: Any) -> Any:
    kw.setdefault("options", OPTIONS)
    return DeribitClient.connect(
        url=server.url, handlers=handlers, client_id=CLIENT_ID, client_secret=SECRET, **kw
    )


async def subscribe_all(client: DeribitClient) -> list[Any]:
    return [
        await client.subscribe_ticker(instrument_name="BTC-PERPETUAL", interval="100ms"),
        await client.subscribe_trades(instrument_name="BTC-PERPETUAL", interval="100ms"),
        await client.subscribe_user_orders(instrument_name="BTC-PERPETUAL", interval="100ms"),
    ]


def subscribed_on(server: SpecServer, n: int) -> Counter[str]:
    """How many times each address was subscribed on connection ``n``."""
    counts: Counter[str] = Counter()
    for method, params in server.connection_log(n):
        if method.endswith("/subscribe"):
            counts.update(params["channels"])
    return counts


async def restored_on(server: SpecServer, n: int, timeout: float = 5.0) -> None:
    """Connection ``n`` is open with every desired subscription active, none twice."""
    want = set(PUBLIC + PRIVATE)
    await server.wait_for(lambda: want <= server.subscriptions.get(n, frozenset()), timeout)
    counts = subscribed_on(server, n)
    assert set(counts) == want and all(c == 1 for c in counts.values()), counts
    log = [m for m, _ in server.connection_log(n)]
    # Order of the restore: heartbeat on, login, then resubscribe (private after login).
    assert log.index("public/auth") < log.index("private/subscribe")
    assert log.index("public/set_heartbeat") < log.index("public/auth")






async def test_drop_mid_stream_restores_everything_and_iterators_continue(
    server: SpecServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="nova")
    handlers = Recorder()
    async with asyncio.timeout(20):
        async with connect(server, handlers) as client:
            ticker, trades, orders = await subscribe_all(client)
            await restored_on(server, 1)
            assert len(await take(ticker, 5)) == 5

            server.never_answer("private/cancel")
            server.never_answer("public/get_order_book")
            cancel = asyncio.ensure_future(client.cancel(order_id="1"))
            book = asyncio.ensure_future(client.get_order_book(instrument_name="BTC-PERPETUAL"))
            await server.wait_for(lambda: len(server.requests_of("public/get_order_book")) == 1)
            await server.wait_for(lambda: len(server.requests_of("private/cancel")) == 1)
            server.answer("public/get_order_book")
            server.drop_connections()

            with pytest.raises(ConnectionLost):
                await cancel  # not idempotent: fails with the typed error
            await restored_on(server, 2)
            assert (await book).instrument_name == "BTC-PERPETUAL"  # idempotent: re-sent
            assert len(server.requests_of("public/get_order_book")) == 2
            assert len(await fresh(client, ticker, 5)) == 5  # the same iterator goes on
            assert len(await take(trades, 1)) == 1
            assert ticker.state == "active" and orders.state == "active"
            assert isinstance(await client.get_time(), int)

            diag = client.diagnostics()
            assert diag.reconnects == 1 and diag.state == "open"
            assert diag.authenticated is True
            assert {s.address: s.state for s in diag.subscriptions} == dict.fromkeys(
                PUBLIC + PRIVATE, "active"
            )
            assert diag.frames_in > 0 and diag.bytes_out > 0
            assert diag.latency_p50 is not None
            assert [i.reconnect for i in handlers.connects] == [False, True]
            assert handlers.disconnects[0].action == "retry"
            token = client._auth.token.reveal()
    assert server.logins == 2
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == "nova.deribit")
    assert "public/auth" in text  # frames were logged at DEBUG...
    assert SECRET not in text and token not in text  # ...without secrets
    assert SECRET not in repr(client.diagnostics()) and SECRET not in str(client._auth)


async def test_missed_pongs_trigger_a_reconnect(server: SpecServer) -> None:
    heartbeat = dataclasses.replace(PROTOCOL.heartbeat, ws_ping_interval=0.1, ws_ping_timeout=0.2)
    options = dataclasses.replace(OPTIONS, heartbeat=heartbeat)
    async with asyncio.timeout(20):
        async with connect(server, options=options) as client:
            ticker, *_ = await subscribe_all(client)
            await restored_on(server, 1)
            server.stall()
            await restored_on(server, 2)
            # The server side is restored; the client switches once it has read the acks.
            await server.wait_for(lambda: client.diagnostics().state == "open")
            assert client.diagnostics().reconnects == 1
            assert len(await fresh(client, ticker, 3)) == 3
            server.unstall()


@pytest.mark.parametrize("code", [1001, 1011, 4000])
async def test_close_codes_that_are_retried(server: SpecServer, code: int) -> None:
    handlers = Recorder()
    async with asyncio.timeout(20):
        async with connect(server, handlers) as client:
            ticker, *_ = await subscribe_all(client)
            await restored_on(server, 1)
            await server.close_connections(code, "bye")
            await restored_on(server, 2)
            await server.wait_for(lambda: client.diagnostics().state == "open")
            assert len(await fresh(client, ticker, 3)) == 3
    assert handlers.disconnects[0].code == code
    assert handlers.disconnects[0].action == "retry"


async def test_fatal_close_code_stops_reconnecting(server: SpecServer) -> None:
    policy = dataclasses.replace(FAST, close_codes={4003: "fatal"})
    handlers = Recorder()
    async with asyncio.timeout(20):
        client = await connect(server, handlers, options=ConnectOptions(reconnect=policy))
        ticker, *_ = await subscribe_all(client)
        await restored_on(server, 1)
        await server.close_connections(4003, "banned")
        with pytest.raises(ConnectionLost) as info:
            async for _ in ticker:
                pass
        assert info.value.code == 4003
        assert client.state == "closed"
        with pytest.raises(ConnectionLost):
            await client.get_time()
        await reconnect_loop_ended(client)
        assert server.open_connections == 0 and server.connection_log(2) == []
        assert "banned" in (client.diagnostics().last_error or "")
        await client.close()


async def test_on_disconnect_can_stop(server: SpecServer) -> None:
    handlers = Recorder()
    handlers.decision = ReconnectDecision.stop()
    async with asyncio.timeout(20):
        client = await connect(server, handlers)
        server.drop_connections()
        await server.wait_for(lambda: client.state == "closed")
        assert handlers.disconnects[0].code is None
        await client.close()


async def test_refused_connections_then_accepted(server: SpecServer) -> None:
    server.refuse_connections(3)
    with pytest.raises(ConnectFailed):  # the first connect raises by default
        async with asyncio.timeout(5):
            await connect(server)
    policy = dataclasses.replace(FAST, retry_first_connect=True)
    server.refuse_connections(3)
    async with asyncio.timeout(20):
        async with connect(server, options=ConnectOptions(reconnect=policy)) as client:
            assert isinstance(await client.get_time(), int)
            ticker, *_ = await subscribe_all(client)
            n = max(server.subscriptions)
            server.refuse_connections(2)
            server.drop_connections()
            await server.wait_for(lambda: server.refused == 6 and server.open_connections == 1)
            await restored_on(server, n + 1)
            await server.wait_for(lambda: client.diagnostics().state == "open")
            assert len(await fresh(client, ticker, 3)) == 3


async def test_max_attempts_gives_up_with_connection_lost(server: SpecServer) -> None:
    policy = dataclasses.replace(FAST, max_attempts=2)
    async with asyncio.timeout(20):
        client = await connect(server, options=ConnectOptions(reconnect=policy))
        ticker, *_ = await subscribe_all(client)
        server.refuse_connections(10)
        server.drop_connections()
        with pytest.raises(ConnectionLost, match="gave up after 2"):
            async for _ in ticker:
                pass
        assert server.refused == 2
        await client.close()


async def test_expired_token_reauth_and_refresh(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="nova")
    api = load_api(SPECS / "deribit.yaml")
    async with asyncio.timeout(20), SpecServer(api, notify_interval=0.005, token_lifetime=600.0) as server:
        async with connect(server) as client:
            summary = await client.get_account_summary(currency="BTC")
            assert summary is not None and server.logins == 1
            server.expire_tokens()
            await client.get_account_summary(currency="BTC")  # 13009 -> login -> retry
            assert server.logins == 2
    logins = [r.getMessage() for r in caplog.records if r.getMessage().startswith("logged in")]
    assert logins == ["logged in (expires in 600 s)"] * 2
    async with asyncio.timeout(20), SpecServer(api, notify_interval=0.005, token_lifetime=1.0) as server:
        async with connect(server) as client:
            await server.wait_for(lambda: server.refreshes >= 1, timeout=5)
            await client.get_account_summary(currency="BTC")
            assert client.diagnostics().authenticated


async def test_wrong_secret_is_fatal(server: SpecServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="nova")
    async with asyncio.timeout(10):
        with pytest.raises(errors.DeribitError) as info:
            await DeribitClient.connect(
                url=server.url,
                client_id=CLIENT_ID,
                client_secret="wrong-secret-xyz",
                options=OPTIONS,
            )
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == "nova.deribit")
    assert "wrong-secret-xyz" not in text and "wrong-secret-xyz" not in str(info.value)


async def test_rate_limit_error_backs_off(server: SpecServer) -> None:
    policy = dataclasses.replace(FAST, initial_delay=0.2, max_delay=0.2)
    options = ConnectOptions(reconnect=policy, telemetry=InMemoryMetrics())
    async with asyncio.timeout(20):
        async with connect(server, options=options) as client:
            server.throttle(1)
            with pytest.raises(errors.TooManyRequests):
                await client.get_time()
            assert isinstance(await client.get_time(), int)
            # The throttle reply set a back-off; the next call was held back for what was
            # left of it.
            backoff, held = [e for e in client.metrics.recent if e.name == "rate_limited"]
            assert held.method == "public/get_time" and not held.raised
            assert 0 < held.wait <= backoff.wait


async def test_rate_limit_error_then_close_reconnects_after_backing_off(server: SpecServer) -> None:
    """Deribit ends the session (1008) after 10028: that close is retried, not fatal."""
    policy = dataclasses.replace(FAST, initial_delay=0.2, max_delay=0.2)
    async with asyncio.timeout(20):
        async with connect(server, options=ConnectOptions(reconnect=policy)) as client:
            ticker, *_ = await subscribe_all(client)
            await restored_on(server, 1)
            server.throttle(1, close_after=True)
            with pytest.raises(errors.TooManyRequests):
                await client.get_time()
            await restored_on(server, 2)
            await server.wait_for(lambda: client.diagnostics().state == "open")
            assert len(await fresh(client, ticker, 3)) == 3
            assert isinstance(await client.get_time(), int)


async def test_slow_handler_never_delays_heartbeat_replies() -> None:
    api = load_api(SPECS / "deribit.yaml")

    class Slow(DeribitHandlers):
        async def on_ticker(self, message: Any, channel: Any) -> None:
            await asyncio.sleep(10)

    async with asyncio.timeout(10), SpecServer(
        api, notify_interval=0.005, server_pings=True, ping_interval=0.05
    ) as server:
        options = ConnectOptions(close_timeout=0.5)  # close waits for queued hooks that long
        async with DeribitClient.connect(
            url=server.url, handlers=Slow(), options=options
        ) as client:
            await client.subscribe_ticker(instrument_name="BTC-PERPETUAL", interval="100ms")
            await server.wait_for(lambda: len(server.requests_of("public/test")) >= 5, 2.0)
            assert client.diagnostics().handler_queue_depth > 0  # the hook is stuck...
            assert client.state == "open"  # ...the heartbeat replies are not
