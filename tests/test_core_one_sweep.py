"""One reverse and one forward sweep (autograd/graph.py) behind every way of asking for a
derivative: the same numbers, and no silent inf or nan anywhere — every path raises the
OverflowError naming the node that backward() raises."""

from __future__ import annotations

import warnings

import pytest

from autograd import (Stepper, Value, backward_steps, downstream, forward_steps, forward_tangents, grad, jacobian,
                      pull_deltas, split_wsum, topological_order, weighted_sum)
from autograd.graph import sweep_reverse


def tiny_log():
    x = Value(1e-310, "x")
    return x, x.log()  # ∂ln x/∂x = 1/x = 1e310: not a float


PATHS = {
    "backward": lambda x, y: y.backward(),
    "grad": lambda x, y: grad(y, x),
    "jacobian reverse": lambda x, y: jacobian([y], [x], mode="reverse"),
    "jacobian forward": lambda x, y: jacobian([y], [x], mode="forward"),
    "forward_tangents": lambda x, y: forward_tangents(y, {x: 1.0}),
    "pull_deltas": lambda x, y: pull_deltas(y),
    "backward_steps": lambda x, y: backward_steps(y),
    "forward_steps": lambda x, y: forward_steps(y, {x: 1.0}),
    "Stepper": lambda x, y: Stepper(y),
}


@pytest.mark.parametrize("path", sorted(PATHS))
def test_every_path_raises_the_overflow_naming_the_node(path):
    x, y = tiny_log()
    with pytest.raises(OverflowError, match=r"(?=.*node 'x')(?=.*is inf, not a finite number)"):
        PATHS[path](x, y)


def test_the_message_names_the_term_that_overflowed():
    x, y = tiny_log()
    with pytest.raises(OverflowError, match=r"δ \(∂root/∂j\) of the node 'x' is inf.*term from the "
                                            r"unlabelled node made by 'log'"):
        pull_deltas(y)
    with pytest.raises(OverflowError, match=r"tangent ṫ .* of the unlabelled node made by 'log' is inf.*"
                                            r"term from the node 'x'"):
        forward_tangents(y, {x: 1.0})


def test_every_reverse_path_gives_backwards_numbers_bit_for_bit():
    x, w, b = Value(0.3, "x"), Value(-1.2, "w"), Value(0.5, "b")
    a = weighted_sum([w, x], [x, b], b)
    y = (a.tanh() * a + a.exp() / (x * x + 1)).sigmoid()
    y.backward(seed=-2.5)
    order = topological_order(y)
    expected = {node: node.grad for node in order if node is not y}
    deltas = sweep_reverse(order, y, -2.5)
    steps = {s.node: s.delta for s in backward_steps(y, seed=-2.5)}
    pulled = pull_deltas(y, seed=-2.5)
    for node, g in expected.items():
        assert deltas[node] == steps[node] == pulled[node] == g
    y2 = (a.tanh() * a + a.exp() / (x * x + 1)).sigmoid()
    y2.backward()
    assert grad(y2, [x, w, b]) == [pull_deltas(y2)[v] for v in (x, w, b)]


def test_seed_is_the_name_everywhere_and_grad_still_works_on_backward():
    x = Value(2.0, "x")
    y = x * x
    y.backward(seed=3.0)
    assert x.grad == 12.0
    x.grad = 0.0
    with pytest.warns(DeprecationWarning, match="seed"):
        y.backward(grad=3.0)
    assert x.grad == 12.0
    assert Stepper(y, seed=3.0).goto(-1).delta == 12.0
    assert backward_steps(y, seed=3.0)[-1].delta == 12.0
    assert pull_deltas(y, seed=3.0)[x] == 12.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y.backward(seed=1.0)  # the new name warns about nothing


def test_split_wsum_is_the_one_place_that_knows_the_parent_order():
    w1, w2, z1, z2, b = (Value(v, n) for v, n in [(1, "w1"), (2, "w2"), (3, "z1"), (4, "z2"), (5, "b")])
    a = weighted_sum([w1, w2], [z1, z2], b)
    assert split_wsum(a.parents) == ((w1, w2), (z1, z2), (b,))
    assert split_wsum(weighted_sum([w1], [z1]).parents) == ((w1,), (z1,), ())
    assert a.data == 1 * 3 + 2 * 4 + 5


def test_the_one_reverse_sweep_hands_each_node_the_terms_of_its_downstream_edges():
    """sweep_reverse over an Arithmetic whose "numbers" are the edges themselves: the terms
    that reach j are exactly ↓j (one per edge k → j, x*x giving two), consumers nearest
    the root first, and every node is totalled once, after all of its consumers."""
    from autograd.graph import Arithmetic

    x, w = Value(0.5, "x"), Value(-2.0, "w")
    a = weighted_sum([w], [x], x)
    y = (a * a).tanh() + x * w
    order = topological_order(y)
    visited = []

    def total(j, terms, start):
        visited.append(j)
        return list(terms)

    edges = Arithmetic(local=lambda k: [(k, i) for i in range(len(k.parents))], times=lambda edge, d: edge,
                       total=total, zero=None)
    got = sweep_reverse(order, y, numbers=edges)
    assert visited == order[::-1] and list(got) == order
    below = downstream(y)
    for j in order:
        assert [k for k, _ in got[j]] == [k for k, _ in below[j]][::-1]
        assert all(k.parents[i] is j for k, i in got[j])
    assert len(got[a]) == 2 and len(got[x]) == 3  # a·a uses a twice; x is an input of a (twice) and of x·w
