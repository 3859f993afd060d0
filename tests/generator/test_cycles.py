"""``$ref`` cycles: through a property or an item they are recursive models that generate,
type-check and validate recursive data from a real server; with nothing in between (a
schema that is only "the same value as" itself) they are NOVA064 with the cycle's path."""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mypy import api as mypy_api

from nova_gen.diagnostics import Diagnostics
from nova_gen.loader import load_api
from nova_gen.output import write
from nova_gen.pipeline import generate
from nova_gen.render import RenderOptions
from nova_gen.testing import SpecServer

from .conftest import BASE, diagnose, mutate, write_files

RESULT_A = 'requests:\n  cyc:\n    method: cyc\n    result: { $ref: "#/schemas/A" }\n'


def with_schemas(schemas: str) -> str:
    return mutate("requests:\n", RESULT_A, BASE) + schemas


ASYNCAPI = """asyncapi: 3.0.0
info: {title: Test, version: '1'}
servers: {prod: {host: example.com, protocol: wss}}
channels: {root: {address: /, messages: {pong: {payload: {$ref: '#/components/schemas/A'}}}}}
operations:
  getPong: {action: send, channel: {$ref: '#/channels/root'}, messages: [{$ref: '#/channels/root/messages/pong'}]}
components:
"""

CYCLES = {
    "self": (with_schemas("  A: { $ref: @@'#/schemas/A' }\n"), "A -> A"),
    "two": (with_schemas("  A: { $ref: '#/schemas/B' }\n  B: { $ref: @@'#/schemas/A' }\n"), "A -> B -> A"),
    "three": (
        with_schemas("  A: { $ref: '#/schemas/B' }\n  B: { $ref: '#/schemas/C' }\n  C: { $ref: @@'#/schemas/A' }\n"),
        "A -> B -> C -> A",
    ),
    "all-of": (
        with_schemas("  A: { type: object, allOf: [{ $ref: '#/schemas/B' }] }\n"
                     "  B: { type: object, allOf: [{ $ref: @@'#/schemas/A' }] }\n"),
        "A -> B -> A",
    ),
    "union": (
        with_schemas("  A: { oneOf: [{ $ref: '#/schemas/B' }, { type: string }] }\n"
                     "  B: { anyOf: [{ type: integer }, { $ref: @@'#/schemas/A' }] }\n"),
        "A -> B -> A",
    ),
    "not-if-then": (
        with_schemas("  A: { if: { type: string }, then: { $ref: '#/schemas/B' } }\n"
                     "  B: { not: { $ref: @@'#/schemas/A' } }\n"),
        "A -> B -> A",
    ),
    "asyncapi-schemas": (
        ASYNCAPI + "  schemas:\n    A: {$ref: '#/components/schemas/B'}\n    B: {$ref: @@'#/components/schemas/A'}\n",
        "#/components/schemas/A -> #/components/schemas/B -> #/components/schemas/A",
    ),
    "asyncapi-messages": (
        ASYNCAPI.replace("pong: {payload: {$ref: '#/components/schemas/A'}}", "pong: {$ref: '#/components/messages/M'}")
        + "  messages:\n    M: {$ref: '#/components/messages/N'}\n    N: {$ref: @@'#/components/messages/M'}\n",
        "#/components/messages/M -> #/components/messages/N -> #/components/messages/M",
    ),
    "asyncapi-channel-self": (
        ASYNCAPI.replace("channel: {$ref: '#/channels/root'}, messages: [{$ref: '#/channels/root/messages/pong'}]",
                         "channel: {$ref: '#/components/channels/C'}, messages: []", 1)
        + "  channels:\n    C: {$ref: @@'#/components/channels/C'}\n",
        "#/components/channels/C -> #/components/channels/C",
    ),
}


@pytest.mark.parametrize("case", CYCLES, ids=str)
def test_a_cycle_with_nothing_in_between_is_a_diagnostic(case: str, in_tmp: Path) -> None:
    text, path = CYCLES[case]
    where = write_files(in_tmp, {"spec.yaml": text})
    assert where is not None
    found = [d for d in diagnose(in_tmp / "spec.yaml").items if d.severity == "error"]
    assert [(d.code, str(d.position)) for d in found] == [("NOVA064", f"spec.yaml:{where.line}:{where.column}")], [
        d.format() for d in found
    ]
    assert found[0].message.endswith(": " + path)


def test_a_cycle_across_files(in_tmp: Path) -> None:
    where = write_files(
        in_tmp,
        {
            "spec.yaml": with_schemas("  A: { $ref: 'other.yaml#/B' }\n"),
            "other.yaml": "B: { $ref: @@'spec.yaml#/schemas/A' }\n",
        },
    )
    assert where is not None
    found = diagnose(in_tmp / "spec.yaml").items
    assert [(d.code, str(d.position)) for d in found] == [("NOVA064", f"other.yaml:{where.line}:{where.column}")]
    assert found[0].message.endswith(": A -> B -> A")


