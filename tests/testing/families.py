"""Small helpers for raw-socket tests of the protocol families."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection

from nova_gen.ir import Api
from nova_gen.loader import load_api

SPECS = Path(__file__).resolve().parents[2] / "specs"


def load_spec(name: str) -> Api:
    """The spec ``specs/<name>.yaml`` (a failure to load fails the test)."""
    return load_api(SPECS / f"{name}.yaml")


async def recv_json(ws: ClientConnection) -> Any:
    return json.loads(await ws.recv())


async def recv_until(ws: ClientConnection, pred: Callable[[Any], bool], limit: int = 100) -> Any:
    for _ in range(limit):
        frame = await recv_json(ws)
        if pred(frame):
            return frame
    raise AssertionError("no matching frame")


async def collect(ws: ClientConnection, pred: Callable[[Any], bool], n: int, limit: int = 200) -> list[Any]:
    out: list[Any] = []
    for _ in range(limit):
        frame = await recv_json(ws)
        if pred(frame):
            out.append(frame)
            if len(out) == n:
                return out
    raise AssertionError(f"only {len(out)} of {n} matching frames")
