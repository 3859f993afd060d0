"""Request frames: the text of every frame the client sends, built from the envelope.

A request frame is the envelope's constant ``template`` with the method, the params and
the id written where ``envelope.request`` points (JSON Pointers, RFC 6901): JSON-RPC puts
them at ``/method``, ``/params`` and ``/id`` next to ``"jsonrpc": "2.0"``; other APIs use
``/op``, ``/args``, ``/reqid``. Every frame is built by :meth:`RequestFrames.build`, so the
handlers' ``sign`` hook sees the params of each one (requests, logins, subscribes and
unsubscribes alike).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from pydantic_core import to_json

from ..pointer import MISSING, compile_pointer, set_at
from ..protocol import Envelope, RequestSpec

__all__ = ["RequestFrames", "dumps", "wire_params"]


def dumps(value: Any) -> str:
    """Compact JSON text of a frame (UTF-8, no spaces), by pydantic-core's encoder: a third
    of the stdlib encoder's time for a request frame, which builds its C encoder anew on
    every call. Numbers, strings and ``NaN``/``Infinity`` come out as ``json.dumps``
    writes them (an exponent may lose a leading zero: ``1e-7``, valid JSON all the same)."""
    return to_json(value).decode()


def wire_params(spec: RequestSpec[Any] | None, params: Any) -> Any:
    """The params as they go on the wire: a JSON array for ``positional`` specs (in that
    order, trailing ones not given left out), the value of the single ``params`` key
    for ``params_array`` specs, else as given."""
    if spec is None or (not spec.params_array and spec.positional is None):
        return params
    if not isinstance(params, Mapping):
        return params
    if spec.params_array:
        return params.get("params", [])
    if spec.positional is not None:
        values = [params.get(name, MISSING) for name in spec.positional]
        while values and values[-1] is MISSING:
            values.pop()
        return [None if v is MISSING else v for v in values]
    return params


class RequestFrames:
    """Builds the request frames of one envelope (:attr:`Envelope.template`,
    :attr:`Envelope.request`)."""

    __slots__ = ("_method_at", "_nested", "_params_at", "_template", "id_at", "sign")

    def __init__(self, envelope: Envelope) -> None:
        request = envelope.request
        self.sign: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None
        """Rewrites the params of every request frame (the handlers' ``sign`` hook)."""
        self._template = dict(envelope.template)
        self._nested = any(isinstance(v, (dict, list)) for v in self._template.values())
        self._method_at = compile_pointer(request.method) if request.method is not None else None
        self._params_at = compile_pointer(request.params) if request.params is not None else None
        self.id_at = compile_pointer(request.id) if request.id is not None else None
        """Where a request's id goes; None when requests carry no id (Coinbase): no reply
        can then be correlated."""

    def build(self, method: str, params: Any, id: Any = None) -> str:
        """The text of a request frame: the template with ``method``, ``params`` and ``id``
        set (no id: a fire-and-forget frame, or one whose reply is uncorrelated); the params
        object goes through :attr:`sign` first when it is set."""
        if self.sign is not None and isinstance(params, Mapping):
            params = self.sign(method, dict(params))
        frame: dict[str, Any] = (
            copy.deepcopy(self._template) if self._nested else dict(self._template)
        )
        if self._method_at is not None:
            set_at(frame, self._method_at, method)
        if self._params_at is not None and params is not None:
            if type(params) is dict or isinstance(params, Mapping):
                params = dict(params)
            set_at(frame, self._params_at, params)
        if self.id_at is not None and id is not None:
            set_at(frame, self.id_at, id)
        return dumps(frame)
