"""Terse wire fields get readable Python names (x-nova-name); decimal strings stay exact."""

from __future__ import annotations

import importlib
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from nova_gen.diagnostics import Diagnostics, SpecError
from nova_gen.output import write
from nova_gen.pipeline import generate
from nova_gen.render import RenderOptions

SPEC = """\
nova: 1
name: terse
servers: { local: { url: "ws://127.0.0.1:9000" } }
envelope: { request: { id: /id, method: /method, params: /params } }
events:
  trade:
    when: { equals: { /e: trade } }
    message: { $ref: "#/schemas/Trade" }
schemas:
  Trade:
    type: object
    required: [e, E, p, q]
    properties:
      e: { const: trade, x-nova-name: event_type }
      E: { type: integer, x-nova-name: event_time }
      p: { type: string, format: decimal, x-nova-name: price }
      q: { type: string, format: decimal, x-nova-name: quantity }
"""


def build(tmp_path: Path, text: str) -> Path:
    spec = tmp_path / "terse.yaml"
    spec.write_text(textwrap.dedent(text), encoding="utf-8")
    generated = generate(spec, RenderOptions(), Diagnostics(), base=tmp_path)
    write(tmp_path / "out" / generated.package, generated.files)
    return tmp_path / "out"


def test_readable_names_and_exact_decimals(tmp_path: Path) -> None:
    out = build(tmp_path, SPEC)
    sys.path.insert(0, str(out))
    try:
        models = importlib.import_module("terse.models")
        trade = models.Trade.model_validate_json('{"e":"trade","E":1700000000000,"p":"0.10000001","q":"3"}')
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == "terse" or m.startswith("terse.")]:
            del sys.modules[name]
    assert trade.event_type == "trade"
    assert trade.event_time == 1700000000000
    assert trade.price == Decimal("0.10000001")
    assert trade.quantity == Decimal("3")
    assert trade.model_dump(by_alias=True, mode="json")["p"] == "0.10000001"


def test_a_python_name_that_collides_is_a_diagnostic(tmp_path: Path) -> None:
    diagnostics = Diagnostics()
    spec = tmp_path / "terse.yaml"
    spec.write_text(SPEC.replace("x-nova-name: quantity", "x-nova-name: price"), encoding="utf-8")
    with pytest.raises(SpecError):
        generate(spec, RenderOptions(), diagnostics, base=tmp_path)
    assert [d.code for d in diagnostics.items] == ["NOVA021"]
    assert "price" in diagnostics.items[0].message


def test_a_keyword_python_name_is_suffixed_with_a_warning(tmp_path: Path) -> None:
    diagnostics = Diagnostics()
    spec = tmp_path / "terse.yaml"
    spec.write_text(SPEC.replace("x-nova-name: quantity", "x-nova-name: lambda"), encoding="utf-8")
    files = generate(spec, RenderOptions(), diagnostics, base=tmp_path).files
    assert [d.code for d in diagnostics.items] == ["NOVA070"]
    assert "lambda_: " in files["models.py"]


def test_a_python_name_that_is_not_snake_case_is_a_diagnostic(tmp_path: Path) -> None:
    diagnostics = Diagnostics()
    spec = tmp_path / "terse.yaml"
    spec.write_text(SPEC.replace("x-nova-name: quantity", "x-nova-name: Quantity"), encoding="utf-8")
    with pytest.raises(SpecError):
        generate(spec, RenderOptions(), diagnostics, base=tmp_path)
    assert [d.code for d in diagnostics.items] == ["NOVA022"]


def test_x_nova_name_beside_a_ref_is_honoured(tmp_path: Path) -> None:
    text = SPEC.replace(
        "      q: { type: string, format: decimal, x-nova-name: quantity }\n",
        '      q: { $ref: "#/schemas/Qty", x-nova-name: quantity }\n',
    ) + "  Qty: { type: string, format: decimal }\n"
    out = build(tmp_path, text)
    source = (out / "terse" / "models.py").read_text("utf-8")
    assert 'quantity: Qty = Field(..., alias="q")' in source
