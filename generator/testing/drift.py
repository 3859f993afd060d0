"""Schema drift the test server applies to what it sends: members removed and values
replaced at JSON Pointers, as a server that stops sending a documented field or changes
its type. Notification payloads (:meth:`~.controls.ServerControls.drift`) and request
results (:meth:`~.controls.ServerControls.drift_results`) use the same mechanism."""

from __future__ import annotations

import copy
import threading
from typing import Any

from nova_runtime.pointer import compile_pointer

from .framing import remove_at

__all__ = ["PayloadDrift", "put"]


class PayloadDrift:
    """Schema drift to apply to every payload of one kind from now on (thread-safe):
    members removed at ``remove`` pointers and values replaced at ``replace`` pointers,
    both relative to the payload (``/mark_price``, ``/stats/volume``, ``/0/price``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._remove: tuple[str, ...] = ()
        self._replace: dict[str, Any] = {}

    def set(self, remove: tuple[str, ...] = (), replace: dict[str, Any] | None = None) -> None:
        with self._lock:
            self._remove = tuple(remove)
            self._replace = dict(replace or {})

    def apply(self, message: Any) -> Any:
        with self._lock:
            remove, replace = self._remove, self._replace
        for pointer in remove:
            remove_at(message, pointer)
        for pointer, value in replace.items():
            put(message, pointer, copy.deepcopy(value))
        return message


def put(doc: dict[str, Any], pointer: str, value: Any) -> None:
    """Write ``value`` at ``pointer``, stepping into existing lists by index and creating
    objects where nothing is; ``""`` merges an object into ``doc``."""
    tokens = compile_pointer(pointer)
    if not tokens:
        if isinstance(value, dict):
            doc.update(value)
        return
    node: Any = doc
    for token in tokens[:-1]:
        if isinstance(node, list) and token.isdigit() and int(token) < len(node):
            nxt = node[int(token)]
            if not isinstance(nxt, dict | list):
                nxt = {}
                node[int(token)] = nxt
        elif isinstance(node, dict):
            nxt = node.get(token)
            if not isinstance(nxt, dict | list):
                nxt = {}
                node[token] = nxt
        else:
            return
        node = nxt
    last = tokens[-1]
    if isinstance(node, list):
        if last.isdigit() and int(last) < len(node):
            node[int(last)] = value
    else:
        node[last] = value
