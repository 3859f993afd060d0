"""``auth.signature``: an HMAC over a template of named values, as spec data.

A login signature is data, not code in the runtime: which credential keys the HMAC, the
text it signs (a template of the credentials, ``{timestamp}``, ``{nonce}`` and
``{method}``), the digest, the encoding, the timestamp's unit, and the placeholder of
the login params the result fills. The names of the old built-in recipes
(``deribit_client_signature``, ``okx_login``) stay accepted as ``auth.recipe`` and are
expanded here to that data form; the runtime never sees a vendor name.

Checks (beyond the schema's): ``NOVA065`` the key is not a credential, ``NOVA066`` a
placeholder of the message is not a named value, ``NOVA067`` the params never use the
result, ``NOVA068`` the result's name hides a credential or a named value, ``NOVA069``
both ``recipe`` and ``signature`` given.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Any, NamedTuple, Protocol

from nova_runtime import protocol as p
from nova_runtime.template import PLACEHOLDER, placeholders

from ..diagnostics import Diagnostics, Position

__all__ = ["RECIPES", "expand_recipe", "read_signature", "signature_of"]

VALUES = ("timestamp", "nonce", "method")
"""The named values a signature adds beside the credentials."""

class Recipe(NamedTuple):
    """What an old recipe name stands for."""

    drops: tuple[str, ...]
    """Login params the recipe removes from the spec's (never sent)."""
    sets: dict[str, Any]
    """Login params it sets."""
    signature: dict[str, Any]
    """The ``auth.signature`` it means."""


RECIPES: dict[str, Recipe] = {
    # Deribit public/auth, grant client_signature: hex HMAC-SHA256 of
    # "timestamp\nnonce\ndata" (timestamp in ms, data empty) keyed by the client secret,
    # which is never sent.
    "deribit_client_signature": Recipe(
        ("client_secret",),
        {
            "grant_type": "client_signature",
            "client_id": "{client_id}",
            "timestamp": "{timestamp}",
            "nonce": "{nonce}",
            "data": "",
            "signature": "{signature}",
        },
        {
            "into": "signature",
            "key": "client_secret",
            "message": "{timestamp}\n{nonce}\n",
            "hmac": "sha256",
            "encoding": "hex",
            "timestamp": {"unit": "ms"},
        },
    ),
    # OKX login: Base64 HMAC-SHA256 of timestamp + "GET/users/self/verify", timestamp in
    # Unix seconds as a string; the params template places "{timestamp}" and "{sign}".
    "okx_login": Recipe(
        (),
        {},
        {
            "into": "sign",
            "key": "secret_key",
            "message": "{timestamp}GET/users/self/verify",
            "hmac": "sha256",
            "encoding": "base64",
            "timestamp": {"unit": "s", "type": "string"},
        },
    ),
}
"""The old built-in recipes, by name."""


class Located(Protocol):
    """Where diagnostics go and where a pointer of the spec was written (the normaliser)."""

    diagnostics: Diagnostics

    def pos(self, pointer: str, *, key: bool = False) -> Position: ...


def read_signature(
    n: Located, auth: dict[str, Any], credentials: Set[str]
) -> tuple[dict[str, Any], p.Signature | None]:
    """The login params and the signature of the spec's ``auth`` section, the old
    recipe names expanded; diagnostics for what does not fit together."""
    params: dict[str, Any] = dict(auth.get("params", {}))
    data = auth.get("signature")
    recipe = auth.get("recipe")
    if recipe is not None:
        if data is not None:
            n.diagnostics.error(
                "NOVA069",
                "auth has both a recipe and a signature",
                n.pos("/auth/recipe", key=True),
                hint="keep the signature; a recipe is only a name for one",
            )
            return params, None
        params, signature = expand_recipe(recipe, params)
        _check(n, signature, params, credentials, "/auth/recipe", own=False)
        return params, signature
    if data is None:
        return params, None
    signature = signature_of(data)
    _check(n, signature, params, credentials, "/auth/signature", own=True)
    return params, signature


def expand_recipe(name: str, params: Mapping[str, Any]) -> tuple[dict[str, Any], p.Signature]:
    """The login params and signature an old recipe name stands for, given the spec's
    params."""
    recipe = RECIPES[name]
    expanded = {k: v for k, v in params.items() if k not in recipe.drops}
    expanded.update(recipe.sets)
    return expanded, signature_of(recipe.signature)


def signature_of(data: Mapping[str, Any]) -> p.Signature:
    """The runtime form of a (schema-valid) ``auth.signature`` mapping."""
    timestamp = data.get("timestamp", {})
    return p.Signature(
        into=data["into"],
        key=data["key"],
        message=data["message"],
        hmac=data.get("hmac", "sha256"),
        encoding=data.get("encoding", "hex"),
        timestamp_unit=timestamp.get("unit", "ms"),
        timestamp_type=timestamp.get("type", "integer"),
    )


def _check(
    n: Located,
    signature: p.Signature,
    params: dict[str, Any],
    credentials: Set[str],
    where: str,
    *,
    own: bool,
) -> None:
    def at(key: str) -> Position:
        return n.pos(f"{where}/{key}" if own else where)

    if signature.key not in credentials:
        n.diagnostics.error(
            "NOVA065",
            f"the signature's key {signature.key!r} is not a credential",
            at("key"),
            hint=f"declare it under auth.credentials (declared: {', '.join(sorted(credentials)) or 'none'})",
        )
    named = set(credentials) | set(VALUES)
    for name in PLACEHOLDER.findall(signature.message):
        if name not in named:
            n.diagnostics.error(
                "NOVA066",
                f"{{{name}}} in the signature's message is neither a credential nor one of"
                f" {', '.join('{' + v + '}' for v in VALUES)}",
                at("message"),
                hint="write literal text as it is; only these names are filled in",
            )
    if signature.into in named:
        n.diagnostics.error(
            "NOVA068",
            f"the signature's name {signature.into!r} is already a credential or a named value",
            at("into"),
            hint="name the result after the login param it fills, such as 'signature' or 'sign'",
        )
    elif signature.into not in placeholders(params):
        n.diagnostics.error(
            "NOVA067",
            f'auth.params never uses "{{{signature.into}}}": the signature would not be sent',
            at("into"),
            hint=f'put "{{{signature.into}}}" where the login params carry the signature',
        )
