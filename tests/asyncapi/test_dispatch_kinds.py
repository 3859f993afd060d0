"""Telling incoming messages apart (issue 11, kinds 1-3), each kind on a small document of ours:

1. messages no field tells apart are told apart at run time, most specific first, with one
   warning per group; ``x-nova-when`` or the overlay makes it exact;
2. value sets (``enum``, one constant per ``oneOf`` branch) tell messages apart, and a
   ``when`` has ``in`` and ``not``;
3. correlated replies reach their call by id: alike replies are no ambiguity.

The end-to-end tests run the generated client against the local spec server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from nova_runtime import protocol as p
from nova_runtime.core import Event, Malformed
from nova_runtime.core.correlator import Correlator
from nova_runtime.core.dispatcher import Dispatcher
from nova_runtime.core.match import compile_match
from nova_runtime.core.subscriptions import Subscriptions
from pydantic import TypeAdapter

from nova_gen import ir
from nova_gen.checks import disjoint
from nova_gen.diagnostics import Diagnostics
from nova_gen.loader import load_api
from nova_gen.nova.common import match_from
from nova_gen.pipeline import generate
from nova_gen.render import RenderOptions
from nova_gen.testing import SpecServer

DOCS = Path(__file__).parent / "docs"


def load(name: str, folder: Path = DOCS) -> tuple[ir.Api, Diagnostics]:
    diagnostics = Diagnostics()
    return load_api(folder / name, diagnostics, folder), diagnostics


@pytest.fixture
def client_of(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Generate a document's package into ``tmp_path`` and import it; unimported afterwards."""
    packages: list[str] = []

    def make(path: Path) -> ModuleType:
        generated = generate(path, RenderOptions(), Diagnostics(), base=path.parent)
        for name, text in generated.files.items():
            target = tmp_path / generated.package / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        monkeypatch.syspath_prepend(str(tmp_path))
        packages.append(generated.package)
        return importlib.import_module(generated.package)

    yield make
    for module in [m for m in sys.modules if m.split(".")[0] in packages]:
        del sys.modules[module]


class Recorder:
    """Records each hook call as (hook, message) on a queue the test awaits with a bound."""

    def __init__(self) -> None:
        self.calls: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("on_"):
            raise AttributeError(name)

        async def hook(message: Any) -> None:
            await self.calls.put((name, message))

        return hook


def recording(handlers_class: type) -> tuple[Any, asyncio.Queue[tuple[str, Any]]]:
    """An instance of the generated handlers class whose message hooks record their calls."""
    recorder = Recorder()
    hooks = {name: getattr(recorder, name) for name in vars(handlers_class) if name.startswith("on_")}
    handlers = type("Recording", (handlers_class,), {n: _bound(f) for n, f in hooks.items()})()
    return handlers, recorder.calls


def _bound(hook: Any) -> Any:
    async def method(self: Any, message: Any) -> None:
        await hook(message)

    return method


async def deliveries(module: ModuleType, api: ir.Api, frames: list[Any]) -> list[tuple[str, Any]]:
    """Send ``frames`` from the local server to a connected client; the hooks they reached."""
    client_class = next(v for k, v in vars(module).items() if k.endswith("Client") and k != "Client")
    handlers_class = next(v for k, v in vars(module).items() if k.endswith("Handlers"))
    handlers, calls = recording(handlers_class)
    got = []
    async with asyncio.timeout(10), SpecServer(api) as server:
        async with client_class.connect(url=server.url, handlers=handlers):
            await server.wait_for(lambda: server.open_connections == 1)
            for frame in frames:
                await server.send_raw(json.dumps(frame))
                got.append(await calls.get())
    return got


# -- 1. ambiguity: runtime discrimination -------------------------------------------------


def test_messages_no_field_tells_apart_form_one_group_most_specific_first() -> None:
    api, diagnostics = load("ambiguous.yml")
    warnings = [d for d in diagnostics.items if d.code == "NOVA107"]
    assert len(warnings) == 1  # one for the group, not one per pair
    assert warnings[0].severity == "warning"
    assert "'chat', 'note', 'anything'" in warnings[0].message
    assert not diagnostics.has_errors
    # Two required fields, then one, then none: the order the dispatcher tries them in.
    assert [(e.name, e.by_validation) for e in api.events] == [
        ("chat", True), ("note", True), ("anything", True),
    ]


