"""The careful float arithmetic behind the rows of the derivative table (autograd/rules.py):
domain checks, and the forms that stay exact where the textbook formula cancels or
overflows. Each float rule `<op>_fn(*parent_floats, *constants)` returns
(value, local derivatives); each `<op>_d` is the row's derivative written once for floats
and Values; `exp`, `log`, `sigmoid`, ... take a float (giving a float) or a Value (a node).
"""

from __future__ import annotations

import math
from typing import Callable


class DomainError(ValueError):
    """An operation was applied outside the set of numbers where it is defined."""


# ---------------------------------------------------------------------------
# The float rules that need more than one line (domain checks, stable forms).
# The rest are lambdas in the table.
# ---------------------------------------------------------------------------
ONE_ONE = (1.0, 1.0)  # shared: every + node reuses this tuple


def div(a: float, b: float):
    if b == 0.0:
        raise ZeroDivisionError("division by zero")
    out = a / b
    # −a/b² computed as −(a/b)/b: b² under- or overflows long before a/b does
    return out, (1.0 / b, -out / b)


def power(a: float, b: float):
    """a^b with both a and b variables: ∂/∂b = a^b·ln a needs a > 0 (or a = 0, b > 0)."""
    if a == 0.0 and b > 0.0:
        # 0^b = 0; ∂/∂b → 0 as a → 0⁺ (PyTorch's value); ∂/∂a = b·0^(b−1)
        if b < 1.0:
            raise DomainError(f"the derivative b·a^(b−1) of a^{b} is infinite at a = 0")
        return 0.0, (b * 0.0 ** (b - 1.0), 0.0)
    if a <= 0.0:
        raise DomainError(
            "a Value exponent needs a positive base, since ∂(a^b)/∂b = a^b·ln a "
            "(use a plain number as the exponent for a negative or zero base)"
        )
    out = a**b
    return out, (_power_slope(a, b), out * math.log(a))


def _power_slope(a: float, b: float) -> float:
    """∂(a^b)/∂a = b·a^(b−1) (of a Value or a constant exponent): 0 at b = 0 (a^0 = 1 is flat),
    and for a > 0 through logarithms where a^(b−1) alone overflows but the product does not
    (a = 5e-324, b = 1e-20)."""
    if b == 0.0:
        return 0.0
    try:
        return b * a ** (b - 1.0)
    except OverflowError:
        if a <= 0.0:
            raise
        # raises OverflowError itself if b·a^(b−1) is out of range too
        return math.copysign(math.exp(math.log(abs(b)) + (b - 1.0) * math.log(a)), b)


def power_const(a: float, c: float):
    """a^c for a constant exponent c."""
    if a == 0.0 and c < 0.0:
        raise ZeroDivisionError("zero to a negative power")
    if a < 0.0 and not float(c).is_integer():
        raise DomainError("a negative base with a non-integer exponent is not a real number")
    if a == 0.0 and 0.0 < c < 1.0:
        raise DomainError(f"the derivative c·a^(c−1) of a^{c} is infinite at a = 0")
    out = a**c
    return out, (_power_slope(a, c),)


def const_power(a: float, c: float):
    """c^a for a constant base c ≥ 0 (the variable a is the exponent)."""
    if c == 0.0:
        # 0^a: 0 for a > 0, 1 at a = 0; ∂/∂a = 0 there, as PyTorch (c^a·ln c → 0)
        if a < 0.0:
            raise ZeroDivisionError("zero to a negative power")
        return (0.0 if a > 0.0 else 1.0), (0.0,)
    if c < 0.0:
        raise DomainError("number ** Value needs a positive base (or 0), since ∂(c^a)/∂a = c^a·ln c")
    out = c**a
    return out, (out * math.log(c),)


def div_const(a: float, c: float):
    if c == 0.0:
        raise ZeroDivisionError("division by zero")
    return a / c, (1.0 / c,)


def const_div(a: float, c: float):
    if a == 0.0:
        raise ZeroDivisionError("division by zero")
    out = c / a
    return out, (-out / a,)  # −c/a² as −(c/a)/a, as for a / b


def exp_fn(a: float):
    out = math.exp(a)  # raises OverflowError past a ≈ 709.78
    return out, (out,)


def log_fn(a: float):
    if a <= 0.0:
        raise DomainError("log is only defined for positive numbers")
    return math.log(a), (1.0 / a,)


def tanh_fn(a: float):
    t = math.tanh(a)  # math.tanh is already stable: tanh(±1000) = ±1
    if -4.0 <= a <= 4.0:
        return t, (1.0 - t * t,)  # the lectures' h'(a) = 1 − z²: within 4e-13 of the truth here
    # Past |a| = 4, 1 − t² cancels (77 % off at a = 19, 0 from 20 on): 1/cosh²(a) keeps the
    # digits, and 4e^(−2|a|) past |a| = 20, where it equals 1/cosh²(a) to 1e-17 and cosh overflows later.
    if a > 20.0 or a < -20.0:
        return t, (4.0 * math.exp(-2.0 * abs(a)),)
    s = 1.0 / math.cosh(a)
    return t, (s * s,)


