"""``ir.LazyMapping``: what only ``nova-gen breaking`` reads is built when first read."""

from __future__ import annotations

from pathlib import Path

from nova_gen import ir
from nova_gen.diagnostics import Diagnostics
from nova_gen.loader import load_api

ROOT = Path(__file__).resolve().parents[2]


def test_built_once_on_first_read_and_equal_to_its_items() -> None:
    calls: list[int] = []

    def build() -> dict[str, int]:
        calls.append(1)
        return {"a": 1}

    lazy = ir.LazyMapping(build)
    assert calls == []
    assert lazy["a"] == 1 and list(lazy) == ["a"] and len(lazy) == 1
    assert lazy == {"a": 1} and repr(lazy) == "{'a': 1}"
    assert calls == [1]


def test_schema_nodes_of_a_spec_are_read_when_asked() -> None:
    api = load_api(ROOT / "specs" / "deribit.yaml", Diagnostics(), base=ROOT)
    assert isinstance(api.schema_nodes, ir.LazyMapping)
    ticker = api.schema_nodes["Ticker"]
    assert ticker[""].line == api.schema_locations["Ticker"].line
    assert "/properties/mark_price" in ticker
