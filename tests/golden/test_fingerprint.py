"""Any change to a spec's content makes --check fail; comments and layout do not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nova_gen.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_example_change_is_noticed_comment_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "deribit.yaml"
    shutil.copy(ROOT / "specs" / "deribit.yaml", spec)
    monkeypatch.chdir(tmp_path)
    assert main(["deribit.yaml", "-o", "out", "-q"]) == 0

    spec.write_text("# a new comment\n" + spec.read_text("utf-8"), encoding="utf-8")
    assert main(["deribit.yaml", "-o", "out", "--check", "-q"]) == 0

    text = spec.read_text("utf-8")
    assert "best_bid_price: 36442.5" in text
    spec.write_text(text.replace("best_bid_price: 36442.5", "best_bid_price: 36442.0", 1), encoding="utf-8")
    capsys.readouterr()
    assert main(["deribit.yaml", "-o", "out", "--check"]) == 1
    captured = capsys.readouterr()
    assert "\n SPEC_FINGERPRINT = (\n-    \"sha256:" in captured.out and "\n+    \"sha256:" in captured.out
    assert "out/deribit/_protocol.py: changed" in captured.err
