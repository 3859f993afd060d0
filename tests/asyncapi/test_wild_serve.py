"""A document added to the corpus by trying nova-gen as a new user would: Ballerina's
Kraken document (ballerina-platform/asyncapi-tools, Apache-2.0), against the local server.

It declares each reply with Ballerina's own ``x-response`` key (:mod:`nova_gen.asyncapi.responses`),
read as a 3.0 ``reply``: ``ping()`` returns the typed ``pong`` and ``subscribe()`` its
``subscriptionStatus`` (no ``x-dispatcherStreamId``: each is the next frame that is its reply,
``NOVA108``), which the server sends only as those answers. The server sends the document's
other example events to a new connection and recognises what the generated client sends, by
the document's constant ``event`` fields."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from nova_gen.testing import SpecServer

from .test_serve import TIMEOUT, Received, client_and_handlers, generated_package, load, recording

KRAKEN = Path(__file__).parent / "corpus" / "ballerina-asyncapi-tools" / "kraken_websocket.yaml"
HOOKS = ("on_system_status", "on_heartbeat", "on_subscription_status", "on_pong")


async def test_ballerinas_kraken_document_requests_get_their_typed_replies_from_the_local_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = generated_package(tmp_path, monkeypatch, KRAKEN, "server")
    client_class, handlers_class = client_and_handlers(package)
    models = package.models
    received = Received()
    api = load(KRAKEN)
    async with asyncio.timeout(TIMEOUT), SpecServer(api, emit_events=True) as server:
        async with client_class.connect(url=server.url, handlers=recording(handlers_class, received, *HOOKS)) as client:
            await received.wait_for("on_system_status", "on_heartbeat")
            pong = await client.ping(reqid=7)
            status = await client.subscribe(pair=["XBT/USD"], subscription=models.SubscribeSubscription(name="ticker"))
            # A reply that is also an event still reaches its hook.
            await received.wait_for("on_pong", "on_subscription_status")
    # The wire method is each message's constant `event`; the rest are the call's arguments.
    assert server.connection_log(1) == [
        ("ping", {"reqid": 7}),
        ("subscribe", {"pair": ["XBT/USD"], "subscription": {"name": "ticker"}}),
    ]
    # `pong` has no example: the server builds it from its schema.
    assert isinstance(pong, models.Pong) and pong.event == "pong"
    # The document's first subscriptionStatus example, its `status` (not in the enum) repaired.
    assert isinstance(status, models.SubscriptionStatusSuccess)
    assert (status.event, status.status, status.channelID, status.channelName) == (
        "subscriptionStatus", "online", 10001, "ohlc-5",
    )
    assert received.messages["on_pong"] == [pong] and received.messages["on_subscription_status"] == [status]
    (system,) = received.messages["on_system_status"]
    # The document's own example, as written (its connectionID is beyond 2**53: kept exact).
    assert isinstance(system, models.SystemStatus)
    assert (system.connectionID, system.status, system.version) == (8628615390848610000, "online", "1.0.0")
    assert all(isinstance(m, models.Heartbeat) for m in received.messages["on_heartbeat"])
