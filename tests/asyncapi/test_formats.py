"""Issue 11, kind 7: every JSON Schema ``format`` maps to what ``pydantic`` alone validates,
or to the plain JSON type with a note; never to an import the package's dependencies
(``websockets``, ``pydantic``) do not provide. ``format: email`` used to become
``EmailStr``, and the package failed to import without ``email-validator``."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
import yaml
from datamodel_code_generator.parser.jsonschema import json_schema_data_formats

from nova_gen.render.formats import VALIDATED

from .building import build, write

ALLOWED_ROOTS = {"pydantic", "typing", "__future__"} | set(sys.stdlib_module_names)
FORMATS = sorted(
    (kind, fmt) for kind, formats in json_schema_data_formats.items() for fmt in formats if fmt != "default"
) + [("string", "made-up")]


def document() -> str:
    properties = {f"{kind}_{fmt}".replace("-", "_").replace(" ", "_"): {"type": kind, "format": fmt}
                  for kind, fmt in FORMATS}
    properties["contact"] = {"type": "string", "format": "email", "description": "Who to write to."}
    payload = {"type": "object", "properties": {"type": {"const": "user"}, **properties}}
    return yaml.safe_dump({
        "asyncapi": "3.0.0",
        "info": {"title": "Formats", "version": "1"},
        "servers": {"local": {"host": "127.0.0.1", "protocol": "ws"}},
        "channels": {"root": {"address": "/", "messages": {"user": {"payload": payload}}}},
        "operations": {"onUser": {"action": "send", "channel": {"$ref": "#/channels/root"},
                                  "messages": [{"$ref": "#/channels/root/messages/user"}]}},
    })


def test_models_import_only_what_the_package_promises(tmp_path: Path) -> None:
    with build(write(tmp_path, {"formats.yaml": document()}), tmp_path / "out") as package:
        source = (tmp_path / "out" / "formats" / "models.py").read_text(encoding="utf-8")
        fields = package.models.User.model_fields
        assert fields["contact"].annotation == (str | None)
        assert "    contact: str | None = None\n    \"\"\"\n    Who to write to. (format `email` is not checked)" in source
        assert fields["string_ulid"].annotation == (str | None)
        assert "    string_made_up: str | None = None\n    \"\"\"\n    format `made-up` is not checked" in source
        assert "UUID" in str(fields["string_uuid"].annotation)  # a validated format keeps its type
        user = package.models.User.model_validate({"type": "user", "string_password": "pw", "string_byte": "aGk="})
        # The value stays as it came: no SecretStr masking, no base64 decoding.
        assert user.model_dump(mode="json", exclude_none=True) == {
            "type": "user", "string_password": "pw", "string_byte": "aGk="
        }
    imported = {
        (node.module or "").split(".")[0] if isinstance(node, ast.ImportFrom) else alias.name.split(".")[0]
        for node in ast.walk(ast.parse(source)) if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    assert imported <= ALLOWED_ROOTS, imported - ALLOWED_ROOTS
    assert "EmailStr" not in source


@pytest.mark.parametrize(("kind", "fmt"), sorted(VALIDATED))
def test_every_validated_format_is_one_datamodel_code_generator_knows(kind: str, fmt: str) -> None:
    assert fmt in json_schema_data_formats[kind]
