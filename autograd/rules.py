"""The derivative table: every operation the engine knows, one row per op.

A row (`Rule`) holds, side by side, what a student would write on the board and
what the engine computes:

    name         the op as stored on a node: "tanh", "*", "*c", "leaky_relu", ...
    expression   the formula as text, in the parents a, b (and constants c, slope, ...)
    derivatives  the text of ∂out/∂parent, one per parent, in parent order
    fn           the float rule: fn(*parent_floats, *constants) -> (value, local_grads)
    d            the same local derivatives, written once with arithmetic that works
                 on floats AND on Values: d(*parents, *constants, out) -> local_grads
    arity        how many parents (None: any number — "sum" and "wsum", below)
    params       names of the constants folded into the node, after the parents
    defaults     default values of the last constants (leaky_relu's slope = 0.01)

`fn` is what nodes store: a node made by the engine keeps `data` and `local_grads`
exactly as `fn` returned them, and `backward()` never calls a rule again; it only
multiplies and adds the stored numbers (δ_j = Σ_{k∈↓j} δ_k ∂k/∂j).

`d` serves code that wants the derivatives as expressions. Called with floats it
returns floats, equal to `fn`'s local derivatives (the test suite checks every row
on random points). Called with Values it returns Values that are graphs themselves,
so they can be differentiated again (second derivatives, forward mode). It uses only
the module functions below (`sin`, `exp`, `sqrt`, ... — each takes a float or a
Value, as `autograd.sin` does), Python's arithmetic and comparisons. An entry of
`d`'s result may be a plain number when the derivative is a constant (the 1s of
a + b, the c of c·a, a relu's 0 or 1): its own derivative is 0.

The n-ary ops take their parents as one flat argument list:
    sum    parents a_1..a_n                          fn(*a)          d(*a, out)
    wsum   parents w_1..w_n, z_1..z_n, then b if any  fn(*w, *z[, b])  d(*w, *z[, b], out)
(n = len(parents) // 2 for wsum; an odd count means the last parent is the bias).

Op strings
----------
A node's `op` names its rule and carries every constant, so a node can always be
recomputed from its parents and its op alone (a node made under `no_grad` is a leaf,
op "", since it records no parents):

    parse_op(op) -> (rule, constants)
    rule.fn(*(p.data for p in node.parents), *constants) == (node.data, node.local_grads)

Ops of the arithmetic operators with a plain number put the number next to the symbol:
"+2", "*0.5", "/4", "**3", "-1" (a − 1) and, with the number first, "3-", "8/", "2**"; the
number may carry its own sign ("+-1"). Functions with constants write them in
parentheses, as their call does: "leaky_relu(0.01)", "elu(1)", "clamp(-1,1)". Numbers are
written exactly (integers without ".0", others with `repr`), so they round-trip.

Rules raise `DomainError` (a ValueError), ZeroDivisionError or OverflowError with a
short reason; `Value` adds the node's label and operand values to the message.

Instructors add their own ops with `define(name, f, df, formula=..., derivative=...)`:
the new op is a row like the others, so backward, the steps, the drawings and the
trace know it; its derivative is checked against central differences first.
"""

from __future__ import annotations

import functools
import inspect
import math
import re
from typing import Callable, NamedTuple


class DomainError(ValueError):
    """An operation was applied outside the set of numbers where it is defined."""


class Rule(NamedTuple):
    name: str  # the op name ("tanh", "*", "*c", "leaky_relu", ...)
    expression: str  # the forward formula in terms of a, b (and c for a constant)
    derivatives: tuple[str, ...]  # one formula per parent, in parent order
    fn: Callable = None  # fn(*parent_floats, *constants) -> (value, local_grads)
    d: Callable = None  # d(*parents, *constants, out) -> local grads (floats or Values)
    arity: int | None = 1  # number of parents; None for the n-ary sum and wsum
    params: tuple[str, ...] = ()  # names of the constants, after the parents
    defaults: tuple[float, ...] = ()  # defaults of the last len(defaults) constants


# ---------------------------------------------------------------------------
# The float rules that need more than one line (domain checks, stable forms).
# The rest are lambdas in the table.
# ---------------------------------------------------------------------------
_ONE_ONE = (1.0, 1.0)  # shared: every + node reuses this tuple


def add(a: float, b: float):
    return a + b, _ONE_ONE


