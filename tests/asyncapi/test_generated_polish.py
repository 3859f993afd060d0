"""What a generated client says about itself is true, and it asks only for what the caller
chooses: a document as vendors write them (one operation sending many messages under one
summary, a `type` constant per message, an `Authorization` header, raw audio, the title
"REST API") gives methods described by their own messages, without a `type=` argument, with
`authorization=` for the header, and a package named after the server host."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path

import pytest

from nova_gen.diagnostics import Diagnostics
from nova_gen.loader import load_api
from nova_gen.testing import SpecServer

from .building import build, mypy_strict, write

DOC = """\
asyncapi: 3.0.0
info: {title: REST API, version: '1'}
servers:
  production: {host: api.voicely.com, protocol: wss}
channels:
  agent:
    address: /
    bindings:
      ws:
        headers:
          type: object
          properties:
            Authorization: {type: string, description: the API key}
    messages:
      settings:
        summary: Configure the agent
        payload:
          type: object
          required: [type, language]
          properties:
            type: {type: string, const: Settings}
            language: {type: string}
      keepAlive:
        title: Keep the connection open
        payload:
          type: object
          required: [type]
          properties:
            type: {type: string, enum: [KeepAlive]}
      mute:
        payload: {type: object, required: [mute], properties: {mute: {type: boolean}}}
      audio:
        contentType: application/octet-stream
        payload: {type: string, format: binary}
      welcome:
        payload:
          type: object
          required: [type]
          properties:
            type: {type: string, const: Welcome}
operations:
  clientMessages:
    action: receive
    summary: Client messages
    channel: {$ref: '#/channels/agent'}
    messages:
      - {$ref: '#/channels/agent/messages/settings'}
      - {$ref: '#/channels/agent/messages/keepAlive'}
      - {$ref: '#/channels/agent/messages/mute'}
      - {$ref: '#/channels/agent/messages/audio'}
  serverMessages:
    action: send
    summary: Server messages
    channel: {$ref: '#/channels/agent'}
    messages:
      - {$ref: '#/channels/agent/messages/welcome'}
"""

RECEIVE_ONLY = """\
asyncapi: 3.0.0
info: {title: Ticks, version: '1'}
channels:
  root:
    address: /
    messages:
      tick: {payload: {type: object, properties: {price: {type: number}}}}
operations:
  ticks: {action: send, channel: {$ref: '#/channels/root'}, messages: [{$ref: '#/channels/root/messages/tick'}]}
"""


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    return write(tmp_path / "doc", {"voice.yml": DOC})


def test_a_generic_title_names_the_package_after_the_host(spec: Path, tmp_path: Path) -> None:
    diagnostics = Diagnostics()
    with build(spec, tmp_path / "out", diagnostics) as package:
        assert package.__name__ == "voicely"
    (warning,) = [d for d in diagnostics.items if d.code == "NOVA125"]
    assert "from the server host 'api.voicely.com'" in warning.message


def test_methods_are_described_by_their_own_messages(spec: Path, tmp_path: Path) -> None:
    with build(spec, tmp_path / "out") as package:
        client = package.VoicelyClient
        first_lines = {
            name: inspect.getdoc(getattr(client, name)).splitlines()[0]  # type: ignore[union-attr]
            for name in ("settings", "keep_alive", "audio")
        }
        assert first_lines == {
            "settings": "Configure the agent",
            "keep_alive": "Keep the connection open",
            "audio": "Send audio.",
        }
        # No field is common to every message the client sends (mute has no `type`), so the
        # frames carry no method: each `type` constant is the method's to fill in.
        source = (tmp_path / "out" / "voicely" / "client.py").read_text("utf-8")
        handlers = (tmp_path / "out" / "voicely" / "handlers.py").read_text("utf-8")
    assert "Client messages" not in source
    assert "Wire method" not in source  # the API has no method field: nothing is named that
    assert "Sends ``payload`` as one binary frame, its bytes as they are (message ``audio``)." in source
    assert "Sends message ``settings``: the arguments are the frame's fields." in source
    # sign() sees enveloped params only: the raw audio frame is not among its methods.
    assert 'method: Literal["keepAlive", "mute", "settings"]' in handlers
    assert '"""The server sent the event ``welcome``."""' in handlers
    assert "one typed method per request." in source.splitlines()[1]


async def test_single_valued_fields_are_sent_not_asked_for(spec: Path, tmp_path: Path) -> None:
    api = load_api(spec, Diagnostics(), spec.parent)
    with build(spec, tmp_path / "out") as package:
        client_class = package.VoicelyClient
        assert list(inspect.signature(client_class.settings).parameters) == ["self", "language"]
        assert list(inspect.signature(client_class.keep_alive).parameters) == ["self"]
        assert "Sets ``type`` to ``'Settings'``, the only value the spec allows." in inspect.getdoc(
            client_class.settings
        )
        assert "authorization" in inspect.signature(client_class.connect).parameters
        async with asyncio.timeout(10), SpecServer(api) as server:
            async with client_class.connect(url=server.url, authorization="key-1") as client:
                await client.settings(language="en")
                await client.keep_alive()
                await client.audio(payload=b"\x00\x01")
                await server.wait_for(lambda: len(server.received) == 2 and len(server.received_binary) == 1)
    assert server.received == [{"type": "Settings", "language": "en"}, {"type": "KeepAlive"}]
    assert server.received_binary == [b"\x00\x01"]
    (handshake,) = server.handshakes
    assert handshake.headers["Authorization"] == "key-1"


def test_a_client_with_nothing_to_call_says_so(tmp_path: Path) -> None:
    spec = write(tmp_path / "doc", {"ticks.yml": RECEIVE_ONLY})
    with build(spec, tmp_path / "out") as package:
        assert package.__name__ == "ticks"
        doc = (tmp_path / "out" / "ticks" / "client.py").read_text("utf-8").splitlines()[1]
    assert doc == '"""The Ticks client: the API has nothing to call; what the server sends goes to the handlers."""'


def test_the_polished_client_passes_mypy_strict(spec: Path, tmp_path: Path) -> None:
    with build(spec, tmp_path / "out"):
        pass
    status, output = mypy_strict(tmp_path / "out" / "voicely")
    assert status == 0, output
