"""Rate limiting (sliding window, token bucket) with a fake clock."""

from __future__ import annotations

import random

import pytest
from nova_runtime.core import (
    SlidingWindow,
    TokenBucket,
    connect_limiter_for,
    limiter_for,
    window_for,
)
from nova_runtime.core.ratelimit import MARGIN
from nova_runtime.protocol import RateLimit


def _most_in_any_window(times: list[tuple[float, float]], window: float) -> float:
    """The largest total cost sent within ``window`` seconds of each other."""
    times = sorted(times)
    best = 0.0
    for i, (start, _) in enumerate(times):
        best = max(best, sum(c for t, c in times[i:] if t < start + window))
    return best


def test_twenty_sends_at_once_never_exceed_the_documented_limit() -> None:
    """Binance: rate 5, burst 5 means 5 per second; a bucket would let 10 through in the
    first second (5 tokens + 5 refilled)."""
    lim = window_for(rate=5.0, burst=5.0)
    times = [(lim.reserve(1, 0.0), 1.0) for _ in range(20)]
    assert _most_in_any_window(times, 1.0) == 5
    assert [t for t, _ in times[:6]] == [0.0] * 5 + [pytest.approx(1.0 + MARGIN)]
    bucket = TokenBucket(rate=5.0, burst=5.0)
    bucket_times = [(bucket.reserve(1, 0.0), 1.0) for _ in range(20)]
    assert _most_in_any_window(bucket_times, 1.0) > 5  # what the window fixes


def test_window_holds_for_random_senders_and_costs() -> None:
    rng = random.Random(7)
    for _ in range(50):
        lim = SlidingWindow(limit=5.0, window=1.0)
        now, sent = 0.0, []
        for _ in range(60):
            now += rng.choice([0.0, 0.0, 0.01, 0.2, 0.7, 1.3])
            cost = rng.choice([1.0, 1.0, 2.0, 0.5])
            wait = lim.reserve(cost, now)
            assert wait >= 0.0
            sent.append((now + wait, cost))
        assert _most_in_any_window(sent, 1.0) <= 5.0 + 1e-9
        # in order: a later reservation never goes before an earlier one
        assert [t for t, _ in sent] == sorted(t for t, _ in sent)


def test_window_frees_room_as_sends_age() -> None:
    lim = SlidingWindow(limit=2.0, window=1.0)
    assert lim.reserve(1, 0.0) == 0.0
    assert lim.reserve(1, 0.4) == 0.0
    assert lim.tokens(0.5) == 0.0
    assert lim.available(1, 0.5) == pytest.approx(0.5)  # the first send leaves at 1.0
    assert lim.tokens(0.5) == 0.0  # available took nothing
    assert lim.reserve(1, 0.5) == pytest.approx(0.5)
    assert lim.reserve(1, 0.5) == pytest.approx(0.9)  # after the second (0.4 + 1.0)
    assert lim.tokens(0.5) == pytest.approx(-2.0)  # two reserved ahead
    assert lim.tokens(10.0) == 2.0


def test_window_cost_above_limit_goes_alone() -> None:
    lim = SlidingWindow(limit=2.0, window=1.0)
    assert lim.reserve(1, 0.0) == 0.0
    assert lim.reserve(5, 0.0) == pytest.approx(1.0)  # waits for an empty window
    assert lim.reserve(1, 0.0) == pytest.approx(2.0)  # then one window for the big one


def test_window_invalid_parameters() -> None:
    for limit, window in ((0.0, 1.0), (1.0, 0.0), (-1.0, 1.0), (1.0, -1.0)):
        with pytest.raises(ValueError) as bad:
            SlidingWindow(limit=limit, window=window)
        assert str(bad.value) == f"limit and window must be positive (limit={limit}, window={window})"
    for rate, burst in ((1.0, 0.0), (0.0, 1.0), (1.0, -1.0), (-1.0, 1.0)):
        with pytest.raises(ValueError) as bad:
            window_for(rate=rate, burst=burst)
        assert str(bad.value) == f"rate and burst must be positive (rate={rate}, burst={burst})"


