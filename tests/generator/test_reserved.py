"""The reserved sets of ``nova_gen.reserved`` are complete for what the templates generate.

A template that starts importing a new name, or binding a new local in a method body,
without reserving it would let a spec name shadow it again; these tests read every
committed example and fail then."""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

import pytest
from nova_runtime.client import BaseClient
from nova_runtime.handlers import BaseHandlers

from nova_gen import reserved

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = sorted(p.parent for p in (ROOT / "generated_examples").rglob("client.py") if "_runtime" not in p.parts)
TEMPLATED = ("__init__.py", "_protocol.py", "channels.py", "client.py", "errors.py", "handlers.py")
OWN_MODULES = {"_protocol", "channels", "client", "handlers"}


def test_there_are_examples() -> None:
    assert len(PACKAGES) >= 8


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: str(p.relative_to(ROOT / "generated_examples")))
def test_every_import_of_generated_modules_is_reserved(package: Path) -> None:
    for name in TEMPLATED:
        tree = ast.parse((package / name).read_text("utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module != "__future__":
                if node.level == 1 and node.module in OWN_MODULES:
                    continue  # the spec's own constants and classes, planned per spec
                for alias in node.names:
                    assert (alias.asname or alias.name) in reserved.MODULE_IMPORTS, (name, alias.name)


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: str(p.relative_to(ROOT / "generated_examples")))
def test_method_bodies_read_only_their_arguments_reserved_locals_and_module_names(package: Path) -> None:
    tree = ast.parse((package / "client.py").read_text("utf-8"))
    module_names = {a.asname or a.name for n in tree.body if isinstance(n, ast.ImportFrom) for a in n.names}
    module_names |= {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef))
    for method in cls.body:
        if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        arguments = {a.arg for a in method.args.args + method.args.kwonlyargs}
        for statement in method.body:
            for node in ast.walk(statement):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    assert node.id in reserved.LOCALS, (method.name, node.id)
                elif isinstance(node, ast.Name):
                    if node.id in arguments - reserved.LOCALS:
                        continue  # a planned parameter
                    assert node.id in module_names | reserved.LOCALS, (method.name, node.id)
                    if hasattr(builtins, node.id):
                        assert node.id in reserved.LOCALS, (method.name, node.id)


def test_runtime_attributes_are_found_by_introspection() -> None:
    """Instance attributes set in ``__init__`` are reserved, not only what ``dir`` shows."""
    for name in ("close", "metrics", "log", "options", "url", "handlers", "request_timeout", "protocol", "_request"):
        assert name in reserved.CLIENT_ATTRIBUTES
    assert "log" not in dir(BaseClient)  # set in __init__: found in the source, not by dir()
    assert {"on_error", "on_disconnect", "on_connect", "on_unknown_message"} <= reserved.HANDLER_ATTRIBUTES


@pytest.mark.parametrize(
    ("cls", "found"),
    [(BaseClient, reserved.CLIENT_ATTRIBUTES), (BaseHandlers, reserved.HANDLER_ATTRIBUTES)],
    ids=["client", "handlers"],
)
def test_attributes_read_from_source_are_what_the_imported_class_has(cls: type, found: frozenset[str]) -> None:
    """The source is parsed instead of imported; ``dir`` of the imported class finds nothing
    more but the names ``type`` adds to every class, which no planned name can be."""
    missed = set(dir(cls)) - found
    assert missed <= {"__dict__", "__weakref__", "__module__", "__orig_bases__", "__parameters__"}, missed


def test_a_runtime_base_class_is_followed_into_its_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "nova_runtime_probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "base.py").write_text(
        "import typing\nT = typing.TypeVar('T')\n"
        "class Root:\n    root_attr = 1\n    def __init__(self):\n        self.from_root = 1\n"
    )
    (package / "child.py").write_text(
        "from typing import Generic, TypeVar\nfrom .base import Root\nH = TypeVar('H')\n"
        "class Child(Root, Generic[H]):\n    if True:\n        def method(self):\n            self.made, x = 1, 2\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    names = reserved.attributes("nova_runtime_probe.child", "Child")
    assert {"root_attr", "from_root", "method", "made", "__class_getitem__"} <= names
    assert "x" not in names
    with pytest.raises(LookupError):
        reserved.attributes("nova_runtime_probe.child", "Missing")


def test_package_names_that_shadow_dependencies_are_reserved() -> None:
    assert {"websockets", "pydantic", "json", "typing", "asyncio", "import", "async"} <= reserved.PACKAGES
