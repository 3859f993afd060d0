"""Dropping imports a rendered module does not use.

Templates import what a module *may* need (``Subscription`` for a client with channels,
``errors`` for an API with error codes); which of it a given API needs is a fact of the
rendered text. Reading that fact off the syntax tree, once, is simpler and surer than a
condition beside every import in every template, and keeps ruff's F401 quiet for any API.
"""

from __future__ import annotations

import ast


def _used_names(tree: ast.Module) -> set[str]:
    """Every ``Name`` in the tree, and the strings of an ``__all__ = [...]``.

    One walk with a plain stack over each node's ``_fields`` (what ``ast.walk`` visits, at a
    third of its cost: its generators were most of the time this module took)."""
    used: set[str] = set()
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if type(node) is ast.Name:
            used.add(node.id)
            continue
        if type(node) is ast.Assign and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            used.update(
                e.value for e in ast.walk(node.value) if isinstance(e, ast.Constant) and isinstance(e.value, str)
            )
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                stack.extend(item for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST):
                stack.append(value)
    return used


def prune_unused_imports(source: str) -> str:
    """``source`` without the top-level imported names nothing refers to."""
    tree = ast.parse(source)
    used = _used_names(tree)
    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, str]] = []
    for node in tree.body:
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            continue
        keep = [a for a in node.names if (a.asname or a.name).split(".")[0] in used]
        if len(keep) == len(node.names):
            continue
        replacement = ""
        if keep:
            names = ", ".join(a.name if a.asname is None else f"{a.name} as {a.asname}" for a in keep)
            if isinstance(node, ast.ImportFrom):
                replacement = f"from {'.' * node.level}{node.module or ''} import {names}\n"
            else:
                replacement = f"import {names}\n"
        assert node.end_lineno is not None
        edits.append((node.lineno - 1, node.end_lineno, replacement))
    for start, end, text in reversed(edits):
        lines[start:end] = [text] if text else []
    return "".join(lines)
