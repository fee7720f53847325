"""backward_steps and Stepper: the backward pass one node at a time.

Properties: every step's δ equals what backward() leaves in .grad (exactly — the
terms are summed in backward's order) and what central differences give for the
leaves; each δ is the sum of its printed terms; terms follow the derivative table;
.grad is never touched; the printed sums match numbers worked out by hand."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, numeric_grad, rules, topological_order, weighted_sum
from autograd import ops
from autograd.names import fmt, node_expression, node_names
from autograd.teaching.steps import Stepper, backward_steps

from dags import programs, run

@given(programs(), st.sampled_from([1.0, -2.5, 0.5]))
def test_step_deltas_equal_backward_grads_exactly(program, seed):
    leaves, instructions = program
    values = [Value(x, f"x{i}") for i, x in enumerate(leaves)]
    root = run(instructions, values)
    steps = backward_steps(root, seed)
    # backward_steps leaves .grad alone
    assert all(node.grad == 0.0 for node in topological_order(root))
    root.backward(seed)  # a fresh graph: leaves start from 0, so no accumulation
    assert len(steps) == len(topological_order(root))
    for step in steps:
        assert step.delta == step.node.grad, step.text()


@given(programs())
def test_leaf_deltas_agree_with_central_differences(program):
    leaves, instructions = program
    values = [Value(x) for x in leaves]
    root = run(instructions, values)
    by_node = {s.node: s.delta for s in backward_steps(root)}
    for i, v in enumerate(values):
        if v not in by_node:  # the leaf does not reach the root
            continue
        numeric = numeric_grad(lambda *xs: run(instructions, xs), leaves, i)
        assert math.isclose(by_node[v], numeric, rel_tol=1e-4, abs_tol=1e-5)


@given(programs())
def test_each_delta_is_the_sum_of_its_terms_from_the_table(program):
    leaves, instructions = program
    root = run(instructions, leaves)
    steps = backward_steps(root)
    order = topological_order(root)
    # the order of the backward pass: reverse topological, root first
    assert [s.node for s in steps] == order[::-1]
    assert steps[0].node is root and steps[0].terms == () and steps[0].delta == 1.0
    delta = {s.node: s.delta for s in steps}
    edges = {node: 0 for node in order}
    for k in order:
        for j in k.parents:
            edges[j] += 1
    for s in steps[1:]:
        assert len(s.terms) == edges[s.node]  # one term per edge j → k (x*x gives two)
        assert math.isclose(s.delta, math.fsum(t.consumer_delta * t.local for t in s.terms),
                            rel_tol=1e-12, abs_tol=1e-12)
        for t in s.terms:
            k = t.consumer
            assert k.parents[t.parent_index] is s.node
            assert t.local == k.local_grads[t.parent_index]
            assert t.consumer_delta == delta[k]
            assert t.formula == expected_formula(k.op, t.parent_index, len(k.parents))


def expected_formula(op, i, n):
    """The table's formula for ∂k/∂j; every op the engine makes has a rule."""
    rule = ops.rule_for(op)
    assert rule is not None, f"no derivative rule for op {op!r}"
    text = ops.formula(op, i, n)
    assert text in rule.derivatives
    return text


def neuron():
    """The classic single neuron o = tanh(w1·x1 + w2·x2 + b) with b chosen so that
    tanh(a) = 1/√2, hence do/da = 1 − o² = 0.5 (worked out by hand)."""
    x1, x2, w1, w2 = Value(2.0, "x1"), Value(0.0, "x2"), Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(math.atanh(1 / math.sqrt(2)) + 6.0, "b")
    a = w1 * x1 + w2 * x2 + b
    a.label = "a"
    o = a.tanh()
    o.label = "o"
    return o, dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, a=a)


def test_neuron_steps_print_the_numbers_worked_out_by_hand():
    o, v = neuron()
    steps = {s.name: s for s in backward_steps(o)}
    assert steps["o"].text() == "δ[o] = ∂o/∂o = 1"
    assert steps["a"].text() == "δ[a] = δ[o]·∂o/∂a = (1)(0.5) = 0.5"
    assert steps["a"].terms[0].formula == "∂tanh(a)/∂a = 1 − tanh(a)²"
    # δ_x1 = δ_a · w1 through the product node n2 = w1·x1 (unlabelled: named by position)
    assert steps["x1"].text() == "δ[x1] = δ[n2]·∂n2/∂x1 = (0.5)(−3) = −1.5"
    assert steps["w1"].text() == "δ[w1] = δ[n2]·∂n2/∂w1 = (0.5)(2) = 1"
    assert steps["n2"].expression == "w1 · x1"
    assert steps["x1"].terms[0].formula == "∂(a·b)/∂b = a"
    assert "∂tanh(a)/∂a = 1 − tanh(a)²" in steps["a"].explain()


