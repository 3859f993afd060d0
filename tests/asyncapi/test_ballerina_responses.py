"""Ballerina's reply keys in AsyncAPI 2.x documents (:mod:`nova_gen.asyncapi.responses`):
``x-response`` becomes the operation's ``reply``, as a 3.0 ``reply`` does; the root
``x-dispatcherStreamId`` is the correlation location where the request and its replies carry
it; ``server-streaming`` stays a one-way send (``NOVA127``); ``x-dispatcherKey`` is the field
the dispatch finds by itself. Shown on the three Ballerina documents of the corpus, and end to
end against the local server for a document that correlates by ``x-dispatcherStreamId``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml

from nova_gen.cli import main
from nova_gen.diagnostics import Diagnostics
from nova_gen.ir import Api, Request
from nova_gen.loader import load_api
from nova_gen.testing import SpecServer

from .test_serve import TIMEOUT, client_and_handlers, generated_package

BALLERINA = Path(__file__).parent / "corpus" / "ballerina-asyncapi-tools"
KRAKEN = BALLERINA / "kraken_websocket.yaml"
GRAPHQL = BALLERINA / "graphqloverwebsocket.yaml"
HEADERS = BALLERINA / "header_with_query.yaml"


def load(path: Path, perspective: str | None = None) -> tuple[Api, Diagnostics]:
    diagnostics = Diagnostics()
    return load_api(path, diagnostics, path.parent, perspective), diagnostics


def by_name(api: Api) -> dict[str, Request]:
    return {r.name: r for r in api.requests}


def warnings(diagnostics: Diagnostics, code: str) -> list[str]:
    return [f"{d.position.line}: {d.message}" for d in diagnostics.sorted() if d.code == code]


def test_kraken_requests_return_their_x_response_as_the_next_matching_frame() -> None:
    api, diagnostics = load(KRAKEN)
    requests = by_name(api)
    assert {n: (r.reply, r.correlated, r.result) for n, r in requests.items()} == {
        "ping": (True, False, {"$ref": "#/$defs/Pong"}),
        "subscribe": (True, False, {"$ref": "#/$defs/SubscriptionStatus"}),
        "unsubscribe": (True, False, {"$ref": "#/$defs/SubscriptionStatus"}),
    }
    # No x-dispatcherStreamId: each reply is recognised by its constant `event`.
    assert requests["ping"].reply_when is not None and requests["ping"].reply_when.equals == (("/event", "pong"),)
    assert api.envelope.request.id is None and api.envelope.response is None
    # NOVA108 at each x-response; the replies are never sent unasked, the other events are.
    assert warnings(diagnostics, "NOVA108") == [
        "76: the reply to 'ping' has no correlationId: ping() takes the next frame that is one of its reply messages",
        "114: the reply to 'subscribe' has no correlationId: subscribe() takes the next frame that is one of its "
        "reply messages",
        "133: the reply to 'unsubscribe' has no correlationId: unsubscribe() takes the next frame that is one of "
        "its reply messages",
    ]
    assert {e.name: e.unsolicited for e in api.events} == {
        "pong": False, "heartbeat": True, "system_status": True, "subscription_status": False,
    }
    # A request split from the operation keeps its own description, not the operation's.
    assert requests["ping"].description.startswith("Client can ping server")
    assert not diagnostics.has_errors


def test_graphql_simple_rpc_replies_and_a_server_stream_left_one_way() -> None:
    api, diagnostics = load(GRAPHQL)
    requests = by_name(api)
    assert {n: (r.reply, r.correlated, r.result) for n, r in requests.items()} == {
        "ping_message": (True, False, {"$ref": "#/$defs/PongMessage"}),
        "connection_init_message": (True, False, {"$ref": "#/$defs/ConnectionAckMessage"}),
        "subscribe_message": (False, False, {}),
        "pong_message": (False, False, {}),
        "complete_message": (False, False, {}),
    }
    # `SubscribeMessage` carries `id` as x-dispatcherStreamId says, but its replies are a stream.
    assert warnings(diagnostics, "NOVA127") == [
        "168: message 'SubscribeMessage' is answered by a stream of 'NextMessage', 'CompleteMessage', "
        "'ErrorMessage' (x-response-type: server-streaming), which nova-gen does not map to one call: it is sent "
        "as a one-way message, and the replies the client receives reach their hooks as events"
    ]
    assert {e.name: e.unsolicited for e in api.events} == {
        "next_message": True, "error_message": True, "complete_message": True,
        "pong_message": False, "connection_ack_message": False,
    }
    # PingMessage and PongMessage have no `id`: x-dispatcherStreamId cannot tie them.
    assert api.envelope.request.id is None
    assert len(warnings(diagnostics, "NOVA108")) == 2
    assert not diagnostics.has_errors


def test_a_stream_id_the_reply_lacks_correlates_nothing() -> None:
    """header_with_query: `x-dispatcherStreamId: id`; the request `Subscribe` has `id`, its
    reply `UnSubscribe` has none: the next matching frame, and `id` stays an argument."""
    api, diagnostics = load(HEADERS)
    (request,) = api.requests
    assert (request.name, request.reply, request.correlated) == ("subscribe", True, False)
    assert [p.name for p in request.params] == ["id"]
    assert api.envelope.request.id is None
    assert warnings(diagnostics, "NOVA108") == [
        "102: the reply to 'Subscribe' has no correlationId: subscribe() takes the next frame that is one of its "
        "reply messages"
    ]
    # x-response makes the reply a received message once, not a second clue for NOVA095.
    assert not warnings(diagnostics, "NOVA095")


@pytest.mark.parametrize("path", [KRAKEN, GRAPHQL, HEADERS], ids=lambda p: p.stem)
def test_x_dispatcher_key_is_the_method_field_the_dispatch_finds(path: Path) -> None:
    """The field each message pins with a `const` is the one x-dispatcherKey names, so
    nova-gen needs no second reading of it."""
    api, _ = load(path)
    key = yaml.safe_load(path.read_text())["x-dispatcherKey"]
    assert api.envelope.request.method == f"/{key}"
    pinned = {ptr for e in api.events for ptr, _ in e.when.equals}
    assert pinned <= {f"/{key}", "/type"}  # header_with_query's reply pins `type`, its `event` is any string


def test_read_from_the_client_side_the_client_owes_the_replies() -> None:
    """Under --perspective client the x-response replies are the client's to send (NOVA103),
    as for a 3.0 `receive` with a `reply`."""
    api, diagnostics = load(KRAKEN, "client")
    assert {"pong", "subscription_status"} <= {r.name for r in api.requests}
    assert all(not r.reply for r in api.requests)
    assert len(warnings(diagnostics, "NOVA103")) == 3


STREAM_ID = """asyncapi: 2.5.0
info: {title: Chat, version: '1'}
servers:
  development: {url: 'ws://localhost:9090/chat', protocol: ws}
