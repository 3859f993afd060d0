"""The lenient validation policy (core.lenient) and the log rate limit, without sockets."""

from __future__ import annotations

import logging

import pytest
from nova_runtime.core.lenient import drifted_fields, lenient_parse, raw_frame
from nova_runtime.logs import LogLimiter
from pydantic import BaseModel, Field


class Inner(BaseModel):
    a: int
    b: str = "default-b"


class Message(BaseModel):
    from_: str = Field(alias="from")
    price: float
    size: float | None = None
    inner: Inner | None = None
    tags: list[int] = []


def test_only_the_failing_fields_are_unset_and_the_class_is_the_same() -> None:
    frame = {"whole": "frame"}
    payload = {"from": "x", "price": "not a number", "size": "2.5", "inner": {"a": "oops"}}
    message, unset = lenient_parse(Message, payload, frame)
    assert type(message) is Message
    assert unset == ("inner.a", "price")
    assert message.from_ == "x" and message.size == 2.5  # converted like a normal validation
    assert message.price is None and "price" not in message.model_fields_set
    assert type(message.inner) is Inner and message.inner.a is None and message.inner.b == "default-b"
    assert message.tags == []
    assert raw_frame(message) is frame and drifted_fields(message) == ("inner.a", "price")
    assert raw_frame(Message.model_validate({"from": "x", "price": 1})) is None


def test_a_list_of_models_is_lenient_item_by_item() -> None:
    items, unset = lenient_parse(list[Inner], [{"a": 1}, {"b": "no a"}], None)
    assert [type(i) for i in items] == [Inner, Inner]
    assert items[0].a == 1 and drifted_fields(items[0]) == ()
    assert items[1].a is None and unset == ("a",)


@pytest.mark.parametrize(
    ("message_type", "payload"),
    [(Message, "not an object"), (list[Inner], {"a": 1}), (int | str, "x"), (Inner, [1])],
)
def test_what_cannot_be_lenient_raises(message_type: object, payload: object) -> None:
    with pytest.raises(ValueError):
        lenient_parse(message_type, payload, None)


def test_log_limiter_holds_back_repeats_and_says_how_many() -> None:
    now = [0.0]
    limits = LogLimiter(period=10.0, burst=2, clock=lambda: now[0])
    assert [limits.allow("k") for _ in range(5)] == [0, 0, None, None, None]
    assert limits.allow("other") == 0  # keys are independent
    now[0] = 10.0
    assert limits.allow("k") == 3  # the next line reports the three held back
    assert limits.allow("k") == 0


def test_log_limiter_warning(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    limits = LogLimiter(period=1.0, burst=1, clock=lambda: now[0])
    log = logging.getLogger("nova.test.limits")
    with caplog.at_level(logging.WARNING, logger="nova.test.limits"):
        for _ in range(4):
            limits.warning(log, "k", "bad frame %d", 7)
        now[0] = 1.0
        limits.warning(log, "k", "bad frame %d", 7)
    assert [r.getMessage() for r in caplog.records] == [
        "bad frame 7",
        "bad frame 7 (3 similar line(s) suppressed)",
    ]
