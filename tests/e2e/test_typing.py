"""User code against the generated package is type-checked: a wrong hook signature is an error.

This is the answer to the original library's "callbacks not matching expected signatures":
the mistake is caught by mypy before anything runs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from mypy import api as mypy_api

ROOT = Path(__file__).resolve().parents[2]

GOOD = """
from deribit import DeribitClient, DeribitHandlers, TickerChannel, models

class Handlers(DeribitHandlers):
    async def on_ticker(self, message: models.Ticker, channel: TickerChannel) -> None:
        print(message.mark_price, channel.instrument_name)

async def main() -> None:
    async with DeribitClient.connect(server="testnet", handlers=Handlers()) as client:
        instruments: list[models.Instrument] = await client.get_instruments(currency="BTC")
        async for tick in client.subscribe_ticker(instrument_name="BTC-PERPETUAL", interval="100ms"):
            print(tick.best_bid_price, instruments[0].instrument_name)
"""

BAD = """
from deribit import DeribitClient, DeribitHandlers, TickerChannel, models

class Handlers(DeribitHandlers):
    async def on_ticker(self, message: models.OrderBook, channel: TickerChannel) -> None:
        pass

async def main() -> None:
    async with DeribitClient.connect(server="mainnet") as client:
        await client.get_instruments(currency="DOGE")
"""


def check(tmp_path: Path, source: str, monkeypatch: pytest.MonkeyPatch) -> tuple[str, int]:
    path = tmp_path / "user_code.py"
    path.write_text(source, encoding="utf-8")
    monkeypatch.setenv("MYPYPATH", str(ROOT / "generated_examples"))
    stdout, stderr, status = mypy_api.run(
        ["--strict", "--no-incremental", "--cache-dir", os.devnull, str(path)]
    )
    return stdout + stderr, status


def test_correct_user_code_type_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    output, status = check(tmp_path, GOOD, monkeypatch)
    assert status == 0, output


def test_wrong_hook_signature_server_and_enum_are_type_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output, status = check(tmp_path, BAD, monkeypatch)
    assert status == 1
    assert 'Argument 1 of "on_ticker" is incompatible with supertype' in output
    assert "'mainnet'" in output  # not one of the spec's servers
    assert "'DOGE'" in output  # not one of the spec's currencies
