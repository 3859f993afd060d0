"""Which language a document is written in: a nova spec, an AsyncAPI document, or neither.

A file that is neither (empty, a list, an OpenAPI document, any other YAML) gets one
``NOVA006`` saying so, not the nova language's complaint about each key it lacks and each
key it does not know. A nova spec with typos is still a nova spec: ``nova:``, a close
misspelling of it, or any top-level key of the language is enough, so its own diagnostics
(with their "did you mean") are reported.
"""

from __future__ import annotations

from typing import Any, Literal

from nova_runtime.pointer import join_pointer

from ..argparsing import closest
from ..diagnostics import Diagnostics
from .source import Document

Language = Literal["nova", "asyncapi"]

_START = "a nova spec starts with `nova: 1`, an AsyncAPI document with `asyncapi: 3.0.0` (or 2.x)"
_FOREIGN = {
    "openapi": "an OpenAPI document, which describes an HTTP API",
    "swagger": "a Swagger (OpenAPI 2) document, which describes an HTTP API",
}


def detect(doc: Document, diagnostics: Diagnostics) -> Language | None:
    """The language of ``doc``, or None after reporting ``NOVA006`` when it is neither."""
    data = doc.data
    if isinstance(data, dict) and data:
        if "asyncapi" in data:
            return "asyncapi"
        keys = [str(key) for key in data]
        foreign = next((key for key in keys if key in _FOREIGN), None)
        if foreign is None:
            if "nova" in data or any(key in _nova_keys() for key in keys):
                return "nova"
            if any(closest(key, ["nova"]) for key in keys):
                return "nova"  # the language's own check says "did you mean 'nova'?"
            misspelt = next((key for key in keys if closest(key, ["asyncapi"])), None)
            if misspelt is not None:
                diagnostics.error(
                    "NOVA006",
                    f"not a nova spec or an AsyncAPI document: no `nova:` or `asyncapi:` at the top, "
                    f"but {misspelt!r}",
                    doc.source.position(join_pointer("", misspelt), key=True),
                    hint="did you mean 'asyncapi'?",
                )
                return None
        what = _FOREIGN[foreign] if foreign else f"a mapping of {_listed(keys)}"
        position = doc.source.position(join_pointer("", foreign) if foreign else "", key=True)
    else:
        what = "empty" if data in (None, {}, [], "") else f"a {_shape(data)}, not a mapping"
        position = doc.source.position("")
    diagnostics.error("NOVA006", f"not a nova spec or an AsyncAPI document: the file is {what}", position, hint=_START)
    return None


def _nova_keys() -> frozenset[str]:
    from ..nova.validate import language_schema

    return frozenset(language_schema()["properties"])


def _listed(keys: list[str]) -> str:
    shown = ", ".join(repr(k[:40]) for k in keys[:5])
    return shown + (f" and {len(keys) - 5} more keys" if len(keys) > 5 else "")


def _shape(data: Any) -> str:
    return "list" if isinstance(data, list) else "single value"
