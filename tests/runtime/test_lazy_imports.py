"""Importing a generated package loads what it names, not the runtime's machinery.

``nova_runtime``'s public names load on first use (PEP 562) and ``BaseClient`` imports its
parts when a client is made, so ``import deribit`` (and ``import nova_runtime``) loads
neither the asyncio parts, the sans-I/O core nor ``websockets``; a client made brings them.
The public API is unchanged: every name of ``__all__`` resolves, as before.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nova_runtime
import pytest

GENERATED = Path(__file__).resolve().parents[2] / "generated_examples"

MACHINERY = ("websockets", "nova_runtime.core", "nova_runtime.supervisor", "nova_runtime.sender")

PROBE = """
import json, sys
{stmt}
loaded = sorted(m for m in sys.modules if m.startswith({machinery!r}))
print(json.dumps(loaded))
"""


def loaded_after(stmt: str) -> list[str]:
    code = PROBE.format(stmt=stmt, machinery=MACHINERY)
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=GENERATED, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result: list[str] = json.loads(out.stdout)
    return result


PACKAGES = sorted(d.name for d in GENERATED.iterdir() if (d / "__init__.py").is_file())


@pytest.mark.parametrize("package", ["nova_runtime", *PACKAGES])
def test_importing_loads_no_machinery(package: str) -> None:
    """Also for a package with a vendored runtime (``_runtime``): no ``websockets``."""
    assert loaded_after(f"import {package}") == []


def test_making_a_client_loads_it() -> None:
    stmt = (
        "import deribit; from deribit._protocol import PROTOCOL; "
        "deribit.DeribitClient(PROTOCOL, url='ws://127.0.0.1:9', handlers=deribit.DeribitHandlers())"
    )
    loaded = loaded_after(stmt)
    assert "nova_runtime.supervisor" not in loaded  # imported by the first connect
    assert {"nova_runtime.core", "nova_runtime.sender"} <= set(loaded)


def test_every_public_name_resolves() -> None:
    for name in nova_runtime.__all__:
        assert getattr(nova_runtime, name) is not None, name
    assert set(nova_runtime.__all__) <= set(dir(nova_runtime))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        nova_runtime.nope  # noqa: B018


def test_one_module_of_the_core_loads_only_what_it_imports() -> None:
    """nova-gen reads ``json_equal`` and ``canonical`` from the core: importing them loads
    neither the rest of the core nor ``websockets`` (the core's names load on first use)."""
    loaded = loaded_after("import nova_runtime.core.match, nova_runtime.core.subscriptions")
    assert loaded == ["nova_runtime.core", "nova_runtime.core.match", "nova_runtime.core.subscriptions"]


def test_every_core_name_resolves() -> None:
    import nova_runtime.core as core

    for name in core.__all__:
        assert getattr(core, name) is not None, name
    assert set(core.__all__) <= set(dir(core))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        core.nope  # noqa: B018
