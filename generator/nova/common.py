"""Small pieces shared by the nova front end's readers."""

from __future__ import annotations

from typing import Any

from nova_runtime import protocol as p
from nova_runtime.pointer import join_pointer


def strings_in(value: Any, pointer: str) -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(pointer, value)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in strings_in(v, join_pointer(pointer, k))]
    if isinstance(value, list):
        return [s for i, v in enumerate(value) for s in strings_in(v, join_pointer(pointer, i))]
    return []


def _pointers(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def match_from(when: dict[str, Any]) -> p.Match:
    return p.Match(
        present=_pointers(when.get("present")),
        absent=_pointers(when.get("absent")),
        equals=tuple(when.get("equals", {}).items()),
        one_of=tuple((k, tuple(v)) for k, v in when.get("in", {}).items()),
        none_of=tuple((k, tuple(v)) for k, v in when.get("not", {}).items()),
    )


