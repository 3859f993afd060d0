"""Every path by which a credential or a login reply's token could reach a text: log
records at DEBUG (the client's and the ``websockets`` library's), exception texts and
reprs along the cause chain, telemetry events, ``diagnostics()``. Each test drives the
generated Deribit client against a real server on 127.0.0.1: a plain ``websockets``
server answering the login in ways the spec does not describe (a reply no rule matches,
a reply that fails validation), a server that refuses the upgrade, and the spec server.

Two redaction rules are checked (docs/observability.md, "Secrets"): values in places the
spec or the field's standard names mark secret are masked whatever their length; other
text is searched for secret values of at least ``SHORTEST_FREE_TEXT_SECRET`` characters.
"""

from __future__ import annotations

import asyncio
import json
import logging
import traceback
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from deribit import DeribitClient
from nova_runtime import (
    ConnectFailed,
    ConnectOptions,
    MalformedFrame,
    ReconnectPolicy,
    RequestTimeout,
)
from nova_runtime.logs import SHORTEST_FREE_TEXT_SECRET
from nova_runtime.telemetry import InMemoryMetrics
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from nova_gen.loader import load_api
from nova_gen.testing import SpecServer

SPECS = Path(__file__).resolve().parents[2] / "specs"
SECRET = "S3cr3t-client-secret-ABCDEFGH"
TOKEN = "access-TOKEN-never-shown-1"
REFRESH = "refresh-TOKEN-never-shown-2"
RAW_SERVER = "tests.raw_server"
"""The raw server's logger: its lines are the server's output, not the client's."""
ONCE = ReconnectPolicy(max_attempts=1)
QUICK = ConnectOptions(reconnect=ReconnectPolicy(initial_delay=0.01, max_delay=0.05))


def texts_of(error: BaseException) -> list[str]:
    """``str``, ``repr`` and the formatted traceback of ``error`` and of every exception
    in its cause and context chain."""
    out = ["".join(traceback.format_exception(error))]
    seen: set[int] = set()
    todo: list[BaseException] = [error]
    while todo:
        exc = todo.pop()
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        out += [str(exc), repr(exc)]
        todo += [e for e in (exc.__cause__, exc.__context__) if e is not None]
    return out


def client_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every record the client side logged (server loggers left out), with exception text."""
    handler_format = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return [
        handler_format.format(r)
        for r in caplog.records
        if not r.name.startswith((RAW_SERVER, "nova.testing"))
    ]


def telemetry_text(metrics: InMemoryMetrics) -> str:
    return json.dumps([e.to_dict() for e in metrics.recent] + [metrics.snapshot()], default=str)


def assert_absent(secrets: list[str], texts: list[str]) -> None:
    leaked = [(s, t[:300]) for t in texts for s in secrets if s in t]
    assert not leaked, leaked[:3]


LoginReply = Callable[[Any], dict[str, Any]]
"""The raw server's answer to a login request, given the request's id."""


@pytest.fixture
def login_reply() -> LoginReply:
    return lambda request_id: {"jsonrpc": "2.0", "id": request_id, "result": {}}


@pytest.fixture
async def raw_server(login_reply: LoginReply) -> AsyncIterator[str]:
    """A ``websockets`` server on 127.0.0.1 that answers the login with ``login_reply``
    and any other request with ``"ok"``."""

    async def handle(ws: ServerConnection) -> None:
        async for message in ws:
            frame = json.loads(message)
            if frame.get("method") == "public/auth":
                await ws.send(json.dumps(login_reply(frame["id"])))
            elif "id" in frame:
                await ws.send(json.dumps({"jsonrpc": "2.0", "id": frame["id"], "result": "ok"}))

    logger = logging.getLogger(RAW_SERVER)
    async with serve(handle, "127.0.0.1", 0, logger=logger) as server:
        port = server.sockets[0].getsockname()[1]
        yield f"ws://127.0.0.1:{port}"


async def connect_and_fail(url: str, metrics: InMemoryMetrics, timeout: float) -> ConnectFailed:
    with pytest.raises(ConnectFailed) as info:
        async with asyncio.timeout(30):
            async with DeribitClient.connect(
                url=url,
                client_id="client-id-1",
                client_secret=SECRET,
                request_timeout=timeout,
                options=ConnectOptions(telemetry=metrics, reconnect=ONCE),
            ):
                pass
    return info.value


@pytest.mark.parametrize(
    "login_reply",
    [lambda i: {"jsonrpc": "2.0", "result": {"access_token": TOKEN, "refresh_token": REFRESH}}],
    ids=["no-rule-matches"],
)
async def test_an_unrecognised_login_reply_shows_no_token_and_the_timeout_says_why(
    raw_server: str, caplog: pytest.LogCaptureFixture, transport: str
) -> None:
    """The login reply has no id, so no rule claims it: its tokens are not known to the
    client as secrets, yet the DEBUG lines (frame, "unknown message") mask them by
    place; the login's timeout says a frame arrived that no rule matched (item 10)."""
    caplog.set_level(logging.DEBUG)
    metrics = InMemoryMetrics()
    error = await connect_and_fail(raw_server, metrics, timeout=0.5)
    cause = error.__cause__
    assert isinstance(cause, RequestTimeout) and cause.unread == 1
    assert "1 frame(s) arrived meanwhile that no rule of the spec matched" in str(cause)
    assert "diagnostics().unexpected_frames" in str(cause) and "'nova.deribit'" in str(cause)
    lines = client_lines(caplog)
    assert any("unknown message" in line and '"access_token"' not in line for line in lines)
    assert any("'access_token': '***'" in line for line in lines), "masked, not dropped"
    if transport == "websockets":  # picows logs no frames
        assert any("nova.deribit.websockets" in line and "TEXT" in line for line in lines)
    assert_absent([TOKEN, REFRESH, SECRET], [*lines, *texts_of(error), telemetry_text(metrics)])


