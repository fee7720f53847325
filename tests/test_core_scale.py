"""Graphs a million nodes deep or wide: no recursion anywhere, correct gradients."""

from __future__ import annotations

import sys

import pytest

from autograd import Value, topological_order

N = 1_000_000


def test_million_deep_chain():
    assert sys.getrecursionlimit() < N  # the default limit: nothing may recurse
    x = Value(1.0, "x")
    y = x
    for _ in range(N):
        y = y * 1.000001 + 0
    y.backward()
    assert x.grad == pytest.approx(1.000001**N, rel=1e-9)
    assert len(topological_order(y)) == 2 * N + 1
    del y  # freeing a 10⁶-deep chain must not overflow the C stack either


def test_million_wide_sum():
    xs = [Value(float(i % 7), f"x{i}") for i in range(N)]
    s = Value.sum(x * x for x in xs)
    s.backward()
    assert s.data == sum(float(i % 7) ** 2 for i in range(N))
    assert all(x.grad == 2 * x.data for x in xs[:1000])
    assert xs[-1].grad == 2 * xs[-1].data
