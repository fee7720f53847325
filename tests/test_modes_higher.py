"""Derivatives of derivatives: grad(..., create_graph=True) returns gradients that are
graphs, built from each op's derivative written with Values (the rows' `d`). Checked
against PyTorch's float64 Hessians and Hessian-vector products and against central
differences of the gradient on random DAGs over every op; the float path must stay
exactly backward()'s numbers; an op without such a derivative must be named."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import (MissingDerivative, Value, exp, grad, hand_check, hessian, hvp, rules, tanh,
                      topological_order)
from autograd import defining, ops
from autograd.value import apply_rule

from dags import BUILT_IN_OPS, EVERY_OP, programs, run, run_all

from support import needs_torch, torch


def _close(a, b, rel=1e-9, abs_=1e-9):
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def test_the_random_dags_cover_every_row_of_the_table():
    """So "over every op" stays true when a row is added to autograd/rules.py."""
    made = set()
    for op in EVERY_OP:
        root = run_all([(op, 0, 1, 0, 0.7)], [0.3, -1.1])[-1]
        made |= {ops.parse_op(n.op)[0].name for n in topological_order(root) if n.op}
    missing = BUILT_IN_OPS - made
    assert not missing, f"add these ops to tests/dags.py EVERY_OP: {sorted(missing)}"


@given(programs(ops=EVERY_OP))
def test_float_grad_is_exactly_backward_and_leaves_grad_alone(program):
    leaves, steps = program
    values = [Value(x) for x in leaves]
    root = run(steps, values)
    got = grad(root, values)
    assert all(v.grad == 0.0 for v in topological_order(root))  # nothing accumulated
    root.backward()
    in_graph = set(topological_order(root))
    assert got == [v.grad if v in in_graph else 0.0 for v in values]  # bit for bit


@given(programs(ops=EVERY_OP))
def test_gradient_graphs_compute_the_same_gradient(program):
    leaves, steps = program
    values = [Value(x) for x in leaves]
    root = run(steps, values)
    numbers_ = grad(root, values)
    graphs = grad(root, values, create_graph=True)
    assert all(isinstance(g, Value) for g in graphs)
    for g, n in zip(graphs, numbers_):
        assert _close(g.data, n, rel=1e-12, abs_=1e-12)


@needs_torch
@given(programs(ops=EVERY_OP))
def test_hessian_equals_torch_on_random_dags_over_every_op(program):
    leaves, steps = program
    values = [Value(x) for x in leaves]
    ours = hessian(run(steps, values), values)
    primals = tuple(torch.tensor(x, dtype=torch.float64) for x in leaves)
    theirs = torch.autograd.functional.hessian(lambda *xs: run(steps, list(xs), torch), primals)
    n = len(leaves)
    for i in range(n):
        for j in range(n):
            assert _close(ours[i][j], theirs[i][j].item(), rel=1e-8, abs_=1e-9), (i, j)


@needs_torch
@given(programs(ops=EVERY_OP), st.lists(st.floats(-2, 2, allow_nan=False), min_size=4, max_size=4))
def test_hvp_equals_torch_and_the_hessian_times_v(program, direction):
    leaves, steps = program
    v = direction[: len(leaves)]
    values = [Value(x) for x in leaves]
    root = run(steps, values)
    ours = hvp(root, values, v)
    h = hessian(root, values)
    primals = tuple(torch.tensor(x, dtype=torch.float64) for x in leaves)
    tangents = tuple(torch.tensor(t, dtype=torch.float64) for t in v)
    _, theirs = torch.autograd.functional.hvp(lambda *xs: run(steps, list(xs), torch), primals, tangents)
    for i in range(len(leaves)):
        hv = math.fsum(h[i][j] * v[j] for j in range(len(v)))
        scale = math.fsum(abs(h[i][j] * v[j]) for j in range(len(v)))
        assert _close(ours[i], theirs[i].item(), rel=1e-8, abs_=1e-9)
        assert abs(ours[i] - hv) <= 1e-9 * (1.0 + scale)


@given(programs(ops=EVERY_OP))
def test_hessian_is_central_differences_of_the_gradient(program):
    leaves, steps = program
    values = [Value(x) for x in leaves]
    h = hessian(run(steps, values), values)
    eps = 1e-5
    for j in range(len(leaves)):
        up = [Value(x + (eps if k == j else 0.0)) for k, x in enumerate(leaves)]
        down = [Value(x - (eps if k == j else 0.0)) for k, x in enumerate(leaves)]
        g_up, g_down = grad(run(steps, up), up), grad(run(steps, down), down)
        for i in range(len(leaves)):
            assert h[i][j] == pytest.approx((g_up[i] - g_down[i]) / (2 * eps), rel=1e-4, abs=1e-5)


@given(programs(ops=EVERY_OP))
def test_hessian_is_symmetric(program):
    leaves, steps = program
    values = [Value(x) for x in leaves]
    h = hessian(run(steps, values), values)
    for i in range(len(h)):
        for j in range(i):
            assert _close(h[i][j], h[j][i], rel=1e-9, abs_=1e-9)


# ---------------------------------------------------------------------------
# Worked examples
# ---------------------------------------------------------------------------
def test_hessian_of_x_squared_y_by_hand():
    assert hessian(lambda x, y: x * x * y, {"x": 3.0, "y": 2.0}) == [[4.0, 6.0], [6.0, 0.0]]


def test_second_derivative_of_tanh_passes_the_hand_check():
    d2 = lambda a: grad(grad(tanh(a), a, create_graph=True), a, create_graph=True)  # noqa: E731
    claim = lambda a: -2 * math.tanh(a) * (1 - math.tanh(a) ** 2)  # noqa: E731
    table = hand_check(lambda a: grad(tanh(a), a, create_graph=True), {"a": claim}, at={"a": 0.3},
                       n_random=20)
    assert table.ok, table
    assert d2(Value(0.3)).data == pytest.approx(claim(0.3), rel=1e-12)


def test_every_derivative_of_exp_is_exp():
    x = Value(0.7, "x")
    g = exp(x)
    for _ in range(4):
        g = grad(g, x, create_graph=True)
        assert g.data == pytest.approx(math.exp(0.7), rel=1e-14)


def test_gradient_graphs_reuse_the_original_nodes():
    """∂(w·x)/∂w = x: the gradient is the node x itself, not a copy."""
    w, x = Value(2.0, "w"), Value(-1.5, "x")
    gw, gx = grad(w * x, [w, x], create_graph=True)
    assert gw is x and gx is w


def test_constant_gradients_and_nodes_not_in_the_graph():
    x, y, other = Value(1.0, "x"), Value(2.0, "y"), Value(5.0, "u")
    s = x + y
    assert grad(s, [x, other]) == [1.0, 0.0]
    gx, gu = grad(s, [x, other], create_graph=True)
    assert isinstance(gx, Value) and gx.data == 1.0 and not gx.parents
    assert gu.data == 0.0 and grad(gx, x) == 0.0
    assert grad(s, s) == 1.0


def test_hvp_with_names_and_without_forming_the_hessian():
    f = lambda x, y: (x * y).sin() if hasattr(Value, "sin") else (x * y).tanh()  # noqa: E731
    at = {"x": 0.4, "y": -1.2}
    h = hessian(f, at)
    hv = hvp(f, at, {"y": 1.0})
    assert hv == pytest.approx([h[0][1], h[1][1]], rel=1e-12)


def test_errors_name_the_argument():
    x = Value(1.0, "x")
    with pytest.raises(TypeError, match="grad: root must be the Value"):
        grad(1.0, x)
    with pytest.raises(TypeError, match=r"wrt\[1\] must be a Value, got str 'y'"):
        grad(x * x, [x, "y"])
    with pytest.raises(TypeError, match="create_graph must be True or False"):
        grad(x * x, x, create_graph="yes")
    with pytest.raises(TypeError, match="at must be the list of Values"):
        hessian(x * x, {"x": 1.0})
    with pytest.raises(ValueError, match=r"at\['x'\] must be a finite number"):
        hessian(lambda x: x * x, {"x": math.inf})
    with pytest.raises(TypeError, match="f must return a Value"):
        hessian(lambda x: 3.0, {"x": 1.0})
    with pytest.raises(ValueError, match="v names 'z', which are not in at"):
        hvp(lambda x: x * x, {"x": 1.0}, {"z": 1.0})


def _cube(a: float):
    return a ** 3, (3 * a * a,)


def test_an_op_without_a_value_derivative_is_named(monkeypatch):
    row = rules.Rule("cube", "a³", ("∂a³/∂a = 3a²",), _cube, None)
    monkeypatch.setitem(rules.RULES, "cube", row)
    x = Value(2.0, "x")
    y = apply_rule(row, (x,))
    y.label = "y"
    assert grad(y, x) == 12.0  # the float path needs only the stored numbers
    with pytest.raises(MissingDerivative, match=r"the op 'cube' \(of Value 'y'\) has no derivative written with Values"):
        grad(y, x, create_graph=True)
    with pytest.raises(MissingDerivative, match="'cube'"):
        hessian(y, [x])


def test_a_derivative_written_with_math_is_named(monkeypatch):
    row = rules.Rule("mcube", "a³", ("∂a³/∂a = 3a²",), _cube, lambda a, out: (3 * math.pow(a, 2),))
    monkeypatch.setitem(rules.RULES, "mcube", row)
    x = Value(2.0, "x")
    y = apply_rule(row, (x,))
    with pytest.raises(MissingDerivative, match="'mcube'.*does not work on Values.*not with math's"):
        grad(y, x, create_graph=True)


def test_an_op_unknown_to_the_table_is_named():
    x = Value(2.0, "x")
    y = Value(8.0)  # a node made by hand, with an op no row knows
    y.op, y.parents, y.local_grads = "mystery", (x,), (12.0,)
    with pytest.raises(MissingDerivative, match="the op 'mystery' of an unlabelled Value .* has no row"):
        grad(y, x, create_graph=True)


def test_an_instructors_op_is_differentiated_twice():
    """An op added with define(...) carries its derivative written with Values."""
    from autograd import sigmoid

    name = "swish_twice"
    try:
        defining.define(name, lambda a: a * sigmoid(a),
                     lambda a: sigmoid(a) * (1 + a * (1 - sigmoid(a))),
                     formula="a·σ(a)", derivative="σ(a)(1 + a(1 − σ(a)))")
        f = lambda a: getattr(a, name)()  # noqa: E731
        h = hessian(f, {"a": 0.8})[0][0]
        s = 1 / (1 + math.exp(-0.8))
        assert h == pytest.approx(s * (1 - s) * (2 + 0.8 * (1 - 2 * s)), rel=1e-12)  # swish''
    finally:
        defining.undefine(name)


def test_hessian_and_hvp_of_a_2_8_8_1_network():
    """A real-sized network: 105 weights, ten examples. H is 105×105 and symmetric, and the
    Hessian-vector product (one forward sweep over the gradient's graph) is H·v."""
    import random

    import nn
    from autograd import count_edges

    model = nn.MLP(2, [8, 8, 1], activation="tanh", seed=0)
    weights = model.parameters()
    X, T = nn.data.moons(10, noise=0.1, seed=0)
    loss = Value.sum([nn.losses.half_sse(model(x), t) for x, t in zip(X, T)])
    gradient = grad(loss, weights, create_graph=True)
    assert [g.data for g in gradient] == pytest.approx(grad(loss, weights), rel=1e-12, abs=1e-15)
    # the gradient's graph is a small multiple of the loss's: that is what one hvp sweep costs
    assert count_edges(gradient) < 5 * count_edges(loss)
    h = hessian(loss, weights)
    n = len(weights)
    assert n == 105 and len(h) == n and all(len(row) == n for row in h)
    assert all(_close(h[i][j], h[j][i], rel=1e-9, abs_=1e-12) for i in range(n) for j in range(i))
    rng = random.Random(1)
    v = [rng.uniform(-1, 1) for _ in weights]
    hv = hvp(loss, weights, v)
    for i in range(n):
        scale = math.fsum(abs(h[i][j] * v[j]) for j in range(n))
        assert abs(hv[i] - math.fsum(h[i][j] * v[j] for j in range(n))) <= 1e-12 * (1 + scale)
    assert all(w.grad == 0.0 for w in weights)