def sigmoid_value(a: float) -> float:
    # σ(a) = 1/(1 + e^(−a)) overflows for a ≪ 0; use e^a/(1 + e^a) there instead.
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def sigmoid_fn(a: float):
    s = sigmoid_value(a)
    # σ′ = σ(a)(1 − σ(a)); past a = 2, 1 − σ(a) cancels (0 from a = 37 on): σ(a)·σ(−a) is exact
    return s, (s * (1.0 - s) if a < 2.0 else s * sigmoid_value(-a),)


def elu_fn(a: float, alpha: float):
    if a > 0.0:
        return a, (1.0,)
    # α(e^a − 1) through expm1: exact for small |a|, where e^a − 1 cancels to 0
    return alpha * math.expm1(a), (alpha * math.exp(a),)


def softplus_fn(a: float):
    # ln(1 + e^a) = max(a, 0) + ln(1 + e^(−|a|)): no overflow for large |a|.
    return max(a, 0.0) + math.log1p(math.exp(-abs(a))), (sigmoid_value(a),)


def sign_value(a: float) -> float:
    return 1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0


def _infinite_slope(name: str, where: str):
    return DomainError(f"the derivative of {name} is infinite at {where}")


def sqrt_fn(a: float):
    if a < 0.0:
        raise DomainError("sqrt is only defined for numbers ≥ 0")
    if a == 0.0:
        raise _infinite_slope("sqrt", "a = 0")
    out = math.sqrt(a)
    return out, (0.5 / out,)


def cbrt_value(a: float) -> float:
    if hasattr(math, "cbrt"):  # Python ≥ 3.11
        return math.cbrt(a)
    r = math.copysign(abs(a) ** (1.0 / 3.0), a)
    return r - (r * r * r - a) / (3.0 * r * r)  # one Newton step: correctly rounded in practice


def cbrt_fn(a: float):
    if a == 0.0:
        raise _infinite_slope("cbrt", "a = 0")
    out = cbrt_value(a)
    return out, (1.0 / (3.0 * out) / out,)  # 1/(3·∛a²), without squaring a tiny ∛a


def tan_fn(a: float):
    out = math.tan(a)
    return out, (1.0 + out * out,)


def _unit_interval(name: str, a: float):
    if not -1.0 <= a <= 1.0:
        raise DomainError(f"{name} is only defined for −1 ≤ a ≤ 1")
    if a in (-1.0, 1.0):
        raise _infinite_slope(name, f"a = {a:g}")


def asin_fn(a: float):
    _unit_interval("asin", a)
    return math.asin(a), (1.0 / math.sqrt((1.0 - a) * (1.0 + a)),)  # (1−a)(1+a): exact near ±1


def acos_fn(a: float):
    _unit_interval("acos", a)
    return math.acos(a), (-1.0 / math.sqrt((1.0 - a) * (1.0 + a)),)


def acosh_fn(a: float):
    if a < 1.0:
        raise DomainError("acosh is only defined for a ≥ 1")
    if a == 1.0:
        raise _infinite_slope("acosh", "a = 1")
    # 1/(√(a − 1)·√(a + 1)): (a − 1)(a + 1) overflows past a = 1.34e154, the square roots never do
    return math.acosh(a), (1.0 / math.sqrt(a - 1.0) / math.sqrt(a + 1.0),)


def atanh_fn(a: float):
    if not -1.0 < a < 1.0:
        raise DomainError("atanh is only defined for −1 < a < 1")
    return math.atanh(a), (1.0 / ((1.0 - a) * (1.0 + a)),)


LN2, LN10 = math.log(2.0), math.log(10.0)


def _positive(name: str, a: float):
    if a <= 0.0:
        raise DomainError(f"{name} is only defined for positive numbers")


def log2_fn(a: float):
    _positive("log2", a)
    return math.log2(a), (1.0 / (a * LN2),)


def log10_fn(a: float):
    _positive("log10", a)
    return math.log10(a), (1.0 / (a * LN10),)


def log1p_fn(a: float):
    if a <= -1.0:
        raise DomainError("log1p is only defined for a > −1")
    return math.log1p(a), (1.0 / (1.0 + a),)


def exp2_fn(a: float):
    out = 2.0**a  # raises OverflowError past a = 1024
    return out, (out * LN2,)


def atan2_fn(y: float, x: float):
    if x == 0.0 and y == 0.0:
        raise DomainError("atan2(0, 0) has no derivative (the angle of the origin is undefined)")
    r = math.hypot(x, y)
    # ∂/∂y = x/(x² + y²), ∂/∂x = −y/(x² + y²), divided by r twice: no overflow of x² + y²
    return math.atan2(y, x), (x / r / r, -y / r / r)


