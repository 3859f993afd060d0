"""Which requests the client gets a method for: a subscription's subscribe and unsubscribe
are plumbing the channels' ``subscribe_*``/``unsubscribe_*`` methods send (called directly they
would subscribe with no routing), so they get none unless the spec writes ``public: true``."""

from __future__ import annotations

from pathlib import Path

import pytest

from nova_gen.diagnostics import Diagnostics
from nova_gen.loader import load_api
from nova_gen.planner import plan

from .conftest import BASE, mutate, write_files

UNSUBSCRIBE = """  unsubscribe:
    method: public/unsubscribe
    params:
      type: object
      required: [channels]
      properties:
        channels: { type: array, items: { type: string } }

subscriptions:
  public:
    subscribe: subscribe
    unsubscribe: unsubscribe
"""


def methods(folder: Path, spec: str) -> tuple[list[str], list[str], Diagnostics]:
    """(the client's request methods, its channel methods, the diagnostics) of ``spec``."""
    write_files(folder, {"spec.yaml": spec})
    diagnostics = Diagnostics()
    planned = plan(load_api(folder / "spec.yaml", diagnostics), diagnostics)
    channels = [m for c in planned.channels for m in (c.subscribe, c.unsubscribe)]
    return [r.name for r in planned.requests if r.public], channels, diagnostics


@pytest.mark.parametrize(
    "spec",
    [BASE, mutate("subscriptions:\n  public:\n    subscribe: subscribe\n", UNSUBSCRIBE)],
    ids=["subscribe", "subscribe-and-unsubscribe"],
)
def test_a_subscriptions_requests_get_no_method_by_default(tmp_path: Path, spec: str) -> None:
    """The Home Assistant case: `subscribe_events` declares params, so a method for it could
    be sent, but the notifications it starts would reach no subscription."""
    requests, channels, diagnostics = methods(tmp_path, spec)
    assert requests == ["get_time"]
    assert channels == ["subscribe_ticker", "unsubscribe_ticker"]
    assert not [d for d in diagnostics.items if d.code == "NOVA081"]  # the default: no warning


def test_public_true_gives_a_subscriptions_request_a_method(tmp_path: Path) -> None:
    spec = mutate("    method: public/subscribe\n", "    method: public/subscribe\n    public: true\n")
    requests, channels, diagnostics = methods(tmp_path, spec)
    assert requests == ["get_time", "subscribe"]
    assert channels == ["subscribe_ticker", "unsubscribe_ticker"]
    assert not diagnostics.items


def test_public_false_and_other_requests_are_unchanged(tmp_path: Path) -> None:
    spec = mutate("    method: public/get_time\n", "    method: public/get_time\n    public: false\n")
    requests, _, _ = methods(tmp_path, spec)
    assert requests == []
