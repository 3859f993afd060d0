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
KRAKEN_ONE_CHANNEL = CORPUS / "asyncapi-spec" / "kraken-websocket-request-reply-message-filter-in-reply-asyncapi.yml"
BINANCE_STREAMS = CORPUS / "openxapi" / "binance" / "spot-streams.yaml"
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


class Received:
    """What a generated client's hooks received, by hook name, and a bounded wait for it."""

    def __init__(self) -> None:
        self.messages: dict[str, list[Any]] = {}
        self.changed = asyncio.Event()

    def add(self, hook: str, message: Any) -> None:
        self.messages.setdefault(hook, []).append(message)
        self.changed.set()

    async def wait_for(self, *hooks: str, count: int = 1) -> None:
        """Until every hook in ``hooks`` has received a message, and all hooks together
        ``count`` (the caller bounds the time)."""
        while not all(self.messages.get(h) for h in hooks) or sum(map(len, self.messages.values())) < count:
            self.changed.clear()
            await self.changed.wait()


def recording(handlers_class: Any, received: Received, *hooks: str) -> Any:
    """A handlers subclass whose ``hooks`` record their message in ``received``."""

    def hook(name: str) -> Any:
        async def record(self: Any, message: Any, *args: Any) -> None:
            received.add(name, message)

        return record

    return type("Recording", (handlers_class,), {name: hook(name) for name in hooks})()


KRAKEN_EVENTS = ("on_heartbeat", "on_system_status")


async def test_kraken_request_and_subscription_complete_against_nova_gen_serve() -> None:
    """The request: ``ping`` gets ``pong`` (no example: built from its schema, reqid
    correlated). The subscription: ``subscribe`` returns the document's ack,
    ``subscriptionStatus``, whose two examples contradict its schema (``status`` not in its
    enum): the server repairs the first (status ``online``, the enum's first value) and keeps
    the rest of it (``unsubscribe``, whose only reply is that message, gets the same); and
    the events the server sends on the same address (``/``, one
    WebSocket channel), heartbeat and systemStatus, reach their typed hooks (no examples:
    built from their schemas). All through the CLI, ``nova-gen serve`` in a process."""
    from kraken import KrakenClient, KrakenHandlers, models

    received = Received()
    async with asyncio.timeout(TIMEOUT), served(KRAKEN) as url:
        async with KrakenClient.connect(url=url, handlers=recording(KrakenHandlers, received, *KRAKEN_EVENTS)) as client:
            pong = await client.ping()
            ack = await client.subscribe(pair=["XBT/EUR"], subscription=models.SubscribeSubscription(name="ohlc"))
            await received.wait_for(*KRAKEN_EVENTS)
            done = await client.unsubscribe(pair=["XBT/EUR"], subscription=models.UnsubscribeSubscription(name="ohlc"))
    assert isinstance(pong, models.Pong) and pong.event == "pong" and pong.reqid is not None
    assert isinstance(ack, models.SubscriptionStatusSuccess)
    assert (ack.event, ack.status, ack.channelID, ack.channelName) == ("subscriptionStatus", "online", 10001, "ohlc-5")
    assert ack.pair == ["XBT/EUR"] and ack.subscription is not None and ack.subscription.name == "ohlc"
    assert ack.reqid != pong.reqid  # each call's own correlation id, not the example's 42
    assert isinstance(done, models.SubscriptionStatusSuccess) and done.reqid not in (ack.reqid, 42)
    (heartbeat,) = received.messages["on_heartbeat"]
    (status,) = received.messages["on_system_status"]
    assert isinstance(heartbeat, models.Heartbeat) and heartbeat.event == "heartbeat"
    assert isinstance(status, models.SystemStatus) and status.event == "systemStatus"


