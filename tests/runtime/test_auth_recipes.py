"""Login signatures (``auth.signature``, and the old recipe names the normaliser expands)
against known answers (computed independently with ``openssl dgst -sha256 -hmac``),
credential errors, and token bookkeeping details."""

from __future__ import annotations

import pickle

import pytest
from nova_runtime.core import AuthState, MissingCredential, Secret, resolve_credentials
from nova_runtime.protocol import Auth, Credential

from nova_gen.nova.signing import expand_recipe

from .test_auth import DERIBIT

_OKX_PARAMS, _OKX_SIGNATURE = expand_recipe(
    "okx_login",
    {"args": [{"apiKey": "{api_key}", "passphrase": "{passphrase}", "timestamp": "{timestamp}", "sign": "{sign}"}]},
)
OKX = Auth(
    request="login",
    params=_OKX_PARAMS,
    credentials=(
        Credential("api_key", env="NOVA_TEST_OKX_KEY"),
        Credential("secret_key", env="NOVA_TEST_OKX_SECRET", secret=True),
        Credential("passphrase", env="NOVA_TEST_OKX_PASS", secret=True),
    ),
    token=None,
    expires_in=None,
    refresh_token=None,
    signature=_OKX_SIGNATURE,
)


def test_okx_login_signature_known_answer() -> None:
    # printf '1715688061GET/users/self/verify' | openssl dgst -sha256 -hmac okx-secret -binary | base64
    state = AuthState(
        OKX, {"api_key": Secret("key-1"), "secret_key": Secret("okx-secret"), "passphrase": Secret("pw")}
    )
    params = state.login_params(1715688061999, "unused-nonce")  # milliseconds: seconds are signed
    assert params == {
        "args": [
            {
                "apiKey": "key-1",
                "passphrase": "pw",
                "timestamp": "1715688061",
                "sign": "KBnZs7IF4mBXsyols7bjAwCdlZQq8M+a3X7c2hskOU0=",
            }
        ]
    }


def test_deribit_signature_known_answer() -> None:
    # printf '1538054050123\nabc\n' | openssl dgst -sha256 -hmac s3cr3t-VALUE-xyz
    state = AuthState(DERIBIT, {"client_id": Secret("id-1"), "client_secret": Secret("s3cr3t-VALUE-xyz")})
    assert state.login_params(1538054050123, "abc") == {
        "grant_type": "client_signature",
        "client_id": "id-1",
        "timestamp": 1538054050123,
        "nonce": "abc",
        "data": "",
        "signature": "f10fb02d67180e283a6d2eb0e38156d5890d9b281424ce2c6cc3d3d714a5cb25",
        "scope": "session:x",
    }


def test_a_recipe_names_the_missing_credential_and_its_variable() -> None:
    state = AuthState(OKX, {"api_key": Secret("k"), "passphrase": Secret("p")})
    with pytest.raises(MissingCredential) as info:
        state.login_params(0, "n")
    assert str(info.value) == (
        "missing credential 'secret_key': pass secret_key=... "
        "or set the environment variable NOVA_TEST_OKX_SECRET"
    )


def test_missing_credentials_without_a_variable_name_none() -> None:
    auth = Auth(request="login", params={"k": "{key}"}, credentials=(Credential("key"),))
    with pytest.raises(MissingCredential) as info:
        resolve_credentials(auth, {}, {})
    assert str(info.value) == "missing credential 'key': pass key=..."
    # A credential without env is never read from the environment, even one named like it.
    with pytest.raises(MissingCredential):
        resolve_credentials(auth, {}, {"key": "x", "": "y"})


def test_secrets_cannot_be_pickled_and_format_like_the_mask() -> None:
    secret = Secret("v")
    with pytest.raises(TypeError, match="^a Secret cannot be pickled; pass credentials again instead$"):
        pickle.dumps(secret)
    assert f"{secret:>5}" == "  ***" and f"{secret}" == "***"
    assert hash(secret) == hash(Secret("v")) != hash(Secret("w"))
    assert len({Secret("v"), Secret("v"), Secret("w")}) == 2


def test_login_state_starts_empty_and_reset_forgets_the_connection() -> None:
    state = AuthState(DERIBIT, {"client_id": Secret("a"), "client_secret": Secret("b")})
    assert (state.authenticated, state.token, state.expires_at, state.refresh_at()) == (False, None, None, None)
    state.on_login_result({"access_token": "T", "expires_in": 100}, now=10.0)
    assert state.authenticated is True and state.expires_at == 110.0
    state.reset()
    assert (state.authenticated, state.token, state.expires_at, state.refresh_at()) == (False, None, None, None)
    state.on_login_result({"access_token": None}, now=0.0)  # a null token is no token
    assert state.token is None
    no_token = AuthState(OKX, {"api_key": Secret("k"), "secret_key": Secret("s"), "passphrase": Secret("p")})
    no_token.on_login_result({"code": "0"}, now=0.0)  # OKX: the connection itself is logged in
    assert no_token.authenticated is True and no_token.token is None and no_token.refresh_token is None


def test_only_a_string_refresh_token_replaces_the_one_held() -> None:
    state = AuthState(DERIBIT, {"client_id": Secret("a"), "client_secret": Secret("b")})
    state.on_login_result({"access_token": "T", "refresh_token": "R1"}, now=0.0)
    for odd in (12345, {"token": "x"}, ["R2"], True, ""):
        state.on_login_result({"access_token": "T", "refresh_token": odd}, now=1.0)
        assert state.refresh_token is not None and state.refresh_token.reveal() == "R1", odd


def test_a_login_signature_is_a_secret_too() -> None:
    state = AuthState(DERIBIT, {"client_id": Secret("id-1"), "client_secret": Secret("s3cr3t")})
    signature = state.login_params(1538054050123, "abc")["signature"]
    assert signature in state.secret_values()
    assert state.redact(f"sig={signature}") == "sig=***"


def test_the_tokens_held_for_redaction_are_the_last_64() -> None:
    state = AuthState(DERIBIT, {"client_id": Secret("a"), "client_secret": Secret("b")})
    for i in range(70):
        state.on_login_result({"access_token": f"token-{i}"}, now=float(i))
    held = state.secret_values()
    assert [f"token-{i}" in held for i in (5, 6, 69)] == [False, True, True]