def sub(a: float, b: float):
    return a - b, (1.0, -1.0)


def mul(a: float, b: float):
    return a * b, (b, a)


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
    """∂(a^b)/∂a = b·a^(b−1) for a > 0: 0 at b = 0 (a^0 = 1 is flat), and through logarithms
    where a^(b−1) alone overflows but the product does not (a = 5e-324, b = 1e-20)."""
    if b == 0.0:
        return 0.0
    try:
        return b * a ** (b - 1.0)
    except OverflowError:  # raises OverflowError itself if b·a^(b−1) is out of range too
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
    return out, (c * a ** (c - 1.0) if c != 0.0 else 0.0,)


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


# Forms with a plain number c folded into the node: one parent, c kept in the op name.
def add_const(a: float, c: float):
    return a + c, (1.0,)


def sub_const(a: float, c: float):
    return a - c, (1.0,)


def const_sub(a: float, c: float):
    return c - a, (-1.0,)


def mul_const(a: float, c: float):
    return a * c, (c,)


def div_const(a: float, c: float):
    if c == 0.0:
        raise ZeroDivisionError("division by zero")
    return a / c, (1.0 / c,)


def const_div(a: float, c: float):
    if a == 0.0:
        raise ZeroDivisionError("division by zero")
    out = c / a
    return out, (-out / a,)  # −c/a² as −(c/a)/a, as for a / b


def neg(a: float):
    return -a, (-1.0,)


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


def _relu(a: float):
    return (a, (1.0,)) if a > 0.0 else (0.0, (0.0,))


def _leaky_relu(a: float, slope: float):
    return (a, (1.0,)) if a > 0.0 else (slope * a, (slope,))


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


def _maximum(a: float, b: float):
    # at a tie the gradient is split evenly, as PyTorch's maximum does
    return (a, (1.0, 0.0)) if a > b else (b, (0.0, 1.0)) if a < b else (a, (0.5, 0.5))


def _minimum(a: float, b: float):
    return (a, (1.0, 0.0)) if a < b else (b, (0.0, 1.0)) if a > b else (a, (0.5, 0.5))


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
    n = len(parents) // 2
    w, z = parents[:n], parents[n : 2 * n]
    total = sum(map(float.__mul__, w, z))
    if len(parents) % 2:
        total += parents[-1]  # the bias
        return total, (*z, *w, 1.0)
    return total, (*z, *w)


def _number(x) -> float:
    """A parent as a float: d uses it where a derivative is piecewise constant (⌊a/b⌋)."""
    return x if isinstance(x, (int, float)) else x.data


# ---------------------------------------------------------------------------
# The table. Parents are called a, b (in argument order); a plain number folded
# into the node is c. `d` uses the polymorphic functions defined after the table
# (sin, exp, ...: they are looked up when d is called, not when it is written).
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
    parents = args[:-1]
    n = len(parents) // 2
    ones = (1.0,) * (len(parents) - 2 * n)
    return (*parents[n : 2 * n], *parents[:n], *ones)


