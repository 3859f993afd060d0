"""The runtime's modules import one way: no import cycle, at any depth.

The asyncio layer's parts (connection, requests, outcomes, subscriptions, supervisor)
depend on narrow interfaces (typing Protocols declared beside the part, and the shared
:class:`~nova_runtime.context.Context`), never on the client that assembles them; so
``core`` (sans-I/O) <- parts <- client. Every import counts, also those under
``TYPE_CHECKING`` and inside functions: a cycle there is still a cycle for the reader.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nova_runtime

ROOT = Path(nova_runtime.__file__).parent


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Module -> the runtime modules it imports (relative imports; names relative to
    the runtime package, "" for its ``__init__``)."""
    modules = {_module_name(root, p): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        package = list(path.relative_to(root).parent.parts)
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or node.level == 0:
                continue
            base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            target = [*base, *(node.module.split(".") if node.module else [])]
            # ``from .pkg import name``: the package, and ``name`` when it is a module.
            candidates = [".".join(target)]
            candidates += [".".join([*target, alias.name]) for alias in node.names]
            for candidate in candidates:
                if candidate in modules and candidate != name:
                    graph[name].add(candidate)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found is not None:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found is not None:
                return found
    return None


def test_the_runtime_has_no_import_cycle() -> None:
    graph = import_graph()
    assert "client" in graph and "core.session" in graph  # the graph was read
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle in the runtime: " + " -> ".join(cycle or [])


def test_the_core_imports_no_asyncio_part() -> None:
    """The sans-I/O core depends only on leaf modules (wire description, errors, logs,
    pointers, templates, the first-use import of public names), never on the asyncio layer."""
    graph = import_graph()
    allowed = {"errors", "lazy", "logs", "pointer", "protocol", "template"}
    for name, targets in graph.items():
        if name == "core" or name.startswith("core."):
            outside = {t for t in targets if not (t == "core" or t.startswith("core."))}
            assert outside <= allowed, f"{name} imports {sorted(outside - allowed)}"


def test_the_cycle_finder_finds_a_type_checking_cycle(tmp_path: Path) -> None:
    """The check itself: a cycle made only of a TYPE_CHECKING import is found."""
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "a.py").write_text("from .b import B\n")
    (tmp_path / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import A\nB = 1\n"
    )
    (tmp_path / "c.py").write_text("from . import a\n")
    assert find_cycle(import_graph(tmp_path)) == ["a", "b", "a"]
    (tmp_path / "b.py").write_text("B = 1\n")
    assert find_cycle(import_graph(tmp_path)) is None
