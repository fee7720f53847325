"""Forward mode on a recorded graph: ṫ_j = Σ_{i∈↑j} (∂j/∂i) ṫ_i from the stored local
derivatives. The tangents must equal PyTorch's forward mode (torch.func.jvp, float64)
and central differences along the seed direction on random DAGs over every op; the
forward steps must sum their terms exactly; the stepper must draw ṫ and write a page."""

from __future__ import annotations

import math
import time

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import (ForwardStepper, Value, draw, forward_steps, forward_tangents,
                      topological_order, weighted_sum)

from autograd.names import latex_name as _latex_name
from dags import EVERY_OP, programs, run
from support import needs_dot

from support import needs_torch, torch


@st.composite
def program_and_direction(draw_):
    leaves, steps = draw_(programs(ops=EVERY_OP))
    direction = draw_(st.lists(st.floats(-2, 2, allow_nan=False), min_size=len(leaves), max_size=len(leaves)))
    return leaves, steps, direction


def _seed(values, direction, root):
    """The seed restricted to the leaves the root depends on (the others have no effect)."""
    in_graph = set(topological_order(root))
    return {v: t for v, t in zip(values, direction) if v in in_graph}


@needs_torch
@given(program_and_direction())
def test_tangents_equal_torch_jvp_on_random_dags_over_every_op(case):
    leaves, steps, direction = case
    values = [Value(x) for x in leaves]
    root = run(steps, values)
    tangents = forward_tangents(root, _seed(values, direction, root))

    primals = tuple(torch.tensor(x, dtype=torch.float64) for x in leaves)
    dirs = tuple(torch.tensor(t, dtype=torch.float64) for t in direction)
    out, jvp = torch.func.jvp(lambda *xs: run(steps, list(xs), torch), primals, dirs)
    assert math.isclose(root.data, out.item(), rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(tangents[root], jvp.item(), rel_tol=1e-9, abs_tol=1e-10)


@given(program_and_direction())
def test_tangent_of_the_root_is_the_directional_central_difference(case):
    leaves, steps, direction = case
    values = [Value(x) for x in leaves]
    root = run(steps, values)
    tangents = forward_tangents(root, _seed(values, direction, root))

    def central(h):
        up = run(steps, [x + h * t for x, t in zip(leaves, direction)]).data
        down = run(steps, [x - h * t for x, t in zip(leaves, direction)]).data
        return (up - down) / (2 * h)

    # The programs step off kinks and ties by a threshold of their own (tests/dags.py), so a
    # point can sit on a jump of the program itself; there the two step sizes disagree.
    coarse = central(1e-6)
    assume(coarse == pytest.approx(central(1e-7), rel=1e-3, abs=1e-4))
    assert tangents[root] == pytest.approx(coarse, rel=1e-4, abs=1e-5)


@given(programs(ops=EVERY_OP))
def test_tangent_along_one_input_is_that_inputs_backward_gradient(program):
    """Forward along e_i and reverse from the root give the same ∂root/∂x_i."""
    leaves, steps = program
    values = [Value(x) for x in leaves]
    root = run(steps, values)
    root.backward()
    in_graph = set(topological_order(root))
    for v in values:
        if v in in_graph:
            assert forward_tangents(root, {v: 1.0})[root] == pytest.approx(v.grad, rel=1e-12, abs=1e-12)


@given(program_and_direction())
def test_steps_sum_their_terms_and_equal_forward_tangents_exactly(case):
    leaves, steps, direction = case
    values = [Value(x) for x in leaves]
    root = run(steps, values)
    seed = _seed(values, direction, root)
    tangents = forward_tangents(root, seed)
    walk = forward_steps(root, seed)
    assert [s.node for s in walk] == topological_order(root)
    for s in walk:
        assert s.tangent == tangents[s.node]  # same terms, same order of addition
        assert [t.parent for t in s.terms] == list(s.node.parents)
        assert [t.local for t in s.terms] == list(s.node.local_grads)
        if s.terms:
            assert s.tangent == pytest.approx(math.fsum(t.value for t in s.terms), rel=1e-12, abs=1e-12)
        else:
            assert s.tangent == seed.get(s.node, 0.0)


def test_tangents_leave_grad_alone_and_hold_unseeded_inputs_fixed():
    x, w = Value(2.0, "x"), Value(-3.0, "w")
    y = (w * x).tanh()
    t = forward_tangents(y, {x: 1.0})
    assert t[w] == 0.0 and t[x] == 1.0
    assert t[y] == pytest.approx(-3.0 * (1 - math.tanh(-6.0) ** 2), rel=1e-15)
    assert x.grad == w.grad == y.grad == 0.0
    # tangents are linear in the seed
    t2 = forward_tangents(y, {x: 2.0, w: -1.0})
    assert t2[y] == pytest.approx(2 * t[y] - forward_tangents(y, {w: 1.0})[y], rel=1e-14)


def _neuron():
    x1, w1, x2, w2, b = (Value(v, n) for v, n in
                         [(2.0, "x1"), (-3.0, "w1"), (0.0, "x2"), (1.0, "w2"), (6.88, "b")])
    f = (x1 * w1 + x2 * w2 + b).tanh()
    f.label = "f"
    return f, x1, w1


def test_step_text_reads_like_the_chain_rule_by_hand():
    f, x1, w1 = _neuron()
    walk = forward_steps(f, {x1: 1.0})
    text = [s.text() for s in walk]
    assert text[0] == "ṫ[x1] = 1 (seed)"
    assert text[1] == "ṫ[w1] = 0 (not in the seed: held fixed)"
    assert text[2] == "ṫ[n2] = ∂n2/∂x1·ṫ[x1] + ∂n2/∂w1·ṫ[w1] = (−3)(1) + (2)(0) = −3"
    assert text[-1] == "ṫ[f] = ∂f/∂n8·ṫ[n8] = (0.501)(−3) = −1.503"
    assert "∂(a·b)/∂a = b" in walk[2].explain()
    f_, n8 = _latex_name("f"), _latex_name("n8")  # the names the backward steps' LaTeX uses
    assert walk[-1].latex() == (rf"\dot{{t}}_{{{f_}}} = \frac{{\partial {f_}}}{{\partial {n8}}}\,"
                                rf"\dot{{t}}_{{{n8}}} = (0.501)(-3) = -1.503")


def test_errors_name_the_argument_and_say_what_to_do():
    f, x1, w1 = _neuron()
    n2 = f.parents[0].parents[0].parents[0]
    with pytest.raises(TypeError, match="seed must be a dict"):
        forward_tangents(f, [x1])
    with pytest.raises(TypeError, match="root must be a Value"):
        forward_tangents(1.0, {x1: 1.0})
    with pytest.raises(TypeError, match="keys of seed must be Values"):
        forward_tangents(f, {"x1": 1.0})
    with pytest.raises(ValueError, match=r"computed by '\*' from other nodes; seed the inputs"):
        forward_steps(f, {n2: 1.0})
    with pytest.raises(ValueError, match="'x1', which is not in the graph"):
        forward_tangents(f, {Value(2.0, "x1"): 1.0})
    with pytest.raises(ValueError, match="tangent of Value 'x1' in seed must be a finite number"):
        forward_tangents(f, {x1: math.nan})


def test_stepper_walks_forward_and_draws_tangents(tmp_path):
    f, x1, w1 = _neuron()
    s = ForwardStepper(f, {x1: 1.0})
    assert s.current.text() == "ṫ[x1] = 1 (seed)"
    s.goto(2)
    source = s.draw().source
    assert "ṫ\u00a0-3.000" in source and "δ" not in source and "| grad" not in source  # no-break space, as draw writes it
    assert source.count("style=dashed") >= len(s) - 3  # nodes not reached yet are greyed out
    assert s.tangents() == {step.node: step.tangent for step in s.steps[:3]}
    full = draw(f, tangents=forward_tangents(f, {x1: 1.0})).source
    assert "ṫ\u00a0-1.503" in full
    with pytest.raises(ValueError, match="not both"):
        draw(f, deltas={}, tangents={})


@needs_dot
def test_forward_page_on_a_2_8_8_1_network(tmp_path):
    """A real-sized network: every node a step, one drawing restyled per step, one page."""
    import random

    rng = random.Random(0)
    x = [Value(0.5, "x1"), Value(-1.0, "x2")]
    z, sizes = x, [8, 8, 1]
    weights = []
    for layer, n in enumerate(sizes):
        out = []
        for j in range(n):
            w = [Value(rng.uniform(-1, 1), f"w{layer}{j}{k}") for k in range(len(z))]
            b = Value(0.0, f"b{layer}{j}")
            weights += w + [b]
            a = weighted_sum(w, z, b)
            out.append(a.tanh() if layer < len(sizes) - 1 else a)
        z = out
    loss = (z[0] - 0.3) ** 2
    start = time.perf_counter()
    stepper = ForwardStepper(loss, {weights[0]: 1.0})
    page = tmp_path / "forward.html"
    stepper.to_html(page)
    seconds = time.perf_counter() - start
    text = page.read_text(encoding="utf-8")
    assert len(stepper) == len(topological_order(loss)) == 2 + 105 + (2 * 16 + 1) + 2  # inputs, weights, a and z per unit, loss
    assert text.count('<section class="frame"') == len(stepper)
    assert "ṫ of every node, inputs first" in text and "http" not in text.replace("http://www.w3.org", "")
    assert text.count('class="dg-delta"') == len(stepper)  # each box's ṫ, shown once its step is done
    assert "δ" not in text.split("<svg", 1)[1].split("</svg>", 1)[0]
    loss.backward()
    assert stepper[-1].tangent == pytest.approx(weights[0].grad, rel=1e-12)
    print(f"forward page, 2-8-8-1: {len(stepper)} steps, {len(text) / 1e6:.1f} MB, {seconds:.1f} s")


@needs_dot
def test_stepper_frames_mark_the_edges_into_each_node_and_the_widget_steps():
    f, x1, w1 = _neuron()
    s = ForwardStepper(f, {x1: 1.0})
    frames = s.frames()
    assert len(frames.frames) == len(s)
    for step, frame in zip(s.steps, frames.frames):
        assert len(frame.terms) == len(step.node.parents)  # the edges i → j of the terms of ṫ_j
    assert frames.frames[2].terms == ("n2op-0", "n2op-1")  # x1 → n2 and w1 → n2
    pytest.importorskip("ipywidgets", reason="ipywidgets not installed (pip install 'deltagrad[notebook]')")
    ui = s.widget()
    forward = ui.children[0].children[2]
    forward.click()
    forward.click()
    assert s.index == 2 and s.current.text().startswith("ṫ[n2] = ∂n2/∂x1·ṫ[x1]")
