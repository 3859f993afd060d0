"""The libyaml-backed loader reads every file exactly as PyYAML's pure-Python parser does.

libyaml makes loading several times faster; the pure-Python parser stays the reference for
what a file means and where each node was written, and reads every file libyaml refuses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nova_gen.diagnostics import Diagnostics
from nova_gen.loader import compose
from nova_gen.loader.compose import LimitedLoader, PythonLimitedLoader
from nova_gen.loader.limits import DEFAULT_LIMITS, Limits
from nova_gen.loader.source import SourceMap, _build_unchecked, _Builder, load_document

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
    unchecked = _build_unchecked(spec.read_text(encoding="utf-8"), spec.name, DEFAULT_LIMITS)
    monkeypatch.setattr(compose.yaml, "__with_libyaml__", False)
    reference = load_document(spec, spec.name, Diagnostics())
    assert fast is not None and reference is not None
    assert fast.data == reference.data
    assert fast.source == reference.source
    assert unchecked is not None, "every spec of the repository takes the fast reading"
    assert unchecked == (reference.data, reference.source)


# -- the unchecked composer: the bounds checked while building ---------------------------

SMALL = Limits(max_depth=3, max_alias_nodes=6)
WITHIN = [
    "a: [[1]]\n",  # three collections deep (the document's mapping is one): the limit
    "a: &x [1]\nb: *x\nc: *x\nd: *x\n",  # 3 aliases of 2 nodes: 6 repeated nodes, the limit
    "a: &x {k: 1}\nb: *x\nc: *x\n",  # each alias repeats the mapping, its key and its value
]
OVER = [
    "a: [[[1]]]\n",  # four deep
    "a: &x [1]\nb: [[*x]]\n",  # four deep once the alias is expanded
    "a: &x [1]\nb: *x\nc: *x\nd: *x\ne: *x\n",  # 4 aliases of 2 nodes
    "a: &x [1, *x]\n",  # an alias inside its own anchor
    "a: &a [1, 1]\nb: &b [*a, *a]\nc: [*b, *b]\n",  # aliases of aliases
]


def checked(text: str, limits_: Limits) -> tuple[Any, Any] | str:
    """What the checked composer makes of ``text``: (value, positions), or the limit crossed,
    or the code of what the builder reports."""
    try:
        node = PythonLimitedLoader(text, limits_).get_single_node()
    except compose.LimitExceeded as exc:
        return exc.code
    source, diagnostics = SourceMap("t"), Diagnostics()
    value = _Builder(source, diagnostics, limits_).build(node, "")
    return diagnostics.items[0].code if diagnostics.items else (value, source.positions)


@pytest.mark.parametrize("text", WITHIN + OVER + TEXTS)
def test_unchecked_reading_keeps_the_bounds_of_the_checked_one(text: str) -> None:
    for limits_ in (SMALL, DEFAULT_LIMITS):
        reference = checked(text, limits_)
        fast = _build_unchecked(text, "t", limits_)
        if isinstance(reference, str):
            assert fast is None, f"{text!r} has {reference} but was read"
        else:
            assert fast is not None and (fast[0], fast[1].positions) == reference


def test_the_bound_cases_are_on_both_sides() -> None:
    assert all(not isinstance(checked(t, SMALL), str) for t in WITHIN)
    assert all(isinstance(checked(t, SMALL), str) for t in OVER)


def test_a_file_with_something_to_report_is_read_the_checked_way(tmp_path: Path) -> None:
    assert _build_unchecked("a: 1\na: 2\n", "t", DEFAULT_LIMITS) is None  # duplicate key
    assert _build_unchecked("a: !!binary aGk=\n", "t", DEFAULT_LIMITS) is None
    spec = tmp_path / "spec.yaml"
    spec.write_text("a: 1\na: 2\n", encoding="utf-8")
    diagnostics = Diagnostics()
    assert load_document(spec, "spec.yaml", diagnostics) is not None
    assert [d.code for d in diagnostics.items] == ["NOVA002"]


def flow(draw: st.DrawFn, depth: int, anchors: list[str]) -> str:
    """A random YAML flow value: scalars, lists, mappings, anchors and aliases (some of them
    dangling or inside their own anchor)."""
    kind = draw(st.sampled_from(["scalar", "scalar", "list", "map", "anchor", "alias"] if depth < 6 else ["scalar"]))
    if kind == "scalar":
        return draw(st.sampled_from(["1", "x", "~", "yes", "0x1F", "'q'", "1.5", "a b"]))
    if kind == "alias":
        return "*" + draw(st.sampled_from(anchors or ["nowhere"]))
    if kind == "anchor":
        name = f"a{len(anchors)}"
        anchors.append(name)
        return f"&{name} " + flow(draw, depth + 1, anchors)
    items = [flow(draw, depth + 1, anchors) for _ in range(draw(st.integers(0, 3)))]
    if kind == "list":
        return "[" + ", ".join(items) + "]"
    return "{" + ", ".join(f"k{i}: {item}" for i, item in enumerate(items)) + "}"


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_unchecked_reading_agrees_on_random_documents(data: st.DataObject) -> None:
    anchors: list[str] = []
    text = "a: " + flow(data.draw, 0, anchors) + "\n"
    try:
        reference: Any = checked(text, SMALL)
    except yaml.YAMLError:
        reference = "yaml error"
    fast = _build_unchecked(text, "t", SMALL)
    if isinstance(reference, str):
        assert fast is None, text
    else:
        assert fast is not None and (fast[0], fast[1].positions) == reference, text
