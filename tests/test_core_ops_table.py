"""Every row of the derivative table, from ONE list: each op on plain floats and
through the engine, its derivative against central differences and PyTorch float64,
at Hypothesis-drawn points kept off kinks and poles; and the table checks itself
(`d` agrees with `fn` on every row, `parse_op` recovers every node).

Each entry's `f` is written once with autograd's functions and operators, so the
same lambda runs on floats (giving a float) and on Values (giving a node), as in
minitorch's shared test functions; `ref` is an independent float formula from `math`.
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, gradcheck, rules, weighted_sum
from autograd import ops
from autograd.graph import topological_order

from support import docs_text, needs_torch, torch


def floats(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


class Op(NamedTuple):
    rule: str  # the row of rules.RULES it exercises
    f: Callable  # written with autograd functions: floats in → float, Values in → node
    ref: Callable  # the same function from math, independent of the engine
    torch: Callable | None  # the same in torch (None: no torch counterpart)
    domains: tuple  # one strategy per operand
    ok: Callable = lambda *x: True  # keeps the point off kinks and poles
    label: str = ""


def off(points, gap=1e-3):
    return lambda a, *rest: all(abs(a - p) > gap for p in points)


def frac_off_integer(a, b, gap=1e-3):
    q = a / b
    return abs(q - round(q)) > gap


def _cbrt(x):
    return math.copysign(abs(x) ** (1 / 3), x)


T = torch
A = autograd
OPS = [
    # -- arithmetic between Values (and the forms with a folded number)
    Op("+", lambda a, b: a + b, lambda a, b: a + b, lambda a, b: a + b, (floats(-100, 100),) * 2),
    Op("-", lambda a, b: a - b, lambda a, b: a - b, lambda a, b: a - b, (floats(-100, 100),) * 2),
    Op("*", lambda a, b: a * b, lambda a, b: a * b, lambda a, b: a * b, (floats(-100, 100),) * 2),
    Op("/", lambda a, b: a / b, lambda a, b: a / b, lambda a, b: a / b, (floats(-100, 100), floats(0.1, 100))),
    Op("**", lambda a, b: a**b, lambda a, b: a**b, lambda a, b: a**b, (floats(0.1, 10), floats(-3, 3))),
    Op("%", lambda a, b: a % b, math.fmod, lambda a, b: T.remainder(a, b), (floats(0, 20), floats(0.5, 5)),
       frac_off_integer, "% positive"),
    Op("%", lambda a, b: a % b, lambda a, b: a - b * math.floor(a / b), lambda a, b: T.remainder(a, b),
       (floats(-20, 20), floats(-5, -0.5)), frac_off_integer, "% negative divisor"),
    Op("neg", lambda a: -a, lambda a: -a, lambda a: -a, (floats(-100, 100),)),
    Op("+c", lambda a: a + 2.5, lambda a: a + 2.5, lambda a: a + 2.5, (floats(-100, 100),)),
    Op("+c", lambda a: 2.5 + a, lambda a: 2.5 + a, lambda a: 2.5 + a, (floats(-100, 100),), label="c+"),
    Op("-c", lambda a: a - 1.5, lambda a: a - 1.5, lambda a: a - 1.5, (floats(-100, 100),)),
    Op("c-", lambda a: 1.5 - a, lambda a: 1.5 - a, lambda a: 1.5 - a, (floats(-100, 100),)),
    Op("*c", lambda a: a * -3.0, lambda a: a * -3.0, lambda a: a * -3.0, (floats(-100, 100),)),
    Op("/c", lambda a: a / 4.0, lambda a: a / 4.0, lambda a: a / 4.0, (floats(-100, 100),)),
    Op("c/", lambda a: 4.0 / a, lambda a: 4.0 / a, lambda a: 4.0 / a, (floats(0.1, 100),)),
    Op("c/", lambda a: 4.0 / a, lambda a: 4.0 / a, lambda a: 4.0 / a, (floats(-100, -0.1),), label="c/ negative"),
    Op("**c", lambda a: a**3, lambda a: a**3, lambda a: a**3, (floats(-10, 10),), label="**3"),
    Op("**c", lambda a: a**-1, lambda a: 1 / a, lambda a: a**-1, (floats(0.1, 10),), label="**-1"),
    Op("**c", lambda a: a**0.5, math.sqrt, lambda a: a**0.5, (floats(0.01, 100),), label="**0.5"),
    Op("c**", lambda a: 2.0**a, lambda a: 2.0**a, lambda a: 2.0**a, (floats(-20, 20),)),
    # -- exponentials and logarithms
    Op("exp", lambda a: A.exp(a), math.exp, lambda a: a.exp(), (floats(-20, 20),)),
    Op("exp2", lambda a: A.exp2(a), lambda a: 2.0**a, lambda a: T.exp2(a), (floats(-20, 20),)),
    Op("expm1", lambda a: A.expm1(a), math.expm1, lambda a: T.expm1(a), (floats(-20, 20),)),
    Op("log", lambda a: A.log(a), math.log, lambda a: a.log(), (floats(1e-2, 100),)),
    Op("log2", lambda a: A.log2(a), math.log2, lambda a: T.log2(a), (floats(1e-2, 100),)),
    Op("log10", lambda a: A.log10(a), math.log10, lambda a: T.log10(a), (floats(1e-2, 100),)),
    Op("log1p", lambda a: A.log1p(a), math.log1p, lambda a: T.log1p(a), (floats(-0.9, 100),)),
    # -- roots, sign
    Op("sqrt", lambda a: A.sqrt(a), math.sqrt, lambda a: T.sqrt(a), (floats(1e-2, 100),)),
    Op("cbrt", lambda a: A.cbrt(a), _cbrt, lambda a: T.sign(a) * a.abs() ** (1 / 3), (floats(-100, 100),),
       off([0], 1e-2)),
    Op("abs", lambda a: abs(a), abs, lambda a: a.abs(), (floats(-10, 10),), off([0])),
    Op("abs", lambda a: A.abs(a), abs, lambda a: a.abs(), (floats(-10, 10),), off([0]), "autograd.abs"),
    Op("sign", lambda a: A.sign(a), lambda a: math.copysign(1.0, a), lambda a: T.sign(a), (floats(-10, 10),),
       off([0])),
    # -- trigonometry
    Op("sin", lambda a: A.sin(a), math.sin, lambda a: T.sin(a), (floats(-10, 10),)),
    Op("cos", lambda a: A.cos(a), math.cos, lambda a: T.cos(a), (floats(-10, 10),)),
    Op("tan", lambda a: A.tan(a), math.tan, lambda a: T.tan(a), (floats(-1.4, 1.4),)),
    Op("asin", lambda a: A.asin(a), math.asin, lambda a: T.asin(a), (floats(-0.95, 0.95),)),
    Op("asin", lambda a: A.arcsin(a), math.asin, lambda a: T.arcsin(a), (floats(-0.95, 0.95),), label="arcsin"),
    Op("acos", lambda a: A.acos(a), math.acos, lambda a: T.acos(a), (floats(-0.95, 0.95),)),
    Op("acos", lambda a: A.arccos(a), math.acos, lambda a: T.arccos(a), (floats(-0.95, 0.95),), label="arccos"),
    Op("atan", lambda a: A.atan(a), math.atan, lambda a: T.atan(a), (floats(-50, 50),)),
    Op("atan", lambda a: A.arctan(a), math.atan, lambda a: T.arctan(a), (floats(-50, 50),), label="arctan"),
    Op("atan2", lambda a, b: A.atan2(a, b), math.atan2, lambda a, b: T.atan2(a, b), (floats(-10, 10),) * 2,
       lambda a, b: math.hypot(a, b) > 0.1 and not (b < 0 and abs(a) < 1e-3)),  # off the origin and the cut
    Op("hypot", lambda a, b: A.hypot(a, b), math.hypot, lambda a, b: T.hypot(a, b), (floats(-10, 10),) * 2,
       lambda a, b: math.hypot(a, b) > 0.1),
    # -- hyperbolic
    Op("sinh", lambda a: A.sinh(a), math.sinh, lambda a: T.sinh(a), (floats(-10, 10),)),
    Op("cosh", lambda a: A.cosh(a), math.cosh, lambda a: T.cosh(a), (floats(-10, 10),)),
    Op("tanh", lambda a: A.tanh(a), math.tanh, lambda a: a.tanh(), (floats(-10, 10),)),
    Op("asinh", lambda a: A.asinh(a), math.asinh, lambda a: T.asinh(a), (floats(-100, 100),)),
    Op("asinh", lambda a: A.arcsinh(a), math.asinh, lambda a: T.arcsinh(a), (floats(-100, 100),), label="arcsinh"),
    Op("acosh", lambda a: A.acosh(a), math.acosh, lambda a: T.acosh(a), (floats(1.05, 100),)),
    Op("acosh", lambda a: A.arccosh(a), math.acosh, lambda a: T.arccosh(a), (floats(1.05, 100),), label="arccosh"),
    Op("atanh", lambda a: A.atanh(a), math.atanh, lambda a: T.atanh(a), (floats(-0.95, 0.95),)),
    Op("atanh", lambda a: A.arctanh(a), math.atanh, lambda a: T.arctanh(a), (floats(-0.95, 0.95),), label="arctanh"),
    # -- activations
    Op("sigmoid", lambda a: A.sigmoid(a), lambda a: 1 / (1 + math.exp(-a)), lambda a: a.sigmoid(),
       (floats(-30, 30),)),
    Op("relu", lambda a: A.relu(a), lambda a: max(a, 0.0), lambda a: a.relu(), (floats(-10, 10),), off([0])),
    Op("leaky_relu", lambda a: A.leaky_relu(a, 0.1), lambda a: a if a > 0 else 0.1 * a,
       lambda a: T.nn.functional.leaky_relu(a, 0.1), (floats(-10, 10),), off([0])),
    Op("leaky_relu", lambda a: A.leaky_relu(a), lambda a: a if a > 0 else 0.01 * a,
       lambda a: T.nn.functional.leaky_relu(a), (floats(-10, 10),), off([0]), "leaky_relu default"),
    Op("elu", lambda a: A.elu(a, 0.7), lambda a: a if a > 0 else 0.7 * math.expm1(a),
       lambda a: T.nn.functional.elu(a, 0.7), (floats(-10, 10),), off([0])),
    # torch's softplus returns x itself above threshold=20 (off by e^(−x)); lift the threshold
    Op("softplus", lambda a: A.softplus(a), lambda a: math.log1p(math.exp(a)),
       lambda a: T.nn.functional.softplus(a, threshold=1000.0), (floats(-30, 30),)),
    # -- piecewise
    Op("maximum", lambda a, b: A.maximum(a, b), max, lambda a, b: T.maximum(a, b), (floats(-10, 10),) * 2,
       lambda a, b: abs(a - b) > 1e-3),
    Op("minimum", lambda a, b: A.minimum(a, b), min, lambda a, b: T.minimum(a, b), (floats(-10, 10),) * 2,
       lambda a, b: abs(a - b) > 1e-3),
    Op("clamp", lambda a: A.clamp(a, -1.0, 2.0), lambda a: min(max(a, -1.0), 2.0),
       lambda a: T.clamp(a, -1.0, 2.0), (floats(-5, 5),), off([-1, 2])),
    Op("clamp", lambda a: A.clamp(a, hi=0.5), lambda a: min(a, 0.5),
       lambda a: T.clamp(a, max=0.5), (floats(-5, 5),), off([0.5]), "clamp hi only"),
    # -- n-ary
    Op("sum", lambda a, b, c: Value.sum([a, b, c]) if isinstance(a, Value) else a + b + c,
       lambda a, b, c: a + b + c, lambda a, b, c: a + b + c, (floats(-100, 100),) * 3),
    Op("wsum", lambda a, b, c: weighted_sum([a, b], [c, a], b) if isinstance(a, Value) else a * c + b * a + b,
       lambda a, b, c: a * c + b * a + b, lambda a, b, c: a * c + b * a + b, (floats(-10, 10),) * 3),
]
IDS = [op.label or op.rule for op in OPS]


def close(x, y, rtol=1e-12, atol=1e-12):
    return abs(x - y) <= atol + rtol * abs(y)


def draw_point(data, op: Op) -> list[float]:
    point = [data.draw(s) for s in op.domains]
    assume(op.ok(*point))
    return point


def engine_node(op: Op, point):
    """The op's node through the engine, with fresh leaves (the n-ary ones: the last node)."""
    leaves = [Value(x) for x in point]
    out = op.f(*leaves)
    return leaves, out


