"""The batched program: one compiled graph replayed over a whole batch, every variable an
array. It must agree with the scalar program and with the engine (values and gradients
to 1e-12) on random DAGs over every op, raise the engine's error naming the node and the
example, give the same numbers without NumPy, and compute a layer as a matrix product."""

from __future__ import annotations

import math
import sys
import random

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd
import nn
from autograd import Value, rules
from autograd.modes import batch as batch_mode
from autograd.modes.program import Graph, replay_in_engine

import dags

TOL = 1e-12


def close(a, b) -> bool:
    return abs(a - b) <= TOL * max(1.0, abs(a), abs(b))


def reference(compiled, root, inputs, columns, size):
    """Σ over the examples of the scalar program and of the engine (each example rebuilt
    with Values and backward()), from the per-example columns."""
    scalar_out, scalar_grads = 0.0, [0.0] * len(inputs)
    engine_out, engine_grads = 0.0, [0.0] * len(inputs)
    g = Graph([root], inputs)
    for n in range(size):
        values = [c if isinstance(c, float) else float(c[n]) for c in columns]
        out, grads = compiled(values)
        scalar_out += out
        scalar_grads = [a + b for a, b in zip(scalar_grads, grads)]
        (out,), grads = replay_in_engine(g, values, [1.0])
        engine_out += out
        engine_grads = [a + b for a, b in zip(engine_grads, grads)]
    return (scalar_out, scalar_grads), (engine_out, engine_grads)


@settings(max_examples=60, deadline=None)
@given(dags.programs(ops=dags.EVERY_OP), st.integers(0, 2**32 - 1), st.booleans())
def test_batched_scalar_and_engine_agree_on_random_dags_over_every_op(program, seed, share_first):
    leaves, steps = program
    xs = [Value(v) for v in leaves]
    root = dags.run(steps, xs)
    if not root.parents:
        return
    compiled = autograd.compile(root, xs)
    rng = np.random.default_rng(seed)
    size = 7
    # each example a small step from the point the graph was built at (the ops were kept
    # inside their domains there); the first input optionally one number for every example
    columns = [leaf + 1e-3 * rng.standard_normal(size) for leaf in leaves]
    if share_first and len(leaves) > 1:
        columns[0] = float(leaves[0])
    try:
        (s_out, s_grads), (e_out, e_grads) = reference(compiled, root, xs, columns, size)
    except (ArithmeticError, ValueError):
        with pytest.raises((ArithmeticError, ValueError), match="example"):
            compiled.batch(columns)
        return
    out, grads = compiled.batch(columns)
    assert close(out, s_out) and close(out, e_out)
    for g, s, e in zip(grads, s_grads, e_grads):
        assert close(g, s) and close(g, e), (compiled.batch.source([isinstance(c, float) for c in columns]), grads, s_grads)
    # per example: one entry each, summing to the totals
    outs, per = compiled.batch(columns, per_example=True)
    assert len(outs) == size and close(float(np.sum(outs)), out)
    for g, p in zip(grads, per):
        assert len(p) == size and close(float(np.sum(p)), g)
    # packed (nn.fit's form): the shared inputs in one vector V, the others the rows of X
    shared = [isinstance(c, float) for c in columns]
    fn, _ = batch_mode.batch_program(Graph([root], xs), shared, np, packed=True)
    V = np.array([c if s else 0.0 for c, s in zip(columns, shared)])
    X = np.array([c for c, s in zip(columns, shared) if not s]).reshape(-1, size)
    with np.errstate(all="ignore"):
        done = fn(V, X, size, lambda Y: np.ones_like(Y))
    if done is not None:  # (None: a value not finite, which the batch above replayed one by one)
        Y, G, per = done
        per = iter(per)
        assert Y.shape == (1, size) and close(float(Y.sum()), out)
        for i, (g, s) in enumerate(zip(grads, shared)):
            assert close(float(G[i]) if s else float(np.sum(next(per))), g)


def test_without_numpy_the_batch_is_the_scalar_program_example_by_example(monkeypatch):
    x, w, b = Value(0.3, "x"), Value(-1.2, "w"), Value(0.4, "b")
    z = (w * x + b).tanh() * (x * x).sigmoid()
    compiled = autograd.compile(z, [x, w, b])
    columns = [[0.1, -0.5, 2.0, 0.0], -1.2, [0.4, 0.4, -0.3, 1.0]]
    with_numpy = compiled.batch(columns)
    monkeypatch.setitem(sys.modules, "numpy", None)  # as if NumPy were not installed: import numpy fails
    without = compiled.batch(columns)
    assert close(with_numpy[0], without[0])
    assert all(close(a, b) for a, b in zip(with_numpy[1], without[1]))
    outs, per = compiled.batch(columns, per_example=True)
    assert isinstance(outs, list) and len(outs) == 4 and close(math.fsum(outs), without[0])
    with pytest.raises(ImportError, match="NumPy"):
        compiled.batch.source()