channels:
  /:
    publish:
      message:
        oneOf:
          - $ref: '#/components/messages/Hello'
          - $ref: '#/components/messages/Bye'
    subscribe:
      message:
        oneOf:
          - $ref: '#/components/messages/Greeting'
          - $ref: '#/components/messages/Farewell'
components:
  schemas:
    Hello:
      type: object
      required: [id, event, name]
      properties: {id: {type: string}, event: {type: string, const: Hello}, name: {type: string}}
    Greeting:
      type: object
      required: [id, event, text]
      properties: {id: {type: string}, event: {type: string, const: Greeting}, text: {type: string}}
    Bye:
      type: object
      required: [event]
      properties: {event: {type: string, const: Bye}}
    Farewell:
      allOf:
        - {type: object, properties: {event: {type: string, const: Farewell}}}
  messages:
    Hello:
      payload: {$ref: '#/components/schemas/Hello'}
      examples:
        - payload: {id: ex-1, event: Hello, name: ada}
        - payload: {id: ex-2, event: Hello, name: bob}
      x-response: {$ref: '#/components/messages/Greeting'}
      x-response-type: simple-rpc
    Bye:
      payload: {$ref: '#/components/schemas/Bye'}
      x-response: {$ref: '#/components/messages/Farewell'}
      x-response-type: simple-rpc
    Greeting:
      payload: {$ref: '#/components/schemas/Greeting'}
      examples:
        - payload: {id: ex-1, event: Greeting, text: hello ada}
        - payload: {id: ex-2, event: Greeting, text: hello bob}
    Farewell:
      payload: {$ref: '#/components/schemas/Farewell'}