def test_adding_a_positive_number_shows_the_table_formula():
    x = Value(1.0, "x")
    step = backward_steps(x + 1)[1]
    assert step.terms[0].formula == "∂(a + c)/∂a = 1"


def test_a_node_with_two_consumers_sums_two_terms():
    # the example of the brief: δ[h1] = δ[a2]·∂a2/∂h1 + δ[a3]·∂a3/∂h1
    h1 = Value(1.0, "h1")
    a2 = h1 * -1.2
    a2.label = "a2"
    a3 = h1 * 0.8
    a3.label = "a3"
    E = 0.5 * a2 + 0.25 * a3
    E.label = "E"
    step = next(s for s in backward_steps(E) if s.name == "h1")
    # consumers nearest the root come first (the order backward() adds them in)
    assert step.text() == "δ[h1] = δ[a3]·∂a3/∂h1 + δ[a2]·∂a2/∂h1 = (0.25)(0.8) + (0.5)(−1.2) = −0.4"
    assert step.delta == pytest.approx(-0.4, abs=1e-15)


def test_x_times_x_gives_two_terms_with_the_two_formulas():
    x = Value(3.0, "x")
    y = x * x
    y.label = "y"
    step = backward_steps(y)[1]
    assert [t.formula for t in step.terms] == ["∂(a·b)/∂a = b", "∂(a·b)/∂b = a"]
    assert step.text() == "δ[x] = δ[y]·∂y/∂x + δ[y]·∂y/∂x = (1)(3) + (1)(3) = 6"


def test_seed_scales_every_delta_and_is_named_at_the_root():
    o, _ = neuron()
    plain = backward_steps(o)
    seeded = backward_steps(o, seed=-2.0)
    assert seeded[0].text() == "δ[o] = −2 (the seed given to backward)"
    for p, s in zip(plain, seeded):
        assert s.delta == pytest.approx(-2.0 * p.delta)


def test_names_are_stable_and_unique():
    x = Value(1.0, "x")
    other_x = Value(2.0, "x")
    root = (x * other_x).tanh()
    names = node_names(root)
    assert names == node_names(root)  # same graph, same names
    assert len(set(names.values())) == len(names)
    order = topological_order(root)
    assert [names[n] for n in order] == ["x#0", "x#1", "n2", "n3"]
    # an automatic name that a label already uses steps aside: the label keeps its name
    n2 = Value(1.0, "n2")
    root = (n2 + Value(1.0)) * Value(3.0)
    assert node_names(root)[n2] == "n2"
    assert sorted(node_names(root).values()) == sorted(["n2", "n1", "n2′", "n3", "n4"])


def test_node_expressions_name_the_operation():
    x, y = Value(1.0, "x"), Value(2.0, "y")
    names = {x: "x", y: "y"}
    cases = [(x - 3, "x − 3"), (2 - x, "2 − x"), (x * 2.5, "x · 2.5"), (x / 4, "x / 4"),
             (3 / x, "3 / x"), (x ** 2, "x ^ 2"), (2 ** x, "2 ^ x"), (-x, "−x"), (x + 1, "x + 1"),
             (x.sigmoid(), "sigmoid(x)"), (Value.sum([x, y]), "x + y"),
             (weighted_sum([x], [y], x), "x·y + x")]
    for node, expected in cases:
        assert node_expression(node, names) == expected


def test_latex_has_the_same_numbers():
    o, _ = neuron()
    step = next(s for s in backward_steps(o) if s.name == "x1")
    latex = step._repr_latex_()
    assert latex.startswith("$") and latex.endswith("$")
    assert r"\delta_{x_{1}} = \delta_{n_{2}}\,\frac{\partial n_{2}}{\partial x_{1}}" in latex
    assert latex.endswith("= (0.5)(-3) = -1.5$")
    # special characters of a label are escaped for LaTeX
    weird = Value(1.0, "w_1{x}")
    assert r"\text{w\_1\{x\}}" in backward_steps(weird * 2)[1].latex()


def test_fmt_uses_a_real_minus_sign_and_four_digits():
    assert fmt(-0.123456) == "−0.1235"
    assert fmt(-0.0) == "0"
    assert fmt(1e-9) == "1e-09"
    assert fmt(-2.5e-9) == "−2.5e-09"


def test_stepper_walks_and_clamps():
    o, v = neuron()
    s = Stepper(o)
    n = len(topological_order(o))
    assert len(s) == n and s.index == 0 and s.current.node is o
    assert s.prev().node is o  # stays at the start
    s.next()
    assert s.index == 1 and s.current.name == "a"
    assert s.deltas() == {o: 1.0, v["a"]: s.current.delta}
    s.goto(-1)
    assert s.index == n - 1
    assert s.next().index == n - 1  # stays at the end
    with pytest.raises(IndexError, match=f"there are {n} steps"):
        s.goto(n)
    with pytest.raises(TypeError):
        s.goto(1.5)
    assert all(node.grad == 0.0 for node in topological_order(o))


