"""Credentials, Secret, login params (incl. Deribit's client signature), tokens, redaction."""

from __future__ import annotations

import copy
import hashlib
import hmac
import logging
import os
import pickle
from dataclasses import dataclass

import pytest
from nova_runtime.core import AuthState, MissingCredential, Secret, resolve_credentials
from nova_runtime.errors import NovaError
from nova_runtime.protocol import Auth, Credential

from nova_gen.nova.signing import expand_recipe

VALUE = "s3cr3t-VALUE-xyz"

CREDS = (
    Credential("client_id", env="NOVA_TEST_CLIENT_ID"),
    Credential("client_secret", env="NOVA_TEST_CLIENT_SECRET", secret=True),
)

PLAIN = Auth(
    request="public/auth",
    params={
        "grant_type": "client_credentials",
        "client_id": "{client_id}",
        "client_secret": "{client_secret}",
        "scope": "session:{client_id} expires:{ttl}",
        "nested": [{"key": "{client_secret}"}, 3, None],
    },
    credentials=CREDS,
    token="/access_token",
    expires_in="/expires_in",
    refresh_token="/refresh_token",
    refresh_params={"grant_type": "refresh_token", "refresh_token": "{refresh_token}"},
)

# The old recipe name, expanded the way the nova normaliser does (spec sugar).
_DERIBIT_PARAMS, _DERIBIT_SIGNATURE = expand_recipe(
    "deribit_client_signature",
    {"client_id": "{client_id}", "client_secret": "{client_secret}", "scope": "session:x"},
)
DERIBIT = Auth(
    request="public/auth",
    params=_DERIBIT_PARAMS,
    credentials=CREDS,
    signature=_DERIBIT_SIGNATURE,
)


def creds(client_id: str = "my-id", client_secret: str = VALUE) -> dict[str, Secret]:
    return {"client_id": Secret(client_id), "client_secret": Secret(client_secret)}


# --- Secret -----------------------------------------------------------------------------


@dataclass
class Holder:
    secret: Secret


def test_secret_never_shows_its_value() -> None:
    s = Secret(VALUE)
    shown = [
        str(s),
        repr(s),
        f"{s}",
        f"{s!r}",
        f"{s:>20}",
        "%s" % s,  # noqa: UP031
        "%r" % s,  # noqa: UP031
        "{}".format(s),  # noqa: UP032
        repr({"k": s}),
        str([s]),
        repr(Holder(s)),
        str(Exception(s)),
        str(Exception("bad", s)),
        repr(Exception(s)),
    ]
    for text in shown:
        assert VALUE not in text
        assert "***" in text
    assert s.reveal() == VALUE


