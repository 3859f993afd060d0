"""Composing YAML within :class:`~.limits.Limits`: libyaml's fast reading, and the checked one.

Kept apart from :mod:`.limits`, which the command line imports for its options: PyYAML is
loaded only by a command that reads a spec, not by ``nova-gen --help``.
"""

from __future__ import annotations

from typing import Any

import yaml

from .limits import Limits


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


class _CResolving(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):  # type: ignore[misc]
    """libyaml's composer with the safe resolver's tag choice made in one call per node.

    libyaml's C composer asks the Python resolver for every node's tag, and
    ``BaseResolver.resolve`` spends most of its time on what the safe loader never has (path
    resolvers, wildcard resolvers): a third of composing Deribit. Here the same implicit
    resolvers, looked up by first character in the same order, decide; a quoted scalar is
    a string and a collection gets the default tag, as there.
    ``tests/loader/test_libyaml.py`` checks both readings agree on every spec and on random
    documents.
    """

    _IMPLICIT: dict[str, tuple[tuple[str, Any], ...]] = {
        first: tuple(resolvers) for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    assert None not in _IMPLICIT and not yaml.SafeLoader.yaml_path_resolvers  # what resolve() relies on

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in self._IMPLICIT.get(value[:1], ()):
                    if regexp.match(value):
                        return tag
            return self.DEFAULT_SCALAR_TAG
        return self.DEFAULT_SEQUENCE_TAG if kind is yaml.SequenceNode else self.DEFAULT_MAPPING_TAG

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        """No path resolvers: nothing to track (the base method checks that per node)."""

    def ascend_resolver(self) -> None:
        """No path resolvers: nothing to track."""


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
    loader = _CResolving(text)
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
