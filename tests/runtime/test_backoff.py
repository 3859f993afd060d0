"""Reconnect backoff (full jitter, cap, max attempts, reset) and close-code classification."""

from __future__ import annotations

import dataclasses
import random
from statistics import mean

import pytest
from nova_runtime.core import DEFAULT_CLOSE_CODES, Backoff, classify_close
from nova_runtime.protocol import ReconnectPolicy

POLICY = ReconnectPolicy(initial_delay=0.5, multiplier=2.0, max_delay=8.0, reset_after=60.0)


def test_bounds_grow_then_cap() -> None:
    b = Backoff(POLICY)
    caps = [b.bounds(n)[1] for n in range(8)]
    assert caps == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0]
    assert all(b.bounds(n)[0] == 0.0 for n in range(8))
    assert b.bounds(10_000) == (0.0, 8.0)  # no OverflowError


@pytest.mark.parametrize("seed", range(20))
def test_delays_within_bounds(seed: int) -> None:
    b = Backoff(POLICY, random.Random(seed))
    for n in range(30):
        low, cap = b.bounds(n)
        delay = b.next_delay()
        assert delay is not None
        assert low <= delay <= cap <= min(8.0, 0.5 * 2.0**n)
        assert b.attempts == n + 1


def test_mean_grows_then_caps() -> None:
    rng = random.Random(1234)
    draws: list[list[float]] = [[] for _ in range(8)]
    for _ in range(2000):
        b = Backoff(POLICY, rng)
        for n in range(8):
            d = b.next_delay()
            assert d is not None
            draws[n].append(d)
    means = [mean(d) for d in draws]
    # full jitter: the mean is half the cap
    for n, m in enumerate(means):
        assert m == pytest.approx(min(8.0, 0.5 * 2**n) / 2, rel=0.1)
    assert means[0] < means[1] < means[2] < means[3] < means[4]
    assert means[5] == pytest.approx(means[4], rel=0.1)
    assert means[7] == pytest.approx(means[4], rel=0.1)


def test_max_attempts_gives_none_exactly_after_n() -> None:
    b = Backoff(ReconnectPolicy(max_attempts=3), random.Random(0))
    assert [b.next_delay() is not None for _ in range(3)] == [True, True, True]
    assert b.next_delay() is None
    assert b.next_delay() is None
    assert b.attempts == 3
    b.reset()
    assert b.next_delay() is not None


def test_zero_max_attempts_never_retries() -> None:
    assert Backoff(ReconnectPolicy(max_attempts=0)).next_delay() is None


def test_a_restored_connection_resets_the_attempts() -> None:
    b = Backoff(POLICY, random.Random(0))
    for _ in range(4):
        b.next_delay()
    b.connected(100.0)  # came up and restored its subscriptions
    assert b.attempts == 0
    b.disconnected(160.0)  # up exactly reset_after
    assert (b.attempts, b.short_lived) == (0, 0)
    assert b.bounds(b.attempts) == (0.0, 0.5)


def test_early_drops_of_restored_connections_raise_the_cap_one_step() -> None:
    b = Backoff(POLICY, random.Random(0))
    caps = []
    for n in range(6):
        b.connected(100.0 * n)
        b.disconnected(100.0 * n + 3.0)  # restored, then dropped after 3 s
        caps.append(b.bounds(b.attempts + min(b.short_lived, b.short_lived_steps))[1])
        delay = b.next_delay()
        assert delay is not None and delay <= caps[-1]
    assert caps == [1.0] * 6  # initial_delay 0.5, one step up
    # Failed attempts in between still grow the cap from there...
    assert b.bounds(1 + 1)[1] == 2.0
    # ...and one connection that stays up reset_after seconds clears the early drops.
    b.connected(1000.0)
    b.disconnected(1060.0)
    assert (b.attempts, b.short_lived) == (0, 0)


def test_short_lived_connections_keep_delays_low_on_a_fake_clock() -> None:
    """The 60 s fault run's schedule on a fake clock: a server that drops every
    connection about 3 s after it is restored. Before, attempts accumulated across these
    connections (0.7, 0.7, 0.1, 4.1, 5.5, then 26.9 s); now every delay stays under
    ``initial_delay * multiplier``: shorter than the time to the next drop, so every
    reconnect is restored before it."""
    policy = ReconnectPolicy(initial_delay=1.0, multiplier=2.0, max_delay=30.0, reset_after=60.0)
    for seed in range(50):
        b = Backoff(policy, random.Random(seed))
        now, worst = 0.0, 0.0
        for _ in range(40):
            b.connected(now)
            now += 3.0  # restored, then dropped
            b.disconnected(now)
            delay = b.next_delay()
            assert delay is not None
            worst = max(worst, delay)
            now += delay + 0.05  # the delay, then open + login + resubscribe
        assert worst <= 2.0
        assert b.attempts == 1
        assert repr(b) == "<Backoff attempts=1 short_lived=40>"  # every early drop counted


