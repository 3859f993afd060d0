"""Import pruning keeps exactly the imported names the module refers to."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from nova_gen.render.imports import _used_names, prune_unused_imports

ROOT = Path(__file__).resolve().parents[2]

SOURCE = '''from __future__ import annotations

import json, os
from typing import Any, Literal
from x import (
    a,
    b as bee,
    c,
)

__all__ = ["c"]


def f(value: Any) -> None:
    class Inner:
        field: dict[str, int] = {}

    return [bee for _ in json.loads(value)]
'''


def test_unused_names_go_and_used_ones_stay() -> None:
    assert prune_unused_imports(SOURCE).splitlines()[:5] == [
        "from __future__ import annotations",
        "",
        "import json",
        "from typing import Any",
        "from x import b as bee, c",
    ]


def reference(tree: ast.Module) -> set[str]:
    """The definition: every ast.Name anywhere, and the strings of ``__all__``."""
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            used.update(e.value for e in ast.walk(node.value) if isinstance(e, ast.Constant) and isinstance(e.value, str))
    return used


GENERATED = [p for p in sorted((ROOT / "generated_examples").rglob("*.py")) if "_runtime" not in p.parts]


@pytest.mark.parametrize("path", GENERATED, ids=lambda p: str(p.relative_to(ROOT)))
def test_used_names_are_every_name_of_the_tree(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert _used_names(tree) == reference(tree)


def test_used_names_of_the_sample() -> None:
    tree = ast.parse(SOURCE)
    assert _used_names(tree) == reference(tree) >= {"Any", "bee", "c", "json", "dict", "str", "int"}
