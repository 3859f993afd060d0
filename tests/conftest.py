"""Shared fixtures: the committed generated examples are importable as packages, and every
test fails on an unexpected error inside a test server."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nova_gen.testing import ServerErrors

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated_examples"
SPECS = ROOT / "specs"

if str(GENERATED) not in sys.path:
    sys.path.insert(0, str(GENERATED))


@pytest.fixture(autouse=True)
def server_errors() -> Iterator[ServerErrors]:
    """Every test fails on an error raised inside a test server (a SpecServer's or an ad-hoc
    ``websockets`` server's connection handler); a test that provokes one on purpose says so
    with ``server_errors.expect(message, ExceptionType)``."""
    with ServerErrors() as errors:
        yield errors
    errors.check()
