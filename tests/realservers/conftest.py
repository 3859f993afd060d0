"""Fixtures that run the real third-party servers (strawberry-graphql, ganache) on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .processes import ROOT, ServerProcess, ganache_server, strawberry_server

LOGS = ROOT / "build" / "realservers"


def _run(server: ServerProcess) -> Iterator[ServerProcess]:
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def strawberry() -> Iterator[ServerProcess]:
    """A fresh strawberry-graphql server (uvicorn subprocess) for one test."""
    yield from _run(strawberry_server(LOGS))


@pytest.fixture
def ganache() -> Iterator[ServerProcess]:
    """A fresh ganache chain for one test."""
    yield from _run(ganache_server(LOGS))


