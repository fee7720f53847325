"""The derivative table: every operation the engine knows, in one place.

Each rule is a plain function of floats that returns the operation's value and its
local derivatives — one number ∂out/∂parent for each parent, in argument order:

    value, local_grads = rule(a, b, ...)

`backward()` never calls these again: the local derivatives are stored on the node
when it is made, and the backward pass only multiplies and adds them
(δ_j = Σ_{k∈↓j} δ_k ∂k/∂j). Beside each rule is its formula as text, which the
teaching layer prints next to the numbers.

Rules raise `DomainError` (a ValueError), ZeroDivisionError or OverflowError with a
short reason; `Value` adds the node's label and operand values to the message.
"""

from __future__ import annotations

import math
import re
from typing import Callable, NamedTuple


class DomainError(ValueError):
    """An operation was applied outside the set of numbers where it is defined."""


class Rule(NamedTuple):
    name: str  # the op name as stored on a node ("tanh", "*", "*c", ...)
    expression: str  # the forward formula in terms of a, b (and c for a constant)
    derivatives: tuple[str, ...]  # one formula per parent, in parent order


# ---------------------------------------------------------------------------
# The formulas, as a student would write them on the board. Parents are called
# a, b (in argument order); a plain number folded into the node is c.
# ---------------------------------------------------------------------------
RULES: dict[str, Rule] = {
    r.name: r
    for r in [
        Rule("+", "a + b", ("∂(a + b)/∂a = 1", "∂(a + b)/∂b = 1")),
        Rule("-", "a − b", ("∂(a − b)/∂a = 1", "∂(a − b)/∂b = −1")),
        Rule("*", "a·b", ("∂(a·b)/∂a = b", "∂(a·b)/∂b = a")),
        Rule("/", "a / b", ("∂(a/b)/∂a = 1/b", "∂(a/b)/∂b = −a/b²")),
        Rule("**", "a^b", ("∂(a^b)/∂a = b·a^(b−1)", "∂(a^b)/∂b = a^b·ln a")),
        Rule("neg", "−a", ("∂(−a)/∂a = −1",)),
        Rule("+c", "a + c", ("∂(a + c)/∂a = 1",)),
        Rule("-c", "a − c", ("∂(a − c)/∂a = 1",)),
        Rule("c-", "c − a", ("∂(c − a)/∂a = −1",)),
        Rule("*c", "c·a", ("∂(c·a)/∂a = c",)),
        Rule("/c", "a / c", ("∂(a/c)/∂a = 1/c",)),
        Rule("c/", "c / a", ("∂(c/a)/∂a = −c/a²",)),
        Rule("**c", "a^c", ("∂(a^c)/∂a = c·a^(c−1)",)),
        Rule("c**", "c^a", ("∂(c^a)/∂a = c^a·ln c",)),
        Rule("exp", "exp(a)", ("∂exp(a)/∂a = exp(a)",)),
        Rule("log", "ln(a)", ("∂ln(a)/∂a = 1/a",)),
        Rule("tanh", "tanh(a)", ("∂tanh(a)/∂a = 1 − tanh(a)²",)),
        Rule("sigmoid", "σ(a) = 1/(1 + e^(−a))", ("∂σ(a)/∂a = σ(a)·(1 − σ(a))",)),
        Rule("relu", "max(0, a)", ("∂relu(a)/∂a = 1 if a > 0 else 0",)),
        Rule("leaky_relu", "a if a > 0 else s·a", ("∂lrelu(a)/∂a = 1 if a > 0 else s",)),
        Rule("elu", "a if a > 0 else α(e^a − 1)", ("∂elu(a)/∂a = 1 if a > 0 else α·e^a",)),
        Rule("softplus", "ln(1 + e^a)", ("∂softplus(a)/∂a = σ(a)",)),
        Rule("sum", "Σ_k a_k", ("∂(Σ_k a_k)/∂a_k = 1",)),
        Rule(
            "wsum",
            "Σ_k w_k z_k + b",
            ("∂a/∂w_k = z_k", "∂a/∂z_k = w_k", "∂a/∂b = 1"),
        ),
    ]
}

