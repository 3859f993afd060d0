"""The generated GraphQL client against stock strawberry-graphql (graphql-transport-ws) on 127.0.0.1.

The server (tests/realservers/chat_app.py) runs under uvicorn in a subprocess, so the tests
can kill it mid-subscription and start it again: the client must reconnect, send
connection_init again and restore every operation under a fresh operation id.
"""

from __future__ import annotations

import asyncio

import pytest
from e2e.streams import fresh, take
from graphql_ws import (
    ConnectionLost,
    GraphqlWsClient,
    GraphqlWsHandlers,
    SubscriptionError,
    errors,
)

from .graphql import execute, post
from .processes import ServerProcess
from .restores import Restores

pytestmark = pytest.mark.asyncio

TIMEOUT = 60.0


class Watch(Restores, GraphqlWsHandlers):
    pass


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
    handlers = Watch()
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


async def test_execute_runs_queries_and_mutations_by_their_text(strawberry: ServerProcess) -> None:
    url = strawberry.url + "/graphql"
    async with asyncio.timeout(TIMEOUT), GraphqlWsClient.connect(url=url) as client:
        assert await client.execute(query="query { hello }") == {"hello": "hello world"}
        assert await client.execute(
            query="query Hi($n: String!) { hello(name: $n) }", variables={"n": "Ada"}
        ) == {"hello": "hello Ada"}
        two = 'query A { hello } query B { hello(name: "B") }'
        assert await client.execute(query=two, operation_name="B") == {"hello": "hello B"}
        posted = await client.execute(
            query="mutation Post($r: ID!, $t: String!) { postMessage(roomId: $r, text: $t) { id text } }",
            variables={"r": "general", "t": "hi"},
        )
        assert posted is not None and posted["postMessage"]["text"] == "hi"
        history = await client.execute(
            query='query { room(id: "general") { messages(last: 5) { id } } }'
        )
        assert history == {"room": {"messages": [{"id": posted["postMessage"]["id"]}]}}


async def test_errors_reach_the_caller_with_partial_data(strawberry: ServerProcess) -> None:
    url = strawberry.url + "/graphql"
    async with asyncio.timeout(TIMEOUT), GraphqlWsClient.connect(url=url) as client:
        # Field errors beside partial data: a typed error carrying both.
        with pytest.raises(errors.GraphqlWsError) as partial:
            await client.execute(query="query { hello broken }")
        assert partial.value.code is None  # strawberry sends no extensions.code
        assert partial.value.message == "this field always fails"
        assert partial.value.data["data"] == {"hello": "hello world", "broken": None}
        assert partial.value.data["errors"][0]["path"] == ["broken"]
        assert str(partial.value) == "this field always fails"  # no "[None]"

        # An `error` message (validation failed, no extensions.code): typed as well.
        with pytest.raises(errors.GraphqlWsError) as invalid:
            await client.execute(query="query { nope }")
        assert "Cannot query field 'nope'" in invalid.value.message
        assert invalid.value.data[0]["locations"] == [{"line": 1, "column": 9}]

        # The same for a subscription: awaiting it raises, and so does iterating it.
        refused = client.subscribe(query="subscription { nope }")
        with pytest.raises(SubscriptionError) as awaited:
            await refused
            await take(refused, 1)  # ack none: the refusal may come after the ack
        assert isinstance(awaited.value.cause, errors.GraphqlWsError)

        # A resolver that raises mid-stream (`next` with errors and data null): the iterator
        # raises after the results before it, never a silent clean end.
        got: list[object] = []
        with pytest.raises(SubscriptionError) as midway:
            async for result in client.subscribe(query="subscription { failAfter(n: 2) }"):
                got.append(result)
                assert len(got) <= 2
        assert got == [{"failAfter": 1}, {"failAfter": 2}]
        assert isinstance(midway.value.cause, errors.GraphqlWsError)
        assert midway.value.cause.message == "failed after 2"
        assert midway.value.cause.data == {"data": None, "errors": [{"message": "failed after 2"}]}

        # A finite subscription ends cleanly after its last result.
        counted = [m async for m in client.subscribe(query="subscription { count(to: 3) }")]
        assert counted == [{"count": 1}, {"count": 2}, {"count": 3}]


async def test_a_syntax_error_fails_its_operation_and_the_others_go_on(strawberry: ServerProcess) -> None:
    # strawberry closes the whole connection with 4400 for a GraphQL syntax error.
    url = strawberry.url + "/graphql"
    handlers = Watch()
    async with asyncio.timeout(TIMEOUT), GraphqlWsClient.connect(url=url, handlers=handlers) as client:
        forever = await client.subscribe(query="subscription { forever }")
        assert len(await take(forever, 2)) == 2
        with pytest.raises(ConnectionLost) as broken:
            await client.execute(query="query { hello(")
        assert broken.value.code == 4400 and "Syntax Error" in (broken.value.reason or "")
        await handlers.restored.wait()
        assert len(await fresh(client, forever, 2)) == 2  # restored under a new operation id
        assert await client.execute(query="query { hello }") == {"hello": "hello world"}

        # A subscription with a syntax error is the operation sent last: it alone fails.
        bad = client.subscribe(query="subscription { forever(")
        with pytest.raises(SubscriptionError) as rejected:
            await take(bad, 1)
        assert isinstance(rejected.value.cause, ConnectionLost) and rejected.value.cause.code == 4400
        assert len(await fresh(client, forever, 2)) == 2
        assert [s.address for s in client.diagnostics().subscriptions] == [forever.address]


async def test_unsubscribe_stops_the_operation_on_the_server(strawberry: ServerProcess) -> None:
    url = strawberry.url + "/graphql"
    async with asyncio.timeout(TIMEOUT), GraphqlWsClient.connect(url=url) as client:
        forever = await client.subscribe(query="subscription { forever(intervalMs: 5) }")
        assert len(await take(forever, 3)) == 3
        await client.unsubscribe(query="subscription { forever(intervalMs: 5) }")
        assert forever.state == "unsubscribed"
        # The connection is still healthy (a `complete` without the id would close it with 4400).
        assert await client.execute(query="query { hello }") == {"hello": "hello world"}
        assert client.diagnostics().reconnects == 0
