"""TLS options against a real wss:// server on 127.0.0.1 with certificates made for the test.

Verification is on by default (a certificate from an unknown CA is refused); a custom CA file
makes it trusted; ``insecure=True`` connects anyway and says so in a WARNING; a server that
requires client certificates accepts the client's certificate.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import trustme
from deribit import ConnectFailed, DeribitClient
from nova_runtime import ConnectOptions

from nova_gen.loader import load_api
from nova_gen.testing import SpecServer

SPEC = Path(__file__).resolve().parents[2] / "specs" / "deribit.yaml"
TIMEOUT = 10.0


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def files(ca: trustme.CA, tmp_path: Path) -> Iterator[dict[str, str]]:
    client = ca.issue_cert("client.nova-gen.test")
    paths = {"ca": tmp_path / "ca.pem", "cert": tmp_path / "client.pem", "key": tmp_path / "client.key"}
    ca.cert_pem.write_to_path(str(paths["ca"]))
    client.cert_chain_pems[0].write_to_path(str(paths["cert"]))
    client.private_key_pem.write_to_path(str(paths["key"]))
    yield {name: str(path) for name, path in paths.items()}


def server_context(ca: trustme.CA, require_client_cert: bool = False) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    if require_client_cert:
        ca.configure_trust(context)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


@pytest.fixture
async def tls_server(ca: trustme.CA) -> AsyncIterator[SpecServer]:
    async with SpecServer(load_api(SPEC), ssl=server_context(ca)) as running:
        yield running


def ssl_error_in(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def test_verification_is_on_by_default(tls_server: SpecServer) -> None:
    assert tls_server.url.startswith("wss://127.0.0.1:")
    async with asyncio.timeout(TIMEOUT):
        with pytest.raises(ConnectFailed) as caught:
            async with DeribitClient.connect(url=tls_server.url):
                pass
    assert ssl_error_in(caught.value), repr(caught.value)
    assert caught.value.url == tls_server.url


async def test_a_custom_ca_file_is_trusted(tls_server: SpecServer, files: dict[str, str]) -> None:
    async with asyncio.timeout(TIMEOUT):
        async with DeribitClient.connect(url=tls_server.url, options=ConnectOptions(ca_file=files["ca"])) as client:
            assert isinstance(await client.get_time(), int)


async def test_insecure_connects_and_warns(tls_server: SpecServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="nova")
    async with asyncio.timeout(TIMEOUT):
        async with DeribitClient.connect(url=tls_server.url, options=ConnectOptions(insecure=True)) as client:
            assert isinstance(await client.get_time(), int)
    assert any("verification is OFF" in r.getMessage() for r in caplog.records)


async def test_client_certificate(ca: trustme.CA, files: dict[str, str]) -> None:
    with_cert = ConnectOptions(ca_file=files["ca"], client_cert=files["cert"], client_key=files["key"])
    context = server_context(ca, require_client_cert=True)
    async with asyncio.timeout(TIMEOUT), SpecServer(load_api(SPEC), ssl=context) as server:
        async with DeribitClient.connect(url=server.url, options=with_cert) as client:
            assert isinstance(await client.get_time(), int)
        with pytest.raises(ConnectFailed):  # the server refuses a client without one
            async with DeribitClient.connect(url=server.url, options=ConnectOptions(ca_file=files["ca"])):
                pass
