"""The lenient validation policy (core.lenient) and the log rate limit, without sockets."""

from __future__ import annotations

import logging
import typing

import pytest
from nova_runtime.core.lenient import drifted_fields, lenient_parse, raw_frame
from nova_runtime.logs import LogLimiter
from pydantic import BaseModel, Field, PrivateAttr


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
    ("message_type", "payload", "error"),
    [
        (Message, "not an object", "^the payload is not an object$"),
        (Inner, [1], "^the payload is not an object$"),
        (list[Inner], {"a": 1}, "^the payload is not a list$"),
        (int | str, "x", "^no lenient validation for int \\| str$"),
        (list[int], [1], "^no lenient validation for list\\[int\\]$"),
        (typing.List, [{"a": 1}], "^no lenient validation for typing.List$"),  # noqa: UP006
    ],
)
def test_what_cannot_be_lenient_raises(message_type: object, payload: object, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        lenient_parse(message_type, payload, None)


class Drifting(BaseModel):
    renamed: int = Field(validation_alias="wire_name")
    from_: str = Field(alias="from")
    core: Inner
    extra: dict[str, int] | None = None
    nested: Inner | None = None
    kind: str = "default-kind"
    made: list[int] = Field(default_factory=lambda: [0])
    last: int = 0


def test_aliases_defaults_and_nested_models_of_a_drifted_message() -> None:
    frame = object()
    payload = {
        "wire_name": "x",
        "from": 5,
        "core": {"a": "bad", "b": "kept"},
        "extra": {"k": "not an int"},
        "nested": {"a": "bad too"},
        "kind": 7,
        "made": "not a list",
        "last": "3",
    }
    message, unset = lenient_parse(Drifting, payload, frame)
    assert unset == ("core.a", "extra", "from_", "kind", "made", "nested.a", "renamed")
    assert message.renamed is None and message.from_ is None and message.extra is None
    assert type(message.core) is Inner and message.core.a is None and message.core.b == "kept"
    assert type(message.nested) is Inner and message.nested.a is None
    assert raw_frame(message.core) is frame and raw_frame(message.nested) is frame
    assert drifted_fields(message.core) == ("core.a",)
    assert message.kind == "default-kind" and message.made == [0]  # defaults of failed fields
    assert message.last == 3  # fields after a nested one still validated
    assert message.model_fields_set == {"core", "nested", "last"}


def test_every_item_of_a_list_keeps_the_frame() -> None:
    frame = object()
    items, _ = lenient_parse(list[Inner], [{"a": "bad"}, {"a": "worse"}], frame)
    assert [raw_frame(i) for i in items] == [frame, frame]


class WithPrivate(BaseModel):
    _note: int = PrivateAttr(default=0)
    a: int


def test_frame_and_drift_of_messages_not_built_leniently() -> None:
    for plain in (None, {"a": 1}, Inner(a=1), WithPrivate(a=1)):
        assert raw_frame(plain) is None
        assert drifted_fields(plain) == ()


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


def test_log_limiter_defaults_five_lines_per_ten_seconds_on_any_clock() -> None:
    now = [1000.0]  # a monotonic clock does not start at 0
    limits = LogLimiter(clock=lambda: now[0])
    assert [limits.allow("k") for _ in range(6)] == [0, 0, 0, 0, 0, None]
    now[0] = 1009.5
    assert limits.allow("k") is None  # the window started at 1000.0
    now[0] = 1010.0
    assert limits.allow("k") == 2


def test_log_limiter_forgets_every_key_past_1024() -> None:
    limits = LogLimiter(period=10.0, burst=1, clock=lambda: 0.0)
    assert limits.allow("held") == 0 and limits.allow("held") is None
    for i in range(1022):
        assert limits.allow(i) == 0
    assert limits.allow("held") is None  # 1023 keys: all remembered
    assert limits.allow("one more") == 0
    assert limits.allow("held") is None  # 1024 keys, and a known key does not clear them
    assert limits.allow("the 1025th") == 0  # a new key past the bound: everything forgotten
    assert limits.allow("held") == 0


def test_log_limiter_warning_keys_args_and_exception(caplog: pytest.LogCaptureFixture) -> None:
    limits = LogLimiter(period=10.0, burst=1, clock=lambda: 0.0)
    log = logging.getLogger("nova.test.limits")
    with caplog.at_level(logging.WARNING, logger="nova.test.limits"):
        limits.warning(log, "a", "plain %s", "x")
        limits.warning(log, "b", "other key %s", "y")  # its own limit
        try:
            raise ValueError("boom")
        except ValueError:
            limits.warning(log, "c", "failed %d", 3, exc_info=True)
    plain, other, failed = caplog.records
    assert plain.getMessage() == "plain x" and plain.exc_info is None
    assert other.getMessage() == "other key y"
    assert failed.getMessage() == "failed 3"
    assert failed.exc_info is not None and isinstance(failed.exc_info[1], ValueError)
