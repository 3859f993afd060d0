"""Telemetry events, the in-memory and fan-out sinks, diagnostics and log redaction."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Iterator

import pytest
from nova_runtime.diagnostics import Diagnostics, SubscriptionInfo
from nova_runtime.logs import RedactingFilter, frame_preview, get_logger, redact
from nova_runtime.telemetry import (
    EVENT_TYPES,
    AuthCompleted,
    ConnectionClosed,
    ConnectionOpened,
    ConnectionRestored,
    ErrorOccurred,
    FanOut,
    FrameDropped,
    HeartbeatMissed,
    InMemoryMetrics,
    NullSink,
    RateLimited,
    Reconnecting,
    RequestCompleted,
    SchemaDrift,
    SequenceGap,
    StreamStale,
    SubscriptionStateChanged,
    TelemetryEvent,
    TelemetrySink,
    UnexpectedFrame,
    percentile,
)

API = "deribit"


def all_events() -> list[TelemetryEvent]:
    url = "wss://test.deribit.com/ws/api/v2"
    return [
        ConnectionOpened(api=API, url=url, attempt=1),
        ConnectionClosed(api=API, url=url, code=1006, reason="abnormal closure", clean=False),
        Reconnecting(api=API, attempt=1, delay=0.5, reason="connection lost"),
        ConnectionRestored(api=API, url=url, subscriptions=3, duration=1.25),
        RequestCompleted(api=API, method="public/get_time", latency=0.012, ok=True, error_code=None),
        RequestCompleted(api=API, method="private/buy", latency=0.2, ok=False, error_code=13009),
        SubscriptionStateChanged(api=API, address="ticker.BTC-PERPETUAL.raw", old="pending",
                                 new="active"),
        RateLimited(api=API, method="private/buy", wait=0.25, raised=False),
        HeartbeatMissed(api=API, kind="app_ping"),
        FrameDropped(api=API, address="trades.BTC-PERPETUAL.raw", policy="drop_oldest",
                     dropped_total=4),
        ErrorOccurred(api=API, error_type="ServerError", message="invalid_credentials",
                      context="request private/buy"),
        AuthCompleted(api=API, refreshed=False, expires_in=900.0),
        SequenceGap(api=API, address="book.BTC-PERPETUAL.raw", expected=5, received=7),
        UnexpectedFrame(api=API, kind="duplicate_reply"),
        SchemaDrift(api=API, channel="ticker", address="ticker.BTC-PERPETUAL.raw",
                    fields=("mark_price",), policy="lenient"),
        StreamStale(api=API, address="ticker.BTC-PERPETUAL.100ms", silent_for=2.5,
                    action="resubscribe"),
    ]


# -- events ----------------------------------------------------------------------------


def test_every_event_type_is_covered_frozen_and_slotted() -> None:
    before = time.time()
    events = all_events()
    after = time.time()
    assert {type(e) for e in events} == set(EVENT_TYPES)
    for event in events:
        assert dataclasses.is_dataclass(type(event))
        assert not hasattr(event, "__dict__"), type(event).__name__  # slots
        with pytest.raises(dataclasses.FrozenInstanceError):
            event.api = "other"  # type: ignore[misc]
        assert event.api == API
        assert before <= event.at <= after  # stamped when made (Unix seconds)
        d = event.to_dict()
        assert d["event"] == event.name
        json.dumps(d)  # serialisable


def test_events_have_no_secret_fields() -> None:
    suspicious = ("secret", "token", "password", "key", "signature", "credential", "header",
                  "payload", "params", "auth_data")
    for cls in EVENT_TYPES:
        for f in dataclasses.fields(cls):
            assert not any(word in f.name.lower() for word in suspicious), (cls, f.name)


def test_event_names_are_unique_and_snake_case() -> None:
    names = [cls.name for cls in EVENT_TYPES]
    assert len(set(names)) == len(names)
    assert all(n.isidentifier() and n.islower() for n in names)


def test_events_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        HeartbeatMissed(API, "ws_ping")  # type: ignore[misc]


def test_sinks_satisfy_the_protocol_and_receive_what_is_emitted() -> None:
    seen = InMemoryMetrics()
    sinks: list[TelemetrySink] = [InMemoryMetrics(), FanOut(seen), NullSink()]
    event = HeartbeatMissed(api=API, kind="ws_ping")
    for sink in sinks:
        sink.emit(event)
    memory, _, null = sinks
    assert isinstance(memory, InMemoryMetrics) and list(memory.recent) == [event]
    assert list(seen.recent) == [event]  # the fan-out passed it on
    assert vars(null) == {}  # the null sink keeps nothing


# -- in-memory metrics -----------------------------------------------------------------


def test_in_memory_counts_by_type_and_key() -> None:
    m = InMemoryMetrics()
    for event in all_events():
        m.emit(event)
    m.emit(RequestCompleted(api=API, method="public/get_time", latency=0.02, ok=True))
    assert m.count("request_completed") == 3
    assert m.count(RequestCompleted) == 3
    assert m.count(RequestCompleted, "public/get_time:ok") == 2
    assert m.count(RequestCompleted, "private/buy:error") == 1
    assert m.count(RequestCompleted, "private/buy:ok") == 0
    assert m.count(ConnectionClosed, "1006") == 1
    assert m.count(SubscriptionStateChanged, "active") == 1
    assert m.count(RateLimited, "private/buy") == 1
    assert m.count(HeartbeatMissed, "app_ping") == 1
    assert m.count(ErrorOccurred, "ServerError") == 1
    assert m.count(AuthCompleted, "login") == 1
    assert m.count(ConnectionOpened) == 1
    assert m.count("never_emitted") == 0
    assert m.connected is True  # the last connection event was ConnectionRestored
    assert m.last_error is not None and m.last_error.error_type == "ServerError"
    assert m.last_auth is not None and m.last_auth.expires_in == 900.0


def test_connected_follows_connection_events() -> None:
    m = InMemoryMetrics()
    assert m.connected is None
    m.emit(ConnectionOpened(api=API, url="wss://x", attempt=1))
    assert m.connected is True
    m.emit(ConnectionClosed(api=API, url="wss://x", code=None, reason="lost", clean=False))
    assert m.connected is False
    assert m.count(ConnectionClosed, "none") == 1


def test_frame_dropped_uses_running_totals() -> None:
    m = InMemoryMetrics()
    for total in (1, 2, 5):
        m.emit(FrameDropped(api=API, address="a", policy="drop_oldest", dropped_total=total))
    m.emit(FrameDropped(api=API, address="b", policy="drop_newest", dropped_total=2))
    assert m.dropped("a") == 5
    assert m.dropped("b") == 2
    assert m.dropped() == 7
    # A new subscription on the same address restarts its running count.
    m.emit(FrameDropped(api=API, address="a", policy="drop_oldest", dropped_total=1))
    assert m.dropped("a") == 6
    assert m.count(FrameDropped, "a") == 4


def test_percentiles_on_a_known_distribution() -> None:
    m = InMemoryMetrics()
    assert m.percentile(50) is None
    for i in range(1, 101):  # 1..100 ms, in a scrambled order
        m.emit(RequestCompleted(api=API, method="m", latency=((i * 37) % 100 + 1) / 1000, ok=True))
    m.emit(RequestCompleted(api=API, method="slow", latency=10.0, ok=True))
    assert m.percentile(0, "m") == pytest.approx(0.001)
    assert m.percentile(50, "m") == pytest.approx(0.0505)
    assert m.percentile(99, "m") == pytest.approx(0.09901)
    assert m.percentile(100, "m") == pytest.approx(0.100)
    assert m.percentile(100) == pytest.approx(10.0)
    assert m.percentile(50, "slow") == pytest.approx(10.0)
    assert m.percentile(50, "unknown") is None
    with pytest.raises(ValueError):
        m.percentile(101)
    with pytest.raises(ValueError):
        m.percentile(-1)


def test_percentile_function() -> None:
    assert percentile([], 50) is None
    assert percentile([3.0], 99) == 3.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([4.0, 1.0, 3.0, 2.0], 25) == pytest.approx(1.75)


def test_latency_window_is_bounded() -> None:
    m = InMemoryMetrics(window=100, recent_size=10)
    for i in range(1000):
        m.emit(RequestCompleted(api=API, method="a" if i % 2 else "b", latency=float(i), ok=True))
    assert len(m.latencies()) == 100
    assert m.latencies() == [float(i) for i in range(900, 1000)]
    assert len(m.latencies("a")) == 100
    assert min(m.latencies("a")) == 801.0
    assert len(m.recent) == 10
    assert m.count(RequestCompleted) == 1000  # counters are not windowed
    assert m.percentile(0) == 900.0


def test_default_window_is_ten_thousand() -> None:
    m = InMemoryMetrics()
    for i in range(10_050):
        m.emit(RequestCompleted(api=API, method="m", latency=float(i), ok=True))
    assert len(m.latencies()) == 10_000
    assert len(m.latencies("m")) == 10_000


def test_snapshot_is_json_and_complete() -> None:
    m = InMemoryMetrics(recent_size=5)
    for event in all_events():
        m.emit(event)
    snap = m.snapshot()
    json.dumps(snap)
    assert snap["counts"]["request_completed"] == 2
    assert snap["by_key"]["request_completed"] == {"private/buy:error": 1, "public/get_time:ok": 1}
    overall = snap["latency"]["overall"]
    assert overall["count"] == 2
    assert overall["min"] == pytest.approx(0.012) and overall["max"] == pytest.approx(0.2)
    assert set(snap["latency"]["by_method"]) == {"public/get_time", "private/buy"}
    assert snap["dropped"] == {"trades.BTC-PERPETUAL.raw": 4}
    assert snap["connected"] is True
    assert snap["last_error"]["message"] == "invalid_credentials"
    assert snap["last_restore"]["subscriptions"] == 3
    assert [e["event"] for e in snap["recent"]] == [e.name for e in all_events()[-5:]]
    m.reset()
    empty = m.snapshot()
    assert empty["counts"] == {} and empty["recent"] == []
    assert empty["latency"]["overall"]["p50"] is None


# -- fan-out ---------------------------------------------------------------------------


class Boom:
    def __init__(self) -> None:
        self.calls = 0

    def emit(self, event: TelemetryEvent) -> None:
        self.calls += 1
        raise RuntimeError("sink is broken")


def test_fan_out_survives_a_raising_sink_and_logs_once(caplog: pytest.LogCaptureFixture) -> None:
    good1, good2, bad = InMemoryMetrics(), InMemoryMetrics(), Boom()
    fan = FanOut(good1, bad, good2)
    with caplog.at_level(logging.WARNING, logger="nova.telemetry"):
        for _ in range(3):
            fan.emit(HeartbeatMissed(api=API, kind="server_silence"))
    assert good1.count(HeartbeatMissed) == 3
    assert good2.count(HeartbeatMissed) == 3
    assert bad.calls == 3
    records = [r for r in caplog.records if r.name == "nova.telemetry"]
    assert len(records) == 1
    assert "Boom" in records[0].getMessage()
    assert records[0].exc_info is not None


def test_fan_out_add_remove() -> None:
    fan = FanOut()
    m = InMemoryMetrics()
    fan.add(m)
    fan.emit(HeartbeatMissed(api=API, kind="ws_ping"))
    fan.remove(m)
    fan.emit(HeartbeatMissed(api=API, kind="ws_ping"))
    assert m.count(HeartbeatMissed) == 1


# -- diagnostics -----------------------------------------------------------------------


def sample_diagnostics(**overrides: object) -> Diagnostics:
    fields: dict[str, object] = dict(
        api="deribit",
        state="open",
        server="testnet",
        url="wss://test.deribit.com/ws/api/v2",
        connected_since=time.time() - 3725,
        reconnects=2,
        last_error="ConnectionLost: abnormal closure (1006)",
        pending_requests=3,
        subscriptions=(
            SubscriptionInfo("ticker.BTC-PERPETUAL.100ms", "ticker", "active", 0, 0, 1),
            SubscriptionInfo("trades.ETH-PERPETUAL.raw", "trades", "active", 12, 40, 2),
            SubscriptionInfo("book.BTC-PERPETUAL.raw", "book", "failed", 0, 0, 0),
        ),
        handler_queue_depth=5,
        limiter_tokens=7.5,
        frames_in=12345,
        frames_out=67,
        bytes_in=5 * 1024 * 1024,
        bytes_out=2048,
        latency_p50=0.0123,
        latency_p99=0.250,
        authenticated=True,
    )
    fields.update(overrides)
    return Diagnostics(**fields)  # type: ignore[arg-type]


def test_diagnostics_report_contains_the_key_facts() -> None:
    d = sample_diagnostics()
    text = str(d)
    for fact in ("deribit", "open", "testnet", "wss://test.deribit.com/ws/api/v2", "1h 2m ago",
                 "reconnects", "2", "ConnectionLost: abnormal closure (1006)", "3 pending",
                 "12.3 ms", "250.0 ms", "7.50 tokens", "12345 / 67", "5.0 MiB / 2.0 KiB",
                 "subscriptions (3)", "ticker.BTC-PERPETUAL.100ms", "queue 12", "dropped 40",
                 "consumers 2", "book.BTC-PERPETUAL.raw", "failed", "authenticated"):
        assert fact in text, fact
    assert "\n" in text
    assert "1 subscription(s) not active" in text
    assert "40 frame(s) dropped" in text
    assert d.dropped == 40


def test_diagnostics_report_when_nothing_is_known() -> None:
    d = sample_diagnostics(
        state="new", server=None, connected_since=None, reconnects=0, last_error=None,
        pending_requests=0, subscriptions=(), handler_queue_depth=0, limiter_tokens=None,
        frames_in=0, frames_out=0, bytes_in=0, bytes_out=0, latency_p50=None, latency_p99=None,
        authenticated=None,
    )
    text = str(d)
    assert "n/a" in text and "unlimited" in text and "subscriptions (0)" in text
    assert d.issues() == ("connection is new",)


def test_diagnostics_healthy_has_no_issues() -> None:
    d = sample_diagnostics(last_error=None, subscriptions=(
        SubscriptionInfo("ticker.BTC-PERPETUAL.100ms", "ticker", "active", 0, 0, 1),))
    assert d.issues() == ()
    assert "issues          none" in str(d)


def test_diagnostics_to_dict() -> None:
    d = sample_diagnostics()
    out = d.to_dict()
    json.dumps(out)
    assert out["api"] == "deribit"
    assert out["subscriptions"][1] == {
        "address": "trades.ETH-PERPETUAL.raw", "channel": "trades", "state": "active",
        "queue_depth": 12, "dropped": 40, "consumers": 2, "unread": False,
    }
    assert set(out) == {f.name for f in dataclasses.fields(Diagnostics)}
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.state = "closed"  # type: ignore[misc]


# -- logging ---------------------------------------------------------------------------

SECRET = "s3cr3t-client-secret-value"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.token-value"


@pytest.fixture
def redacted_logger() -> Iterator[logging.Logger]:
    log = get_logger("redaction_test")
    secrets = [SECRET, TOKEN, "", None]
    filt = RedactingFilter(lambda: secrets)
    log.addFilter(filt)
    yield log
    log.removeFilter(filt)


def test_get_logger() -> None:
    assert get_logger("deribit").name == "nova.deribit"
    assert get_logger("deribit") is logging.getLogger("nova.deribit")


def test_redacting_filter_msg_and_args(
    redacted_logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="nova.redaction_test"):
        redacted_logger.info("sending %s with %r", f'{{"client_secret": "{SECRET}"}}', TOKEN)
        redacted_logger.warning(f"token is {TOKEN} (100%)")
        redacted_logger.debug("count %d", 5)
    assert SECRET not in caplog.text and TOKEN not in caplog.text
    first, second, third = caplog.records
    assert first.args == ()
    assert first.getMessage() == "sending {\"client_secret\": \"***\"} with '***'"
    assert second.getMessage() == "token is *** (100%)"
    assert third.getMessage() == "count 5"


def test_redacting_filter_exception_text(
    redacted_logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="nova.redaction_test"):
        try:
            raise ValueError(f"bad credentials {SECRET}")
        except ValueError:
            redacted_logger.exception("login failed")
        try:
            raise KeyError("harmless")
        except KeyError:
            redacted_logger.exception("lookup failed", stack_info=True)
    assert SECRET not in caplog.text
    assert "bad credentials ***" in caplog.text
    assert "KeyError: 'harmless'" in caplog.text
    formatted = logging.Formatter().format(caplog.records[0])
    assert SECRET not in formatted and "ValueError: bad credentials ***" in formatted
    assert caplog.records[0].exc_info is None  # the raw exception cannot be re-rendered
    assert caplog.records[1].exc_info is not None  # nothing secret: left as it was


def test_redacting_filter_sees_current_secrets(caplog: pytest.LogCaptureFixture) -> None:
    log = get_logger("rotating")
    current: list[str] = []
    filt = RedactingFilter(lambda: current)
    log.addFilter(filt)
    try:
        with caplog.at_level(logging.INFO, logger="nova.rotating"):
            log.info("token %s", "first-token")
            current.append("second-token")
            log.info("token %s", "second-token")
    finally:
        log.removeFilter(filt)
    assert [r.getMessage() for r in caplog.records] == ["token first-token", "token ***"]


def test_redacting_filter_survives_a_broken_secrets_callable(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken() -> list[str]:
        raise RuntimeError("no")

    log = get_logger("broken_secrets")
    filt = RedactingFilter(broken)
    log.addFilter(filt)
    try:
        with caplog.at_level(logging.INFO, logger="nova.broken_secrets"):
            log.info("still %s", "logged")
    finally:
        log.removeFilter(filt)
    assert caplog.records[0].getMessage() == "still logged"


def test_redact_overlapping_secrets() -> None:
    assert redact("abcdef abc", ["abc", "abcdef"]) == "*** ***"
    assert redact("nothing here", ["", None]) == "nothing here"


def test_redact_json_escaped_forms() -> None:
    secret = 'pa"ss\\wörd'
    frame = json.dumps({"password": secret})
    assert secret not in frame  # escaped on the wire
    assert redact(frame, [secret]) == '{"password": "***"}'
    frame_utf8 = json.dumps({"password": secret}, ensure_ascii=False)
    assert redact(frame_utf8, [secret]) == '{"password": "***"}'


def test_frame_preview() -> None:
    assert frame_preview('{"a":1}') == '[7 chars] {"a":1}'
    long = "x" * 1000
    out = frame_preview(long, limit=10)
    assert out == "[1000 chars] " + "x" * 10 + "…"
    assert frame_preview("a\nb\tc") == "[5 chars] a\\nb\\tc"
    assert frame_preview("héllo") == "[5 chars] héllo"
    assert frame_preview(b"\x00\xff\x10") == "[3 bytes] 00ff10"
    assert frame_preview(b"\x01" * 600, limit=4) == "[600 bytes] 01010101…"


def test_frame_preview_redacts_before_truncating() -> None:
    frame = '{"params":{"client_secret":"' + SECRET + '"}}'
    cut = frame.index(SECRET) + 5
    plain = frame_preview(frame, limit=cut)
    assert SECRET[:5] in plain  # the log filter could not catch this half secret
    safe = frame_preview(frame, limit=cut, secrets=[SECRET])
    assert SECRET[:5] not in safe and "***" in safe
    assert SECRET.encode().hex() not in frame_preview(SECRET.encode(), secrets=[SECRET])
