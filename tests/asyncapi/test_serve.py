"""The local server speaks only what an AsyncAPI document says (``nova-gen serve``): the
document's events from their examples, the document's replies, no invented answer; and the
generated clients complete a request and a subscription against it, the CLI included.
Perspective: clues warn (NOVA095), ``--perspective`` applies to validate and serve, and the
replies a client owes the server become typed sends."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from testing.served import served  # tests/testing/served.py (tests/ is on sys.path)
from websockets.asyncio.client import connect

from nova_gen.cli import main
from nova_gen.diagnostics import Diagnostics
from nova_gen.ir import Api
from nova_gen.loader import load_api
from nova_gen.pipeline import generate
from nova_gen.render import RenderOptions
from nova_gen.testing import SpecServer

ROOT = Path(__file__).resolve().parents[2]
ASYNCAPI = ROOT / "specs" / "asyncapi"
KRAKEN = ASYNCAPI / "kraken-websocket-request-reply-multiple-channels-asyncapi.yml"
GEMINI = ASYNCAPI / "websocket-gemini.yml"
SLACK = ASYNCAPI / "slack-rtm.yml"
CORPUS = Path(__file__).parent / "corpus"
POSTMAN = CORPUS / "asyncapi-generator" / "reply"
DOCS = Path(__file__).parent / "docs"
SOCKET_MODE = DOCS / "socket-mode-client.yml"
TIMEOUT = 20.0
"""Seconds each test that talks to a server may take before it fails as hung (the CLI tests
start a Python process)."""


def load(path: Path, perspective: str | None = None) -> Api:
    return load_api(path, Diagnostics(), ROOT, perspective)


def generated_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: Path, perspective: str) -> Any:
    """Generate ``spec`` into ``tmp_path`` and import the package."""
    monkeypatch.chdir(spec.parent)
    generated = generate(Path(spec.name), RenderOptions(), Diagnostics(), perspective=perspective)
    for name, text in generated.files.items():
        target = tmp_path / generated.package / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    for module in [m for m in sys.modules if m == generated.package or m.startswith(generated.package + ".")]:
        monkeypatch.delitem(sys.modules, module)
    return importlib.import_module(generated.package)


def client_and_handlers(module: Any) -> tuple[Any, Any]:
    """The generated client and handlers classes (named after the package)."""
    client = next(v for k, v in vars(module).items() if k.endswith("Client") and inspect.isclass(v))
    handlers = next(v for k, v in vars(module).items() if k.endswith("Handlers") and inspect.isclass(v))
    return client, handlers


# -- the done-when: `nova-gen serve` + the generated client, a request and a subscription ------


async def test_kraken_request_and_subscribe_against_nova_gen_serve() -> None:
    from kraken import KrakenClient, models

    async with asyncio.timeout(TIMEOUT), served(KRAKEN) as url:
        async with KrakenClient.connect(url=url) as client:
            pong = await client.ping()
            reply = await client.subscribe(pair=["XBT/USD"], subscription={"name": "ticker"})
    assert isinstance(pong, models.Pong)
    # The document's two subscriptionStatus examples contradict its schema (their status is not
    # one of its enum): the server leaves them out and answers with the document's other
    # reply, dummyCurrencyInfo, the smallest frame its constants describe, reqid copied.
    assert isinstance(reply, models.DummyCurrencyInfo) and reply.event == "currencyInfo"
    assert reply.reqid is not None


async def test_gemini_subscription_streams_the_documents_examples_from_nova_gen_serve() -> None:
    from gemini_market_data import GeminiMarketDataClient, GeminiMarketDataHandlers, models

    expected = [e for e in load(GEMINI).events if e.name == "market_data"][0].examples
    got: list[models.Market] = []

    class Handlers(GeminiMarketDataHandlers):
        async def on_market_data(self, message: models.Market) -> None:
            got.append(message)

    async with asyncio.timeout(TIMEOUT), served(GEMINI) as url:
        async with GeminiMarketDataClient.connect(url=url, symbol="btcusd", handlers=Handlers()):
            while len(got) < len(expected):
                await asyncio.sleep(0.01)
    assert len(expected) == 2
    assert [m.model_dump(mode="json", exclude_none=True, by_alias=True) for m in got] == list(expected)


async def test_postman_echo_client_request_gets_the_documents_reply_with_its_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = POSTMAN / "asyncapi-postman-both-correlation.yml"
    client_class, _ = client_and_handlers(generated_package(tmp_path, monkeypatch, spec, "client"))
    async with asyncio.timeout(TIMEOUT), served(spec, "--perspective", "client") as url:
        async with client_class.connect(url=url) as client:
            first = await client.echo_message(message="test", timestamp="2025-12-23T10:00:00Z")
            second = await client.echo_message(message="test text", timestamp="2025-12-23T10:00:00Z")
    # Each call is answered by the example whose params match, correlated on requestId (the
    # runtime generated it; the document's own example id is not sent back).
    assert (first.message, second.message) == ("test", "test text")
    assert first.requestId != second.requestId
    assert "req-12345" not in {first.requestId, second.requestId}


# -- fidelity: what the server says, and what it does not ------------------------------------


async def test_one_way_sends_and_unknown_frames_get_no_invented_answer() -> None:
    """Slack RTM's outgoing message is one-way and the document has no error frame: the
    server answers neither it nor a frame it does not know. Proved by order: a marker the
    server sends after it logged both frames is the first frame the client receives."""
    async with asyncio.timeout(TIMEOUT), SpecServer(load(SLACK)) as server, connect(server.url) as ws:
        await ws.send(json.dumps({"type": "message", "id": 1, "channel": "C1", "text": "hi"}))
        await ws.send(json.dumps({"type": "no_such_type"}))
        await server.wait_for(lambda: len(server.connection_log(1)) == 2)
        await server.send_raw('{"marker": true}')
        assert json.loads(await ws.recv()) == {"marker": True}
    assert [m for m, _ in server.connection_log(1)] == ["message", "no_such_type"]


async def test_events_come_from_the_documents_examples_in_order_valid_ones_only() -> None:
    api = load(SOCKET_MODE, "client")
    async with asyncio.timeout(TIMEOUT), SpecServer(api, emit_events=True) as server, connect(server.url) as ws:
        frames = [json.loads(await ws.recv()) for _ in range(3)]
        await server.wait_for(lambda: server.events_sent == 3)
    assert frames == [
        {"type": "hello", "num_connections": 1},
        {"type": "events_api", "envelope_id": "6d0b4caf", "reaction": "beers"},
        {"type": "events_api", "envelope_id": "aefc571f", "reaction": "heart"},
    ]  # the third reaction example has no envelope_id: it contradicts its schema


async def test_replies_are_sent_only_as_replies() -> None:
    """Kraken's correlated replies (pong, subscriptionStatus, ...) reach their calls and are
    no events; heartbeat and systemStatus are the server's own but have no examples: nothing
    is sent unasked. The echo document's reply has examples but is only a reply: neither."""
    api = load(KRAKEN)
    assert {e.name: e.unsolicited for e in api.events} == {"heartbeat": True, "system_status": True}
    async with asyncio.timeout(TIMEOUT), SpecServer(api, emit_events=True) as server, connect(server.url) as ws:
        await ws.send(json.dumps({"event": "ping", "reqid": 7}))
        assert json.loads(await ws.recv()) == {"event": "pong", "reqid": 7}
    assert server.events_sent == 0
    echo = load(POSTMAN / "asyncapi-postman-no-correlation.yml", "client")
    assert [(e.name, e.unsolicited, len(e.examples)) for e in echo.events] == [("echo_message", False, 2)]
    async with asyncio.timeout(TIMEOUT), SpecServer(echo, emit_events=True) as server, connect(server.url) as ws:
        await ws.send(json.dumps({"message": "test"}))
        assert json.loads(await ws.recv())["message"] == "test"
    assert server.events_sent == 0


