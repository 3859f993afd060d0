"""Bounds on what one spec file may cost to read: size, nesting, alias expansion, numbers.

A spec is input nova-gen did not write, so reading it must take bounded time and memory
whatever it holds. Every bound is checked before any alias is expanded further than it
allows: by libyaml's C composer and the builder that expands its graph (the fast reading,
:func:`compose_unchecked`), and, for a file that crosses one, again by the checked composer
(:func:`compose`), whose diagnostic (``NOVA060``-``NOVA063``) points at the node that
crossed it:

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
from typing import Any

import yaml


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


class LimitExceeded(yaml.MarkedYAMLError):
    """A file crossed one of the :class:`Limits`; ``code`` is its diagnostic code."""

    def __init__(self, code: str, problem: str, mark: Any, hint: str) -> None:
        super().__init__(problem=problem, problem_mark=mark)
        self.code = code
        self.hint = hint


class _LimitCounting(yaml.composer.Composer):
    """PyYAML's composer, counting depth and alias expansion as it goes.

    Only composition is used (``get_single_node``); the node graph it returns shares
    aliased nodes, so it stays as small as the text. Building plain values from it
    expands aliases, which the counts here have already bounded. The events come from
    the parser a subclass mixes in; the composer is always this Python one, so every
    limit is checked as each node is composed, before anything is expanded.
    """

    def _start_counting(self, limits: Limits) -> None:
        self.limits = limits
        self._nodes = 0
        """Nodes composed so far, each alias counted as the size of its anchor."""
        self._alias_nodes = 0
        self._open: list[int] = []
        """For each collection being composed, the height of its tallest child so far."""
        self._anchored: dict[int, tuple[int, int]] = {}
        """Expanded (size, height) of each anchored node, by id()."""
        self._unfinished: set[str] = set()
        """Anchors whose node is still being composed."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event: Any = self.peek_event()  # type: ignore[attr-defined]
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)
            if event.anchor in self._unfinished:
                raise LimitExceeded(
                    "NOVA062",
                    f"alias *{event.anchor} is inside its own anchor &{event.anchor}",
                    event.start_mark,
                    "a YAML document that contains itself has no end; write the repeated part out",
                )
            size, height = self._anchored.get(id(node), (1, 0))
            self._alias_nodes += size
            self._nodes += size
            if self._alias_nodes > self.limits.max_alias_nodes:
                raise LimitExceeded(
                    "NOVA062",
                    f"YAML aliases expand this file by more than {self.limits.max_alias_nodes} nodes",
                    event.start_mark,
                    "aliases of aliases multiply; repeat fewer nodes, or use $ref, which is never expanded",
                )
            self._check_depth(len(self._open) + height, event)
            self._child(height)
            return node
        collection = isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent))
        if collection:
            self._check_depth(len(self._open) + 1, event)
            self._open.append(0)
        anchor = event.anchor
        if anchor is not None:
            self._unfinished.add(anchor)
        before = self._nodes
        node = super().compose_node(parent, index)
        self._nodes += 1
        height = 1 + self._open.pop() if collection else 0
        if anchor is not None:
            self._unfinished.discard(anchor)
            self._anchored[id(node)] = (self._nodes - before, height)
        self._child(height)
        return node

    def _child(self, height: int) -> None:
        if self._open:
            self._open[-1] = max(self._open[-1], height)

    def _check_depth(self, depth: int, event: Any) -> None:
        """Refuse a collection (or an alias expanding to one) that ends ``depth`` levels down."""
        if depth > self.limits.max_depth:
            raise LimitExceeded(
                "NOVA061",
                f"nested more than {self.limits.max_depth} levels deep"
                + (" once its aliases are expanded" if isinstance(event, yaml.AliasEvent) else ""),
                event.start_mark,
                "flatten the structure; name deep schemas and $ref them",
            )


# libyaml's scanner and parser, in PyYAML's C extension (every PyYAML wheel has it); a PyYAML
# built without it falls back to its pure-Python parser.
_CParser: Any
try:
    from yaml.cyaml import CParser as _CParser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _CParser = yaml.SafeLoader


class LimitedLoader(_LimitCounting, _CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):  # type: ignore[misc]
    """The composer over libyaml's scanner and parser: the same events with the same
    marks, about 8x faster than PyYAML's pure-Python parser."""

    def __init__(self, stream: str, limits: Limits) -> None:
        _CParser.__init__(self, stream)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self._start_counting(limits)


class PythonLimitedLoader(_LimitCounting, yaml.SafeLoader):
    """The composer over PyYAML's pure-Python parser, the reference for diagnostics."""

    def __init__(self, stream: str, limits: Limits) -> None:
        yaml.SafeLoader.__init__(self, stream)
        self._start_counting(limits)


class OverLimits(Exception):
    """Expanding a graph from :func:`compose_unchecked` crossed a bound: read the file again
    with :func:`compose`, which says where."""


def compose_unchecked(text: str) -> yaml.Node | None:
    """The single YAML document in ``text`` as a node graph, composed by libyaml in C with no
    bound checked, about twice as fast as :func:`compose`. Aliased nodes are shared, so the
    graph is no larger than the text; whoever expands it checks ``max_depth`` and
    ``max_alias_nodes`` as it goes (``source._Builder`` raises :class:`OverLimits`).

    Raises ``yaml.YAMLError`` (or ``UnicodeEncodeError``) on anything libyaml refuses, and
    ``RuntimeError`` if PyYAML was built without libyaml.
    """
    if not yaml.__with_libyaml__:
        raise RuntimeError("PyYAML has no libyaml")
    loader = yaml.CSafeLoader(text)
    try:
        node: yaml.Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()


def compose(text: str, limits: Limits) -> yaml.Node | None:
    """The single YAML document in ``text`` as a node graph, within ``limits``.

    libyaml reads every valid file; a file it refuses is read again by the pure-Python
    parser, whose messages and positions are the diagnostics' reference: libyaml stops
    deep flow nesting at 1000 levels, before the ``max_depth`` check can point at the
    level that crossed it, and refuses a lone surrogate escape that ``NOVA073`` explains.
    The second read costs only on broken files and is bounded like the first.

    Raises :class:`LimitExceeded` or another ``yaml.YAMLError``.
    """
    if yaml.__with_libyaml__:
        try:
            return _compose(LimitedLoader(text, limits))
        except LimitExceeded:
            raise
        except (yaml.YAMLError, UnicodeEncodeError):  # libyaml takes UTF-8: no lone surrogates
            pass
    return _compose(PythonLimitedLoader(text, limits))


def _compose(loader: _LimitCounting) -> yaml.Node | None:
    try:
        node: yaml.Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()  # type: ignore[attr-defined]
