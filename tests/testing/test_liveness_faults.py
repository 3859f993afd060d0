"""SpecServer's liveness faults and its feed clock, against a plain ``websockets`` client:
:meth:`SpecServer.mute` (streams stop, the connection stays healthy), ``max_lifetime``
with ``handshake_delay`` (each connection dropped a fixed time after its handshake
request arrived) and ``feed`` (one clock for every connection)."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from nova_gen.testing import SpecServer

from .deribit_like import deribit_like_api
from .test_server import TICKER_BTC, call, is_note, notes

pytestmark = pytest.mark.asyncio

TIMEOUT = 20.0
"""Seconds before a test fails as hung: a guard, not a timing assertion (the feed tests run a
10 ms clock, and on a loaded machine closing two connections against it takes seconds)."""


async def test_mute_stops_the_streams_but_pings_and_requests_are_answered() -> None:
    async with (
        asyncio.timeout(TIMEOUT),
        SpecServer(deribit_like_api(), notify_interval=0.005) as server,
    ):
        async with connect(server.url) as ws:
            await call(ws, 1, "public/subscribe", {"channels": [TICKER_BTC]})
            await notes(ws, 2)
            server.mute()
            await call(ws, 4, "public/get_time")  # a frame being sent at the mute is out
            sent = server.notifications_sent
            for n in range(5):
                pong = await ws.ping()
                await pong  # WebSocket pings are still answered
                reply = await call(ws, 10 + n, "public/get_time")  # and requests
                assert reply["result"] == 1700000000000
            assert server.notifications_sent == sent
            # A new subscription (or a new connection) streams again.
            await call(ws, 2, "public/unsubscribe", {"channels": [TICKER_BTC]})
            await call(ws, 3, "public/subscribe", {"channels": [TICKER_BTC]})
            assert len(await notes(ws, 2)) == 2


async def test_max_lifetime_drops_each_connection_after_its_handshake_delay() -> None:
    async with (
        asyncio.timeout(TIMEOUT),
        SpecServer(deribit_like_api(), max_lifetime=0.5, handshake_delay=0.2) as server,
    ):
        async with connect(server.url) as ws:
            assert (await call(ws, 1, "public/get_time"))["result"] == 1700000000000
            with pytest.raises(ConnectionClosed) as info:
                for _ in range(1000):
                    await ws.recv()
            assert info.value.rcvd is None  # dropped, no close frame
        assert server.expired == 1


async def test_feed_sends_the_same_ticks_on_every_connection() -> None:
    api = deribit_like_api()
    async with (
        asyncio.timeout(TIMEOUT),
        SpecServer(api, notify_interval=0.01, feed=True) as server,
    ):
        # max_queue=None: a connection that stops reading keeps reading the socket, so its
        # closing handshake is not stuck behind a feed it paused (websockets' flow control).
        async with (
            connect(server.url, max_queue=None) as a,
            connect(server.url, max_queue=None) as b,
        ):
            await call(a, 1, "public/subscribe", {"channels": [TICKER_BTC]})
            await call(b, 1, "public/subscribe", {"channels": [TICKER_BTC]})
            first_a = [json.dumps(f, sort_keys=True) for f in await notes(a, 40)]
            first_b = [json.dumps(f, sort_keys=True) for f in await notes(b, 20)]
    # b subscribed one round trip later: its frames are a's, from some tick on (how many
    # ticks later depends on the machine's load, so only "one of a's first 40" is asserted).
    start = first_a.index(first_b[0]) if first_b[0] in first_a else None
    assert start is not None
    overlap = first_a[start : start + len(first_b)]
    assert first_b[: len(overlap)] == overlap and len(overlap) > 1
    assert all(is_note(json.loads(f)) for f in first_a + first_b)
