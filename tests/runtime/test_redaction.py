"""Redaction replaces every occurrence of every secret, in every part of a log record: the
message, its arguments, the exception text and the stack text (``logs.RedactingFilter``),
and in frame previews."""

from __future__ import annotations

import json
import logging
import sys

import pytest
from nova_runtime.core.auth import AuthState
from nova_runtime.errors import explain
from nova_runtime.logs import (
    SHORTEST_FREE_TEXT_SECRET,
    RedactingFilter,
    frame_preview,
    mask_fields,
    redact,
    secret_fields,
)
from nova_runtime.protocol import Auth, Credential, Envelope, Protocol
from nova_runtime.redaction import Secrets

from .test_auth import PLAIN, creds

KEY = "key-Value-1"
TOKEN = 'tok"en\\2'  # escaped differently inside a JSON string
SECRETS = [KEY, TOKEN]


def record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    rec = logging.LogRecord("nova.t", logging.INFO, __file__, 1, msg, args or None, None)
    for name, value in extra.items():
        setattr(rec, name, value)
    return rec


def filtered(rec: logging.LogRecord) -> logging.LogRecord:
    assert RedactingFilter(lambda: SECRETS).filter(rec) is True  # never drops a record
    return rec


def test_redact_replaces_every_occurrence_of_every_secret() -> None:
    wire = json.dumps({"a": TOKEN, "b": [TOKEN, KEY]})
    text = f"{KEY} {KEY}|{TOKEN}{TOKEN}|{wire}|{KEY}"
    assert redact(text, SECRETS) == '*** ***|******|{"a": "***", "b": ["***", "***"]}|***'


def test_message_and_arguments() -> None:
    rec = filtered(record("%s and %s; again %r", KEY, {"token": TOKEN, "k": KEY}, KEY + KEY))
    assert rec.args == ()
    assert rec.getMessage() == "*** and {'token': '***', 'k': '***'}; again '******'"
    rec = filtered(record(f"no args: {KEY}, {KEY}, {json.dumps(TOKEN)} {json.dumps(TOKEN)}"))
    assert rec.getMessage() == 'no args: ***, ***, "***" "***"'


def test_exception_text_every_occurrence_and_the_chain() -> None:
    try:
        try:
            raise KeyError(f"{KEY} at first, {KEY} again")
        except KeyError as inner:
            raise ValueError(f"login {TOKEN} failed ({TOKEN})") from inner
    except ValueError:
        rec = filtered(record("failed", exc_info=sys.exc_info()))
    assert rec.exc_info is None  # the raw exception can no longer be rendered
    assert rec.exc_text is not None
    assert KEY not in rec.exc_text and TOKEN not in rec.exc_text
    assert "KeyError: '*** at first, *** again'" in rec.exc_text
    assert "ValueError: login *** failed (***)" in rec.exc_text
    formatted = logging.Formatter().format(rec)
    assert KEY not in formatted and TOKEN not in formatted
    assert formatted.startswith("failed\nTraceback")


def test_exception_text_formatted_earlier_is_redacted_too() -> None:
    rec = filtered(record("x", exc_text=f"Traceback: {KEY}\n{KEY}"))
    assert rec.exc_text == "Traceback: ***\n***"


def test_an_exception_without_secrets_is_left_as_it_was() -> None:
    try:
        raise KeyError("harmless")
    except KeyError:
        info = sys.exc_info()
    rec = filtered(record("x", exc_info=info))
    assert rec.exc_info is info
    assert rec.exc_text is not None and "KeyError: 'harmless'" in rec.exc_text


def test_stack_info_every_occurrence() -> None:
    rec = filtered(record("x", stack_info=f'Stack (most recent call last):\n  f("{KEY}")\n  g("{KEY}", "{TOKEN}")'))
    assert rec.stack_info == 'Stack (most recent call last):\n  f("***")\n  g("***", "***")'


def test_a_real_stack_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("nova.redaction_stack")
    filt = RedactingFilter(lambda: SECRETS)
    log.addFilter(filt)
    try:
        with caplog.at_level(logging.INFO, logger="nova.redaction_stack"):
            log.info("here", stack_info=True); key = KEY  # noqa: E702 - "key-Value-1" appears in the stack's source line
    finally:
        log.removeFilter(filt)
    (rec,) = caplog.records
    assert rec.stack_info is not None and "log.info(" in rec.stack_info
    assert key not in caplog.text


def test_frame_previews_every_occurrence() -> None:
    text = f"{KEY}-{KEY}-{json.dumps(TOKEN)}"
    assert frame_preview(text, secrets=SECRETS) == f'[{len(text)} chars] ***-***-"***"'
    raw = f"{KEY}{KEY}".encode()
    assert frame_preview(raw, secrets=SECRETS) == f"[{len(raw)} bytes] {b'******'.hex()}"


