"""Load YAML or JSON into plain Python values, remembering where every node was written.

PyYAML's composer gives nodes with positions; we walk them once, building the plain
value and a :class:`SourceMap` from JSON pointer to ``line:col``. Duplicate keys, which
plain YAML loaders silently drop, are reported here. Only what JSON can say is accepted:
null, booleans, numbers, strings, mappings and sequences (a date stays the text it was
written as; ``!!binary``, ``!!python/...`` and other tags are rejected). Every file is read
within :class:`~.limits.Limits` (size, nesting, alias expansion, number length).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from nova_runtime.pointer import join_pointer

from ..diagnostics import Diagnostics, Position
from ..oserrors import reason
from .compose import LimitExceeded, OverLimits, compose, compose_unchecked
from .limits import DEFAULT_LIMITS, Limits, format_size
from .wording import json_error, plain_yaml, untabbed_json, written_as_json


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
    limits: Limits = DEFAULT_LIMITS
    """The limits it was read within; files it references are read within the same."""


class _Builder:
    """Plain values and positions from a node graph, aliases expanded.

    ``bounded``: the graph comes from :func:`~.compose.compose_unchecked`, so the bounds the
    checked composer enforces are enforced here, as the graph is expanded: a collection
    deeper than ``max_depth`` (an alias inside its own anchor is one: it never ends), or more
    than ``max_alias_nodes`` visits of nodes already built (each one a node an alias
    repeats), raises :class:`~.compose.OverLimits` after bounded work.
    """

    def __init__(
        self, source: SourceMap, diagnostics: Diagnostics, limits: Limits, *, bounded: bool = False, text: str | None = None
    ) -> None:
        self.source = source
        self.diagnostics = diagnostics
        self.limits = limits
        self.bounded = bounded
        self._seen: set[int] = set()
        self._repeats = 0
        self._surrogates = text is None or _may_hold_surrogates(text)
        """False when ``text``, the document read, can give no scalar a lone surrogate: then
        :meth:`_text` need not look at each one."""

    def build(self, node: yaml.Node, pointer: str, depth: int = 0) -> Any:
        if self.bounded:
            self._count(node, depth)
        mark = node.start_mark
        self.source.positions[pointer] = (mark.line + 1, mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, pointer, depth + 1)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, f"{pointer}/{i}", depth + 1) for i, item in enumerate(node.value)]
        value = self._scalar(node)
        return self._text(value, node) if self._surrogates else value

    def _count(self, node: yaml.Node, depth: int) -> None:
        if id(node) in self._seen:
            self._repeats += 1
            if self._repeats > self.limits.max_alias_nodes:
                raise OverLimits
        else:
            self._seen.add(id(node))
        if depth >= self.limits.max_depth and isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            raise OverLimits

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

    def _mapping(self, node: yaml.MappingNode, pointer: str, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            mark = key_node.start_mark
            if not isinstance(key_node, yaml.ScalarNode):
                self.diagnostics.error("NOVA002", "mapping keys must be scalars", self._at(mark))
                continue
            # Numeric keys (error codes, close codes) are kept as their text.
            key = self._text(key_node.value, key_node) if self._surrogates else key_node.value
            child = f"{pointer}/{key}" if "~" not in key and "/" not in key else join_pointer(pointer, key)
            if key in result:
                self.diagnostics.error(
                    "NOVA002",
                    f"duplicate key {key!r}",
                    self._at(mark),
                    hint="YAML keeps only the last value; remove or rename one of them",
                )
            self.source.key_positions[child] = (mark.line + 1, mark.column + 1)
            if self.bounded:
                self._count(key_node, depth)
            result[key] = self.build(value_node, child, depth)
        return result

    def _at(self, mark: yaml.Mark) -> Position:
        return Position(self.source.file, mark.line + 1, mark.column + 1)

    def _scalar(self, node: yaml.Node) -> Any:
        """A scalar node as None/bool/int/float/str, by YAML's safe resolution rules."""
        tag = node.tag
        if tag == _STR:  # most scalars: the safe constructor returns the text as it is
            return node.value
        if tag == _TIMESTAMP:
            return node.value  # JSON has no dates: keep the text
        if tag not in _JSON_TAGS:
            raise yaml.constructor.ConstructorError(
                None, None, f"the tag {tag!r} does not describe a JSON value", node.start_mark
            )
        if tag in _NUMBER_TAGS and len(node.value) > self.limits.max_number_length:
            raise LimitExceeded(
                "NOVA063",
                f"a number of {len(node.value)} characters is longer than the limit of "
                f"{self.limits.max_number_length}",
                node.start_mark,
                "quote it if it is meant as text",
            )
        try:
            # The safe constructor's function for the tag, called directly: construct_object
            # would also remember every node it ever built, for the life of the process.
            return _SAFE.yaml_constructors[tag](_SAFE, node)
        except (ValueError, KeyError, IndexError, OverflowError) as exc:  # IndexError: `!!int` of ''
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value[:40]!r} is not a valid {tag.rsplit(':', 1)[-1]}", node.start_mark
            ) from exc


