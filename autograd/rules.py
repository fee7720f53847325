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
import re
from typing import Callable, NamedTuple

from autograd.arrays import ARRAY
from autograd.numerics import (  # the float rules, the functions `d` is written with, and (for
    # importers of this module) DomainError and split_wsum
    acos_fn, acosh_fn, asin_fn, atan2_d, atan2_fn, atanh_fn, cbrt_fn, clamp_fn, const_div,
    const_power, cos, cosh, div, div_const, DomainError, elu_fn, exp, exp2_fn, exp_fn, hypot,
    hypot_d, hypot_fn, LN10, LN2, log, log10_fn, log1p_fn, log2_fn, log_fn, mod_fn, number,
    ONE_ONE, power, power_const, power_slope_d, sigmoid, sigmoid_fn, sign, sign_value, sin,
    sinh, softplus_fn, split_wsum, sqrt, sqrt_fn, sum_fn, sum_python, tan_fn, tanh_d, tanh_fn,
    wsum_d, wsum_fn, wsum_python,
)


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
    # the value and the local derivatives as Python source, for the rows simple enough to be
    # written out where they are used (a compiled program, autograd/modes/compile.py; the hot
    # methods, autograd/fast.py): python(parents, constants) -> (value, [∂/∂parent, ...]) from
    # their source text; the same numbers as fn, bit for bit (tests/test_core_fast.py checks)
    python: Callable | None = None


_NAME = re.compile(r"\b[abc]\b")  # a parent a, b or a constant c in a row's source text


def written(value: str, local: tuple[str, ...]) -> Callable:
    """The `python` column of a row with named parents: its source in a, b and c, such as
    written("a * c", ("c",)); given the parents' and constants' source, it puts them in."""

    def python(parents, constants):
        names = {**dict(zip("ab", parents)), **dict(zip("c", constants))}
        put = lambda text: _NAME.sub(lambda name: names[name.group()], text)  # noqa: E731
        return put(value), [put(x) for x in local]

    return python