def test_auth_state_secrets_are_credentials_token_and_refresh_token() -> None:
    state = AuthState(PLAIN, creds("my-id", "my-secret"))
    assert sorted(state.secret_values()) == ["my-id", "my-secret"]
    state.on_login_result({"access_token": "TOK", "refresh_token": "REF"}, 0.0)
    assert sorted(state.secret_values()) == ["REF", "TOK", "my-id", "my-secret"]
    state.reset()  # the connection is gone: values it held stay secret
    assert sorted(state.secret_values()) == ["REF", "TOK", "my-id", "my-secret"]
    assert state.redact("REF REF TOK") == "*** *** ***"


def test_a_custom_replacement_is_used_everywhere() -> None:
    try:
        raise ValueError(KEY)
    except ValueError:
        info = sys.exc_info()
    rec = record("on %s", KEY, exc_info=info, stack_info=f"stack {KEY}")
    assert RedactingFilter(lambda: SECRETS, replacement="[hidden]").filter(rec)
    assert rec.getMessage() == "on [hidden]"
    assert rec.exc_text is not None and rec.exc_text.endswith("ValueError: [hidden]")
    assert rec.stack_info == "stack [hidden]"


def test_exception_text_is_the_formatted_traceback_without_trailing_newline() -> None:
    try:
        raise ValueError(f"bad {KEY}")
    except ValueError:
        info = sys.exc_info()
    rec = filtered(record("x", exc_info=info))
    assert rec.exc_text is not None
    assert rec.exc_text.startswith("Traceback (most recent call last):\n")
    assert rec.exc_text.endswith("\nValueError: bad ***")


def test_text_without_secrets_is_untouched() -> None:
    text = "on an open connection, nothing secret: 'quoted' \"double\" back\\slash"
    assert redact(text, SECRETS) == text
    assert filtered(record("%s", text)).getMessage() == text


def test_frame_preview_limits() -> None:
    assert frame_preview("x" * 600) == "[600 chars] " + "x" * 500 + "…"
    assert frame_preview("x" * 500) == "[500 chars] " + "x" * 500
    assert frame_preview("abcd", limit=4) == "[4 chars] abcd"
    assert frame_preview("abcd", limit=0) == "[4 chars] …"
    assert frame_preview("abcd", limit=-3) == "[4 chars] …"
    assert frame_preview(b"\x01\x02", limit=2) == "[2 bytes] 0102"
    assert frame_preview(b"\x01\x02", limit=1) == "[2 bytes] 01…"
    # The length is the frame's own, before redaction shortened it.
    assert frame_preview(KEY * 2, limit=4, secrets=SECRETS) == f"[{2 * len(KEY)} chars] ****…"


def test_a_secret_containing_another_is_replaced_whole() -> None:
    # Longest first: "ab" before "b", whatever their alphabetical order.
    assert redact("ab b", ["b", "ab"]) == "*** ***"
    assert redact("xyz-z", ["z", "xyz"]) == "***-***"


@pytest.mark.parametrize("message", ["ends with spaces  ", "ends with X", "ends\twith\ttab\t"])
def test_exception_text_keeps_the_message_exactly(message: str) -> None:
    try:
        raise ValueError(f"{KEY} {message}")
    except ValueError:
        info = sys.exc_info()
    rec = filtered(record("x", exc_info=info))
    assert rec.exc_text is not None and rec.exc_text.endswith(f"ValueError: *** {message}")


def preview(data: str | bytes) -> str:
    return frame_preview(data, limit=5, secrets=SECRETS)


def test_websockets_frames_are_rendered_by_the_frames_callable_redacted_before_shortening() -> None:
    from websockets.frames import Close, Frame, Opcode

    text = Frame(Opcode.TEXT, f"{KEY}:{KEY}".encode())
    binary = Frame(Opcode.BINARY, KEY.encode() + b"\x00")
    cont = Frame(Opcode.CONT, KEY.encode())
    ping = Frame(Opcode.PING, b"hb")
    close = Frame(Opcode.CLOSE, Close(1000, "bye").serialize())
    rec = record("> %s | %s | %s | %s | %s | %s", text, binary, cont, ping, close, "plain")
    assert RedactingFilter(lambda: SECRETS, frames=preview).filter(rec)
    text_len = 2 * len(KEY) + 1
    assert rec.getMessage() == (
        f"> TEXT [{text_len} chars] ***:*… | BINARY [{len(KEY) + 1} bytes] {b'***'.hex()}00"
        f" | CONT [{len(KEY)} bytes] {b'***'.hex()} | PING 'hb' [text, 2 bytes]"
        " | CLOSE 1000 (OK) bye [5 bytes] | plain"
    )


def test_without_a_frames_callable_a_frame_is_formatted_by_websockets_then_redacted() -> None:
    from websockets.frames import Frame, Opcode

    rec = filtered(record("> %s", Frame(Opcode.TEXT, f"{KEY} x".encode())))
    assert rec.getMessage() == f"> TEXT '*** x' [{len(KEY) + 2} bytes]"


