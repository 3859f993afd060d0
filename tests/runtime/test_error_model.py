"""One error model: codes that are text, errors without a code, details after the code."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from kraken_v2 import errors as kraken_errors
from kraken_v2._protocol import PROTOCOL as KRAKEN
from nova_runtime.core.correlator import Correlator
from nova_runtime.core.dispatcher import Dispatcher
from nova_runtime.core.subscriptions import Subscriptions

from nova_gen.diagnostics import Diagnostics
from nova_gen.loader import load_api
from nova_gen.testing.framing import Framer

BASE = (Path(__file__).resolve().parents[1] / "generator" / "base_spec.yaml").read_text("utf-8")


def dispatcher(protocol: object = KRAKEN) -> Dispatcher:
    return Dispatcher(protocol, Correlator(), Subscriptions(protocol))  # type: ignore[arg-type]


def test_a_text_code_with_detail_after_a_colon_gets_its_class() -> None:
    d = dispatcher()
    error = d.error_for("EGeneral:Invalid arguments:volume minimum not met", "x", None)
    assert type(error) is kraken_errors.InvalidArgumentsError
    assert error.code == "EGeneral:Invalid arguments:volume minimum not met"  # as sent
    assert type(d.error_for("EOrder:Unknown order", "x", None)) is kraken_errors.UnknownOrder
    assert type(d.error_for("Exceeded msg rate", "x", None)) is kraken_errors.ExceededMsgRate


def test_an_error_without_a_code_is_matched_by_its_message() -> None:
    d = dispatcher()
    by_message = d.error_for(None, "EOrder:Insufficient funds: need 3 more", None)
    assert type(by_message) is kraken_errors.InsufficientFunds
    assert by_message.code is None and str(by_message) == "EOrder:Insufficient funds: need 3 more"
    # Nothing matches: the API's base error, never the bare runtime ServerError.
    other = d.error_for(None, "something else", {"stack": "at foo"})
    assert type(other) is kraken_errors.KrakenV2Error
    assert other.data == {"stack": "at foo"} and other.message == "something else"


def test_unknown_numeric_codes_keep_message_and_data() -> None:
    d = dispatcher(replace(KRAKEN, error_classes={}))
    error = d.error_for(-32000, "header not found", {"stack": "Error: header not found\n  at ..."})
    assert isinstance(error, kraken_errors.KrakenV2Error)
    assert (error.code, error.message) == (-32000, "header not found")
    assert error.data["stack"].startswith("Error: header not found")


@pytest.mark.parametrize("with_code", [True, False])
def test_an_error_example_without_a_code_validates_and_is_served_without_one(tmp_path: Path, with_code: bool) -> None:
    error = '{ code: 7, message: "bad thing" }' if with_code else '{ message: "bad thing" }'
    old = "        result: 1700000000000\n"
    assert old in BASE
    spec = BASE.replace(old, f"{old}      - params: {{}}\n        error: {error}\n", 1)
    (tmp_path / "spec.yaml").write_text(spec, encoding="utf-8")
    diagnostics = Diagnostics()
    api = load_api(tmp_path / "spec.yaml", diagnostics)
    assert not diagnostics.has_errors, [d.format() for d in diagnostics.items]
    (example,) = [e for e in api.requests[0].examples if e.error is not None]
    frame = Framer(api.envelope).error(1, example.error.get("code"), example.error["message"])
    assert frame["error"]["message"] == "bad thing"
    assert ("code" in frame["error"]) is with_code
