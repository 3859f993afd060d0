"""Names of connect() arguments: the document's own names win over the credential names
nova-gen makes up (``token``, ``username``, ``password``, ``access_token``), which become
``auth_<name>`` when the document already has an argument of that name."""

from __future__ import annotations

from pathlib import Path

from nova_gen.diagnostics import Diagnostics
from nova_gen.loader import load_api

DOC = """\
asyncapi: 3.0.0
info: {title: Names, version: '1'}
servers:
  local:
    host: 127.0.0.1
    protocol: ws
    security: [{$ref: '#/components/securitySchemes/bearer'}, {$ref: '#/components/securitySchemes/basic'}]
channels:
  feed:
    address: /
    bindings:
      ws:
        headers: {type: object, properties: {token: {type: string}, username: {type: string}}}
    messages:
      tick: {payload: {type: object, properties: {type: {const: tick}}}}
operations:
  ticks:
    action: send
    channel: {$ref: '#/channels/feed'}
    messages: [{$ref: '#/channels/feed/messages/tick'}]
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
    basic: {type: userPassword}
"""


def test_made_up_credential_names_yield_to_the_documents(tmp_path: Path) -> None:
    (tmp_path / "doc.yml").write_text(DOC)
    diagnostics = Diagnostics()
    api = load_api(tmp_path / "doc.yml", diagnostics, tmp_path)
    assert not diagnostics.has_errors, [d.format() for d in diagnostics.items]
    assert [(c.kind, c.name, c.env) for c in api.connect_params] == [
        ("header", "token", None),
        ("header", "username", None),
        ("bearer", "auth_token", "NAMES_AUTH_TOKEN"),
        ("basic_user", "auth_username", "NAMES_AUTH_USERNAME"),
        ("basic_password", "password", "NAMES_PASSWORD"),
    ]
