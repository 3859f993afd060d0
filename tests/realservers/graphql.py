"""Plain graphql-transport-ws calls, to drive the strawberry server from outside the client."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

_ids = itertools.count(1)


async def execute(url: str, query: str, variables: dict[str, Any] | None = None) -> Any:
    """Run one operation on its own connection; returns the ``data`` of its single result."""
    async with asyncio.timeout(30), connect(url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        op = str(next(_ids))
        await ws.send(json.dumps({"id": op, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}}))
        for _ in range(100):
            frame = json.loads(await ws.recv())
            if frame.get("id") == op and frame["type"] == "next":
                assert "errors" not in frame["payload"], frame
                return frame["payload"]["data"]
            assert frame.get("type") != "error", frame
    raise AssertionError(f"no result for {query!r}")


async def post(url: str, room_id: str, text: str) -> str:
    """Post a chat message; returns its id."""
    data = await execute(
        url,
        "mutation Post($roomId: ID!, $text: String!) { postMessage(roomId: $roomId, text: $text) { id } }",
        {"roomId": room_id, "text": text},
    )
    return str(data["postMessage"]["id"])
