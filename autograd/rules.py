"""The derivative table: every operation the engine knows, one row per op.

A row (`Rule`) holds, side by side, what a student would write on the board and
what the engine computes (the fields are described in `Rule`). A node keeps `data`
and `local_grads` exactly as the row's `fn` returned them; `backward()` never calls
a rule again, it multiplies and adds the stored numbers (δ_j = Σ_{k∈↓j} δ_k ∂k/∂j).
`d` gives the same derivatives as expressions: called with Values it builds a graph
that can be differentiated again; called with floats it equals `fn`'s (the tests
check every row). An entry of `d` may be a plain number where the derivative is a
constant (the 1s of a + b). The n-ary ops take their parents as one flat list: "sum"
a_1..a_n, "wsum" w_1..w_n, z_1..z_n, then the bias b if any (`split_wsum`).

Every fn gives the true local derivative to 1e-12 relative wherever it is a normal
float: the board's formula where it keeps its digits, a stable form past that (tanh,
sigmoid, acosh, hypot, a^b; checked against mpmath in tests/test_core_precision.py).

Rules raise `DomainError` (a ValueError), ZeroDivisionError or OverflowError with a
short reason; the engine adds the node and its operands. `autograd.ops` reads a node's
op string ("*2", "clamp(-1,1)"); `autograd.define` adds rows.
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

from autograd.arrays import ARRAY


class DomainError(ValueError):
    """An operation was applied outside the set of numbers where it is defined."""


class Rule(NamedTuple):
    """One op: its formulas as text beside the code that computes them."""

    name: str  # the op name ("tanh", "*", "*c", "leaky_relu", ...)
    expression: str  # the forward formula in terms of a, b (and c for a constant)
    derivatives: tuple[str, ...]  # one formula per parent, in parent order
    fn: Callable = None  # fn(*parent_floats, *constants) -> (value, local_grads)
    d: Callable = None  # d(*parents, *constants, out) -> local grads (floats or Values)
    arity: int | None = 1  # number of parents; None for the n-ary sum and wsum
    params: tuple[str, ...] = ()  # names of the constants, after the parents
    defaults: tuple[float, ...] = ()  # defaults of the last len(defaults) constants
    array: Callable = None  # array(np, *parent_arrays, *constants): fn over a batch (autograd.arrays)


# ---------------------------------------------------------------------------
# The float rules that need more than one line (domain checks, stable forms).
# The rest are lambdas in the table.
# ---------------------------------------------------------------------------
_ONE_ONE = (1.0, 1.0)  # shared: every + node reuses this tuple


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


def _exp(a: float):
    out = math.exp(a)  # raises OverflowError past a ≈ 709.78
    return out, (out,)


def _log(a: float):
    if a <= 0.0:
        raise DomainError("log is only defined for positive numbers")
    return math.log(a), (1.0 / a,)


def _tanh(a: float):
    t = math.tanh(a)  # math.tanh is already stable: tanh(±1000) = ±1
    if -4.0 <= a <= 4.0:
        return t, (1.0 - t * t,)  # the lectures' h'(a) = 1 − z²: within 4e-13 of the truth here
    # Past |a| = 4, 1 − t² cancels (77 % off at a = 19, 0 from 20 on): 1/cosh²(a) keeps the
    # digits, and 4e^(−2|a|) past |a| = 20, where it equals 1/cosh²(a) to 1e-17 and cosh overflows later.
    if a > 20.0 or a < -20.0:
        return t, (4.0 * math.exp(-2.0 * abs(a)),)
    s = 1.0 / math.cosh(a)
    return t, (s * s,)


def _sigmoid_value(a: float) -> float:
    # σ(a) = 1/(1 + e^(−a)) overflows for a ≪ 0; use e^a/(1 + e^a) there instead.
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _sigmoid(a: float):
    s = _sigmoid_value(a)
    # σ′ = σ(a)(1 − σ(a)); past a = 2, 1 − σ(a) cancels (0 from a = 37 on): σ(a)·σ(−a) is exact
    return s, (s * (1.0 - s) if a < 2.0 else s * _sigmoid_value(-a),)


def _elu(a: float, alpha: float):
    if a > 0.0:
        return a, (1.0,)
    # α(e^a − 1) through expm1: exact for small |a|, where e^a − 1 cancels to 0
    return alpha * math.expm1(a), (alpha * math.exp(a),)


def _softplus(a: float):
    # ln(1 + e^a) = max(a, 0) + ln(1 + e^(−|a|)): no overflow for large |a|.
    return max(a, 0.0) + math.log1p(math.exp(-abs(a))), (_sigmoid_value(a),)


def _sign_value(a: float) -> float:
    return 1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0


def _infinite_slope(name: str, where: str):
    return DomainError(f"the derivative of {name} is infinite at {where}")


def _sqrt(a: float):
    if a < 0.0:
        raise DomainError("sqrt is only defined for numbers ≥ 0")
    if a == 0.0:
        raise _infinite_slope("sqrt", "a = 0")
    out = math.sqrt(a)
    return out, (0.5 / out,)


def _cbrt_value(a: float) -> float:
    if hasattr(math, "cbrt"):  # Python ≥ 3.11
        return math.cbrt(a)
    r = math.copysign(abs(a) ** (1.0 / 3.0), a)
    return r - (r * r * r - a) / (3.0 * r * r)  # one Newton step: correctly rounded in practice


def _cbrt(a: float):
    if a == 0.0:
        raise _infinite_slope("cbrt", "a = 0")
    out = _cbrt_value(a)
    return out, (1.0 / (3.0 * out) / out,)  # 1/(3·∛a²), without squaring a tiny ∛a


def _tan(a: float):
    out = math.tan(a)
    return out, (1.0 + out * out,)


def _unit_interval(name: str, a: float):
    if not -1.0 <= a <= 1.0:
        raise DomainError(f"{name} is only defined for −1 ≤ a ≤ 1")
    if a in (-1.0, 1.0):
        raise _infinite_slope(name, f"a = {a:g}")


def _asin(a: float):
    _unit_interval("asin", a)
    return math.asin(a), (1.0 / math.sqrt((1.0 - a) * (1.0 + a)),)  # (1−a)(1+a): exact near ±1


def _acos(a: float):
    _unit_interval("acos", a)
    return math.acos(a), (-1.0 / math.sqrt((1.0 - a) * (1.0 + a)),)


def _acosh(a: float):
    if a < 1.0:
        raise DomainError("acosh is only defined for a ≥ 1")
    if a == 1.0:
        raise _infinite_slope("acosh", "a = 1")
    # 1/(√(a − 1)·√(a + 1)): (a − 1)(a + 1) overflows past a = 1.34e154, the square roots never do
    return math.acosh(a), (1.0 / math.sqrt(a - 1.0) / math.sqrt(a + 1.0),)


def _atanh(a: float):
    if not -1.0 < a < 1.0:
        raise DomainError("atanh is only defined for −1 < a < 1")
    return math.atanh(a), (1.0 / ((1.0 - a) * (1.0 + a)),)


_LN2, _LN10 = math.log(2.0), math.log(10.0)


def _positive(name: str, a: float):
    if a <= 0.0:
        raise DomainError(f"{name} is only defined for positive numbers")


def _log2(a: float):
    _positive("log2", a)
    return math.log2(a), (1.0 / (a * _LN2),)


def _log10(a: float):
    _positive("log10", a)
    return math.log10(a), (1.0 / (a * _LN10),)


def _log1p(a: float):
    if a <= -1.0:
        raise DomainError("log1p is only defined for a > −1")
    return math.log1p(a), (1.0 / (1.0 + a),)


def _exp2(a: float):
    out = 2.0**a  # raises OverflowError past a = 1024
    return out, (out * _LN2,)


def _atan2(y: float, x: float):
    if x == 0.0 and y == 0.0:
        raise DomainError("atan2(0, 0) has no derivative (the angle of the origin is undefined)")
    r = math.hypot(x, y)
    # ∂/∂y = x/(x² + y²), ∂/∂x = −y/(x² + y²), divided by r twice: no overflow of x² + y²
    return math.atan2(y, x), (x / r / r, -y / r / r)


_TINY, _UP = 2.0 ** -1000, 2.0 ** 600  # below _TINY a hypot is (nearly) subnormal


def _hypot(x: float, y: float):
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


def _clamp(a: float, lo: float, hi: float):
    if lo > hi:
        raise DomainError(f"clamp needs lo ≤ hi, got lo = {lo:g} > hi = {hi:g}")
    # inside [lo, hi] (ends included, as PyTorch) the slope is 1, outside 0
    return min(max(a, lo), hi), (1.0 if lo <= a <= hi else 0.0,)


def _mod(a: float, b: float):
    if b == 0.0:
        raise ZeroDivisionError("modulo by zero")
    # Python's floor-mod: a % b = a − b·⌊a/b⌋, so ∂/∂a = 1, ∂/∂b = −⌊a/b⌋
    return a % b, (1.0, -(a // b))


def _sum(*a: float):
    return sum(a), (1.0,) * len(a)


def _wsum(*parents: float):
    w, z, bias = split_wsum(parents)
    total = sum(map(float.__mul__, w, z))  # (+ the bias after: the order Value's weighted_sum adds in)
    return (total + bias[0] if bias else total), (*z, *w, *(1.0,) * len(bias))


def split_wsum(parents: tuple) -> tuple[tuple, tuple, tuple]:
    """The parents of a "wsum" node as (weights w_1..w_n, inputs z_1..z_n, (b,) or ()):
    the one place that knows their order (a = Σ_k w_k z_k + b)."""
    n = len(parents) // 2
    return parents[:n], parents[n : 2 * n], parents[2 * n :]


def _number(x) -> float:
    """A parent as a float: d uses it where a derivative is piecewise constant (⌊a/b⌋)."""
    return x if isinstance(x, (int, float)) else x.data


# The functions `d` is written with, for a float (math's) or a Value (its method):
# one text of each derivative serves both. (They are looked up when d is called.)
def _either(name: str, on_float: Callable) -> Callable:
    return lambda a, *rest: on_float(a, *rest) if isinstance(a, (int, float)) else getattr(a, name)(*rest)


exp, log, sqrt, sin, cos, sinh, cosh = (_either(n, getattr(math, n))
                                        for n in ("exp", "log", "sqrt", "sin", "cos", "sinh", "cosh"))
hypot = _either("hypot", math.hypot)
sign = _either("sign", lambda a: _sign_value(a))
sigmoid = _either("sigmoid", lambda a: _sigmoid_value(a))


# ---------------------------------------------------------------------------
# The table. Parents are called a, b (in argument order); a plain number folded
# into the node is c. `d` is written with the functions of floats or Values above.
# ---------------------------------------------------------------------------
def _d_atan2(y, x, out):
    r = hypot(x, y)
    return x / r / r, -y / r / r


def _d_power_slope(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return _power_slope(a, b)
    return b * a ** (b - 1.0) if _number(b) != 0.0 else 0.0


def _d_tanh(a, out):
    x = _number(a)
    if -4.0 <= x <= 4.0:
        return (1.0 - out * out,)
    if x > 20.0:
        return (4.0 * exp(-2.0 * a),)
    if x < -20.0:
        return (4.0 * exp(2.0 * a),)
    s = 1.0 / cosh(a)
    return (s * s,)


def _d_hypot(a, b, out):
    if _number(out) < _TINY:  # as _hypot: scaled by 2^600 first
        a, b = a * _UP, b * _UP
        out = hypot(a, b)
    return a / out, b / out


def _d_wsum(*args):
    w, z, bias = split_wsum(args[:-1])
    return (*z, *w, *(1.0,) * len(bias))  # ∂a/∂w_k = z_k, ∂a/∂z_k = w_k, ∂a/∂b = 1


_TABLE = [
    # -- arithmetic between two Values
    Rule("+", "a + b", ("∂(a + b)/∂a = 1", "∂(a + b)/∂b = 1"), lambda a, b: (a + b, _ONE_ONE),
         lambda a, b, out: (1.0, 1.0), 2),
    Rule("-", "a − b", ("∂(a − b)/∂a = 1", "∂(a − b)/∂b = −1"), lambda a, b: (a - b, (1.0, -1.0)),
         lambda a, b, out: (1.0, -1.0), 2),
    Rule("*", "a·b", ("∂(a·b)/∂a = b", "∂(a·b)/∂b = a"), lambda a, b: (a * b, (b, a)),
         lambda a, b, out: (b, a), 2),
    Rule("/", "a / b", ("∂(a/b)/∂a = 1/b", "∂(a/b)/∂b = −a/b² = −(a/b)/b"), div,
         lambda a, b, out: (1.0 / b, -out / b), 2),
    Rule("**", "a^b", ("∂(a^b)/∂a = b·a^(b−1)", "∂(a^b)/∂b = a^b·ln a"), power,
         lambda a, b, out: (_d_power_slope(a, b), out * log(a) if a != 0.0 else 0.0), 2),
    Rule("%", "a mod b = a − b·⌊a/b⌋", ("∂(a mod b)/∂a = 1", "∂(a mod b)/∂b = −⌊a/b⌋"), _mod,
         lambda a, b, out: (1.0, -(_number(a) // _number(b))), 2),
    Rule("neg", "−a", ("∂(−a)/∂a = −1",), lambda a: (-a, (-1.0,)), lambda a, out: (-1.0,)),
    # -- arithmetic with a plain number c folded into the node
    Rule("+c", "a + c", ("∂(a + c)/∂a = 1",), lambda a, c: (a + c, (1.0,)), lambda a, c, out: (1.0,), 1, ("c",)),
    Rule("-c", "a − c", ("∂(a − c)/∂a = 1",), lambda a, c: (a - c, (1.0,)), lambda a, c, out: (1.0,), 1, ("c",)),
    Rule("c-", "c − a", ("∂(c − a)/∂a = −1",), lambda a, c: (c - a, (-1.0,)), lambda a, c, out: (-1.0,), 1, ("c",)),
    Rule("*c", "c·a", ("∂(c·a)/∂a = c",), lambda a, c: (a * c, (c,)), lambda a, c, out: (c,), 1, ("c",)),
    Rule("/c", "a / c", ("∂(a/c)/∂a = 1/c",), div_const, lambda a, c, out: (1.0 / c,), 1, ("c",)),
    Rule("c/", "c / a", ("∂(c/a)/∂a = −c/a² = −(c/a)/a",), const_div,
         lambda a, c, out: (-out / a,), 1, ("c",)),
    Rule("**c", "a^c", ("∂(a^c)/∂a = c·a^(c−1)",), power_const,
         lambda a, c, out: (_d_power_slope(a, c),), 1, ("c",)),
    Rule("c**", "c^a", ("∂(c^a)/∂a = c^a·ln c",), const_power,
         lambda a, c, out: (out * math.log(c) if c != 0.0 else 0.0,), 1, ("c",)),
    # -- exponentials and logarithms
    Rule("exp", "exp(a)", ("∂exp(a)/∂a = exp(a)",), _exp, lambda a, out: (out,)),
    Rule("exp2", "2^a", ("∂2^a/∂a = 2^a·ln 2",), _exp2, lambda a, out: (out * _LN2,)),
    Rule("expm1", "e^a − 1", ("∂(e^a − 1)/∂a = e^a",), lambda a: (math.expm1(a), (math.exp(a),)),
         lambda a, out: (exp(a),)),
    Rule("log", "ln(a)", ("∂ln(a)/∂a = 1/a",), _log, lambda a, out: (1.0 / a,)),
    Rule("log2", "log₂(a)", ("∂log₂(a)/∂a = 1/(a·ln 2)",), _log2, lambda a, out: (1.0 / (a * _LN2),)),
    Rule("log10", "log₁₀(a)", ("∂log₁₀(a)/∂a = 1/(a·ln 10)",), _log10,
         lambda a, out: (1.0 / (a * _LN10),)),
    Rule("log1p", "ln(1 + a)", ("∂ln(1 + a)/∂a = 1/(1 + a)",), _log1p, lambda a, out: (1.0 / (1.0 + a),)),
    # -- powers and roots, sign
    Rule("sqrt", "√a", ("∂√a/∂a = 1/(2√a)",), _sqrt, lambda a, out: (0.5 / out,)),
    Rule("cbrt", "∛a", ("∂∛a/∂a = 1/(3·∛a²)",), _cbrt, lambda a, out: (1.0 / (3.0 * out) / out,)),
    Rule("abs", "|a|", ("∂|a|/∂a = sign(a) (0 at a = 0, as PyTorch)",),
         lambda a: (abs(a), (_sign_value(a),)), lambda a, out: (sign(a),)),
    Rule("sign", "sign(a) ∈ {−1, 0, 1}", ("∂sign(a)/∂a = 0",),
         lambda a: (_sign_value(a), (0.0,)), lambda a, out: (0.0,)),
    # -- trigonometry
    Rule("sin", "sin(a)", ("∂sin(a)/∂a = cos(a)",), lambda a: (math.sin(a), (math.cos(a),)),
         lambda a, out: (cos(a),)),
    Rule("cos", "cos(a)", ("∂cos(a)/∂a = −sin(a)",), lambda a: (math.cos(a), (-math.sin(a),)),
         lambda a, out: (-sin(a),)),
    Rule("tan", "tan(a)", ("∂tan(a)/∂a = 1 + tan(a)²",), _tan, lambda a, out: (1.0 + out * out,)),
    Rule("asin", "arcsin(a)", ("∂arcsin(a)/∂a = 1/√(1 − a²)",), _asin,
         lambda a, out: (1.0 / sqrt((1.0 - a) * (1.0 + a)),)),
    Rule("acos", "arccos(a)", ("∂arccos(a)/∂a = −1/√(1 − a²)",), _acos,
         lambda a, out: (-1.0 / sqrt((1.0 - a) * (1.0 + a)),)),
    Rule("atan", "arctan(a)", ("∂arctan(a)/∂a = 1/(1 + a²)",),
         lambda a: (math.atan(a), (1.0 / (1.0 + a * a),)), lambda a, out: (1.0 / (1.0 + a * a),)),
    Rule("atan2", "atan2(a, b), the angle of the point (x = b, y = a)",
         ("∂atan2(a, b)/∂a = b/(a² + b²)", "∂atan2(a, b)/∂b = −a/(a² + b²)"), _atan2, _d_atan2, 2),
    Rule("hypot", "√(a² + b²)", ("∂√(a² + b²)/∂a = a/√(a² + b²)", "∂√(a² + b²)/∂b = b/√(a² + b²)"),
         _hypot, _d_hypot, 2),
    # -- hyperbolic functions
    Rule("sinh", "sinh(a)", ("∂sinh(a)/∂a = cosh(a)",), lambda a: (math.sinh(a), (math.cosh(a),)),
         lambda a, out: (cosh(a),)),
    Rule("cosh", "cosh(a)", ("∂cosh(a)/∂a = sinh(a)",), lambda a: (math.cosh(a), (math.sinh(a),)),
         lambda a, out: (sinh(a),)),
    Rule("tanh", "tanh(a)", ("∂tanh(a)/∂a = 1 − tanh(a)²",), _tanh, _d_tanh),
    Rule("asinh", "arsinh(a)", ("∂arsinh(a)/∂a = 1/√(a² + 1)",),
         lambda a: (math.asinh(a), (1.0 / math.hypot(a, 1.0),)), lambda a, out: (1.0 / hypot(a, 1.0),)),
    Rule("acosh", "arcosh(a)", ("∂arcosh(a)/∂a = 1/√(a² − 1)",), _acosh,
         lambda a, out: (1.0 / sqrt(a - 1.0) / sqrt(a + 1.0),)),
    Rule("atanh", "artanh(a)", ("∂artanh(a)/∂a = 1/(1 − a²)",), _atanh,
         lambda a, out: (1.0 / ((1.0 - a) * (1.0 + a)),)),
    # -- activations
    Rule("sigmoid", "σ(a) = 1/(1 + e^(−a))", ("∂σ(a)/∂a = σ(a)·(1 − σ(a))",),
         _sigmoid, lambda a, out: (out * (1.0 - out) if _number(a) < 2.0 else out * sigmoid(-a),)),
    Rule("relu", "max(0, a)", ("∂relu(a)/∂a = 1 if a > 0 else 0",),
         lambda a: (a, (1.0,)) if a > 0.0 else (0.0, (0.0,)),
         lambda a, out: (1.0 if a > 0.0 else 0.0,)),
    Rule("leaky_relu", "a if a > 0 else s·a", ("∂lrelu(a)/∂a = 1 if a > 0 else s",),
         lambda a, slope: (a, (1.0,)) if a > 0.0 else (slope * a, (slope,)),
         lambda a, slope, out: (1.0 if a > 0.0 else slope,), 1, ("slope",), (0.01,)),
    Rule("elu", "a if a > 0 else α(e^a − 1)", ("∂elu(a)/∂a = 1 if a > 0 else α·e^a",), _elu,
         lambda a, alpha, out: (1.0 if a > 0.0 else alpha * exp(a),), 1, ("alpha",), (1.0,)),
    Rule("softplus", "ln(1 + e^a)", ("∂softplus(a)/∂a = σ(a)",), _softplus,
         lambda a, out: (sigmoid(a),)),
    # -- piecewise
    Rule("maximum", "max(a, b)",
         ("∂max(a, b)/∂a = 1 if a > b, ½ at a tie (as PyTorch), else 0",
          "∂max(a, b)/∂b = 1 if b > a, ½ at a tie (as PyTorch), else 0"),
         lambda a, b: (a, (1.0, 0.0)) if a > b else (b, (0.0, 1.0)) if a < b else (a, (0.5, 0.5)),
         lambda a, b, out: (1.0, 0.0) if a > b else (0.0, 1.0) if a < b else (0.5, 0.5), 2),
    Rule("minimum", "min(a, b)",
         ("∂min(a, b)/∂a = 1 if a < b, ½ at a tie (as PyTorch), else 0",
          "∂min(a, b)/∂b = 1 if b < a, ½ at a tie (as PyTorch), else 0"),
         lambda a, b: (a, (1.0, 0.0)) if a < b else (b, (0.0, 1.0)) if a > b else (a, (0.5, 0.5)),
         lambda a, b, out: (1.0, 0.0) if a < b else (0.0, 1.0) if a > b else (0.5, 0.5), 2),
    Rule("clamp", "min(max(a, lo), hi)", ("∂clamp(a)/∂a = 1 if lo ≤ a ≤ hi else 0",), _clamp,
         lambda a, lo, hi, out: (1.0 if lo <= a <= hi else 0.0,), 1, ("lo", "hi"),
         (-math.inf, math.inf)),
    # -- n-ary (parents as one flat list, see the module doc)
    Rule("sum", "Σ_k a_k", ("∂(Σ_k a_k)/∂a_k = 1",), _sum,
         lambda *args: (1.0,) * (len(args) - 1), None),
    Rule("wsum", "Σ_k w_k z_k + b", ("∂a/∂w_k = z_k", "∂a/∂z_k = w_k", "∂a/∂b = 1"), _wsum,
         _d_wsum, None),
]
RULES: dict[str, Rule] = {r.name: r for r in _TABLE}

# The array column: each row's fn over a whole batch of NumPy arrays (autograd/arrays.py).
RULES.update({name: rule._replace(array=ARRAY[name]) for name, rule in RULES.items()})

# NumPy's and PyTorch's spellings of the inverse functions: the same rows.
ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan",
           "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh"}
