"""Random expression DAGs for property tests, shared by the engine and teaching tests.

A program is a list of instructions; each makes one new node from earlier nodes
(indices into the list so far), so shared subexpressions, diamonds and x*x (one node
used twice by one consumer) are common. The same program runs on Values or, for the
cross-check, on torch tensors.
"""

from __future__ import annotations

from hypothesis import strategies as st

from autograd import Value, rules, weighted_sum
from autograd import ops

OPS = ["+", "-", "*", "/", "square", "tanh", "sigmoid", "exp", "softplus",
       "+c", "*c", "c-", "neg", "sum3", "wsum"]

# The table's own rows, read when the tests are collected: before any test defines an op of its own.
BUILT_IN_OPS = frozenset(rules.RULES)

# Every op of the engine's table: the ops above and the rest, each kept inside its
# domain (positive bases and logarithms) and off its kink (relu, leaky_relu and elu
# at 0), for the tests that must cover all of them: forward mode and Hessians.
EVERY_OP = OPS + ["**", "**c", "c**", "/c", "c/", "-c", "log", "relu", "leaky_relu", "elu",
                  "exp2", "expm1", "log2", "log10", "log1p", "sqrt", "cbrt", "abs", "sign",
                  "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh",
                  "atan2", "hypot", "maximum", "minimum", "clamp", "%"]


@st.composite
def programs(draw, max_steps: int = 14, ops=OPS):
    n_leaves = draw(st.integers(1, 4))
    leaves = draw(st.lists(st.floats(-2, 2, allow_nan=False), min_size=n_leaves, max_size=n_leaves))
    steps = []
    for k in range(draw(st.integers(1, max_steps))):
        n = n_leaves + k
        op = draw(st.sampled_from(ops))
        i, j, m = (draw(st.integers(0, n - 1)) for _ in range(3))
        c = draw(st.floats(-2, 2, allow_nan=False))
        steps.append((op, i, j, m, c))
    return leaves, steps


def run(steps, leaves, torch=None):
    """Interpret a program on Values (leaves may be numbers), or on tensors when the
    torch module is given. Returns the last node."""
    return run_all(steps, leaves, torch)[-1]


def _value(x, torch) -> float:
    return float(x.data if torch is None else x.item())


def run_all(steps, leaves, torch=None):
    """Like `run`, but returns every node of the program: the leaves, then one per step."""
    nodes = list(leaves) if torch is not None else [x if isinstance(x, Value) else Value(x) for x in leaves]
    for op, i, j, m, c in steps:
        a, b, d = nodes[i], nodes[j], nodes[m]
        if op == "+":
            out = a + b
        elif op == "-":
            out = a - b
        elif op == "*":
            out = a * b
        elif op == "/":
            out = a / (b * b + 1.0)  # never divides by zero
        elif op == "square":
            out = a * a  # the same node twice: two edges, two chain-rule terms
        elif op == "exp":
            out = a.tanh().exp()  # bounded argument: no overflow
        elif op in ("tanh", "sigmoid"):
            out = getattr(a, op)()
        elif op == "softplus":
            out = a.softplus() if torch is None else torch.nn.functional.softplus(a, threshold=1000.0)
        elif op == "+c":
            out = a + c
        elif op == "*c":
            out = c * a
        elif op == "c-":
            out = c - a
        elif op == "neg":
            out = -a
        elif op == "sum3":
            out = Value.sum([a, b, d]) if torch is None else a + b + d
        elif op == "wsum":  # a·b + d·c + a  (weights a, d; inputs b, c; bias a)
            out = weighted_sum([a, d], [b, c], a) if torch is None else a * b + d * c + a
        else:
            out = _more(op, a, b, c, torch)
        # keep magnitudes moderate so finite differences stay accurate
        nodes.append(out.tanh() if abs(_value(out, torch)) > 50 else out)
    return nodes


