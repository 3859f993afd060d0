"""The generated GraphQL client against stock strawberry-graphql (graphql-transport-ws) on 127.0.0.1.

The server (tests/realservers/chat_app.py) runs under uvicorn in a subprocess, so the tests
can kill it mid-subscription and start it again: the client must reconnect, send
connection_init again and restore every operation under a fresh operation id.
"""

from __future__ import annotations

import asyncio

import pytest
from e2e.streams import take
from graphql_ws import ConnectInfo, GraphqlWsClient, GraphqlWsHandlers

from .graphql import execute, post
from .processes import ServerProcess

pytestmark = pytest.mark.asyncio

TIMEOUT = 60.0


class Restores(GraphqlWsHandlers):
    """Sets :attr:`restored` when a reconnect has restored every operation."""

    def __init__(self) -> None:
        self.restored = asyncio.Event()

    async def on_connect(self, info: ConnectInfo) -> None:
        if info.reconnect:
            self.restored.set()


async def test_typed_channels_send_query_text_and_get_typed_results(strawberry: ServerProcess) -> None:
    url = strawberry.url + "/graphql"
    async with asyncio.timeout(TIMEOUT), GraphqlWsClient.connect(url=url) as client:
        added = await client.subscribe_message_added(room_id="general")
        typing = await client.subscribe_user_typing(room_id="general")
        rooms = await client.subscribe_room_created()
        first = await post(url, "general", "Morning all")
        second = await post(url, "general", "Dashboards look green")
        got = await take(added, 2)
        assert [m.messageAdded.id for m in got] == [first, second]
        assert [m.messageAdded.text for m in got] == ["Morning all", "Dashboards look green"]
        assert got[0].messageAdded.author.name == "Ada"
        await execute(url, 'mutation { setTyping(roomId: "general", isTyping: true) }')
        (typed,) = await take(typing, 1)
        assert typed.userTyping.isTyping is True and typed.userTyping.user.id == "u-7"
        await execute(url, 'mutation { createRoom(id: "ops", name: "Ops", topic: "on call") { id } }')
        (room,) = await take(rooms, 1)
        assert room.roomCreated.id == "ops" and room.roomCreated.topic == "on call"

        # A query modelled as a one-shot channel: one result, then the server completes it.
        history = client.subscribe_room_history(room_id="general", last=1)
        results = [m async for m in history]
        assert len(results) == 1 and results[0].room is not None
        assert [m.id for m in results[0].room.messages] == [second]

        await client.unsubscribe_message_added(room_id="general")
        assert added.state == "unsubscribed"


async def test_subscriptions_survive_a_server_restart(strawberry: ServerProcess) -> None:
    url = strawberry.url + "/graphql"
    handlers = Restores()
    async with asyncio.timeout(TIMEOUT), GraphqlWsClient.connect(url=url, handlers=handlers) as client:
        added = await client.subscribe_message_added(room_id="general")
        await post(url, "general", "before")
        (before,) = await take(added, 1)
        assert before.messageAdded.text == "before"

        strawberry.kill()  # SIGKILL mid-subscription: no close frame
        strawberry.restart()
        await handlers.restored.wait()
        await post(url, "general", "after")
        (after,) = await take(added, 1)  # the same iterator, on the new connection
        assert after.messageAdded.text == "after"
        assert client.diagnostics().reconnects >= 1
        (info,) = client.diagnostics().subscriptions
        assert info.channel == "message_added" and info.state == "active"
