"""Load YAML or JSON into plain Python values, remembering where every node was written.

PyYAML's composer gives nodes with positions; we walk them once, building the plain
value and a :class:`SourceMap` from JSON pointer to ``line:col``. Duplicate keys, which
plain YAML loaders silently drop, are reported here. Only YAML's safe core is accepted:
tags that would build Python objects are rejected by the safe loader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..diagnostics import Diagnostics, Position


def escape_token(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def unescape_token(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join_pointer(base: str, token: str | int) -> str:
    return f"{base}/{escape_token(str(token))}"


@dataclass
class SourceMap:
    """Where each JSON pointer of one document was written."""

    file: str
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Positions of mapping *keys*, for messages about a key itself."""

    def position(self, pointer: str, *, key: bool = False) -> Position:
        """The position of ``pointer``, or of its nearest ancestor that has one."""
        table = self.key_positions if key else self.positions
        probe = pointer
        while True:
            found = table.get(probe) or self.positions.get(probe)
            if found is not None:
                return Position(self.file, found[0], found[1])
            if not probe:
                return Position(self.file, 1, 1)
            probe = probe.rsplit("/", 1)[0]


@dataclass
class Document:
    path: Path
    """Absolute path of the file."""
    display: str
    """The path as shown in diagnostics and generated headers."""
    data: Any
    source: SourceMap


class _Builder:
    def __init__(self, source: SourceMap, diagnostics: Diagnostics) -> None:
        self.source = source
        self.diagnostics = diagnostics

    def build(self, node: yaml.Node, pointer: str) -> Any:
        mark = node.start_mark
        self.source.positions[pointer] = (mark.line + 1, mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, pointer)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, join_pointer(pointer, i)) for i, item in enumerate(node.value)]
        return self._text(_scalar(node), node)

    def _text(self, value: Any, node: yaml.Node) -> Any:
        """``value``, or the text with U+FFFD for each lone surrogate (``"\\ud800"``), which no
        file can hold: generated code could not be written (``NOVA073``)."""
        if isinstance(value, str) and _SURROGATE.search(value):
            mark = node.start_mark
            self.diagnostics.error(
                "NOVA073",
                "text holds a lone surrogate code point, which is not a Unicode character",
                Position(self.source.file, mark.line + 1, mark.column + 1),
                hint="write the character itself, or a pair of \\u escapes for characters beyond U+FFFF",
            )
            return _SURROGATE.sub("\ufffd", value)
        return value

    def _mapping(self, node: yaml.MappingNode, pointer: str) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            mark = key_node.start_mark
            key_position = Position(self.source.file, mark.line + 1, mark.column + 1)
            if not isinstance(key_node, yaml.ScalarNode):
                self.diagnostics.error("NOVA002", "mapping keys must be scalars", key_position)
                continue
            # Numeric keys (error codes, close codes) are kept as their text.
            key = self._text(key_node.value, key_node)
            child = join_pointer(pointer, key)
            if key in result:
                self.diagnostics.error(
                    "NOVA002",
                    f"duplicate key {key!r}",
                    key_position,
                    hint="YAML keeps only the last value; remove or rename one of them",
                )
            self.source.key_positions[child] = (mark.line + 1, mark.column + 1)
            result[key] = self.build(value_node, child)
        return result


_SAFE = yaml.SafeLoader("")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _scalar(node: yaml.Node) -> Any:
    """Turn a scalar node into int/float/bool/None/str by YAML's safe rules."""
    return _SAFE.construct_object(node, deep=True)


def load_document(path: Path, display: str, diagnostics: Diagnostics) -> Document | None:
    """Read and parse one file; on failure add a diagnostic and return None."""
    source = SourceMap(display)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        diagnostics.error(
            "NOVA011", f"cannot read {display}: {exc.__class__.__name__}", Position(display, 1, 1)
        )
        return None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or "invalid YAML"
        diagnostics.error(
            "NOVA001",
            f"invalid YAML: {problem}",
            Position(display, line, col),
            hint=exc.context or "check indentation and quoting around this position",
        )
        return None
    except yaml.YAMLError as exc:
        diagnostics.error("NOVA001", f"invalid YAML: {exc}", Position(display, 1, 1))
        return None
    if node is None:
        return Document(path, display, {}, source)
    try:
        data = _Builder(source, diagnostics).build(node, "")
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        diagnostics.error(
            "NOVA001", f"unsupported YAML: {exc.problem}", Position(display, line, col)
        )
        return None
    return Document(path, display, data, source)
