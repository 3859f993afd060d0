"""What the generated ``connect()`` returns: a :class:`Connector`, awaited or used as
``async with``, that builds the client, opens it, and closes it on exit."""

from __future__ import annotations

from collections.abc import Generator, Mapping
from types import TracebackType
from typing import Any, Generic, TypeVar

from .client import BaseClient
from .handlers import BaseHandlers
from .handshake import Handshake, HandshakeFactory
from .options import ConnectOptions, resolve_url
from .protocol import Protocol

__all__ = ["Connector"]

ClientT_co = TypeVar("ClientT_co", bound="BaseClient[Any]", covariant=True)


class Connector(Generic[ClientT_co]):
    """What the generated ``connect()`` returns: await it, or ``async with`` it.

    ``handshake`` (a :class:`~.handshake.Handshake` applied to the server URL, or a
    callable returning URL and headers) is built again before every connection attempt,
    so a token provider is asked for a fresh token on each reconnect.
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
        credentials: Mapping[str, str | None] | None = None,
        options: ConnectOptions | None = None,
        handshake: Handshake | HandshakeFactory | None = None,
    ) -> None:
        self._client_type = client_type
        self._protocol = protocol
        base = resolve_url(protocol, server, url)
        self._handshake: HandshakeFactory | None
        if isinstance(handshake, Handshake):
            self.url = handshake.url(base)
            self._handshake = handshake.factory(base)
        else:
            self.url = base
            self._handshake = handshake
        self._handlers = handlers
        self._request_timeout = request_timeout
        self._credentials = credentials
        self._options = options
        self._client: BaseClient[Any] | None = None

    def __repr__(self) -> str:
        return f"<Connector {self._protocol.name} {self.url}>"

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