_TINY, _UP = 2.0 ** -1000, 2.0 ** 600  # below _TINY a hypot is (nearly) subnormal


def hypot_fn(x: float, y: float):
    if x == 0.0 and y == 0.0:
        raise DomainError("hypot has no derivative at (0, 0) (a cone's tip)")
    r = math.hypot(x, y)
    if r < _TINY:
        # A subnormal r keeps only a few digits (x/r was 41 % off): scale x, y by 2^600 first,
        # which is exact, and divide the scaled numbers (the ratio is the same).
        xs, ys = x * _UP, y * _UP
        rs = math.hypot(xs, ys)
        return r, (xs / rs, ys / rs)
    return r, (x / r, y / r)


def clamp_fn(a: float, lo: float, hi: float):
    if lo > hi:
        raise DomainError(f"clamp needs lo ≤ hi, got lo = {lo:g} > hi = {hi:g}")
    # inside [lo, hi] (ends included, as PyTorch) the slope is 1, outside 0
    return min(max(a, lo), hi), (1.0 if lo <= a <= hi else 0.0,)


def mod_fn(a: float, b: float):
    if b == 0.0:
        raise ZeroDivisionError("modulo by zero")
    # Python's floor-mod: a % b = a − b·⌊a/b⌋, so ∂/∂a = 1, ∂/∂b = −⌊a/b⌋
    return a % b, (1.0, -(a // b))


def sum_fn(*a: float):
    return sum(a, 0.0), (1.0,) * len(a)  # (0.0 to start: an empty sum is a float too)


def wsum_fn(*parents: float):
    w, z, bias = split_wsum(parents)
    total = sum(map(float.__mul__, w, z), 0.0)  # then + the bias
    return (total + bias[0] if bias else total), (*z, *w, *(1.0,) * len(bias))


# sum_fn and wsum_fn as Python source (their rows' `python` column), given the parents'
# source: the same additions in the same order, from sum's start 0.0 (0.0 + (−0.0) is +0.0)
def sum_python(parents: list[str], constants=()) -> tuple[str, list[str]]:
    return " + ".join(["0.0", *parents]), ["1.0"] * len(parents)


def wsum_python(parents: list[str], constants=()) -> tuple[str, list[str]]:
    w, z, bias = split_wsum(parents)
    return " + ".join(["0.0", *[f"{wk} * {zk}" for wk, zk in zip(w, z)], *bias]), [*z, *w, *["1.0"] * len(bias)]


def split_wsum(parents: tuple) -> tuple[tuple, tuple, tuple]:
    """The parents of a "wsum" node as (weights w_1..w_n, inputs z_1..z_n, (b,) or ()):
    the one place that knows their order (a = Σ_k w_k z_k + b)."""
    n = len(parents) // 2
    return parents[:n], parents[n : 2 * n], parents[2 * n :]


def number(x) -> float:
    """A parent as a float: d uses it where a derivative is piecewise constant (⌊a/b⌋)."""
    return x if isinstance(x, (int, float)) else x.data


# The functions `d` is written with, for a float (math's) or a Value (its method):
# one text of each derivative serves both. (They are looked up when d is called.)
def _either(name: str, on_float: Callable) -> Callable:
    return lambda a, *rest: on_float(a, *rest) if isinstance(a, (int, float)) else getattr(a, name)(*rest)


exp, log, sqrt, sin, cos, sinh, cosh = (_either(n, getattr(math, n))
                                        for n in ("exp", "log", "sqrt", "sin", "cos", "sinh", "cosh"))
hypot = _either("hypot", math.hypot)
sign = _either("sign", lambda a: sign_value(a))
sigmoid = _either("sigmoid", lambda a: sigmoid_value(a))


# ---------------------------------------------------------------------------
# Derivatives `d` of the rows that need more than one line
# ---------------------------------------------------------------------------
def atan2_d(y, x, out):
    r = hypot(x, y)
    return x / r / r, -y / r / r


def power_slope_d(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return _power_slope(a, b)
    return b * a ** (b - 1.0) if number(b) != 0.0 else 0.0


def tanh_d(a, out):
    x = number(a)
    if -4.0 <= x <= 4.0:
        return (1.0 - out * out,)
    if x > 20.0:
        return (4.0 * exp(-2.0 * a),)
    if x < -20.0:
        return (4.0 * exp(2.0 * a),)
    s = 1.0 / cosh(a)
    return (s * s,)


def hypot_d(a, b, out):
    if number(out) < _TINY:  # as hypot_fn: scaled by 2^600 first
        a, b = a * _UP, b * _UP
        out = hypot(a, b)
    return a / out, b / out


def wsum_d(*args):
    w, z, bias = split_wsum(args[:-1])
    return (*z, *w, *(1.0,) * len(bias))  # ∂a/∂w_k = z_k, ∂a/∂z_k = w_k, ∂a/∂b = 1
