"""What a reconnect must reset or go through, with generated clients against the SpecServer
on 127.0.0.1: the sequence baseline (OKX ``books``), the connection-attempt limiter (on the
first connect and on every reconnect), the request limiter (resubscribes count), and the
client's secrets (the refresh token is redacted by value wherever it shows up in a log).

Every test is bounded with ``asyncio.timeout``; "nothing happened" is only concluded after
a later positive event (messages after the restore, a gap the server caused on purpose).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from deribit import DeribitClient, DeribitHandlers
from nova_runtime import ConnectOptions as DeribitOptions
from nova_runtime import ConnectOptions as OkxOptions
from nova_runtime import ReconnectPolicy as DeribitPolicy
from nova_runtime import ReconnectPolicy as OkxPolicy
from nova_runtime.core.ratelimit import TokenBucket as DeribitBucket
from nova_runtime.telemetry import InMemoryMetrics
from okx import OkxClient, OkxHandlers

from nova_gen.loader import load_api
from nova_gen.testing import SpecServer

from . import test_faults
from .streams import fresh
from .test_faults import CLIENT_ID, SECRET

SPECS = Path(__file__).resolve().parents[2] / "specs"
TIMEOUT = 20

server = test_faults.server
"""The Deribit SpecServer (credentials ``CLIENT_ID``/``SECRET``) of the fault tests."""


async def until(predicate: Any, timeout: float = 5.0) -> None:
    """Wait, bounded, until ``predicate()`` holds."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.005)


# -- the sequence baseline ------------------------------------------------------------------


class Gaps(OkxHandlers):
    def __init__(self) -> None:
        self.gaps: list[tuple[Any, Any]] = []

    async def on_sequence_gap(self, channel: Any, expected: Any, received: Any) -> None:
        self.gaps.append((expected, received))


async def test_a_reconnect_sets_a_new_sequence_baseline() -> None:
    """The server numbers each new subscription from the spec's example again (seqId
    123456), so after a drop the first frame is far below the last one seen: that is a new
    baseline, not a gap. A gap the server then makes on purpose is still reported."""
    api = load_api(SPECS / "okx.yaml")
    options = OkxOptions(reconnect=OkxPolicy(initial_delay=0.01, max_delay=0.05), telemetry=InMemoryMetrics())
    handlers = Gaps()
    async with asyncio.timeout(TIMEOUT), SpecServer(api, notify_interval=0.005) as server:
        async with OkxClient.connect(url=server.url, handlers=handlers, options=options) as client:
            books = await client.subscribe_books(inst_id="BTC-USDT")
            first = await fresh(client, books, 20)
            seqs = [b[0].seqId for b in first]
            assert seqs == sorted(set(seqs)) and client.metrics.count("sequence_gap") == 0
            server.drop_connections()
            await server.wait_for(lambda: len(server.subscriptions.get(2, ())) == 1, timeout=5)
            after = await fresh(client, books, 3)
            assert after[0][0].seqId < seqs[-1]  # the numbering started again
            assert client.metrics.count("sequence_gap") == 0
            server.skip_sequence(3)
            await until(lambda: client.metrics.count("sequence_gap") == 1)
            await until(lambda: len(handlers.gaps) == 1)
            ((expected, received),) = handlers.gaps
            # The frame names a previous value the client never saw (the lost frames').
            assert received > expected
            assert client.metrics.count("sequence_gap") == 1


# -- limiters ---------------------------------------------------------------------------------


class Recording:
    """A real token bucket that records each reservation: its cost and how many connection
    attempts the server had seen (accepted or refused) when it was made. The limiter
    interface is public: users pass their own."""

    def __init__(self, server: SpecServer, bucket: DeribitBucket) -> None:
        self.server = server
        self.bucket = bucket
        self.reservations: list[tuple[float, int]] = []

    def reserve(self, cost: float, now: float) -> float:
        self.reservations.append((cost, self.server.connections + self.server.refused))
        return self.bucket.reserve(cost, now)

    def available(self, cost: float, now: float) -> float:
        return self.bucket.available(cost, now)

    def tokens(self, now: float) -> float:
        return self.bucket.tokens(now)