def test_the_order_ranks_required_fields_then_constants_then_value_sets(tmp_path: Path) -> None:
    doc = (DOCS / "ambiguous.yml").read_text().replace(
        "      anything: {payload: {type: object}}\n",
        "      anything: {payload: {type: object}}\n"
        "      tagged: {payload: {type: object, properties: {kind: {const: t}, text: {type: string}}}}\n"
        "      kinded: {payload: {type: object, required: [kind], properties: {kind: {enum: [a, b]}}}}\n",
    ).replace(
        "      - {$ref: '#/channels/feed/messages/anything'}\n",
        "      - {$ref: '#/channels/feed/messages/anything'}\n"
        "      - {$ref: '#/channels/feed/messages/tagged'}\n"
        "      - {$ref: '#/channels/feed/messages/kinded'}\n",
    )
    (tmp_path / "doc.yml").write_text(doc)
    api, diagnostics = load("doc.yml", tmp_path)
    # kinded: 1 required + a value set; note: 1 required; tagged: 0 required, a constant.
    assert [e.name for e in api.events] == ["chat", "kinded", "note", "tagged", "anything"]
    assert [d.code for d in diagnostics.items] == ["NOVA107"]


def test_x_nova_when_makes_dispatch_exact(tmp_path: Path) -> None:
    doc = (DOCS / "ambiguous.yml").read_text()
    doc = doc.replace("      anything: {payload: {type: object}}",
                      "      anything: {x-nova-when: {absent: [/text]}, payload: {type: object}}")
    doc = doc.replace("      note:\n", "      note:\n        x-nova-when: {present: [/text], absent: [/user]}\n")
    doc = doc.replace("      chat:\n", "      chat:\n        x-nova-when: {present: [/text, /user]}\n")
    (tmp_path / "doc.yml").write_text(doc)
    api, diagnostics = load("doc.yml", tmp_path)
    assert diagnostics.items == []
    assert [(e.name, e.by_validation) for e in api.events] == [
        ("anything", False), ("note", False), ("chat", False),
    ]


def test_an_overlay_makes_dispatch_exact(tmp_path: Path) -> None:
    (tmp_path / "doc.yml").write_text((DOCS / "ambiguous.yml").read_text())
    (tmp_path / "doc.nova.yaml").write_text(
        "messages:\n"
        "  anything: {when: {equals: {/kind: any}}}\n"
        "  note: {when: {equals: {/kind: note}}}\n"
        "  chat: {when: {in: {/kind: [chat, dm]}}}\n"
    )
    api, diagnostics = load("doc.yml", tmp_path)
    assert diagnostics.items == []
    assert not any(e.by_validation for e in api.events)
    assert api.events[2].when == p.Match(one_of=(("/kind", ("chat", "dm")),))


async def test_the_client_delivers_the_first_message_whose_payload_validates(client_of: Any) -> None:
    module = client_of(DOCS / "ambiguous.yml")
    api, _ = load("ambiguous.yml")
    frames = [{"user": "ann", "text": "hi"}, {"text": "memo"}, {"text": 5}, {"user": "bob"}]
    got = await deliveries(module, api, frames)
    assert [(hook, type(message).__name__) for hook, message in got] == [
        ("on_chat", "Chat"), ("on_note", "Note"), ("on_anything", "Anything"), ("on_anything", "Anything"),
    ]
    assert (got[0][1].user, got[0][1].text, got[1][1].text) == ("ann", "hi", "memo")


def event(name: str, when: p.Match, model: Any) -> p.EventSpec[Any]:
    return p.EventSpec(name=name, when=when, payload="", parse=TypeAdapter(model).validate_python, hook=f"on_{name}")


def dispatcher(*events: p.EventSpec[Any]) -> Dispatcher:
    protocol = p.Protocol(
        name="t", servers={}, default_server=None, envelope=p.Envelope(), requests={}, channels=(),
        subscribe_methods={}, events=events, heartbeat=p.Heartbeat(), auth=None, reconnect=p.ReconnectPolicy(),
    )
    return Dispatcher(protocol, Correlator(), Subscriptions(protocol))


