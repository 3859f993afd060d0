"""``$ref`` resolution across files, keeping ref identity.

A reference names a target by (file, JSON pointer). Every distinct target becomes one
*named* schema, whatever path led to it, so one schema reached twice becomes one class.
References are rewritten to ``#/$defs/<Name>``, the only form the IR knows; circular
schemas are therefore no problem: nothing is ever inlined.

Names come from where the target lives: ``.../schemas/Ticker`` is ``Ticker``; a whole
file is named by its ``title`` or its file name; anything else by its last pointer token.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostics
from .source import Document, join_pointer, load_document, unescape_token


def pascal_case(text: str) -> str:
    words = re.split(r"[^0-9A-Za-z]+|(?<=[a-z0-9])(?=[A-Z])", text)
    name = "".join(w[:1].upper() + w[1:] for w in words if w)
    return name if name and not name[0].isdigit() else f"Schema{name}"


@dataclass
class Target:
    doc: Document
    pointer: str


@dataclass
class RefResolver:
    """Resolves references found in ``root`` and in every file it reaches."""

    root: Document
    diagnostics: Diagnostics
    schemas: dict[str, Any] = field(default_factory=dict)
    """Named schemas with references rewritten, by name."""
    _names: dict[tuple[Path, str], str] = field(default_factory=dict)
    _owners: dict[str, tuple[Path, str]] = field(default_factory=dict)
    _docs: dict[Path, Document] = field(default_factory=dict)
    _queue: list[tuple[str, Target]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._docs[self.root.path] = self.root

    # -- public -----------------------------------------------------------------------

    def name_target(self, doc: Document, pointer: str, name: str) -> str | None:
        """Register ``doc#pointer`` as the named schema ``name`` (e.g. the spec's own ``schemas``)."""
        return self._register(Target(doc, pointer), name)

    def rewrite(self, value: Any, doc: Document, pointer: str) -> Any:
        """A copy of ``value`` (found at ``doc#pointer``) with every ``$ref`` rewritten."""
        if isinstance(value, list):
            return [self.rewrite(v, doc, join_pointer(pointer, i)) for i, v in enumerate(value)]
        if not isinstance(value, dict):
            return value
        if "$ref" in value:
            return self._rewrite_ref(value, doc, pointer)
        return {k: self.rewrite(v, doc, join_pointer(pointer, k)) for k, v in value.items()}

    def follow(self, value: Any, doc: Document, pointer: str) -> tuple[Any, Document, str]:
        """Where a ``$ref`` leads (value, file, pointer); a non-reference stays where it is."""
        seen = set()
        while isinstance(value, dict) and isinstance(value.get("$ref"), str):
            target = self._target(value["$ref"], doc, join_pointer(pointer, "$ref"))
            if target is None or (target.doc.path, target.pointer) in seen:
                return {}, doc, pointer
            seen.add((target.doc.path, target.pointer))
            value, doc, pointer = self._lookup(target), target.doc, target.pointer
        return value, doc, pointer

    def finish(self) -> None:
        """Rewrite every registered target until no new ones turn up."""
        while self._queue:
            name, target = self._queue.pop(0)
            value = self._lookup(target)
            self.schemas[name] = self.rewrite(value, target.doc, target.pointer)

    def fingerprint(self) -> str:
        """sha256 over the content of every file read, in a canonical JSON form."""
        digest = hashlib.sha256()
        base = self.root.path.parent
        for path, doc in sorted(self._docs.items()):
            # Paths relative to the spec, so the hash does not depend on where it is run from.
            name = path.relative_to(base).as_posix() if path.is_relative_to(base) else path.name
            digest.update(name.encode())
            digest.update(json.dumps(doc.data, sort_keys=True, default=str).encode())
        return "sha256:" + digest.hexdigest()

    def position_of(self, name: str) -> tuple[Document, str] | None:
        owner = self._owners.get(name)
        if owner is None:
            return None
        return self._docs[owner[0]], owner[1]

    # -- internals ----------------------------------------------------------------------

    def _rewrite_ref(self, value: dict[str, Any], doc: Document, pointer: str) -> Any:
        ref = value["$ref"]
        where = join_pointer(pointer, "$ref")
        if not isinstance(ref, str):
            self.diagnostics.error(
                "NOVA010", "$ref must be a string", doc.source.position(where)
            )
            return {}
        target = self._target(ref, doc, where)
        if target is None:
            return {}
        name = self._register(target, self._default_name(target))
        if name is None:
            return {}
        out: dict[str, Any] = {"$ref": f"#/$defs/{name}"}
        for sibling in ("description", "x-nova-name"):  # what the property says beside its type
            if isinstance(value.get(sibling), str):
                out[sibling] = value[sibling]
        return out

    def _target(self, ref: str, doc: Document, where: str) -> Target | None:
        file_part, _, fragment = ref.partition("#")
        if file_part.startswith(("http://", "https://")):
            self.diagnostics.error(
                "NOVA011",
                f"remote reference {ref!r} is not fetched",
                doc.source.position(where),
                hint="download the file next to the spec and reference it by relative path",
            )
            return None
        target_doc = doc
        if file_part:
            path = (doc.path.parent / file_part).resolve()
            loaded = self._load(path, doc, file_part, where)
            if loaded is None:
                return None
            target_doc = loaded
        if fragment and not fragment.startswith("/"):
            self.diagnostics.error(
                "NOVA010",
                f"$ref fragment {fragment!r} is not a JSON pointer",
                doc.source.position(where),
                hint='write "#/schemas/Name"',
            )
            return None
        target = Target(target_doc, fragment)
        if self._lookup(target, missing=None) is None:
            self.diagnostics.error(
                "NOVA010",
                f"$ref {ref!r} points to nothing",
                doc.source.position(where),
                hint=self._suggest(target_doc, fragment),
            )
            return None
        return target

    def _load(self, path: Path, doc: Document, file_part: str, where: str) -> Document | None:
        if path in self._docs:
            return self._docs[path]
        if not path.is_file():
            self.diagnostics.error(
                "NOVA011",
                f"$ref file {file_part!r} not found",
                doc.source.position(where),
                hint=f"paths are relative to {doc.display}",
            )
            return None
        display = str(Path(doc.display).parent / file_part).replace("\\", "/")
        loaded = load_document(path, display, self.diagnostics)
        if loaded is not None:
            self._docs[path] = loaded
        return loaded

    def _lookup(self, target: Target, missing: Any = ...) -> Any:
        value = target.doc.data
        if not target.pointer:
            return value
        for token in target.pointer[1:].split("/"):
            token = unescape_token(token)
            if isinstance(value, dict) and token in value:
                value = value[token]
            elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
                value = value[int(token)]
            else:
                return None if missing is None else {}
        return value

    def _default_name(self, target: Target) -> str:
        if not target.pointer:
            data = target.doc.data
            title = data.get("title") if isinstance(data, dict) else None
            base = title if isinstance(title, str) else target.doc.path.stem.split(".")[0]
            return pascal_case(base)
        return pascal_case(unescape_token(target.pointer.rsplit("/", 1)[1]))

    def _register(self, target: Target, name: str) -> str | None:
        key = (target.doc.path, target.pointer)
        if key in self._names:
            return self._names[key]
        owner = self._owners.get(name)
        if owner is not None and owner != key:
            other_doc = self._docs[owner[0]]
            self.diagnostics.error(
                "NOVA021",
                f"two different schemas are both named {name!r}",
                target.doc.source.position(target.pointer),
                hint=f"the other is {other_doc.display}#{owner[1]}; rename one of them",
            )
            return None
        self._names[key] = name
        self._owners[name] = key
        self._queue.append((name, target))
        return name

    @staticmethod
    def _suggest(doc: Document, fragment: str) -> str:
        parent, _, last = fragment.rpartition("/")
        container: Any = doc.data
        for token in parent[1:].split("/") if parent else []:
            container = container.get(unescape_token(token)) if isinstance(container, dict) else None
        if isinstance(container, dict) and container:
            import difflib

            close = difflib.get_close_matches(unescape_token(last), [str(k) for k in container], 1)
            if close:
                return f"did you mean {parent}/{close[0]}?"
            return "known names here: " + ", ".join(sorted(str(k) for k in container)[:8])
        return f"nothing exists at {parent or '/'} in {doc.display}"
