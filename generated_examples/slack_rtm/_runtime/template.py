"""Templates with ``{name}`` placeholders: channel addresses, subscribe params, auth params.

One definition for the generator (which checks them) and the runtime (which fills them).
A placeholder is ``{identifier}``; other braces (a GraphQL selection ``{ id name }``) are
text. A string that is exactly one placeholder takes the value as it is, typed (an
integer stays an integer); placeholders inside longer strings are filled as text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["PLACEHOLDER", "fill", "placeholders"]

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_-]*)\}")


def placeholders(template: Any) -> list[str]:
    """Every placeholder name in the strings of ``template``, in order of appearance."""
    found: dict[str, None] = {}

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.update(dict.fromkeys(PLACEHOLDER.findall(value)))
        elif isinstance(value, Mapping):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(template)
    return list(found)


def fill(template: Any, values: Mapping[str, Any]) -> Any:
    """``template`` with every placeholder replaced; unknown names are left as written."""
    if isinstance(template, str):
        whole = PLACEHOLDER.fullmatch(template)
        if whole is not None and whole.group(1) in values:
            return values[whole.group(1)]
        return PLACEHOLDER.sub(
            lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0),
            template,
        )
    if isinstance(template, Mapping):
        return {key: fill(item, values) for key, item in template.items()}
    if isinstance(template, (list, tuple)):
        return [fill(item, values) for item in template]
    return template