def test_the_dispatcher_tries_matching_events_in_order_and_reports_the_first_error() -> None:
    d = dispatcher(event("number", p.Match(), int), event("text", p.Match(), str))
    first = d.receive('"abc"')
    assert isinstance(first, Event) and (first.spec.name, first.message) == ("text", "abc")
    second = d.receive("7")
    assert isinstance(second, Event) and second.spec.name == "number"
    bad = d.receive("[1]")  # neither validates: malformed, with the first candidate's error
    assert isinstance(bad, Malformed) and bad.error.reason.startswith("event 'number': invalid payload")


# -- 2. value sets ----------------------------------------------------------------------------


def test_enum_and_one_of_constants_tell_messages_apart() -> None:
    api, diagnostics = load("value-sets.yml")
    assert diagnostics.items == []
    assert {e.name: e.when for e in api.events} == {
        "stream": p.Match(one_of=(("/type", ("trades", "orders")),)),
        "keepalive": p.Match(equals=(("/type", "ka"),)),
        "order": p.Match(one_of=(("/type", ("order_new", "order_cancel")),)),
        "trade": p.Match(equals=(("/type", "trade"),)),
    }
    assert not any(e.by_validation for e in api.events)


def test_overlapping_value_sets_are_still_a_group(tmp_path: Path) -> None:
    doc = (DOCS / "value-sets.yml").read_text().replace("const: ka", "const: orders")
    (tmp_path / "doc.yml").write_text(doc)
    _, diagnostics = load("doc.yml", tmp_path)
    (warning,) = [d for d in diagnostics.items if d.code == "NOVA107"]
    assert "'stream', 'keepalive'" in warning.message


async def test_the_client_routes_by_value_sets(client_of: Any) -> None:
    module = client_of(DOCS / "value-sets.yml")
    api, _ = load("value-sets.yml")
    frames = [{"type": "orders", "data": []}, {"type": "order_cancel", "id": 3}, {"type": "ka"},
              {"type": "trade", "price": 1.5}, {"type": "trades", "data": [1]}]
    got = await deliveries(module, api, frames)
    assert [hook for hook, _ in got] == ["on_stream", "on_order", "on_keepalive", "on_trade", "on_stream"]


@pytest.mark.parametrize(("when", "frame", "expected"), [
    ({"in": {"/t": ["a", "b"]}}, {"t": "b"}, True),
    ({"in": {"/t": ["a", "b"]}}, {"t": "c"}, False),
    ({"in": {"/t": ["a", "b"]}}, {}, False),
    ({"in": {"/t": [1]}}, {"t": True}, False),  # JSON: true is not 1
    ({"not": {"/t": ["a"]}}, {"t": "b"}, True),
    ({"not": {"/t": ["a"]}}, {}, True),
    ({"not": {"/t": ["a"]}}, {"t": "a"}, False),
    ({"equals": {"/k": 1}, "not": {"/t": ["a"]}}, {"k": 1, "t": "a"}, False),
])
def test_when_in_and_not(when: dict[str, Any], frame: Any, expected: bool) -> None:
    assert compile_match(match_from(when))(frame) is expected


@pytest.mark.parametrize(("a", "b", "apart"), [
    ({"in": {"/t": ["a", "b"]}}, {"equals": {"/t": "c"}}, True),
    ({"in": {"/t": ["a", "b"]}}, {"equals": {"/t": "b"}}, False),
    ({"in": {"/t": ["a", "b"]}}, {"in": {"/t": ["c", "d"]}}, True),
    ({"in": {"/t": ["a", "b"]}}, {"not": {"/t": ["a", "b"]}}, True),
    ({"in": {"/t": ["a", "b"]}}, {"not": {"/t": ["a"]}}, False),
    ({"equals": {"/t": "a"}}, {"not": {"/t": ["a"]}}, True),
    ({"not": {"/t": ["a"]}}, {"not": {"/t": ["b"]}}, False),
])
def test_disjoint_with_value_sets(a: dict[str, Any], b: dict[str, Any], apart: bool) -> None:
    assert disjoint(match_from(a), match_from(b)) is apart
    assert disjoint(match_from(b), match_from(a)) is apart


