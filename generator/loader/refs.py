"""``$ref`` resolution across files, keeping ref identity.

A reference names a target by (file, JSON pointer). Every distinct target becomes one
*named* schema, whatever path led to it, so one schema reached twice becomes one class.
References are rewritten to ``#/$defs/<Name>``, the only form the IR knows; circular
schemas are therefore no problem: nothing is ever inlined. A cycle must pass through a
property or an item on its way round (a tree, a linked list: a recursive model); a cycle
of references that only say "the same value as" (``$ref``, ``allOf``, ``anyOf``,
``oneOf``, ``not``, ``if``/``then``/``else``, ``dependentSchemas``) describes no value at all
and is reported with its path (``NOVA064``), as is a ``$ref`` to a ``$ref`` that leads back.

Names come from where the target lives: ``.../schemas/Ticker`` is ``Ticker``; a whole
file is named by its ``title`` or its file name; anything else by its last pointer token.
"""

from __future__ import annotations

import functools
import hashlib
import json
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nova_runtime.pointer import MISSING, compile_pointer, get, join_pointer, unescape_token

from .. import ir
from ..diagnostics import Diagnostics
from ..naming import pascal_case
from .source import Document, load_document


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
    """The files this resolver read (the fingerprint covers them)."""
    _loaded: dict[Path, Document] = field(default_factory=dict)
    """Every file parsed so far, shared with :meth:`quiet` views: each file is parsed once."""
    _queue: list[tuple[str, Target]] = field(default_factory=list)
    _sites: dict[tuple[Path, str], str] = field(default_factory=dict)
    """The named schema each rewritten ``$ref`` object leads to, by (file, pointer)."""
    _cycles: set[frozenset[tuple[Path, str]]] = field(default_factory=set)
    """Cycles of ``follow`` already reported."""
    _slash_warned: set[Path] = field(default_factory=set)
    """Files whose unescaped ``/`` in a ``$ref`` key was reported (``NOVA013``, once a file)."""
    _missing: set[tuple[Path, str]] = field(default_factory=set)
    """``$ref`` targets reported as pointing to nothing (``NOVA010``, once a target)."""
    failures: int = 0
    """References that led nowhere so far (each reported, or its target already was): a
    reader compares it before and after reading a value to know that the value is broken,
    and says nothing more about it (no follow-on warnings about an empty schema)."""

    def __post_init__(self) -> None:
        self._docs[self.root.path] = self.root

    # -- public -----------------------------------------------------------------------

    def quiet(self) -> RefResolver:
        """A resolver over the same files that reports nothing: to look where a ``$ref``
        leads (the key check walks every object) without a word about a broken one, which
        the reader that needs it reports. Files it parses are shared, its reads are not
        this resolver's (they do not enter :meth:`fingerprint`)."""
        return RefResolver(self.root, Diagnostics(), _loaded=self._loaded)

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
        seen: dict[tuple[Path, str], str] = {}
        while isinstance(value, dict) and "$ref" in value:
            where = join_pointer(pointer, "$ref")
            if not self._is_ref(value["$ref"], doc, where):
                self.failures += 1
                return {}, doc, pointer
            target = self._target(value["$ref"], doc, where)
            if target is None:
                self.failures += 1
                return {}, doc, pointer
            key = (target.doc.path, target.pointer)
            if key in seen:
                loop = list(seen)[list(seen).index(key):]
                self._report_cycle([seen[k] for k in [*loop, key]], loop, doc, where)
                self.failures += 1
                return {}, doc, pointer
            shown = f"#{target.pointer}"
            seen[key] = shown if target.doc is self.root else target.doc.display + shown
            value, doc, pointer = self._lookup(target), target.doc, target.pointer
        return value, doc, pointer

    def finish(self) -> None:
        """Rewrite every registered target until no new ones turn up."""
        while self._queue:
            name, target = self._queue.pop(0)
            value = self._lookup(target)
            self.schemas[name] = self.rewrite(value, target.doc, target.pointer)
        self._break_empty_cycles()

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

    def schema_locations(self) -> dict[str, ir.Location]:
        """Where each named schema is written (its key)."""
        out = {}
        for name in self.schemas:
            owner = self.position_of(name)
            if owner is not None:
                out[name] = _location(owner[0], owner[1], key=True)
        return out

    def schema_nodes(self) -> ir.LazyMapping[str, Mapping[str, ir.Location]]:
        """:attr:`ir.Api.schema_nodes`, for the schemas named now: one pass over each
        document's positions when first read, each node given to the named schema that is its
        nearest ancestor."""
        owners: dict[Path, tuple[Document, dict[str, str]]] = {}
        for name in self.schemas:
            owner = self.position_of(name)
            if owner is not None:
                owners.setdefault(owner[0].path, (owner[0], {}))[1][owner[1]] = name
        return ir.LazyMapping(functools.partial(_nodes_under, list(owners.values())))

    # -- cycles -------------------------------------------------------------------------

    def _report_cycle(
        self, path: list[str], keys: list[tuple[Path, str]], doc: Document, where: str, schemas: bool = False
    ) -> None:
        """One NOVA064 per cycle, however many ways it is reached."""
        if frozenset(keys) in self._cycles:
            return
        self._cycles.add(frozenset(keys))
        if schemas:
            message = "$ref cycle with no property or item in between: "
            hint = (
                "such a schema describes no value; put the reference under `properties` or "
                "`items`, or end the chain with a real schema"
            )
        else:
            message = "$ref cycle: "
            hint = "each $ref here leads to another $ref and back; make one of them the definition"
        self.diagnostics.error("NOVA064", message + " -> ".join(path), doc.source.position(where), hint=hint)

    def _same_value_refs(self, name: str) -> list[tuple[str, Document, str]]:
        """The named schemas ``name`` is "the same value as", with each ``$ref``'s place."""
        doc, pointer = self.position_of(name) or (self.root, "")
        out: list[tuple[str, Document, str]] = []
        stack = [(self._lookup(Target(doc, pointer)), pointer)]
        while stack:
            value, at = stack.pop()
            if not isinstance(value, dict):
                continue
            if "$ref" in value:
                target = self._sites.get((doc.path, at))
                if target is not None:
                    out.append((target, doc, at))
                continue
            children: list[tuple[Any, str]] = []
            for keyword in _SAME_VALUE_LISTS:
                if isinstance(value.get(keyword), list):
                    base = join_pointer(at, keyword)
                    children += [(v, join_pointer(base, i)) for i, v in enumerate(value[keyword])]
            for keyword in _SAME_VALUE_ONE:
                if keyword in value:
                    children.append((value[keyword], join_pointer(at, keyword)))
            if isinstance(value.get("dependentSchemas"), dict):
                base = join_pointer(at, "dependentSchemas")
                children += [(v, join_pointer(base, k)) for k, v in value["dependentSchemas"].items()]
            stack.extend(reversed(children))
        return out

    def _break_empty_cycles(self) -> None:
        """Report each cycle of same-value references and cut it, so no later stage loops;
        then refuse a chain of them longer than ``_MAX_HOPS`` (:meth:`_refuse_long_chain`)."""
        edges = {name: self._same_value_refs(name) for name in sorted(self.schemas)}
        state: dict[str, int] = {}  # 1: on the current path, 2: done
        height: dict[str, int] = {}  # schemas in the longest chain from here, this one included
        ways: dict[str, int] = {}  # schemas reached from here, each counted once per path
        for start in edges:
            if start in state:
                continue
            path = [start]
            todo = [iter(edges[start])]
            state[start] = 1
            while todo:
                step = next(todo[-1], None)
                if step is None:
                    done = path.pop()
                    height[done] = 1 + max((height.get(t, 0) for t, _, _ in edges[done]), default=0)
                    ways[done] = 1 + sum(ways.get(t, 0) for t, _, _ in edges[done])
                    state[done] = 2
                    todo.pop()
                    continue
                target, doc, at = step
                if state.get(target) == 1:
                    loop = path[path.index(target):]
                    keys = [self._owners[n] for n in loop]
                    self._report_cycle([*loop, target], keys, doc, join_pointer(at, "$ref"), schemas=True)
                    self._cut(path[-1], doc, at)
                elif target not in state and target in edges:
                    state[target] = 1
                    path.append(target)
                    todo.append(iter(edges[target]))
        if not self._refuse_long_chain(edges, height):
            self._refuse_expansion(edges, ways)

    def _refuse_expansion(self, edges: dict[str, list[tuple[str, Document, str]]], ways: dict[str, int]) -> None:
        """One NOVA064 when a schema is the same value as more than ``_MAX_EXPANSION``
        schemas, counted once per path: ``S0: {anyOf: [S1, S1]}``, ``S1: {anyOf: [S2, S2]}``,
        ... doubles at every step, and a validator that reads the schema as a tree (the
        examples' check) takes time and memory that double with it (40 steps: 4 GB)."""
        top = max(edges, key=lambda name: ways.get(name, 0), default=None)
        if top is None or ways.get(top, 0) <= _MAX_EXPANSION:
            return
        _, doc, at = edges[top][0]
        self.diagnostics.error(
            "NOVA064",
            f"schema {top!r} is the same value as more than {_MAX_EXPANSION} schemas through its "
            "$refs (counted once per path: members that name the same schema again and again)",
            doc.source.position(join_pointer(at, "$ref")),
            hint="name each schema once in an allOf/anyOf/oneOf, or give the shared part a property",
        )

    def _refuse_long_chain(self, edges: dict[str, list[tuple[str, Document, str]]], height: dict[str, int]) -> bool:
        """One NOVA064 for the longest chain of schemas each "the same value as" the next,
        when it is longer than ``_MAX_HOPS`` (True then): real documents chain a few; a
        thousand (``S0: {allOf: [S1]}``, ``S1: {allOf: [S2]}``, ...) cost the model generator
        time that grows with the cube of the length, and every reader of the chain a stack frame."""
        top = max(edges, key=lambda name: height.get(name, 0), default=None)
        if top is None or height.get(top, 0) <= _MAX_HOPS:
            return False

        def longest(name: str) -> tuple[str, Document, str]:
            return max(edges[name], key=lambda step: height.get(step[0], 0))

        chain = [top]
        while edges[chain[-1]] and height.get(longest(chain[-1])[0], 0) < height.get(chain[-1], 0):
            chain.append(longest(chain[-1])[0])  # (a cut cycle does not lead down)
        _, doc, at = longest(top)
        shown = " -> ".join(chain[:3]) + " -> ... -> " + chain[-1]
        self.diagnostics.error(
            "NOVA064",
            f"$ref chain of {height[top]} schemas, each the same value as the next, is longer than "
            f"the limit of {_MAX_HOPS}: {shown}",
            doc.source.position(join_pointer(at, "$ref")),
            hint="write the schema at the end of the chain where it is used, or $ref it directly",
        )
        return True

    def _cut(self, name: str, doc: Document, at: str) -> None:
        """Replace the ``$ref`` at ``doc#at`` in the rewritten schema ``name`` by ``{}``."""
        _, base = self.position_of(name) or (doc, "")
        value: Any = self.schemas[name]
        for token in compile_pointer(at[len(base):]):
            value = value[int(token)] if isinstance(value, list) else value[token]
        value.pop("$ref", None)

    # -- internals ----------------------------------------------------------------------

    def _rewrite_ref(self, value: dict[str, Any], doc: Document, pointer: str) -> Any:
        ref = value["$ref"]
        where = join_pointer(pointer, "$ref")
        if not self._is_ref(ref, doc, where):
            self.failures += 1
            return {}
        target = self._target(ref, doc, where)
        if target is None:
            self.failures += 1
            return {}
        name = self._register(target, self._default_name(target))
        if name is None:
            return {}
        self._sites[(doc.path, pointer)] = name
        out: dict[str, Any] = {"$ref": f"#/$defs/{name}"}
        for sibling in ("description", "x-nova-name"):  # what the property says beside its type
            if isinstance(value.get(sibling), str):
                out[sibling] = value[sibling]
        return out

    def _is_ref(self, ref: Any, doc: Document, where: str) -> bool:
        if isinstance(ref, str):
            return True
        self.diagnostics.error(
            "NOVA010",
            "$ref must be a string",
            doc.source.position(where),
            hint='quote a JSON pointer: $ref: "#/path/to/Name"',
        )
        return False

    def _target(self, ref: str, doc: Document, where: str, depth: int = 0) -> Target | None:
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
            loaded = self._load(doc, file_part, where)
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
        target, reached = self._locate(Target(target_doc, fragment), doc, where, depth)
        if target is None:
            if reached is not None and (target_doc.path, fragment) not in self._missing:
                # One error per missing target, however many $refs name it.
                self._missing.add((target_doc.path, fragment))
                self.diagnostics.error(
                    "NOVA010",
                    f"$ref {ref!r} points to nothing",
                    doc.source.position(where),
                    hint=self._suggest(*reached),
                )
            return None
        return target

    def _locate(
        self, target: Target, site: Document, where: str, depth: int
    ) -> tuple[Target | None, tuple[Document, str, str] | None]:
        """Where ``target`` really is: a ``$ref`` met on the way is followed and the rest of
        the pointer read from its target (``#/channels/echo/messages/tick`` when the
        channel ``echo`` is itself a ``$ref`` into another file, as split 3.x documents are).
        Returns the place, or None and what was reached (file, the pointer that exists,
        the rest) for the hint; None and None when a reference on the way was reported."""
        if depth > _MAX_HOPS:
            self.diagnostics.error(
                "NOVA064",
                f"$ref chain longer than {_MAX_HOPS} references on the way to {target.pointer!r}",
                site.source.position(where),
                hint="a $ref on this path leads through itself; make one of them the definition",
            )
            return None, None
        doc, value, done = target.doc, target.doc.data, ""
        tokens = target.pointer[1:].split("/") if target.pointer else []
        n = 0
        while n < len(tokens):
            token = unescape_token(tokens[n])
            if isinstance(value, dict) and token not in value and isinstance(value.get("$ref"), str):
                via = self._target(value["$ref"], doc, join_pointer(done, "$ref"), depth + 1)
                if via is None:
                    return None, None
                rest = "".join("/" + t for t in tokens[n:])
                return self._locate(Target(via.doc, via.pointer + rest), site, where, depth + 1)
            if isinstance(value, dict) and token not in value:
                token, n = self._slash_key(value, tokens, n, site, where)
            if isinstance(value, dict) and token in value:
                value = value[token]
            elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
                value = value[int(token)]
            else:
                return None, (doc, done, "".join("/" + t for t in tokens[n:]))
            done = join_pointer(done, token)
            n += 1
        return Target(doc, done), None

    def _slash_key(
        self, container: dict[Any, Any], tokens: list[str], n: int, site: Document, where: str
    ) -> tuple[str, int]:
        """The key of ``container`` that ``tokens[n:]`` spell with a raw ``/`` in it, and the
        index of the last token it takes; ``(tokens[n], n)`` (unescaped) when none does.

        RFC 6901 writes ``/`` inside a key as ``~1``; vendors publish ``#/components/messages/
        a/b`` for the key ``a/b`` all the same. Such a pointer is read leniently (the shortest
        key that matches), with one ``NOVA013`` warning per file naming the fix."""
        for end in range(n + 2, len(tokens) + 1):
            key = "/".join(unescape_token(t) for t in tokens[n:end])
            if key in container:
                if site.path not in self._slash_warned:
                    self._slash_warned.add(site.path)
                    self.diagnostics.warning(
                        "NOVA013",
                        f"$ref names the key {key!r}, which contains '/', without escaping it; read as that "
                        "key (here and in every other $ref of this file written so)",
                        site.source.position(where),
                        hint="a JSON Pointer (RFC 6901) writes '/' inside a key as '~1': "
                        + "#/" + "/".join([*tokens[:n], key.replace("~", "~0").replace("/", "~1"), *tokens[end:]]),
                    )
                return key, end - 1
        return unescape_token(tokens[n]), n

    def _load(self, doc: Document, file_part: str, where: str) -> Document | None:
        try:
            path = (doc.path.parent / file_part).resolve()
            found = path in self._docs or path.is_file()
        except (OSError, ValueError, RuntimeError):  # too long, a NUL byte, a symlink loop
            found = False
        if not found:
            self.diagnostics.error(
                "NOVA011",
                f"$ref file {file_part[:200]!r} not found",
                doc.source.position(where),
                hint=f"paths are relative to {doc.display}",
            )
            return None
        if path in self._docs:
            return self._docs[path]
        if path in self._loaded:
            self._docs[path] = self._loaded[path]
            return self._loaded[path]
        # Normalised, so diagnostics say `commons/schemas.yml`, not `commons/../commons/schemas.yml`.
        here = posixpath.dirname(doc.display.replace("\\", "/"))
        display = posixpath.normpath(posixpath.join(here, file_part.replace("\\", "/")))
        loaded = load_document(path, display, self.diagnostics, doc.limits)
        if loaded is not None:
            self._docs[path] = self._loaded[path] = loaded
        return loaded

    def _lookup(self, target: Target, missing: Any = ...) -> Any:
        value = get(target.doc.data, compile_pointer(target.pointer))
        if value is MISSING:
            return None if missing is None else {}
        return value

    def _default_name(self, target: Target) -> str:
        if not target.pointer:
            data = target.doc.data
            title = data.get("title") if isinstance(data, dict) else None
            base = title if isinstance(title, str) else target.doc.path.stem.split(".")[0]
            return pascal_case(base, prefix="Schema")
        return pascal_case(unescape_token(target.pointer.rsplit("/", 1)[1]), prefix="Schema")

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

    def _suggest(self, doc: Document, found: str, rest: str) -> str:
        """The hint for a pointer that exists up to ``found`` in ``doc`` (after following any
        ``$ref`` on the way) and misses at the first token of ``rest``."""
        missing = unescape_token(rest[1:].split("/", 1)[0])
        container = self._lookup(Target(doc, found))
        where = doc.display + "#" + found if doc is not self.root else "#" + found
        if isinstance(container, dict) and container:
            import difflib

            close = difflib.get_close_matches(missing, [str(k) for k in container], 1)
            if close:
                return f"did you mean {where.rstrip('/')}/{close[0]}?"
            known = sorted(str(k) for k in container)
            shown = ", ".join(known[:8])
            return f"known names at {where}: {shown}" + (f" (8 of {len(known)} shown)" if len(known) > 8 else "")
        return f"nothing named {missing!r} exists at {where}"