async def test_an_uncorrelated_reply_is_the_reply_message_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = POSTMAN / "asyncapi-postman-no-correlation.yml"
    api = load(spec, "client")
    (request,) = api.requests
    assert (request.reply, request.correlated, api.envelope.response) == (True, False, None)
    async with asyncio.timeout(TIMEOUT), SpecServer(api) as server, connect(server.url) as ws:
        await ws.send(json.dumps({"message": "test"}))
        reply = json.loads(await ws.recv())
    assert reply == request.examples[0].result  # not wrapped in an invented {"id", "result"}
    assert "result" not in reply


# -- perspective -------------------------------------------------------------------------------


async def test_a_reply_the_client_owes_is_a_typed_send(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client_class, handlers_class = client_and_handlers(generated_package(tmp_path, monkeypatch, SOCKET_MODE, "client"))
    signature = inspect.signature(client_class.acknowledge)
    assert list(signature.parameters) == ["self", "envelope_id", "payload"]
    assert signature.parameters["envelope_id"].annotation == "str"
    assert signature.return_annotation == "None"

    class Handlers(handlers_class):  # type: ignore[misc, valid-type]
        client: Any = None

        async def on_reaction(self, message: Any) -> None:
            await self.client.acknowledge(envelope_id=message.envelope_id)

    handlers = Handlers()
    api = load(SOCKET_MODE, "client")
    async with asyncio.timeout(TIMEOUT), SpecServer(api, emit_events=True) as server:
        async with client_class.connect(url=server.url, handlers=handlers) as client:
            handlers.client = client
            await server.wait_for(lambda: len(server.received) == 2)
    assert server.received == [{"envelope_id": "6d0b4caf"}, {"envelope_id": "aefc571f"}]


@pytest.mark.parametrize(
    ("spec", "side"),
    [
        (KRAKEN, "server"),
        (GEMINI, "server"),
        (ASYNCAPI / "websocket-gemini-asyncapi.yml", "server"),
        # (Slack RTM: read from the client's side, the client would send 46 events and receive
        # one message: no clue says so, and none is invented.)
        (DOCS / "client-side.yml", "client"),
        (SOCKET_MODE, "client"),
        (CORPUS / "asyncapi-generator" / "asyncapi-postman-echo.yml", "client"),
        (POSTMAN / "asyncapi-postman-both-correlation.yml", "client"),
        (CORPUS / "asyncapi-glee" / "crypto-websockets" / "client" / "asyncapi.yaml", "client"),
        # No title clue: read from the server's side the client would receive subscribe/unsubscribe.
        (CORPUS / "asyncapi-spec" / "kraken-websocket-request-reply-message-filter-in-reply.yml", "client"),
    ],
    ids=lambda v: v if isinstance(v, str) else v.name,
)
def test_perspective_clues_warn_only_from_the_wrong_side(spec: Path, side: str) -> None:
    for perspective in ("server", "client"):
        d = Diagnostics()
        try:
            load_api(spec, d, ROOT, perspective)
        except Exception:  # noqa: BLE001 - read the wrong way, a document may not generate at all
            pass
        warned = [x for x in d.items if x.code == "NOVA095"]
        assert bool(warned) == (perspective != side), (perspective, [x.format() for x in d.items])


def test_validate_honours_perspective(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(SOCKET_MODE)]) == 0
    assert "NOVA095" in capsys.readouterr().err
    assert main(["validate", "--perspective", "client", str(SOCKET_MODE)]) == 0
    captured = capsys.readouterr()
    assert "NOVA095" not in captured.err and "NOVA103" in captured.err


