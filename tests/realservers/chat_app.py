"""A stock strawberry-graphql server for the chat API of specs/graphql_ws.yaml (graphql-transport-ws).

Run by the tests as ``python -m uvicorn tests.realservers.chat_app:app`` in a subprocess, so
that it can be killed and restarted mid-subscription. Besides the chat API (a query, the
mutations that feed the subscriptions) it has the shapes a GraphQL client must cope with: a
counting subscription, one that raises mid-stream, one that never ends, and a field that
fails (an ``errors`` entry next to partial ``data``).
"""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from collections.abc import AsyncGenerator

import strawberry
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

CREATED_AT = "2025-05-01T09:30:05.120Z"


@strawberry.type
class User:
    id: strawberry.ID
    name: str


@strawberry.type
class Message:
    id: strawberry.ID
    room_id: strawberry.ID
    text: str
    created_at: str
    author: User


@strawberry.type
class Room:
    id: strawberry.ID
    name: str
    topic: str | None
    created_by: User

    @strawberry.field
    def messages(self, last: int) -> list[Message]:
        return HISTORY[str(self.id)][-last:]


@strawberry.type
class Typing:
    room_id: strawberry.ID
    is_typing: bool
    user: User


ADA = User(id=strawberry.ID("u-7"), name="Ada")
ROOMS: dict[str, Room] = {
    "general": Room(id=strawberry.ID("general"), name="General", topic=None, created_by=ADA)
}
HISTORY: defaultdict[str, list[Message]] = defaultdict(list)
SUBSCRIBERS: defaultdict[str, set[asyncio.Queue[object]]] = defaultdict(set)
IDS = itertools.count(1)


def publish(topic: str, item: object) -> None:
    for queue in SUBSCRIBERS[topic]:
        queue.put_nowait(item)


async def listen(topic: str) -> AsyncGenerator[object, None]:
    queue: asyncio.Queue[object] = asyncio.Queue()
    SUBSCRIBERS[topic].add(queue)
    try:
        while True:
            yield await queue.get()
    finally:
        SUBSCRIBERS[topic].discard(queue)


@strawberry.type
class Query:
    @strawberry.field
    def room(self, id: strawberry.ID) -> Room | None:
        return ROOMS.get(str(id))

    @strawberry.field
    def hello(self, name: str = "world") -> str:
        return f"hello {name}"

    @strawberry.field
    def broken(self) -> str | None:
        raise ValueError("this field always fails")


@strawberry.type
class Mutation:
    @strawberry.mutation
    def post_message(self, room_id: strawberry.ID, text: str) -> Message:
        message = Message(
            id=strawberry.ID(f"m-{next(IDS)}"),
            room_id=room_id,
            text=text,
            created_at=CREATED_AT,
            author=ADA,
        )
        HISTORY[str(room_id)].append(message)
        publish(f"room:{room_id}", message)
        return message

    @strawberry.mutation
    def set_typing(self, room_id: strawberry.ID, is_typing: bool) -> bool:
        publish(f"typing:{room_id}", Typing(room_id=room_id, is_typing=is_typing, user=ADA))
        return True

    @strawberry.mutation
    def create_room(self, id: strawberry.ID, name: str, topic: str | None = None) -> Room:
        room = Room(id=id, name=name, topic=topic, created_by=ADA)
        ROOMS[str(id)] = room
        publish("rooms", room)
        return room


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def message_added(self, room_id: strawberry.ID) -> AsyncGenerator[Message, None]:
        async for item in listen(f"room:{room_id}"):
            assert isinstance(item, Message)
            yield item

    @strawberry.subscription
    async def user_typing(self, room_id: strawberry.ID) -> AsyncGenerator[Typing, None]:
        async for item in listen(f"typing:{room_id}"):
            assert isinstance(item, Typing)
            yield item

    @strawberry.subscription
    async def room_created(self) -> AsyncGenerator[Room, None]:
        async for item in listen("rooms"):
            assert isinstance(item, Room)
            yield item

    @strawberry.subscription
    async def count(self, to: int, interval_ms: int = 5) -> AsyncGenerator[int, None]:
        for i in range(1, to + 1):
            yield i
            await asyncio.sleep(interval_ms / 1000)

    @strawberry.subscription
    async def fail_after(self, n: int) -> AsyncGenerator[int, None]:
        for i in range(1, n + 1):
            yield i
        raise RuntimeError(f"failed after {n}")

    @strawberry.subscription
    async def forever(self, interval_ms: int = 20) -> AsyncGenerator[int, None]:
        for i in itertools.count(1):
            yield i
            await asyncio.sleep(interval_ms / 1000)


schema = strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription)
app = GraphQL(schema, subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL])
