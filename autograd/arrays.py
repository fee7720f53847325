"""The array column of the derivative table: every op over a whole batch at once.

`ARRAY[name](np, *parents, *constants) -> (values, local_grads)` is the row's `fn`
with every parent a NumPy array over the examples of a batch (or a plain number,
the same for every example: NumPy broadcasts it). `autograd.rules` attaches each
entry to its row as `Rule.array`; `autograd.modes.batch` calls them. NumPy is
passed in as `np`, so this module (and the engine) imports without it.

Each entry computes the same formula as the scalar rule, branch for branch (relu's
a > 0, tanh's stable forms past |a| = 4 and 20, σ's two halves), so the numbers
agree with the scalar rule to rounding (NumPy's tanh or exp may differ from
`math`'s in the last bit).

The activations pick their branches without `np.where` over a whole layer: over a
mask of random signs np.where took 20 times as long as over a sorted one (0.9 ms
against 0.05 ms on a 64 × 2,000 layer: branch mispredictions), longer than the
layer's matrix product. relu takes max(a, 0); tanh and σ compute their second
branch only at the examples that take it (`_past`). Where the scalar rule REFUSES an example (a domain error,
a zero division, an overflow) the array form gives a value that is NaN or ±inf at
that example: the batch program checks that every value is finite and hands the
examples that are not to the engine, which raises its own error, naming the node.
`refuse(np, ok, values)` writes that NaN where the refusal would otherwise give a
finite number (sqrt(0) = 0, but its slope is infinite: the engine refuses it).

Ops added with `autograd.define` have no entry: the batch program runs their
scalar rule once per example.
"""

from __future__ import annotations

import math

_LN2, _LN10 = math.log(2.0), math.log(10.0)
_TINY, _UP = 2.0 ** -1000, 2.0 ** 600  # as the scalar hypot: below _TINY, scale by 2^600


def refuse(np, ok, values):
    """`values` where `ok`, NaN where the scalar rule raises (the engine's error is read there)."""
    return np.where(ok, values, np.nan)


def _sigmoid(np, a):
    # 1/(1 + e^(−a)) for a ≥ 0, e^a/(1 + e^a) below: neither half overflows where it is used.
    # Both halves are one division, numerator 1 or e = max(e, [a ≥ 0]) since e = e^(−|a|) ≤ 1.
    e = np.exp(-np.abs(a))
    return np.maximum(e, np.greater_equal(a, 0.0)) / (1.0 + e)


def _past(np, near, far, value):
    """`near`, with value(far) written where the mask `far` holds: a rule's second branch,
    computed only at the examples that take it (in a layer, usually few of them)."""
    near = np.asarray(near)
    if np.any(far):
        near[far] = value(far)
    return near


def _sign(np, a):
    return np.sign(a) * 1.0  # −1, 0 or 1, as a float array (NaN stays NaN)


def div(np, a, b):
    out = refuse(np, b != 0.0, a / b)
    return out, (1.0 / b, -out / b)


def power(np, a, b):
    # a = 0, b ≥ 1: value 0, ∂/∂a = b·0^(b−1), ∂/∂b = 0; a > 0: the general formulas
    zero = (a == 0.0) & (b >= 1.0)
    ok = zero | (a > 0.0)
    safe = np.where(a > 0.0, a, 1.0)
    out = refuse(np, ok, np.where(zero, 0.0, safe ** b))
    slope = np.where(b == 0.0, 0.0, b * np.where(zero, 0.0, safe) ** (b - 1.0))
    return out, (slope, np.where(zero, 0.0, out * np.log(safe)))


def power_const(np, a, c):
    if c < 0.0:
        ok = a != 0.0
    elif 0.0 < c < 1.0:
        ok = a != 0.0
    else:
        ok = True
    if not float(c).is_integer():
        ok = ok & (a >= 0.0)
    out = refuse(np, ok, np.power(a, c))
    return out, (c * np.power(a, c - 1.0) if c != 0.0 else 0.0 * a,)


