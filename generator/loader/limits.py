"""Bounds on what one spec file may cost to read: size, nesting, alias expansion, numbers.

A spec is input nova-gen did not write, so reading it must take bounded time and memory
whatever it holds. Every bound is checked before any alias is expanded further than it
allows: by libyaml's C composer and the builder that expands its graph (the fast reading,
:func:`~.compose.compose_unchecked`), and, for a file that crosses one, again by the
checked composer (:func:`~.compose.compose`), whose diagnostic (``NOVA060``-``NOVA063``)
points at the node that crossed it:

- ``max_file_size`` bytes per file (the spec, every ``$ref``'d file, the overlay); the one
  bound a user can raise (``--max-file-size``), because a large spec is legitimate.
- ``max_depth`` nested mappings/sequences, aliases expanded. Later stages walk the document recursively
  (JSON Schema validation, datamodel-code-generator), so the bound keeps them far from
  Python's recursion limit; real specs nest about 10 deep.
- ``max_alias_nodes``: the nodes YAML aliases add by repeating their anchors. Each use of
  ``*a`` counts every node under ``&a``, aliases inside it included, so a "billion laughs"
  document of aliases of aliases is refused after a few hundred events instead of being
  expanded. An alias inside its own anchor (a cyclic document) is refused outright.
- ``max_number_length`` characters for a number. Python refuses to convert integers of
  more than 4300 digits, and no protocol needs a number literal of more than a few dozen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_file_size: int = 2_000_000
    """Bytes per file."""
    max_depth: int = 64
    """Nested mappings and sequences."""
    max_alias_nodes: int = 100_000
    """Nodes that alias expansion may add to one file."""
    max_number_length: int = 100
    """Characters of one number scalar."""


DEFAULT_LIMITS = Limits()

_SIZE = re.compile(r"(?i)^\s*(\d+(?:\.\d+)?)\s*(|b|kb|k|mb|m|gb|g)\s*$")
_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9, "gb": 10**9}


def parse_size(text: str) -> int:
    """``"50MB"``, ``"50m"``, ``"200kb"``, ``"1000"`` (bytes) -> bytes; decimal units.

    Raises ValueError for anything else.
    """
    match = _SIZE.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a size (write e.g. 50MB, 200KB or a number of bytes)")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def format_size(size: int) -> str:
    """Bytes as the unit a person would write: ``10MB``, ``512KB``, ``300B``."""
    for unit, factor in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= factor:
            return f"{size / factor:.3g}{unit}"
    return f"{size}B"
