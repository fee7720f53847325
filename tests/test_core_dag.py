"""Random expression DAGs: shared subexpressions, a node used twice (x*x), diamonds,
constants. The engine's gradients must agree with central differences and with
PyTorch, and the pull form δ_j = Σ_{k∈↓j} δ_k ∂k/∂j must equal backward()."""

from __future__ import annotations

import math

import pytest
from hypothesis import given

from autograd import Value, downstream, gradcheck, pull_deltas, topological_order

from dags import programs, run

try:
    import torch
except ImportError:
    torch = None

@given(programs())
def test_engine_matches_finite_differences_on_random_dags(program):
    leaves, steps = program
    report = gradcheck(lambda *xs: run(steps, xs), leaves, eps=1e-6, atol=1e-5, rtol=1e-4)
    assert report.ok, report


@pytest.mark.skipif(torch is None, reason="PyTorch not installed (pip install 'deltagrad[torch]')")
@given(programs())
def test_engine_matches_pytorch_on_random_dags(program):
    leaves, steps = program
    values = [Value(x) for x in leaves]
    root = run(steps, values)
    root.backward()
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in leaves]
    troot = run(steps, tensors, torch)
    troot.backward()
    assert math.isclose(root.data, troot.item(), rel_tol=1e-12, abs_tol=1e-12)
    for v, t in zip(values, tensors):
        tg = 0.0 if t.grad is None else t.grad.item()
        assert math.isclose(v.grad, tg, rel_tol=1e-9, abs_tol=1e-10)


@given(programs())
def test_pull_form_equals_backward(program):
    """δ_j = Σ_{k∈↓j} δ_k ∂k/∂j, node by node, gives exactly backward()'s grads."""
    leaves, steps = program
    root = run(steps, [Value(x) for x in leaves])
    pulled = pull_deltas(root)
    root.backward()
    for node in topological_order(root):
        assert pulled[node] == pytest.approx(node.grad, rel=1e-12, abs=1e-12)


@given(programs())
def test_topological_order_puts_parents_first_and_is_deterministic(program):
    leaves, steps = program
    root = run(steps, [Value(x) for x in leaves])
    order = topological_order(root)
    position = {node: i for i, node in enumerate(order)}
    assert order[-1] is root
    assert len(position) == len(order)  # every node once
    for node in order:
        assert all(position[p] < position[node] for p in node.parents)
    assert [id(n) for n in topological_order(root)] == [id(n) for n in order]


def test_downstream_lists_one_pair_per_edge():
    x = Value(3.0, "x")
    y = x * x  # two edges from x into y
    z = y + x  # diamond: x reaches z directly and through y
    below = downstream(z)
    assert [(k, d) for k, d in below[x]] == [(y, 3.0), (y, 3.0), (z, 1.0)]
    assert below[y] == [(z, 1.0)]
    assert below[z] == []
    z.backward()
    assert x.grad == 2 * 3.0 + 1  # d(x² + x)/dx at 3


@given(programs())
def test_backward_visits_the_interior_nodes_in_topological_order(program):
    """backward's own search (no set of seen nodes: a node is marked by its starting δ)
    gives the interior nodes of topological_order, in the same order, and leaves the
    leaves' accumulated grads alone."""
    from autograd.graph import interior_order

    leaves, steps = program
    values = [Value(x) for x in leaves]
    root = run(steps, values)
    for v in values:
        v.grad = 0.25  # a leaf's grad accumulates: the search must not touch it
    interior = [node for node in topological_order(root) if node.parents]
    found: list = []
    assert [id(n) for n in interior_order(root, found)] == [id(n) for n in interior]
    # the leaves backward checks for an inf or nan: each leaf parent, once per node it feeds
    assert sorted(map(id, found)) == sorted(id(p) for n in interior for p in n.parents if not p.parents)
    assert all(node.grad == 0.0 for node in interior)
    assert all(v.grad == 0.25 for v in values)


@pytest.mark.parametrize("make", [
    lambda x: x * 1e300 * 1e300,                 # the values are finite (1e300); δ_x = 1e600 is inf
    lambda x: (x * 1.0) * 1e300 * 1e300 + x,     # inf at an interior node, then at the leaf
    lambda x: (x * 0.0) * 1e300 * 1e300 + x,     # inf · ∂ = inf · 0: nan at the leaf
])
def test_a_non_finite_delta_anywhere_reaches_a_leaf_and_is_named(make):
    """backward checks only the leaves' δs for inf or nan: an inf or nan δ at any node
    reaches every node upstream of it (inf · ∂ is ±inf, or nan where ∂ is 0)."""
    x = Value(1e-300, "x")
    root = make(x)
    assert math.isfinite(root.data)
    with pytest.raises(OverflowError, match="backward"):
        root.backward()


def test_backward_after_an_interrupted_pass_gives_the_same_grads():
    """A pass stopped half-way leaves interior δs that the next pass must not trust."""
    from autograd.graph import interior_order

    x = Value(0.5, "x")
    shared = x.tanh()
    root = shared * shared + shared.exp()
    root.backward()
    expected = x.grad
    interior_order(root)  # marks every interior node, as an interrupted pass would
    shared.grad = 123.0  # and a half-finished sweep
    x.grad = 0.0
    root.backward()
    assert x.grad == expected
