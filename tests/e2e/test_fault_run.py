"""The long fault run: the generated Deribit client, with the spec's own reconnect policy,
against a SpecServer on 127.0.0.1 that drops every connection every 3 s and expires every
token every 4 s, for 60 s.

It used to stall for 9-10 s: reconnect attempts accumulated across connections that lived
less than ``reset_after``, so the delays grew to 26.9 s. A connection that came up and
restored its subscriptions now counts as a success for the backoff (``core.backoff``), so
the worst gap between two delivered messages stays under 6 s. Bounded: 60 s of faults
plus a few seconds to connect and close.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from deribit import ConnectionLost, DeribitClient, errors
from nova_runtime import NovaError

from nova_gen.loader import load_api
from nova_gen.testing import SpecServer

SPECS = Path(__file__).resolve().parents[2] / "specs"
CLIENT_ID = "client-id-123"
SECRET = "s3cr3t-VALUE-never-logged"

RUN = 60.0
"""Seconds of faults."""
DROP_EVERY = 3.0
EXPIRE_EVERY = 4.0
WORST_GAP = 6.0
"""The bound the issue sets for the worst gap between two delivered messages."""

pytestmark = pytest.mark.asyncio


async def test_sixty_seconds_of_drops_and_token_expiry_keep_the_stream_flowing() -> None:
    api = load_api(SPECS / "deribit.yaml")
    loop = asyncio.get_running_loop()
    arrivals: list[float] = []
    answered = 0

    async def expire_tokens(server: SpecServer) -> None:
        while True:
            await asyncio.sleep(EXPIRE_EVERY)
            server.expire_tokens()

    async def private_requests(client: DeribitClient) -> None:
        nonlocal answered
        while True:
            await asyncio.sleep(0.5)
            # A drop may fail the request in flight, that is all it may do.
            with contextlib.suppress(ConnectionLost, errors.DeribitError, NovaError):
                await client.get_account_summary(currency="BTC")
                answered += 1

    async with SpecServer(
        api,
        notify_interval=0.05,
        token_lifetime=EXPIRE_EVERY,
        expected_credentials={"client_id": CLIENT_ID, "client_secret": SECRET},
    ) as server, asyncio.timeout(RUN + 30):
        async with DeribitClient.connect(
            url=server.url, client_id=CLIENT_ID, client_secret=SECRET
        ) as client:
            ticker = await client.subscribe_ticker(
                instrument_name="BTC-PERPETUAL", interval="100ms"
            )
            await ticker.__anext__()
            start = loop.time()
            arrivals.append(start)
            server.drop_every(DROP_EVERY)
            faults = [
                asyncio.ensure_future(expire_tokens(server)),
                asyncio.ensure_future(private_requests(client)),
            ]
            try:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(RUN):
                        async for _ in ticker:
                            arrivals.append(loop.time())
            finally:
                server.drop_every(None)
                for task in faults:
                    task.cancel()
                await asyncio.gather(*faults, return_exceptions=True)
            reconnects = client.diagnostics().reconnects
            # The stream still flows once the faults stop.
            async with asyncio.timeout(10):
                await ticker.__anext__()

    gaps = [b - a for a, b in zip(arrivals, arrivals[1:], strict=False)]
    worst = max(gaps)
    print(
        f"fault run: {len(arrivals)} messages, {server.drops} drops, {reconnects} reconnects,"
        f" {server.logins} logins, {answered} private requests answered, worst gap {worst:.2f}s"
    )
    assert server.drops >= RUN / DROP_EVERY / 2  # the faults really happened
    assert reconnects >= server.drops - 1
    assert worst < WORST_GAP, f"worst gap {worst:.2f}s"
    # Messages kept arriving until the end of the run, not only before some stall.
    assert arrivals[-1] - start > RUN - WORST_GAP
    assert answered > 0