def test_a_nova_spec_accepts_in_and_not(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "nova: 1\nname: sets\nservers: {local: {url: 'ws://127.0.0.1:1'}}\nenvelope: {preset: jsonrpc2}\n"
        "events:\n"
        "  data: {when: {in: {/type: [trades, orders]}, absent: [/method]}, payload: '', message: {type: object}}\n"
        "  other: {when: {not: {/type: [trades, orders]}, present: [/type], absent: [/method]}, payload: '',"
        " message: {type: object}}\n"
    )
    api, diagnostics = load("spec.yaml", tmp_path)
    assert not diagnostics.has_errors, [d.format() for d in diagnostics.items]
    assert [e.when for e in api.events] == [
        p.Match(absent=("/method",), one_of=(("/type", ("trades", "orders")),)),
        p.Match(present=("/type",), absent=("/method",), none_of=(("/type", ("trades", "orders")),)),
    ]


# -- 3. correlated replies --------------------------------------------------------------------


def test_correlated_replies_never_need_to_look_different() -> None:
    api, diagnostics = load("jsonrpc-replies.yml")
    assert not diagnostics.has_errors, [d.format() for d in diagnostics.items]
    assert "NOVA107" not in {d.code for d in diagnostics.items}
    assert api.events == ()  # the replies are results, not events
    assert [(r.name, r.correlated, r.result) for r in api.requests] == [
        ("get_time", True, {"$ref": "#/$defs/Time"}), ("get_name", True, {"$ref": "#/$defs/Name"}),
    ]


async def test_alike_replies_reach_their_calls_by_id(client_of: Any) -> None:
    module = client_of(DOCS / "jsonrpc-replies.yml")
    api, _ = load("jsonrpc-replies.yml")
    async with asyncio.timeout(10), SpecServer(api) as server:
        async with module.JsonRpcRepliesClient.connect(url=server.url) as client:
            time, name = await asyncio.gather(client.get_time(), client.get_name())
    assert (type(time).__name__, time.result, type(name).__name__, name.result) == ("Time", 1700000000, "Name", "nova")


def test_with_the_jsonrpc_preset_methods_take_params_and_return_the_result() -> None:
    api, diagnostics = load("jsonrpc-preset.yml")
    assert diagnostics.items == []
    assert api.events == ()
    add, greet = api.requests
    assert [(prm.name, prm.required) for prm in add.params] == [("a", True), ("b", True)]
    assert (add.result, greet.result) == ({"type": "integer"}, {"$ref": "#/$defs/Salutation"})
    assert (add.examples[0].params, add.examples[0].result) == ({"a": 1, "b": 2}, 3)


async def test_with_the_jsonrpc_preset_alike_replies_reach_their_calls(client_of: Any) -> None:
    module = client_of(DOCS / "jsonrpc-preset.yml")
    api, _ = load("jsonrpc-preset.yml")
    async with asyncio.timeout(10), SpecServer(api) as server:
        async with module.JsonRpcPresetClient.connect(url=server.url) as client:
            total, greeting = await asyncio.gather(client.add(a=1, b=2), client.greet(name="nova"))
        (sent,) = server.requests_of("add")
    assert (total, type(greeting).__name__, greeting.text) == (3, "Salutation", "hello nova")
    assert isinstance(sent.pop("id"), int)
    assert sent == {"jsonrpc": "2.0", "method": "add", "params": {"a": 1, "b": 2}}  # a JSON-RPC 2.0 frame


def test_a_correlated_reply_the_server_also_sends_unasked_stays_an_event(tmp_path: Path) -> None:
    doc = (DOCS / "jsonrpc-replies.yml").read_text() + (
        "  announceTime:\n"
        "    action: send\n"
        "    channel: {$ref: '#/channels/rpc'}\n"
        "    messages: [{$ref: '#/channels/rpc/messages/time'}]\n"
    )
    (tmp_path / "doc.yml").write_text(doc)
    api, diagnostics = load("doc.yml", tmp_path)
    assert not diagnostics.has_errors
    assert [e.name for e in api.events] == ["time"]
