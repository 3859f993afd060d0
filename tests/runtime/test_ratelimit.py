"""Token bucket rate limiting with a fake clock."""

from __future__ import annotations

import pytest

from nova_gen.runtime.core import TokenBucket, connect_limiter_for, limiter_for
from nova_gen.runtime.protocol import RateLimit


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
        assert [lim.reserve(1, 100.0) for _ in range(3)] == [0.0, 0.0, pytest.approx(1 / rate)]
        assert lim.tokens(100.0 + 1 / rate) == pytest.approx(0.0)


def test_limiter_for() -> None:
    assert limiter_for(None, 0.0) is None
    lim = limiter_for(RateLimit(rate=5.0, burst=10.0), 0.0)
    assert isinstance(lim, TokenBucket)
    assert (lim.rate, lim.burst) == (5.0, 10.0)


def test_connect_limiter_for() -> None:
    assert connect_limiter_for(None, 0.0) is None
    assert connect_limiter_for(RateLimit(rate=5.0, burst=10.0), 0.0) is None
    lim = connect_limiter_for(RateLimit(rate=5.0, burst=10.0, connect_rate=1.0), 0.0)
    assert isinstance(lim, TokenBucket)
    assert (lim.rate, lim.burst) == (1.0, 1.0)
    lim = connect_limiter_for(
        RateLimit(rate=5.0, burst=10.0, connect_rate=0.5, connect_burst=3.0), 0.0
    )
    assert isinstance(lim, TokenBucket)
    assert (lim.rate, lim.burst) == (0.5, 3.0)
