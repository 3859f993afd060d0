"""Issue 11, kind 11: parameter names with hyphens (``{inst-id}``), which AsyncAPI allows
and the naming rules map to Python (``inst_id``), are placeholders everywhere: nova channel
addresses (checked, filled, matched by the local server) and AsyncAPI channel addresses."""

from __future__ import annotations

import asyncio
from pathlib import Path

from nova_runtime.template import fill, placeholders

from nova_gen.diagnostics import Diagnostics
from nova_gen.loader import load_api
from nova_gen.testing import SpecServer

from .building import build, write

BASE = Path(__file__).resolve().parents[1] / "generator" / "base_spec.yaml"


def test_the_template_reads_hyphenated_names() -> None:
    assert placeholders("books.{inst-id}.{depth}") == ["inst-id", "depth"]
    assert fill({"instId": "{inst-id}", "a": "x.{inst-id}"}, {"inst-id": 7}) == {"instId": 7, "a": "x.7"}
    assert placeholders("{ id name }") == []  # GraphQL selections stay text


async def test_a_nova_channel_with_a_hyphenated_parameter_subscribes_end_to_end(tmp_path: Path) -> None:
    text = BASE.read_text(encoding="utf-8")
    for old, new in [
        ("{symbol}", "{inst-id}"),
        ("      symbol: { type: string }", "      inst-id: { type: string }"),
        ("parameters: { symbol: BTC-PERPETUAL", "parameters: { inst-id: BTC-PERPETUAL"),
    ]:
        assert old in text
        text = text.replace(old, new, 1)
    spec = write(tmp_path, {"tickers.yaml": text})
    api = load_api(spec, Diagnostics(), tmp_path)
    assert [p.name for p in api.channels[0].parameters] == ["inst-id", "interval"]
    with build(spec, tmp_path / "out") as package:
        async with asyncio.timeout(10), SpecServer(api, notify_interval=0.005) as server:
            async with package.TickersClient.connect(url=server.url) as client:
                sub = await client.subscribe_ticker(inst_id="BTC-PERPETUAL", interval="100ms")
                assert sub.address == "ticker.BTC-PERPETUAL.100ms"
                message = await anext(aiter(sub))
    assert message.symbol == "BTC-PERPETUAL"
    assert any(f.get("params") == {"channels": ["ticker.BTC-PERPETUAL.100ms"]} for f in server.received)


ASYNCAPI = """asyncapi: 3.0.0
info: {title: Books, version: '1'}
servers:
  local: {host: 127.0.0.1, protocol: ws}
channels:
  books:
    address: /books/{inst-id}
    parameters:
      inst-id: {enum: [BTC-USDT, ETH-USDT]}
    messages:
      book: {payload: {type: object, properties: {asks: {type: array, items: {type: number}}}}}
operations:
  onBook:
    action: send
    channel: {$ref: '#/channels/books'}
    messages: [{$ref: '#/channels/books/messages/book'}]
"""


def test_an_asyncapi_address_with_a_hyphenated_parameter(tmp_path: Path) -> None:
    d = Diagnostics()
    with build(write(tmp_path, {"books.yaml": ASYNCAPI}), tmp_path / "out", d) as package:
        assert package.BooksClient.connect(inst_id="ETH-USDT").url == "ws://127.0.0.1/books/ETH-USDT"
    assert [x.code for x in d.items] == ["NOVA042"]  # one event: it takes every frame
