"""What AsyncAPI cannot say, added by x-nova extensions or a <stem>.nova.yaml overlay file."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from nova_gen.diagnostics import Diagnostics, SpecError
from nova_gen.loader import load_api

DOC = """\
asyncapi: 3.0.0
info: { title: Rates, version: "1.0" }
servers:
  local: { host: "127.0.0.1:9000", protocol: ws }
channels:
  rates:
    address: /
    messages:
      rate:
        payload:
          type: object
          required: [method, params]
          properties:
            method: { const: rate }
            params: { type: object, properties: { value: { type: number } } }
operations:
  onRate:
    action: receive
    channel: { $ref: "#/channels/rates" }
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_an_envelope_preset_from_an_extension(tmp_path: Path) -> None:
    doc = write(tmp_path, "rates.yml", DOC + "x-nova-envelope: { preset: jsonrpc2 }\n")
    api = load_api(doc, base=tmp_path, perspective="client")
    env = api.envelope
    assert env.template == {"jsonrpc": "2.0"}
    assert (env.request.id, env.request.method, env.request.params) == ("/id", "/method", "/params")
    assert env.error is not None and env.error.code == "/error/code"
    assert env.notification is not None and env.notification.channel == "/params/channel"


def test_the_overlay_file_adds_behaviour_and_wins_over_the_document(tmp_path: Path) -> None:
    doc = write(
        tmp_path,
        "rates.yml",
        DOC + "x-nova:\n  reconnect: { initial_delay: 1, max_delay: 5 }\n  max_lifetime: 100\n",
    )
    write(
        tmp_path,
        "rates.nova.yaml",
        """\
        reconnect: { initial_delay: 0.25, max_delay: 8, close_codes: { 4001: fatal } }
        heartbeat:
          ws_ping: null
          client_ping: { send: { text: ping }, pong_text: pong, interval: 10, timeout: 3 }
        rate_limit: { rate: 5, burst: 10 }
        errors:
          4001: { name: bad_request, action: fatal }
        """,
    )
    api = load_api(doc, base=tmp_path, perspective="client")
    assert api.reconnect.initial_delay == 0.25 and api.reconnect.max_delay == 8  # the file wins
    assert api.reconnect.close_codes == {4001: "fatal"}
    assert api.max_lifetime == 100  # from the document, the file does not say
    assert api.heartbeat.ws_ping_interval is None
    assert api.heartbeat.client_ping is not None and api.heartbeat.client_ping.pong_text == "pong"
    assert api.rate_limit is not None and (api.rate_limit.rate, api.rate_limit.burst) == (5, 10)
    assert [(e.code, e.name, e.action) for e in api.errors] == [(4001, "bad_request", "fatal")]


def test_a_wrong_overlay_key_is_a_diagnostic(tmp_path: Path) -> None:
    doc = write(tmp_path, "rates.yml", DOC)
    write(tmp_path, "rates.nova.yaml", "reconect: { initial_delay: 1 }\n")
    diagnostics = Diagnostics()
    with pytest.raises(SpecError):
        load_api(doc, diagnostics, base=tmp_path, perspective="client")
    (found,) = [d for d in diagnostics.items if d.code == "NOVA114"]
    assert found.position.file.endswith("rates.nova.yaml")
    assert (found.position.line, found.position.column) == (1, 1)
    assert "did you mean 'reconnect'" in found.hint