async def test_serve_honours_perspective() -> None:
    """Read from the client's side, the socket-mode document's events come from the server."""
    async with asyncio.timeout(TIMEOUT), served(SOCKET_MODE, "--perspective", "client") as url, connect(url) as ws:
        assert json.loads(await ws.recv()) == {"type": "hello", "num_connections": 1}


# -- AsyncAPI 2.x request/reply: a shared correlationId location -------------------------------

V2_PAIRS = """\
asyncapi: 2.6.0
info: {title: Ticks, version: '1'}
servers:
  local: {url: 'ws://127.0.0.1:8765', protocol: ws}
channels:
  /:
    publish:
      message:
        oneOf:
          - name: ping
            correlationId: {location: '$message.payload#/id'}
            payload:
              type: object
              required: [type, id]
              properties: {type: {const: ping}, id: {type: integer}}
          - name: note
            payload: {type: object, properties: {type: {const: note}, text: {type: string}}}
    subscribe:
      message:
        oneOf:
          - name: pong
            correlationId: {location: '$message.payload#/id'}
            payload:
              type: object
              required: [type, id, time]
              properties: {type: {const: pong}, id: {type: integer}, time: {type: integer}}
            examples:
              - payload: {type: pong, id: 1, time: 1700000000}
          - name: tick
            payload:
              type: object
              required: [type, price]
              properties: {type: {const: tick}, price: {type: number}}
            examples:
              - payload: {type: tick, price: 1.5}
"""


async def test_v2_messages_sharing_a_correlation_id_are_request_and_reply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = tmp_path / "doc" / "ticks.yml"
    spec.parent.mkdir()
    spec.write_text(V2_PAIRS)
    api = load_api(spec, Diagnostics(), tmp_path)
    assert {(r.name, r.reply, r.correlated) for r in api.requests} == {("ping", True, True), ("note", False, False)}
    assert {e.name: e.unsolicited for e in api.events} == {"pong": False, "tick": True}
    client_class, handlers_class = client_and_handlers(generated_package(tmp_path, monkeypatch, spec, "server"))
    ticks: list[Any] = []

    class Handlers(handlers_class):  # type: ignore[misc, valid-type]
        async def on_tick(self, message: Any) -> None:
            ticks.append(message)

    async with asyncio.timeout(TIMEOUT), SpecServer(api, emit_events=True) as server:
        async with client_class.connect(url=server.url, handlers=Handlers()) as client:
            pong = await client.ping()
            assert await client.note(text="hi") is None
            await server.wait_for(lambda: bool(ticks) and len(server.received) == 2)
    assert (type(pong).__name__, pong.time) == ("Pong", 1700000000)
    sent_id = server.received[0]["id"]
    assert pong.id == sent_id and isinstance(sent_id, int)
    assert [t.price for t in ticks] == [1.5] and server.events_sent == 1  # pong only as the reply