# The table. Parents are called a, b (in argument order); a plain number folded into
# the node is c. `fn` and the helpers of `d` come from autograd/numerics.py.
_TABLE = [
    # -- arithmetic between two Values
    Rule("+", "a + b", ("∂(a + b)/∂a = 1", "∂(a + b)/∂b = 1"), lambda a, b: (a + b, ONE_ONE),
         lambda a, b, out: (1.0, 1.0), 2, python=written("a + b", ("1.0", "1.0"))),
    Rule("-", "a − b", ("∂(a − b)/∂a = 1", "∂(a − b)/∂b = −1"), lambda a, b: (a - b, (1.0, -1.0)),
         lambda a, b, out: (1.0, -1.0), 2, python=written("a - b", ("1.0", "-1.0"))),
    Rule("*", "a·b", ("∂(a·b)/∂a = b", "∂(a·b)/∂b = a"), lambda a, b: (a * b, (b, a)),
         lambda a, b, out: (b, a), 2, python=written("a * b", ("b", "a"))),
    Rule("/", "a / b", ("∂(a/b)/∂a = 1/b", "∂(a/b)/∂b = −a/b² = −(a/b)/b"), div,
         lambda a, b, out: (1.0 / b, -out / b), 2),
    Rule("**", "a^b", ("∂(a^b)/∂a = b·a^(b−1)", "∂(a^b)/∂b = a^b·ln a"), power,
         lambda a, b, out: (power_slope_d(a, b), out * log(a) if a != 0.0 else 0.0), 2),
    Rule("%", "a mod b = a − b·⌊a/b⌋", ("∂(a mod b)/∂a = 1", "∂(a mod b)/∂b = −⌊a/b⌋"), mod_fn,
         lambda a, b, out: (1.0, -(number(a) // number(b))), 2),
    Rule("neg", "−a", ("∂(−a)/∂a = −1",), lambda a: (-a, (-1.0,)), lambda a, out: (-1.0,),
         python=written("-a", ("-1.0",))),
    # -- arithmetic with a plain number c folded into the node
    Rule("+c", "a + c", ("∂(a + c)/∂a = 1",), lambda a, c: (a + c, (1.0,)), lambda a, c, out: (1.0,), 1, ("c",),
         python=written("a + c", ("1.0",))),
    Rule("-c", "a − c", ("∂(a − c)/∂a = 1",), lambda a, c: (a - c, (1.0,)), lambda a, c, out: (1.0,), 1, ("c",),
         python=written("a - c", ("1.0",))),
    Rule("c-", "c − a", ("∂(c − a)/∂a = −1",), lambda a, c: (c - a, (-1.0,)), lambda a, c, out: (-1.0,), 1, ("c",),
         python=written("c - a", ("-1.0",))),
    Rule("*c", "c·a", ("∂(c·a)/∂a = c",), lambda a, c: (a * c, (c,)), lambda a, c, out: (c,), 1, ("c",),
         python=written("a * c", ("c",))),
    Rule("/c", "a / c", ("∂(a/c)/∂a = 1/c",), div_const, lambda a, c, out: (1.0 / c,), 1, ("c",)),
    Rule("c/", "c / a", ("∂(c/a)/∂a = −c/a² = −(c/a)/a",), const_div,
         lambda a, c, out: (-out / a,), 1, ("c",)),
    Rule("**c", "a^c", ("∂(a^c)/∂a = c·a^(c−1)",), power_const,
         lambda a, c, out: (power_slope_d(a, c),), 1, ("c",)),
    Rule("c**", "c^a", ("∂(c^a)/∂a = c^a·ln c",), const_power,
         lambda a, c, out: (out * math.log(c) if c != 0.0 else 0.0,), 1, ("c",)),
    # -- exponentials and logarithms
    Rule("exp", "exp(a)", ("∂exp(a)/∂a = exp(a)",), exp_fn, lambda a, out: (out,)),
    Rule("exp2", "2^a", ("∂2^a/∂a = 2^a·ln 2",), exp2_fn, lambda a, out: (out * LN2,)),
    Rule("expm1", "e^a − 1", ("∂(e^a − 1)/∂a = e^a",), lambda a: (math.expm1(a), (math.exp(a),)),
         lambda a, out: (exp(a),)),
    Rule("log", "ln(a)", ("∂ln(a)/∂a = 1/a",), log_fn, lambda a, out: (1.0 / a,)),
    Rule("log2", "log₂(a)", ("∂log₂(a)/∂a = 1/(a·ln 2)",), log2_fn, lambda a, out: (1.0 / (a * LN2),)),
    Rule("log10", "log₁₀(a)", ("∂log₁₀(a)/∂a = 1/(a·ln 10)",), log10_fn,
         lambda a, out: (1.0 / (a * LN10),)),
    Rule("log1p", "ln(1 + a)", ("∂ln(1 + a)/∂a = 1/(1 + a)",), log1p_fn, lambda a, out: (1.0 / (1.0 + a),)),
    # -- powers and roots, sign
    Rule("sqrt", "√a", ("∂√a/∂a = 1/(2√a)",), sqrt_fn, lambda a, out: (0.5 / out,)),
    Rule("cbrt", "∛a", ("∂∛a/∂a = 1/(3·∛a²)",), cbrt_fn, lambda a, out: (1.0 / (3.0 * out) / out,)),
    Rule("abs", "|a|", ("∂|a|/∂a = sign(a) (0 at a = 0, as PyTorch)",),
         lambda a: (abs(a), (sign_value(a),)), lambda a, out: (sign(a),)),
    Rule("sign", "sign(a) ∈ {−1, 0, 1}", ("∂sign(a)/∂a = 0",),
         lambda a: (sign_value(a), (0.0,)), lambda a, out: (0.0,)),
    # -- trigonometry
    Rule("sin", "sin(a)", ("∂sin(a)/∂a = cos(a)",), lambda a: (math.sin(a), (math.cos(a),)),
         lambda a, out: (cos(a),)),
    Rule("cos", "cos(a)", ("∂cos(a)/∂a = −sin(a)",), lambda a: (math.cos(a), (-math.sin(a),)),
         lambda a, out: (-sin(a),)),
    Rule("tan", "tan(a)", ("∂tan(a)/∂a = 1 + tan(a)²",), tan_fn, lambda a, out: (1.0 + out * out,)),
    Rule("asin", "arcsin(a)", ("∂arcsin(a)/∂a = 1/√(1 − a²)",), asin_fn,
         lambda a, out: (1.0 / sqrt((1.0 - a) * (1.0 + a)),)),
    Rule("acos", "arccos(a)", ("∂arccos(a)/∂a = −1/√(1 − a²)",), acos_fn,
         lambda a, out: (-1.0 / sqrt((1.0 - a) * (1.0 + a)),)),
    Rule("atan", "arctan(a)", ("∂arctan(a)/∂a = 1/(1 + a²)",),
         lambda a: (math.atan(a), (1.0 / (1.0 + a * a),)), lambda a, out: (1.0 / (1.0 + a * a),)),
    Rule("atan2", "atan2(a, b), the angle of the point (x = b, y = a)",
         ("∂atan2(a, b)/∂a = b/(a² + b²)", "∂atan2(a, b)/∂b = −a/(a² + b²)"), atan2_fn, atan2_d, 2),
    Rule("hypot", "√(a² + b²)", ("∂√(a² + b²)/∂a = a/√(a² + b²)", "∂√(a² + b²)/∂b = b/√(a² + b²)"),
         hypot_fn, hypot_d, 2),
    # -- hyperbolic functions
    Rule("sinh", "sinh(a)", ("∂sinh(a)/∂a = cosh(a)",), lambda a: (math.sinh(a), (math.cosh(a),)),
         lambda a, out: (cosh(a),)),
    Rule("cosh", "cosh(a)", ("∂cosh(a)/∂a = sinh(a)",), lambda a: (math.cosh(a), (math.sinh(a),)),
         lambda a, out: (sinh(a),)),
    Rule("tanh", "tanh(a)", ("∂tanh(a)/∂a = 1 − tanh(a)²",), tanh_fn, tanh_d),
    Rule("asinh", "arsinh(a)", ("∂arsinh(a)/∂a = 1/√(a² + 1)",),
         lambda a: (math.asinh(a), (1.0 / math.hypot(a, 1.0),)), lambda a, out: (1.0 / hypot(a, 1.0),)),
    Rule("acosh", "arcosh(a)", ("∂arcosh(a)/∂a = 1/√(a² − 1)",), acosh_fn,
         lambda a, out: (1.0 / sqrt(a - 1.0) / sqrt(a + 1.0),)),
    Rule("atanh", "artanh(a)", ("∂artanh(a)/∂a = 1/(1 − a²)",), atanh_fn,
         lambda a, out: (1.0 / ((1.0 - a) * (1.0 + a)),)),
    # -- activations
    Rule("sigmoid", "σ(a) = 1/(1 + e^(−a))", ("∂σ(a)/∂a = σ(a)·(1 − σ(a))",),
         sigmoid_fn, lambda a, out: (out * (1.0 - out) if number(a) < 2.0 else out * sigmoid(-a),)),
    Rule("relu", "max(0, a)", ("∂relu(a)/∂a = 1 if a > 0 else 0",),
         lambda a: (a, (1.0,)) if a > 0.0 else (0.0, (0.0,)),
         lambda a, out: (1.0 if a > 0.0 else 0.0,)),
    Rule("leaky_relu", "a if a > 0 else s·a", ("∂lrelu(a)/∂a = 1 if a > 0 else s",),
         lambda a, slope: (a, (1.0,)) if a > 0.0 else (slope * a, (slope,)),
         lambda a, slope, out: (1.0 if a > 0.0 else slope,), 1, ("slope",), (0.01,)),
    Rule("elu", "a if a > 0 else α(e^a − 1)", ("∂elu(a)/∂a = 1 if a > 0 else α·e^a",), elu_fn,
         lambda a, alpha, out: (1.0 if a > 0.0 else alpha * exp(a),), 1, ("alpha",), (1.0,)),
    Rule("softplus", "ln(1 + e^a)", ("∂softplus(a)/∂a = σ(a)",), softplus_fn,
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
    Rule("clamp", "min(max(a, lo), hi)", ("∂clamp(a)/∂a = 1 if lo ≤ a ≤ hi else 0",), clamp_fn,
         lambda a, lo, hi, out: (1.0 if lo <= a <= hi else 0.0,), 1, ("lo", "hi"),
         (-math.inf, math.inf)),
    # -- n-ary (parents as one flat list, see the module doc)
    Rule("sum", "Σ_k a_k", ("∂(Σ_k a_k)/∂a_k = 1",), sum_fn,
         lambda *args: (1.0,) * (len(args) - 1), None, python=sum_python),
    Rule("wsum", "Σ_k w_k z_k + b", ("∂a/∂w_k = z_k", "∂a/∂z_k = w_k", "∂a/∂b = 1"), wsum_fn,
         wsum_d, None, python=wsum_python),
]
RULES: dict[str, Rule] = {r.name: r for r in _TABLE}

# The array column: each row's fn over a whole batch of NumPy arrays (autograd/arrays.py).
RULES.update({name: rule._replace(array=ARRAY[name]) for name, rule in RULES.items()})

# NumPy's and PyTorch's spellings of the inverse functions: the same rows.
ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan",
           "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh"}