def test_every_row_of_the_table_is_in_the_list():
    assert {op.rule for op in OPS} == {r.name for r in rules._TABLE}
    # and every NumPy spelling
    assert {op.label for op in OPS} >= set(rules.ALIASES)


@pytest.mark.parametrize("op", OPS, ids=IDS)
@given(data=st.data())
def test_value_on_floats_and_through_the_engine(op, data):
    point = draw_point(data, op)
    on_floats = op.f(*point)
    assert type(on_floats) is float
    assert close(on_floats, op.ref(*point)), (on_floats, op.ref(*point))
    _, out = engine_node(op, point)
    assert isinstance(out, Value) and out.data == on_floats  # the same rule, bit for bit


@pytest.mark.parametrize("op", OPS, ids=IDS)
@given(data=st.data())
def test_derivative_against_central_differences(op, data):
    point = draw_point(data, op)
    report = gradcheck(op.f, point, eps=1e-6, atol=1e-5, rtol=1e-4)
    assert report.ok, f"{op.label or op.rule} at {point}:\n{report}"


@needs_torch
@pytest.mark.parametrize("op", OPS, ids=IDS)
@given(data=st.data())
def test_value_and_derivative_against_torch_float64(op, data):
    point = draw_point(data, op)
    leaves, out = engine_node(op, point)
    out.backward()
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    t_out = op.torch(*tensors)
    t_out.backward()
    assert close(out.data, t_out.item(), rtol=1e-12, atol=1e-300), (out.data, t_out.item())
    for leaf, t in zip(leaves, tensors):
        expected = t.grad.item() if t.grad is not None else 0.0
        assert close(leaf.grad, expected, rtol=1e-10, atol=1e-12), (op.label or op.rule, point, leaf.grad, expected)