def _more(op, a, b, c, torch):
    """The ops of EVERY_OP beyond OPS."""
    if op == "**":  # Value ** Value: base in (0.5, 1.5), exponent in (−1, 1)
        if abs(_value(b, torch)) < 1e-3:
            # off the exponent 0, where PyTorch's second derivative of a^b drops the term
            # ∂(b·a^(b−1))/∂b = a^(b−1)(1 + b ln a): torch.where masks the whole first derivative
            b = b + 0.5
        return (a.sigmoid() + 0.5) ** b.tanh()
    if op == "**c":
        return (a * a + 1.0) ** c
    if op == "c**":
        return (abs(c) + 0.5) ** a.tanh()
    if op == "/c":
        return a / (abs(c) + 0.5)
    if op == "c/":
        return c / (a * a + 1.0)
    if op == "-c":
        return a - c
    if op == "log":
        return (a * a + 0.5).log()
    if op in _INTO_DOMAIN:  # a function of the table, its argument moved into its domain
        x = _INTO_DOMAIN[op](a)
        return ops.FUNCTIONS[op](x) if torch is None else getattr(torch, op)(x)
    if op in ("atan2", "hypot"):  # second operand ≥ 0.5: off the origin and atan2's cut
        return _call(op, torch, a, b * b + 0.5)
    if op in ("maximum", "minimum"):
        if abs(_value(a, torch) - _value(b, torch)) < 1e-3:  # off the tie
            b = b + 0.5
        return _call(op, torch, a, b)
    if op == "%":
        d = b * b + 0.5
        q = _value(a, torch) / _value(d, torch)
        if abs(q - round(q)) < 1e-3:  # off the jumps of a mod d, at whole multiples of d
            a = a + 0.25 * d
        return a % d if torch is None else torch.remainder(a, d)
    if op == "clamp":
        if min(abs(_value(a, torch) - 1.0), abs(_value(a, torch) + 1.0)) < 1e-3:  # off the corners
            a = a + 0.5
        return ops.FUNCTIONS["clamp"](a, -1.0, 1.0) if torch is None else torch.clamp(a, -1.0, 1.0)
    if abs(_value(a, torch)) < 1e-3:  # off the kink at 0, where the derivative jumps
        a = a + 0.5
    if op == "cbrt":
        return ops.FUNCTIONS["cbrt"](a) if torch is None else torch.sign(a) * a.abs() ** (1 / 3)
    if op in ("abs", "sign"):
        return ops.FUNCTIONS[op](a) if torch is None else getattr(torch, op)(a)
    if op == "relu":
        return a.relu()
    if op == "leaky_relu":
        return a.leaky_relu(0.1) if torch is None else torch.nn.functional.leaky_relu(a, 0.1)
    if op == "elu":
        return a.elu(0.7) if torch is None else torch.nn.functional.elu(a, 0.7)
    raise ValueError(f"dags: unknown op {op!r}")


def _call(op, torch, *args):
    return ops.FUNCTIONS[op](*args) if torch is None else getattr(torch, op)(*args)


# Functions of one argument, each with a map of any number into its domain.
_INTO_DOMAIN = {
    "exp2": lambda a: 3.0 * a.tanh(), "expm1": lambda a: 3.0 * a.tanh(),
    "log2": lambda a: a * a + 0.5, "log10": lambda a: a * a + 0.5, "log1p": lambda a: a * a,
    "sqrt": lambda a: a * a + 0.5,
    "sin": lambda a: a, "cos": lambda a: a, "tan": lambda a: a.tanh(),
    "asin": lambda a: 0.9 * a.tanh(), "acos": lambda a: 0.9 * a.tanh(), "atan": lambda a: a,
    "sinh": lambda a: 3.0 * a.tanh(), "cosh": lambda a: 3.0 * a.tanh(),
    "asinh": lambda a: a, "acosh": lambda a: a * a + 1.5, "atanh": lambda a: 0.9 * a.tanh(),
}
