"""Frames the test server sends, built by inverting the spec's envelope rules.

The client recognises a frame by a :class:`~nova_runtime.protocol.Match` and reads its
parts at JSON pointers; the server does the reverse: it starts from the envelope template,
puts each part at its pointer, and makes the frame meet every condition of the rule
(:mod:`nova_gen.satisfy`: ``equals``, ``present``, ``absent``, ``in``, ``not``). A frame
built here is therefore recognised by the very rule it was built from, and, where the
spec allows it, by no rule the client tries first.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from nova_runtime.pointer import MISSING, compile_pointer, get, set_at
from nova_runtime.protocol import Envelope, Match, ServerPing

from ..ir import Event
from ..satisfy import earlier_rules, satisfy


@dataclass(frozen=True, slots=True)
class IncomingRequest:
    """What the server read from a client frame."""

    method: str | None
    id: Any
    """The request id as sent (None when the frame has none)."""
    has_id: bool
    params: Any


class Framer:
    """Builds outgoing frames and reads incoming requests for one envelope."""

    def __init__(self, envelope: Envelope) -> None:
        self.envelope = envelope
        self._earlier = earlier_rules(envelope)

    # -- building ---------------------------------------------------------------------

    def _base(self) -> dict[str, Any]:
        return copy.deepcopy(dict(self.envelope.template))

    def _apply(self, frame: dict[str, Any], when: Match | None, kind: str = "") -> dict[str, Any]:
        """``frame`` made to meet ``when`` and, for a frame of ``kind`` (a key of
        :data:`EARLIER`), none of the rules the client tries before it (see
        :func:`~nova_gen.satisfy.satisfy`; raises :class:`~nova_gen.satisfy.Unsatisfiable`)."""
        result: dict[str, Any] = satisfy(frame, when, self._earlier.get(kind, ()))
        return result

    def reply(
        self,
        request_id: Any,
        result: Any,
        *,
        has_id: bool = True,
        method: str | None = None,
    ) -> dict[str, Any]:
        """A successful reply to the request with ``request_id``; a ``method`` is echoed
        where the request carried it when the rule wants that place present (Kraken v2)."""
        rule = self.envelope.response
        frame = self._base()
        if rule is None:
            # No response rule: the closest sensible frame is JSON-RPC shaped.
            if has_id:
                frame["id"] = request_id
            frame["result"] = copy.deepcopy(result)
            return frame
        if rule.result != "" or isinstance(result, dict):
            write_at(frame, rule.result, copy.deepcopy(result))
        # After the result: a result merged into the frame ("") may carry its example's id.
        if has_id:
            write_at(frame, rule.id, request_id)
        where = self.envelope.request.method
        if method is not None and where is not None and where in rule.when.present:
            write_at(frame, where, method)
        return self._apply(frame, rule.when, "response")

    def error(
        self,
        request_id: Any,
        code: Any,
        message: str,
        data: Any = None,
        *,
        has_id: bool = True,
    ) -> dict[str, Any]:
        """An error reply to the request with ``request_id``."""
        rule = self.envelope.error
        frame = self._base()
        if rule is None:
            if has_id:
                frame["id"] = request_id
            err: dict[str, Any] = {"message": message} if code is None else {"code": code, "message": message}
            if data is not None:
                err["data"] = copy.deepcopy(data)
            frame["error"] = err
            return frame
        if has_id:
            write_at(frame, rule.id, request_id)
        if code is not None:  # never a member the example does not have
            write_at(frame, rule.code, code)
        write_at(frame, rule.message, message)
        if data is not None and rule.data is not None:
            write_at(frame, rule.data, copy.deepcopy(data))
        return self._apply(frame, rule.when)

    def notification(self, address: str, payload: Any) -> dict[str, Any]:
        """A channel message for ``address``."""
        rule = self.envelope.notification
        if rule is None:
            raise ValueError("the envelope has no notification rule")
        frame = self._base()
        self._apply(frame, rule.when, "notification")
        write_at(frame, rule.payload, copy.deepcopy(payload))
        write_at(frame, rule.channel, address)
        # Again, in case a payload merged into the frame ("") overwrote a constant.
        return self._apply(frame, rule.when, "notification")

    def event(self, event: Event, payload: Any) -> Any:
        """An unsolicited event frame carrying ``payload``. An event whose payload is the
        whole frame (``payload: ""``) and not an object (a string, an array) is the payload
        itself: nothing can be merged into it."""
        if event.payload == "" and payload is not None and not isinstance(payload, dict):
            if event.when == Match():
                return copy.deepcopy(payload)
            raise ValueError(f"event {event.name!r} merges its payload into the frame: it must be an object")
        frame = self._base()
        self._apply(frame, event.when, "event")
        if event.payload == "":
            if payload is not None:
                frame.update(copy.deepcopy(payload))
                # The constants win: the frame must still be recognised as this event.
                self._apply(frame, event.when, "event")
        else:
            write_at(frame, event.payload, copy.deepcopy(payload))
        return frame

    def with_match(self, frame: dict[str, Any], when: Match | None) -> dict[str, Any]:
        """``frame`` with every constant of ``when`` written into it."""
        return self._apply(frame, when)

    def hello(self, when: Match) -> dict[str, Any]:
        """A server hello: the envelope template with every constant of ``when``."""
        return self._apply(self._base(), when)

    def server_ping(self, ping: ServerPing) -> dict[str, Any] | str:
        """The probe frame for ``ping``: its raw text, or a frame built from its ``when``."""
        if ping.text is not None:
            return ping.text
        return self._apply(self._base(), ping.when)

    # -- reading ----------------------------------------------------------------------

    def read_request(self, frame: Any) -> IncomingRequest:
        """Method, id and params of a client frame, per ``envelope.request``."""
        spec = self.envelope.request
        method = read_at(frame, spec.method) if spec.method is not None else None
        has_id = spec.id is not None and has_at(frame, spec.id)
        request_id = read_at(frame, spec.id) if spec.id is not None else None
        if spec.params is None:
            params: Any = {}
        elif spec.params == "":
            skip = set(self.envelope.template)
            for pointer in (spec.method, spec.id):
                if pointer is not None:
                    keys = compile_pointer(pointer)
                    if len(keys) == 1:
                        skip.add(keys[0])
            params = (
                {k: v for k, v in frame.items() if k not in skip}
                if isinstance(frame, dict)
                else {}
            )
        else:
            params = read_at(frame, spec.params, {})
        return IncomingRequest(
            method=method if isinstance(method, str) else None,
            id=request_id,
            has_id=has_id,
            params=params,
        )


# -- JSON pointers: the runtime's own helpers (nova_runtime.pointer), by string ----------



def read_at(doc: Any, pointer: str, default: Any = None) -> Any:
    """The value at ``pointer``, or ``default`` when it does not resolve."""
    value = get(doc, compile_pointer(pointer))
    return default if value is MISSING else value


def has_at(doc: Any, pointer: str) -> bool:
    return get(doc, compile_pointer(pointer)) is not MISSING


def write_at(doc: dict[str, Any], pointer: str, value: Any) -> None:
    """Write ``value`` at ``pointer`` (``""`` merges an object into the frame)."""
    set_at(doc, compile_pointer(pointer), value)


def remove_at(doc: Any, pointer: str) -> None:
    """Remove the member at ``pointer`` if it exists."""
    tokens = compile_pointer(pointer)
    if not tokens:
        return
    parent = get(doc, tokens[:-1])
    if isinstance(parent, dict):
        parent.pop(tokens[-1], None)