# ---------------------------------------------------------------------------
# The table checks itself
# ---------------------------------------------------------------------------
def _as_number(x):
    return x.data if isinstance(x, Value) else x


@pytest.mark.parametrize("op", OPS, ids=IDS)
@given(data=st.data())
def test_d_on_floats_equals_the_stored_local_derivatives(op, data):
    """For every row: d(*parents, *constants, out) on floats is exactly fn's local_grads;
    on Values it gives Values (graphs) with the same numbers."""
    point = draw_point(data, op)
    _, node = engine_node(op, point)
    rule, constants = ops.parse_op(node.op)
    parents = [p.data for p in node.parents]
    on_floats = rule.d(*parents, *constants, node.data)
    assert all(type(g) is float for g in on_floats)
    assert on_floats == node.local_grads
    on_values = rule.d(*node.parents, *constants, node)
    assert len(on_values) == len(node.parents)
    assert all(isinstance(g, (Value, float)) for g in on_values)
    assert [_as_number(g) for g in on_values] == pytest.approx(list(node.local_grads), rel=1e-14, abs=1e-300)


@pytest.mark.parametrize("op", [op for op in OPS if op.rule in {"sin", "cos", "tanh", "sqrt", "**", "/", "atan2"}],
                         ids=lambda op: op.rule)
