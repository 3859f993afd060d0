"""Telemetry benchmark: what ``InMemoryMetrics.emit`` costs per event, against a baseline.

Sinks run on the event loop for every request and frame, so ``emit`` must stay cheap. The
baseline is the same work written directly for the one event kind measured, a completed
request: under a lock (the sink is read from other threads), the count by kind and by
``method:ok`` key, the bounded window of recent events, and the overall and per-method
latency windows; what it skips is only ``emit``'s dispatch on the event's type. Both run in this same process, alternating, R rounds of N
events each; it prints the median and min-max cost per event and the ratio emit/baseline (ratios, not
absolutes, are meaningful on a shared machine).

    python bench/telemetry.py [N] [ROUNDS]
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from collections import Counter, deque

from nova_runtime.telemetry import InMemoryMetrics, RequestCompleted

EVENT = RequestCompleted(api="deribit", method="public/get_time", latency=0.01, ok=True)


def baseline(n: int) -> float:
    counts: Counter[str] = Counter()
    keyed: Counter[tuple[str, str]] = Counter()
    recent: deque[RequestCompleted] = deque(maxlen=100)
    latency: deque[float] = deque(maxlen=10_000)
    by_method: dict[str, deque[float]] = {}
    lock = threading.Lock()
    start = time.perf_counter()
    for _ in range(n):
        event = EVENT
        with lock:
            counts[event.name] += 1
            recent.append(event)
            latency.append(event.latency)
            per = by_method.get(event.method)
            if per is None:
                per = by_method[event.method] = deque(maxlen=10_000)
            per.append(event.latency)
            keyed[event.name, f"{event.method}:{'ok' if event.ok else 'error'}"] += 1
    return (time.perf_counter() - start) / n


def emit(n: int) -> float:
    metrics = InMemoryMetrics()
    start = time.perf_counter()
    for _ in range(n):
        metrics.emit(EVENT)
    return (time.perf_counter() - start) / n


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    costs: dict[str, list[float]] = {"baseline": [], "emit": []}
    for r in range(rounds):
        for name, run in (("baseline", baseline), ("emit", emit)):
            costs[name].append(run(n))
            print(f"round {r + 1}/{rounds} {name:>8}: {costs[name][-1] * 1e9:>8,.0f} ns/event")
    base, ours = statistics.median(costs["baseline"]), statistics.median(costs["emit"])
    print(f"N={n}, median of {rounds} rounds")
    for label, name in (
        ("baseline (same work, by hand)", "baseline"),
        ("InMemoryMetrics.emit", "emit"),
    ):
        low, high = min(costs[name]), max(costs[name])
        median = statistics.median(costs[name])
        print(
            f"{label:<35} median {median * 1e9:>8,.0f} ns/event (min-max {low * 1e9:,.0f}-{high * 1e9:,.0f})"
        )
    print(f"ratio emit/baseline: {ours / base:.2f}")


if __name__ == "__main__":
    main()