_TABLE = [
    # -- arithmetic between two Values
    Rule("+", "a + b", ("∂(a + b)/∂a = 1", "∂(a + b)/∂b = 1"), add,
         lambda a, b, out: (1.0, 1.0), 2),
    Rule("-", "a − b", ("∂(a − b)/∂a = 1", "∂(a − b)/∂b = −1"), sub,
         lambda a, b, out: (1.0, -1.0), 2),
    Rule("*", "a·b", ("∂(a·b)/∂a = b", "∂(a·b)/∂b = a"), mul,
         lambda a, b, out: (b, a), 2),
    Rule("/", "a / b", ("∂(a/b)/∂a = 1/b", "∂(a/b)/∂b = −a/b² = −(a/b)/b"), div,
         lambda a, b, out: (1.0 / b, -out / b), 2),
    Rule("**", "a^b", ("∂(a^b)/∂a = b·a^(b−1)", "∂(a^b)/∂b = a^b·ln a"), power,
         lambda a, b, out: (_d_power_slope(a, b), out * log(a) if a != 0.0 else 0.0), 2),
    Rule("%", "a mod b = a − b·⌊a/b⌋", ("∂(a mod b)/∂a = 1", "∂(a mod b)/∂b = −⌊a/b⌋"), _mod,
         lambda a, b, out: (1.0, -(_number(a) // _number(b))), 2),
    Rule("neg", "−a", ("∂(−a)/∂a = −1",), neg, lambda a, out: (-1.0,)),
    # -- arithmetic with a plain number c folded into the node
    Rule("+c", "a + c", ("∂(a + c)/∂a = 1",), add_const, lambda a, c, out: (1.0,), 1, ("c",)),
    Rule("-c", "a − c", ("∂(a − c)/∂a = 1",), sub_const, lambda a, c, out: (1.0,), 1, ("c",)),
    Rule("c-", "c − a", ("∂(c − a)/∂a = −1",), const_sub, lambda a, c, out: (-1.0,), 1, ("c",)),
    Rule("*c", "c·a", ("∂(c·a)/∂a = c",), mul_const, lambda a, c, out: (c,), 1, ("c",)),
    Rule("/c", "a / c", ("∂(a/c)/∂a = 1/c",), div_const, lambda a, c, out: (1.0 / c,), 1, ("c",)),
    Rule("c/", "c / a", ("∂(c/a)/∂a = −c/a² = −(c/a)/a",), const_div,
         lambda a, c, out: (-out / a,), 1, ("c",)),
    Rule("**c", "a^c", ("∂(a^c)/∂a = c·a^(c−1)",), power_const,
         lambda a, c, out: (c * a ** (c - 1.0) if c != 0.0 else 0.0,), 1, ("c",)),
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
    Rule("relu", "max(0, a)", ("∂relu(a)/∂a = 1 if a > 0 else 0",), _relu,
         lambda a, out: (1.0 if a > 0.0 else 0.0,)),
    Rule("leaky_relu", "a if a > 0 else s·a", ("∂lrelu(a)/∂a = 1 if a > 0 else s",), _leaky_relu,
         lambda a, slope, out: (1.0 if a > 0.0 else slope,), 1, ("slope",), (0.01,)),
    Rule("elu", "a if a > 0 else α(e^a − 1)", ("∂elu(a)/∂a = 1 if a > 0 else α·e^a",), _elu,
         lambda a, alpha, out: (1.0 if a > 0.0 else alpha * exp(a),), 1, ("alpha",), (1.0,)),
    Rule("softplus", "ln(1 + e^a)", ("∂softplus(a)/∂a = σ(a)",), _softplus,
         lambda a, out: (sigmoid(a),)),
    # -- piecewise
    Rule("maximum", "max(a, b)",
         ("∂max(a, b)/∂a = 1 if a > b, ½ at a tie (as PyTorch), else 0",
          "∂max(a, b)/∂b = 1 if b > a, ½ at a tie (as PyTorch), else 0"), _maximum,
         lambda a, b, out: (1.0, 0.0) if a > b else (0.0, 1.0) if a < b else (0.5, 0.5), 2),
    Rule("minimum", "min(a, b)",
         ("∂min(a, b)/∂a = 1 if a < b, ½ at a tie (as PyTorch), else 0",
          "∂min(a, b)/∂b = 1 if b < a, ½ at a tie (as PyTorch), else 0"), _minimum,
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

# NumPy's and PyTorch's spellings of the inverse functions: the same rows.
ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan",
           "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh"}

# The ops a Python operator makes; every other named row with a fixed number of
# parents is also a function (autograd.sin) and a method (x.sin()).
OPERATORS = frozenset({"+", "-", "*", "/", "**", "%", "neg", "+c", "-c", "c-", "*c", "/c", "c/",
                       "**c", "c**"})


def is_function(rule: Rule) -> bool:
    """True for the rows that are functions and Value methods ("sin", "atan2", ...)."""
    return rule.name not in OPERATORS and rule.arity is not None


# ---------------------------------------------------------------------------
# Op strings: writing the constants into a node's op and reading them back
# ---------------------------------------------------------------------------
def number_text(f: float) -> str:
    """A number as it appears in an op: 2.0 → "2", 0.5 → "0.5"; exact (repr) otherwise."""
    if f.is_integer() and abs(f) < 1e15 and not (f == 0.0 and math.copysign(1.0, f) < 0.0):
        return str(int(f))
    return repr(f)


_SYMBOL_FIRST = {"+c": "+", "-c": "-", "*c": "*", "/c": "/", "**c": "**"}
_NUMBER_FIRST = {"c-": "-", "c/": "/", "c**": "**"}


@functools.lru_cache(maxsize=1024)
def spell(name: str, constants: tuple[float, ...] = ()) -> str:
    """The op string of rule `name` with these constants: ("*c", (2.0,)) → "*2",
    ("leaky_relu", (0.01,)) → "leaky_relu(0.01)". The inverse of `parse_op`."""
    if name in _SYMBOL_FIRST:
        return _SYMBOL_FIRST[name] + number_text(constants[0])
    if name in _NUMBER_FIRST:
        return number_text(constants[0]) + _NUMBER_FIRST[name]
    if constants:
        return f"{name}({','.join(map(number_text, constants))})"
    return name


# Ops with a folded constant put the number after the symbol ("+2", "*0.5", "/4",
# "**3", "-1") or before it ("3-", "8/", "2**"); the number may carry its own sign ("+-1").
_SYMBOL_THEN_NUMBER = re.compile(r"(\+|-|\*\*|\*|/)(.+)")
_NUMBER_THEN_SYMBOL = re.compile(r"(.+?)(-|/|\*\*)")
_CALL = re.compile(r"(\w+)\((.*)\)")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def split_constant(op: str) -> tuple[Rule, float] | None:
    """For an op with a folded constant, its rule and the constant: "*2" → (*c, 2.0)."""
    m = _SYMBOL_THEN_NUMBER.fullmatch(op)
    if m and _is_number(m.group(2)) and m.group(1) + "c" in RULES:
        return RULES[m.group(1) + "c"], float(m.group(2))
    m = _NUMBER_THEN_SYMBOL.fullmatch(op)
    if m and _is_number(m.group(1)) and "c" + m.group(2) in RULES:
        return RULES["c" + m.group(2)], float(m.group(1))
    return None


def parse_op(op: str) -> tuple[Rule, tuple[float, ...]]:
    """The rule behind a node's op string and the constants written in it:

        "tanh" → (tanh, ()), "*2" → (*c, (2.0,)), "clamp(-1,1)" → (clamp, (-1.0, 1.0))

    so that rule.fn(*(p.data for p in node.parents), *constants) gives back exactly
    node.data and node.local_grads. Raises ValueError for an op no row knows."""
    rule = RULES.get(op)
    if rule is not None and not rule.params:
        return rule, ()
    m = _CALL.fullmatch(op)
    if m and m.group(1) in RULES:
        rule = RULES[m.group(1)]
        texts = m.group(2).split(",")
        if len(texts) == len(rule.params) and all(map(_is_number, texts)):
            return rule, tuple(float(t) for t in texts)
    folded = split_constant(op)
    if folded is not None:
        return folded[0], (folded[1],)
    raise ValueError(f"no rule in the derivative table for the op {op!r}")


def rule_for(op: str) -> Rule | None:
    """The rule behind a node's op string ("*2" → "*c", "elu(1)" → "elu"), or None."""
    try:
        return parse_op(op)[0]
    except ValueError:
        return None


def formula(op: str, parent_index: int, n_parents: int = 1) -> str:
    """The text of ∂node/∂parent for the parent at `parent_index`.

    For the n-ary ops ("sum", "wsum") several parents share a formula."""
    rule = rule_for(op)
    if rule is None:
        return f"∂{op}/∂parent {parent_index}"
    if rule.name == "wsum":
        # parents are w_1..w_n, z_1..z_n, then (optionally) b
        n = n_parents // 2
        return rule.derivatives[0 if parent_index < n else 1 if parent_index < 2 * n else 2]
    return rule.derivatives[min(parent_index, len(rule.derivatives) - 1)]


# ---------------------------------------------------------------------------
# The functions of the table for a float OR a Value: sin(0.5) is a float,
# sin(Value(0.5)) a node. `d` above is written with these; autograd exports them.
# ---------------------------------------------------------------------------
def _float_result(rule: Rule, args: tuple) -> float:
    try:
        value = rule.fn(*args)[0]
    except (ArithmeticError, ValueError) as err:
        operands = ", ".join(map(repr, args))
        raise type(err)(f"{rule.name}({operands}): {err}") from None
    if not math.isfinite(value):
        raise OverflowError(f"{rule.name}({', '.join(map(repr, args))}): the result is too large for a float")
    return value


def function(name: str) -> Callable:
    """The table's op `name` as a function of floats or Values (constants last)."""
    rule = RULES[ALIASES.get(name, name)]
    n = rule.arity

    def apply(*args, **named):
        if len(args) < n:
            raise TypeError(f"{name} takes {n} operand(s), got {len(args)}")
        if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in args[:n]):
            return _float_result(rule, (*map(float, args[:n]), *constants(rule, args[n:], named)))
        from autograd.value import Value  # (here, not at the top: value.py imports this module)

        first = args[0] if isinstance(args[0], Value) else Value(args[0])
        return getattr(first, rule.name)(*args[1:], **named)

    apply.__name__ = name
    apply.__qualname__ = name
    apply.__doc__ = (f"{rule.expression} for a float (a float) or a Value (a node).\n\n"
                     + "\n".join(rule.derivatives))
    return apply


def constants(rule: Rule, given: tuple, named: dict | None = None, check: Callable = float) -> tuple:
    """Every constant of `rule` from those `given` (by position, or by name in `named`),
    the defaults filling in the rest; None also asks for the default (clamp(x, None, 1)).
    `check` turns each given constant into a float."""
    params = rule.params
    given = list(given)
    if len(given) > len(params):
        raise TypeError(f"{rule.name} takes {len(params)} constant(s) ({', '.join(params) or 'none'}), "
                        f"got {len(given)}")
    for key, c in (named or {}).items():
        if key not in params or params.index(key) < len(given):
            raise TypeError(f"{rule.name}: unexpected or repeated argument {key!r} "
                            f"(its constants are {', '.join(params) or 'none'})")
        given += [None] * (params.index(key) + 1 - len(given))
        given[params.index(key)] = c
    # one default per param, None where the caller must give it
    per_param = (None,) * (len(params) - len(rule.defaults)) + rule.defaults
    out = tuple(per_param[i] if c is None else check(c) for i, c in enumerate(given)) + per_param[len(given):]
    if None in out:
        raise TypeError(f"{rule.name} needs its {params[out.index(None)]} (a number)")
    return out


FUNCTIONS: dict[str, Callable] = {}  # name (and alias) → function, filled below and by define


def _register(rule: Rule) -> None:
    for name in [rule.name] + [a for a, target in ALIASES.items() if target == rule.name]:
        FUNCTIONS[name] = function(name)


for _rule in _TABLE:
    if is_function(_rule):
        _register(_rule)

# The names `d` uses, bound here so a row reads like the board: cos(a), sqrt(...).
exp, log, sqrt, sign, sin, cos = (FUNCTIONS[n] for n in ("exp", "log", "sqrt", "sign", "sin", "cos"))
sinh, cosh, hypot, sigmoid = (FUNCTIONS[n] for n in ("sinh", "cosh", "hypot", "sigmoid"))

# The float rules of the one-parent functions, by name: rules.UNARY["elu"](-0.5, 1.0)
# gives (value, local_grads). (`function` and FUNCTIONS are the friendlier form.)
UNARY: dict[str, Callable] = {r.name: r.fn for r in _TABLE if is_function(r) and r.arity == 1}


# ---------------------------------------------------------------------------
# Instructors' own ops
# ---------------------------------------------------------------------------
CHECK_POINTS = (-1.7, -0.6, 0.35, 0.9, 2.3)  # where `define` tries a derivative by default


def define(name: str, f: Callable, df: Callable, formula: str = "", derivative=(),
           points=None) -> Rule:
    """Add an op to the table: after `define("swish", f, df)`, `x.swish()` and
    `autograd.swish(x)` work, and the op is stepped, drawn and hand-checked like a
    built-in.

        from autograd import sigmoid
        define("swish", lambda a: a * sigmoid(a),
               lambda a: sigmoid(a) * (1 + a * (1 - sigmoid(a))),
               formula="a·σ(a)", derivative="σ(a)(1 + a(1 − σ(a)))")

    f(a, b, ...) is the op (one argument per parent), df(a, b, ...) its derivatives:
    a number for one parent, a tuple of one number per parent otherwise. Write both
    with autograd's functions (sigmoid, exp, sin, ...) and arithmetic, and they work
    on floats (the node's value and local derivatives) and on Values (the row's `d`,
    for derivatives of derivatives); written with `math`, they serve floats only.

    df is never trusted: it is compared with central differences of f at `points`
    (default: `CHECK_POINTS` for each argument; points outside f's domain are skipped)
    and the op is refused with a ValueError naming the point where they disagree.
    `formula` and `derivative` are the texts the steps and the table show."""
    if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
        raise ValueError(f"define: the op name must be a Python name such as 'swish', got {name!r}")
    if name in DEFINED:
        undefine(name)  # defining it again (a notebook cell run twice) replaces it
    if name in RULES or name in ALIASES or _is_value_attribute(name):
        raise ValueError(f"define: {name!r} is already taken (a built-in op or a Value attribute); pick another name")
    try:
        arity = len([p for p in inspect.signature(f).parameters.values()
                     if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)])
    except (TypeError, ValueError):
        raise TypeError(f"define: f must be a function of the parents, got {f!r}") from None
    if arity < 1:
        raise TypeError("define: f must take at least one argument (one per parent)")
    variables = ("a", "b", "c", "d", "e")[:arity] if arity <= 5 else tuple(f"x{i}" for i in range(arity))
    texts = (derivative,) if isinstance(derivative, str) else tuple(derivative)
    if not texts:
        texts = tuple(f"∂{name}/∂{v}" for v in variables)
    if len(texts) != arity:
        raise ValueError(f"define: {arity} parent(s) but {len(texts)} derivative text(s); give one per parent")
    texts = tuple(t if t.startswith("∂") else f"∂{name}/∂{v} = {t}" for t, v in zip(texts, variables))

    def grads(args) -> tuple:
        g = df(*args)
        g = tuple(g) if isinstance(g, (tuple, list)) else (g,)
        if len(g) != arity:
            raise ValueError(f"define: df must give {arity} derivative(s), one per parent; it gave {len(g)}")
        return g

    def fn(*args: float):
        return float(_number(f(*args))), tuple(float(_number(g)) for g in grads(args))

    rule = Rule(name, formula or f"{name}({', '.join(variables)})", texts, fn,
                lambda *args: grads(args[:-1]), arity)
    _check_derivative(rule, points if points is not None else [(p,) * arity for p in CHECK_POINTS])
    RULES[name] = rule
    DEFINED.add(name)
    _register(rule)
    from autograd.value import install  # (here, not at the top: value.py imports this module)

    install(rule)
    return rule


DEFINED: set[str] = set()  # the ops added by `define`


def undefine(name: str) -> None:
    """Remove an op added by `define` (the built-in rows stay)."""
    if name not in DEFINED:
        raise ValueError(f"undefine: {name!r} was not added by define")
    from autograd.value import Value

    DEFINED.discard(name)
    del RULES[name], FUNCTIONS[name]
    delattr(Value, name)


def _is_value_attribute(name: str) -> bool:
    from autograd.value import Value

    return hasattr(Value, name)


def _check_derivative(rule: Rule, points) -> None:
    """Refuse a row whose fn's derivatives disagree with central differences of its value."""
    tried = 0
    for point in points:
        point = tuple(map(float, point if isinstance(point, (tuple, list)) else (point,)))
        if len(point) != rule.arity:
            raise ValueError(f"define: the check point {point} needs {rule.arity} coordinate(s)")
        try:
            _, local = rule.fn(*point)
            for i in range(rule.arity):
                h = 1e-5 * max(1.0, abs(point[i]))
                up = rule.fn(*point[:i], point[i] + h, *point[i + 1:])[0]
                down = rule.fn(*point[:i], point[i] - h, *point[i + 1:])[0]
                numeric = (up - down) / (2 * h)
                if not abs(local[i] - numeric) <= 1e-6 + 1e-4 * abs(numeric):
                    raise _WrongDerivative(
                        f"define: the derivative given for {rule.name} is wrong at "
                        f"{', '.join(f'{v} = {x:g}' for v, x in zip('abcde', point))}: df gives "
                        f"∂/∂{'abcde'[i] if i < 5 else i} = {local[i]:.10g} but the central difference "
                        f"of f is {numeric:.10g}; the op was not added")
        except (ArithmeticError, ValueError) as err:
            if isinstance(err, _WrongDerivative):
                raise
            continue  # outside f's domain: try the next point
        tried += 1
    if tried < 2:
        raise ValueError(f"define: could check the derivative of {rule.name} at only {tried} point(s) "
                         "(the others are outside its domain); give points=[...] inside it")


class _WrongDerivative(ValueError):
    pass
