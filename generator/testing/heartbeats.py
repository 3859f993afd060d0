"""The server's answer to a client's application ping (``heartbeat.client_ping``): a text
such as OKX ``ping`` -> ``pong``, a frame such as ``{"type": "ping"}`` -> ``{"type": "pong"}``,
or a request such as Kraken ``{"method": "ping"}`` whose reply must also carry the pong's
constants. The server's own pings and their answers are :mod:`.pings`.
"""

from __future__ import annotations

from typing import Any

from nova_runtime.protocol import Match

from ..ir import Api
from .framing import Framer
from .handshake import carries


class Heartbeats:
    def __init__(self, api: Api, framer: Framer) -> None:
        self.framer = framer
        client = api.heartbeat.client_ping
        self.ping_text = client.send.text if client is not None else None
        self.ping_frame = dict(client.send.frame) if client and client.send.frame else None
        self.ping_request = client.send.request if client is not None else None
        self.pong: Match | None = client.pong if client is not None else None
        self.pong_text = client.pong_text if client is not None else None
        self.client_pings = 0
        """Client pings answered so far."""

    def pong_for(self, message: Any) -> Any:
        """What to send back when ``message`` (text or decoded JSON) is a client ping that
        is a text or a frame; None otherwise."""
        is_ping = (
            message == self.ping_text
            if isinstance(message, str)
            else self.ping_frame is not None and carries(self.ping_frame, message)
        )
        if not is_ping:
            return None
        self.client_pings += 1
        if self.pong_text is not None:
            return self.pong_text
        if self.pong is not None:
            return self.framer.hello(self.pong)
        return "pong"

    def pong_reply(self, reply: dict[str, Any]) -> dict[str, Any]:
        """A reply to a ping request, carrying the pong's constants too."""
        self.client_pings += 1
        return self.framer.with_match(reply, self.pong)
