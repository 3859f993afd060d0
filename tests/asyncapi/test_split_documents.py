"""Issue 11, kinds 5, 8 and 12: documents split across files as 3.x documents usually are.

A ``$ref`` through a ``$ref``'d object is followed (``#/channels/echo/messages/tick`` when
the channel ``echo`` is itself a reference into ``channels.yaml``), a miss gets a hint in
the file the path really reaches, file paths in diagnostics are normalised, and the
channel address ``events`` joins the server path ``/ws`` with one ``/``."""

from __future__ import annotations

from pathlib import Path

import pytest

from nova_gen.diagnostics import Diagnostics, SpecError
from nova_gen.loader import load_api

from .building import build, write

MAIN = """asyncapi: 3.0.0
info: {title: Echo, version: '1'}
servers:
  local: {host: 127.0.0.1, protocol: ws, pathname: /ws}
channels:
  echo: {$ref: './channels.yaml#/echo'}
operations:
  onTick:
    action: send
    channel: {$ref: '#/channels/echo'}
    messages: [{$ref: '#/channels/echo/messages/tick'}]
  say:
    action: receive
    channel: {$ref: '#/channels/echo'}
    messages: [{$ref: '#/channels/echo/messages/said'}]
"""
CHANNELS = """echo:
  address: events
  messages:
    tick:
      payload: {type: object, properties: {type: {const: tick}, n: {type: integer}}}
    said:
      payload: {$ref: 'commons/../commons/schemas.yml#/Said'}
"""
SCHEMAS = "Said: {type: object, properties: {type: {const: said}, text: {type: string}}}\n"


def files(main: str = MAIN, channels: str = CHANNELS) -> dict[str, str]:
    return {"main.yaml": main, "channels.yaml": channels, "commons/schemas.yml": SCHEMAS}


def errors(tmp_path: Path, docs: dict[str, str]) -> list[str]:
    d = Diagnostics()
    with pytest.raises(SpecError):
        load_api(write(tmp_path, docs), d, tmp_path)
    return [f"{x.position.file}:{x.position.line} {x.code} {x.message} | {x.hint}" for x in d.items]


def test_refs_through_a_referenced_channel_are_followed(tmp_path: Path) -> None:
    d = Diagnostics()
    api = load_api(write(tmp_path, files()), d, tmp_path)
    assert d.items == []
    assert [e.name for e in api.events] == ["tick"]
    assert [r.name for r in api.requests] == ["said"]
    assert api.address == "events"
    assert list(api.schemas) == ["Tick"]


def test_a_miss_behind_a_referenced_channel_is_hinted_where_the_path_leads(tmp_path: Path) -> None:
    broken = MAIN.replace("messages/tick'", "messages/tock'")
    assert errors(tmp_path, files(main=broken)) == [
        "main.yaml:11 NOVA010 $ref '#/channels/echo/messages/tock' points to nothing"
        " | did you mean channels.yaml#/echo/messages/tick?"
    ]


def test_paths_in_diagnostics_are_normalised(tmp_path: Path) -> None:
    broken = CHANNELS.replace("#/Said", "#/Sad")
    assert [e for e in errors(tmp_path, files(channels=broken)) if "NOVA010" in e] == [
        "channels.yaml:7 NOVA010 $ref 'commons/../commons/schemas.yml#/Sad' points to nothing"
        " | did you mean commons/schemas.yml#/Said?"
    ]


def test_a_reference_that_runs_through_itself_is_reported(tmp_path: Path) -> None:
    looping = MAIN.replace("echo: {$ref: './channels.yaml#/echo'}", "echo: {$ref: '#/channels/echo/x'}")
    (line,) = [e for e in errors(tmp_path, files(main=looping)) if "NOVA064" in e]
    assert line.startswith("main.yaml:6 NOVA064 $ref chain longer than 64 references")


def test_the_address_joins_the_server_path_with_one_slash(tmp_path: Path) -> None:
    with build(write(tmp_path, files()), tmp_path / "out") as package:
        assert package.EchoClient.connect().url == "ws://127.0.0.1/ws/events"
