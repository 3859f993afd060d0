"""Invalid call arguments raise the runtime's InvalidArguments (a ValueError with pydantic's
details) before anything is sent, never a raw pydantic ValidationError."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pydantic
import pytest
from deribit import DeribitClient, InvalidArguments, NovaError, models
from nova_runtime.params import dump_params

from nova_gen.loader import load_api
from nova_gen.testing import SpecServer

SPECS = Path(__file__).resolve().parents[2] / "specs"


def test_dump_params_raises_invalid_arguments_with_the_details() -> None:
    with pytest.raises(InvalidArguments) as caught:
        dump_params(models.GetInstrumentsParams, {"currency": "XYZ", "kind": None})
    error = caught.value
    assert isinstance(error, ValueError) and isinstance(error, NovaError)
    assert not isinstance(error, pydantic.ValidationError)
    assert error.model == "GetInstrumentsParams"
    assert error.errors[0]["loc"] == ("currency",) and error.errors[0]["input"] == "XYZ"
    assert str(error).startswith("invalid arguments for GetInstrumentsParams: currency: ")


async def test_a_generated_method_raises_it_before_sending() -> None:
    async with asyncio.timeout(10), SpecServer(load_api(SPECS / "deribit.yaml")) as server:
        async with DeribitClient.connect(url=server.url) as client:
            with pytest.raises(InvalidArguments):
                await client.get_instruments(currency="XYZ")  # type: ignore[arg-type]
            assert server.requests_of("public/get_instruments") == []
            assert await client.get_instruments(currency="BTC")  # the connection goes on