@pytest.mark.parametrize(
    "login_reply",
    [
        lambda i: {
            "jsonrpc": "2.0",
            "id": i,
            "result": {"access_token": TOKEN, "refresh_token": REFRESH, "expires_in": "never"},
        }
    ],
    ids=["fails-validation"],
)
async def test_a_login_reply_failing_validation_shows_no_token(
    raw_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    """pydantic's own text would show ``input_value={'access_token': ...}``: the
    MalformedFrame of an explicit ``auth(...)`` says where and why, without the values,
    in its text, the warning, ``ErrorOccurred`` and ``diagnostics()``."""
    caplog.set_level(logging.DEBUG)
    metrics = InMemoryMetrics()
    async with (
        asyncio.timeout(30),
        DeribitClient.connect(url=raw_server, options=ConnectOptions(telemetry=metrics)) as client,
    ):
        with pytest.raises(MalformedFrame) as info:
            await client.auth(
                grant_type="client_credentials", client_id="id-1", client_secret=SECRET
            )
        diag = client.diagnostics()
    texts = texts_of(info.value)
    assert str(info.value).startswith("public/auth: invalid result: 3 validation errors for AuthResult")
    assert "expires_in" in str(info.value) and "type=int_parsing" in str(info.value)
    assert not any("input_value" in t for t in texts)
    texts += [str(diag), *client_lines(caplog), telemetry_text(metrics)]
    assert_absent([TOKEN, REFRESH, SECRET], texts)


async def test_a_secret_in_the_url_query_is_masked_in_errors_logs_and_reprs(
    caplog: pytest.LogCaptureFixture, transport: str
) -> None:
    """The upgrade is refused (HTTP 401): ``ConnectFailed``, its cause, the repr of the
    connector, the library's request line (``GET /?access_token=...``) and telemetry."""

    def refuse(connection: ServerConnection, request: Request) -> Response:
        return connection.respond(401, "no")

    caplog.set_level(logging.DEBUG)
    metrics = InMemoryMetrics()
    logger = logging.getLogger(RAW_SERVER)
    async with serve(
        lambda ws: ws.wait_closed(), "127.0.0.1", 0, process_request=refuse, logger=logger
    ) as server:
        port = server.sockets[0].getsockname()[1]
        url = f"ws://127.0.0.1:{port}/api?access_token={SECRET}&v=2"
        connector = DeribitClient.connect(
            url=url,
            client_id="client-id-1",
            client_secret=SECRET,
            options=ConnectOptions(telemetry=metrics, reconnect=ONCE),
        )
        shown = repr(connector)
        with pytest.raises(ConnectFailed) as info:
            async with asyncio.timeout(30):
                async with connector:
                    pass
    error = info.value
    assert "access_token=***&v=2" in str(error) and "access_token=***" in shown
    lines = client_lines(caplog)
    if transport == "websockets":  # the library logs the request line; picows does not
        assert any("GET /api?access_token=***&v=2" in line for line in lines)
    assert_absent([SECRET], [*lines, *texts_of(error), shown, telemetry_text(metrics)])


async def test_a_refused_connection_keeps_the_query_secret_out_of_the_error() -> None:
    """Nothing listens (the first finding's case): the error names the URL, masked."""
    with pytest.raises(ConnectFailed) as info:
        async with asyncio.timeout(30):
            async with DeribitClient.connect(
                url=f"ws://127.0.0.1:1/api?token={SECRET}",
                client_id="client-id-1",
                client_secret=SECRET,
                options=ConnectOptions(reconnect=ONCE),
            ):
                pass
    assert "token=***" in str(info.value)
    assert_absent([SECRET], texts_of(info.value))


async def test_a_short_secret_is_masked_where_it_is_and_mangles_no_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A one-letter client secret sent in an explicit ``auth(...)``: its member is masked,
    yet "x" is not replaced inside other words (``e***pires``)."""
    assert SHORTEST_FREE_TEXT_SECRET > 1
    caplog.set_level(logging.DEBUG)
    api = load_api(SPECS / "deribit.yaml")
    async with asyncio.timeout(30), SpecServer(api) as server:
        async with DeribitClient.connect(
            url=server.url, client_id="id-1", client_secret="x"
        ) as client:
            await client.auth(grant_type="client_credentials", client_id="id-1", client_secret="x")
    lines = client_lines(caplog)
    assert any('"client_secret":"***"' in line.replace(" ", "") for line in lines)
    assert not any('"client_secret":"x"' in line.replace(" ", "") for line in lines)
    assert any("expires" in line for line in lines), "text around a short secret is intact"
    assert not any("e***p" in line for line in lines)


async def test_the_spec_server_logs_no_credential_or_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``nova-gen serve -v`` logs every frame (its own lines and the library's): what the
    spec marks secret is masked there too."""
    caplog.set_level(logging.DEBUG)
    api = load_api(SPECS / "deribit.yaml")
    async with asyncio.timeout(30), SpecServer(api) as server:
        async with DeribitClient.connect(url=server.url) as client:
            reply = await client.auth(
                grant_type="client_credentials", client_id="id-1", client_secret=SECRET
            )
        issued = server.auth._issued
    server_lines = [r.getMessage() for r in caplog.records if r.name.startswith("nova.testing")]
    assert any("public/auth" in line for line in server_lines), "the frames are logged"
    assert reply.access_token == "tok-1"
    tokens = [f"tok-{n}" for n in range(1, issued + 1)] + [
        f"refresh-{n}" for n in range(1, issued + 1)
    ]
    # "tok-1" is also the prefix of "tok-10": exact values are searched as JSON strings.
    quoted = [json.dumps(t) for t in tokens] + [repr(t) for t in tokens]
    assert_absent([SECRET, *quoted], server_lines)


async def test_an_error_reply_echoing_a_token_is_redacted_in_telemetry_and_diagnostics(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A malformed reply whose text holds the client's token (known by value after the
    login): the ``ErrorOccurred`` event, the warning and ``diagnostics().last_error``."""
    caplog.set_level(logging.DEBUG)
    metrics = InMemoryMetrics()
    api = load_api(SPECS / "deribit.yaml")
    async with asyncio.timeout(30), SpecServer(api) as server:
        async with DeribitClient.connect(
            url=server.url,
            client_id="client-id-1",
            client_secret=SECRET,
            options=ConnectOptions(telemetry=metrics),
        ) as client:
            await server.wait_for(lambda: server.logins >= 1)
            # An event no subscription asked for, carrying the token in a free-text member.
            await server.send_raw(
                json.dumps(
                    {
                        "jsonrpc": "2.0",
                        "method": "subscription",
                        "params": {"channel": "x.tok-1.bad", "data": "tok-1 leaked"},
                    }
                )
            )
            await server.send_raw("not json, echoing tok-1")
            await server.wait_for(lambda: sum(client.diagnostics().unexpected_frames.values()) >= 2)
            diag = client.diagnostics()
    texts = [str(diag), json.dumps(diag.to_dict(), default=str), telemetry_text(metrics)]
    assert any(e.name == "error_occurred" for e in metrics.recent)
    assert_absent(["tok-1"], [*client_lines(caplog), *texts])


async def test_diagnostics_counts_traffic_since_the_client_was_created() -> None:
    """frames/bytes in and out go on across a reconnect (docs: since the client was
    created), never back to the new connection's own numbers."""
    async with asyncio.timeout(30), SpecServer(load_api(SPECS / "deribit.yaml")) as server:
        async with DeribitClient.connect(url=server.url, options=QUICK) as client:
            for _ in range(3):
                await client.get_time()
            before = client.diagnostics()
            assert before.frames_out >= 3 and before.frames_in >= 3
            server.drop_connections()
            await server.wait_for(lambda: server.connections == 2 and client.state == "open")
            await client.get_time()
            after = client.diagnostics()
    assert after.reconnects == 1
    assert after.frames_out >= before.frames_out + 1
    assert after.frames_in >= before.frames_in + 1
    assert after.bytes_out > before.bytes_out and after.bytes_in > before.bytes_in


async def test_a_requested_reconnect_is_no_error(caplog: pytest.LogCaptureFixture) -> None:
    """``client.reconnect(reason=...)`` is logged at INFO, not as "connection lost", and
    is not the client's last error; a real drop afterwards is, as ``Type: message``."""
    caplog.set_level(logging.INFO)
    async with asyncio.timeout(30), SpecServer(load_api(SPECS / "deribit.yaml")) as server:
        async with DeribitClient.connect(url=server.url, options=QUICK) as client:
            await client.reconnect(reason="rotating on purpose")
            planned = client.diagnostics()
            server.drop_connections()
            await server.wait_for(lambda: server.connections == 3 and client.state == "open")
            dropped = client.diagnostics()
    assert planned.reconnects == 1 and planned.last_error is None
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith("nova.deribit")
    ]
    infos = [r.getMessage() for r in caplog.records if r.name == "nova.deribit"]
    assert any("rotating on purpose" in m for m in infos)
    assert not any("rotating on purpose" in m for m in warnings)
    assert sum("connection lost" in m for m in warnings) == 1, warnings
    assert dropped.last_error is not None and dropped.last_error.startswith("ConnectionLost: ")


