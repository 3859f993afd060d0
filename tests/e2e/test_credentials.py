"""Every credential can be fresh on every connection attempt: generated clients against
local servers that accept each connect token once.

A credential argument of ``connect()`` takes the value or a provider (a callable returning
it, plain or async); the provider is asked again before every attempt (first connect,
reconnects), for AsyncAPI handshake credentials (query, header) and nova login
credentials alike. Anything else is a ``TypeError`` at ``connect()``. Values from
providers are redacted like any secret: never in logs, ``client.url`` or diagnostics.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from deribit import DeribitClient
from slack_rtm import SlackRtmClient, SlackRtmHandlers
from slack_rtm._protocol import PROTOCOL as SLACK_PROTOCOL
from slack_rtm._runtime import ConnectOptions, Connector, ReconnectPolicy
from slack_rtm._runtime.handshake import Handshake
from slack_rtm._runtime.telemetry import InMemoryMetrics
from websockets.http11 import Request

from nova_gen.diagnostics import Diagnostics
from nova_gen.loader import load_api
from nova_gen.testing import SpecServer

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs"
FAST = ConnectOptions(reconnect=ReconnectPolicy(initial_delay=0.01, max_delay=0.05))

pytestmark = pytest.mark.asyncio


class OneTimeTokens:
    """Issues connect tokens; the server accepts each issued token once."""

    def __init__(self) -> None:
        self.issued: list[str] = []
        self.spent: set[str] = set()

    def issue(self) -> str:
        self.issued.append(f"once-{len(self.issued) + 1}-x9Qz")
        return self.issued[-1]

    def accept(self, token: str | None) -> bool:
        if token not in self.issued or token in self.spent:
            return False
        self.spent.add(token)
        return True


def query_token(request: Request) -> str | None:
    values = parse_qs(urlsplit(request.path).query).get("token")
    return values[0] if values else None


def slack_api() -> Any:
    return load_api(SPECS / "asyncapi" / "slack-rtm.yml", Diagnostics(), ROOT)


async def reconnect_twice(server: SpecServer, client: Any) -> None:
    for n in (1, 2):
        await server.wait_for(lambda n=n: server.connections == n and client.state == "open")
        await server.close_connections(1011, "restart")
    await server.wait_for(lambda: server.connections == 3 and client.state == "open")


def logged(caplog: pytest.LogCaptureFixture, api: str) -> str:
    """What the client's logger (``nova.<api>``) wrote."""
    return "\n".join(r.getMessage() for r in caplog.records if r.name == f"nova.{api}")


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_a_query_token_valid_once_is_fresh_on_every_attempt(
    kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tokens = OneTimeTokens()

    async def async_issue() -> str:
        await asyncio.sleep(0)
        return tokens.issue()

    provider: Callable[[], Any] = tokens.issue if kind == "sync" else async_issue
    async with SpecServer(
        slack_api(), authorize=lambda request: tokens.accept(query_token(request))
    ) as server:
        async with asyncio.timeout(20):
            options = replace(FAST, telemetry=InMemoryMetrics())
            async with SlackRtmClient.connect(
                url=server.url, token=provider, options=options
            ) as client:
                assert client.url == f"{server.url}?token=%2A%2A%2A"  # masked, never a repr
                await reconnect_twice(server, client)
                shown = (client.url, str(client.diagnostics()), repr(client.metrics.recent))
    assert tokens.issued == ["once-1-x9Qz", "once-2-x9Qz", "once-3-x9Qz"]
    assert tokens.spent == set(tokens.issued) and server.unauthorized == 0
    for token in tokens.issued:
        assert token not in logged(caplog, "slack_rtm") and all(token not in s for s in shown)


async def test_a_string_token_is_sent_again_and_refused_by_such_a_server() -> None:
    """The failure providers fix: a spent token is refused on every reconnect."""
    tokens = OneTimeTokens()
    token = tokens.issue()
    async with SpecServer(
        slack_api(), authorize=lambda request: tokens.accept(query_token(request))
    ) as server:
        async with asyncio.timeout(20):
            async with SlackRtmClient.connect(url=server.url, token=token, options=FAST) as client:
                await server.close_connections(1011, "restart")
                await server.wait_for(lambda: server.unauthorized >= 2)
                assert client.state == "reconnecting"


async def test_a_header_token_and_a_provider_that_fails_once() -> None:
    tokens = OneTimeTokens()
    calls = 0

    def provider() -> str:
        nonlocal calls
        calls += 1
        if calls == 2:  # that attempt fails; the next one asks again
            raise RuntimeError("token endpoint unavailable")
        return tokens.issue()

    handshake = Handshake(headers={"X-Api-Key": provider}, secrets=("X-Api-Key",))
    async with SpecServer(
        slack_api(), authorize=lambda request: tokens.accept(request.headers.get("X-Api-Key"))
    ) as server:
        connector = Connector(
            SlackRtmClient,
            SLACK_PROTOCOL,
            url=server.url,
            handlers=SlackRtmHandlers(),
            options=FAST,
            handshake=handshake,
        )
        async with asyncio.timeout(20):
            async with connector as client:
                await reconnect_twice(server, client)
    assert calls == 4 and len(tokens.issued) == 3
    assert tokens.spent == set(tokens.issued) and server.unauthorized == 0


async def test_a_login_secret_provider_is_asked_before_every_login(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    secret, client_id = "provided-S3CRET-value", "provided-client-id"
    asked: list[str] = []

    def secret_provider() -> str:
        asked.append("secret")
        return secret

    async def id_provider() -> str:
        asked.append("id")
        return client_id

    async with SpecServer(
        load_api(SPECS / "deribit.yaml"),
        expected_credentials={"client_id": client_id, "client_secret": secret},
    ) as server:
        async with asyncio.timeout(20):
            async with DeribitClient.connect(
                url=server.url, client_id=id_provider, client_secret=secret_provider, options=FAST
            ) as client:
                await reconnect_twice(server, client)
                await server.wait_for(lambda: server.logins == 3)
                assert client.diagnostics().authenticated is True
                shown = str(client.diagnostics())
    assert asked == ["id", "secret"] * 3
    assert secret not in logged(caplog, "deribit") and secret not in shown


async def test_anything_else_is_a_type_error_at_connect() -> None:
    with pytest.raises(TypeError, match="client_secret must be a str or a callable"):
        DeribitClient.connect(url="ws://127.0.0.1:9", client_id="id", client_secret=b"x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="token must be a str or a callable"):
        SlackRtmClient.connect(url="ws://127.0.0.1:9", token=12345)  # type: ignore[arg-type]


async def test_a_provider_that_returns_no_string_stops_the_client() -> None:
    def bad() -> Any:
        return 7

    retrying = ConnectOptions(
        reconnect=ReconnectPolicy(initial_delay=0.01, retry_first_connect=True)
    )
    async with SpecServer(slack_api()) as server:
        async with asyncio.timeout(20):
            with pytest.raises(TypeError, match="provider of token returned int"):
                await SlackRtmClient.connect(url=server.url, token=bad, options=FAST)
            with pytest.raises(TypeError):  # not retried either: a bug, not bad luck
                await SlackRtmClient.connect(url=server.url, token=bad, options=retrying)
    assert server.connections == 0
