"""The nova spec language front end: YAML in, IR out."""

from __future__ import annotations

from .. import ir
from ..diagnostics import Diagnostics
from ..loader.source import Document
from .normalize import Normalizer
from .validate import validate_structure


def load_nova(doc: Document, diagnostics: Diagnostics) -> ir.Api | None:
    """Validate ``doc`` and build its IR; None when the spec has errors."""
    validate_structure(doc, diagnostics)
    if diagnostics.has_errors:
        return None
    api = Normalizer(doc, diagnostics).run(doc.display)
    return None if diagnostics.has_errors else api
