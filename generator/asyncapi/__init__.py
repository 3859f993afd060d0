"""The AsyncAPI front end (2.0-2.6, 3.0, 3.1): document in, IR out."""

from __future__ import annotations

from .. import ir
from ..diagnostics import Diagnostics
from ..loader.refs import RefResolver
from ..loader.source import Document
from .normalize import DEFAULT_PERSPECTIVE, AsyncApiNormalizer
from .perspective import Perspective
from .validate import validate_structure
from .version import detect, is_asyncapi

__all__ = ["DEFAULT_PERSPECTIVE", "Perspective", "is_asyncapi", "load_asyncapi"]


def load_asyncapi(doc: Document, diagnostics: Diagnostics, perspective: Perspective | None = None) -> ir.Api | None:
    """Validate ``doc`` and build its IR; None when the document has errors."""
    major = detect(doc, diagnostics)
    if major is None:
        return None
    refs = RefResolver(doc, diagnostics)  # one for both: each file is parsed once
    validate_structure(doc, major, diagnostics, refs)
    if diagnostics.has_errors:
        return None
    normalizer = AsyncApiNormalizer(doc, diagnostics, major, perspective or DEFAULT_PERSPECTIVE, refs)
    api = normalizer.run(doc.display)
    return None if diagnostics.has_errors else api
