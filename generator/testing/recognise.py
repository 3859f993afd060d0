"""Which request a client frame is when the frame names no wire method.

An AsyncAPI document whose outgoing messages pin no common field (``NOVA074``) gives requests
that send their payload as it is; a message whose payload is a string or bytes gives a request
that sends a text or binary frame (``Request.body``). Such a frame carries no method, so the
server recognises it as the generated client builds it: a text or binary frame is the request of
that frame kind (the first, in document order, when there are several), a JSON frame the first
request whose frame it validates as (keyword arguments: an object with those properties, the
required ones present; a whole payload: the payload schema).
"""

from __future__ import annotations

from typing import Any

from ..checks import example_errors
from ..ir import Api, FrameKind, JsonSchema, Request

__all__ = ["Recogniser"]


def frame_schema(request: Request) -> JsonSchema:
    """The schema of the frame ``request`` sends without an envelope method."""
    if request.body is not None:
        return request.params[0].schema if request.params else {}
    return {
        "type": "object",
        "properties": {p.name: p.schema for p in request.params},
        "required": [p.name for p in request.params if p.required],
    }


class Recogniser:
    """The wire method of a frame without one (:meth:`method_of`), for the requests of ``api``."""

    def __init__(self, api: Api) -> None:
        self.api = api
        # A request framed by the envelope carries its method, unless the envelope has none.
        methodless = api.envelope.request.method is None
        self.requests = [r for r in api.requests if r.public is not False and (r.body is not None or methodless)]

    def method_of(self, frame: Any, kind: FrameKind) -> str | None:
        """The wire method of the first request whose frame ``frame`` (of ``kind``) is; None
        when none is."""
        for request in self.requests:
            body = request.body or "json"
            if body != kind:
                continue
            if kind != "json" or example_errors(self.api, frame_schema(request), frame) is None:
                return request.method
        return None
