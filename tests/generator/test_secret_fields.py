"""Model fields that hold secrets (``auth.token``/``auth.refresh_token`` in the login reply,
params filled from a secret credential) are ``Field(repr=False)``; nothing else is, and a
``repr`` keyword in the spec's own schemas has no say."""

from __future__ import annotations

import ast
from pathlib import Path

from nova_gen.cli import main

from .conftest import add_section, mutate

LOGIN = mutate(
    "subscriptions:",
    """  login:
    method: public/login
    params:
      type: object
      required: [key]
      properties:
        key: { type: string }
        sig: { type: array, items: { type: object, properties: { secret: { type: string } } } }
    result:
      type: object
      properties:
        session: { $ref: "#/schemas/Session" }
        user: { type: string }

subscriptions:""",
    mutate(
        "schemas:\n",
        "schemas:\n  Session:\n    type: object\n    properties:\n      token: { type: string }\n      id: { type: string }\n",
    ),
)
SPEC = add_section(
    """auth:
  request: login
  credentials:
    api_key: {}
    secret: { secret: true }
  params: { key: "{api_key}", sig: [{ secret: "{secret}" }] }
  token: /session/token
  expires_in: null
  refresh_token: null""",
    LOGIN,
)


def hidden_fields(models_py: str) -> set[str]:
    """``Class.field`` for every field written as ``Field(..., repr=False)``."""
    found = set()
    for node in ast.parse(models_py).body:
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and isinstance(item.value, ast.Call):
                    if any(k.arg == "repr" for k in item.value.keywords):
                        assert isinstance(item.target, ast.Name)
                        found.add(f"{node.name}.{item.target.id}")
    return found


def generate(folder: Path, spec: str) -> str:
    (folder / "spec.yaml").write_text(spec, encoding="utf-8")
    assert main(["spec.yaml", "-o", "out", "-q"]) == 0
    return (folder / "out" / "tickers" / "models.py").read_text("utf-8")


def test_token_through_a_ref_and_a_secret_inside_an_array(in_tmp: Path) -> None:
    models_py = generate(in_tmp, SPEC)
    hidden = hidden_fields(models_py)
    assert "Session.token" in hidden, "auth.token /session/token, through $ref"
    assert any(name.endswith(".secret") for name in hidden), "params sig[].secret = {secret}"
    assert not {"Session.id", "LoginParams.key"} & hidden, "not secrets: shown as before"
    assert len(hidden) == 2


def test_a_repr_keyword_in_the_spec_is_ignored(in_tmp: Path) -> None:
    models_py = generate(
        in_tmp, mutate("      price: { type: number }", '      price: { type: number, repr: "x" }')
    )
    assert "repr" not in models_py
    assert hidden_fields(
        generate(
            in_tmp, mutate("token: { type: string }", "token: { type: string, repr: true }", SPEC)
        )
    ) >= {"Session.token"}


def test_a_signed_login_hides_the_signature_and_a_param_named_like_a_secret(in_tmp: Path) -> None:
    """A login signed as ``auth.signature`` sends the HMAC, not the secret: the param
    that receives it is hidden, and so is a param named like the secret credential
    (a caller may still fill it in by hand, as Deribit's ``client_secret``)."""
    spec = mutate(
        "        key: { type: string }\n",
        "        key: { type: string }\n        secret: { type: string }\n        mac: { type: string }\n",
        SPEC,
    )
    spec = mutate(
        '  params: { key: "{api_key}", sig: [{ secret: "{secret}" }] }',
        '  params: { key: "{api_key}", mac: "{mac}" }\n'
        '  signature: { into: mac, key: secret, message: "{timestamp}{nonce}" }',
        spec,
    )
    hidden = hidden_fields(generate(in_tmp, spec))
    assert {"LoginParams.mac", "LoginParams.secret", "Session.token"} <= hidden
    assert "LoginParams.key" not in hidden
