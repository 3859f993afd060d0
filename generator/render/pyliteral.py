"""Python source for the runtime's wire-description values.

Only dataclasses of :mod:`nova_runtime.protocol`, tuples, dicts and JSON scalars
are accepted, and every string goes through ``repr``: nothing from a spec can become
code. Fields equal to their defaults are left out to keep ``_protocol.py`` readable.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from nova_runtime import protocol


def to_source(value: Any, prefix: str = "p.") -> str:
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    if isinstance(value, tuple):
        inner = ", ".join(to_source(v, prefix) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(to_source(v, prefix) for v in value) + "]"
    if isinstance(value, Mapping):
        items = ", ".join(f"{to_source(k, prefix)}: {to_source(v, prefix)}" for k, v in value.items())
        return "{" + items + "}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        if getattr(protocol, cls.__name__, None) is not cls:
            raise TypeError(f"{cls.__name__} is not a runtime protocol type")
        args = []
        for f in dataclasses.fields(value):
            current = getattr(value, f.name)
            if f.default is not dataclasses.MISSING and current == f.default:
                continue
            if f.default_factory is not dataclasses.MISSING and current == f.default_factory():
                continue
            args.append(f"{f.name}={to_source(current, prefix)}")
        return f"{prefix}{cls.__name__}({', '.join(args)})"
    raise TypeError(f"cannot write {type(value).__name__} as a literal")
