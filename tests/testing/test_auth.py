"""SpecServer's login, refresh, expiry and ``requires_auth`` handling (``api.auth``)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from nova_gen.testing import ErrorReply, SpecServer

from .deribit_like import AUTH_RESULT, ORDERS_CHANNEL, POSITIONS, deribit_auth_api
from .test_server import call

pytestmark = pytest.mark.asyncio

TIMEOUT = 5.0
CREDS = {"grant_type": "client_credentials", "client_id": "id", "client_secret": "s3"}


def sign(secret: str, timestamp: int, nonce: str, data: str = "") -> str:
    msg = f"{timestamp}\n{nonce}\n{data}".encode()
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()


async def test_login_fresh_tokens_and_requires_auth_per_connection() -> None:
    async with asyncio.timeout(TIMEOUT), SpecServer(deribit_auth_api()) as server:
        async with connect(server.url) as ws:
            reply = await call(ws, 1, "private/get_positions")
            assert reply["error"] == {"code": 13009, "message": "unauthorized"}
            # public methods need no auth
            assert (await call(ws, 2, "public/get_time"))["result"] == 1700000000000
            result = (await call(ws, 3, "public/auth", CREDS))["result"]
            assert result == {
                **AUTH_RESULT,
                "access_token": "tok-1",
                "refresh_token": "refresh-1",
                "expires_in": 900,  # the example's value
            }
            assert server.authenticated(1)
            assert (await call(ws, 4, "private/get_positions"))["result"] == POSITIONS
            async with connect(server.url) as ws2:  # auth is per connection
                reply = await call(ws2, 1, "private/get_positions")
                assert reply["error"]["code"] == 13009 and not server.authenticated(2)
                # ... unless the request carries a valid access_token (Deribit allows it)
                reply = await call(
                    ws2, 2, "private/get_positions", {"access_token": "tok-1"}
                )
                assert reply["result"] == POSITIONS
            second = (await call(ws, 5, "public/auth", CREDS))["result"]
            assert second["access_token"] == "tok-2"
        assert server.logins == 2 and server.refreshes == 0
        assert server.login_params == [CREDS, CREDS]


async def test_expire_tokens_then_refresh_with_the_last_refresh_token() -> None:
    async with (
        asyncio.timeout(TIMEOUT),
        SpecServer(deribit_auth_api(), token_lifetime=60) as server,
        connect(server.url) as ws,
    ):
        result = (await call(ws, 1, "public/auth", CREDS))["result"]
        assert result["expires_in"] == 60
        server.expire_tokens()
        assert not server.authenticated(1)
        assert (await call(ws, 2, "private/get_positions"))["error"]["code"] == 13009
        refresh = {"grant_type": "refresh_token", "refresh_token": "refresh-1"}
        result = (await call(ws, 3, "public/auth", refresh))["result"]
        assert result["access_token"] == "tok-2" and result["refresh_token"] == "refresh-2"
        assert (await call(ws, 4, "private/get_positions"))["result"] == POSITIONS
        # only the last refresh token issued is accepted
        reply = await call(ws, 5, "public/auth", refresh)
        assert reply["error"] == {"code": 13004, "message": "invalid_credentials"}
        assert server.logins == 1 and server.refreshes == 1


async def test_token_lifetime_expires_by_itself() -> None:
    async with (
        asyncio.timeout(TIMEOUT),
        SpecServer(deribit_auth_api(), token_lifetime=0.1) as server,
        connect(server.url) as ws,
    ):
        assert (await call(ws, 1, "public/auth", CREDS))["result"]["expires_in"] == 0.1
        assert (await call(ws, 2, "private/get_positions"))["result"] == POSITIONS
        await server.wait_for(lambda: not server.authenticated(1))  # expired, untouched
        assert (await call(ws, 3, "private/get_positions"))["error"]["code"] == 13009


async def test_expected_credentials_mismatch_and_custom_unauthorized() -> None:
    expected = {"client_id": "id", "client_secret": "s3"}
    async with (
        asyncio.timeout(TIMEOUT),
        SpecServer(
            deribit_auth_api(),
            expected_credentials=expected,
            unauthorized_error=ErrorReply(401, "nope"),
        ) as server,
        connect(server.url) as ws,
    ):
        # the spec's error example for the login ("wrong secret") is the reply
        bad = {**CREDS, "client_secret": "wrong"}
        reply = await call(ws, 1, "public/auth", bad)
        assert reply["error"] == {"code": 13004, "message": "invalid_credentials"}
        assert (await call(ws, 2, "private/get_positions"))["error"] == {
            "code": 401,
            "message": "nope",
        }
        assert "result" in await call(ws, 3, "public/auth", CREDS)
        assert server.logins == 1 and len(server.login_params) == 2


async def test_mismatch_without_error_example_is_13004() -> None:
    async with (
        asyncio.timeout(TIMEOUT),
        SpecServer(
            deribit_auth_api(error_example=False),
            expected_credentials={"client_id": "someone-else"},
        ) as server,
        connect(server.url) as ws,
    ):
        reply = await call(ws, 1, "public/auth", CREDS)
        assert reply["error"] == {"code": 13004, "message": "invalid_credentials"}


async def test_client_signature_is_verified_with_hmac() -> None:
    secret = "W0H6FJW4IRPZ1MOQ8FP6KMC5RZDUUKXS"
    expected = {"client_id": "fo7WAPRm4P", "client_secret": secret}
    ts, nonce = 1700000000000, "Z2t9Kc1p"
    good = {
        "grant_type": "client_signature",
        "client_id": "fo7WAPRm4P",
        "timestamp": ts,
        "nonce": nonce,
        "data": "",
        "signature": sign(secret, ts, nonce),
    }
    async with (
        asyncio.timeout(TIMEOUT),
        SpecServer(deribit_auth_api(), expected_credentials=expected) as server,
        connect(server.url) as ws,
    ):
        assert (await call(ws, 1, "public/auth", good))["result"]["access_token"] == (
            "tok-1"
        )
        with_data = {**good, "data": "xyz", "signature": sign(secret, ts, nonce, "xyz")}
        assert "result" in await call(ws, 2, "public/auth", with_data)
        for rid, bad in enumerate(
            (
                {**good, "signature": sign("other", ts, nonce)},
                {**good, "nonce": "changed"},
                {**good, "timestamp": ts + 1},
                {**good, "client_id": "someone"},
                {k: v for k, v in good.items() if k != "signature"},
            ),
            start=3,
        ):
            reply = await call(ws, rid, "public/auth", bad)
            assert reply["error"]["code"] == 13004, bad
        assert server.logins == 2
        # the recorded params carry what a test needs to check the client's signing
        first = server.login_params[0]
        assert first["grant_type"] == "client_signature"
        assert first["signature"] == sign(secret, first["timestamp"], first["nonce"])


async def test_private_subscription_requires_auth() -> None:
    async with (
        asyncio.timeout(TIMEOUT),
        SpecServer(deribit_auth_api(), max_notifications=1) as server,
        connect(server.url) as ws,
    ):
        params = {"channels": [ORDERS_CHANNEL]}
        reply = await call(ws, 1, "private/subscribe", params)
        assert reply["error"]["code"] == 13009 and server.subscriptions == {
            1: frozenset()
        }
        await call(ws, 2, "public/auth", CREDS)
        assert (await call(ws, 3, "private/subscribe", params))["result"] == [
            ORDERS_CHANNEL
        ]
        assert server.connection_log(1)[1] == ("public/auth", CREDS)


async def test_the_deribit_spec_drives_auth() -> None:
    from nova_gen.loader import load_api  # slow-ish: outside the timeout

    api = load_api(str(Path(__file__).parents[2] / "specs" / "deribit.yaml"))
    async with (
        asyncio.timeout(TIMEOUT),
        SpecServer(api) as server,
        connect(server.url) as ws,
    ):
        reply = await call(ws, 1, "private/get_account_summary", {"currency": "BTC"})
        assert reply["error"]["code"] == 13009
        login = {
            "grant_type": "client_credentials",
            "client_id": "fo7WAPRm4P",
            "client_secret": "W0H6FJW4IRPZ1MOQ8FP6KMC5RZDUUKXS",
        }
        result = (await call(ws, 2, "public/auth", login))["result"]
        assert result["access_token"] == "tok-1" and result["expires_in"] == 31536000
        reply = await call(ws, 3, "private/get_account_summary", {"currency": "BTC"})
        assert "result" in reply
