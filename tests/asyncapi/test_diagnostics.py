"""Every AsyncAPI diagnostic (NOVA1xx, and the NOVA08x that only AsyncAPI documents give): a
small broken document, the code, severity, line and column (marked ``@@`` in the document)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from nova_gen.cli import main
from nova_gen.diagnostics import Diagnostics, SpecError
from nova_gen.loader import load_api
from nova_gen.planner import plan

V3 = """asyncapi: 3.0.0
info: {title: Test, version: '1'}
servers:
  prod: {host: example.com, protocol: wss}
channels:
  root:
    address: /
    messages:
      ping: {payload: {type: object, properties: {type: {const: ping}}}}
      pong: {payload: {type: object, properties: {type: {const: pong}}}}
operations:
  getPong:
    action: send
    channel: {$ref: '#/channels/root'}
    messages: [{$ref: '#/channels/root/messages/pong'}]
  sendPing:
    action: receive
    channel: {$ref: '#/channels/root'}
    messages: [{$ref: '#/channels/root/messages/ping'}]
"""

V2 = """asyncapi: 2.6.0
info: {title: Test, version: '1'}
servers:
  prod: {url: example.com, protocol: wss}
channels:
  /:
    subscribe:
      message:
        oneOf:
          - {name: a, payload: {type: object, properties: {type: {enum: [a]}}}}
          - {name: b, payload: {type: object, properties: {type: {enum: [b]}}}}
"""

V2_REPLY = """asyncapi: 2.5.0
info: {title: Test, version: '1'}
servers:
  prod: {url: example.com, protocol: wss}
channels:
  /:
    publish:
      message: {$ref: '#/components/messages/ping'}
    subscribe:
      message: {$ref: '#/components/messages/pong'}
components:
  messages:
    ping:
      payload: {type: object, properties: {type: {const: ping}}}
      x-response: {$ref: '#/components/messages/pong'}
    pong:
      payload: {type: object, properties: {type: {const: pong}}}
  schemas:
    pong: {type: object, properties: {type: {const: pong}}}
"""
"""A 2.x document whose request has its reply in Ballerina's `x-response`."""
X_RESPONSE = "x-response: {$ref: '#/components/messages/pong'}"


@dataclass(frozen=True)
class Case:
    id: str
    doc: str
    code: str
    severity: str = "error"
    message: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    perspective: str | None = None
    hint: str = ""


