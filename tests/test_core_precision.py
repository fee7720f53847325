"""Local derivatives are the true derivative to 1e-12 relative wherever it is a normal
float, checked against mpmath (50 digits) on the ranges where the textbook formulas lose
their digits: tanh′ = 1 − tanh² past |a| ≈ 4, σ′ = σ(1 − σ) past a ≈ 3, acosh′ past
a = 1.34e154, hypot′ at subnormal inputs, and a^b at b = 0."""

from __future__ import annotations

import sys

import pytest
from hypothesis import example, given, strategies as st

from autograd import Value, ops

mpmath = pytest.importorskip("mpmath", reason="mpmath gives the high-precision reference (pip install mpmath)")
mpmath.mp.dps = 50

NORMAL = sys.float_info.min  # 2.2e-308: below it a float keeps fewer than 53 bits
RTOL = 1e-12


def rel_err(x: float, exact) -> float:
    return float(abs(mpmath.mpf(x) - exact) / abs(exact))


def representable(exact) -> bool:
    return NORMAL <= abs(exact) <= sys.float_info.max


def grads(make, *xs):
    """The gradients backward() gives each leaf of make(*leaves)."""
    leaves = [Value(x) for x in xs]
    make(*leaves).backward()
    return [leaf.grad for leaf in leaves]


def d_agrees_with_fn(make, *xs):
    """The row's d on floats is bit for bit the node's stored derivatives (as for every row)."""
    node = make(*[Value(x) for x in xs])
    rule, constants = ops.parse_op(node.op)
    return rule.d(*[p.data for p in node.parents], *constants, node.data) == node.local_grads


@example(15.0)
@example(19.0)
@example(20.0)
@example(-20.5)
@example(37.0)
@example(354.0)
@example(2.9999)
@example(3.0)
@given(st.floats(-360.0, 360.0))
def test_tanh_derivative(a):
    exact = mpmath.sech(mpmath.mpf(a)) ** 2
    [g] = grads(lambda x: x.tanh(), a)
    if representable(exact):
        assert rel_err(g, exact) < RTOL, (a, g, exact)
    assert d_agrees_with_fn(lambda x: x.tanh(), a)


def test_tanh_derivative_far_out_is_zero_only_where_the_truth_underflows():
    assert grads(lambda x: x.tanh(), 1000.0) == [0.0]  # true 4e^(−2000): far below every float
    assert grads(lambda x: x.tanh(), -19.0)[0] == pytest.approx(float(mpmath.sech(19) ** 2), rel=RTOL)


@example(37.0)
@example(2.0)
@example(-40.0)
@example(700.0)
@given(st.floats(-708.0, 708.0))
def test_sigmoid_derivative(a):
    x = mpmath.mpf(a)
    exact = 1 / (1 + mpmath.exp(-x)) / (1 + mpmath.exp(x))  # σ(a)σ(−a): 1 − σ would cancel even in 50 digits
    [g] = grads(lambda x: x.sigmoid(), a)
    if representable(exact):
        assert rel_err(g, exact) < RTOL, (a, g, exact)
    assert d_agrees_with_fn(lambda x: x.sigmoid(), a)


@example(1.34e154)
@example(1e300)
@example(1.7976931348623157e308)
@example(1.0000000000000002)
@given(st.one_of(st.floats(1.0, 1e10, exclude_min=True), st.floats(1e150, 1.7e308)))
def test_acosh_derivative(a):
    x = mpmath.mpf(a)
    exact = 1 / mpmath.sqrt(x * x - 1)
    [g] = grads(lambda v: v.acosh(), a)
    assert rel_err(g, exact) < RTOL, (a, g, exact)
    assert d_agrees_with_fn(lambda v: v.acosh(), a)


subnormal = st.floats(-NORMAL, NORMAL, allow_subnormal=True)


@example((5e-324, 5e-324))
@example((3e-320, -4e-320))
@example((1e-310, 0.0))
@example((3.0, 4.0))
@given(st.one_of(st.tuples(subnormal, subnormal), st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6))))
def test_hypot_derivative(xy):
    x, y = xy
    if x == 0.0 and y == 0.0:
        return  # the cone's tip: a DomainError, tested in test_core_ops_edges
    r = mpmath.sqrt(mpmath.mpf(x) ** 2 + mpmath.mpf(y) ** 2)
    gx, gy = grads(lambda a, b: a.hypot(b), x, y)
    for g, exact in ((gx, mpmath.mpf(x) / r), (gy, mpmath.mpf(y) / r)):
        if representable(exact):
            assert rel_err(g, exact) < RTOL, (x, y, g, exact)
        elif exact == 0:
            assert g == 0.0
    assert d_agrees_with_fn(lambda a, b: a.hypot(b), x, y)


