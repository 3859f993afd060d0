"""Secrets never reach a log or an exception: a full authenticated session of the
generated Deribit client against a SpecServer on 127.0.0.1, with DEBUG logging on every
logger (``websockets`` frame logs included), then every captured line and every
exception text is searched for each secret value the session used.

The session: login with an HMAC signature, an explicit ``client.auth(...)`` that sends
the client secret, token refreshes, an error reply and a close reason that echo tokens,
a drop and a reconnect with a fresh login. Records of the test server's own loggers are
not the client's output and are left out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from deribit import DeribitClient
from nova_runtime import (
    ConnectOptions,
    ReconnectPolicy,
    ServerError,
)

from nova_gen.loader import load_api
from nova_gen.testing import SpecServer

from .recorders import Disconnects

SPECS = Path(__file__).resolve().parents[2] / "specs"
SECRET = "s3cr3t-VALUE-for-the-grep-test"
CLIENT_ID = "client-id-for-the-grep-test"
FAST = ReconnectPolicy(initial_delay=0.01, multiplier=2.0, max_delay=0.05, reset_after=60.0)
SERVER_LOGGERS = ("websockets.server", "nova.testing")


class Capture(logging.Handler):
    """Every record of every logger, formatted with its exception and stack text."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []
        self.names: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(SERVER_LOGGERS):
            return
        self.names.add(record.name)
        self.lines.append(self.format(record))


@pytest.fixture
def capture() -> Iterator[Capture]:
    handler = Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


async def test_a_full_session_logs_and_raises_no_secret(capture: Capture, transport: str) -> None:
    api = load_api(SPECS / "deribit.yaml")
    credentials = {"client_id": CLIENT_ID, "client_secret": SECRET}
    texts: list[str] = []
    handlers = Disconnects()
    async with asyncio.timeout(30):
        async with SpecServer(api, token_lifetime=1.0, expected_credentials=credentials) as server:
            options = ConnectOptions(reconnect=FAST)
            async with DeribitClient.connect(
                url=server.url,
                handlers=handlers,
                client_id=CLIENT_ID,
                client_secret=SECRET,
                options=options,
            ) as client:
                await client.subscribe_user_orders(
                    instrument_name="BTC-PERPETUAL", interval="100ms"
                )
                await server.wait_for(lambda: server.refreshes >= 2, timeout=10)

                # A server error that echoes every token issued so far.
                issued = server.auth._issued
                echo = " ".join(f"tok-{n} refresh-{n}" for n in range(1, issued + 1))
                server.fail_next("public/get_time", 10009, f"bad token: {echo}", {"echo": echo})
                with pytest.raises(ServerError) as info:
                    await client.get_time()
                texts += [str(info.value), repr(info.value), info.value.message]

                # A close reason that echoes the token, then a drop: two reconnects.
                await server.close_connections(1011, f"revoked tok-{issued}")
                await server.wait_for(lambda: server.connections == 2 and client.state == "open")
                server.drop_connections()
                await server.wait_for(lambda: server.connections == 3 and client.state == "open")
                await server.wait_for(lambda: server.logins >= 3)
                # The secret itself on the wire, in a request the user makes (last: the
                # server's new token pair makes the client's refresh token stale).
                # (Its result is the caller's own data and holds the new token pair.)
                await client.auth(
                    grant_type="client_credentials", client_id=CLIENT_ID, client_secret=SECRET
                )
                diag = client.diagnostics()
                texts += [str(diag), repr(diag), repr(client), repr(client._auth)]
                texts += [repr(r) for r in handlers.reasons]
            issued = server.auth._issued
            signatures = [
                p["signature"] for p in server.login_params if isinstance(p, dict) and "signature" in p
            ]
    secrets = [SECRET, *signatures]
    secrets += [f"tok-{n}" for n in range(1, issued + 1)]
    secrets += [f"refresh-{n}" for n in range(1, issued + 1)]
    assert len(signatures) >= 3 and issued >= 6

    # The capture saw the client's own lines and the transport library's lines (websockets
    # logs every frame at DEBUG; picows logs connects and disconnects, frames only below).
    assert "nova.deribit" in capture.names and "nova.deribit.websockets" in capture.names
    if transport == "websockets":
        assert any("TEXT" in line and "public/auth" in line for line in capture.lines)
    assert any("refresh_token" in line for line in capture.lines)
    output = "\n".join(capture.lines + texts)
    leaked = [s for s in secrets if s in output]
    assert not leaked, [line for line in capture.lines + texts if any(s in line for s in leaked)][:5]


async def test_the_login_reply_and_params_models_print_no_token(
    capture: Capture, capsys: pytest.CaptureFixture[str]
) -> None:
    """A user's own ``client.auth(...)``: the reply model (``AuthResult``) printed, repr'd,
    logged. Its token fields are ``Field(repr=False)``: the spec's
    ``auth.token``/``auth.refresh_token`` point at them. So are the login params that carry
    a secret credential or the refresh token. The values stay readable as attributes."""
    from deribit import models

    api = load_api(SPECS / "deribit.yaml")
    log = logging.getLogger("user.code")
    async with asyncio.timeout(30):
        async with SpecServer(api) as server:
            async with DeribitClient.connect(url=server.url) as client:
                reply = await client.auth(
                    grant_type="client_credentials", client_id=CLIENT_ID, client_secret=SECRET
                )
                refreshed = await client.auth(
                    grant_type="refresh_token", refresh_token=reply.refresh_token
                )
            issued = server.auth._issued
    tokens = [f"tok-{n}" for n in range(1, issued + 1)] + [
        f"refresh-{n}" for n in range(1, issued + 1)
    ]
    assert (
        issued == 2 and reply.access_token == "tok-1" and refresh_token_of(refreshed) == "refresh-2"
    )
    params = models.AuthParams(
        grant_type="refresh_token",
        client_id=CLIENT_ID,
        client_secret=SECRET,
        refresh_token="refresh-1",
    )
    for shown in (reply, refreshed, params):
        print(shown)
        print(repr(shown), f"{shown!s} {shown!r}")
        log.warning("auth result: %s / %r", shown, shown)
    out = capsys.readouterr().out
    output = "\n".join([out, *capture.lines])
    assert "AuthResult(" in output and "scope=" in output, "the rest of the reply is still shown"
    assert "client_id=" in output, "so are the params that are not secrets"
    leaked = [s for s in [*tokens, SECRET] if s in output]
    assert not leaked, [line for line in output.splitlines() if any(s in line for s in leaked)][:5]


def refresh_token_of(reply: object) -> str:
    value = getattr(reply, "refresh_token", None)
    assert isinstance(value, str)
    return value
