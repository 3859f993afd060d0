"""Each distinct schema is checked against the meta-schema once, and reported everywhere it is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from nova_gen.diagnostics import Diagnostics, SpecError
from nova_gen.loader import load_api

BASE = (Path(__file__).parent / "base_spec.yaml").read_text(encoding="utf-8")


def test_an_invalid_schema_written_twice_is_reported_twice(tmp_path: Path) -> None:
    text = BASE.replace(
        "requests:\n",
        "requests:\n"
        "  first:\n    method: a/first\n    result: { type: strin }\n"
        "  second:\n    method: a/second\n    result: { type: strin }\n",
        1,
    )
    spec = tmp_path / "spec.yaml"
    spec.write_text(text, encoding="utf-8")
    diagnostics = Diagnostics()
    with pytest.raises(SpecError):
        load_api(spec, diagnostics)
    found = [(d.code, d.position.line) for d in diagnostics.items if d.code == "NOVA012"]
    assert len(found) == 2
    assert found[0][1] != found[1][1]
    assert all("'strin' is not valid" in d.message for d in diagnostics.items if d.code == "NOVA012")
