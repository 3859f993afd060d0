"""Message keys are unique within a channel only: different messages that share one (an
exchange document's ``ErrorResponse`` in each channel) get different Python names, each
prefixed with its channel's key, and the client type-checks and imports."""

from __future__ import annotations

from pathlib import Path

from .building import build, mypy_strict, write

DOC = """asyncapi: 3.0.0
info: {title: Exchange, version: '1'}
servers:
  local: {host: 127.0.0.1, protocol: ws}
channels:
  Orders:
    address: /
    messages:
      OrderRequest: {payload: {type: object, properties: {op: {const: order}, qty: {type: integer}}}}
      ErrorResponse: {payload: {type: object, properties: {event: {const: order-error}, msg: {type: string}}}}
  Positions:
    address: /
    messages:
      PositionRequest: {payload: {type: object, properties: {op: {const: position}}}}
      ErrorResponse: {payload: {type: object, properties: {event: {const: position-error}, code: {type: integer}}}}
      error_response: {payload: {type: object, properties: {event: {const: other-error}}}}
operations:
  order: {action: receive, channel: {$ref: '#/channels/Orders'}, messages: [{$ref: '#/channels/Orders/messages/OrderRequest'}]}
  orderError:
    action: send
    channel: {$ref: '#/channels/Orders'}
    messages: [{$ref: '#/channels/Orders/messages/ErrorResponse'}]
  alsoOrderError:
    action: send
    channel: {$ref: '#/channels/Orders'}
    messages: [{$ref: '#/channels/Orders/messages/ErrorResponse'}]
  position:
    action: receive
    channel: {$ref: '#/channels/Positions'}
    messages: [{$ref: '#/channels/Positions/messages/PositionRequest'}]
  positionError:
    action: send
    channel: {$ref: '#/channels/Positions'}
    messages:
      - {$ref: '#/channels/Positions/messages/ErrorResponse'}
      - {$ref: '#/channels/Positions/messages/error_response'}
"""


def test_messages_sharing_a_key_are_named_after_their_channels(tmp_path: Path) -> None:
    spec = write(tmp_path, {"exchange.yaml": DOC})
    with build(spec, tmp_path / "out") as package:
        hooks = sorted(n for n in vars(package.ExchangeHandlers) if n.startswith("on_"))
        # `ErrorResponse` and `error_response` are one Python name: all three are prefixed with
        # their channel's key, and the two that only case tells apart numbered in document order;
        # the message reached by two operations keeps one name.
        assert hooks == ["on_orders_error_response", "on_positions_error_response", "on_positions_error_response_2"]
        assert package.models.OrdersErrorResponse.model_fields.keys() == {"event", "msg"}
        assert package.models.PositionsErrorResponse.model_fields.keys() == {"event", "code"}
    status, output = mypy_strict(tmp_path / "out" / "exchange")
    assert status == 0, output
