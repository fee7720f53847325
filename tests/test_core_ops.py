"""Every op: its value against plain-float math, its derivative against central
differences and against PyTorch in float64 (when installed).

One shared table drives all three checks (as minitorch does): each entry gives the
op through the engine, the same op on plain floats, the op in torch, and a domain
shifted away from kinks and overflow.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import Value, gradcheck

from support import needs_torch, torch


def floats(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def away_from(x, points, gap=1e-3):
    return all(abs(x - p) > gap for p in points)


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def softplus(x):
    return math.log1p(math.exp(x))


# name, engine op, float op, torch op, strategy, kinks
UNARY = [
    ("neg", lambda a: -a, lambda a: -a, lambda a: -a, floats(-100, 100), []),
    ("exp", lambda a: a.exp(), math.exp, lambda a: a.exp(), floats(-20, 20), []),
    ("log", lambda a: a.log(), math.log, lambda a: a.log(), floats(1e-2, 100), []),
    ("tanh", lambda a: a.tanh(), math.tanh, lambda a: a.tanh(), floats(-10, 10), []),
    ("sigmoid", lambda a: a.sigmoid(), sigmoid, lambda a: a.sigmoid(), floats(-30, 30), []),
    ("relu", lambda a: a.relu(), lambda a: max(a, 0.0), lambda a: a.relu(), floats(-10, 10), [0]),
    (
        "leaky_relu",
        lambda a: a.leaky_relu(0.1),
        lambda a: a if a > 0 else 0.1 * a,
        lambda a: torch.nn.functional.leaky_relu(a, 0.1),
        floats(-10, 10),
        [0],
    ),
    (
        "elu",
        lambda a: a.elu(0.7),
        lambda a: a if a > 0 else 0.7 * (math.exp(a) - 1),
        lambda a: torch.nn.functional.elu(a, 0.7),
        floats(-10, 10),
        [0],
    ),
    # torch's softplus returns x itself above threshold=20 (off by e^(−x)); lift the
    # threshold so both compute ln(1 + e^x) exactly
    (
        "softplus",
        lambda a: a.softplus(),
        softplus,
        lambda a: torch.nn.functional.softplus(a, threshold=1000.0),
        floats(-30, 30),
        [],
    ),
    ("+c", lambda a: a + 2.5, lambda a: a + 2.5, lambda a: a + 2.5, floats(-100, 100), []),
    ("c+", lambda a: 2.5 + a, lambda a: 2.5 + a, lambda a: 2.5 + a, floats(-100, 100), []),
    ("-c", lambda a: a - 1.5, lambda a: a - 1.5, lambda a: a - 1.5, floats(-100, 100), []),
    ("c-", lambda a: 1.5 - a, lambda a: 1.5 - a, lambda a: 1.5 - a, floats(-100, 100), []),
    ("*c", lambda a: a * -3.0, lambda a: a * -3.0, lambda a: a * -3.0, floats(-100, 100), []),
    ("c*", lambda a: -3.0 * a, lambda a: -3.0 * a, lambda a: -3.0 * a, floats(-100, 100), []),
    ("/c", lambda a: a / 4.0, lambda a: a / 4.0, lambda a: a / 4.0, floats(-100, 100), []),
    ("c/", lambda a: 4.0 / a, lambda a: 4.0 / a, lambda a: 4.0 / a, floats(0.1, 100), []),
    ("c/neg", lambda a: 4.0 / a, lambda a: 4.0 / a, lambda a: 4.0 / a, floats(-100, -0.1), []),
    ("**2", lambda a: a**2, lambda a: a**2, lambda a: a**2, floats(-30, 30), []),
    ("**3", lambda a: a**3, lambda a: a**3, lambda a: a**3, floats(-10, 10), []),
    ("**-1", lambda a: a**-1, lambda a: a**-1, lambda a: a**-1, floats(0.1, 10), []),
    ("**0.5", lambda a: a**0.5, math.sqrt, lambda a: a**0.5, floats(0.01, 100), []),
    ("c**", lambda a: 2.0**a, lambda a: 2.0**a, lambda a: 2.0**a, floats(-20, 20), []),
]

BINARY = [
    ("+", lambda a, b: a + b, lambda a, b: a + b, floats(-100, 100), floats(-100, 100)),
    ("-", lambda a, b: a - b, lambda a, b: a - b, floats(-100, 100), floats(-100, 100)),
    ("*", lambda a, b: a * b, lambda a, b: a * b, floats(-100, 100), floats(-100, 100)),
    ("/", lambda a, b: a / b, lambda a, b: a / b, floats(-100, 100), floats(0.1, 100)),
    ("**", lambda a, b: a**b, lambda a, b: a**b, floats(0.1, 10), floats(-3, 3)),
]


def close(x, y, rtol=1e-6, atol=1e-9):
    return abs(x - y) <= atol + rtol * abs(y)


@pytest.mark.parametrize("name,op,fop,_top,strategy,kinks", UNARY, ids=[u[0] for u in UNARY])
@given(data=st.data())
def test_unary_value_and_derivative(name, op, fop, _top, strategy, kinks, data):
    x = data.draw(strategy)
    assume(away_from(x, kinks))
    assert close(op(Value(x)).data, fop(x), rtol=1e-12, atol=1e-12)
    report = gradcheck(op, [x], eps=1e-6, atol=1e-5, rtol=1e-4)
    assert report.ok, f"{name} at {x}:\n{report}"


@pytest.mark.parametrize("name,op,fop,a_strategy,b_strategy", BINARY, ids=[b[0] for b in BINARY])
@given(data=st.data())
def test_binary_value_and_derivative(name, op, fop, a_strategy, b_strategy, data):
    a, b = data.draw(a_strategy), data.draw(b_strategy)
    assert close(op(Value(a), Value(b)).data, fop(a, b), rtol=1e-12, atol=1e-12)
    report = gradcheck(op, [a, b], eps=1e-6, atol=1e-5, rtol=1e-4)
    assert report.ok, f"{name} at {a}, {b}:\n{report}"


@needs_torch
@pytest.mark.parametrize("name,op,_fop,top,strategy,kinks", UNARY, ids=[u[0] for u in UNARY])
@given(data=st.data())
def test_unary_against_torch(name, op, _fop, top, strategy, kinks, data):
    x = data.draw(strategy)
    assume(away_from(x, kinks))
    v = Value(x)
    out = op(v)
    out.backward()
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    tout = top(t)
    tout.backward()
    assert close(out.data, tout.item(), rtol=1e-12, atol=1e-300)
    assert close(v.grad, t.grad.item(), rtol=1e-10, atol=1e-12), name


@needs_torch
@pytest.mark.parametrize("name,op,_fop,a_strategy,b_strategy", BINARY, ids=[b[0] for b in BINARY])
@given(data=st.data())
def test_binary_against_torch(name, op, _fop, a_strategy, b_strategy, data):
    a, b = data.draw(a_strategy), data.draw(b_strategy)
    va, vb = Value(a), Value(b)
    op(va, vb).backward()
    ta = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    op(ta, tb).backward()
    assert close(va.grad, ta.grad.item(), rtol=1e-10, atol=1e-12)
    assert close(vb.grad, tb.grad.item(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("x", [-1000.0, -50.0, 50.0, 1000.0])
def test_saturating_functions_are_stable_at_large_inputs(x):
    """sigmoid, softplus and tanh never overflow and reach the right limits."""
    big = x > 0
    s, sp, t = Value(x).sigmoid(), Value(x).softplus(), Value(x).tanh()
    assert s.data == pytest.approx(1.0 if big else 0.0, abs=1e-20)
    assert sp.data == pytest.approx(x if big else 0.0, abs=1e-20)
    assert t.data == (1.0 if big else -1.0)
    for node, limit in [(s, 0.0), (t, 0.0), (sp, 1.0 if big else 0.0)]:
        assert node.local_grads[0] == pytest.approx(limit, abs=1e-20)


def test_sigmoid_and_softplus_match_their_definitions_where_those_are_safe():
    for x in [-30.0, -2.0, -1e-3, 0.0, 0.5, 3.0, 30.0]:
        assert Value(x).sigmoid().data == pytest.approx(1 / (1 + math.exp(-x)), rel=1e-14)
        assert Value(x).softplus().data == pytest.approx(math.log(1 + math.exp(x)), rel=1e-12)


def test_sum_and_weighted_sum_derivatives():
    report = gradcheck(lambda a, b, c: Value.sum([a, b * c, 2.0, a]), [1.5, -2.0, 0.25])
    assert report.ok, report
    report = gradcheck(
        lambda w1, w2, z1, z2, b: __import__("autograd").weighted_sum([w1, w2], [z1, z2], b).tanh(),
        [0.3, -0.7, 1.1, 0.4, 0.05],
    )
    assert report.ok, report


def test_relu_family_derivative_at_zero_follows_pytorch():
    """At the kink the engine picks PyTorch's subgradient: relu'(0) = 0, leaky'(0) = slope."""
    assert Value(0.0).relu().local_grads == (0.0,)
    assert Value(0.0).leaky_relu(0.2).local_grads == (0.2,)
    assert Value(0.0).elu(0.5).local_grads == (0.5,)
