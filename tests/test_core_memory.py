"""A graph is freed by reference counting alone: no cycles, no recursion.

Every node points only at its parents and at plain floats (no closures capturing
the node itself, as micrograd's `_backward` does), so dropping the root frees the
whole graph at once and the cycle collector finds nothing left to do.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, no_grad, weighted_sum


@contextmanager
def collector_off():
    """gc disabled, and nothing pending for it at the start."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def leftover_cycles() -> int:
    """Objects only the cycle collector can free (and gc.garbage must stay empty)."""
    found = gc.collect()
    assert gc.garbage == []
    return found


def test_the_check_detects_a_cycle():
    # The method itself: a closure that captures its own node, as micrograd builds.
    class Node:
        pass

    def make() -> Node:
        out = Node()
        out.backward = lambda: out.grad  # the closure holds `out`, `out` holds it
        return out

    with collector_off():
        node = make()
        del node
        assert leftover_cycles() > 0


def every_op(x: Value, y: Value) -> Value:
    """One node of every op the engine has, each used downstream."""
    terms = [
        x + y, x - y, x * y, x / y, x**y, -x,
        x + 2, 3 - x, x * 2, x / 4, 5 / x, x**3, 2**x,
        x.exp(), x.log(), x.tanh(), x.sigmoid(), x.relu(),
        x.leaky_relu(0.1), x.elu(0.5), x.softplus(),
        autograd.tanh(y), weighted_sum([x, y], [y, 1.5], bias=x),
    ]
    return Value.sum(terms) * x


def test_every_op_frees_without_the_collector():
    with collector_off():
        x, y = Value(0.7, "x"), Value(1.3, "y")
        root = every_op(x, y)
        root.backward()
        assert root.parents  # a real graph was built
        del root
        assert leftover_cycles() == 0
        assert x.grad != 0.0 and y.grad != 0.0  # leaves live on, with their grads


def test_no_grad_values_free_too():
    with collector_off():
        x = Value(0.5)
        with no_grad():
            z = every_op(x, Value(2.0))
        assert z.parents == ()
        del z
        assert leftover_cycles() == 0


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50), st.sampled_from("+*t")),
                min_size=1, max_size=60))
def test_random_dags_free_without_the_collector(edges):
    """A DAG where each new node reads two earlier ones (shared subexpressions)."""
    with collector_off():
        nodes = [Value(0.3, "a"), Value(-0.2, "b")]
        for i, j, op in edges:
            a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
            nodes.append(a + b if op == "+" else a * b if op == "*" else (a - b).tanh())
        root = nodes[-1]
        root.backward()
        del nodes, root, a, b
        assert leftover_cycles() == 0


def test_million_deep_chain_frees_in_a_fresh_process():
    """Build, backpropagate and drop a 10⁶-deep chain at the default recursion limit.

    In its own process, so a C-stack overflow while freeing would show up as a
    failed exit code here rather than crash the test run."""
    script = textwrap.dedent(
        """
        import gc, sys
        from autograd import Value
        assert sys.getrecursionlimit() < 10**6
        gc.collect()  # whatever importing left behind is not the graph's
        gc.disable()
        x = Value(1.0)
        y = x
        for _ in range(10**6):
            y = y * 1.0000001
        y.backward()
        del y
        print(gc.collect(), x.grad)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    collected, grad = proc.stdout.split()
    assert int(collected) == 0
    assert abs(float(grad) - 1.0000001**10**6) < 1e-9 * 1.0000001**10**6


def test_a_big_graph_is_not_walked_by_the_cycle_collector_while_it_is_built():
    """Once 2¹⁰ nodes are made, young collections wait for 20,000 containers and full ones
    are rare; backward() puts the full-collection setting back at once, and the young one
    when a small graph is backpropagated (so a training loop keeps it between steps)."""
    import gc

    from autograd import fast

    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        fast.saved_threshold = None  # (as in a fresh process)

        def chain(links):
            y = Value(1.0)
            for _ in range(links):  # two nodes per link
                y = y * 1.0001 + 0
            return y

        big = chain(fast.BIG_GRAPH)
        assert gc.get_threshold() == (fast.YOUNG, 10, fast.RARE)  # raised while it is built
        big.backward()
        assert gc.get_threshold() == (fast.YOUNG, 10, 10) and fast.made == 0
        chain(fast.BIG_GRAPH).backward()  # the next training step: the same
        assert gc.get_threshold() == (fast.YOUNG, 10, 10)
        chain(3).backward()  # a small graph: everything as the user had it
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)
        fast.saved_threshold = None


def test_a_training_step_makes_no_young_collection():
    """W1's situation: a 2-16-16-1 step of a few thousand nodes is built, backpropagated and
    freed without the collector walking it (it has no cycle to find)."""
    import gc

    import nn

    model = nn.MLP(2, [16, 16, 1], activation="relu", seed=0)
    xs = [[0.1 * i, -0.05 * i] for i in range(40)]
    collections = []

    def count(phase, info):
        if phase == "start":
            collections.append(info["generation"])

    def step():
        model.zero_grad()
        loss = Value.sum([model(x)[0] ** 2 for x in xs])
        loss.backward()

    from autograd import fast

    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        fast.saved_threshold = None  # (as in a fresh process)
        step()  # the first step switches the setting
        gc.callbacks.append(count)
        for _ in range(3):
            step()
    finally:
        gc.callbacks.remove(count)
        gc.set_threshold(*before)
        fast.saved_threshold = None
    assert collections == []


def test_op_texts_are_shared_and_exact():
    x = Value(2.0)
    a, b = x * 1.0001, x * 1.0001
    assert a.op == "*1.0001" and a.op is b.op  # one string for every such node
    assert (x + 0).op == "+0" and (x + -0.0).op == "+-0.0"  # 0.0 and −0.0 share a dict key, not a text
    assert (3 - x).op == "3-" and (-0.0 - x).op == "-0.0-"


def test_numbers_combined_with_a_value_are_checked_even_when_remembered():
    """Value ⊗ number remembers the op text of ints and floats; other kinds still get the
    full check (True == 1 and Decimal(2) == 2 must not borrow a remembered answer)."""
    from decimal import Decimal

    x = Value(2.0)
    assert (x * 1).op == "*1" and (x * 1).local_grads == (1.0,)
    assert type((x * 1).local_grads[0]) is float
    with pytest.raises(TypeError, match="bool"):
        x * True
    assert (x * 2).op == "*2"
    with pytest.raises(TypeError, match="Decimal"):
        x * Decimal(2)
    with pytest.raises(ValueError, match="not a finite number"):
        x + float("nan")
    assert (x - -0.0).op == "--0.0" and (x - 0.0).op == "-0"