def const_power(np, a, c):
    if c == 0.0:
        return refuse(np, a >= 0.0, np.where(a > 0.0, 0.0, 1.0)), (0.0 * a,)
    if c < 0.0:
        return refuse(np, False, a), (a,)
    out = np.power(c, a)
    return out, (out * math.log(c),)


def div_const(np, a, c):
    if c == 0.0:
        return refuse(np, False, a), (a,)
    return a / c, (1.0 / c,)


def const_div(np, a, c):
    out = refuse(np, a != 0.0, c / a)
    return out, (-out / a,)


def log(np, a):
    return refuse(np, a > 0.0, np.log(a)), (1.0 / a,)


def log2(np, a):
    return refuse(np, a > 0.0, np.log2(a)), (1.0 / (a * _LN2),)


def log10(np, a):
    return refuse(np, a > 0.0, np.log10(a)), (1.0 / (a * _LN10),)


def log1p(np, a):
    return refuse(np, a > -1.0, np.log1p(a)), (1.0 / (1.0 + a),)


def sqrt(np, a):
    out = refuse(np, a > 0.0, np.sqrt(a))
    return out, (0.5 / out,)


def cbrt(np, a):
    out = refuse(np, a != 0.0, np.cbrt(a))
    return out, (1.0 / (3.0 * out) / out,)


def tanh(np, a):
    t, a = np.tanh(a), np.asarray(a)
    big = np.abs(a)

    def past_four(far):  # 1/cosh²(a) up to |a| = 20, 4e^(−2|a|) past it
        s = 1.0 / np.cosh(a[far])
        return np.where(big[far] > 20.0, 4.0 * np.exp(-2.0 * big[far]), s * s)

    # 1 − t² up to |a| = 4 (the lectures' h'(a) = 1 − z²), the stable forms only past it
    return t, (_past(np, 1.0 - t * t, big > 4.0, past_four),)


def sigmoid(np, a):
    s, a = _sigmoid(np, a), np.asarray(a)
    # σ(1 − σ) below a = 2, σ(a)·σ(−a) from 2 on (where 1 − σ cancels)
    return s, (_past(np, s * (1.0 - s), a >= 2.0, lambda far: s[far] * _sigmoid(np, -a[far])),)


def relu(np, a):
    on = np.greater(a, 0.0)  # the branch, once: its slope 1 or 0
    # max(a, 0) + 0.0 is the branch's value: a where a > 0, else +0.0 (−0.0 + 0.0 is +0.0).
    # np.where over a mask of random signs took ten times longer on a 64 × 2,000 layer.
    return np.maximum(a, 0.0) + 0.0, (on.astype(float),)


def elu(np, a, alpha):
    return np.where(a > 0.0, a, alpha * np.expm1(a)), (np.where(a > 0.0, 1.0, alpha * np.exp(a)),)


def softplus(np, a):
    return np.maximum(a, 0.0) + np.log1p(np.exp(-np.abs(a))), (_sigmoid(np, a),)


def unit_interval(np, fn, sign):
    def rule(a):
        ok = (a > -1.0) & (a < 1.0)
        return refuse(np, ok, fn(a)), (sign / np.sqrt((1.0 - a) * (1.0 + a)),)
    return rule


def acosh(np, a):
    return refuse(np, a > 1.0, np.arccosh(a)), (1.0 / np.sqrt(a - 1.0) / np.sqrt(a + 1.0),)


def atanh(np, a):
    ok = (a > -1.0) & (a < 1.0)
    return refuse(np, ok, np.arctanh(a)), (1.0 / ((1.0 - a) * (1.0 + a)),)


def atan2(np, y, x):
    r = np.hypot(x, y)
    out = refuse(np, r != 0.0, np.arctan2(y, x))
    return out, (x / r / r, -y / r / r)


def hypot(np, x, y):
    r = np.hypot(x, y)
    tiny = r < _TINY
    xs, ys = np.where(tiny, x * _UP, x), np.where(tiny, y * _UP, y)
    rs = np.hypot(xs, ys)
    return refuse(np, r != 0.0, r), (xs / rs, ys / rs)


