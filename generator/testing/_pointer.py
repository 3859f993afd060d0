"""JSON pointers (RFC 6901) for the test server: read, test, write and remove.

A private helper so the server does not depend on the runtime's internals. ``""`` is the
whole document. Writing creates missing intermediate objects.
"""

from __future__ import annotations

from typing import Any

_MISSING: Any = object()


def parts(pointer: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON pointer: {pointer!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer[1:].split("/")]


def _step(node: Any, key: str) -> Any:
    if isinstance(node, dict):
        return node.get(key, _MISSING)
    if isinstance(node, list):
        if key.isdigit() and int(key) < len(node):
            return node[int(key)]
        return _MISSING
    return _MISSING


def get(doc: Any, pointer: str, default: Any = None) -> Any:
    """The value at ``pointer``, or ``default`` when it does not resolve."""
    node = doc
    for key in parts(pointer):
        node = _step(node, key)
        if node is _MISSING:
            return default
    return node


def has(doc: Any, pointer: str) -> bool:
    return get(doc, pointer, _MISSING) is not _MISSING


def set_(doc: dict[str, Any], pointer: str, value: Any) -> dict[str, Any]:
    """Write ``value`` at ``pointer`` inside ``doc`` (in place) and return ``doc``.

    ``""`` merges a dict ``value`` into ``doc``; any other value at ``""`` is an error
    because a frame must stay an object.
    """
    keys = parts(pointer)
    if not keys:
        if not isinstance(value, dict):
            raise ValueError("only an object can be merged into the whole frame")
        doc.update(value)
        return doc
    node: Any = doc
    for key in keys[:-1]:
        if isinstance(node, list):
            node = node[int(key)]
            continue
        child = node.get(key)
        if not isinstance(child, dict | list):
            child = {}
            node[key] = child
        node = child
    last = keys[-1]
    if isinstance(node, list):
        if last == "-":
            node.append(value)
        else:
            node[int(last)] = value
    else:
        node[last] = value
    return doc


def remove(doc: Any, pointer: str) -> None:
    """Remove the member at ``pointer`` if it exists."""
    keys = parts(pointer)
    if not keys:
        return
    parent = get(
        doc, "".join("/" + k.replace("~", "~0").replace("/", "~1") for k in keys[:-1])
    )
    if isinstance(parent, dict):
        parent.pop(keys[-1], None)
    elif (
        isinstance(parent, list) and keys[-1].isdigit() and int(keys[-1]) < len(parent)
    ):
        del parent[int(keys[-1])]