def test_a_text_frame_that_is_not_utf8_is_previewed_with_replacement_characters() -> None:
    from websockets.frames import Frame, Opcode

    rec = record("> %s", Frame(Opcode.TEXT, b"ok \xff\xfe"))
    assert RedactingFilter(lambda: SECRETS, frames=preview).filter(rec)
    assert rec.getMessage() == "> TEXT [5 chars] ok \ufffd\ufffd"


def test_secret_fields_mask_by_place_whatever_the_value() -> None:
    fields = secret_fields(["api_pass"])
    text = (
        "{'access_token': 'x', 'expires_in': 900, \"api_pass\": \"p\\\"q\", \"name\": \"x\"}"
        " GET /ws?v=2&token=abc&key=k#frag"
    )
    assert mask_fields(text, fields) == (
        "{'access_token': '***', 'expires_in': 900, \"api_pass\": \"***\", \"name\": \"x\"}"
        " GET /ws?v=2&token=***&key=k#frag"
    )
    headers = "> authorization: Bearer x\n> Host: h\n> Cookie: s=1"
    assert mask_fields(headers, fields) == "> authorization: ***\n> Host: h\n> Cookie: ***"
    assert mask_fields("no secrets: token in prose", fields) == "no secrets: token in prose"
    assert mask_fields('{"token": "t"}', None) == '{"token": "t"}'  # no pattern: no masking


def test_the_filter_masks_fields_in_messages_and_exception_text() -> None:
    try:
        raise ValueError("{'refresh_token': 'r'}")
    except ValueError:
        info = sys.exc_info()
    rec = record("reply %r", {"access_token": "t"}, exc_info=info)
    assert RedactingFilter(lambda: [], fields=secret_fields(())).filter(rec)
    assert rec.getMessage() == "reply {'access_token': '***'}"
    assert rec.exc_text is not None and rec.exc_text.endswith("{'refresh_token': '***'}")


def test_a_short_secret_is_not_searched_in_free_text_but_masked_in_place() -> None:
    """Item: with access_token="x" the log read "e***pires"."""
    protocol = Protocol(
        name="t",
        servers={},
        default_server=None,
        envelope=Envelope(),
        requests={},
        auth=Auth(
            request="login",
            params={"token": "{access_token}", "user": "{user}"},
            credentials=(Credential("access_token", secret=True), Credential("user")),
        ),
    )
    short = "x" * (SHORTEST_FREE_TEXT_SECRET - 1)
    secrets = Secrets(
        protocol,
        {"access_token": short, "user": "some-user"},
        url="ws://h/?access_token=" + short,
        handshake=None,
        extra_headers={},
    )
    assert short not in secrets.values() and "some-user" in secrets.values()
    assert secrets.url == "ws://h/?access_token=***"
    text = f'logged in (expires in 900 s) {{"token": "{short}", "user": "some-user"}}'
    assert secrets.redact(text) == 'logged in (expires in 900 s) {"token": "***", "user": "***"}'


def test_malformed_frame_texts_carry_no_input_values() -> None:
    from pydantic import BaseModel, ValidationError

    class Reply(BaseModel):
        access_token: str
        expires_in: int

    with pytest.raises(ValidationError) as info:
        Reply.model_validate({"access_token": "tok-secret"})
    assert "tok-secret" in str(info.value), "pydantic's own text shows the input"
    text = explain(info.value)
    assert text == (
        "1 validation error for Reply: expires_in: Field required [type=missing]"
    )
    assert explain(ValueError("plain")) == "plain"


def test_an_error_and_its_cause_chain_are_redacted_in_place() -> None:
    """What ``ConnectFailed`` chains: an OSError (``str`` shows ``strerror``), an error with
    a ``uri`` attribute, an exception group, a cycle (bounded)."""
    protocol = Protocol(
        name="t", servers={}, default_server=None, envelope=Envelope(), requests={}
    )
    secrets = Secrets(protocol, {}, url="ws://h/", handshake=None, extra_headers={})
    inner = OSError(111, "refused ws://h/?api_key=K3Y-VALUE")

    class WithUri(Exception):
        def __init__(self, uri: str) -> None:
            super().__init__(f"bad {uri}")
            self.uri = uri

    middle = WithUri("ws://h/?token=T0KEN-VALUE")
    middle.__cause__ = inner
    group = ExceptionGroup("attempts", [middle])
    outer = RuntimeError("outer")
    outer.__context__ = group
    inner.__context__ = outer  # a cycle
    secrets.redact_error(outer)
    texts = [str(inner), repr(inner), str(middle), middle.uri, str(group), str(outer)]
    assert not any("K3Y-VALUE" in t or "T0KEN-VALUE" in t for t in texts), texts
    assert "api_key=***" in str(inner) and middle.uri == "ws://h/?token=***"
