"""Shared by the fuzz tests (marked `fuzz`): how many examples each runs, and a record
of every input's time, so the run reports its slowest inputs instead of asserting on time.

    DELTAGRAD_FUZZ=full   10,000 examples a target (`make fuzz`)
    (unset)               REDUCED examples a target (`make test`, a plain pytest run)

The summary at the end of a run (tests/conftest.py) lists, per target, how many inputs
ran and the slowest of them.
"""

from __future__ import annotations

import heapq
import os
import time
from contextlib import contextmanager

from hypothesis import HealthCheck, settings

FULL = os.environ.get("DELTAGRAD_FUZZ", "").lower() == "full"
EXAMPLES = 10_000 if FULL else 150
SLOWEST_KEPT = 3


def fuzz_settings(examples: int | None = None) -> settings:
    """Hypothesis settings of a fuzz target: EXAMPLES examples, no deadline (the times are
    recorded, not asserted), no example database (a fuzz run starts fresh)."""
    return settings(max_examples=examples or EXAMPLES, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


class _Target:
    def __init__(self):
        self.count = 0
        self.total = 0.0
        self.slowest: list[tuple[float, int, str]] = []  # a min-heap of the SLOWEST_KEPT slowest

    def add(self, seconds: float, shown: str) -> None:
        self.count += 1
        self.total += seconds
        item = (seconds, self.count, shown)
        if len(self.slowest) < SLOWEST_KEPT:
            heapq.heappush(self.slowest, item)
        elif seconds > self.slowest[0][0]:
            heapq.heapreplace(self.slowest, item)


TARGETS: dict[str, _Target] = {}


@contextmanager
def timed(target: str, example):
    """Time one input of `target` (exceptions pass through; the time is kept either way)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        shown = repr(example)
        shown = shown if len(shown) <= 100 else shown[:97] + "..."
        TARGETS.setdefault(target, _Target()).add(time.perf_counter() - started, shown)


def report() -> list[str]:
    """Lines for the end of the run: per target, the count, the mean and the slowest inputs."""
    lines = []
    for name, t in sorted(TARGETS.items()):
        mean = t.total / t.count if t.count else 0.0
        lines.append(f"{name}: {t.count} inputs, mean {mean * 1e3:.2f} ms, slowest:")
        for seconds, _, shown in sorted(t.slowest, reverse=True):
            lines.append(f"    {seconds * 1e3:8.1f} ms  {shown}")
    return lines
