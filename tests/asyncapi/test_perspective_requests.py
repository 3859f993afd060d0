"""The perspective check (``NOVA095``) reads ``request`` as a client's request word, and
counts request names by majority: an exchange document that sends its ``...Request``
messages is the client's (OKX's), and one request the API sends of its own (deepgram's
``FunctionCallRequest``) does not outvote the client's many."""

from __future__ import annotations

from pathlib import Path

from nova_gen.diagnostics import Diagnostics
from nova_gen.loader import load_api

from .building import write

HEAD = """asyncapi: 3.0.0
info: {title: Exchange, version: '1'}
servers:
  local: {host: 127.0.0.1, protocol: ws}
channels:
  root:
    address: /
    messages:
"""


def doc(messages: dict[str, str]) -> str:
    """One channel; each message ``name: action`` (the document's own action) with a
    payload pinned by its name, and one operation per message."""
    text = HEAD + "".join(
        f"      {name}: {{payload: {{type: object, properties: {{op: {{const: {name}}}}}}}}}\n" for name in messages
    )
    text += "operations:\n" + "".join(
        f"  {action}{name}: {{action: {action}, channel: {{$ref: '#/channels/root'}}, "
        f"messages: [{{$ref: '#/channels/root/messages/{name}'}}]}}\n"
        for name, action in messages.items()
    )
    return text


def warned(tmp_path: Path, text: str, perspective: str | None = None) -> list[str]:
    diagnostics = Diagnostics()
    load_api(write(tmp_path, {"exchange.yaml": text}), diagnostics, tmp_path, perspective)
    return [d.message for d in diagnostics.items if d.code == "NOVA095"]


def test_a_document_that_sends_its_requests_is_the_clients(tmp_path: Path) -> None:
    text = doc({"PositionRequest": "send", "BalanceRequest": "send", "PositionResponse": "receive"})
    assert warned(tmp_path, text) == [
        "read from the server's side, this document looks written from the client's side: the client would "
        "receive 'sendPositionRequest', 'PositionRequest', 'sendBalanceRequest', 'BalanceRequest', which a client sends"
    ]
    assert warned(tmp_path, text, "client") == []


def test_one_request_of_the_api_does_not_outvote_the_clients_many(tmp_path: Path) -> None:
    # The document describes the client: it sends three subscriptions and receives one request
    # the server makes of it. Read from the server's side, the client would receive three
    # client requests and send one: still the client's document.
    client_side = doc({"subscribeA": "send", "subscribeB": "send", "loginC": "send", "FunctionCallRequest": "receive"})
    assert len(warned(tmp_path, client_side)) == 1
    assert warned(tmp_path, client_side, "client") == []