def deribit(server: SpecServer, *, retry_first_connect: bool = False, **options: Any) -> Any:
    fast = DeribitPolicy(
        initial_delay=0.01,
        multiplier=2.0,
        max_delay=0.05,
        reset_after=60.0,
        retry_first_connect=retry_first_connect,
    )
    return DeribitClient.connect(
        url=server.url,
        client_id=CLIENT_ID,
        client_secret=SECRET,
        options=DeribitOptions(reconnect=fast, restore_timeout=3.0, **options),
    )


async def test_connect_limiter_takes_a_token_before_every_attempt(server: SpecServer) -> None:
    limiter = Recording(server, DeribitBucket(rate=1000.0, burst=100.0))
    async with asyncio.timeout(TIMEOUT):
        async with deribit(server, connect_limiter=limiter) as client:
            # The first connect: one token, taken before the server saw a connection.
            assert limiter.reservations == [(1.0, 0)]
            for n in (2, 3):
                server.drop_connections()
                await server.wait_for(lambda n=n: server.connections == n, timeout=5)
                await until(lambda: client.state == "open")
                assert limiter.reservations[-1] == (1.0, n - 1)
            assert limiter.reservations == [(1.0, 0), (1.0, 1), (1.0, 2)]
        # Refused attempts of a retried first connect take their token first too.
        limiter.reservations.clear()
        server.refuse_connections(2)
        async with deribit(server, connect_limiter=limiter, retry_first_connect=True):
            assert server.refused == 2
            assert limiter.reservations == [(1.0, 3), (1.0, 4), (1.0, 5)]


async def test_resubscribes_after_a_reconnect_go_through_the_request_limiter(
    server: SpecServer,
) -> None:
    limiter = Recording(server, DeribitBucket(rate=1000.0, burst=100.0))
    async with asyncio.timeout(TIMEOUT):
        async with deribit(server, limiter=limiter) as client:
            await client.subscribe_ticker(instrument_name="BTC-PERPETUAL", interval="100ms")
            await client.subscribe_trades(instrument_name="BTC-PERPETUAL", interval="100ms")
            await client.subscribe_user_orders(instrument_name="BTC-PERPETUAL", interval="100ms")
            before = len(limiter.reservations)
            assert before >= 3  # one subscribe request each
            server.drop_connections()
            await server.wait_for(lambda: len(server.subscriptions.get(2, ())) == 3, timeout=5)
            resubscribes = [m for m, _ in server.connection_log(2) if m.endswith("/subscribe")]
            # Public and private resubscribes are one batched request each, and each one
            # took its tokens on the second connection before it was sent.
            assert len(resubscribes) == 2
            restored = limiter.reservations[before:]
            assert len(restored) == len(resubscribes) + 1  # and the login, a message too
            assert all(connections == 2 for _, connections in restored)


# -- secrets ------------------------------------------------------------------------------------


class Unknowns(DeribitHandlers):
    def __init__(self) -> None:
        self.unknown: list[Any] = []

    async def on_unknown_message(self, frame: Any, reason: str) -> None:
        self.unknown.append(frame)


async def test_the_refresh_token_is_redacted_by_value(
    server: SpecServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The login reply's refresh token (``refresh-1``) is one of the client's secrets: it is
    replaced wherever it appears, not only in fields named like a token."""
    caplog.set_level(logging.DEBUG, logger="nova")
    handlers = Unknowns()
    async with asyncio.timeout(TIMEOUT):
        async with DeribitClient.connect(
            url=server.url, client_id=CLIENT_ID, client_secret=SECRET, handlers=handlers
        ) as client:
            assert server.logins == 1
            await server.send_raw('{"jsonrpc":"2.0","method":"odd","params":{"note":"refresh-1 x"}}')
            await until(lambda: len(handlers.unknown) == 1)
            client.log.warning("server said %s", "refresh-1; " * 2)
    # The client's own records (the test server logs what it sends, under its own name).
    logged = "\n".join(
        caplog.handler.format(r) for r in caplog.records if r.name == "nova.deribit"
    )
    assert "refresh-1" not in logged
    assert '"note":"*** x"' in logged  # the DEBUG preview of the unknown frame
    assert "server said ***; ***; " in logged
    assert handlers.unknown[0]["params"]["note"] == "refresh-1 x"  # handlers see the frame as is
