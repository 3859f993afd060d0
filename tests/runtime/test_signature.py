"""Login signatures as spec data (``auth.signature``): the Deribit and OKX specs sign as
the vendors document, the old recipe names mean exactly the same data, and the HMAC
itself matches RFC 4231's test vectors for each digest and encoding."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from nova_runtime.core import AuthState, Secret
from nova_runtime.protocol import Auth, Credential, Signature

from nova_gen.loader import load_api

SPECS = Path(__file__).parents[2] / "specs"


def spec_auth(path: Path) -> Auth:
    auth = load_api(path).auth
    assert auth is not None
    return auth


def auth_example(name: str) -> dict[str, Any]:
    """One example of the Deribit spec's ``auth`` request, by name (params as written)."""
    spec = yaml.safe_load((SPECS / "deribit.yaml").read_text("utf-8"))
    (example,) = [e for e in spec["requests"]["auth"]["examples"] if e["name"] == name]
    params: dict[str, Any] = example["params"]
    return params


def test_the_deribit_spec_signs_like_its_documented_example() -> None:
    """The spec's own ``client signature`` example of ``public/auth`` (timestamp, nonce,
    empty data), signed with the client secret of Deribit's documented
    ``client_credentials`` example: the data form gives those params byte for byte."""
    documented = auth_example("client credentials")
    expected = auth_example("client signature")
    state = AuthState(
        spec_auth(SPECS / "deribit.yaml"),
        {
            "client_id": Secret(documented["client_id"]),
            "client_secret": Secret(documented["client_secret"]),
        },
    )
    params = state.login_params(expected["timestamp"], expected["nonce"])
    assert params == expected
    assert documented["client_secret"] not in repr(params)
    assert expected["signature"] in state.secret_values()  # redacted from logs


def test_the_okx_spec_signs_like_okx_documents() -> None:
    """OKX: sign = Base64(HMAC-SHA256(secret, timestamp + "GET" + "/users/self/verify")),
    timestamp in seconds, as text. Known answer computed independently:
    printf '1715688061GET/users/self/verify' | openssl dgst -sha256 -hmac okx-secret -binary | base64
    """
    state = AuthState(
        spec_auth(SPECS / "okx.yaml"),
        {"api_key": Secret("key-1"), "secret_key": Secret("okx-secret"), "passphrase": Secret("pw")},
    )
    assert state.login_params(1715688061999, "unused") == {
        "args": [
            {
                "apiKey": "key-1",
                "passphrase": "pw",
                "timestamp": "1715688061",
                "sign": "KBnZs7IF4mBXsyols7bjAwCdlZQq8M+a3X7c2hskOU0=",
            }
        ]
    }


OLD_FORMS = {
    # What the specs said before signing was data: the params and the recipe's name.
    "deribit.yaml": '  params: { grant_type: client_credentials, client_id: "{client_id}",'
    ' client_secret: "{client_secret}" }\n  recipe: deribit_client_signature\n',
    "okx.yaml": '  params: { args: [{ apiKey: "{api_key}", passphrase: "{passphrase}",'
    ' timestamp: "{timestamp}", sign: "{sign}" }] }\n  recipe: okx_login\n',
}


@pytest.mark.parametrize("spec", sorted(OLD_FORMS))
def test_an_old_recipe_name_means_the_same_data(spec: str, tmp_path: Path) -> None:
    """Existing specs keep working: ``recipe: <name>`` is expanded by the normaliser
    into the very same login params and signature as the data form the spec now uses."""
    text = (SPECS / spec).read_text("utf-8")
    start = text.index("  params:", text.index("\nauth:"))
    end = text.index("\n", text.index("    timestamp: {", start)) + 1  # the signature's last line
    (tmp_path / spec).write_text(text[:start] + OLD_FORMS[spec] + text[end:], encoding="utf-8")
    assert spec_auth(tmp_path / spec) == spec_auth(SPECS / spec)


# RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
RFC4231_SHA256 = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
RFC4231_SHA512 = (
    "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
    "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
)


@pytest.mark.parametrize(
    ("digest", "encoding", "expected"),
    [
        ("sha256", "hex", RFC4231_SHA256),
        ("sha512", "hex", RFC4231_SHA512),
        ("sha256", "base64", "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM="),
        (
            "sha512",
            "base64",
            "Fkt6e/z4GeLjlfvnO1bgo4e9ZCIugx/WECcM1+olBVSXWL91wFqZSm0DT2X48Ob9yuqxo01Ka0tjbgcKOLznNw==",
        ),
    ],
)
def test_digests_and_encodings_match_rfc_4231(digest: str, encoding: str, expected: str) -> None:
    auth = Auth(
        request="login",
        params={"sig": "{sig}", "at": "{timestamp}", "via": "{method}"},
        credentials=(Credential("secret", secret=True),),
        signature=Signature(
            into="sig",
            key="secret",
            message="what do ya want for {nonce}?",
            hmac=digest,  # type: ignore[arg-type]
            encoding=encoding,  # type: ignore[arg-type]
            timestamp_unit="s",
        ),
    )
    params = AuthState(auth, {"secret": Secret("Jefe")}).login_params(1_700_000_000_500, "nothing")
    assert params == {"sig": expected, "at": 1_700_000_000, "via": "login"}