def sub(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


CASES = [
    Case("101-version", sub(V3, "asyncapi: 3.0.0", "asyncapi: @@4.0.0"), "NOVA101"),
    Case("102-info", sub(V3, "info: {title: Test, version: '1'}", "@@info: {title: Test}"), "NOVA102",
         message="no `version`"),
    # A misspelt title is one diagnostic (NOVA118 at the typo), not also "info has no `title`".
    Case("118-info-misspelt", sub(V3, "info: {title: Test, version: '1'}", "info: {@@titel: Test, version: '1'}"),
         "NOVA118", message="unknown key 'titel' in info", hint="did you mean 'title'?"),
    Case("102-channels", sub(V2, "channels:\n  /:", "channels: @@[]\nx:\n  /:"), "NOVA102", message="mapping"),
    # Objects of the wrong shape deep in the document (found by tests/generator/test_fuzz_structure.py).
    Case("102-variables", sub(V2, "prod: {url: example.com, protocol: wss}",
                              "prod: {url: '{region}.example.com', protocol: wss, variables: @@[region]}"),
         "NOVA102", message="`variables` must be a mapping, not a list"),
    Case("102-bindings", sub(V3, "    address: /\n", "    address: /\n    bindings: @@[ws]\n"), "NOVA102",
         message="`bindings` must be a mapping, not a list"),
    Case("102-parameters", sub(V3, "    address: /\n", "    address: /{room}\n    parameters: @@room\n"), "NOVA102",
         message="`parameters` must be a mapping, not a string"),
    Case("102-examples", sub(V3, "pong: {payload:", "pong: {examples: @@5, payload:"), "NOVA102",
         message="`examples` must be a list, not int"),
    Case("010-message-ref", sub(V3, "messages: [{$ref: '#/channels/root/messages/ping'}]",
                                "messages: [{$ref: @@{}}]"), "NOVA010", message="$ref must be a string"),
    Case("095-nothing-received", sub(sub(V3, "asyncapi: 3.0.0", "asyncapi: @@3.0.0"), "action: receive", "action: send"),
         "NOVA095", severity="warning",
         message="looks written from the server's side: the client would receive nothing", perspective="client"),
    Case("095-title", sub(V3, "info: {title: Test,", "info: {title: @@Test Client,"), "NOVA095", severity="warning",
         message="its title 'Test Client' names the client"),
    Case("095-client-requests", sub(sub(V3, "asyncapi: 3.0.0", "asyncapi: @@3.0.0"), "getPong:", "subscribe:"),
         "NOVA095", severity="warning", message="the client would receive 'subscribe', which a client sends"),
    Case("103-reply-owed", sub(V3, "  getPong:\n    action: send\n",
                               "  getPong:\n    action: send\n    @@reply: {channel: {$ref: '#/channels/root'}, "
                               "messages: [{$ref: '#/channels/root/messages/ping'}]}\n"),
         "NOVA103", severity="warning", message="expects the client to answer 'pong'"),
    Case("104-https", sub(V2, "prod: {url: example.com, protocol: wss}",
                          "prod: {url: 'https://example.com/rtm', protocol: @@https}"), "NOVA104", severity="warning"),
    Case("105-variable", sub(V2, "prod: {url: example.com, protocol: wss}",
                             "prod: {url: @@'{region}.example.com', protocol: wss}"), "NOVA105",
         message="{region}"),
    Case("106-parameter", sub(V3, "    address: /\n", "    address: /\n    parameters:\n      @@symbol: {}\n"),
         "NOVA106", message="missing from its address"),
    Case("106-parameter-located", sub(V3, "    address: /\n", "    address: /\n    parameters:\n      @@rate: "
                                      "{location: '$message.payload#/rate'}\n      depth: {location: '$message.payload#/d'}\n"),
         "NOVA121", severity="warning", message="does not use ('rate', 'depth')"),
    Case("117-typo-root", sub(V3, "channels:", "@@chanels:"), "NOVA118", message="unknown key 'chanels' in the document"),
    Case("117-typo-2x", sub(V2, "    subscribe:\n", "    @@subscibe:\n"), "NOVA118", message="in a channel"),
    Case("117-typo-payload", sub(V3, "pong: {payload:", "pong: {@@paylod:"), "NOVA118", message="'paylod' in a message"),
    Case("118-vendor-key", sub(V3, "    address: /\n", "    address: /\n    parameters:\n      rate: "
                               "{location: '$message.payload#/rate', @@schema: {type: integer}}\n"),
         "NOVA119", severity="warning", message="'schema' in a channel parameter (a field of AsyncAPI 2.x)"),
    Case("119-nothing", "asyncapi: 3.0.0\ninfo: {title: T, version: '1'}\nchannels: {}\n@@operations: {}\n",
         "NOVA120", severity="warning", message="describes no operation"),
    Case("013-slash-key", sub(V3, "messages: [{$ref: '#/channels/root/messages/ping'}]",
                              "messages: [{$ref: @@'#/components/messages/a/ping'}]")
         + "components: {messages: {a/ping: {payload: {type: object, properties: {type: {const: ping}}}}}}\n",
         "NOVA013", severity="warning", message="names the key 'a/ping', which contains '/'"),
    Case("042-one-message", "asyncapi: 2.6.0\ninfo: {title: T, version: '1'}\nchannels:\n  /:\n    subscribe:\n"
         "      @@message: {payload: {type: object, properties: {x: {type: string}}}}\n", "NOVA042", severity="warning",
         message="message at #/channels/~1/subscribe/message (hook on_subscribe) pins no field"),
    Case("042-named", "asyncapi: 2.6.0\ninfo: {title: T, version: '1'}\nchannels:\n  /:\n    subscribe:\n"
         "      @@message: {name: Tick, payload: {type: object, properties: {x: {type: string}}}}\n", "NOVA042",
         severity="warning", message="message 'Tick' (hook on_tick)"),
    Case("107-ambiguous", sub(sub(V2, "- {name: b, payload: {type: object, properties: {type: {enum: [b]}}}}",
                                  "- {name: b, payload: {type: object, properties: {type: {enum: [a]}}}}"),
                              "- {name: a, payload:", "- @@{name: a, payload:"),
         "NOVA107", severity="warning", message="'a', 'b' cannot be told apart by their fields"),
    Case("108-uncorrelated-reply", sub(V3, "  sendPing:\n    action: receive\n",
                                       "  sendPing:\n    action: receive\n    @@reply: {channel: {$ref: '#/channels/root'}, "
                                       "messages: [{$ref: '#/channels/root/messages/pong'}]}\n"),
         "NOVA108", severity="warning"),
    Case("109-header-correlation", sub(V3, "ping: {payload:",
                                       "ping: {correlationId: {location: @@'$message.header#/id'}, payload:"),
         "NOVA109", message="payload field"),
    Case("110-not-websocket", sub(V2, "prod: {url: example.com, protocol: wss}",
                                  "prod: {url: example.com, protocol: wss, security: [{cert: []}]}\n"
                                  "components:\n  securitySchemes:\n    cert: {type: @@X509}"),
         "NOVA110", severity="warning", message="cannot apply to a WebSocket handshake"),
    Case("111-unknown-scheme", sub(V2, "prod: {url: example.com, protocol: wss}",
                                   "prod: {url: example.com, protocol: wss, security: [{@@tokn: []}]}"),
         "NOVA111", message="'tokn'"),
    Case("112-schema-format", sub(V2, "- {name: b, payload:",
                                  "- {name: b, schemaFormat: @@'application/vnd.apache.avro;version=1.9.0', payload:"),
         "NOVA112"),
    Case("113-no-channel", sub(V3, "    channel: {$ref: '#/channels/root'}\n    messages: [{$ref: '#/channels/root/messages/ping'}]",
                               "    channel: @@null\n    messages: [{$ref: '#/channels/root/messages/ping'}]"),
         "NOVA113"),
    Case("114-extension", V3 + "@@x-nova-heartbeet: {}\n", "NOVA114", message="unknown nova extension"),
    Case("114-overlay-file", V3, "NOVA114", extra={"spec.nova.yaml": "reconnect:\n  initial_delay: @@soon\n"}),
    Case("114-overlay-typo", V3, "NOVA114", extra={"spec.nova.yaml": "reconnect:\n  @@initial_dealy: 0.2\n"},
         message="reconnect: unknown key 'initial_dealy'", hint="did you mean 'initial_delay'?"),
    Case("115-addresses", sub(V2, "channels:\n", "channels:\n  /b:\n    subscribe: {message: {name: c, payload: "
                              "{type: object, properties: {type: {const: c}}}}}\n  @@/a:\n    subscribe: {message: "
                              "{name: d, payload: {type: object, properties: {type: {const: d}}}}}\n"),
         "NOVA115", severity="warning"),
    Case("074-outgoing", sub(V3, "  sendPing:\n    action: receive\n    channel: {$ref: '#/channels/root'}\n"
                             "    messages: [{$ref: '#/channels/root/messages/ping'}]\n",
                             "  sendPing:\n    action: receive\n    channel: {$ref: '#/channels/root'}\n"
                             "    messages: [{$ref: '#/channels/root/messages/ping'}, {$ref: '#/components/messages/raw'}]\n"
                             "components:\n  messages:\n    @@raw: {payload: {type: object, properties: {x: {type: string}}}}\n"),
         "NOVA074", severity="warning", message="share no constant field"),
    Case("075-unreachable", sub(sub(V2, "- {name: b, payload: {type: object, properties: {type: {enum: [b]}}}}",
                                    "- @@{name: b, payload: {type: object, description: a copy, properties: {type: {enum: [a]}}}}"),
                                "- {name: a, payload:", "- {name: a, payload:"),
         "NOVA075", severity="warning", message="'b' is never delivered: 'a', tried before it"),
    Case("117-catch-all", sub(V2, "- {name: a, payload: {type: object, properties: {type: {enum: [a]}}}}\n"
                                  "          - {name: b, payload: {type: object, properties: {type: {enum: [b]}}}}",
                              "- @@{name: a, payload: {type: object, properties: {type: {type: string}}}}\n"
                              "          - {name: b, payload: {type: object, properties: {kind: {type: string}}}}"),
         "NOVA117", severity="warning", message="'a' requires and pins no field: tried before 'b'"),
    Case("116-outgoing", sub(V3, "  sendPing:\n    action: receive\n    channel: {$ref: '#/channels/root'}\n"
                             "    messages: [{$ref: '#/channels/root/messages/ping'}]\n",
                             "  sendPing:\n    action: receive\n    channel: {$ref: '#/channels/root'}\n"
                             "    messages: [{$ref: '#/channels/root/messages/ping'}, {$ref: '#/components/messages/raw'}]\n"
                             "components:\n  messages:\n    raw: {payload: {type: object, properties: "
                             "{jsonrpc: {const: '2.0'}, method: {const: raw}, params: @@{type: string}}}}\n"
                             "x-nova-envelope: {preset: jsonrpc2}\n"),
         "NOVA116", message="not an object"),
    Case("125-generic-title", sub(sub(V3, "info: {title: Test", "info: {title: @@REST API"), "host: example.com",
                                  "host: api.deepgram.com"),
         "NOVA125", severity="warning", message="the package is named 'deepgram', from the server host 'api.deepgram.com'",
         hint="set `name:` in the nova overlay"),
    Case("125-generic-title-no-host", sub(sub(V3, "info: {title: Test", "info: {title: @@WebSocket API"),
                                          "host: example.com", "host: 127.0.0.1"),
         "NOVA125", severity="warning", message="the package is named 'spec', from the file name 'spec.yml'"),
    Case("082-pinned-in-place", sub(V2, "- {name: b, payload: {type: object, properties: {type: {enum: [b]}}}}",
                                    "- @@{name: b, x-nova-when: {equals: {/type: c}},\n"
                                    "             payload: {type: object, properties: {type: {enum: [b]}}}}"),
         "NOVA082", severity="warning", message="the model takes the recognised value"),
    Case("082-shared", sub(V2, "- {name: b, payload: {type: object, properties: {type: {enum: [b]}}}}",
                           "- @@{name: b, x-nova-when: {equals: {/type: c}}, payload: {$ref: '#/components/schemas/B'}}\n"
                           "components: {schemas: {B: {type: object, properties: {type: {enum: [b]}}}}}"),
         "NOVA082", severity="warning", message="that schema is shared"),
    # A planner warning: a ws header and an API key in the query, both `token`.
    Case("083-connect-names", sub(sub(V3, "  prod: {host: example.com, protocol: wss}",
                                      "  prod: {host: example.com, protocol: wss, "
                                      "security: [{$ref: '#/components/securitySchemes/t'}]}"),
                                  "    address: /\n", "    address: /\n    bindings: {ws: {headers: "
                                  "{type: object, properties: {token: {type: string}}}}}\n")
         + "components: {securitySchemes: {t: {type: httpApiKey, in: query, @@name: token}}}\n",
         "NOVA083", severity="warning", message="it is named 'token_query'"),
    # Ballerina's x-response (2.x): malformed, a reference to nothing, a stream of replies.
    Case("126-x-response-scalar", sub(V2_REPLY, X_RESPONSE, "x-response: @@pong"), "NOVA126",
         message="x-response of message 'ping' is not a mapping", hint="Ballerina's form"),
    Case("126-x-response-one-of", sub(V2_REPLY, X_RESPONSE, "x-response: {oneOf: @@pong}"), "NOVA126",
         message="has a `oneOf` that is not a list of messages"),
    Case("126-x-response-list-item", sub(V2_REPLY, X_RESPONSE, "x-response: {oneOf: [@@pong]}"), "NOVA126",
         message="lists a reply that is not a message"),
    Case("126-x-response-schema", sub(V2_REPLY, X_RESPONSE, "x-response: {$ref: @@'#/components/schemas/pong'}"),
         "NOVA126", message="names '#/components/schemas/pong', which is not a message"),
    Case("126-x-response-type", sub(V2_REPLY, X_RESPONSE, X_RESPONSE + "\n      x-response-type: @@bidi"), "NOVA126",
         message="x-response-type of message 'ping' is 'bidi'"),
    Case("010-x-response-nowhere", sub(V2_REPLY, X_RESPONSE, "x-response: {$ref: @@'#/components/messages/pongg'}"),
         "NOVA010", message="points to nothing"),
    Case("127-server-streaming", sub(V2_REPLY, X_RESPONSE, X_RESPONSE + "\n      x-response-type: @@server-streaming"),
         "NOVA127", severity="warning", message="message 'ping' is answered by a stream of 'pong'"),
]


def _write(case: Case, folder: Path) -> tuple[Path, str, int, int]:
    found = None
    files = {"spec.yml": case.doc, **case.extra}
    for name, text in files.items():
        if "@@" in text:
            before = text.split("@@", 1)[0]
            found = (name, before.count("\n") + 1, len(before.rsplit("\n", 1)[-1]) + 1)
        (folder / name).write_text(text.replace("@@", ""), encoding="utf-8")
    assert found is not None, "mark the position with @@"
    return folder / "spec.yml", *found


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_asyncapi_diagnostic(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    spec, file, line, column = _write(case, tmp_path)
    diagnostics = Diagnostics()
    try:
        plan(load_api(spec, diagnostics, tmp_path, case.perspective), diagnostics)
    except SpecError:
        pass
    hits = [d for d in diagnostics.sorted() if d.code == case.code]
    assert hits, [d.format() for d in diagnostics.items]
    d = hits[0]
    assert (d.severity, d.position.file, d.position.line, d.position.column) == (
        case.severity, file, line, column,
    ), d.format()
    assert case.message in d.message, d.message
    assert case.hint in d.hint, d.hint
    assert d.hint or case.code in ("NOVA102",)
    if case.severity == "warning":
        assert not diagnostics.has_errors, [x.format() for x in diagnostics.items]


def test_every_code_is_documented_in_order() -> None:
    table = (Path(__file__).resolve().parents[2] / "docs" / "diagnostics.md").read_text()
    codes = sorted({c.code for c in CASES})
    positions = [table.find(f"| `{code}` |") for code in codes]
    assert all(p > 0 for p in positions), dict(zip(codes, positions, strict=True))
    assert positions == sorted(positions)


def test_cli_validate_prints_position(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    case = CASES[0]
    _, _, line, column = _write(case, tmp_path)
    assert main(["validate", "spec.yml"]) == 2
    err = capsys.readouterr().err
    assert f"spec.yml:{line}:{column}: error NOVA101: " in err

