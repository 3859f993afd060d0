"""Issue 11, kind 6 and "class names stay meaningful": one schema gives one class, reached
by every path (a method's parameter type is the class its params model holds), named by
where it sits (no ``Subscription2``), structurally equal schemas share a class, and the
result does not depend on anything but the document."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from nova_gen.diagnostics import Diagnostics
from nova_gen.loader import load_api
from nova_gen.testing import SpecServer

from .building import build, emit, one_channel, write

# The example: a sent message with a nested inline object, plus two received
# messages that each carry an equal inline `channel` object and one that differs.
DOC = one_channel("Nested") + """      subscribe:
        payload:
          type: object
          properties:
            event: {const: subscribe}
            subscription:
              type: object
              required: [name]
              properties:
                name: {type: string}
                depth: {type: integer}
      joined:
        payload:
          type: object
          properties:
            event: {const: joined}
            channel: {type: object, properties: {id: {type: string}, name: {type: string}}}
      left:
        payload:
          type: object
          properties:
            event: {const: left}
            channel: {type: object, properties: {id: {type: string}, name: {type: string}}}
      renamed:
        payload:
          type: object
          properties:
            event: {const: renamed}
            channel: {type: object, properties: {id: {type: string}, title: {type: string}}}
            members: {type: array, items: {type: object, properties: {id: {type: string}}}}
operations:
  subscribe:
    action: receive
    channel: {$ref: '#/channels/root'}
    messages: [{$ref: '#/channels/root/messages/subscribe'}]
  events:
    action: send
    channel: {$ref: '#/channels/root'}
    messages:
      - {$ref: '#/channels/root/messages/joined'}
      - {$ref: '#/channels/root/messages/left'}
      - {$ref: '#/channels/root/messages/renamed'}
"""


def classes(source: str) -> list[str]:
    return re.findall(r"^class (\w+)\(", source, re.MULTILINE)


async def test_the_parameter_type_is_the_class_the_params_model_holds(tmp_path: Path) -> None:
    spec = write(tmp_path, {"nested.yaml": DOC})
    with build(spec, tmp_path / "out") as package:
        models = package.models
        assert models.SubscribeParams.model_fields["subscription"].annotation == (models.SubscribeSubscription | None)
        async with asyncio.timeout(10), SpecServer(load_api(spec, Diagnostics(), tmp_path)) as server:
            async with package.NestedClient.connect(url=server.url) as client:
                await client.subscribe(subscription=models.SubscribeSubscription(name="ticker", depth=10))
                await server.wait_for(lambda: bool(server.received))
    assert server.received == [{"event": "subscribe", "subscription": {"name": "ticker", "depth": 10}}]


def test_classes_are_named_by_path_and_equal_schemas_share_one(tmp_path: Path) -> None:
    spec = write(tmp_path, {"nested.yaml": DOC})
    emit(spec, tmp_path / "a")
    emit(spec, tmp_path / "b")
    source = (tmp_path / "a" / "nested" / "models.py").read_text(encoding="utf-8")
    assert source == (tmp_path / "b" / "nested" / "models.py").read_text(encoding="utf-8")
    assert sorted(classes(source)) == [
        "Joined", "JoinedChannel", "Left", "Renamed", "RenamedChannel", "RenamedMembersItem",
        "SubscribeParams", "SubscribeSubscription",
    ]
    assert "    channel: JoinedChannel | None = None" in source.split("class Left(")[1]  # one class, two paths


# Binance's `id` (openxapi's streams document): a union whose string member has a constraint.
UNIONS = one_channel("Unions") + """      tick:
        payload:
          type: object
          properties:
            type: {const: tick}
            id: {$ref: '#/components/schemas/id'}
            size:
              anyOf:
                - {type: integer, minimum: 1}
                - {type: string, pattern: '^[0-9]+$'}
                - {type: string, enum: [all, none]}
operations:
  onTick: {action: send, channel: {$ref: '#/channels/root'}}
components:
  schemas:
    id:
      oneOf:
        - {type: integer, format: int64}
        - {type: string, maxLength: 36}
        - {type: 'null'}
"""


def aliases(source: str) -> list[str]:
    return re.findall(r"^(\w+) = TypeAliasType\(", source, re.MULTILINE)


def test_constrained_scalars_of_a_union_are_named_by_their_type(tmp_path: Path) -> None:
    """datamodel-code-generator aliases a constrained member of a union as ``Id1``; it is
    named by its type instead (the enum member stays a ``Literal``), and still validates."""
    spec = write(tmp_path, {"unions.yaml": UNIONS})
    with build(spec, tmp_path / "out") as package:
        source = Path(package.models.__file__).read_text(encoding="utf-8")
        assert sorted(aliases(source)) == ["Id", "IdString", "TickSizeInteger", "TickSizeString"]
        assert "Id = TypeAliasType(\"Id\", int | IdString | None)" in source
        tick = package.models.Tick.model_validate({"type": "tick", "id": "abc", "size": "12"})
        assert (tick.id, tick.size) == ("abc", "12")
        with pytest.raises(ValueError):
            package.models.Tick.model_validate({"type": "tick", "id": "x" * 37})


def test_committed_examples_have_no_numbered_inline_classes() -> None:
    root = Path(__file__).resolve().parents[2] / "generated_examples"
    numbered = {
        f"{path.parent.name}.{name}"
        for path in root.rglob("models.py")
        for name in classes(path.read_text(encoding="utf-8"))
        if re.search(r"[a-z]\d+$", name)
    }
    assert numbered == {"okx.Book5"}  # named so in its spec (`Book5`, the 5-level book)
