"""The naming policy, end to end: keywords are escaped, wire names survive as aliases, and the
same spec always gets the same names."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from nova_gen.diagnostics import Diagnostics
from nova_gen.loader import load_api
from nova_gen.naming import (
    Code,
    comment,
    constant_case,
    docstring,
    escape_keyword,
    identifier,
    pascal_case,
    py_identifier,
    py_str,
    snake_case,
    suffixed,
)
from nova_gen.output import write
from nova_gen.pipeline import generate
from nova_gen.planner import plan
from nova_gen.render import RenderOptions
from nova_gen.testing import SpecServer

SPEC = Path(__file__).parent / "naming_spec.yaml"


@pytest.fixture(scope="module")
def kwds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The generated package for naming_spec.yaml, imported."""
    out = tmp_path_factory.mktemp("naming")
    generated = generate(SPEC, RenderOptions(), Diagnostics())
    write(out / generated.package, generated.files)
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module(generated.package)
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == generated.package or m.startswith(generated.package + ".")]:
            del sys.modules[name]


def test_request_keywords_are_escaped(kwds: ModuleType) -> None:
    client = importlib.import_module("kwds.client").KwdsClient
    signature = inspect.signature(client.find)
    assert list(signature.parameters) == ["self", "from_", "class_", "type", "user_name", "timeout"]
    assert all(p.kind is p.KEYWORD_ONLY for name, p in signature.parameters.items() if name != "self")
    assert signature.parameters["from_"].default is inspect.Parameter.empty
    assert signature.parameters["class_"].default is None


async def test_request_sends_wire_names(kwds: ModuleType) -> None:
    client_cls = importlib.import_module("kwds.client").KwdsClient
    async with asyncio.timeout(10), SpecServer(load_api(SPEC)) as server:
        async with client_cls.connect(url=server.url) as client:
            found = await client.find(from_="a", class_=2, type="t", user_name="u")
            await client.find(from_="b")
    assert [params for _, params in server.connection_log(1)] == [
        {"from": "a", "class": 2, "type": "t", "user-name": "u"},
        {"from": "b"},
    ]
    assert [method for method, _ in server.connection_log(1)] == ["public/find"] * 2
    assert found.class_ == "c"  # the reply, parsed into the model with the escaped name


def test_dump_params_uses_wire_names(kwds: ModuleType) -> None:
    models = importlib.import_module("kwds.models")
    dump_params = importlib.import_module("nova_runtime.params").dump_params
    assert dump_params(models.FindParams, {"from": "x", "class": None, "type": "y"}) == {"from": "x", "type": "y"}


def test_model_fields_with_awkward_names_round_trip(kwds: ModuleType) -> None:
    models = importlib.import_module("kwds.models")
    wire = {"class": "k", "json": 1, "model_config": "m", "schema": "s", "copy": True, "dict": "d", "from": "f"}
    weird = models.Weird.model_validate(wire)
    assert weird.model_dump(mode="json", by_alias=True, exclude_unset=True) == wire
    # pydantic's own API still works on the model: fields named like its methods hide nothing
    schema = models.Weird.model_json_schema(by_alias=True)
    assert set(schema["properties"]) == set(wire)
    assert isinstance(models.Weird.model_config, dict)
    assert models.Weird.model_validate_json(weird.model_dump_json(by_alias=True)) == weird


def test_channel_parameters_escaped_and_address_round_trips(kwds: ModuleType) -> None:
    channels = importlib.import_module("kwds.channels")
    protocol = importlib.import_module("kwds._protocol")
    subscriptions = importlib.import_module("nova_runtime.core.subscriptions")
    client = importlib.import_module("kwds.client").KwdsClient
    assert list(inspect.signature(client.subscribe_trades).parameters) == ["self", "from_", "class_"]
    channel = channels.TradesChannel(from_="BTC", class_="spot")
    spec = protocol.TRADES_CHANNEL
    assert subscriptions.Subscriptions.address_of(spec, channel) == "trades.BTC.spot"
    matched = subscriptions.Subscriptions(protocol.PROTOCOL).match_template("trades.BTC.spot")
    assert matched is not None and matched[1] == channel


def test_names_are_deterministic() -> None:
    def planned() -> Any:
        diagnostics = Diagnostics()
        return plan(load_api(SPEC, diagnostics), diagnostics)

    first, second = planned(), planned()
    assert first == second
    assert [r.name for r in first.requests] == ["find", "subscribe"]
    assert list(first.models) == list(second.models)
    assert [p.name for p in first.requests[0].params] == ["from_", "class_", "type", "user_name"]


@pytest.mark.parametrize(
    ("wire", "python"),
    [("from", "from_"), ("class", "class_"), ("type", "type"), ("match", "match_"), ("user-name", "user_name"),
     ("userName", "userName"), ("9lives", "_9lives"), ("ok", "ok")],
)
def test_py_identifier(wire: str, python: str) -> None:
    assert py_identifier(wire) == python
    assert python.isidentifier()


def test_case_helpers() -> None:
    assert snake_case("getInstrumentsV2") == "get_instruments_v2"
    assert pascal_case("ticker_data") == pascal_case("TickerData") == "TickerData"
    assert pascal_case("1x") == "N1x"
    assert pascal_case("1x", prefix="Schema") == "Schema1x" and pascal_case("", prefix="Schema") == "Schema"
    assert constant_case("ticker") == "TICKER"
    assert escape_keyword("None") == "None_"
    assert docstring('a """b""" c\\') == 'a \\"\\"\\"b\\"\\"\\" c\\\\'
    assert docstring('ends with "') == 'ends with " '


@pytest.mark.parametrize(
    ("wire", "python"),
    [("\uff53elf", "self"), ("\ufb01eld", "field"), ("\uff43lose", "close"), ("\U0001d530elf", "self"),
     ("__secret", "_secret"), ("__init__", "__init__"), ("_", "__"), ("\uff49mport", "import_"),
     ("価格", "価格"), ("a b", "a_b")],
)
def test_identifier_is_nfkc_normal_unmangled_and_not_a_keyword(wire: str, python: str) -> None:
    name = identifier(wire)
    assert name == python and isinstance(name, Code)
    assert name.isidentifier() and unicodedata.normalize("NFKC", name) == name


def test_suffix_rule() -> None:
    assert suffixed("close", {"close"}) == "close_"
    assert suffixed("close", {"close", "close_"}) == "close__"
    assert suffixed("Decimal", {"Decimal"}, "Model") == "DecimalModel"
    assert suffixed("ticker", {"close"}) == "ticker"


def test_escaping_paths_return_code() -> None:
    assert isinstance(py_str("x"), Code) and isinstance(docstring("x"), Code) and isinstance(comment("x"), Code)
    assert comment("a\nb\r\x00c") == "a b c"
    assert constant_case("0") == "N0" and constant_case('"') == "N"
