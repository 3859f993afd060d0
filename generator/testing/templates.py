"""Address templates of any shape: match a concrete value against one, fill one in.

A template is what a channel's ``address`` or ``subscribe_params`` says (see "Beyond channel
strings" in docs/spec-language.md):

- a string that is exactly ``"{p}"`` binds parameter ``p`` to the value, whatever its type;
- another string with placeholders matches a string by regex (an ``enum``/``const``
  parameter only matches its values), binding the text;
- a one-element list ``["{p}"]`` against a list binds one subscription per element
  (Kraken ``symbol: [...]``, Coinbase ``product_ids: [...]``);
- an object matches an object that has at least its keys (a key whose template is a bare
  ``"{p}"``, or a constant that is not a string, may be missing: an optional parameter or
  option); other lists match element-wise;
- any other constant must be equal.

Only declared parameter names are placeholders, so GraphQL braces stay literal text.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Mapping
from typing import Any

from nova_runtime.core.subscriptions import canonical
from nova_runtime.template import PLACEHOLDER

from .addresses import value_pattern, value_text

Binding = dict[str, Any]



def bare_name(template: Any, names: Collection[str]) -> str | None:
    """``p`` when ``template`` is exactly ``"{p}"`` and ``p`` is a parameter."""
    if isinstance(template, str):
        m = PLACEHOLDER.fullmatch(template)
        if m is not None and m.group(1) in names:
            return m.group(1)
    return None


def _regex(text: str, schemas: Mapping[str, Mapping[str, Any]]) -> tuple[re.Pattern[str], list[str]] | None:
    names: list[str] = []
    parts: list[str] = []
    pos = 0
    for m in PLACEHOLDER.finditer(text):
        if m.group(1) not in schemas:
            continue
        parts.append(re.escape(text[pos : m.start()]))
        names.append(m.group(1))
        parts.append(f"({value_pattern(dict(schemas[m.group(1)]))})")
        pos = m.end()
    if not names:
        return None
    parts.append(re.escape(text[pos:]))
    return re.compile("".join(parts)), names


def _product(parts: list[list[Binding]]) -> list[Binding] | None:
    """Every combination of the parts' bindings that agrees on shared names."""
    if any(not p for p in parts):
        return []
    out: list[Binding] = []
    for combo in itertools.product(*parts):
        merged: Binding = {}
        agree = True
        for binding in combo:
            for k, v in binding.items():
                agree = agree and (k not in merged or merged[k] == v)
                merged[k] = v
        if agree:
            out.append(merged)
    return out or None


def _optional(template: Any, names: Collection[str]) -> bool:
    if bare_name(template, names) is not None:
        return True
    return isinstance(template, dict) and all(_optional(v, names) for v in template.values())


def match(
    template: Any, value: Any, schemas: Mapping[str, Mapping[str, Any]]
) -> list[Binding] | None:
    """The bindings ``value`` makes of ``template`` (one per subscription it names), or
    None when it does not match. ``[]`` is a match that names no subscription (an empty
    list against ``["{p}"]``)."""
    name = bare_name(template, schemas)
    if name is not None:
        return [{name: value}]
    if isinstance(template, str):
        compiled = _regex(template, schemas)
        if compiled is None:
            return [{}] if value == template else None
        if not isinstance(value, str):
            return None
        m = compiled[0].fullmatch(value)
        return None if m is None else [dict(zip(compiled[1], m.groups(), strict=True))]
    if isinstance(template, dict):
        if not isinstance(value, dict):
            return None
        parts: list[list[Binding]] = []
        for key, sub in template.items():
            if key not in value:
                # An optional parameter, or a constant option (Kraken ``snapshot: true``).
                if _optional(sub, schemas) or not isinstance(sub, str | dict | list):
                    continue
                return None
            found = match(sub, value[key], schemas)
            if found is None:
                return None
            parts.append(found)
        return _product(parts)
    if isinstance(template, list):
        if not isinstance(value, list):
            return None
        one = bare_name(template[0], schemas) if len(template) == 1 else None
        if one is not None:
            return [{one: v} for v in value]
        if len(value) > len(template) or not all(
            _optional(t, schemas) for t in template[len(value) :]
        ):
            return None
        parts = []
        for sub, item in zip(template, value, strict=False):
            found = match(sub, item, schemas)
            if found is None:
                return None
            parts.append(found)
        return _product(parts)
    return [{}] if value == template and type(value) is type(template) else None


_MISSING = object()


def fill(template: Any, binding: Mapping[str, Any], names: Collection[str]) -> Any:
    """``template`` with its placeholders replaced: a bare ``"{p}"`` by the typed value
    (dropped from objects and trailing list places when unbound), others as text."""
    out = _fill(template, binding, names)
    return None if out is _MISSING else out


def _fill(template: Any, binding: Mapping[str, Any], names: Collection[str]) -> Any:
    name = bare_name(template, names)
    if name is not None:
        return binding.get(name, _MISSING)
    if isinstance(template, str):
        return PLACEHOLDER.sub(
            lambda m: value_text(binding[m.group(1)])
            if m.group(1) in binding
            else m.group(0),
            template,
        )
    if isinstance(template, dict):
        filled = {k: _fill(v, binding, names) for k, v in template.items()}
        return {k: v for k, v in filled.items() if v is not _MISSING}
    if isinstance(template, list):
        items = [_fill(v, binding, names) for v in template]
        while items and items[-1] is _MISSING:
            items.pop()
        return [None if v is _MISSING else v for v in items]
    return template


def key_of(address: Any) -> str:
    """The text that identifies a concrete address: itself, or canonical JSON."""
    if isinstance(address, str):
        return address
    return canonical(address)


def specificity(template: Any, names: Collection[str]) -> int:
    """How much constant text a template pins down: the more, the better a match."""
    if bare_name(template, names) is not None:
        return 0
    if isinstance(template, str):
        return len(PLACEHOLDER.sub("", template)) + 1
    if isinstance(template, dict):
        return sum(1 + specificity(v, names) for v in template.values())
    if isinstance(template, list):
        return sum(specificity(v, names) for v in template) + 1
    return 1