def test_failed_attempts_still_back_off_exponentially() -> None:
    b = Backoff(POLICY, random.Random(0))
    b.connected(0.0)
    b.disconnected(1.0)  # one early drop
    caps = []
    for _ in range(6):  # then the server refuses every attempt
        caps.append(b.bounds(b.attempts + min(b.short_lived, b.short_lived_steps))[1])
        b.next_delay()
    assert caps == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_max_attempts_counts_attempts_since_the_last_restored_connection() -> None:
    b = Backoff(dataclasses.replace(POLICY, max_attempts=2), random.Random(0))
    assert b.next_delay() is not None and b.next_delay() is not None
    assert b.next_delay() is None
    b.connected(10.0)
    b.disconnected(11.0)
    assert b.next_delay() is not None


def test_reset_forgets_early_drops() -> None:
    b = Backoff(POLICY, random.Random(0))
    b.connected(0.0)
    b.disconnected(1.0)
    b.next_delay()
    b.reset()
    assert (b.attempts, b.short_lived) == (0, 0)
    assert "short_lived=0" in repr(b)


def test_disconnected_without_connected_keeps_attempts() -> None:
    b = Backoff(POLICY)
    b.next_delay()
    b.disconnected(1e9)
    assert b.attempts == 1


def test_default_close_code_table() -> None:
    policy = ReconnectPolicy()
    for code in (1000, 1001, 1006, 1011, 1012, 1014):
        assert classify_close(code, policy) == "retry"
    assert classify_close(1013, policy) == "rate_limited"  # try again later
    for code in (1002, 1003, 1007, 1008, 1009, 1010, 1015):
        assert classify_close(code, policy) == "fatal"
    assert classify_close(4321, policy) == "retry"  # unknown application code
    assert classify_close(None, policy) == "retry"  # no close frame (TCP reset)
    with pytest.raises(TypeError):
        DEFAULT_CLOSE_CODES[1000] = "fatal"  # type: ignore[index]


def test_spec_close_codes_win() -> None:
    policy = ReconnectPolicy(
        close_codes={4004: "fatal", 1008: "retry", 4009: "reauth", 4029: "rate_limited"}
    )
    assert classify_close(4004, policy) == "fatal"
    assert classify_close(4029, policy) == "rate_limited"
    assert classify_close(1008, policy) == "retry"
    assert classify_close(4009, policy) == "reauth"
    assert classify_close(1002, policy) == "fatal"
    assert classify_close(None, policy) == "retry"


def test_reset_starts_over_from_the_first_delay_and_forgets_the_connection() -> None:
    b = Backoff(POLICY, rng=random.Random(1))
    for _ in range(3):
        b.next_delay()
    b.connected(0.0)
    b.reset()
    assert b.attempts == 0 and b.bounds(b.attempts) == (0.0, 0.5)
    b.next_delay()
    b.disconnected(1000.0)  # no connection since the reset: nothing to call stable
    assert b.attempts == 1


def test_a_second_disconnect_without_a_connection_changes_nothing() -> None:
    b = Backoff(POLICY, rng=random.Random(1))
    b.connected(0.0)
    b.disconnected(100.0)  # stable for 100 s >= reset_after: attempts start over
    assert b.attempts == 0
    b.next_delay()
    b.disconnected(500.0)
    assert b.attempts == 1 and repr(b) == "<Backoff attempts=1 short_lived=0>"


def test_the_given_random_source_draws_the_delays() -> None:
    b = Backoff(POLICY, rng=random.Random(7))
    reference = random.Random(7)
    assert [b.next_delay() for _ in range(3)] == [reference.uniform(0.0, cap) for cap in (0.5, 1.0, 2.0)]


def test_after_an_early_drop_the_first_delay_is_drawn_one_step_up() -> None:
    b = Backoff(POLICY, random.Random(7))
    b.connected(0.0)
    b.disconnected(1.0)  # restored, then dropped early
    expected = random.Random(7).uniform(*b.bounds(1))
    assert b.next_delay() == expected
