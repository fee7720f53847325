"""Exact at the edges: each case its own test, the expected numbers from high-precision
arithmetic (mpmath, 50 digits) where float64 formulas and PyTorch can disagree."""

from __future__ import annotations

import math

import pytest

from autograd import Value, rules

mpmath = pytest.importorskip("mpmath", reason="mpmath gives the high-precision reference (pip install mpmath)")
mpmath.mp.dps = 50

from support import needs_torch, torch


def rel_err(x: float, exact) -> float:
    exact = mpmath.mpf(exact)
    return float(abs(mpmath.mpf(x) - exact) / abs(exact))


# -- division: −a/b² computed as −(a/b)/b -------------------------------------
def test_tiny_over_tiny_is_one_with_gradients_plus_minus_1e200():
    a, b = Value(1e-200, "a"), Value(1e-200, "b")
    out = a / b  # b² underflows to 0: the old −a/b² raised ZeroDivisionError here
    out.backward()
    assert out.data == 1.0
    assert a.grad == pytest.approx(1e200, rel=1e-15)
    assert b.grad == pytest.approx(-1e200, rel=1e-15)


def test_division_gradient_of_the_divisor_is_exact_when_b_squared_underflows():
    a, b = Value(1e-300), Value(1e-160)
    (a / b).backward()
    exact = -mpmath.mpf(1e-300) / mpmath.mpf(1e-160) ** 2  # −1e20 (of the floats' exact values)
    assert rel_err(b.grad, exact) < 1e-15


def test_division_of_huge_numbers_keeps_the_tiny_gradient():
    a, b = Value(1e160), Value(1e160)
    (a / b).backward()  # b² overflows: the old formula gave −a/inf = −0
    assert b.grad != 0.0
    assert rel_err(b.grad, -mpmath.mpf(1e160) / mpmath.mpf(1e160) ** 2) < 1e-15
    assert b.grad == pytest.approx(-1e-160, rel=1e-15)


def test_number_over_a_value_uses_the_same_stable_form():
    x = Value(1e-200)
    out = 1e-200 / x  # the folded form "c/": −c/a² as −(c/a)/a
    out.backward()
    assert out.data == 1.0 and x.grad == pytest.approx(-1e200, rel=1e-15)


# -- elu through expm1 -------------------------------------------------------------
@pytest.mark.parametrize("x", [-1e-100, -1e-20, -1e-9, -3e-5])
def test_elu_of_a_tiny_negative_input_is_exact(x):
    out = Value(x).elu()  # α(e^x − 1) cancels to 0 in floats; α·expm1(x) does not
    assert out.data != 0.0
    assert rel_err(out.data, mpmath.expm1(x)) < 1e-15
    assert Value(-1e-100).elu().data == -1e-100


# -- 0 ** Value(b) ----------------------------------------------------------------------
@pytest.mark.parametrize("b", [0.5, 1.0, 2.5])
def test_zero_to_a_positive_value_power_is_zero_with_pytorchs_gradient(b):
    x = Value(b)
    out = 0.0**x
    out.backward()
    assert out.data == 0.0 and x.grad == 0.0
    if torch is not None:
        t = torch.tensor(b, dtype=torch.float64, requires_grad=True)
        t_out = torch.pow(0.0, t)
        t_out.backward()
        assert (t_out.item(), t.grad.item()) == (out.data, x.grad)


def test_zero_to_the_zero_value_power_is_one_and_to_a_negative_one_is_refused():
    x = Value(0.0)
    out = 0**x
    out.backward()
    assert out.data == 1.0 and x.grad == 0.0
    with pytest.raises(ZeroDivisionError, match="negative power"):
        0 ** Value(-1.0)


@needs_torch
def test_a_zero_value_base_with_a_value_exponent_follows_pytorch():
    a, b = Value(0.0), Value(2.0)
    out = a**b
    out.backward()
    ta = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    t_out = ta**tb
    t_out.backward()
    assert (out.data, a.grad, b.grad) == (t_out.item(), ta.grad.item(), tb.grad.item())


# -- backward never leaves a silent nan or inf --------------------------------------
def test_backward_raises_when_a_local_derivative_is_infinite():
    x = Value(1e-160, "x")
    y = (1 / x) * 0  # ∂(1/x)/∂x = −1e320 = −inf; times δ = 0 would leave x.grad = nan
    with pytest.raises(OverflowError) as info:
        y.backward()
    message = str(info.value)
    assert "'x'" in message and "'1/'" in message and "1e-160" in message


def test_backward_raises_when_a_delta_overflows_and_names_the_node():
    x = Value(1e-300, "x")
    y = x * 1e300
    y.label = "y"
    z = y * 1e300  # forward: 1e300, fine; backward: δ_x = 1e300·1e300 = inf
    with pytest.raises(OverflowError) as info:
        z.backward()
    message = str(info.value)
    assert "'x'" in message and "'*1e+300'" in message and "node 'y'" in message