def test_the_generator_reports_it_too(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from nova_gen.cli import main

    write_files(in_tmp, {"spec.yaml": CYCLES["two"][0].replace("@@", "")})
    assert main(["spec.yaml", "-o", "out"]) == 2
    err = capsys.readouterr().err
    assert "error NOVA064: $ref cycle with no property or item in between: A -> B -> A" in err
    assert "Traceback" not in err and not (in_tmp / "out").exists()


# -- recursion through a property or an item is a recursive model ------------------------------

RECURSIVE = """\
nova: 1
name: recursive_models
servers: { local: { url: "ws://127.0.0.1:9/ws" } }
envelope: { preset: jsonrpc2 }
requests:
  tree:
    method: get_tree
    result: { $ref: "#/schemas/Node" }
    examples:
      - params: {}
        result: { name: root, children: [{ name: a, children: [{ name: b, children: [{ name: c }] }] }, { name: d }] }
  chain:
    method: get_chain
    result: { $ref: "#/schemas/Link" }
    examples:
      - params: {}
        result: { value: 1, next: { value: 2, next: { value: 3 } } }
  pair:
    method: get_pair
    result: { $ref: "#/schemas/Left" }
    examples:
      - params: {}
        result: { right: { left: { right: { label: end } } } }
  nested:
    method: get_nested
    result: { $ref: "#/schemas/Nested" }
    examples:
      - params: {}
        result: [[[], [[]]], []]
  expr:
    method: get_expr
    result: { $ref: "#/schemas/Expr" }
    examples:
      - params: {}
        result: { op: add, args: [1, { op: neg, args: [2] }] }
schemas:
  Node:
    type: object
    required: [name]
    properties:
      name: { type: string }
      children: { type: array, items: { $ref: "#/schemas/Node" } }
  Link:
    type: object
    required: [value]
    properties:
      value: { type: integer }
      next: { $ref: "#/schemas/Link" }
  Left:
    type: object
    properties: { right: { $ref: "#/schemas/Right" } }
  Right:
    type: object
    properties:
      left: { $ref: "#/schemas/Left" }
      label: { type: string }
  Nested: { type: array, items: { $ref: "#/schemas/Nested" } }
  Expr:
    oneOf:
      - { type: integer }
      - { $ref: "#/schemas/Call" }
  Call:
    type: object
    required: [op, args]
    properties:
      op: { type: string }
      args: { type: array, items: { $ref: "#/schemas/Expr" } }
"""


@pytest.fixture(scope="module")
def recursive_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("recursive")
    spec = folder / "recursive.yaml"
    spec.write_text(RECURSIVE, encoding="utf-8")
    generated = generate(spec, RenderOptions(), Diagnostics(), base=folder)
    write(folder / "out" / generated.package, generated.files)
    sys.path.insert(0, str(folder / "out"))
    yield folder / "out"
    sys.path.remove(str(folder / "out"))
    for name in [m for m in sys.modules if m.split(".")[0] == "recursive_models"]:
        del sys.modules[name]


def test_recursive_models_pass_mypy_strict(recursive_package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(recursive_package)
    out, err, status = mypy_api.run(["--strict", "--no-incremental", "--cache-dir", os.devnull, "recursive_models"])
    assert status == 0, out + err


async def test_recursive_data_from_a_real_server(recursive_package: Path) -> None:
    package: Any = importlib.import_module("recursive_models")
    models: Any = importlib.import_module("recursive_models.models")
    api = load_api(recursive_package.parent / "recursive.yaml")
    async with asyncio.timeout(10), SpecServer(api) as server:
        async with package.RecursiveModelsClient.connect(url=server.url) as client:
            tree = await client.tree()
            chain = await client.chain()
            pair = await client.pair()
            nested = await client.nested()
            expr = await client.expr()
    assert isinstance(tree, models.Node)
    assert tree.children[0].children[0].children[0].name == "c"
    assert isinstance(tree.children[0].children[0].children[0], models.Node)
    assert tree.children[1].children is None
    assert [chain.value, chain.next.value, chain.next.next.value] == [1, 2, 3]
    assert isinstance(chain.next.next, models.Link) and chain.next.next.next is None
    assert isinstance(pair.right.left, models.Left)
    assert pair.right.left.right.label == "end"
    assert nested == [[[], [[]]], []]
    assert isinstance(expr, models.Call) and expr.args[0] == 1
    assert isinstance(expr.args[1], models.Call) and expr.args[1].args == [2]


def test_recursive_models_refuse_bad_data_deep_down(recursive_package: Path) -> None:
    from pydantic import ValidationError

    models: Any = importlib.import_module("recursive_models.models")
    with pytest.raises(ValidationError, match=r"children\.0\.children\.0\.name"):
        models.Node.model_validate({"name": "r", "children": [{"name": "a", "children": [{"name": 5}]}]})


def test_asyncapi_recursive_payload(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = ASYNCAPI.replace("title: Test", "title: Recursive Pong") + (
        "  schemas:\n"
        "    A:\n"
        "      type: object\n"
        "      properties:\n"
        "        type: {const: pong}\n"
        "        children: {type: array, items: {$ref: '#/components/schemas/A'}}\n"
        "        parent: {$ref: '#/components/schemas/B'}\n"
        "    B: {type: object, properties: {child: {$ref: '#/components/schemas/A'}}}\n"
    )
    (in_tmp / "api.yaml").write_text(text, encoding="utf-8")
    generated = generate(in_tmp / "api.yaml", RenderOptions(), Diagnostics(), base=in_tmp)
    write(in_tmp / "out" / generated.package, generated.files)
    monkeypatch.chdir(in_tmp / "out")
    out, err, status = mypy_api.run(["--strict", "--no-incremental", "--cache-dir", os.devnull, generated.package])
    assert status == 0, out + err
    monkeypatch.syspath_prepend(str(in_tmp / "out"))
    models: Any = importlib.import_module(f"{generated.package}.models")
    try:
        value = models.A.model_validate(
            {"type": "pong", "children": [{"type": "pong", "parent": {"child": {"type": "pong"}}}]}
        )
        assert isinstance(value.children[0].parent.child, models.A)
    finally:
        for name in [m for m in sys.modules if m.split(".")[0] == generated.package]:
            del sys.modules[name]
