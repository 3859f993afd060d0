"""Issue 11, kind 8: the channel address joins the server URL with exactly one ``/``,
however either side is written (AsyncAPI 3.x addresses often lack the leading slash)."""

from __future__ import annotations

import pytest
from nova_runtime.handshake import Handshake


@pytest.mark.parametrize(
    ("base", "address", "expected"),
    [
        ("wss://example.com/ws", "events", "wss://example.com/ws/events"),
        ("wss://example.com/ws", "/events", "wss://example.com/ws/events"),
        ("wss://example.com/ws/", "events", "wss://example.com/ws/events"),
        ("wss://example.com/ws/", "/events", "wss://example.com/ws/events"),
        ("wss://example.com", "events", "wss://example.com/events"),
        ("wss://example.com/", "/events/{room}", "wss://example.com/events/a%2Fb"),
        ("wss://example.com/ws?v=1", "events", "wss://example.com/ws/events?v=1"),
        ("wss://example.com/ws", "/", "wss://example.com/ws"),
        ("wss://example.com/ws", "", "wss://example.com/ws"),
    ],
)
def test_address_joins_with_exactly_one_slash(base: str, address: str, expected: str) -> None:
    assert Handshake(address=address, path={"room": "a/b"}).url(base) == expected
