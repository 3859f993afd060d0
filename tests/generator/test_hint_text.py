"""Diagnostics speak to users of the installed tool, who have no checkout: no message or hint
names a page by its path in this repository (``docs/spec-language.md``). A hint carries the
text itself (the keys a section needs) or a command the user has (``nova-gen schema``)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

GENERATOR = Path(__file__).resolve().parents[2] / "generator"
DOC_PATH = re.compile(r"docs/|\b[\w-]+\.md\b")


def strings_passed_to_calls(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string constant in the arguments of a call (f-string parts included)."""
    found = []
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call):
            continue
        for argument in [*call.args, *(k.value for k in call.keywords)]:
            for node in ast.walk(argument):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    found.append((node.lineno, node.value))
    return found


def test_no_diagnostic_names_a_page_of_the_checkout() -> None:
    offenders = []
    for module in sorted(GENERATOR.rglob("*.py")):
        for line, text in strings_passed_to_calls(ast.parse(module.read_text("utf-8"))):
            if DOC_PATH.search(text):
                offenders.append(f"{module.relative_to(GENERATOR)}:{line}: {text!r}")
    assert not offenders, "\n".join(offenders)


def test_the_scan_sees_hints() -> None:
    tree = ast.parse('d.error("NOVA003", "x", p, hint=f"see docs/spec-language.md for {x}")')
    assert any(DOC_PATH.search(text) for _, text in strings_passed_to_calls(tree))
