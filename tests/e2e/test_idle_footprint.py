"""What an idle client holds: the generated Deribit client against the local server.

Memory per idle connection is a measured goal (``bench/memory.py``); these tests pin the
kinds of state that made it large, so they do not come back: a subscription that got no
message has no buffer, no ack future and no task; a request that was answered leaves no
entry or timer behind; an idle client with default hooks runs one task (the supervisor),
no task at all: its pings and no-data watchdog are loop timers, the restore loop starts
when the connection drops.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from deribit import DeribitClient
from nova_runtime.core import Pending

from nova_gen.loader import load_api
from nova_gen.testing import SpecServer

SPECS = Path(__file__).resolve().parents[2] / "specs"

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def server() -> AsyncIterator[SpecServer]:
    # Acknowledged, never notified: the subscriptions stay idle.
    async with SpecServer(load_api(SPECS / "deribit.yaml"), max_notifications=0) as running:
        yield running


def client_tasks() -> list[str]:
    return sorted(t.get_name() for t in asyncio.all_tasks() if t.get_name().startswith("nova."))


async def test_an_idle_subscription_holds_no_buffer_future_or_task(server: SpecServer) -> None:
    async with asyncio.timeout(20):
        async with DeribitClient.connect(url=server.url) as client:
            subs = [
                await client.subscribe_ticker(instrument_name=f"I{j}", interval="100ms")
                for j in range(3)
            ]
            feeds = [sub._feed for sub in subs]
            assert [f._buffer for f in feeds] == [None] * 3
            assert [f._ack for f in feeds] == [None] * 3
            assert [f._task for f in feeds] == [None] * 3
            assert [sub.state for sub in subs] == ["active"] * 3
            await subs[0]  # awaiting a decided ack makes nothing either
            assert feeds[0]._ack is None


def pendings() -> list[Pending]:
    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, Pending)]


async def test_answered_requests_leave_nothing_behind(server: SpecServer) -> None:
    before = pendings()  # what other tests may have left alive is not this client's
    async with asyncio.timeout(20):
        async with DeribitClient.connect(url=server.url) as client:
            for j in range(3):
                await client.subscribe_ticker(instrument_name=f"I{j}", interval="100ms")
            await client.get_time()
            # The on-connect set_heartbeat, three subscribes and a request, all answered.
            assert len(server.requests_of("public/subscribe")) == 3
            assert len(client._session.correlator) == 0
            assert [p for p in pendings() if not any(p is b for b in before)] == []


async def test_an_idle_client_runs_no_task_until_its_connection_drops(
    server: SpecServer,
) -> None:
    async with asyncio.timeout(20):
        async with DeribitClient.connect(url=server.url) as client:
            sub = await client.subscribe_ticker(instrument_name="BTC-PERPETUAL", interval="100ms")
            assert client.state == "open"
            assert client_tasks() == []
            await client.reconnect(reason="test")  # drops the socket; returns once restored
            assert server.connections == 2 and sub.state == "active"
            assert client_tasks() == []  # the restore loop ended with the restore
