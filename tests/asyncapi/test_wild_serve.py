"""A document added to the corpus by trying nova-gen as a new user would: Ballerina's
Kraken document (ballerina-platform/asyncapi-tools, Apache-2.0), against the local server.

It declares each reply with Ballerina's own ``x-response`` key, which nova-gen does not read
(a vendor's extension): ``ping``, ``subscribe`` and ``unsubscribe`` are one-way sends, and
their answers (``pong``, ``subscriptionStatus``) reach their typed hooks like every event.
The server sends the document's example events to a new connection and recognises what the
generated client sends, by the document's constant ``event`` fields."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from nova_gen.testing import SpecServer

from .test_serve import TIMEOUT, Received, client_and_handlers, generated_package, load, recording

KRAKEN = Path(__file__).parent / "corpus" / "ballerina-asyncapi-tools" / "kraken_websocket.yaml"
HOOKS = ("on_system_status", "on_heartbeat", "on_subscription_status", "on_pong")


async def test_ballerinas_kraken_document_sends_and_receives_against_the_local_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = generated_package(tmp_path, monkeypatch, KRAKEN, "server")
    client_class, handlers_class = client_and_handlers(package)
    models = package.models
    received = Received()
    api = load(KRAKEN)
    async with asyncio.timeout(TIMEOUT), SpecServer(api, emit_events=True) as server:
        async with client_class.connect(url=server.url, handlers=recording(handlers_class, received, *HOOKS)) as client:
            await received.wait_for("on_system_status", "on_heartbeat", "on_subscription_status")
            await client.ping(reqid=7)
            await client.subscribe(pair=["XBT/USD"], subscription=models.SubscribeSubscription(name="ticker"))
            await server.wait_for(lambda: len(server.connection_log(1)) == 2)
    # The wire method is each message's constant `event`; the rest are the call's arguments.
    assert server.connection_log(1) == [
        ("ping", {"reqid": 7}),
        ("subscribe", {"pair": ["XBT/USD"], "subscription": {"name": "ticker"}}),
    ]
    (status,) = received.messages["on_system_status"]
    # The document's own example, as written (its connectionID is beyond 2**53: kept exact).
    assert isinstance(status, models.SystemStatus)
    assert (status.connectionID, status.status, status.version) == (8628615390848610000, "online", "1.0.0")
    assert all(isinstance(m, models.Heartbeat) for m in received.messages["on_heartbeat"])
