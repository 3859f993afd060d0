"""Model fields that hold secrets are left out of ``repr()``: ``Field(repr=False)``.

pydantic prints every field in ``repr`` and ``str``, so a login reply printed or logged by
the user (``print(await client.auth(...))``) would show the access token. The spec says
which fields are secrets:

- in the reply of the login request (``auth.request``), the fields that ``auth.token`` and
  ``auth.refresh_token`` point at (JSON pointers into the reply, followed through ``$ref``
  and nested objects);
- in the login request's params, the keys whose template value is a secret credential
  (``client_secret: "{client_secret}"``, also inside arrays) or the refresh token
  (``"{refresh_token}"``), in ``auth.params`` and ``auth.refresh``; the key that receives
  the login signature (``auth.signature.into``); and a key named like a secret credential
  (``client_secret``), which holds that secret whenever a caller fills it in, even when the
  spec's own login signs with it rather than sending it.

The field's schema gets ``repr: false``, which datamodel-code-generator prints as a ``Field``
argument (its ``field_extra_keys``). A ``repr`` keyword written in the spec itself is dropped
first: only this module decides it. The type of the field does not change (no ``SecretStr``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from nova_runtime.pointer import compile_pointer

from ..plan import Plan

REPR = "repr"
ITEMS = "[]"
_NAMED = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
"""Keywords whose value maps names (not keywords) to schemas."""


def _without_repr(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_without_repr(v) for v in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == REPR:
            continue
        if key in _NAMED and isinstance(value, dict):
            out[key] = {name: _without_repr(sub) for name, sub in value.items()}
        else:
            out[key] = _without_repr(value)
    return out


def _field(models: dict[str, Any], schema: Any, tokens: tuple[str, ...]) -> dict[str, Any] | None:
    """The schema at ``tokens`` (object keys, :data:`ITEMS` for an array's items) below
    ``schema``, through ``$ref``s."""
    target: dict[str, Any] | None = None
    for depth, token in enumerate(tokens):
        for _ in range(len(models) + 1):  # a chain of $refs, bounded
            ref = schema.get("$ref") if isinstance(schema, dict) else None
            if not (isinstance(ref, str) and ref.startswith("#/$defs/")):
                break
            schema = models.get(ref[8:])
        if token == ITEMS:
            schema = schema.get("items") if isinstance(schema, dict) else None
            if not isinstance(schema, dict):
                return None
        else:
            properties = schema.get("properties") if isinstance(schema, dict) else None
            if not isinstance(properties, dict) or not isinstance(properties.get(token), dict):
                return None
            schema = properties[token]
        if depth == len(tokens) - 1:
            target = schema
    return target


def _secret_params(
    template: Any, secrets: frozenset[str], path: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    """Paths of the params template whose value is ``"{name}"`` of a secret."""
    if isinstance(template, Mapping):
        for key, value in template.items():
            yield from _secret_params(value, secrets, (*path, str(key)))
    elif isinstance(template, list | tuple):
        for value in template:
            yield from _secret_params(value, secrets, (*path, ITEMS))
    elif isinstance(template, str) and template.startswith("{") and template.endswith("}"):
        if template[1:-1] in secrets:
            yield path


def hide_secrets(plan: Plan) -> dict[str, Any]:
    """``plan.models`` (copies of the schemas) with ``repr: false`` on every field that holds a secret."""
    models: dict[str, Any] = {name: _without_repr(schema) for name, schema in plan.models.items()}
    auth = plan.api.auth
    login = next((r for r in plan.requests if r.source.name == plan.api.auth_request), None)
    if auth is None or login is None:
        return models
    marked: list[dict[str, Any] | None] = []
    if login.result.startswith("models."):
        reply = {"$ref": "#/$defs/" + login.result.removeprefix("models.")}
        for pointer in (auth.token, auth.refresh_token):
            if pointer:
                marked.append(_field(models, reply, compile_pointer(pointer)))
    if login.params_model is not None:
        secrets = frozenset({c.name for c in auth.credentials if c.secret} | {"refresh_token"})
        params = {"$ref": "#/$defs/" + login.params_model}
        for template in (auth.params, auth.refresh_params):
            for path in _secret_params(template, secrets):
                marked.append(_field(models, params, path))
        named = secrets | ({auth.signature.into} if auth.signature is not None else set())
        for name in sorted(named):
            marked.append(_field(models, params, (name,)))
    for schema in marked:
        if schema is not None:
            schema[REPR] = False
    return models
