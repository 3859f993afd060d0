"""Unknown keys (``NOVA118``/``NOVA119``) are checked in every object wherever it is written:
in files reached through ``$ref`` (split documents) and in operation and message traits,
at the place in the file that holds the key, once per key however many references reach it."""

from __future__ import annotations

from pathlib import Path

import pytest

from nova_gen.diagnostics import Diagnostics, SpecError
from nova_gen.loader import load_api

from .building import write

MAIN_3 = """asyncapi: 3.0.0
info: {title: Split, version: '1'}
servers:
  local: {host: 127.0.0.1, protocol: ws}
channels:
  room: {$ref: './channels.yaml#/room'}
operations:
  send:
    action: receive
    channel: {$ref: '#/channels/room'}
    messages: [{$ref: '#/channels/room/messages/say'}]
    traits: [{$ref: './traits.yaml#/operation'}]
  hear:
    action: send
    channel: {$ref: '#/channels/room'}
    messages: [{$ref: '#/channels/room/messages/said'}]
components:
  messages:
    said: {$ref: './channels.yaml#/room/messages/said'}
"""
CHANNELS_3 = """room:
  address: /
  messages:
    say:
      payload: {type: object, properties: {type: {const: say}}}
      traits: [{$ref: './traits.yaml#/message'}]
    said:
      payload: {type: object, properties: {type: {const: said}}}
"""
TRAITS_3 = """operation: {summary: Say something.}
message: {contentType: application/json}
"""

MAIN_2 = """asyncapi: 2.6.0
info: {title: Split, version: '1'}
servers:
  local: {url: 127.0.0.1, protocol: ws}
channels:
  /: {$ref: './channel.yaml'}
components:
  operationTraits:
    named: {operationId: speak}
  messageTraits:
    json: {contentType: application/json}
"""
CHANNEL_2 = """publish:
  traits: [{$ref: './asyncapi.yaml#/components/operationTraits/named'}]
  message:
    payload: {type: object, properties: {type: {const: say}}}
    traits: [{$ref: './asyncapi.yaml#/components/messageTraits/json'}]
subscribe:
  message:
    payload: {type: object, properties: {type: {const: said}}}
"""


def found(tmp_path: Path, files: dict[str, str]) -> tuple[list[str], bool]:
    """``file:line:col code message`` of each NOVA118/NOVA119, and whether the document loaded."""
    diagnostics = Diagnostics()
    try:
        load_api(write(tmp_path, files), diagnostics, tmp_path)
        loaded = True
    except SpecError:
        loaded = False
    keys = [d for d in diagnostics.items if d.code in ("NOVA118", "NOVA119")]
    return [f"{d.position.file}:{d.position.line}:{d.position.column} {d.code} {d.message}" for d in keys], loaded


def split_3(main: str = MAIN_3, channels: str = CHANNELS_3, traits: str = TRAITS_3) -> dict[str, str]:
    return {"asyncapi.yaml": main, "channels.yaml": channels, "traits.yaml": traits}


def split_2(main: str = MAIN_2, channel: str = CHANNEL_2) -> dict[str, str]:
    return {"asyncapi.yaml": main, "channel.yaml": channel}


def test_clean_split_documents_have_nothing_to_say(tmp_path: Path) -> None:
    assert found(tmp_path / "3", split_3()) == ([], True)
    assert found(tmp_path / "2", split_2()) == ([], True)


def test_a_typo_in_a_referenced_channel_file_is_reported_there(tmp_path: Path) -> None:
    keys, loaded = found(tmp_path, split_3(channels=CHANNELS_3.replace("  address: /", "  adress: /")))
    assert not loaded
    assert keys == ["channels.yaml:2:3 NOVA118 unknown key 'adress' in a channel"]


def test_a_typo_in_a_2x_channel_file_is_reported_there(tmp_path: Path) -> None:
    keys, loaded = found(tmp_path, split_2(channel=CHANNEL_2.replace("subscribe:", "subscibe:")))
    assert not loaded
    assert keys == ["channel.yaml:6:1 NOVA118 unknown key 'subscibe' in a channel"]


