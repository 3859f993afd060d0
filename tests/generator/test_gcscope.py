"""nova-gen's own stages run with fewer young-generation collections, and leave the
collector as they found it (``nova_gen.gcscope``)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from nova_gen.diagnostics import Diagnostics, SpecError
from nova_gen.gcscope import YOUNG_THRESHOLD, fewer_collections
from nova_gen.loader import load_api

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _threshold() -> Iterator[None]:
    saved, enabled = gc.get_threshold(), gc.isenabled()
    yield
    gc.set_threshold(*saved)
    if enabled:
        gc.enable()


def test_the_threshold_is_raised_inside_and_restored_after_a_return_or_a_raise() -> None:
    gc.set_threshold(700, 10, 10)
    seen: list[tuple[int, int, int]] = []

    @fewer_collections
    def inside(fail: bool) -> None:
        seen.append(gc.get_threshold())
        if fail:
            raise ValueError

    inside(False)
    with pytest.raises(ValueError):
        inside(True)
    assert seen == [(YOUNG_THRESHOLD, 10, 10)] * 2
    assert gc.get_threshold() == (700, 10, 10)


def test_nested_scopes_and_a_higher_threshold_are_kept() -> None:
    gc.set_threshold(YOUNG_THRESHOLD * 2, 5, 5)
    seen: list[tuple[int, int, int]] = []
    fewer_collections(lambda: seen.append(gc.get_threshold()))()
    assert seen == [(YOUNG_THRESHOLD * 2, 5, 5)]
    assert gc.get_threshold() == (YOUNG_THRESHOLD * 2, 5, 5)


def test_a_disabled_collector_is_left_alone() -> None:
    gc.set_threshold(700, 10, 10)
    gc.disable()
    seen: list[tuple[int, int, int]] = []
    fewer_collections(lambda: seen.append(gc.get_threshold()))()
    assert seen == [(700, 10, 10)]
    assert not gc.isenabled()


def test_loading_a_spec_restores_the_threshold_also_on_errors(tmp_path: Path) -> None:
    gc.set_threshold(700, 10, 10)
    load_api(ROOT / "specs" / "deribit.yaml", Diagnostics(), base=ROOT)
    broken = tmp_path / "broken.yaml"
    broken.write_text("nova: 1\nname: [\n", encoding="utf-8")
    with pytest.raises(SpecError):
        load_api(broken, Diagnostics())
    assert gc.get_threshold() == (700, 10, 10)


def test_scopes_in_two_threads_restore_the_threshold_when_the_last_ends() -> None:
    gc.set_threshold(700, 10, 10)
    first_inside, release = threading.Event(), threading.Event()

    @fewer_collections
    def first() -> None:
        first_inside.set()
        assert release.wait(30)

    @fewer_collections
    def second() -> None:
        pass

    thread = threading.Thread(target=first)
    thread.start()
    assert first_inside.wait(30)
    second()  # starts and ends while the first scope runs: the threshold stays raised
    assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
    release.set()
    thread.join(30)
    assert not thread.is_alive()
    assert gc.get_threshold() == (700, 10, 10)