x-dispatcherKey: event
x-dispatcherStreamId: id
"""
"""Ballerina's own form of a correlated request (its basic-chat sample with
``dispatcherStreamId``): ``Hello`` and its reply ``Greeting`` both carry ``id``; ``Bye``
and ``Farewell`` carry none."""


def test_x_dispatcher_stream_id_is_the_correlation_location(tmp_path: Path) -> None:
    spec = tmp_path / "chat.yaml"
    spec.write_text(STREAM_ID)
    api, diagnostics = load(spec)
    requests = by_name(api)
    assert (requests["hello"].reply, requests["hello"].correlated) == (True, True)
    assert [p.name for p in requests["hello"].params] == ["name"]  # the runtime writes `id`
    assert (requests["bye"].reply, requests["bye"].correlated) == (True, False)
    assert (api.envelope.request.id, api.envelope.request.id_kind) == ("/id", "str")
    assert api.envelope.response is not None and api.envelope.response.id == "/id"
    assert warnings(diagnostics, "NOVA108") == [
        "44: the reply to 'Bye' has no correlationId: bye() takes the next frame that is one of its reply messages"
    ]


def test_a_correlation_id_of_its_own_wins_over_the_stream_id(tmp_path: Path) -> None:
    spec = tmp_path / "chat.yaml"
    own = "      x-response: {$ref: '#/components/messages/Greeting'}\n"
    spec.write_text(STREAM_ID.replace(own, own + "      correlationId: {location: '$message.payload#/name'}\n", 1))
    api, _ = load(spec)
    assert api.envelope.request.id == "/name"


INLINE = """asyncapi: 2.5.0
info: {title: Rooms, version: '1'}
channels:
  /:
    subscribe:
      message:
        oneOf:
          - payload: {type: integer, format: int64}
          - $ref: '#/components/messages/Echo'
    publish:
      message:
        oneOf:
          - $ref: '#/components/messages/Count'
          - $ref: '#/components/messages/Name'
          - $ref: '#/components/messages/Echo'
components:
  messages:
    Count:
      payload: {type: object, properties: {event: {const: Count}}}
      x-response:
        payload: {type: integer, format: int64}
        description: the count
        x-required: false
    Name:
      payload: {type: object, properties: {event: {const: Name}}}
      x-response:
        payload: {type: string}
    Echo:
      payload: {type: object, properties: {event: {const: Echo}}}
      x-response: {$ref: '#/components/messages/Echo'}
x-dispatcherKey: event
"""
"""Replies as Ballerina's service-to-AsyncAPI generator writes them: of a built-in type,
written in place, and repeated in `subscribe` (annotations aside); and an echo, whose message
is listed under both operations."""


def test_replies_written_in_place(tmp_path: Path) -> None:
    spec = tmp_path / "rooms.yaml"
    spec.write_text(INLINE)
    api, diagnostics = load(spec)
    requests = by_name(api)
    # `Count`'s reply repeats the first message of `subscribe`: it is that message, one event.
    assert requests["count"].result == {"type": "integer", "format": "int64"}
    # `Name`'s reply is written only in place: a message of its own, named after the request.
    assert requests["name"].result == {"type": "string"}
    assert {e.name: e.unsolicited for e in api.events} == {"subscribe_1": False, "echo": False, "name_response": False}
    # `Echo` is listed under `subscribe` too: there the server sends it and its x-response does
    # not apply (no NOVA103: the client owes no answer).
    assert requests["echo"].reply and not warnings(diagnostics, "NOVA103")
    assert not diagnostics.has_errors


def test_a_malformed_x_response_exits_2_with_its_position(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("chat.yaml").write_text(STREAM_ID.replace("x-response: {$ref: '#/components/messages/Farewell'}",
                                                   "x-response: [Farewell]"))
    assert main(["validate", "chat.yaml"]) == 2
    err = capsys.readouterr().err
    assert "chat.yaml:44:19: error NOVA126: x-response of message 'Bye' is not a mapping" in err
    assert "Traceback" not in err


async def test_a_stream_id_request_gets_its_own_reply_from_the_local_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The generated `hello()` writes a fresh id at `/id`; the server answers with the reply
    example paired with the request's, the request's id written over the example's; concurrent
    calls each get their own reply."""
    spec = tmp_path / "spec" / "chat.yaml"
    spec.parent.mkdir()
    spec.write_text(STREAM_ID)
    package = generated_package(tmp_path / "out", monkeypatch, spec, "server")
    client_class, _ = client_and_handlers(package)
    api, _ = load(spec)
    async with asyncio.timeout(TIMEOUT), SpecServer(api) as server:
        async with client_class.connect(url=server.url) as client:
            bob, ada = await asyncio.gather(client.hello(name="bob"), client.hello(name="ada"))
    assert server.connection_log(1) == [("Hello", {"name": "bob"}), ("Hello", {"name": "ada"})]
    assert isinstance(bob, package.models.Greeting) and isinstance(ada, package.models.Greeting)
    assert (bob.text, ada.text) == ("hello bob", "hello ada")
    assert bob.id != ada.id and not {bob.id, ada.id} & {"ex-1", "ex-2"}