def test_backward_with_finite_but_huge_gradients_does_not_raise():
    xs = [Value(1e-300) for _ in range(3)]
    out = Value.sum([x * 1e308 for x in xs])  # each δ_x is 1e308: finite, though their sum is not
    out.backward()
    assert all(x.grad == 1e308 for x in xs)


# -- high-precision checks of the inverse functions near their edges ------------------
@pytest.mark.parametrize("name, x, exact", [
    ("asin", 1 - 2**-40, lambda x: 1 / mpmath.sqrt(1 - x * x)),
    ("acos", -1 + 2**-40, lambda x: -1 / mpmath.sqrt(1 - x * x)),
    ("atanh", 1 - 2**-40, lambda x: 1 / (1 - x * x)),
    ("acosh", 1 + 2**-40, lambda x: 1 / mpmath.sqrt(x * x - 1)),
    ("asinh", 1e200, lambda x: 1 / mpmath.sqrt(x * x + 1)),
    ("cbrt", 1e-310, lambda x: 1 / (3 * mpmath.cbrt(x) ** 2)),
    ("log1p", -1 + 2**-40, lambda x: 1 / (1 + x)),
    ("expm1", 1e-300, lambda x: mpmath.exp(x)),
])
def test_derivatives_near_the_edges_agree_with_mpmath(name, x, exact):
    node = getattr(Value(x), name)()
    assert rel_err(node.local_grads[0], exact(mpmath.mpf(x))) < 1e-12, name


def test_atan2_and_hypot_of_huge_coordinates_do_not_overflow():
    y, x = Value(1e200), Value(3e200)
    angle, r = y.atan2(x), y.hypot(x)
    mx, my = mpmath.mpf(3e200), mpmath.mpf(1e200)
    assert rel_err(angle.local_grads[0], mx / (mx**2 + my**2)) < 1e-14
    assert rel_err(angle.local_grads[1], -my / (mx**2 + my**2)) < 1e-14
    assert rel_err(r.local_grads[0], my / mpmath.sqrt(mx**2 + my**2)) < 1e-14


# -- kinks and ties: the documented choices ---------------------------------------
def test_maximum_and_minimum_split_the_gradient_at_a_tie_as_pytorch():
    a, b = Value(1.5), Value(1.5)
    assert a.maximum(b).local_grads == (0.5, 0.5)
    assert a.minimum(b).local_grads == (0.5, 0.5)
    assert "½ at a tie" in rules.RULES["maximum"].derivatives[0]


def test_abs_sign_and_clamp_at_their_kinks_follow_pytorch():
    assert Value(0.0).abs().local_grads == (0.0,)
    assert Value(0.0).sign().data == 0.0 and Value(-3.0).sign().local_grads == (0.0,)
    assert Value(2.0).clamp(-1, 2).local_grads == (1.0,)  # ends included
    assert Value(-1.0).clamp(-1, 2).local_grads == (1.0,)
    assert Value(2.5).clamp(-1, 2).local_grads == (0.0,)


def test_mod_follows_pythons_floor_mod():
    a, b = Value(-7.5), Value(2.0)
    out = a % b
    assert out.data == -7.5 % 2.0 == 0.5
    assert out.local_grads == (1.0, 4.0)  # ∂/∂b = −⌊−7.5/2⌋ = 4
    assert (7 % Value(3.0)).data == 1.0 and (Value(7.0) % 3).data == 1.0


@pytest.mark.parametrize("make, error, words", [
    (lambda: Value(0.0).sqrt(), ValueError, ["sqrt", "infinite"]),
    (lambda: Value(-1.0).sqrt(), ValueError, ["sqrt", "≥ 0"]),
    (lambda: Value(1.0).asin(), ValueError, ["asin", "infinite"]),
    (lambda: Value(1.5).acos(), ValueError, ["acos", "−1 ≤ a ≤ 1"]),
    (lambda: Value(1.0).atanh(), ValueError, ["atanh"]),
    (lambda: Value(0.5).acosh(), ValueError, ["acosh", "a ≥ 1"]),
    (lambda: Value(0.0).log2(), ValueError, ["log2", "positive"]),
    (lambda: Value(-1.0).log1p(), ValueError, ["log1p"]),
    (lambda: Value(0.0).atan2(Value(0.0)), ValueError, ["atan2"]),
    (lambda: Value(0.0).hypot(0.0), ValueError, ["hypot"]),
    (lambda: Value(1.0) % 0, ZeroDivisionError, ["%", "modulo by zero"]),
    (lambda: Value(1.0).clamp(2, 1), ValueError, ["clamp", "lo ≤ hi"]),
    (lambda: Value(800.0).sinh(), OverflowError, ["sinh"]),
    (lambda: Value(1.5e308).hypot(1.5e308), OverflowError, ["hypot", "too large"]),
])
def test_domain_errors_of_the_new_ops_name_the_op(make, error, words):
    with pytest.raises(error) as info:
        make()
    for word in words:
        assert word in str(info.value), (word, str(info.value))