def test_a_typo_in_a_message_trait_is_reported_in_the_trait(tmp_path: Path) -> None:
    keys, _ = found(tmp_path / "3", split_3(traits=TRAITS_3.replace("contentType", "contentTyp")))
    assert keys == ["traits.yaml:2:11 NOVA118 unknown key 'contentTyp' in a message trait"]
    keys, _ = found(tmp_path / "2", split_2(main=MAIN_2.replace("json: {contentType", "json: {contentTyp")))
    assert keys == ["asyncapi.yaml:11:12 NOVA118 unknown key 'contentTyp' in a message trait"]


def test_a_typo_in_an_operation_trait_is_reported_in_the_trait(tmp_path: Path) -> None:
    keys, _ = found(tmp_path / "3", split_3(traits=TRAITS_3.replace("summary", "sumary")))
    assert keys == ["traits.yaml:1:13 NOVA118 unknown key 'sumary' in an operation trait"]
    keys, _ = found(tmp_path / "2", split_2(main=MAIN_2.replace("operationId", "operationID")))
    assert keys == ["asyncapi.yaml:9:13 NOVA118 unknown key 'operationID' in an operation trait"]


def test_an_inline_trait_is_checked_as_written(tmp_path: Path) -> None:
    inline = CHANNELS_3.replace("[{$ref: './traits.yaml#/message'}]", "[{nme: say}]")
    keys, _ = found(tmp_path, split_3(channels=inline))
    assert keys == ["channels.yaml:6:17 NOVA118 unknown key 'nme' in a message trait"]


def test_an_object_reached_by_several_refs_is_reported_once(tmp_path: Path) -> None:
    # `said` is reached from the channel file, from an operation and from components.messages.
    vendor = CHANNELS_3.replace("    said:\n", "    said:\n      x_origin: feed\n")
    keys, loaded = found(tmp_path, split_3(channels=vendor))
    assert loaded
    assert keys == ["channels.yaml:8:7 NOVA119 unknown key 'x_origin' in a message; nova-gen ignores it"]


def test_a_vendor_key_in_several_files_is_one_warning_at_its_first_place(tmp_path: Path) -> None:
    files = split_3(
        main=MAIN_3 + "    other: {x_id: 1, payload: {type: string}}\n",
        channels=CHANNELS_3.replace("    say:\n", "    say:\n      x_id: 2\n"),
        traits=TRAITS_3.replace("{summary", "{x_id: 3, summary"),
    )
    keys, loaded = found(tmp_path, files)
    assert loaded
    assert keys == [
        "channels.yaml:5:7 NOVA119 unknown key 'x_id' in a message (here and in 1 more); nova-gen ignores it",
        "traits.yaml:1:13 NOVA119 unknown key 'x_id' in an operation trait; nova-gen ignores it",
    ]


def test_a_field_of_the_target_in_a_trait_is_merged_and_said_so(tmp_path: Path) -> None:
    """The AsyncAPI schema allows a message trait no ``payload``; nova-gen merges it anyway."""
    traits = TRAITS_3.replace("{contentType: application/json}", "{payload: {type: object}}")
    keys, loaded = found(tmp_path, split_3(traits=traits))
    assert loaded
    assert keys == [
        "traits.yaml:2:11 NOVA119 unknown key 'payload' in a message trait (a field of a message that the "
        "AsyncAPI schema does not allow in its traits); nova-gen merges it into the message all the same"
    ]


def test_a_broken_reference_is_the_readers_to_report_once(tmp_path: Path) -> None:
    diagnostics = Diagnostics()
    with pytest.raises(SpecError):
        load_api(write(tmp_path, split_3(traits="operation: {}\n")), diagnostics, tmp_path)
    assert [(d.code, d.position.file) for d in diagnostics.items] == [("NOVA010", "channels.yaml")]


def test_a_remote_reference_nova_gen_does_not_read_stays_unread(tmp_path: Path) -> None:
    """The key check follows references quietly: one in a component nothing uses is not an error."""
    unused = MAIN_3 + "  schemas:\n    far: {$ref: 'https://example.com/far.yaml'}\n"
    unused += "  operationTraits:\n    far: {$ref: 'https://example.com/traits.yaml#/op'}\n"
    assert found(tmp_path, split_3(main=unused)) == ([], True)