_SAFE = yaml.SafeLoader("")
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_STR = "tag:yaml.org,2002:str"
_NUMBER_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})
_JSON_TAGS = _NUMBER_TAGS | {"tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", _STR}
_SURROGATE = re.compile("[\ud800-\udfff]")


def _may_hold_surrogates(text: str) -> bool:
    """Whether a scalar read from ``text`` can hold a lone surrogate: only one the text
    holds, or a ``\\u``/``\\U`` escape of a double-quoted scalar, can give it one."""
    return "\\u" in text or "\\U" in text or _SURROGATE.search(text) is not None


def _read(path: Path, display: str, diagnostics: Diagnostics, limits: Limits) -> str | None:
    """The file's text, or None (with a diagnostic) if it cannot be read or is too large."""
    where = Position(display, 1, 1)
    try:
        with path.open("rb") as file:
            # Never more than the limit in memory, even if the file grows or is a device.
            raw = file.read(limits.max_file_size + 1)
            size = max(len(raw), os.fstat(file.fileno()).st_size)
    except OSError as exc:
        diagnostics.error("NOVA011", f"cannot read {display}: {reason(exc)}", where)
        return None
    if len(raw) > limits.max_file_size:
        diagnostics.error(
            "NOVA060",
            f"{display} has {format_size(size)}, more than the limit of {format_size(limits.max_file_size)}",
            where,
            hint="raise the limit with --max-file-size SIZE (or max-file-size in [tool.nova-gen])",
        )
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        diagnostics.error(
            "NOVA011",
            f"cannot read {display}: the byte 0x{raw[exc.start]:02X} is not UTF-8 text",
            Position(display, line, exc.start - raw.rfind(b"\n", 0, exc.start)),
            hint="a spec is UTF-8 text (YAML or JSON); save it as UTF-8",
        )
        return None


def load_document(
    path: Path, display: str, diagnostics: Diagnostics, limits: Limits = DEFAULT_LIMITS
) -> Document | None:
    """Read and parse one file within ``limits``; on failure add a diagnostic and return None."""
    source = SourceMap(display)
    text = _read(path, display, diagnostics, limits)
    if text is None:
        return None
    text = untabbed_json(text)
    try:
        fast = _build_unchecked(text, display, limits)
        if fast is not None:
            data, source = fast
        else:
            node = compose(text, limits)
            data = {} if node is None else _Builder(source, diagnostics, limits, text=text).build(node, "")
    except LimitExceeded as exc:
        diagnostics.error(exc.code, exc.problem or "", _position(display, exc), hint=exc.hint)
        return None
    except yaml.constructor.ConstructorError as exc:
        diagnostics.error("NOVA001", f"unsupported YAML: {exc.problem}", _position(display, exc))
        return None
    except yaml.MarkedYAMLError as exc:
        broken = json_error(text) if written_as_json(text, path.suffix) else None
        if broken is not None:
            diagnostics.error(
                "NOVA001",
                f"invalid JSON: {broken.msg}",
                Position(display, broken.lineno, broken.colno),
                hint="the file is read as JSON (by its extension or its first character)",
            )
        else:
            message, hint = plain_yaml(exc)
            diagnostics.error("NOVA001", message, _position(display, exc), hint=hint)
        return None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (NUL, other controls)
        before = text[: exc.position]
        where = Position(display, before.count("\n") + 1, len(before) - before.rfind("\n"))
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        diagnostics.error("NOVA001", f"invalid YAML: the character U+{code:04X} is not allowed", where)
        return None
    except yaml.YAMLError as exc:
        diagnostics.error("NOVA001", f"invalid YAML: {exc}", Position(display, 1, 1))
        return None
    return Document(path, display, data, source, limits)


def _build_unchecked(text: str, display: str, limits: Limits) -> tuple[Any, SourceMap] | None:
    """The value (``{}`` for an empty file) and source map of ``text`` read the fast way
    (libyaml's C composer, the bounds checked while building), or None when the file needs
    the checked reading: it crosses a bound, libyaml refuses it, or it has anything to report. The checked reading
    (:func:`~.compose.compose`) is the reference for every diagnostic and its position, so a
    file that is not plainly fine is read again by it; a plainly fine file gives the same
    nodes either way (``tests/loader/test_libyaml.py``)."""
    source = SourceMap(display)
    found = Diagnostics()
    try:
        node = compose_unchecked(text)
        data = {} if node is None else _Builder(source, found, limits, bounded=True, text=text).build(node, "")
    except (yaml.YAMLError, UnicodeEncodeError, OverLimits, RuntimeError):
        return None
    return None if found.items else (data, source)


def _position(display: str, exc: yaml.MarkedYAMLError) -> Position:
    mark = exc.problem_mark or exc.context_mark
    return Position(display, mark.line + 1, mark.column + 1) if mark else Position(display, 1, 1)