@given(data=st.data())
def test_d_on_values_is_a_graph_whose_own_derivative_is_the_second_derivative(op, data):
    """d on Values is differentiable: backpropagating ∂out/∂a gives ∂²out/∂a², which
    central differences of the first derivative confirm."""
    point = draw_point(data, op)
    leaves = [Value(x) for x in point]
    out = op.f(*leaves)
    rule, constants = ops.parse_op(out.op)
    first = rule.d(*out.parents, *constants, out)[0]
    assume(isinstance(first, Value) and first.parents)
    first.backward()

    def first_derivative(x):
        shifted = [Value(x)] + [Value(p) for p in point[1:]]
        node = op.f(*shifted)
        return node.local_grads[0]

    h = 1e-5 * max(1.0, abs(point[0]))
    numeric = (first_derivative(point[0] + h) - first_derivative(point[0] - h)) / (2 * h)
    assert close(leaves[0].grad, numeric, rtol=1e-4, atol=1e-5), (leaves[0].grad, numeric)


# ---------------------------------------------------------------------------
# parse_op: every node is recomputed from its parents and its op string
# ---------------------------------------------------------------------------
ROWS = [r for r in rules._TABLE]
CONSTANT = floats(-3, 3)


@st.composite
def every_op_programs(draw, max_steps: int = 25):
    """A random DAG whose steps are drawn from every row of the table (and the
    NumPy spellings); a step outside its op's domain is skipped when it runs."""
    n_leaves = draw(st.integers(1, 4))
    leaves = draw(st.lists(floats(-2, 2), min_size=n_leaves, max_size=n_leaves))
    steps = []
    for _ in range(draw(st.integers(1, max_steps))):
        name = draw(st.sampled_from([r.name for r in ROWS] + sorted(rules.ALIASES)))
        picks = draw(st.lists(st.integers(0, 10**6), min_size=4, max_size=4))
        consts = draw(st.lists(CONSTANT, min_size=2, max_size=2))
        steps.append((name, picks, consts))
    return leaves, steps


