"""Incoming messages become events, told apart by what their payloads pin (:mod:`.dispatch`);
messages no field tells apart are tried at run time, most specific first."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from nova_runtime import protocol as p

from .. import ir
from ..checks import disjoint
from ..naming import snake_case
from .common import own_name
from .dispatch import Shape
from .messages import MessageReader
from .model import Message

ANNOTATIONS = frozenset({"title", "description", "examples", "example", "$comment", "summary"})
"""Schema keywords that do not constrain a value."""
NAMED = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
"""Schema keywords whose value maps names (kept as they are) to schemas."""


def _without_annotations(schema: Any, names: bool = False) -> Any:
    """A schema without the keywords that do not constrain a value, to compare two of them;
    ``names``: ``schema`` maps names to schemas (``properties``), whose keys all stay."""
    if isinstance(schema, dict):
        if names:
            return {k: _without_annotations(v) for k, v in schema.items()}
        return {k: _without_annotations(v, k in NAMED) for k, v in schema.items() if k not in ANNOTATIONS}
    if isinstance(schema, list):
        return [_without_annotations(v) for v in schema]
    return schema


class Incoming(MessageReader):
    """The incoming half of :class:`~.normalize.AsyncApiNormalizer`."""

    def events(
        self, messages: list[Message], unsolicited: set[tuple[str, str]]
    ) -> tuple[tuple[ir.Event, ...], dict[tuple[str, str], Shape]]:
        """Incoming messages as events; those not in ``unsolicited`` (identities) are only
        ever replies to requests."""
        out: list[ir.Event] = []
        shapes: dict[tuple[str, str], Shape] = {}
        broken: set[int] = set()
        for msg in messages:
            failures = self.refs.failures
            shape = self.shape(msg)
            shapes[msg.identity] = shape
            frame = self.frame_kind(msg)
            message = self.message_schema(msg)
            if self.refs.failures > failures:
                broken.add(len(out))  # its $ref was reported: no dispatch warnings about it
            override = self.override(msg)
            if override is not None:
                self.pins.append((msg, message, override))
            out.append(
                ir.Event(
                    name=snake_case(msg.key),
                    when=self.when(msg, shape) if frame == "json" else p.Match(),
                    payload="",
                    message=message,
                    summary=str(msg.value.get("summary", "") or msg.value.get("title", "") or "").strip(),
                    description=str(msg.value.get("description", "") or "").strip(),
                    examples=tuple(self.examples(msg)),
                    location=self.location(msg.doc, msg.pointer),
                    unsolicited=msg.identity in unsolicited,
                    frame=frame,
                    source_name=repr(msg.key) if own_name(msg.value, msg.pointer, self.major) else
                    f"at #{msg.pointer}",
                )
            )
        order = self.discriminate(messages, out, shapes, broken)
        return tuple(out[i] for i in order), shapes

    def discriminate(
        self,
        messages: list[Message],
        events: list[ir.Event],
        shapes: dict[tuple[str, str], Shape],
        broken: set[int],
    ) -> list[int]:
        """Tell apart at run time the incoming messages whose ``when`` overlap.

        Overlapping events form groups (connected by "a frame could match both"); each group
        is marked ``by_validation`` and reordered most specific first: more required
        properties, then more constants, then more value sets, then document order. The
        dispatcher delivers the first of a group whose payload validates. One NOVA107
        warning per group. ``broken`` (indexes) are messages whose schema did not resolve:
        they join no group. Returns the new order of ``events``, which it marks in place.
        """
        group_of = list(range(len(events)))

        def root(i: int) -> int:
            while group_of[i] != i:
                i = group_of[i]
            return i

        for i, event in enumerate(events):
            for j in range(i):
                # Text and binary events are told apart by the frame itself; a message whose
                # schema did not resolve (reported) is compared with none.
                if i in broken or j in broken:
                    continue
                if event.frame == events[j].frame == "json" and not disjoint(event.when, events[j].when):
                    group_of[root(i)] = root(j)
        groups: dict[int, list[int]] = {}
        for i in range(len(events)):
            groups.setdefault(root(i), []).append(i)
        order = list(range(len(events)))
        for members in groups.values():
            if len(members) < 2:
                continue
            ranked = sorted(members, key=lambda i: self.specificity(messages[i], shapes[messages[i].identity], i))
            for slot, i in zip(members, ranked, strict=True):
                order[slot] = i
                events[i] = replace(events[i], by_validation=True)
            self.unreachable([messages[i] for i in ranked], [events[i].name for i in ranked])
            self.catch_all(
                [messages[i] for i in ranked],
                [events[i].name for i in ranked],
                [self.specificity(messages[i], shapes[messages[i].identity], i) for i in ranked],
            )
            first = messages[members[0]]
            names = ", ".join(repr(events[i].name) for i in ranked)
            self.diagnostics.warning(
                "NOVA107",
                f"incoming messages {names} cannot be told apart by their fields; the client tries "
                "them in this order and delivers the first whose payload validates",
                first.doc.source.position(first.pointer, key=True),
                hint="to make it exact, give each a `const` (or `enum`) on a common field, or "
                "`x-nova-when: {equals: {/field: value}}` (or the overlay's `messages: {name: {when: ...}}`)",
            )
        return order

    def unreachable(self, ranked: list[Message], names: list[str]) -> None:
        """NOVA075 for each message of a group whose payload schema is the same (annotations
        aside) as one tried before it: every frame it accepts goes to the earlier one."""
        seen: dict[str, str] = {}
        for msg, name in zip(ranked, names, strict=True):
            found = self.payload(msg)
            value = self.refs.follow(found[0], msg.doc, found[1])[0] if found else None
            key = json.dumps(_without_annotations(value), sort_keys=True, default=str)
            if key in seen:
                self.diagnostics.warning(
                    "NOVA075",
                    f"incoming message {name!r} is never delivered: {seen[key]!r}, tried before it, "
                    "has the same payload schema",
                    msg.doc.source.position(msg.pointer, key=True),
                    hint="tell them apart with a `const` on a common field or `x-nova-when` (is one of "
                    "them a copy left unedited?)",
                )
            else:
                seen[key] = name

    def catch_all(self, ranked: list[Message], names: list[str], keys: list[tuple[int, int, int, int]]) -> None:
        """NOVA117 for the first message of a group that requires and pins nothing (its
        specificity is all zeros) and is tried before others: it validates every frame of
        theirs whose fields have the types it declares, so it takes their frames (the
        Slack Socket Mode client document: ``hello`` gets every frame)."""
        for n, (msg, key) in enumerate(zip(ranked, keys, strict=True)):
            if key[:3] == (0, 0, 0) and n < len(ranked) - 1:
                later = ", ".join(repr(name) for name in names[n + 1 :])
                self.diagnostics.warning(
                    "NOVA117",
                    f"incoming message {names[n]!r} requires and pins no field: tried before {later}, it "
                    "also takes their frames, unless a field it declares has another type there",
                    msg.doc.source.position(msg.pointer, key=True),
                    hint="say how each is recognised: `x-nova-when: {equals: {/type: ...}}` on the message "
                    "(or the overlay's `messages: {name: {when: ...}}`), or a `const` on a common field",
                )
                return

    def specificity(self, msg: Message, shape: Shape, index: int) -> tuple[int, int, int, int]:
        """The sort key of a message in a runtime-discriminated group: most specific first."""
        found = self.payload(msg)
        value = self.refs.follow(found[0], msg.doc, found[1])[0] if found and found[0] is not None else None
        required = len(ir.required_names(value)) if isinstance(value, dict) else 0
        return (-required, -len(shape.equals), -len(shape.one_of), index)
