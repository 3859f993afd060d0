"""Shared fixtures: the committed generated examples are importable as packages, every
test fails on an unexpected error inside a test server, and ``--transport=picows`` runs
the tests on the picows receive transport (``make test`` runs the transport-dependent
ones that way too: docs/contributing.md)."""

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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--transport",
        choices=("websockets", "picows"),
        default="websockets",
        help="the receive transport of clients whose options name none",
    )


@pytest.fixture(autouse=True, scope="session")
def transport(request: pytest.FixtureRequest) -> Iterator[str]:
    """The default transport for the whole run (``ConnectOptions(transport=None)``), in
    the installed runtime and in the vendored copy of the ``slack_rtm`` example."""
    import nova_runtime.options
    import slack_rtm._runtime.options

    chosen: str = request.config.getoption("--transport")
    modules = (nova_runtime.options, slack_rtm._runtime.options)
    before = [module.DEFAULT_TRANSPORT for module in modules]
    for module in modules:
        module.DEFAULT_TRANSPORT = chosen  # type: ignore[assignment]
    yield chosen
    for module, value in zip(modules, before, strict=True):
        module.DEFAULT_TRANSPORT = value


@pytest.fixture(autouse=True)
def server_errors() -> Iterator[ServerErrors]:
    """Every test fails on an error raised inside a test server (a SpecServer's or an ad-hoc
    ``websockets`` server's connection handler); a test that provokes one on purpose says so
    with ``server_errors.expect(message, ExceptionType)``."""
    with ServerErrors() as errors:
        yield errors
    errors.check()
