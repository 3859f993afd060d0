"""Our own AsyncAPI documents, for what the four public ones do not cover: the client's
perspective, server variables, ws.headers, security schemes, cross-file $ref chains with a
circular schema, 3.x trait precedence and a reply without correlationId."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import sys
from pathlib import Path

import pytest

from nova_gen.diagnostics import Diagnostics
from nova_gen.loader import load_api
from nova_gen.pipeline import generate
from nova_gen.render import RenderOptions
from nova_gen.testing import SpecServer

DOCS = Path(__file__).parent / "docs"


def test_client_side_document_ir() -> None:
    d = Diagnostics()
    api = load_api(DOCS / "client-side.yml", d, DOCS, "client")
    # The message trait's `payload` (common/messages.yaml) is not a trait field: merged, and said so.
    assert [(x.code, x.position.file) for x in d.items] == [
        ("NOVA119", "common/messages.yaml"),
        ("NOVA108", "client-side.yml"),
    ]
    assert [s.url for s in api.servers] == ["wss://{region}.chat.example.com/ws"]
    assert {(c.kind, c.name) for c in api.connect_params} == {
        ("server", "region"), ("path", "room"), ("header", "X-Client-Version"),
        ("bearer", "token"), ("cookie", "session"),
    }
    (say,) = api.requests
    assert (say.name, say.method, say.correlated) == ("speak", "say", False)  # trait gave the name
    assert [e.name for e in api.events] == ["hello", "said"]
    assert "User" in api.schemas  # one class for User, reached by three paths, circular


def test_client_side_document_from_the_wrong_side_warns() -> None:
    d = Diagnostics()
    load_api(DOCS / "client-side.yml", d, DOCS, "server")
    assert "NOVA095" in {x.code for x in d.items}


async def test_generated_connect_builds_url_and_headers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(DOCS)
    generated = generate(Path("client-side.yml"), RenderOptions(), Diagnostics(), perspective="client")
    for name, text in generated.files.items():
        target = tmp_path / generated.package / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module(generated.package)
    try:
        client = module.ChatClientClient
        monkeypatch.setenv("CHAT_CLIENT_SESSION", "s3cr3t")
        connector = client.connect(room="a b", region="us", token="tkn", x_client_version="1.2")
        assert connector.url == "wss://us.chat.example.com/ws/rooms/a%20b"
        url, headers, shown, found = await connector._handshake.build()
        assert url == shown == connector.url
        assert dict(headers) == {"X-Client-Version": "1.2", "Cookie": "session=s3cr3t", "Authorization": "Bearer tkn"}
        assert sorted(found) == ["s3cr3t", "tkn"]  # credentials, to redact

        # Every credential argument takes a provider, plain or async, asked on each build.
        annotations = inspect.signature(client.connect).parameters
        assert {n: str(annotations[n].annotation) for n in ("token", "session")} == dict.fromkeys(
            ("token", "session"), "str | CredentialProvider | None"
        )
        tokens = iter(["t1", "t2"])

        async def session() -> str:
            return "fresh-session"

        connector = client.connect(room="r", region="us", token=lambda: next(tokens), session=session)
        assert connector.url == "wss://us.chat.example.com/ws/rooms/r"  # nothing asked yet
        first = (await connector._handshake.build())[1]
        second = (await connector._handshake.build())[1]
        assert (first["Authorization"], second["Authorization"]) == ("Bearer t1", "Bearer t2")
        assert first["Cookie"] == "session=fresh-session"
        with pytest.raises(TypeError, match="session must be a str or a callable"):
            client.connect(room="r", region="us", session=b"bytes")
        with pytest.raises(TypeError, match="bearer token must be a str or a callable"):
            client.connect(room="r", region="us", token=42)
        # What goes over the wire: the same parameters, against the local server.
        api = load_api(DOCS / "client-side.yml", Diagnostics(), DOCS, "client")
        async with asyncio.timeout(10), SpecServer(api) as server:
            async with client.connect(
                url=server.url, room="a b", region="us", token="tkn", x_client_version="1.2"
            ):
                pass
        (handshake,) = server.handshakes
        sent = {k: handshake.headers[k] for k in ("X-Client-Version", "Cookie", "Authorization")}
        assert sent == {"X-Client-Version": "1.2", "Cookie": "session=s3cr3t", "Authorization": "Bearer tkn"}
    finally:
        for m in [m for m in sys.modules if m.split(".")[0] == generated.package]:
            del sys.modules[m]