def clamp(np, a, lo, hi):
    if lo > hi:
        return refuse(np, False, a), (a,)
    return np.minimum(np.maximum(a, lo), hi), (np.where((a >= lo) & (a <= hi), 1.0, 0.0),)


def mod(np, a, b):
    return refuse(np, b != 0.0, np.mod(a, b)), (1.0 + 0.0 * a, -np.floor_divide(a, b))


def maximum(np, a, b):
    return (np.where(a >= b, a, b),
            (np.where(a > b, 1.0, np.where(a < b, 0.0, 0.5)), np.where(b > a, 1.0, np.where(b < a, 0.0, 0.5))))


def minimum(np, a, b):
    return (np.where(a <= b, a, b),
            (np.where(a < b, 1.0, np.where(a > b, 0.0, 0.5)), np.where(b < a, 1.0, np.where(b > a, 0.0, 0.5))))


def total(np, *a):
    out = 0.0  # Python's sum starts from 0: 0 + (−0.0) is +0.0, as the scalar rule
    for x in a:
        out = out + x
    return out, (1.0,) * len(a)


def wsum(np, *parents):
    n = len(parents) // 2
    w, z, bias = parents[:n], parents[n : 2 * n], parents[2 * n :]
    out = 0.0
    for wk, zk in zip(w, z):
        out = out + wk * zk
    return (out + bias[0] if bias else out), (*z, *w, *(1.0,) * len(bias))


# The column: one entry per row of autograd.rules' table.
ARRAY = {
    "+": lambda np, a, b: (a + b, (1.0, 1.0)),
    "-": lambda np, a, b: (a - b, (1.0, -1.0)),
    "*": lambda np, a, b: (a * b, (b, a)),
    "/": div,
    "**": power,
    "%": mod,
    "neg": lambda np, a: (-a, (-1.0,)),
    "+c": lambda np, a, c: (a + c, (1.0,)),
    "-c": lambda np, a, c: (a - c, (1.0,)),
    "c-": lambda np, a, c: (c - a, (-1.0,)),
    "*c": lambda np, a, c: (a * c, (c,)),
    "/c": div_const,
    "c/": const_div,
    "**c": power_const,
    "c**": const_power,
    "exp": lambda np, a: (lambda out: (out, (out,)))(np.exp(a)),
    "exp2": lambda np, a: (lambda out: (out, (out * _LN2,)))(np.exp2(a)),
    "expm1": lambda np, a: (np.expm1(a), (np.exp(a),)),
    "log": log,
    "log2": log2,
    "log10": log10,
    "log1p": log1p,
    "sqrt": sqrt,
    "cbrt": cbrt,
    "abs": lambda np, a: (np.abs(a), (_sign(np, a),)),
    "sign": lambda np, a: (_sign(np, a), (0.0 * a,)),
    "sin": lambda np, a: (np.sin(a), (np.cos(a),)),
    "cos": lambda np, a: (np.cos(a), (-np.sin(a),)),
    "tan": lambda np, a: (lambda out: (out, (1.0 + out * out,)))(np.tan(a)),
    "asin": lambda np, a: unit_interval(np, np.arcsin, 1.0)(a),
    "acos": lambda np, a: unit_interval(np, np.arccos, -1.0)(a),
    "atan": lambda np, a: (np.arctan(a), (1.0 / (1.0 + a * a),)),
    "atan2": atan2,
    "hypot": hypot,
    "sinh": lambda np, a: (np.sinh(a), (np.cosh(a),)),
    "cosh": lambda np, a: (np.cosh(a), (np.sinh(a),)),
    "tanh": tanh,
    "asinh": lambda np, a: (np.arcsinh(a), (1.0 / np.hypot(a, 1.0),)),
    "acosh": acosh,
    "atanh": atanh,
    "sigmoid": sigmoid,
    "relu": relu,
    "leaky_relu": lambda np, a, slope: (np.where(a > 0.0, a, slope * a), (np.where(a > 0.0, 1.0, slope),)),
    "elu": elu,
    "softplus": softplus,
    "maximum": maximum,
    "minimum": minimum,
    "clamp": clamp,
    "sum": total,
    "wsum": wsum,
}