def apply_step(nodes, name, picks, consts):
    a, b, c, e = (nodes[i % len(nodes)] for i in picks)
    k = consts[0]
    symbol_ops = {
        "+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b,
        "**": lambda: a**b, "%": lambda: a % b, "neg": lambda: -a,
        "+c": lambda: a + k, "-c": lambda: a - k, "c-": lambda: k - a, "*c": lambda: k * a,
        "/c": lambda: a / k, "c/": lambda: k / a, "**c": lambda: a ** round(k), "c**": lambda: abs(k) ** a,
        "sum": lambda: Value.sum([a, b, k, c]),
        "wsum": lambda: weighted_sum([a, b], [c, k], e if picks[0] % 2 else None),
    }
    if name in symbol_ops:
        return symbol_ops[name]()
    rule = rules.RULES[rules.ALIASES.get(name, name)]
    operands = [a, b, c][: rule.arity]
    if rule.name == "clamp":
        return getattr(a, name)(min(consts), max(consts))
    return getattr(operands[0], name)(*operands[1:], *[abs(x) for x in consts[: len(rule.params)]])


def run_every_op(leaves, steps):
    nodes = [Value(x) for x in leaves]
    for name, picks, consts in steps:
        try:
            out = apply_step(nodes, name, picks, consts)
        except (ArithmeticError, ValueError):
            continue  # outside the op's domain here: skip the step
        nodes.append(out)
    return nodes


@settings(max_examples=300, deadline=None)
@given(every_op_programs())
def test_parse_op_recomputes_every_node_of_a_random_dag(program):
    leaves, steps = program
    nodes = run_every_op(leaves, steps)
    seen = set()
    for root in nodes:
        for node in topological_order(root):
            if node in seen or not node.parents:
                continue
            seen.add(node)
            rule, constants = ops.parse_op(node.op)
            assert ops.spell(rule.name, constants) == node.op  # spelling is parse_op's inverse
            data, local = rule.fn(*(p.data for p in node.parents), *constants)
            assert data == node.data and tuple(local) == node.local_grads, node.op


