"""Lifetime rotation without a gap: the generated OKX client (``books``, whose ``seqId``
numbers the feed, the same on every connection) against a SpecServer on 127.0.0.1 that
drops every connection exactly ``max_lifetime`` seconds after its handshake request
arrived and takes 0.3 s to answer each handshake, streaming one feed (the same frame, the
same sequence value, on every connection subscribed to an address).

The client starts each rotation a margin before the lifetime runs out, counted from the
start of the connection attempt, restores the replacement while the old connection still
delivers, and hands each address over at a message both have seen. Across three rotations no sequence number
is missing and none is delivered twice. Bounded by ``asyncio.timeout``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from nova_runtime import ConnectOptions as DeribitOptions
from nova_runtime.rotation import rotation_margin
from okx import OkxClient

from nova_gen.loader import load_api
from nova_gen.testing import SpecServer

SPECS = Path(__file__).resolve().parents[2] / "specs"
LIFETIME = 3.0
HANDSHAKE = 0.3

@pytest.mark.asyncio
async def test_three_rotations_lose_and_repeat_no_sequence_number() -> None:
    from nova_runtime import ConnectOptions
    from nova_runtime.telemetry import InMemoryMetrics

    api = load_api(SPECS / "okx.yaml")
    options = ConnectOptions(max_lifetime=LIFETIME, telemetry=InMemoryMetrics())
    seen: list[int] = []
    links: list[tuple[int | None, int]] = []
    """(prevSeqId, seqId) of each message: OKX chains its sequence values."""
    async with SpecServer(
        api,
        notify_interval=0.01,
        feed=True,
        max_lifetime=LIFETIME,
        handshake_delay=HANDSHAKE,
    ) as server, asyncio.timeout(30):
        async with OkxClient.connect(url=server.url, options=options) as client:
            books = await client.subscribe_books(inst_id="BTC-USDT")
            third: int | None = None
            async for message in books:
                seen.append(message[0].seqId)
                links.append((message[0].prevSeqId, message[0].seqId))
                if third is None and server.connections >= 4:  # the third replacement
                    third = len(seen)
                if third is not None and len(seen) >= third + 100:  # 1 s past its switch
                    break
            # Every connection was replaced before the server dropped it: no reconnect.
            assert client.diagnostics().reconnects == 0
            assert client.metrics.count("connection_restored") >= 3
            assert client.metrics.count("sequence_gap") == 0
    assert server.connections >= 4 and server.expired >= 2
    # No link of the chain is missing (each message names the one before it), none twice.
    broken = [(a, b) for a, b in zip(links, links[1:], strict=False) if b[0] != a[1]]
    repeated = len(seen) - len(set(seen))
    assert (broken, repeated) == ([], 0)
    assert seen == sorted(seen)
    assert len(seen) > 3 * LIFETIME / 0.01 / 2  # the stream really ran through them


def test_rotation_margin_defaults_and_options() -> None:
    # The shipped Binance spec's 86400 s: rotation starts open_timeout + restore timeout
    # (10 s + 10 s by default) before the server's deadline, not at it.
    assert rotation_margin(86400, DeribitOptions(), 10.0) == 20.0
    # Short lifetimes: at most a quarter of it.
    assert rotation_margin(2.0, DeribitOptions(), 10.0) == 0.5
    assert rotation_margin(86400, DeribitOptions(rotation_margin=120.0), 10.0) == 120.0
    assert rotation_margin(60, DeribitOptions(rotation_margin=600.0), 10.0) == 60
