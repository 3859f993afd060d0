"""Structural validation of a nova spec against the language's JSON Schema.

The schema (``nova-spec.schema.json``, printed by ``nova-gen schema``) is the single
description of the language's shape, shared with editors. Its errors are turned into
diagnostics at the offending node, with a hint for misspelt keys.
"""

from __future__ import annotations

import difflib
import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from nova_runtime.pointer import join_pointer

from ..diagnostics import Diagnostics
from ..loader.source import Document
from ..schemavalid import FastValidator

if TYPE_CHECKING:
    import jsonschema


@cache
def language_schema() -> dict[str, Any]:
    text = resources.files("nova_gen.nova").joinpath("nova-spec.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _language_validator() -> FastValidator:
    return FastValidator(language_schema())


def validate_structure(doc: Document, diagnostics: Diagnostics) -> None:
    data = doc.data
    if not isinstance(data, dict):
        diagnostics.error(
            "NOVA003", "a nova spec must be a mapping", doc.source.position(""),
            hint="start with `nova: 1` and `name: ...`",
        )
        return
    if "nova" in data and data["nova"] != 1:
        diagnostics.error(
            "NOVA004",
            f"unsupported language version {data['nova']!r}",
            doc.source.position("/nova"),
            hint="this nova-gen reads version 1; write `nova: 1`",
        )
    if _language_validator().is_valid(data):
        return  # python-jsonschema below only explains what jsonschema-rs refuses
    import jsonschema

    validator = jsonschema.Draft202012Validator(language_schema())
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        _report(error, doc, diagnostics)


def report_unknown_keys(
    error: jsonschema.ValidationError,
    doc: Document,
    pointer: str,
    diagnostics: Diagnostics,
    code: str = "NOVA003",
    prefix: str = "",
) -> bool:
    """For an ``additionalProperties`` error at ``pointer``: report each key the schema does
    not allow, at the key, with the closest allowed key as the hint (or the allowed keys);
    True when it was such an error."""
    if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
        return False
    schema = error.schema if isinstance(error.schema, dict) else {}
    allowed = list(schema.get("properties", {}))
    known = set(allowed)
    for key in sorted(str(k) for k in error.instance if k not in known):
        close = difflib.get_close_matches(key, allowed, 1)
        diagnostics.error(
            code,
            f"{prefix}unknown key {key!r}",
            doc.source.position(join_pointer(pointer, key), key=True),
            hint=f"did you mean {close[0]!r}?" if close else "allowed here: " + ", ".join(allowed),
        )
    return True


def _report(error: jsonschema.ValidationError, doc: Document, diagnostics: Diagnostics) -> None:
    if error.validator == "const" and list(error.absolute_path) == ["nova"]:
        return  # reported as NOVA004
    if error.validator == "oneOf" and error.context:
        # Report the alternative that got furthest instead of "is not valid under any".
        deepest = max(error.context, key=lambda e: len(e.absolute_path))
        if len(deepest.absolute_path) > len(error.absolute_path):
            _report(deepest, doc, diagnostics)
            return
    pointer = ""
    for token in error.absolute_path:
        pointer = join_pointer(pointer, token)
    if report_unknown_keys(error, doc, pointer, diagnostics):
        return
    where = "/".join(str(t) for t in error.absolute_path) or "the document"
    message = error.message
    if len(message) > 160:
        message = message[:157] + "..."
    hint = ""
    if error.validator == "required" and isinstance(error.schema, dict):
        # The text itself, not a page a user of the installed tool may not have.
        needed = ", ".join(map(str, error.schema.get("required", ())))
        hint = f"{where} needs {needed}; `nova-gen schema` prints what every section takes"
    elif error.validator == "pattern" and error.absolute_path and error.absolute_path[-1] == "name":
        hint = "use a lowercase identifier such as `deribit`"
    # A missing key is reported at the key of the mapping that lacks it, not at its first child.
    position = doc.source.position(pointer, key=error.validator == "required")
    diagnostics.error("NOVA003", f"{where}: {message}", position, hint=hint)
