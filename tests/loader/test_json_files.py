"""Specs written as JSON: read the way JSON reads them, and their mistakes worded as JSON's.

YAML reads most JSON, but not a JSON file indented with tabs, and its complaints about a
missing comma speak of "flow mappings"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nova_gen.diagnostics import Diagnostics
from nova_gen.loader.source import load_document

SPEC = {"nova": 1, "name": "x", "title": "a\tb", "servers": {"local": {"url": "ws://127.0.0.1:9000"}}}


def load(path: Path) -> tuple[object, Diagnostics]:
    diagnostics = Diagnostics()
    doc = load_document(path, path.name, diagnostics)
    return (None if doc is None else doc.data), diagnostics


@pytest.mark.parametrize("name", ["spec.json", "spec.yaml"])
def test_json_indented_with_tabs_is_read_with_positions(tmp_path: Path, name: str) -> None:
    text = json.dumps(SPEC, indent="\t")
    assert "\t" in text and "\\t" in text  # tabs as indentation, and one escaped in a string
    (tmp_path / name).write_text(text, encoding="utf-8")
    diagnostics = Diagnostics()
    doc = load_document(tmp_path / name, name, diagnostics)
    assert doc is not None and not diagnostics.items
    assert doc.data == SPEC
    assert doc.source.position("/servers/local/url").line == text[: text.index('"ws:')].count("\n") + 1


def test_a_json_file_gets_the_json_parsers_words(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{\n  "nova": 1\n  "name": "x"\n}\n', encoding="utf-8")
    data, diagnostics = load(tmp_path / "bad.json")
    assert data is None
    (d,) = diagnostics.items
    assert (d.code, d.message, d.position.line, d.position.column) == (
        "NOVA001", "invalid JSON: Expecting ',' delimiter", 3, 3,
    )
    assert "read as JSON" in d.hint


def test_tabs_in_yaml_are_not_taken_for_json(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").write_text("nova: 1\n\tname: x\n", encoding="utf-8")
    _, diagnostics = load(tmp_path / "spec.yaml")
    (d,) = diagnostics.items
    assert d.message == "invalid YAML: a tab character where YAML expects indentation or a value"
    assert (d.position.line, d.position.column) == (2, 1)
