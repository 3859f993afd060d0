"""Every handler hook the docs name exists: a hook of the runtime's ``BaseHandlers`` or of a
generated handlers class in generated_examples/.

A reader who overrides a hook the docs promise and gets ``HookNameError`` (the docs once sent
malformed frames to ``on_malformed_message``, which never existed: they go to ``on_error``)
has been misled. Names the docs use on purpose although no example generates them are listed
below with the reason; anything else that looks like ``on_<name>`` must be real.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from nova_runtime.handlers import BaseHandlers

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
HOOK = re.compile(r"\bon_[a-z][a-z0-9_]*\b")

ILLUSTRATIONS = {
    "on_orderbok": "the misspelt override that check-handlers catches (behaviours.md)",
    "on_orderbook": "the hook HookNameError suggests for on_orderbok, in the same example",
    "on_limit": "a key of the spec's rate_limit, not a hook (spec-language.md, protocols.md)",
    "on_c": "the naming table's placeholder for channel c (naming.md)",
    "on_e": "the naming table's placeholder for event e (naming.md)",
    "on_error_": "the name an event called `error` gets, shown in NOVA070 (diagnostics.md, naming.md)",
    "on_disconnect_": "the name an event called `disconnect` gets, shown in NOVA070 (diagnostics.md)",
    "on_maintenance": "a removed hook in the NOVA303 example (diagnostics.md)",
    "on_login_result": "a line of a mutation-testing report (contributing.md)",
    "on_reaction": "a Slack Socket Mode hook in an illustration of reply messages (asyncapi.md)",
    "on_positions_error_response": "an OKX message named after its channel (asyncapi.md, what maps to what)",
    "on_subscribe": "the hook of an unnamed 2.x `subscribe` message in the NOVA042 example (diagnostics.md)",
}


def generated_hooks() -> set[str]:
    """``async def on_*`` of every generated handlers module under generated_examples/."""
    found = set()
    for module in (ROOT / "generated_examples").rglob("handlers.py"):
        for node in ast.walk(ast.parse(module.read_text("utf-8"))):
            if isinstance(node, ast.AsyncFunctionDef) and node.name.startswith("on_"):
                found.add(node.name)
    return found


def test_every_hook_the_docs_name_exists() -> None:
    real = {name for name in dir(BaseHandlers) if name.startswith("on_")} | generated_hooks()
    named: dict[str, list[str]] = {}
    for page in PAGES:
        for number, line in enumerate(page.read_text("utf-8").splitlines(), 1):
            for name in HOOK.findall(line):
                named.setdefault(name, []).append(f"{page.relative_to(ROOT)}:{number}")
    missing = {name: where for name, where in named.items() if name not in real and name not in ILLUSTRATIONS}
    assert not missing, f"hooks the docs name that do not exist: {missing}"
    assert "on_error" in named and "on_unknown_message" in named  # the scan reads the pages


def test_every_illustration_is_still_used_and_still_not_a_hook() -> None:
    """The list above stays honest: each name is in the docs and is not a real hook."""
    text = "\n".join(page.read_text("utf-8") for page in PAGES)
    real = {name for name in dir(BaseHandlers) if name.startswith("on_")} | generated_hooks()
    for name in ILLUSTRATIONS:
        assert re.search(rf"\b{name}\b", text), f"{name} is no longer in the docs"
        assert name not in real, f"{name} is a real hook now; drop it from ILLUSTRATIONS"
