"""The warnings the project's own specs give, exactly: none for the nova specs, which we write,
and for the AsyncAPI documents (byte copies of third-party documents) the ones their authors'
mistakes cause. `make lint` runs ``nova-gen --check`` without printing these (they are known and
asserted here); a new warning fails this test instead of scrolling past in every run.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from nova_gen.config import Target, load_targets
from nova_gen.diagnostics import Diagnostics, SpecError
from nova_gen.loader import load_api
from nova_gen.planner import plan

ROOT = Path(__file__).resolve().parents[2]
TARGETS = load_targets(ROOT / "pyproject.toml")

KNOWN = {
    "specs/asyncapi/kraken-websocket-request-reply-multiple-channels-asyncapi.yml": {
        # The document's examples of subscriptionStatus do not match its own schemas.
        ("NOVA036", 135): 2,
        ("NOVA036", 141): 2,
    },
    "specs/asyncapi/slack-rtm.yml": {
        ("NOVA104", 11): 1,  # the https bootstrap server (rtm.connect) is not a WebSocket server
        ("NOVA070", 140): 1,  # a schema named ConnectionError, a name the generated code reserves
        ("NOVA082", 185): 1,  # botChanged's payload allows only 'bot_added' for /type
    },
}


@pytest.mark.parametrize("target", TARGETS, ids=[t.spec.relative_to(ROOT).as_posix() for t in TARGETS])
def test_each_spec_gives_exactly_its_known_warnings(target: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    diagnostics = Diagnostics()
    try:
        plan(load_api(target.spec, diagnostics, ROOT, target.perspective), diagnostics)
    except SpecError:
        pytest.fail("\n".join(d.format() for d in diagnostics.items))
    shown = target.spec.relative_to(ROOT).as_posix()
    found = Counter((d.code, d.position.line) for d in diagnostics.items if d.position.file == shown)
    elsewhere = [d.format() for d in diagnostics.items if d.position.file != shown]
    assert dict(found) == KNOWN.get(shown, {}), "\n".join(d.format() for d in diagnostics.items)
    assert not elsewhere
