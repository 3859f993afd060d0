"""Schema drift does not starve a stream: the generated Deribit client against a
SpecServer on 127.0.0.1 whose notifications stop carrying a documented field (or carry
it with the wrong type). The validation policy decides: ``lenient`` (the default)
delivers the same model class with the field unset, ``strict`` drops the message,
``raw`` delivers the decoded JSON. Bounded by ``asyncio.timeout``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from deribit import DeribitClient, DeribitHandlers, models
from nova_runtime import (
    ConnectFailed,
    ConnectOptions,
    MalformedFrame,
    ValidationPolicy,
    drifted_fields,
    raw_frame,
)
from nova_runtime.telemetry import InMemoryMetrics

from nova_gen.testing import SpecServer

from .streams import fresh, take


def connect(server: SpecServer, handlers: DeribitHandlers | None = None, **options: Any) -> Any:
    return DeribitClient.connect(
        url=server.url, handlers=handlers, options=ConnectOptions(**options)
    )


async def test_lenient_by_default_delivers_the_model_without_the_missing_field(
    server: SpecServer, caplog: pytest.LogCaptureFixture
) -> None:
    assert ConnectOptions().validation == "lenient"
    async with asyncio.timeout(20):
        with caplog.at_level(logging.WARNING, logger="nova"):
            async with connect(server, telemetry=InMemoryMetrics()) as client:
                ticker = await client.subscribe_ticker(
                    instrument_name="BTC-PERPETUAL", interval="100ms"
                )
                (valid,) = await take(ticker, 1)
                assert "mark_price" in valid.model_fields_set and drifted_fields(valid) == ()
                server.drift(remove=("/mark_price",), replace={"/stats/volume": "n/a"})
                drifted = await fresh(client, ticker, 20)
                # (the first fresh ones may predate the drift)
                late = [t for t in drifted if drifted_fields(t)]
                assert len(late) >= 15
                for tick in late:
                    assert type(tick) is models.Ticker
                    assert tick.instrument_name == "BTC-PERPETUAL"
                    assert tick.mark_price is None and "mark_price" not in tick.model_fields_set
                    assert type(tick.stats) is models.TickerStats
                    assert tick.stats.volume is None and tick.stats.high == valid.stats.high
                    assert drifted_fields(tick) == ("mark_price", "stats.volume")
                    frame = raw_frame(tick)
                    assert frame["params"]["data"]["stats"]["volume"] == "n/a"
                    assert "mark_price" not in frame["params"]["data"]
                diag = client.diagnostics()
                counts = diag.schema_drift["ticker"]
                assert counts["mark_price"] >= len(late) and counts["stats.volume"] >= len(late)
                assert any(i.startswith("schema drift") for i in diag.issues())
                assert client.metrics.count("schema_drift", "ticker") == counts["mark_price"]
                assert client.metrics.count("schema_drift_field", "ticker.mark_price") >= 15
                assert "malformed" not in diag.unexpected_frames
    warnings = [r.getMessage() for r in caplog.records if "schema drift" in r.getMessage()]
    assert len(warnings) == 2  # once per field and channel, however many messages
    assert "'mark_price'" in warnings[0] or "'mark_price'" in warnings[1]


async def test_lists_of_models_drift_item_by_item(server: SpecServer) -> None:
    async with asyncio.timeout(20):
        async with connect(server) as client:
            trades = await client.subscribe_trades(instrument_name="BTC-PERPETUAL", interval="100ms")
            server.drift(remove=("/0/price",))
            batch = (await fresh(client, trades, 5))[-1]
            assert all(type(t) is models.Trade for t in batch)
            assert batch[0].price is None and drifted_fields(batch[0]) == ("price",)
            assert client.diagnostics().schema_drift["trades"]["price"] >= 1


async def test_strict_drops_and_raw_skips_validation_per_channel(server: SpecServer) -> None:
    errors: list[str] = []

    class Errors(DeribitHandlers):
        async def on_error(self, error: Exception, context: str) -> None:
            errors.append(context)

    policies: dict[str, ValidationPolicy] = {"ticker": "strict", "book": "raw"}
    async with asyncio.timeout(20):
        async with connect(server, Errors(), channel_validation=policies) as client:
            ticker = await client.subscribe_ticker(instrument_name="BTC-PERPETUAL", interval="100ms")
            book = await client.subscribe_book(instrument_name="BTC-PERPETUAL", interval="100ms")
            (raw,) = await take(book, 1)
            assert isinstance(raw, dict)  # raw: the decoded payload, not validated
            await take(ticker, 1)
            server.drift(remove=("/mark_price",))
            await server.wait_for(
                lambda: client.diagnostics().unexpected_frames.get("malformed", 0) >= 10
            )
            depth = next(s.queue_depth for s in client.diagnostics().subscriptions if s.address == ticker.address)
            queued = await take(ticker, depth) if depth else []
            assert all(drifted_fields(t) == () and "mark_price" in t.model_fields_set for t in queued)
            assert "malformed frame" in errors
            assert client.diagnostics().schema_drift == {}


async def test_a_policy_for_a_channel_the_spec_does_not_have_is_an_error(
    server: SpecServer,
) -> None:
    async with asyncio.timeout(20):
        with pytest.raises(ValueError, match="tickers"):
            await connect(server, channel_validation={"tickers": "strict"})


# -- the login reply: checked against its result model -----------------------------------


def connect_with_credentials(server: SpecServer, **options: Any) -> Any:
    return DeribitClient.connect(
        url=server.url,
        client_id="id-1",
        client_secret="secret-1",
        options=ConnectOptions(**options),
    )


async def test_a_login_expiry_sent_as_text_is_read_as_the_model_converts_it(
    server: SpecServer, caplog: pytest.LogCaptureFixture
) -> None:
    """`expires_in: "900"` where the login result's model says integer: the model converts
    it, so the client still knows when to refresh (it used to see no expiry at all)."""
    server.drift_results("public/auth", replace={"/expires_in": "900"})
    async with asyncio.timeout(20):
        with caplog.at_level(logging.INFO, logger="nova"):
            async with connect_with_credentials(server) as client:
                assert client.diagnostics().authenticated
    assert server.logins == 1
    logins = [r.getMessage() for r in caplog.records if r.getMessage().startswith("logged in")]
    assert logins == ["logged in (expires in 900 s)"]


async def test_a_login_reply_without_its_token_fails_the_connect_naming_the_field(
    server: SpecServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The login result's model requires `access_token`: a reply without it fails the login
    with a MalformedFrame that names the field (never a value of the reply), instead of a
    client that believes it is logged in with no token."""
    server.drift_results("public/auth", remove=("/access_token",))
    with caplog.at_level(logging.DEBUG, logger="nova"):
        async with asyncio.timeout(20):
            with pytest.raises(ConnectFailed) as failed:
                async with connect_with_credentials(server):
                    pass
    assert server.logins >= 1
    text = str(failed.value)
    assert "public/auth: invalid login result" in text, text
    assert "access_token: Field required" in text, text
    cause = failed.value.__cause__
    assert isinstance(cause, MalformedFrame) and cause.frame is None
    for leak in ("refresh-1", "secret-1"):  # the reply's other secrets, the credential
        assert leak not in text
        assert all(leak not in r.getMessage() for r in caplog.records)