# Ops with a folded constant put the number after the symbol ("+2", "*0.5", "/4",
# "**3", "-1") or before it ("3-", "8/", "2**"); the number may carry its own sign ("+-1").
_SYMBOL_THEN_NUMBER = re.compile(r"(\+|-|\*\*|\*|/)(.+)")
_NUMBER_THEN_SYMBOL = re.compile(r"(.+?)(-|/|\*\*)")


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


def rule_for(op: str) -> Rule | None:
    """The rule behind a node's op string; "*2", "+-1" and "3/" map to "*c", "+c", "c/"."""
    if op in RULES:
        return RULES[op]
    folded = split_constant(op)
    return folded[0] if folded else None


def formula(op: str, parent_index: int, n_parents: int = 1) -> str:
    """The text of ∂node/∂parent for the parent at `parent_index`.

    For the n-ary ops ("sum", "wsum") several parents share a formula."""
    rule = rule_for(op)
    if rule is None:
        return f"∂{op}/∂parent {parent_index}"
    op = rule.name
    if op == "wsum":
        # parents are w_1..w_n, z_1..z_n, then (optionally) b
        n = n_parents // 2
        return rule.derivatives[0 if parent_index < n else 1 if parent_index < 2 * n else 2]
    return rule.derivatives[min(parent_index, len(rule.derivatives) - 1)]


# ---------------------------------------------------------------------------
# The computations: value and ∂value/∂operand, from plain floats.
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
    return a / b, (1.0 / b, -a / (b * b))


def power(a: float, b: float):
    """a^b with both a and b variables: ∂/∂b = a^b·ln a needs a > 0."""
    if a <= 0.0:
        raise DomainError(
            "a Value exponent needs a positive base, since ∂(a^b)/∂b = a^b·ln a "
            "(use a plain number as the exponent for a negative or zero base)"
        )
    out = a**b
    return out, (b * a ** (b - 1.0), out * math.log(a))


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
    """c^a for a constant base c > 0 (the variable a is the exponent)."""
    if c <= 0.0:
        raise DomainError("number ** Value needs a positive base, since ∂(c^a)/∂a = c^a·ln c")
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
    return c / a, (-c / (a * a),)


def neg(a: float):
    return -a, (-1.0,)


def exp(a: float):
    out = math.exp(a)  # raises OverflowError past a ≈ 709.78
    return out, (out,)


def log(a: float):
    if a <= 0.0:
        raise DomainError("log is only defined for positive numbers")
    return math.log(a), (1.0 / a,)


def tanh(a: float):
    t = math.tanh(a)  # math.tanh is already stable: tanh(±1000) = ±1
    return t, (1.0 - t * t,)


def _sigmoid(a: float) -> float:
    # σ(a) = 1/(1 + e^(−a)) overflows for a ≪ 0; use e^a/(1 + e^a) there instead.
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def sigmoid(a: float):
    s = _sigmoid(a)
    return s, (s * (1.0 - s),)


def relu(a: float):
    return (a, (1.0,)) if a > 0.0 else (0.0, (0.0,))


def leaky_relu(a: float, slope: float):
    return (a, (1.0,)) if a > 0.0 else (slope * a, (slope,))


def elu(a: float, alpha: float):
    if a > 0.0:
        return a, (1.0,)
    e = math.exp(a)
    return alpha * (e - 1.0), (alpha * e,)


def softplus(a: float):
    # ln(1 + e^a) = max(a, 0) + ln(1 + e^(−|a|)): no overflow for large |a|.
    return max(a, 0.0) + math.log1p(math.exp(-abs(a))), (_sigmoid(a),)


UNARY: dict[str, Callable] = {
    "exp": exp,
    "log": log,
    "tanh": tanh,
    "sigmoid": sigmoid,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "elu": elu,
    "softplus": softplus,
}
