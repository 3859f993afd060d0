"""AsyncAPI documents as vendors publish them: a key with '/' named by a raw ``$ref``, a ``$ref``
that fails (one error, nothing built on it), parameters that describe query settings, a
document written from the client's side whose messages say so, typos, and an empty document.
Small documents of our own, and the real ones in ``corpus/`` they stand for."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect

from nova_gen.diagnostics import Diagnostics, SpecError
from nova_gen.loader import load_api
from nova_gen.planner import plan
from nova_gen.testing import SpecServer

from .building import one_channel

CORPUS = Path(__file__).parent / "corpus"

HEAD = one_channel("Test") + """      a: {$ref: '#/components/messages/agent/v1-a'}
      b: {$ref: '#/components/messages/agent/v1-b'}
operations:
  getA:
    action: send
    channel: {$ref: '#/channels/root'}
    messages: [{$ref: '#/channels/root/messages/a'}, {$ref: '#/channels/root/messages/b'}]
"""


def run(path: Path, perspective: str | None = None) -> tuple[Diagnostics, bool]:
    """The diagnostics of loading and planning ``path``; whether it generated."""
    diagnostics = Diagnostics()
    try:
        plan(load_api(path, diagnostics, path.parent, perspective), diagnostics)
    except SpecError:
        return diagnostics, False
    return diagnostics, True


def codes(diagnostics: Diagnostics) -> list[str]:
    return [d.code for d in diagnostics.sorted()]


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "spec.yml").write_text(text, encoding="utf-8")
    return tmp_path / "spec.yml"


def test_a_key_with_a_slash_resolves_with_one_warning_for_the_file(tmp_path: Path) -> None:
    spec = write(tmp_path, HEAD + """components:
  messages:
    agent/v1-a: {payload: {type: object, properties: {type: {const: a}}}}
    agent/v1-b: {payload: {type: object, properties: {type: {const: b}}}}
""")
    diagnostics, generated = run(spec)
    assert generated, [d.format() for d in diagnostics.items]
    assert codes(diagnostics) == ["NOVA013"]
    assert "~1" in diagnostics.items[0].hint
    # The escaped form is read without a word.
    diagnostics, generated = run(write(tmp_path, spec.read_text().replace("agent/v1-", "agent~1v1-", 2)))
    assert generated and codes(diagnostics) == []


def test_a_failed_ref_gives_one_error_and_no_follow_on_warnings(tmp_path: Path) -> None:
    """Two messages name a missing component and two payloads a missing schema: one NOVA010
    per missing target, and no dispatch (NOVA075, NOVA107) or perspective (NOVA095) warning
    built on the empty schemas they leave."""
    spec = write(tmp_path, HEAD.replace("agent/v1-b", "agent/v1-a") + """  getC:
    action: send
    channel: {$ref: '#/channels/root'}
    messages: [{$ref: '#/components/messages/c'}, {$ref: '#/components/messages/d'}]
components:
  messages:
    c: {payload: {$ref: '#/components/schemas/Missing'}}
    d: {payload: {$ref: '#/components/schemas/Missing'}}
""")
    diagnostics, generated = run(spec)
    assert not generated
    assert codes(diagnostics) == ["NOVA010", "NOVA010"], [d.format() for d in diagnostics.items]
    assert {d.message.split("'")[1] for d in diagnostics.items} == {
        "#/components/messages/agent/v1-a",
        "#/components/schemas/Missing",
    }


def test_a_shortened_list_of_known_names_says_so(tmp_path: Path) -> None:
    many = "".join(f"    m{i:02}: {{payload: {{type: object}}}}\n" for i in range(12))
    spec = write(tmp_path, HEAD + "components:\n  messages:\n" + many)
    diagnostics, _ = run(spec)
    hints = [d.hint for d in diagnostics.items if d.code == "NOVA010"]
    assert hints and all("(8 of 12 shown)" in h for h in hints), hints


def test_deepgram_generates_with_one_warning_for_its_unescaped_keys() -> None:
    diagnostics, generated = run(CORPUS / "deepgram" / "asyncapi.yml", "client")
    assert generated
    assert codes(diagnostics).count("NOVA013") == 1
    assert "NOVA010" not in codes(diagnostics)


def test_usm_streaming_parameters_are_ignored_with_one_warning_and_its_side_is_detected() -> None:
    """assemblyai's usm-streaming: 16 parameters describe query settings (`location:
    $message.payload#/x`), its messages say "Client message ..." / "Server message ...":
    one NOVA121, and NOVA095 read from the server's side, none from the client's."""
    doc = CORPUS / "assemblyai" / "usm-streaming.yml"
    diagnostics, generated = run(doc)
    assert generated
    assert codes(diagnostics).count("NOVA121") == 1
    assert "NOVA106" not in codes(diagnostics)
    assert "NOVA095" in codes(diagnostics)
    diagnostics, generated = run(doc, "client")
    assert generated and "NOVA095" not in codes(diagnostics)


def test_message_senders_named_in_titles_count_for_the_perspective(tmp_path: Path) -> None:
    text = """asyncapi: 3.0.0
info: {title: Speech, version: '1'}
channels:
  s:
    address: /
    messages:
      audio: {summary: Client sends audio., payload: {type: object, properties: {data: {type: string}}}}
      turn: {summary: Server message with a turn., payload: {type: object, properties: {text: {type: string}}}}
