"""Misspelt and mis-typed hooks are caught: at class creation, and by `nova-gen check-handlers`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from deribit import DeribitHandlers, HookNameError, TickerChannel, not_a_hook

from nova_gen.cli import main


def test_a_misspelt_hook_fails_at_class_creation_naming_the_closest_hook() -> None:
    with pytest.raises(HookNameError) as caught:

        class Mine(DeribitHandlers):
            async def on_tickr(self, message: Any, channel: TickerChannel) -> None: ...

    error = caught.value
    assert error.name == "on_tickr" and error.suggestion == "on_ticker"
    assert "did you mean 'on_ticker'?" in str(error)
    assert error.file == __file__ and error.line > 0
    assert isinstance(error, TypeError)  # a class-definition error


def test_hooks_helpers_and_other_methods_are_accepted() -> None:
    class Mine(DeribitHandlers):
        async def on_ticker(self, message: Any, channel: TickerChannel) -> None: ...

        async def on_error(self, error: Exception, context: str) -> None: ...

        @not_a_hook
        def on_something_of_mine(self) -> int:
            return 1

        def render(self) -> str:  # not on_*: never checked
            return "x"

    class Deeper(Mine):  # hooks of every base count
        async def on_ticker(self, message: Any, channel: TickerChannel) -> None: ...

    assert Deeper().on_something_of_mine() == 1


GOOD = '''
from typing import Any
from deribit import DeribitHandlers, TickerChannel

class Good(DeribitHandlers):
    async def on_ticker(self, message: Any, channel: TickerChannel) -> None:
        pass
'''

WRONG_SIGNATURE = '''
from typing import Any
from deribit import DeribitHandlers

class Wrong(DeribitHandlers):
    async def on_ticker(self, message: Any) -> None:
        pass

    def on_connect(self, info: Any) -> None:
        pass

    def on_book(self, message: Any) -> None:
        pass
'''

MISSPELT = '''
from typing import Any
from deribit import DeribitHandlers

class Misspelt(DeribitHandlers):
    async def on_tiker(self, message: Any, channel: Any) -> None:
        pass
'''


def _run(tmp: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, source: str, target: str) -> tuple[int, str]:
    (tmp / f"{name}.py").write_text(source, encoding="utf-8")
    monkeypatch.chdir(tmp)
    monkeypatch.setattr(sys, "path", list(sys.path))
    code = main(["check-handlers", f"{name}:{target}"])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_check_handlers_passes_a_good_class(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(tmp_path, monkeypatch, capsys, "good_handlers", GOOD, "Good")
    assert code == 0 and "good_handlers:Good: ok" in out


def test_check_handlers_reports_signatures_with_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _run(tmp_path, monkeypatch, capsys, "wrong_handlers", WRONG_SIGNATURE, "Wrong")
    assert code == 1
    path = str(tmp_path / "wrong_handlers.py")
    assert f"{path}:6: error: Wrong.on_ticker" in out and "(self, message, channel)" in out
    assert f"{path}:9: error: Wrong.on_connect must be `async def`" in out
    # Both of on_book's problems in one run, not one per fix.
    assert f"{path}:12: error: Wrong.on_book must be `async def`" in out
    assert f"{path}:12: error: Wrong.on_book(self, message: Any) -> None cannot take" in out


def test_check_handlers_reports_a_misspelt_hook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _run(tmp_path, monkeypatch, capsys, "misspelt_handlers", MISSPELT, "Misspelt")
    assert code == 1
    assert f"{tmp_path / 'misspelt_handlers.py'}:6: error: Misspelt.on_tiker is not a hook" in out
    assert "did you mean 'on_ticker'?" in out


def test_check_handlers_bad_target_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["check-handlers", "no_such_module:X"]) == 2
    assert main(["check-handlers", "deribit:DeribitClient"]) == 2
    assert main(["check-handlers", "not-a-target"]) == 2
    assert "cannot import" in capsys.readouterr().err


def test_hooks_the_spec_knows_are_typed() -> None:
    import inspect

    from coinbase import CoinbaseHandlers
    from okx import OkxHandlers

    gap = inspect.signature(OkxHandlers.on_sequence_gap).parameters
    assert (gap["channel"].annotation, gap["expected"].annotation, gap["received"].annotation) == (
        "BooksChannel",
        "int",
        "int",
    )
    sign = inspect.signature(CoinbaseHandlers.sign).parameters
    assert sign["method"].annotation == "Literal['subscribe', 'unsubscribe']"