@pytest.mark.parametrize("numpy_present", [True, False])
def test_a_domain_error_names_the_node_and_the_example(monkeypatch, numpy_present):
    if not numpy_present:
        monkeypatch.setitem(sys.modules, "numpy", None)  # as if NumPy were not installed: import numpy fails
    x = Value(2.0, "x")
    y = (x - 1.0).log()
    y.label = "y"
    compiled = autograd.compile(y * 2.0, [x])
    with pytest.raises(ValueError) as err:
        compiled.batch([[2.0, 3.0, 0.5, 4.0]])
    assert "example 2" in str(err.value) and "log" in str(err.value)
    with pytest.raises(OverflowError, match="example 1"):
        autograd.compile(x.exp(), [x]).batch([[1.0, 800.0]])


def test_relu_takes_each_examples_branch():
    x = Value(1.0, "x")
    compiled = autograd.compile((x * 3.0).relu(), [x])
    outs, (grads,) = compiled.batch([[-1.0, 0.0, 2.0]], per_example=True)
    assert list(outs) == [0.0, 0.0, 6.0] and list(grads) == [0.0, 0.0, 3.0]
    batched = autograd.compile((x * 3.0).relu(), [x], batch=True)  # the same, asked for directly
    assert batched([[-1.0, 0.0, 2.0]]) == (6.0, [3.0])


def mlp_graph(sizes, activation="tanh", seed=0):
    model = nn.MLP(sizes[0], sizes[1:], activation=activation, seed=seed)
    xs = [Value(0.0, f"x{k}") for k in range(sizes[0])]
    out = model(xs)
    out = out if isinstance(out, list) else [out]
    E = Value.sum([o * o for o in out])
    params = model.parameters()
    return autograd.compile(E, [*params, *xs]), params, xs


def test_a_layer_is_one_matrix_product_forward_and_its_transposes_backward():
    compiled, params, xs = mlp_graph([2, 4, 3, 1])
    shared = [True] * len(params) + [False] * len(xs)
    source = compiled.batch.source(shared)
    # every layer a matrix (the output unit a 1 × 3 one), each reading the last one's activations
    assert "A1 = W1 @ X1 + b1" in source and "A2 = W2 @ X2 + b2" in source and "A3 = W3 @ X3 + b3" in source
    assert "X2 = Z1" in source and "Z1, (H1,) = r0(np, A1)" in source
    assert "DX2 = W2.T @ D2" in source and "DW2 = D2 @ X2.T" in source and "D1 = DX2 * H1" in source
    rng = np.random.default_rng(1)
    X = rng.standard_normal((2, 9))
    columns = [p.data for p in params] + [X[0], X[1]]
    out, grads = compiled.batch(columns)
    # the same sums, one example at a time through the scalar program
    want_out, want = 0.0, [0.0] * len(columns)
    for n in range(9):
        o, g = compiled([p.data for p in params] + [X[0, n], X[1, n]])
        want_out += o
        want = [a + b for a, b in zip(want, g)]
    assert close(out, want_out)
    assert all(close(a, b) for a, b in zip(grads, want))


def test_weights_that_differ_per_example_are_no_matrix():
    compiled, params, xs = mlp_graph([2, 3, 1])
    source = compiled.batch.source()  # every input per example: no shared W
    assert "@" not in source


def test_bad_columns_are_refused_with_what_to_do():
    x, w = Value(1.0), Value(2.0)
    compiled = autograd.compile(x * w, [x, w])
    with pytest.raises(ValueError, match="same length"):
        compiled.batch([[1.0, 2.0], [1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="2 input columns"):
        compiled.batch([[1.0]])
    with pytest.raises(ValueError, match="example 1"):
        compiled.batch([[1.0, float("nan")], 2.0])


def test_the_engine_and_fit_run_where_numpy_cannot_be_imported():
    import subprocess

    code = ("import sys; sys.modules['numpy'] = None\n"
            "import autograd, nn\n"
            "X, y = nn.data.xor()\n"
            "m = nn.MLP(2, [3, 1], seed=0)\n"
            "h = nn.fit(m, X, y, 'mse', nn.SGD(m.parameters(), lr=0.1), epochs=3, progress=False)\n"
            "x = autograd.Value(0.5)\n"
            "out, g = autograd.compile(x.tanh(), [x]).batch([[0.1, 0.2]])\n"
            "print(len(h.loss), round(out, 12))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["3", str(round(math.tanh(0.1) + math.tanh(0.2), 12))]


def test_an_op_defined_by_an_instructor_runs_its_scalar_rule_per_example():
    from autograd import defining

    defining.define("GELUish", lambda a: a * a * a, lambda a: 3.0 * a * a)
    defining.define("geluish", lambda a: 2.0 * a, lambda a: 2.0)
    try:
        x = Value(0.5, "x")
        compiled = autograd.compile(x.GELUish().geluish() * x, [x])
        assert rules.RULES["GELUish"].array is None  # no array form: the scalar rule, example by example
        columns = [[0.5, -1.5, 2.0]]
        outs, (grads,) = compiled.batch(columns, per_example=True)
        for n, v in enumerate(columns[0]):
            out, (g,) = compiled([v])
            assert close(outs[n], out) and close(grads[n], g)
    finally:
        defining.undefine("GELUish")
        defining.undefine("geluish")
