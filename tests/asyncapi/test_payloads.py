"""Issue 11, kind 4: payloads that are not objects, received and sent, end to end against
the local server: a ``type: string`` payload is a text frame taken as it is (``str``), a
binary one (``format: binary``, ``contentType: application/octet-stream``) a binary frame
(``bytes``), arrays are typed lists, ``allOf`` of objects merges into one class, and
``oneOf``/``anyOf`` at the top is a union. A sent message whose payload is not an object
with properties takes the whole frame as its one argument ``payload``."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from nova_gen.diagnostics import Diagnostics
from nova_gen.loader import load_api
from nova_gen.testing import SpecServer

from .building import build, mypy_strict, one_channel, write

DOC = one_channel("Payloads") + """      echo: {payload: {type: string}}
      blob: {contentType: application/octet-stream}
      trades:
        x-nova-when: {absent: [/kind]}
        payload: {type: array, items: {type: object, required: [px], properties: {px: {type: number}}}}
      status:
        x-nova-when: {equals: {/kind: status}, present: [/online]}
        payload:
          allOf:
            - {type: object, properties: {kind: {const: status}}}
            - {type: object, required: [online], properties: {online: {type: boolean}}}
      alert:
        x-nova-when: {present: [/kind], absent: [/online]}
        payload:
          oneOf:
            - {type: object, required: [kind], properties: {kind: {const: warn}, text: {type: string}}}
            - {type: object, required: [kind], properties: {kind: {const: halt}, code: {type: integer}}}
      say: {payload: {type: string}}
      upload: {payload: {type: string, format: binary}}
      orders:
        payload: {type: array, items: {type: object, required: [id], properties: {id: {type: integer}}}}
      signal:
        payload:
          anyOf:
            - {type: object, required: [kind], properties: {kind: {const: go}}}
            - {type: object, required: [kind], properties: {kind: {const: stop}, after: {type: integer}}}
operations:
  onEcho: {action: send, channel: {$ref: '#/channels/root'}, messages: [{$ref: '#/channels/root/messages/echo'}]}
  onBlob: {action: send, channel: {$ref: '#/channels/root'}, messages: [{$ref: '#/channels/root/messages/blob'}]}
  onTrades: {action: send, channel: {$ref: '#/channels/root'}, messages: [{$ref: '#/channels/root/messages/trades'}]}
  onStatus: {action: send, channel: {$ref: '#/channels/root'}, messages: [{$ref: '#/channels/root/messages/status'}]}
  onAlert: {action: send, channel: {$ref: '#/channels/root'}, messages: [{$ref: '#/channels/root/messages/alert'}]}
  say: {action: receive, channel: {$ref: '#/channels/root'}, messages: [{$ref: '#/channels/root/messages/say'}]}
  upload: {action: receive, channel: {$ref: '#/channels/root'}, messages: [{$ref: '#/channels/root/messages/upload'}]}
  orders: {action: receive, channel: {$ref: '#/channels/root'}, messages: [{$ref: '#/channels/root/messages/orders'}]}
  signal: {action: receive, channel: {$ref: '#/channels/root'}, messages: [{$ref: '#/channels/root/messages/signal'}]}
"""

USER_CODE = """
from payloads import PayloadsClient, PayloadsHandlers, models


class Handlers(PayloadsHandlers):
    async def on_echo(self, message: str) -> None:
        print(message.upper())

    async def on_blob(self, message: bytes) -> None:
        print(message.hex())

    async def on_trades(self, message: list[models.TradesItem]) -> None:
        print(sum(t.px for t in message))

    async def on_status(self, message: models.Status) -> None:
        print(message.online, message.kind)

    async def on_alert(self, message: models.AlertWarn | models.AlertHalt) -> None:
        print(message.kind)


async def main() -> None:
    async with PayloadsClient.connect(url="ws://127.0.0.1:1", handlers=Handlers()) as client:
        await client.say(payload="hello")
        await client.upload(payload=b"\\x00\\x01")
        await client.orders(payload=[models.OrdersItem(id=1)])
        await client.signal(payload=models.SignalStop(kind="stop", after=5))
"""


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("payloads"), {"payloads.yaml": DOC})


def test_the_generated_package_and_code_using_it_pass_mypy_strict(spec: Path, tmp_path: Path) -> None:
    with build(spec, tmp_path):
        pass
    (tmp_path / "user_code.py").write_text(USER_CODE, encoding="utf-8")
    status, output = mypy_strict(tmp_path / "payloads", tmp_path / "user_code.py")
    assert status == 0, output


async def test_every_kind_of_payload_is_received_and_sent(spec: Path, tmp_path: Path) -> None:
    got: list[tuple[str, Any]] = []
    with build(spec, tmp_path) as package:
        models = package.models
        handlers = package.PayloadsHandlers()
        for hook in ("on_echo", "on_blob", "on_trades", "on_status", "on_alert"):
            async def record(message: Any, _hook: str = hook) -> None:
                got.append((_hook, message))

            setattr(handlers, hook, record)
        api = load_api(spec, Diagnostics(), spec.parent)
        async with asyncio.timeout(10), SpecServer(api) as server:
            async with package.PayloadsClient.connect(url=server.url, handlers=handlers) as client:
                for frame in ["hello there", b"\x00\xffbin", json.dumps([{"px": 1.5}, {"px": 2}]),
                              json.dumps({"kind": "status", "online": True}),
                              json.dumps({"kind": "halt", "code": 7}), "[not json"]:
                    await server.send_raw(frame)
                await server.wait_for(lambda: len(got) == 6)
                await client.say(payload="hi, as it is")
                await client.upload(payload=b"\x00\x01\x02")
                await client.orders(payload=[models.OrdersItem(id=1), {"id": 2}])
                await client.signal(payload=models.SignalStop(kind="stop", after=5))
                with pytest.raises(ValueError, match="invalid arguments for orders: 0.id"):  # InvalidArguments
                    await client.orders(payload=[{"id": "not a number"}])
                await server.wait_for(lambda: len(server.received) == 2 and len(server.received_binary) == 1)
    assert [hook for hook, _ in got] == ["on_echo", "on_blob", "on_trades", "on_status", "on_alert", "on_echo"]
    assert got[0][1] == "hello there" and got[5][1] == "[not json"  # text that is not JSON, as it is
    assert got[1][1] == b"\x00\xffbin"
    assert [type(t).__name__ for t in got[2][1]] == ["TradesItem", "TradesItem"] and got[2][1][1].px == 2
    assert (type(got[3][1]).__name__, got[3][1].online) == ("Status", True)  # allOf merged
    assert (type(got[4][1]).__name__, got[4][1].code) == ("AlertHalt", 7)  # the union's member
    assert server.received_text[0] == "hi, as it is"  # (the binary frame follows, decoded)
    assert server.received_binary == [b"\x00\x01\x02"]
    assert server.received == [[{"id": 1}, {"id": 2}], {"kind": "stop", "after": 5}]
    # The server recognises each frame as the request the client built it as, binary included.
    assert server.connection_log(1) == [
        ("say", "hi, as it is"),
        ("upload", "\x00\x01\x02"),
        ("orders", [{"id": 1}, {"id": 2}]),
        ("signal", {"kind": "stop", "after": 5}),
    ]
