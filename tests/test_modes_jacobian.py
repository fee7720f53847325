"""Jacobians both ways with their cost: reverse mode one sweep per output row (m·|E|
multiply-adds), forward mode one sweep per input column (n·|E|). Both must give the
same matrix to 1e-12, equal to PyTorch's float64 Jacobian, on random DAGs."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, count_edges, jacobian, topological_order, weighted_sum

from dags import EVERY_OP, programs, run_all

try:
    import torch
except ImportError:
    torch = None


@st.composite
def jacobian_cases(draw):
    """A random DAG, some of its nodes as outputs (m of them) and its leaves as inputs."""
    leaves, steps = draw(programs(ops=EVERY_OP))
    n_nodes = len(leaves) + len(steps)
    outputs = draw(st.lists(st.integers(0, n_nodes - 1), min_size=1, max_size=4))
    return leaves, steps, outputs


def _edges_by_hand(outputs) -> int:
    """|E| counted independently: every node reachable from the outputs, once each."""
    seen, stack = set(), list(outputs)
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            stack.extend(node.parents)
            yield len(node.parents)


def _path_scale(outputs, inputs) -> list[list[float]]:
    """Σ over paths of |product of local derivatives|: the size rounding errors scale with
    (a Jacobian entry can be a small difference of large path products)."""
    rows = []
    for out in outputs:
        absolute = jacobian_abs(out)
        rows.append([absolute.get(x, 0.0) for x in inputs])
    return rows


def jacobian_abs(out):
    order = topological_order(out)
    total = dict.fromkeys(order, 0.0)
    total[out] = 1.0
    for k in reversed(order):
        for j, local in zip(k.parents, k.local_grads):
            total[j] += abs(local) * total[k]
    return total


@given(jacobian_cases())
def test_both_modes_give_the_same_matrix_at_their_predicted_cost(case):
    leaves, steps, picks = case
    values = [Value(x) for x in leaves]
    nodes = run_all(steps, values)
    outputs = [nodes[i] for i in picks]
    m, n = len(outputs), len(values)
    edges = sum(_edges_by_hand(outputs))
    assert count_edges(outputs) == edges

    reverse, reverse_cost = jacobian(outputs, values, mode="reverse")
    forward, forward_cost = jacobian(outputs, values, mode="forward")
    assert reverse_cost == m * edges  # one backward sweep per output
    assert forward_cost == n * edges  # one forward sweep per input
    assert len(reverse) == len(forward) == m and all(len(r) == n for r in reverse + forward)
    scale = _path_scale(outputs, values)
    for r in range(m):
        for c in range(n):
            assert abs(reverse[r][c] - forward[r][c]) <= 1e-12 * max(1.0, scale[r][c])
    # and nothing was accumulated into .grad
    assert all(v.grad == 0.0 for v in nodes)


@pytest.mark.skipif(torch is None, reason="PyTorch not installed (pip install 'deltagrad[torch]')")
@given(jacobian_cases())
def test_jacobian_equals_pytorch(case):
    leaves, steps, picks = case
    values = [Value(x) for x in leaves]
    nodes = run_all(steps, values)
    ours, _ = jacobian([nodes[i] for i in picks], values, mode="forward")

    def f(*xs):
        all_nodes = run_all(steps, list(xs), torch)
        return tuple(all_nodes[i] for i in picks)

    primals = tuple(torch.tensor(x, dtype=torch.float64) for x in leaves)
    theirs = torch.autograd.functional.jacobian(f, primals)
    for r in range(len(picks)):
        for c in range(len(leaves)):
            assert math.isclose(ours[r][c], theirs[r][c].item(), rel_tol=1e-9, abs_tol=1e-10)


def test_one_loss_many_weights_reverse_is_one_sweep():
    """The lecture's point in numbers: ∂E/∂w for every weight of a layer."""
    x = [Value(v, f"x{k}") for k, v in enumerate([0.5, -1.0, 2.0])]
    w = [Value(0.1 * (j - k), f"w{j}{k}") for j in range(4) for k in range(3)]
    hidden = [weighted_sum(w[3 * j: 3 * j + 3], x).tanh() for j in range(4)]
    loss = Value.sum([h * h for h in hidden])
    grads, reverse_cost = jacobian(loss, w, mode="reverse")
    same, forward_cost = jacobian(loss, w, mode="forward")
    edges = count_edges(loss)
    assert reverse_cost == edges and forward_cost == len(w) * edges == 12 * edges
    loss.backward()
    assert grads[0] == pytest.approx([v.grad for v in w], rel=1e-15)
    assert same[0] == pytest.approx(grads[0], rel=1e-12, abs=1e-15)


def test_outputs_that_are_inputs_and_unused_inputs():
    x, y, unused = Value(3.0, "x"), Value(2.0, "y"), Value(1.0, "u")
    z = x * y
    for mode in ("reverse", "forward"):
        matrix, _ = jacobian([z, x], [x, y, unused], mode=mode)
        assert matrix == [[2.0, 3.0, 0.0], [1.0, 0.0, 0.0]]


def test_errors_name_the_argument():
    x = Value(1.0, "x")
    y = x * 2
    with pytest.raises(ValueError, match="mode='sideways'; use 'reverse'"):
        jacobian(y, [x], mode="sideways")
    with pytest.raises(TypeError, match=r"inputs\[1\] must be a Value, got float 2.0"):
        jacobian(y, [x, 2.0])
    with pytest.raises(ValueError, match="outputs is empty"):
        jacobian([], [x])
    with pytest.raises(ValueError, match=r"inputs\[0\] \(an unlabelled Value \(data 2\)\) is computed by '\*2'"):
        jacobian(y, [y])
    with pytest.raises(TypeError, match="outputs must be a Value or a list of Values"):
        jacobian(3, [x])