operations:
  sendAudio: {action: send, channel: {$ref: '#/channels/s'}, messages: [{$ref: '#/channels/s/messages/audio'}]}
  receiveTurn: {action: receive, channel: {$ref: '#/channels/s'}, messages: [{$ref: '#/channels/s/messages/turn'}]}
"""
    diagnostics, _ = run(write(tmp_path, text))
    warned = [d for d in diagnostics.items if d.code == "NOVA095"]
    assert warned and "2 of its messages name as their sender" in warned[0].message
    assert "NOVA095" not in codes(run(write(tmp_path, text), "client")[0])
    # "sent to the server" names the receiver: read the server's way, the client sends this
    # one as its words say (one agrees, one disagrees: no warning).
    diagnostics, _ = run(write(tmp_path, text.replace("Server message with a turn.", "Reply sent to the server.")))
    assert "NOVA095" not in codes(diagnostics)


def test_typos_in_2x_and_3x_are_errors_and_extensions_pass(tmp_path: Path) -> None:
    v2 = """asyncapi: 2.6.0
info: {title: T, version: '1', x-logo: a}
channels:
  /:
    x-note: fine
    subscribe:
      message: {name: a, paylod: {type: object}}
"""
    diagnostics, generated = run(write(tmp_path, v2))
    assert not generated
    assert [(d.code, d.hint) for d in diagnostics.items] == [("NOVA118", "did you mean 'payload'?")]
    v3 = "asyncapi: 3.0.0\ninfo: {title: T, version: '1'}\nchanels: {}\noperashuns: {}\n"
    diagnostics, _ = run(write(tmp_path, v3))
    assert [d.hint for d in diagnostics.items] == ["did you mean 'channels'?", "did you mean 'operations'?"]


SENT = [
    # The frames of the trial: messages that share no pinned field, and binary audio.
    ("assemblyai/asyncapi.yml", None, [b"\x00\x01", {"force_end_utterance": True}, {"terminate_session": True}],
     ["sendAudio", "forceEndUtterance", "terminateSession"]),
    ("assemblyai/usm-streaming.yml", "client", [b"\x00\x01", {"type": "ForceEndpoint"}],
     ["AudioChunk", "ForceEndpoint"]),
    ("deepgram/asyncapi.yml", "client", [{"type": "KeepAlive"}, b"\x00\x01", {"type": "Settings"}],
     ["AgentV1KeepAlive", "AgentV1Media", None]),
]


@pytest.mark.parametrize(("doc", "perspective", "frames", "methods"), SENT, ids=[s[0] for s in SENT])
async def test_serve_recognises_what_the_client_sends(
    doc: str, perspective: str | None, frames: list[Any], methods: list[str | None], caplog: pytest.LogCaptureFixture
) -> None:
    """Each frame is the request it is built as (``None``: a frame the document does not
    describe, `Settings` without its required fields, is logged and dropped)."""
    api = load_api(CORPUS / doc, Diagnostics(), CORPUS, perspective)
    with caplog.at_level(logging.WARNING, logger="nova.testing.server"):
        async with asyncio.timeout(10), SpecServer(api) as server, connect(server.url + api.address) as ws:
            for frame in frames:
                await ws.send(frame if isinstance(frame, bytes) else json.dumps(frame))
            expected = [m for m in methods if m is not None]
            await server.wait_for(lambda: len(server.connection_log(1)) == len(expected))
            await ws.send("[0]")  # then a frame no document describes: all above were taken
            await server.wait_for(lambda: len(server.received) + len(server.received_binary) > len(frames))
    assert [m for m, _ in server.connection_log(1)] == expected
    unknown = [r.getMessage() for r in caplog.records if "sent a" in r.getMessage()]
    assert len(unknown) == 1 + methods.count(None), unknown


def test_typos_deep_in_the_objects_nova_gen_reads(tmp_path: Path) -> None:
    text = HEAD.replace("agent/v1-", "") + """components:
  securitySchemes:
    key: {type: httpApiKey, in: query, nme: token}
  messages:
    a:
      correlationId: {locaton: '$message.payload#/id'}
      examples: [{paylaod: {type: a}}]
      payload: {type: object, properties: {type: {const: a}}}
    b: {payload: {type: object, properties: {type: {const: b}}}}
"""
    diagnostics, _ = run(write(tmp_path, text))
    found = [(d.code, d.message, d.hint) for d in diagnostics.items if d.code == "NOVA118"]
    assert sorted(found) == [
        ("NOVA118", "unknown key 'locaton' in a correlationId", "did you mean 'location'?"),
        ("NOVA118", "unknown key 'nme' in a security scheme", "did you mean 'name'?"),
        ("NOVA118", "unknown key 'paylaod' in a message example", "did you mean 'payload'?"),
    ]


def test_messages_lost_to_a_failed_ref_do_not_make_an_empty_document(tmp_path: Path) -> None:
    diagnostics, _ = run(write(tmp_path, HEAD.replace("agent/v1-b", "agent/v1-a")))
    assert codes(diagnostics) == ["NOVA010"], [d.format() for d in diagnostics.items]


def test_a_misspelt_info_title_is_one_diagnostic(tmp_path: Path) -> None:
    diagnostics, _ = run(write(tmp_path, "asyncapi: 3.0.0\ninfo: {titel: X, version: '1'}\n"))
    assert [(d.code, d.hint) for d in diagnostics.items] == [("NOVA118", "did you mean 'title'?")]
