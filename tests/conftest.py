"""Shared fixtures: the committed generated examples are importable as packages."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated_examples"
SPECS = ROOT / "specs"

if str(GENERATED) not in sys.path:
    sys.path.insert(0, str(GENERATED))
