"""Errors raised inside test servers fail the test that ran them (ServerErrors, wired into
every test by tests/conftest.py), unless the test expects them by name."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosedError

from nova_gen.testing import ServerErrors, SpecServer

from .deribit_like import deribit_like_api

TIMEOUT = 5.0


class Broken(RuntimeError):
    pass


async def _boom(conn: Any, req: Any) -> None:
    raise Broken("the handler is broken")


async def _closed_by_1011(url: str) -> int | None:
    """Send one request; the code the server closes with (1011 when its handler failed)."""
    async with connect(url) as ws:
        await ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "public/get_time"}))
        with pytest.raises(ConnectionClosedError) as closed:
            await ws.recv()
    return closed.value.rcvd.code if closed.value.rcvd is not None else None


async def test_a_spec_server_handler_error_is_collected_and_fails_check(server_errors: ServerErrors) -> None:
    server_errors.expect('connection handler failed', Broken, count=1)  # the shared collector sees it too
    with ServerErrors() as errors:
        async with asyncio.timeout(TIMEOUT), SpecServer(deribit_like_api()) as server:
            server.answers.answer = _boom  # type: ignore[method-assign]
            assert await _closed_by_1011(server.url) == 1011
    (record,) = errors.records
    assert record.getMessage() == "connection handler failed"
    assert record.exc_info is not None and isinstance(record.exc_info[1], Broken)
    with pytest.raises(AssertionError, match=r"unexpected server-side error.*Broken: the handler"):
        errors.check()


async def test_an_expected_error_passes_and_a_missing_one_fails(server_errors: ServerErrors) -> None:
    server_errors.expect('connection handler failed', Broken, count=1)  # the shared collector sees it too
    with ServerErrors() as errors:
        async with asyncio.timeout(TIMEOUT), SpecServer(deribit_like_api()) as server:
            server.answers.answer = _boom  # type: ignore[method-assign]
            await _closed_by_1011(server.url)
    errors.expect("connection handler failed", Broken, count=1)
    errors.check()
    errors.expect("never logged")
    with pytest.raises(AssertionError, match=r"expected at least 1 .*'never logged', saw 0"):
        errors.check()
    wrong = ServerErrors()
    wrong.records = errors.records
    wrong.expect("connection handler failed", ValueError)  # the wrong exception type
    with pytest.raises(AssertionError, match="unexpected server-side error"):
        wrong.check()


async def test_a_failed_connection_task_is_collected(server_errors: ServerErrors) -> None:
    server_errors.expect('task failed', Broken, count=1)  # the shared collector sees it too
    async def fails() -> None:
        raise Broken("a stream task is broken")

    with ServerErrors() as errors:
        async with asyncio.timeout(TIMEOUT), SpecServer(deribit_like_api()) as server:
            async with connect(server.url):
                await server.wait_for(lambda: server.open_connections == 1)
                task = server.sockets.open[1].spawn(fails())
                await asyncio.gather(task, return_exceptions=True)
    (record,) = errors.records
    assert record.getMessage() == "conn 1: task failed"
    assert record.exc_info is not None and isinstance(record.exc_info[1], Broken)


async def test_an_ad_hoc_websockets_server_is_covered_too(server_errors: ServerErrors) -> None:
    server_errors.expect('connection handler failed', Broken, count=1)  # the shared collector sees it too
    async def handler(ws: ServerConnection) -> None:
        await ws.recv()
        raise Broken("ad-hoc")

    with ServerErrors() as errors:
        async with asyncio.timeout(TIMEOUT), serve(handler, "127.0.0.1", 0) as srv:
            port = srv.sockets[0].getsockname()[1]
            assert await _closed_by_1011(f"ws://127.0.0.1:{port}") == 1011
    assert [r.name for r in errors.records] == ["websockets.server"]
    assert errors.unexpected() == errors.records


async def test_the_shared_fixture_takes_expectations(server_errors: ServerErrors) -> None:
    # tests/conftest.py checks this test's collector after it: the error below is expected.
    server_errors.expect("connection handler failed", Broken, count=1)
    async with asyncio.timeout(TIMEOUT), SpecServer(deribit_like_api()) as server:
        server.answers.answer = _boom  # type: ignore[method-assign]
        await _closed_by_1011(server.url)
    assert [r.getMessage() for r in server_errors.records] == ["connection handler failed"]