_MAX_HOPS = 64
"""References followed through on the way to one target, at most (a chain, not a cycle)."""
_MAX_EXPANSION = 10_000
"""Schemas one schema may be the same value as, counted once per path (real documents: tens)."""
_SAME_VALUE_LISTS = ("allOf", "anyOf", "oneOf")
"""Keywords whose subschemas describe the very value their schema describes."""
_SAME_VALUE_ONE = ("not", "if", "then", "else")


def _nodes_under(owners: list[tuple[Document, dict[str, str]]]) -> Mapping[str, Mapping[str, ir.Location]]:
    """For each document and its named schemas (by pointer), the location of every node
    under each schema, by pointer relative to it (:meth:`RefResolver.schema_nodes`)."""
    out: dict[str, dict[str, ir.Location]] = {}
    for doc, names in owners:
        for pointer in doc.source.positions.keys() | doc.source.key_positions.keys():
            probe = pointer
            while probe not in names and probe:
                probe = probe.rsplit("/", 1)[0]
            if probe in names:
                nodes = out.setdefault(names[probe], {})
                nodes[pointer[len(probe) :]] = _location(doc, pointer, key=True)
    return out


def _location(doc: Document, pointer: str, *, key: bool = False) -> ir.Location:
    position = doc.source.position(pointer, key=key)
    return ir.Location(position.file, position.line, position.column)


def property_locations(
    doc: Document, pointer: str, schema: dict[str, Any], name: str
) -> tuple[ir.Location, ir.Location | None]:
    """Where property ``name`` of the object schema ``schema`` (at ``pointer`` of ``doc``) is
    written, and its entry in the schema's ``required`` list (None when not listed): the
    :attr:`ir.Param.location` and :attr:`ir.Param.required_location` of a parameter."""
    where = _location(doc, join_pointer(join_pointer(pointer, "properties"), name), key=True)
    listed = schema.get("required")
    if not (isinstance(listed, list) and name in listed):
        return where, None
    return where, _location(doc, join_pointer(join_pointer(pointer, "required"), listed.index(name)))
