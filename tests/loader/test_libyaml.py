"""The libyaml-backed loader reads every file exactly as PyYAML's pure-Python parser does.

libyaml makes loading several times faster; the pure-Python parser stays the reference for
what a file means and where each node was written, and reads every file libyaml refuses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from nova_gen.diagnostics import Diagnostics
from nova_gen.loader import limits
from nova_gen.loader.limits import DEFAULT_LIMITS, LimitedLoader, PythonLimitedLoader
from nova_gen.loader.source import load_document

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted((ROOT / "specs").rglob("*.yaml"))

TEXTS = [
    'a: "é😀x"\nb: [x, 😀é, y]\n',
    "\ufeffa: 1\n",
    "a: 'x\x85y'\n",
    "? [a]\n: 1\n",
    "a: 0x1F\nb: 1_000\nc: .inf\nd: 2001-12-14\ne: ~\nf: yes\ng: 0o17\nh: 1e3\n",
    "a: &x [1, {b: c}]\nb: *x\n",
    "a: |\n  x\n  y\nb: >-\n  p\n  q\n",
    '- "\\x41\\u00e9\\U0001F600"\n',
    "%YAML 1.1\n---\na: 1\n",
]


def nodes(node: yaml.Node) -> list[Any]:
    """Every node of the graph in document order: tag, scalar text, line and column."""
    out: list[Any] = []
    stack = [node]
    while stack:
        item = stack.pop()
        value = item.value if isinstance(item.value, str) else None
        out.append((item.tag, value, item.start_mark.line, item.start_mark.column))
        if isinstance(item.value, list):
            for child in reversed(item.value):
                stack.extend(reversed(child) if isinstance(child, tuple) else [child])
    return out


def test_limited_loader_reads_through_libyaml() -> None:
    assert yaml.__with_libyaml__
    assert yaml.cyaml.CParser in LimitedLoader.__mro__  # type: ignore[attr-defined]


@pytest.mark.parametrize("text", TEXTS)
def test_same_nodes_and_marks(text: str) -> None:
    fast = LimitedLoader(text, DEFAULT_LIMITS).get_single_node()
    reference = PythonLimitedLoader(text, DEFAULT_LIMITS).get_single_node()
    assert fast is not None and reference is not None
    assert nodes(fast) == nodes(reference)


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.name)
def test_every_spec_loads_the_same(spec: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = load_document(spec, spec.name, Diagnostics())
    monkeypatch.setattr(limits.yaml, "__with_libyaml__", False)
    reference = load_document(spec, spec.name, Diagnostics())
    assert fast is not None and reference is not None
    assert fast.data == reference.data
    assert fast.source == reference.source