async def test_a_timeout_without_unread_frames_says_only_that() -> None:
    api = load_api(SPECS / "deribit.yaml")
    async with asyncio.timeout(30), SpecServer(api) as server:
        async with DeribitClient.connect(url=server.url) as client:
            server.never_answer("public/get_time")
            with pytest.raises(RequestTimeout) as info:
                await client.get_time(timeout=0.2)
    assert str(info.value) == "public/get_time: no reply within 0.2s" and info.value.unread == 0


async def test_a_timeout_counts_the_unread_frames_that_arrived_meanwhile() -> None:
    """A request the server never answers while two frames no rule matches arrive."""
    api = load_api(SPECS / "deribit.yaml")
    async with asyncio.timeout(30), SpecServer(api) as server:
        async with DeribitClient.connect(url=server.url) as client:
            server.never_answer("public/get_time")
            call = asyncio.ensure_future(client.get_time(timeout=2.0))
            await server.wait_for(lambda: len(client._ctx.session.correlator) == 1)
            await server.send_raw('{"jsonrpc": "2.0", "id": "elsewhere", "oops": 1}')
            await server.send_raw("not json")
            await server.wait_for(lambda: sum(client.diagnostics().unexpected_frames.values()) >= 2)
            with pytest.raises(RequestTimeout) as info:
                await call
    assert info.value.unread == 2
    assert "2 frame(s) arrived meanwhile" in str(info.value)