def test_every_row_is_reached_by_the_random_dags():
    """The DAG generator really exercises every row (a fixed program per row)."""
    made = set()
    for name in [r.name for r in ROWS] + sorted(rules.ALIASES):
        for leaves in ([0.3, 0.7, 1.4], [1.4, 0.7, 0.3]):  # asin needs |a| ≤ 1, acosh a ≥ 1
            nodes = run_every_op(leaves, [(name, [0, 1, 2, 0], [0.5, 1.5])])
            made |= {ops.parse_op(n.op)[0].name for n in nodes if n.parents}
    assert made == {r.name for r in ROWS}


@pytest.mark.parametrize("op, rule, constants", [
    ("tanh", "tanh", ()), ("*2", "*c", (2.0,)), ("+-1", "+c", (-1.0,)), ("-1.5", "-c", (1.5,)),
    ("--1.5", "-c", (-1.5,)), ("-3-", "c-", (-3.0,)), ("2**", "c**", (2.0,)), ("**0.5", "**c", (0.5,)),
    ("8/", "c/", (8.0,)), ("/1e-05", "/c", (1e-05,)), ("1e-05-", "c-", (1e-05,)),
    ("leaky_relu(0.01)", "leaky_relu", (0.01,)), ("elu(1)", "elu", (1.0,)),
    ("clamp(-1,2)", "clamp", (-1.0, 2.0)), ("clamp(-inf,0.5)", "clamp", (-math.inf, 0.5)),
    ("sum", "sum", ()), ("wsum", "wsum", ()), ("%", "%", ()), ("atan2", "atan2", ()),
])
def test_parse_op_reads_the_constants_back(op, rule, constants):
    got_rule, got = ops.parse_op(op)
    assert got_rule.name == rule and got == constants
    assert ops.spell(rule, constants) == op


@pytest.mark.parametrize("op", ["frobnicate", "leaky_relu", "leaky_relu(a)", "clamp(1)", "*x", "tanh(1)", ""])
def test_parse_op_refuses_what_no_row_knows(op):
    with pytest.raises(ValueError, match="no rule"):
        ops.parse_op(op)


def test_constants_are_written_exactly():
    x = Value(0.5)
    for c in [0.1, 1 / 3, -2.0, 1e-300, 123456789012345678.0, -0.0]:
        node = x * c
        rule, (back,) = ops.parse_op(node.op)
        assert back == c and math.copysign(1, back) == math.copysign(1, c)
    assert x.leaky_relu(1 / 3).op == f"leaky_relu({1 / 3!r})"


def test_the_readme_op_table_lists_every_row_with_its_derivatives():
    from pathlib import Path

    readme = docs_text()
    rows = [line for line in readme.splitlines() if line.startswith("| `")]
    for rule in rules._TABLE:
        texts = [d.replace("|", "\\|") for d in rule.derivatives]
        assert any(all(t in row for t in texts) for row in rows), f"the op table of docs/engine.md lacks {rule.name}"


@pytest.mark.parametrize("name", sorted(ops.FUNCTIONS))
def test_the_trace_whitelist_has_every_function_of_the_table(name):
    from autograd.teaching.expr import FUNCTIONS, trace

    rule = rules.RULES[rules.ALIASES.get(name, name)]
    x = 1.6 if rule.name == "acosh" else 0.6
    args = "x, y" if rule.arity == 2 else "x"
    assert name in FUNCTIONS
    t = trace(f"{name}({args}) % 5", {"x": x, "y": 0.3} if rule.arity == 2 else {"x": x})
    leaves = [Value(x), Value(0.3)][: rule.arity]
    out = getattr(autograd, name)(*leaves) % 5
    out.backward()
    assert t.root.data == out.data
    assert list(t.gradients.values()) == [leaf.grad for leaf in leaves]
