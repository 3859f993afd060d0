"""Every condition kind of the envelope's rules, end to end: the generated client of a Home
Assistant-shaped spec (``in:`` and ``not:`` in its ``response`` and ``error`` rules, a
login whose example result is ``null``, subscriptions acked by a reply and routed by the
subscribe request's id) against the local test server on 127.0.0.1. Bounded by
``asyncio.timeout``."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from asyncapi.building import build

from nova_gen.diagnostics import Diagnostics
from nova_gen.loader import load_api
from nova_gen.testing import SpecServer

SPEC = Path(__file__).parent / "homeassistant.yaml"


@pytest.fixture(scope="module")
def homeassistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The generated package for homeassistant.yaml, imported; it draws no diagnostic."""
    diagnostics = Diagnostics()
    with build(SPEC, tmp_path_factory.mktemp("ha"), diagnostics) as package:
        assert not diagnostics.items, [d.format() for d in diagnostics.items]
        yield package


def client_class(module: ModuleType) -> Any:
    return next(v for k, v in vars(module).items() if k.endswith("Client") and inspect.isclass(v))


async def test_replies_meet_in_and_not_conditions(
    homeassistant: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="nova")
    client_cls = client_class(homeassistant)
    async with asyncio.timeout(20), SpecServer(load_api(SPEC), notify_interval=0.01) as server:
        async with client_cls.connect(url=server.url, access_token="abc.def.ghi") as client:
            states = await client.get_states()
            assert [s.entity_id for s in states] == ["light.kitchen", "sensor.outside_temperature"]
            with pytest.raises(Exception) as failed:
                await client.call_service(domain="light", service="explode")
            assert "Service light.explode not found." in str(failed.value)
            # The login example says `result: null`: the server answers exactly that.
            assert await client.auth(access_token="abc.def.ghi") is None
            assert await client.ping() is None
            unexpected = dict(client.diagnostics().unexpected_frames)
    assert unexpected == {}
    # A login reply without a lifetime is said in words, not as "expires in never s".
    logins = [r.getMessage() for r in caplog.records if r.getMessage().startswith("logged in")]
    assert logins == ["logged in (the reply gives no expiry)"]


async def test_reply_acked_subscription_routed_by_request_id(homeassistant: ModuleType) -> None:
    client_cls = client_class(homeassistant)
    async with asyncio.timeout(20), SpecServer(load_api(SPEC), notify_interval=0.01) as server:
        async with client_cls.connect(url=server.url, access_token="abc.def.ghi") as client:
            changes = await client.subscribe_state_changed()
            got = []
            async for change in changes:
                got.append(change)
                if len(got) == 3:
                    break
            assert all(c.event_type == "state_changed" for c in got)
            await changes.unsubscribe()
            diag = client.diagnostics()
            # The subscribe's ack reply is consumed by the subscription, not counted as unknown.
            assert dict(diag.unexpected_frames) == {}
    (subscribe,) = server.requests_of("subscribe_events")
    (unsubscribe,) = server.requests_of("unsubscribe_events")
    # The unsubscribe is a request of its own, naming the subscription by the subscribe's id.
    assert unsubscribe["subscription"] == subscribe["id"] and unsubscribe["id"] > subscribe["id"]


async def test_timeout_text_gives_the_budget_in_seconds(homeassistant: ModuleType) -> None:
    """The deadline is measured on the clock (what is left of the budget when the frame goes
    out), but the error names the budget: `0.2s`, never `0.19999s`."""
    client_cls = client_class(homeassistant)
    async with asyncio.timeout(20), SpecServer(load_api(SPEC)) as server:
        async with client_cls.connect(url=server.url, access_token="abc.def.ghi") as client:
            server.never_answer("get_config")
            with pytest.raises(TimeoutError) as timed_out:
                await client.get_config(timeout=0.2)
    assert str(timed_out.value) == "get_config: no reply within 0.2s"
