"""``python -m nova_gen.testing SPEC`` serves a spec until Ctrl-C."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from .served import served

pytestmark = pytest.mark.asyncio

SPEC = """\
nova: 1
name: tickers
servers:
  local: { url: "ws://127.0.0.1:8765" }
envelope:
  preset: jsonrpc2
requests:
  get_time:
    method: public/get_time
    result: { type: integer }
    examples:
      - params: {}
        result: 1700000000000
  subscribe:
    method: public/subscribe
    params:
      type: object
      required: [channels]
      properties:
        channels: { type: array, items: { type: string } }
    result: { type: array, items: { type: string } }
subscriptions:
  public:
    subscribe: subscribe
    addresses: /channels
channels:
  ticker:
    address: "ticker.{symbol}.{interval}"
    parameters:
      symbol: { type: string }
      interval: { enum: ["100ms", "raw"] }
    subscription: public
    message: { $ref: "#/schemas/Ticker" }
    examples:
      - parameters: { symbol: BTC, interval: 100ms }
        message: { symbol: BTC, price: 64000.5 }
schemas:
  Ticker:
    type: object
    required: [symbol, price]
    properties:
      symbol: { type: string }
      price: { type: number }
"""


async def test_cli_serves_a_spec_until_interrupted(tmp_path: Path) -> None:
    spec = tmp_path / "tickers.yaml"
    spec.write_text(SPEC)
    async with asyncio.timeout(20), served(spec, module="nova_gen.testing") as url:
        async with connect(url) as ws:
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "public/get_time"}))
            assert json.loads(await ws.recv())["result"] == 1700000000000
            sub = {"channels": ["ticker.BTC.100ms"]}
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "public/subscribe", "params": sub}))
            assert json.loads(await ws.recv())["result"] == ["ticker.BTC.100ms"]
            note = json.loads(await ws.recv())
            assert note["params"] == {"channel": "ticker.BTC.100ms", "data": {"symbol": "BTC", "price": 64000.5}}


async def test_verbose_logs_frames_not_asyncio_internals(tmp_path: Path) -> None:
    spec = tmp_path / "tickers.yaml"
    spec.write_text(SPEC)
    log: list[str] = []
    async with asyncio.timeout(20), served(spec, "-v", module="nova_gen.testing", stderr=log) as url:
        async with connect(url) as ws:
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "public/get_time"}))
            assert json.loads(await ws.recv())["result"] == 1700000000000
    (text,) = log
    assert "public/get_time" in text  # -v logs every frame
    debug = [line for line in text.splitlines() if " DEBUG " in line]
    assert debug and all(line.split()[2].startswith("nova") for line in debug), debug


async def test_cli_warns_when_replies_would_be_read_as_errors(tmp_path: Path) -> None:
    """A reply rule whose frames the error rule takes first (no `success` tells them apart):
    the server says so when it starts, as `validate` does."""
    spec = tmp_path / "shadowed.yaml"
    spec.write_text(SPEC.replace(
        "envelope:\n  preset: jsonrpc2\n",
        "envelope:\n  request: { id: /id, method: /type, params: \"\" }\n"
        "  error:\n    when: { in: { /type: [result, failed] }, not: { /success: [true] } }\n"
        "  response:\n    when: { in: { /type: [result] } }\n    id: /id\n    result: /result\n"
        "  notification:\n    when: { equals: { /type: event } }\n    channel: /channel\n    payload: /data\n",
    ))
    log: list[str] = []
    async with asyncio.timeout(20), served(spec, module="nova_gen.testing", stderr=log):
        pass
    (text,) = log
    assert "shadowed.yaml:" in text and "warning NOVA085" in text, text


async def test_cli_reports_spec_errors(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("nova: 1\nname: [\n")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "nova_gen.testing",
        str(spec),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(20):
            _, err = await proc.communicate()
        assert proc.returncode == 2
        assert "bad.yaml:" in err.decode()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
