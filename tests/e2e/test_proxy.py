"""Proxies from the environment: a client reaches the spec server on 127.0.0.1 through an
HTTP CONNECT proxy on 127.0.0.1 that the test runs, named by ``WS_PROXY`` as ``websockets``
reads it (``urllib.request.getproxies``), on both transports (``pytest --transport=picows``).
Bounded by ``asyncio.timeout``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import pytest
from deribit import DeribitClient

from nova_gen.testing import SpecServer


@asynccontextmanager
async def connect_proxy() -> AsyncIterator[tuple[str, list[str]]]:
    """An HTTP CONNECT proxy (RFC 9110 section 9.3.6) on 127.0.0.1: yields its URL and the
    list of targets it opened a tunnel to."""
    tunnels: list[str] = []
    writers: list[asyncio.StreamWriter] = []

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        head = await reader.readuntil(b"\r\n\r\n")
        method, target, _ = head.split(b"\r\n", 1)[0].decode().split(" ")
        assert method == "CONNECT", head
        tunnels.append(target)
        host, port = target.rsplit(":", 1)
        upstream_reader, upstream_writer = await asyncio.open_connection(host, int(port))
        writers.append(upstream_writer)
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", tunnels
    finally:
        server.close()
        for writer in writers:
            writer.close()
        with suppress(Exception):
            await server.wait_closed()


async def test_a_proxy_from_the_environment_carries_the_connection(
    server: SpecServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with asyncio.timeout(20), connect_proxy() as (proxy, tunnels):
        monkeypatch.setenv("WS_PROXY", proxy)
        for name in ("no_proxy", "NO_PROXY"):
            monkeypatch.delenv(name, raising=False)
        async with DeribitClient.connect(url=server.url) as client:
            assert isinstance(await client.get_time(), int)
            ticker = await client.subscribe_ticker(instrument_name="BTC-PERPETUAL", interval="100ms")
            assert isinstance(await anext(aiter(ticker)), object)
    assert tunnels == [server.url.removeprefix("ws://")]
