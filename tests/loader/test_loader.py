"""Loader: positions, cross-file $ref with identity kept, circular schemas, presets."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from nova_gen.diagnostics import Diagnostics, SpecError
from nova_gen.loader import load_api
from nova_gen.loader.source import load_document
from nova_gen.planner import plan

BASE = """\
nova: 1
name: demo
servers: {{ local: {{ url: "ws://127.0.0.1:9000" }} }}
envelope: {{ preset: jsonrpc2 }}
{rest}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_positions_point_at_values_and_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", "a: 1\nb:\n  c: [x, {d: y}]\n")
    doc = load_document(path, "a.yaml", Diagnostics())
    assert doc is not None
    assert doc.data == {"a": 1, "b": {"c": ["x", {"d": "y"}]}}
    assert str(doc.source.position("/b/c/1/d")) == "a.yaml:3:14"
    assert str(doc.source.position("/b/c", key=True)) == "a.yaml:3:3"
    # A pointer that does not exist falls back to its nearest ancestor.
    assert str(doc.source.position("/b/c/1/zzz")) == "a.yaml:3:10"


def test_ref_to_another_file_keeps_identity(tmp_path: Path) -> None:
    write(
        tmp_path,
        "common/types.yaml",
        """
        schemas:
          Price: { type: object, properties: { value: { type: number } } }
          Quote:
            type: object
            properties:
              bid: { $ref: "#/schemas/Price" }
              ask: { $ref: "#/schemas/Price" }
        """,
    )
    spec = write(
        tmp_path,
        "spec.yaml",
        BASE.format(
            rest="""\
requests:
  quote:
    method: get_quote
    result: { $ref: "common/types.yaml#/schemas/Quote" }
  price:
    method: get_price
    result: { $ref: "./common/types.yaml#/schemas/Price" }
"""
        ),
    )
    api = load_api(spec, base=tmp_path)
    # One schema reached by two paths (directly and through Quote) is one named schema.
    assert sorted(api.schemas) == ["Price", "Quote"]
    assert api.schemas["Quote"]["properties"]["bid"] == {"$ref": "#/$defs/Price"}
    assert api.request("price").result == {"$ref": "#/$defs/Price"}
    planned = plan(api, Diagnostics())
    assert [r.result for r in planned.requests] == ["models.Quote", "models.Price"]


def test_circular_schemas_are_fine(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        "spec.yaml",
        BASE.format(
            rest="""\
requests:
  tree: { method: get_tree, result: { $ref: "#/schemas/Node" } }
schemas:
  Node:
    type: object
    properties:
      children: { type: array, items: { $ref: "#/schemas/Node" } }
"""
        ),
    )
    api = load_api(spec, base=tmp_path)
    assert api.schemas["Node"]["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}


def test_jsonrpc2_preset_and_override(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        "spec.yaml",
        BASE.format(rest="").replace(
            "envelope: { preset: jsonrpc2 }",
            "envelope:\n  preset: jsonrpc2\n  request: { id: /id, method: /method, params: /params, id_kind: uuid }",
        ),
    )
    api = load_api(spec, base=tmp_path)
    assert api.envelope.template == {"jsonrpc": "2.0"}
    assert api.envelope.request.id_kind == "uuid"
    assert api.envelope.notification is not None
    assert api.envelope.notification.channel == "/params/channel"


def test_missing_spec_file_is_a_diagnostic(tmp_path: Path) -> None:
    diagnostics = Diagnostics()
    with pytest.raises(SpecError):
        load_api(tmp_path / "nope.yaml", diagnostics)
    assert [d.code for d in diagnostics.items] == ["NOVA011"]


def test_deribit_spec_loads_completely() -> None:
    api = load_api(Path(__file__).resolve().parents[2] / "specs" / "deribit.yaml")
    methods = {r.method for r in api.requests}
    for method in (
        "public/auth",
        "public/get_time",
        "public/test",
        "public/hello",
        "public/set_heartbeat",
        "public/disable_heartbeat",
        "public/get_instruments",
        "public/get_order_book",
        "public/ticker",
        "public/subscribe",
        "public/unsubscribe",
        "private/subscribe",
        "private/unsubscribe",
        "private/get_account_summary",
        "private/buy",
        "private/sell",
        "private/cancel",
        "private/get_open_orders_by_instrument",
    ):
        assert method in methods
    addresses = {c.address for c in api.channels}
    for address in (
        "ticker.{instrument_name}.{interval}",
        "book.{instrument_name}.{interval}",
        "trades.{instrument_name}.{interval}",
        "deribit_price_index.{index_name}",
        "user.orders.{instrument_name}.{interval}",
        "user.trades.{instrument_name}.{interval}",
        "user.portfolio.{currency}",
    ):
        assert address in addresses
    codes = {e.code: e.name for e in api.errors}
    assert codes[10028] == "too_many_requests"
    assert codes[13004] == "invalid_credentials"
    assert codes[13009] == "unauthorized"
    assert api.heartbeat.server_pings[0].reply.request == "public/test"
    assert all(r.examples for r in api.requests)
    assert all(c.examples for c in api.channels)


def test_hello_and_connection_limit(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        "spec.yaml",
        BASE.format(
            rest="""\
hello: { when: { equals: { /op: 10 } }, heartbeat_interval: /d/heartbeat_interval, interval_unit: ms }
rate_limit: { rate: 5, burst: 10, connections: { rate: 1, burst: 300 } }
"""
        ),
    )
    api = load_api(spec, base=tmp_path)
    assert api.hello is not None
    assert api.hello.when.equals == (("/op", 10),)
    assert api.hello.interval_scale == 0.001
    assert api.rate_limit is not None
    assert (api.rate_limit.connect_rate, api.rate_limit.connect_burst) == (1, 300)
