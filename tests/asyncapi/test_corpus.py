"""The public corpus (``corpus/``, sources in ``corpus/SOURCES.md``): the share of documents that
generate a client which passes ``mypy --strict`` and imports may only go up.

``MEASURED`` is the count measured when it was last raised; raise it whenever a change makes
more documents pass (``make corpus`` prints the table). At least nine in ten must pass.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from .corpus import ROOT, Result, documents, import_all, measure, table, type_check

MEASURED = 39


def test_the_corpus_has_at_least_twenty_public_documents() -> None:
    assert len(documents()) >= 20


def test_the_share_of_the_corpus_that_generates_type_checks_and_imports() -> None:
    out = ROOT / "build" / "corpus-test"  # mypy's cache survives between runs
    shutil.rmtree(out / "clients", ignore_errors=True)
    results = measure(out)
    passed = sum(r.passed for r in results)
    assert passed >= MEASURED, table(results)
    assert passed * 10 >= len(results) * 9, table(results)
    # Class names stay meaningful on real documents: named by path, never numbered (Event1).
    names = [
        f"{path.parent.name}.{name}"
        for path in (out / "clients").rglob("models.py")
        for name in re.findall(r"^(?:class )?(\w+)(?:\(BaseModel| = TypeAliasType)", path.read_text("utf-8"), re.M)
    ]
    assert len(names) > 50
    # A number the document's author wrote (deepgram's schema `SpeakSettingsV1Provider1`) stays.
    written = {w for d in documents() for w in re.findall(r"\w+", d.read_text("utf-8"))}
    numbered = [n for n in names if re.search(r"[a-z]\d+$", n) and n.split(".", 1)[1] not in written]
    assert numbered == []


def test_the_measurement_sees_type_errors_and_import_errors(tmp_path: Path) -> None:
    """The mypy and import stages report a failure, not only passes (on two tiny packages)."""
    for name, text in {"typed_wrong": "x: int = 'text'\n", "import_wrong": "import not_a_module_anywhere\n"}.items():
        (tmp_path / "clients" / name / name).mkdir(parents=True)
        (tmp_path / "clients" / name / name / "__init__.py").write_text(text)
    wrong = Result("typed_wrong.yml", package="typed_wrong")
    missing = Result("import_wrong.yml", package="import_wrong")
    pairs = [(tmp_path / "clients" / "typed_wrong", wrong), (tmp_path / "clients" / "import_wrong", missing)]
    type_check(tmp_path, [pairs[:1]])
    import_all(pairs[1:])
    assert (wrong.stage, missing.stage) == ("mypy", "import")
    assert "Incompatible types in assignment" in wrong.first_error
    assert "not_a_module_anywhere" in missing.first_error
