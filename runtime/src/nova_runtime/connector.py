"""What the generated ``connect()`` returns: a :class:`Connector`, awaited or used as
``async with``, that builds the client, opens it, and closes it on exit."""

from __future__ import annotations

from collections.abc import Generator, Mapping
from types import TracebackType
from typing import Any, Generic, TypeVar

from .client import BaseClient
from .credentials import CredentialSource, check_credential
from .handlers import BaseHandlers
from .handshake import BoundHandshake, Handshake, HandshakeFactory
from .options import ConnectOptions, resolve_url
from .protocol import Protocol

__all__ = ["Connector"]
ClientT_co = TypeVar("ClientT_co", bound="BaseClient[Any]", covariant=True)


class Connector(Generic[ClientT_co]):
    """What the generated ``connect()`` returns: await it, or ``async with`` it.

    ``handshake`` (a :class:`~.handshake.Handshake` applied to the server URL, or a
    callable returning URL and headers) is built again before every connection attempt,
    and so are ``credentials`` given as providers: each is asked for a fresh value on
    every attempt. A credential that is neither a ``str``, a provider nor None raises
    ``TypeError`` here, before anything connects.
    """

    def __init__(
        self,
        client_type: type[ClientT_co],
        protocol: Protocol,
        *,
        server: str | None = None,
        url: str | None = None,
        handlers: BaseHandlers,
        request_timeout: float = 10.0,
        credentials: Mapping[str, CredentialSource | None] | None = None,
        options: ConnectOptions | None = None,
        handshake: Handshake | HandshakeFactory | None = None,
    ) -> None:
        self._client_type = client_type
        self._protocol = protocol
        for name, value in (credentials or {}).items():
            check_credential(name, value)
        base = resolve_url(protocol, server, url)
        self._handshake: BoundHandshake | HandshakeFactory | None
        if isinstance(handshake, Handshake):
            handshake.check()
            bound = BoundHandshake(handshake, base)
            self.url = bound.shown_url
            self._handshake = bound
        else:
            self.url = base
            self._handshake = handshake
        self._handlers = handlers
        self._request_timeout = request_timeout
        self._credentials = credentials
        self._options = options
        self._client: BaseClient[Any] | None = None

    def __repr__(self) -> str:
        # Credentials in the URL's query (``?access_token=...``) are masked; imported
        # here: importing a generated package loads no websockets (logs.py does).
        from .logs import SHORTEST_FREE_TEXT_SECRET, mask_fields, redact, secret_fields

        values = [
            v
            for v in (self._credentials or {}).values()
            if isinstance(v, str) and len(v) >= SHORTEST_FREE_TEXT_SECRET
        ]
        shown = redact(mask_fields(self.url, secret_fields(())), values)
        return f"<Connector {self._protocol.name} {shown}>"

    async def _connect(self) -> ClientT_co:
        client = self._client_type(
            self._protocol,
            url=self.url,
            handlers=self._handlers,
            request_timeout=self._request_timeout,
            credentials=self._credentials,
            options=self._options,
            handshake=self._handshake,
        )
        await client._open()
        self._client = client
        return client

    def __await__(self) -> Generator[Any, None, ClientT_co]:
        return self._connect().__await__()

    async def __aenter__(self) -> ClientT_co:
        return await self._connect()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._client is not None:
            await self._client.close()
