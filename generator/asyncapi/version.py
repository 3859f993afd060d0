"""Which AsyncAPI version a document is, from its ``asyncapi:`` field."""

from __future__ import annotations

import re

from ..diagnostics import Diagnostics
from ..loader.source import Document

SUPPORTED = ("2.0.0", "2.1.0", "2.2.0", "2.3.0", "2.4.0", "2.5.0", "2.6.0", "3.0.0", "3.1.0")


def is_asyncapi(data: object) -> bool:
    return isinstance(data, dict) and "asyncapi" in data


def detect(doc: Document, diagnostics: Diagnostics) -> int | None:
    """The major version (2 or 3), or None after a NOVA101 diagnostic."""
    raw = doc.data.get("asyncapi")
    text = str(raw)
    match = re.fullmatch(r"([23])\.(\d+)\.(\d+)(-.+)?", text)
    if match is None or f"{match[1]}.{match[2]}.0" not in SUPPORTED:
        diagnostics.error(
            "NOVA101",
            f"unsupported AsyncAPI version {raw!r}",
            doc.source.position("/asyncapi"),
            hint="nova-gen reads AsyncAPI " + ", ".join(SUPPORTED) + "; write e.g. `asyncapi: '2.6.0'`",
        )
        return None
    return int(match[1])