def test_errors_name_the_argument():
    with pytest.raises(TypeError, match="root must be a Value"):
        backward_steps(3.0)
    with pytest.raises(ValueError, match="not a finite number"):
        backward_steps(Value(1.0), seed=math.inf)


@settings(max_examples=5)
@given(st.integers(200, 2000))
def test_deep_chain_needs_no_recursion(depth):
    x = Value(0.1, "x")
    y = x
    for _ in range(depth):
        y = y * 1.0001
    steps = backward_steps(y)
    assert steps[-1].delta == pytest.approx(1.0001**depth)


def test_latex_names_a_network_node_as_the_text_does():
    """One name per node: the label a[2]_1 is the name in the text and, typeset, in LaTeX."""
    import nn
    from nn.draw import name_of
    from nn.losses import half_sse

    model = nn.MLP(2, [2, 1], seed=0)
    E = half_sse(model([0.5, -1.0]), [1.0])
    steps = {s.name: s for s in backward_steps(E)}
    assert name_of("a", 2, 1) in steps and name_of("w", 2, 1, 2) in steps
    # δ of a pre-activation is the lectures' δ^{(2)}_1, in the text as in the unit-level steps
    assert steps[name_of("a", 2, 1)].latex().startswith(r"\delta^{(2)}_{1} = ")
    assert steps[name_of("a", 2, 1)].text().startswith("δ[2]_1 = ")
    units = nn.backprop_steps(model, [0.5, -1.0], [1.0], "half_sse")
    assert any(u.name == "δ[2]_1" for u in units.steps)
    assert r"\delta_{z^{(1)}_{2}}" in steps[name_of("z", 1, 2)].latex()  # any other node: δ of its name
    assert r"\partial w^{(2)}_{1,2}" in steps[name_of("w", 2, 1, 2)].latex()
    assert r"\partial z^{(1)}_{2}" in steps[name_of("z", 1, 2)].latex()


def test_step_numbers_out_of_range_name_the_range():
    o, _ = neuron()
    s = Stepper(o)
    n = len(s)
    for call in (lambda: s.draw(99), lambda: s.deltas(99), lambda: s.goto(-n - 1)):
        with pytest.raises(IndexError, match=rf"there are {n} steps, numbered 0 to {n - 1}"):
            call()
    with pytest.raises(TypeError, match="must be an int"):
        s.draw("2")


def test_negative_steps_count_from_the_end_everywhere():
    o, _ = neuron()
    s = Stepper(o)
    assert s.deltas(-1) == s.deltas(len(s) - 1) and len(s.deltas(-1)) == len(s)
    assert s.deltas(-2) == s.deltas(len(s) - 2)
    assert s.draw(-1).source == s.draw(len(s) - 1).source
    s.goto(-1)
    assert s.deltas() == s.deltas(-1)


@given(programs())
def test_a_collapsed_stepper_steps_the_boxes_in_a_consistent_order(program):
    """Groups of a random DAG: every node is finished exactly once; each box comes after
    the consumers of its nodes, so every δ a step prints is already known."""
    leaves, instructions = program
    values = [Value(x, f"x{i}") for i, x in enumerate(leaves)]
    root = run(instructions, values)
    order = topological_order(root)
    # contiguous runs of a topological order are convex: no path leaves one and comes back
    interior = [v for v in order if v.op]
    groups = [(f"g{m}", interior[m * 3:m * 3 + 3]) for m in range(len(interior) // 3 + 1) if interior[m * 3:m * 3 + 3]]
    s = Stepper(root, collapse=groups)
    assert len(s) == len(order) - len(interior) + len(groups)
    seen: dict = {}
    for step in s:
        for member in getattr(step, "members", (step,)):
            for t in member.terms:
                assert t.consumer in seen or t.consumer in getattr(step, "nodes", ()), "a δ used before its step"
            assert member.node not in seen
            seen[member.node] = member.delta
    assert seen == {st.node: st.delta for st in backward_steps(root)}
    assert s.deltas(-1) == seen


def test_a_group_that_a_path_leaves_and_reenters_cannot_be_one_step():
    x = Value(1.0, "x")
    a = x * 2
    a.label = "a"
    b = a.tanh()
    b.label = "b"
    c = a + b
    c.label = "c"
    with pytest.raises(ValueError, match="'a and c'.*node 'b' is computed from the group and feeds it again"):
        Stepper(c, collapse=[("a and c", [a, c])])
    assert len(Stepper(c, collapse=[("a, b and c", [a, b, c])])) == 2  # the box and x