def test_secret_not_in_logging(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("nova.test")
    s = Secret(VALUE)
    with caplog.at_level(logging.DEBUG, logger="nova.test"):
        logger.debug("secret %s", s)
        logger.debug("params %r", {"client_secret": s})
        logger.info(f"f-string {s}")
        try:
            raise ValueError(s)
        except ValueError:
            logger.exception("failed")
    assert len(caplog.records) == 4
    assert VALUE not in caplog.text
    assert "***" in caplog.text


def test_secret_equality_hash_copy_pickle() -> None:
    assert Secret("a") == Secret("a")
    assert Secret("a") != Secret("b")
    assert Secret("a") != "a"
    assert len({Secret("a"), Secret("a")}) == 1
    s = Secret(VALUE)
    assert copy.copy(s) is s
    assert copy.deepcopy({"k": s})["k"] is s
    with pytest.raises(TypeError):
        pickle.dumps(s)
    with pytest.raises(AttributeError):
        s._value = "other"


# --- resolve_credentials ----------------------------------------------------------------


def test_given_values_win_over_env() -> None:
    env = {"NOVA_TEST_CLIENT_ID": "env-id", "NOVA_TEST_CLIENT_SECRET": "env-secret"}
    got = resolve_credentials(PLAIN, {"client_id": "arg-id", "client_secret": None}, env)
    assert got == {"client_id": Secret("arg-id"), "client_secret": Secret("env-secret")}
    assert all(isinstance(v, Secret) for v in got.values())


def test_extra_given_values_are_kept_as_secrets() -> None:
    env = {"NOVA_TEST_CLIENT_ID": "i", "NOVA_TEST_CLIENT_SECRET": "s"}
    got = resolve_credentials(PLAIN, {"passphrase": "p"}, env)
    assert got["passphrase"] == Secret("p")


def test_missing_credential_names_it_without_values() -> None:
    env = {"NOVA_TEST_CLIENT_ID": "env-id-value", "NOVA_TEST_CLIENT_SECRET": ""}
    with pytest.raises(MissingCredential) as info:
        resolve_credentials(PLAIN, {"client_id": VALUE}, env)
    err = info.value
    assert isinstance(err, NovaError)
    assert (err.name, err.env) == ("client_secret", "NOVA_TEST_CLIENT_SECRET")
    text = str(err) + repr(err)
    assert "client_secret" in text and "NOVA_TEST_CLIENT_SECRET" in text
    assert VALUE not in text and "env-id-value" not in text


def test_missing_credential_without_env() -> None:
    auth = Auth(request="login", params={}, credentials=(Credential("key"),))
    with pytest.raises(MissingCredential, match="'key'"):
        resolve_credentials(auth, {}, {"key": "not an env var name"})


def test_missing_credential_without_env_from_the_process_environment() -> None:
    # The client passes os.environ itself, whose get() raises TypeError for a key that is
    # not a string: a credential without a variable name must not be looked up there.
    auth = Auth(request="login", params={}, credentials=(Credential("key"),))
    with pytest.raises(MissingCredential, match="^missing credential 'key': pass key=...$"):
        resolve_credentials(auth, {}, os.environ)


# --- login params -----------------------------------------------------------------------


def test_login_params_substitution() -> None:
    state = AuthState(PLAIN, creds())
    params = state.login_params(now_ms=1, nonce="n")
    assert params == {
        "grant_type": "client_credentials",
        "client_id": "my-id",
        "client_secret": VALUE,
        "scope": "session:my-id expires:{ttl}",  # unknown placeholders stay
        "nested": [{"key": VALUE}, 3, None],
    }
    # the template is not modified
    assert PLAIN.params["client_id"] == "{client_id}"


def test_deribit_client_signature() -> None:
    state = AuthState(DERIBIT, creds("AMANDA", "SECRET_KEY"))
    params = state.login_params(now_ms=1576074319000, nonce="1iqt2wls")
    expected = hmac.new(b"SECRET_KEY", b"1576074319000\n1iqt2wls\n", hashlib.sha256).hexdigest()
    assert params == {
        "grant_type": "client_signature",
        "client_id": "AMANDA",
        "timestamp": 1576074319000,
        "nonce": "1iqt2wls",
        "data": "",
        "signature": expected,
        "scope": "session:x",
    }
    assert "SECRET_KEY" not in repr(params)


def test_deribit_recipe_needs_the_secret() -> None:
    state = AuthState(DERIBIT, {"client_id": Secret("id")})
    with pytest.raises(MissingCredential, match="client_secret"):
        state.login_params(0, "n")


# --- tokens ---------------------------------------------------------------------------


def test_on_login_result_extracts_token_expiry_refresh() -> None:
    state = AuthState(PLAIN, creds())
    assert not state.authenticated and state.token is None and state.refresh_at() is None
    state.on_login_result(
        {"access_token": "TOK", "expires_in": 900, "refresh_token": "REF", "scope": "x"},
        now=1000.0,
    )
    assert state.authenticated
    assert state.token == Secret("TOK")
    assert state.refresh_token == Secret("REF")
    assert state.expires_at == 1900.0
    assert "TOK" not in repr(state) and "REF" not in repr(state)


def test_on_login_result_with_nested_pointers_and_no_expiry() -> None:
    auth = Auth(
        request="login",
        params={},
        token="/data/token",
        expires_in=None,
        refresh_token=None,
    )
    state = AuthState(auth, {})
    state.on_login_result({"data": {"token": "T"}}, now=5.0)
    assert state.authenticated and state.token == Secret("T")
    assert state.expires_at is None and state.refresh_at() is None
    assert not state.refresh_due(1e12)


def test_refresh_at_margin() -> None:
    state = AuthState(PLAIN, creds())
    state.on_login_result({"access_token": "T", "expires_in": 900}, now=0.0)
    assert state.refresh_at() == pytest.approx(810.0)  # 10% of 900 > 5 s
    assert not state.refresh_due(809.9)
    assert state.refresh_due(810.0)
    state.on_login_result({"access_token": "T", "expires_in": 30}, now=0.0)
    assert state.refresh_at() == pytest.approx(25.0)  # at least min_margin
    state.on_login_result({"access_token": "T", "expires_in": 6}, now=0.0)
    assert state.refresh_at() == pytest.approx(3.0)  # never before half the lifetime
    custom = AuthState(PLAIN, creds(), refresh_margin=0.5, min_margin=1.0)
    custom.on_login_result({"access_token": "T", "expires_in": 100}, now=10.0)
    assert custom.refresh_at() == pytest.approx(60.0)


def test_refresh_params() -> None:
    state = AuthState(PLAIN, creds())
    assert state.refresh_params() is None  # no refresh token yet
    state.on_login_result({"access_token": "T", "refresh_token": "R1"}, now=0.0)
    assert state.refresh_params() == {"grant_type": "refresh_token", "refresh_token": "R1"}
    # a reply without a new refresh token keeps the old one
    state.on_login_result({"access_token": "T2"}, now=1.0)
    assert state.refresh_params() == {"grant_type": "refresh_token", "refresh_token": "R1"}
    no_template = AuthState(DERIBIT, creds())
    no_template.on_login_result({"access_token": "T", "refresh_token": "R"}, now=0.0)
    assert no_template.refresh_params() is None


def test_reset_keeps_refresh_token() -> None:
    state = AuthState(PLAIN, creds())
    state.on_login_result({"access_token": "T", "expires_in": 10, "refresh_token": "R"}, 0.0)
    state.reset()
    assert not state.authenticated
    assert state.token is None and state.expires_at is None and state.refresh_at() is None
    assert state.refresh_token == Secret("R")
    assert state.refresh_params() is not None


def test_redact() -> None:
    state = AuthState(PLAIN, creds("my-id", 'se"cret\\x'))
    state.on_login_result({"access_token": "TOKEN123", "refresh_token": "REFRESH9"}, 0.0)
    text = (
        'sent {"client_id":"my-id","client_secret":"se\\"cret\\\\x"} '
        'raw se"cret\\x got TOKEN123 and REFRESH9'
    )
    out = state.redact(text)
    for value in ("my-id", 'se"cret\\x', 'se\\"cret\\\\x', "TOKEN123", "REFRESH9"):
        assert value not in out
    assert out == ('sent {"client_id":"***","client_secret":"***"} raw *** got *** and ***')
    assert state.redact("nothing here") == "nothing here"
