"""Structural checks of an AsyncAPI document: the parts nova-gen reads must have the
right shape. Everything it does not read is left alone (AsyncAPI has much more)."""

from __future__ import annotations

from typing import Any

from nova_runtime.pointer import join_pointer

from ..diagnostics import Diagnostics
from ..loader.refs import RefResolver
from ..loader.source import Document
from .keys import check_keys

SECTIONS_2 = {"info": dict, "servers": dict, "channels": dict, "components": dict}
SECTIONS_3 = {"info": dict, "servers": dict, "channels": dict, "operations": dict, "components": dict}


def _kind(value: Any) -> str:
    names: dict[type, str] = {dict: "a mapping", list: "a list", str: "a string"}
    return names.get(type(value), type(value).__name__)


def mapping(value: Any, doc: Document, pointer: str, diagnostics: Diagnostics) -> dict[Any, Any]:
    """``value`` (found at ``doc#pointer``) where the specification wants a mapping.

    Absent (None) is an empty mapping; anything else that is not one is ``NOVA102`` and
    read as empty, so the reader goes on and reports what else is wrong.
    """
    if value is None or isinstance(value, dict):
        return value or {}
    _wrong_shape(value, "a mapping", doc, pointer, diagnostics)
    return {}


def sequence(value: Any, doc: Document, pointer: str, diagnostics: Diagnostics) -> list[Any]:
    """Like :func:`mapping`, for a list."""
    if value is None or isinstance(value, list):
        return value or []
    _wrong_shape(value, "a list", doc, pointer, diagnostics)
    return []


def _wrong_shape(value: Any, wanted: str, doc: Document, pointer: str, diagnostics: Diagnostics) -> None:
    diagnostics.error(
        "NOVA102",
        f"`{pointer.rsplit('/', 1)[-1]}` must be {wanted}, not {_kind(value)}",
        doc.source.position(pointer),
        hint="see the AsyncAPI specification for this object",
    )


def validate_structure(doc: Document, major: int, diagnostics: Diagnostics, refs: RefResolver) -> None:
    """The shapes nova-gen reads, and the keys of every object (``refs`` follows ``$ref``s
    into the files they name; see :func:`.keys.check_keys`)."""
    data = doc.data
    typos = check_keys(doc, major, diagnostics, refs.quiet())
    info = data.get("info")
    if not isinstance(info, dict):
        diagnostics.error(
            "NOVA102",
            "the document has no `info` mapping",
            doc.source.position("/info" if "info" in data else ""),
            hint="add `info: {title: ..., version: ...}`",
        )
    else:
        for key in ("title", "version"):
            # `titel: X` is the title misspelt: NOVA118 says so at the typo, once.
            if key not in info and ("/info", key) not in typos:
                diagnostics.error(
                    "NOVA102",
                    f"info has no `{key}`",
                    doc.source.position("/info", key=True),
                    hint=f"add `{key}:` under info",
                )
    for section, kind in (SECTIONS_2 if major == 2 else SECTIONS_3).items():
        if section == "info" or section not in data or data[section] is None:
            continue
        if not isinstance(data[section], kind):
            diagnostics.error(
                "NOVA102",
                f"`{section}` must be a mapping, not {_kind(data[section])}",
                doc.source.position(join_pointer("", section)),
                hint="see the AsyncAPI specification for this section",
            )
    if major == 2:
        for address, item in (data.get("channels") or {}).items() if isinstance(data.get("channels"), dict) else ():
            base = join_pointer("/channels", address)
            if not isinstance(item, dict):
                diagnostics.error("NOVA102", f"channel {address!r} must be a mapping", doc.source.position(base))
                continue
            for verb in ("publish", "subscribe"):
                if verb in item and not isinstance(item[verb], dict):
                    diagnostics.error(
                        "NOVA102",
                        f"`{verb}` of channel {address!r} must be a mapping",
                        doc.source.position(join_pointer(base, verb)),
                    )
    else:
        for key, op in (data.get("operations") or {}).items() if isinstance(data.get("operations"), dict) else ():
            base = join_pointer("/operations", key)
            if isinstance(op, dict) and "$ref" not in op:
                for need in ("action", "channel"):
                    if need not in op:
                        diagnostics.error(
                            "NOVA102",
                            f"operation {key!r} has no `{need}`",
                            doc.source.position(base, key=True),
                            hint="a 3.0 operation needs `action` (send|receive) and `channel`",
                        )
        for key, ch in (data.get("channels") or {}).items() if isinstance(data.get("channels"), dict) else ():
            if isinstance(ch, dict) and "messages" in ch and not isinstance(ch["messages"], dict):
                diagnostics.error(
                    "NOVA102",
                    f"`messages` of channel {key!r} must be a mapping",
                    doc.source.position(join_pointer(join_pointer("/channels", key), "messages")),
                )