async def test_a_second_document_completes_a_request_and_a_subscription(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other Kraken 3.0 document of the AsyncAPI examples, written differently: one
    channel for every message, and ``subscribe``'s reply filtered to subscriptionStatus and
    dummyCurrencyInfo, so its events are literally on the subscription's channel.
    Generated into a temporary directory, served by ``nova-gen serve`` in a process."""
    package = generated_package(tmp_path, monkeypatch, KRAKEN_ONE_CHANNEL, "server")
    client_class, handlers_class = client_and_handlers(package)
    models = package.models
    received = Received()
    async with asyncio.timeout(TIMEOUT), served(KRAKEN_ONE_CHANNEL) as url:
        handlers = recording(handlers_class, received, *KRAKEN_EVENTS)
        async with client_class.connect(url=url, handlers=handlers) as client:
            pong = await client.ping()
            ack = await client.subscribe(pair=["XBT/EUR"], subscription={"name": "ohlc"})
            await received.wait_for(*KRAKEN_EVENTS)
    assert isinstance(pong, models.Pong) and pong.event == "pong"
    assert isinstance(ack, models.SubscriptionStatusSuccess)
    assert (ack.status, ack.channelID, ack.channelName, ack.pair) == ("online", 10001, "ohlc-5", ["XBT/EUR"])
    assert [type(m).__name__ for m in received.messages["on_heartbeat"]] == ["Heartbeat"]
    assert [m.event for m in received.messages["on_system_status"]] == ["systemStatus"]


BINANCE_EVENTS = ("on_diff_depth_event", "on_aggregate_trade_event")


async def test_a_different_api_binance_streams_completes_a_request_and_a_subscription(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another API than Kraken: Binance's spot market streams as described by a third party
    (openxapi, MIT), written from the client's side. The request: ``LIST_SUBSCRIPTIONS`` gets
    its typed reply; the subscription: ``SUBSCRIBE`` returns its typed ack (``result: null``),
    each correlated on its own ``id``, and events of the subscription's channel
    (``/ws/{streamName}``) reach their typed hooks. The document gives examples per property
    (``example:``), not per message: the server builds its frames from them.
    Generated into a temporary directory, served by ``nova-gen serve`` in a process."""
    package = generated_package(tmp_path, monkeypatch, BINANCE_STREAMS, "client")
    client_class, handlers_class = client_and_handlers(package)
    models = package.models
    received = Received()
    async with asyncio.timeout(TIMEOUT), served(BINANCE_STREAMS, "--perspective", "client") as url:
        handlers = recording(handlers_class, received, *BINANCE_EVENTS)
        async with client_class.connect(url=url, streamName="btcusdt@depth", handlers=handlers) as client:
            listed = await client.list_subscriptions_request()
            ack = await client.subscribe_request(params=["btcusdt@depth"])
            await received.wait_for(*BINANCE_EVENTS)
    assert isinstance(listed, models.ListSubscriptionsResponse)
    assert isinstance(ack, models.SubscriptionResponse) and ack.result is None
    assert listed.id is not None and ack.id is not None and listed.id != ack.id
    (depth,) = received.messages["on_diff_depth_event"]
    (trade,) = received.messages["on_aggregate_trade_event"]
    assert isinstance(depth, models.DiffDepthEvent) and (depth.e, depth.s) == ("depthUpdate", "BTCUSDT")
    assert isinstance(trade, models.AggregateTradeEvent)
    assert (trade.e, trade.s, trade.p, trade.q) == ("aggTrade", "BTCUSDT", "16800.50000000", "0.01234000")


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
    no events; heartbeat and systemStatus are the server's own: sent unasked, once each
    (built from their schemas), before or around the reply, never a reply message. The echo
    document's reply has examples but is only a reply: it is never sent unasked."""
    api = load(KRAKEN)
    assert {e.name: e.unsolicited for e in api.events} == {"heartbeat": True, "system_status": True}
    async with asyncio.timeout(TIMEOUT), SpecServer(api, emit_events=True) as server, connect(server.url) as ws:
        await ws.send(json.dumps({"event": "ping", "reqid": 7}))
        frames = [json.loads(await ws.recv()) for _ in range(3)]
        await server.wait_for(lambda: server.events_sent == 2)
    assert {"event": "pong", "reqid": 7} in frames
    assert sorted(f["event"] for f in frames) == ["heartbeat", "pong", "systemStatus"]
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
        # Read from the server's side, the client would receive 'subscribe' requests and send
        # their answers ('subscribeResponse'), which a server sends.
        (BINANCE_STREAMS, "client"),
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


# -- examples: verbatim when valid, else a frame built from the schema ---------------------

QUOTES = """\
asyncapi: 3.0.0
info: {title: Quotes, version: '1'}
channels:
  root:
    address: /
    messages:
      ask:
        correlationId: {location: '$message.payload#/id'}
        payload:
          type: object
          required: [type, id, symbol]
          properties: {type: {const: ask}, id: {type: integer}, symbol: {type: string}}
        examples:
          - payload: {type: ask, id: 1, symbol: BTC}
      quote:
        correlationId: {location: '$message.payload#/id'}
        payload:
          type: object
          required: [type, id, price]
          properties: {type: {const: quote}, id: {type: integer}, price: {type: number, minimum: 0}}
        examples:
          - payload: {type: quote, id: 1, price: -3}
          - payload: {type: quote, id: 1, price: 101.5, venue: main}
      tick:
        payload:
          type: object
          required: [type, price]
          properties: {type: {const: tick}, price: {type: number}}
        examples:
          - payload: {type: tick, price: one}
          - payload: {type: tick, price: 1.5, size: 2}
      status:
        payload:
          type: object
          required: [type, state, since]
          properties:
            type: {const: status}
            state: {type: string, enum: [open, closed]}
            since: {type: string, format: date-time}
        examples:
          - payload: {type: status, state: halted, since: '2024-05-01T00:00:00Z'}
      note:
        payload:
          type: object
          required: [type, lines]
          properties:
            type: {const: note}
            lines: {type: array, minItems: 1, items: {type: string, minLength: 2}}
operations:
  ask:
    action: receive
    channel: {$ref: '#/channels/root'}
    messages: [{$ref: '#/channels/root/messages/ask'}]
    reply:
      channel: {$ref: '#/channels/root'}
      messages: [{$ref: '#/channels/root/messages/quote'}]
  ticks:
    action: send
    channel: {$ref: '#/channels/root'}
    messages:
      - {$ref: '#/channels/root/messages/tick'}
      - {$ref: '#/channels/root/messages/status'}
      - {$ref: '#/channels/root/messages/note'}
"""


async def test_valid_examples_are_sent_verbatim_broken_or_missing_ones_are_built(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A message with a valid example sends it as it is (extra fields and all) and leaves the
    broken ones out (quote, tick); one whose only example is broken sends that example
    repaired, keeping what fits (status: ``state`` becomes the enum's first value, ``since``
    stays); one without examples sends a frame built from its schema (note). The server says
    so once per message, when it starts."""
    spec = tmp_path / "quotes.yml"
    spec.write_text(QUOTES)
    api = load_api(spec, Diagnostics(), tmp_path)
    async with asyncio.timeout(TIMEOUT), SpecServer(api, emit_events=True) as server:
        async with connect(server.url) as ws:
            events = [json.loads(await ws.recv()) for _ in range(3)]
            await ws.send(json.dumps({"type": "ask", "id": 7, "symbol": "ETH"}))
            reply = json.loads(await ws.recv())
        async with connect(server.url) as ws:  # the same frames for every connection
            again = [json.loads(await ws.recv()) for _ in range(3)]
    assert events == [
        {"type": "tick", "price": 1.5, "size": 2},
        {"type": "status", "state": "open", "since": "2024-05-01T00:00:00Z"},
        {"type": "note", "lines": ["aa"]},
    ]
    assert again == events
    assert reply == {"type": "quote", "id": 7, "price": 101.5, "venue": "main"}
    built = [r.getMessage() for r in caplog.records if "built from the schema" in r.getMessage()]
    assert built == [
        "event 'status': its examples contradict its schema; sending one built from the schema: "
        "{'type': 'status', 'state': 'open', 'since': '2024-05-01T00:00:00Z'}",
        "event 'note': the document has no example; sending one built from the schema: "
        "{'type': 'note', 'lines': ['aa']}",
    ]


# -- a message that requires and pins nothing takes the frames of those after it --------------

SLACK_CLIENT = CORPUS / "asyncapi-generator" / "asyncapi-slack-client.yml"
SLACK_CLIENT_OVERLAY = """\
messages:
  hello: {when: {equals: {/type: hello}}}
  reaction: {when: {equals: {/type: events_api}}}
  disconnect: {when: {equals: {/type: disconnect}}}
"""
SLACK_HOOKS = ("on_hello", "on_reaction", "on_disconnect_")  # on_disconnect is the connection's hook


@pytest.mark.parametrize("overlay", [False, True], ids=["as-published", "with-overlay"])
async def test_a_catch_all_message_is_warned_and_an_overlay_tells_the_messages_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, overlay: bool
) -> None:
    """The AsyncAPI generator's Slack Socket Mode client document pins no field of hello,
    reaction or disconnect (disconnect's ``cont: disconnect`` is a typo for ``const``) and
    requires none: every frame validates against hello, tried first, so hello takes them
    all, and generation warns NOVA117. The overlay's ``when`` makes dispatch exact: each of
    the server's five example events reaches its own hook."""
    spec = tmp_path / "doc" / SLACK_CLIENT.name
    spec.parent.mkdir()
    spec.write_bytes(SLACK_CLIENT.read_bytes())
    if overlay:
        spec.with_suffix(".nova.yaml").write_text(SLACK_CLIENT_OVERLAY)
    d = Diagnostics()
    api = load_api(spec, d, tmp_path, "client")
    assert [x.code for x in d.items if x.code == "NOVA117"] == ([] if overlay else ["NOVA117"])
    client_class, handlers_class = client_and_handlers(generated_package(tmp_path, monkeypatch, spec, "client"))
    received = Received()
    handlers = recording(handlers_class, received, *SLACK_HOOKS)
    async with asyncio.timeout(TIMEOUT), SpecServer(api, emit_events=True) as server:
        async with client_class.connect(url=server.url, handlers=handlers):
            await received.wait_for(count=5)
    assert server.events_sent == 5
    got = {hook: [m.type for m in messages] for hook, messages in received.messages.items()}
    if overlay:
        assert got == {
            "on_hello": ["hello"],
            "on_reaction": ["events_api", "events_api"],
            "on_disconnect_": ["disconnect", "disconnect"],
        }
    else:
        assert got == {"on_hello": ["hello", "events_api", "events_api", "disconnect", "disconnect"]}