def test_the_smallest_float_to_the_power_zero():
    a, b = Value(5e-324), Value(0.0)
    out = a ** b  # a^(b−1) = (5e-324)^(−1) overflows; b·a^(b−1) = 0 does not
    out.backward()
    assert out.data == 1.0 and a.grad == 0.0
    assert rel_err(b.grad, mpmath.log(mpmath.mpf(5e-324))) < RTOL


@pytest.mark.parametrize("a,b", [(5e-324, 1e-20), (1e-310, 1e-10), (1e-300, -1e-5)])
def test_power_slope_when_a_to_the_b_minus_one_alone_overflows(a, b):
    [ga, _] = grads(lambda x, y: x ** y, a, b)
    exact = mpmath.mpf(b) * mpmath.mpf(a) ** (mpmath.mpf(b) - 1)
    assert rel_err(ga, exact) < RTOL, (ga, exact)


def test_power_slope_out_of_range_still_raises():
    assert grads(lambda x, y: x ** y, 5e-324, 0.5)[0] == pytest.approx(0.5 / 5e-324 ** 0.5, rel=RTOL)
    with pytest.raises(OverflowError):  # −0.5·(5e-324)^(−1.5) ≈ −1e485: past every float
        Value(5e-324) ** Value(-0.5)


@pytest.mark.parametrize("a,c", [(5e-324, 1e-20), (1e-310, 1e-10), (5e-324, 0.0), (-2.0, 3.0), (1e-300, -1e-5)])
def test_constant_exponent_slope_where_a_to_the_c_minus_one_alone_overflows(a, c):
    x = Value(a)
    (x ** c).backward()
    exact = mpmath.mpf(c) * mpmath.mpf(a) ** (mpmath.mpf(c) - 1) if c != 0.0 else mpmath.mpf(0)
    assert (x.grad == 0.0 if exact == 0 else rel_err(x.grad, exact) < RTOL), (x.grad, exact)
    assert d_agrees_with_fn(lambda v: v ** c, a)


# -- the promise for every one-parent function of the table --------------------------------
M = mpmath
TRUE_DERIVATIVE = {
    "exp": M.exp, "exp2": lambda a: M.power(2, a) * M.log(2), "expm1": M.exp,
    "log": lambda a: 1 / a, "log2": lambda a: 1 / (a * M.log(2)), "log10": lambda a: 1 / (a * M.log(10)),
    "log1p": lambda a: 1 / (1 + a), "sqrt": lambda a: 1 / (2 * M.sqrt(a)), "cbrt": lambda a: 1 / (3 * M.cbrt(abs(a)) ** 2),
    "sin": M.cos, "cos": lambda a: -M.sin(a), "tan": lambda a: M.sec(a) ** 2,
    "asin": lambda a: 1 / M.sqrt(1 - a * a), "acos": lambda a: -1 / M.sqrt(1 - a * a), "atan": lambda a: 1 / (1 + a * a),
    "sinh": M.cosh, "cosh": M.sinh, "tanh": lambda a: M.sech(a) ** 2, "asinh": lambda a: 1 / M.sqrt(a * a + 1),
    "acosh": lambda a: 1 / M.sqrt(a * a - 1), "atanh": lambda a: 1 / (1 - a * a),
    "sigmoid": lambda a: 1 / (1 + M.exp(-a)) / (1 + M.exp(a)), "softplus": lambda a: 1 / (1 + M.exp(-a)),
    "elu": lambda a: M.exp(a) if a < 0 else M.mpf(1),
}
ANYWHERE = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.floats(-60.0, 60.0), st.floats(-1.0, 1.0),
                     st.floats(1.0, 1.000001))


@pytest.mark.parametrize("name", sorted(TRUE_DERIVATIVE))
@given(a=ANYWHERE)
def test_every_function_of_the_table_has_the_true_derivative(name, a):
    try:
        node = getattr(Value(a), name)()
    except (ValueError, OverflowError, ZeroDivisionError):
        return  # outside the domain: an error, tested in test_core_ops_edges
    exact = TRUE_DERIVATIVE[name](mpmath.mpf(a))
    if representable(exact):
        assert rel_err(node.local_grads[0], exact) < RTOL, (name, a, node.local_grads[0], exact)