def test_burst_then_rate() -> None:
    b = TokenBucket(rate=2.0, burst=3.0, now=10.0)
    assert b.tokens(10.0) == 3.0
    assert [b.reserve(1, 10.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    # the bucket is empty: each further token arrives 0.5 s after the previous one
    assert b.reserve(1, 10.0) == pytest.approx(0.5)
    assert b.reserve(1, 10.0) == pytest.approx(1.0)
    assert b.tokens(10.0) == pytest.approx(-2.0)  # debt


def test_refill_is_capped_at_burst() -> None:
    b = TokenBucket(rate=2.0, burst=3.0, now=0.0)
    b.reserve(3, 0.0)
    assert b.tokens(0.5) == pytest.approx(1.0)
    assert b.tokens(100.0) == 3.0
    assert b.reserve(1, 100.0) == 0.0


def test_debt_is_repaid_before_later_senders() -> None:
    b = TokenBucket(rate=1.0, burst=1.0, now=0.0)
    assert b.reserve(1, 0.0) == 0.0
    assert b.reserve(1, 0.0) == pytest.approx(1.0)  # tokens now -1
    assert b.reserve(1, 0.5) == pytest.approx(1.5)  # waits for the debt, then one token
    assert b.tokens(2.0) == pytest.approx(0.0)  # the third send goes out at 2.0


def test_available_takes_nothing() -> None:
    b = TokenBucket(rate=1.0, burst=2.0, now=0.0)
    assert b.available(2, 0.0) == 0.0
    assert b.available(2, 0.0) == 0.0
    assert b.tokens(0.0) == 2.0
    b.reserve(2, 0.0)
    assert b.available(1, 0.0) == pytest.approx(1.0)
    assert b.available(1, 0.25) == pytest.approx(0.75)
    assert b.tokens(0.25) == pytest.approx(0.25)
    assert b.available(1, 1.0) == 0.0


def test_cost_larger_than_burst_does_not_deadlock() -> None:
    b = TokenBucket(rate=1.0, burst=2.0, now=0.0)
    assert b.available(5, 0.0) == 0.0  # a full bucket is as good as it gets
    assert b.reserve(5, 0.0) == 0.0  # goes into debt by cost - burst
    assert b.tokens(0.0) == pytest.approx(-3.0)
    # the next big one waits until the bucket is full again (3 s of debt + 2 s to fill)
    assert b.available(5, 0.0) == pytest.approx(5.0)
    assert b.reserve(5, 0.0) == pytest.approx(5.0)
    assert b.reserve(1, 5.0) == pytest.approx(4.0)  # average rate still 1/s


def test_time_going_backwards_is_ignored() -> None:
    b = TokenBucket(rate=1.0, burst=1.0, now=10.0)
    b.reserve(1, 10.0)
    assert b.tokens(5.0) == 0.0


def test_invalid_parameters() -> None:
    with pytest.raises(ValueError):
        TokenBucket(rate=0.0, burst=1.0)
    with pytest.raises(ValueError):
        TokenBucket(rate=1.0, burst=0.0)


def test_invalid_parameters_are_named_in_the_error() -> None:
    with pytest.raises(ValueError, match=r"^rate and burst must be positive \(rate=-1, burst=2\)$"):
        TokenBucket(rate=-1, burst=2)


def test_limiters_from_the_spec_start_full_on_the_callers_clock() -> None:
    spec = RateLimit(rate=4.0, burst=2.0, connect_rate=0.5, connect_burst=2.0)
    for lim, rate in ((limiter_for(spec, 100.0), 4.0), (connect_limiter_for(spec, 100.0), 0.5)):
        assert lim is not None
        window = 2 / rate * (1 + MARGIN)  # burst 2 in any burst / rate seconds, plus margin
        assert [lim.reserve(1, 100.0) for _ in range(3)] == [0.0, 0.0, pytest.approx(window)]
        assert lim.tokens(100.0 + window) == pytest.approx(1.0)  # the first two left the window


def test_limiter_for() -> None:
    assert limiter_for(None, 0.0) is None
    lim = limiter_for(RateLimit(rate=5.0, burst=10.0), 0.0)
    assert isinstance(lim, SlidingWindow)
    assert (lim.limit, lim.window) == (10.0, pytest.approx(2.0 * (1 + MARGIN)))


def test_connect_limiter_for() -> None:
    assert connect_limiter_for(None, 0.0) is None
    assert connect_limiter_for(RateLimit(rate=5.0, burst=10.0), 0.0) is None
    lim = connect_limiter_for(RateLimit(rate=5.0, burst=10.0, connect_rate=1.0), 0.0)
    assert isinstance(lim, SlidingWindow)
    assert (lim.limit, lim.window) == (1.0, pytest.approx(1.0 + MARGIN))
    lim = connect_limiter_for(
        RateLimit(rate=5.0, burst=10.0, connect_rate=0.5, connect_burst=3.0), 0.0
    )
    assert isinstance(lim, SlidingWindow)
    assert (lim.limit, lim.window) == (3.0, pytest.approx(6.0 * (1 + MARGIN)))
