"""The default server of the end-to-end tests: the Deribit spec on 127.0.0.1, streaming
every 5 ms. A module that needs another server defines its own ``server`` fixture."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from nova_gen.loader import load_api
from nova_gen.testing import SpecServer

SPECS = Path(__file__).resolve().parents[2] / "specs"


@pytest.fixture
async def server() -> AsyncIterator[SpecServer]:
    api = load_api(SPECS / "deribit.yaml")
    async with SpecServer(api, notify_interval=0.005) as running:
        yield running
