"""Request frames built by the sans-I/O session: the envelope template, the ``sign`` hook,
params on the wire (positional, ``params_array``), per-request timeouts, and APIs without
request ids."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from nova_runtime import protocol as p
from nova_runtime.core import Session
from nova_runtime.core.frames import wire_params

from .nova_fake_api import GET_TIME, make_protocol


def test_nested_templates_are_not_shared_between_frames() -> None:
    proto = make_protocol()
    env = dataclasses.replace(
        proto.envelope,
        template={"v": "2", "meta": {"tags": []}},
        request=p.RequestFrame(method="/meta/op", params="/meta/args", id="/meta/id"),
    )
    s = Session(dataclasses.replace(proto, envelope=env))
    first = json.loads(s.frames.build("a", {"x": 1}, 1))
    second = json.loads(s.frames.build("b", None, None))
    assert first == {"v": "2", "meta": {"tags": [], "op": "a", "args": {"x": 1}, "id": 1}}
    assert second == {"v": "2", "meta": {"tags": [], "op": "b"}}  # no params, no id


def test_sign_sees_each_requests_method_and_params() -> None:
    s = Session(make_protocol())
    seen: list[tuple[str, dict[str, Any]]] = []

    def sign(method: str, params: dict[str, Any]) -> dict[str, Any]:
        seen.append((method, params))
        return {**params, "sig": f"{method}:{len(params)}"}

    s.frames.sign = sign
    original = {"a": 1}
    _, text = s.build_request(GET_TIME, original, now=0, timeout=1)
    assert json.loads(text)["params"] == {"a": 1, "sig": "public/get_time:1"}
    assert seen == [("public/get_time", {"a": 1})] and original == {"a": 1}
    assert json.loads(s.frames.build("m", ["list"]))["params"] == ["list"]  # only objects are signed


def test_params_on_the_wire() -> None:
    positional = p.RequestSpec(name="g", method="g", parse_result=lambda x: x, positional=("a", "b", "c"))
    assert wire_params(positional, {"a": 1, "c": 3}) == [1, None, 3]
    assert wire_params(positional, {"b": 2}) == [None, 2]
    assert wire_params(positional, ["as", "is"]) == ["as", "is"]
    array = p.RequestSpec(name="s", method="s", parse_result=lambda x: x, params_array=True)
    assert wire_params(array, {}) == []
    assert wire_params(None, {"k": 1}) == {"k": 1}
    s = Session(make_protocol())
    _, text = s.build_request(positional, {"a": 1}, now=0, timeout=1)
    assert json.loads(text)["params"] == [1]


def test_a_requests_own_timeout_wins_for_user_requests_only() -> None:
    slow = dataclasses.replace(GET_TIME, timeout=30.0)
    proto = make_protocol()
    s = Session(dataclasses.replace(proto, requests={**proto.requests, slow.method: slow}))
    pending, _ = s.build_request(slow, {}, now=100.0, timeout=5.0)
    assert (pending.timeout, pending.deadline) == (30.0, 130.0)
    internal, _ = s.build_request(slow.method, {}, now=100.0, timeout=5.0, kind="internal")
    assert (internal.timeout, internal.spec) == (5.0, slow)


def test_without_request_ids_requests_are_detached() -> None:
    proto = make_protocol()
    env = dataclasses.replace(proto.envelope, request=p.RequestFrame(id=None))
    s = Session(dataclasses.replace(proto, envelope=env))
    pending, text = s.build_request(GET_TIME, {"a": 1}, now=1.0, timeout=2.0, addresses=("x",))
    assert json.loads(text) == {"jsonrpc": "2.0", "method": "public/get_time", "params": {"a": 1}}
    assert (pending.id, pending.method, pending.spec, pending.kind) == (None, "public/get_time", GET_TIME, "request")
    assert (pending.deadline, pending.timeout, pending.addresses, pending.correlated) == (3.0, 2.0, ("x",), False)
    assert len(s.correlator) == 0


def test_replies_to_pings_and_on_connect() -> None:
    s = Session(make_protocol(), internal_timeout=7.0)
    assert s.build_reply(p.Reply(text="pong"), now=0) == (None, "pong")
    assert s.build_reply(p.Reply(frame={"type": "pong"}), now=0) == (None, '{"type":"pong"}')
    assert s.build_reply(p.Reply(), now=0) == (None, None)
    pending, text = s.build_reply(p.Reply(request="public/set_heartbeat", params={"interval": 10}), now=1.0)
    assert pending is not None and (pending.kind, pending.deadline) == ("internal", 8.0)
    assert text is not None and json.loads(text)["params"] == {"interval": 10}


def test_an_envelope_without_method_or_params_pointers() -> None:
    proto = make_protocol()
    no_method = dataclasses.replace(proto.envelope, template={"op": "x"}, request=p.RequestFrame(method=None, params="/args", id="/id"))
    assert json.loads(Session(dataclasses.replace(proto, envelope=no_method)).frames.build("m", {"a": 1}, 3)) == {
        "op": "x", "args": {"a": 1}, "id": 3
    }
    no_params = dataclasses.replace(proto.envelope, template={}, request=p.RequestFrame(method="/op", params=None, id="/id"))
    assert json.loads(Session(dataclasses.replace(proto, envelope=no_params)).frames.build("m", {"a": 1}, 3)) == {
        "op": "m", "id": 3
    }


def test_frame_text_is_what_the_stdlib_encoder_writes() -> None:
    """Frames are encoded by pydantic-core; the text is json.dumps' compact form for the
    values a request carries (numbers, non-ASCII text, escapes, nesting, NaN)."""
    s = Session(make_protocol())
    params = {
        "amount": 0.1,
        "big": 2**70,
        "huge": 1e16,
        "neg": -0.0,
        "name": "é€\U0001f600 \"quoted\" \\ \n\t\u2028\x00",
        "list": [1, 2.5, None, True, False, {"k": []}],
        "nan": float("nan"),
        "inf": float("-inf"),
    }
    expected = {"jsonrpc": "2.0", "method": "m", "params": params, "id": 7}
    assert s.frames.build("m", params, 7) == json.dumps(expected, ensure_ascii=False, separators=(",", ":"))
