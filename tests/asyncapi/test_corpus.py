"""The public corpus (``corpus/``, sources in ``corpus/SOURCES.md``): the share of documents that
generate a client which passes ``mypy --strict`` and imports may only go up.

``MEASURED`` is the count measured when it was last raised; raise it whenever a change makes
more documents pass (``make corpus`` prints the table). The goal is nine in ten.
"""

from __future__ import annotations

import shutil

from .corpus import ROOT, documents, measure, table

MEASURED = 16


def test_the_corpus_has_at_least_twenty_public_documents() -> None:
    assert len(documents()) >= 20


def test_the_share_of_the_corpus_that_generates_type_checks_and_imports() -> None:
    out = ROOT / "build" / "corpus-test"  # mypy's cache survives between runs
    shutil.rmtree(out / "clients", ignore_errors=True)
    results = measure(out)
    passed = sum(r.passed for r in results)
    assert passed >= MEASURED, table(results)
