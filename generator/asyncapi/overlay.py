"""What AsyncAPI cannot say, from ``x-nova-*`` extensions or a nova overlay file.

Two places, the file winning over the document:

- root extensions of the AsyncAPI document: ``x-nova-heartbeat: {...}``,
  ``x-nova-reconnect``, ``x-nova-rate-limit``, ... (``-`` or ``_`` both work), or one
  ``x-nova: {heartbeat: ..., reconnect: ...}`` mapping;
- a file next to the document named ``<stem>.nova.yaml`` (``kraken.yml`` ->
  ``kraken.nova.yaml``), holding the same keys at its top level.

The keys and their meaning are those of the nova spec language (docs/spec-language.md),
checked against the same JSON Schema.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nova_runtime.pointer import join_pointer

from ..diagnostics import Diagnostics
from ..loader.source import Document, load_document
from ..nova.validate import language_schema, report_unknown_keys

KEYS = (
    "name",
    "title",
    "default_server",
    "subprotocols",
    "envelope",
    "auth",
    "heartbeat",
    "reconnect",
    "rate_limit",
    "max_lifetime",
    "errors",
    "hello",
    "messages",
)
"""``messages`` is AsyncAPI-only: ``{<message key>: {when: {...}}}`` overrides how an
incoming message is recognised (e.g. to fix a document whose discriminators collide)."""


@dataclass
class Overlay:
    data: dict[str, Any] = field(default_factory=dict)
    where: dict[str, tuple[Document, str]] = field(default_factory=dict)
    """For each key: the document and pointer it came from (for diagnostics)."""
    files: list[Document] = field(default_factory=list)


def _schema_for(keys: list[str]) -> dict[str, Any]:
    lang = language_schema()
    props = lang["properties"]
    return {
        "$defs": lang.get("$defs", {}),
        "type": "object",
        "properties": {k: props[k] for k in keys if k in props},
    }


def _check(key: str, value: Any, doc: Document, pointer: str, diagnostics: Diagnostics) -> bool:
    import jsonschema  # only a document with nova extensions needs it

    if key not in KEYS:
        close = difflib.get_close_matches(key, KEYS, 1)
        diagnostics.error(
            "NOVA114",
            f"unknown nova extension {key!r}",
            doc.source.position(pointer, key=True),
            hint=f"did you mean {close[0]!r}?" if close else "known: " + ", ".join(KEYS),
        )
        return False
    if key == "messages":
        when = language_schema()["$defs"]["when"]
        schema = {
            "$defs": language_schema()["$defs"],
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["when"],
                "properties": {"when": when},
            },
        }
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(value))
        path_offset = 0
    elif key == "envelope":
        # Any envelope key, presets included; the parts given replace what the document
        # implies (a preset gives them all).
        schema = language_schema()["$defs"]["envelope"]
        validator = jsonschema.Draft202012Validator({**schema, "$defs": language_schema()["$defs"]})
        errors = list(validator.iter_errors(value))
        path_offset = 0
    else:
        errors = list(jsonschema.Draft202012Validator(_schema_for([key])).iter_errors({key: value}))
        path_offset = 1
    for error in errors:
        path = list(error.absolute_path)
        where = pointer
        for token in path[path_offset:]:
            where = join_pointer(where, token)
        if report_unknown_keys(error, doc, where, diagnostics, "NOVA114", f"{key}: "):
            continue
        diagnostics.error(
            "NOVA114",
            f"{key}: {error.message[:160]}",
            doc.source.position(where),
            hint="the keys mean what they mean in the nova spec language (`nova-gen schema` prints it)",
        )
    return not errors


def read_overlay(doc: Document, diagnostics: Diagnostics) -> Overlay:
    out = Overlay()
    data = doc.data
    block = data.get("x-nova")
    if block is not None:
        if not isinstance(block, dict):
            diagnostics.error("NOVA114", "`x-nova` must be a mapping", doc.source.position("/x-nova"))
        else:
            for key, value in block.items():
                pointer = join_pointer("/x-nova", key)
                if _check(str(key), value, doc, pointer, diagnostics):
                    out.data[str(key)] = value
                    out.where[str(key)] = (doc, pointer)
    for raw_key, value in data.items():
        if not isinstance(raw_key, str) or not raw_key.startswith("x-nova-"):
            continue
        key = raw_key[len("x-nova-"):].replace("-", "_")
        pointer = join_pointer("", raw_key)
        if key in ("overlay",):
            continue
        if _check(key, value, doc, pointer, diagnostics):
            out.data[key] = value
            out.where[key] = (doc, pointer)
    path = doc.path.with_name(doc.path.name.split(".")[0] + ".nova.yaml")
    if path.is_file():
        display = str(Path(doc.display).with_name(path.name))
        file_doc = load_document(path, display, diagnostics, doc.limits)
        if file_doc is not None:
            out.files.append(file_doc)
            if not isinstance(file_doc.data, dict):
                diagnostics.error("NOVA114", "a nova overlay file must be a mapping", file_doc.source.position(""))
            else:
                for key, value in file_doc.data.items():
                    pointer = join_pointer("", str(key))
                    if _check(str(key), value, file_doc, pointer, diagnostics):
                        out.data[str(key)] = value
                        out.where[str(key)] = (file_doc, pointer)
    return out
