"""nn.draw: the neuron-level diagram of Bishop, with numbers from the engine.

The δ_j in each unit must be the engine's grad of that unit's a_j node; here they
are also checked against the lectures' formulas computed on plain floats:
δ_k = (y_k − t_k) h'(a_k) at the outputs, δ_j = h'(a_j) Σ_k w_kj δ_k below, and
∂E/∂w_jk = δ_j z_k on every arrow.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import zero_grad
from autograd.drawing.draw import render
from autograd.names import fmt_fixed as fmt
from nn.draw import draw_network, name_of
from nn.losses import half_sse, mse

from support import needs_dot

NODE = re.compile(r"^\t+(\w+) \[label=\"((?:[^\"\\]|\\.)*)\"(.*)\]$", re.M)
EDGE = re.compile(r"^\t+(\w+) -> (\w+)(?: \[(?:label=\"((?:[^\"\\]|\\.)*)\")?(.*)\])?$", re.M)


def parse(source: str):
    nodes = {m[1]: (m[2], m[3]) for m in NODE.finditer(source)}
    edges = [(m[1], m[2], m[3] or "", m[4] or "") for m in EDGE.finditer(source)]
    visible = [(a, b, lab) for a, b, lab, attrs in edges if "style=invis" not in attrs]
    units = {k: v for k, v in nodes.items() if not k.startswith("caption")}
    return units, visible


X, T = [2.0, -1.0], [1.0]


def test_2_3_1_network_has_the_lecture_units_and_arrows():
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    units, edges = parse(draw_network(model, X, T).source)
    assert set(units) == {"x0", "x1", "x2", "z1_0", "z1_1", "z1_2", "z1_3", "z2_1", "E"}
    expected = {("x0", f"z1_{j}") for j in (1, 2, 3)} | {(f"x{i}", f"z1_{j}") for i in (1, 2) for j in (1, 2, 3)}
    expected |= {(f"z1_{k}", "z2_1") for k in (0, 1, 2, 3)} | {("z2_1", "E")}
    assert sorted((a, b) for a, b, _ in edges) == sorted(expected)  # 9 + 4 + 1 arrows, each once
    assert units["x1"][0] == "x1 = 2.000" and units["x2"][0] == "x2 = -1.000"
    assert units["x0"][0] == "x0 = 1" and units["z1_0"][0] == "z[1]_0 = 1"


def test_deltas_are_the_engines_and_the_lectures():
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    for p in model.parameters():
        p.grad = 0.123  # stale gradients from "earlier training": must not leak in
    units, edges = parse(draw_network(model, X, T).source)
    assert all(p.grad == 0.123 for p in model.parameters())  # and the model is left as it was

    # The engine, independently: trace, loss, backward, read a_j.grad.
    trace = model.trace(X)
    E = half_sse(trace[-1].z, T)
    zero_grad(model.parameters())
    E.backward()
    for l, layer_trace in enumerate(trace, start=1):
        for j, a in enumerate(layer_trace.a, start=1):
            assert f"δ = {fmt(a.grad)}" in units[f"z{l}_{j}"][0].split("\\n")
    assert units["E"][0].startswith(f"E = {fmt(E.data)}")

    # The lectures, on plain floats (Bishop eq. 5.54–5.56, identity output, tanh hidden).
    hidden, out = model.layers
    x = X
    a1 = [sum(w.data * xi for w, xi in zip(n.w, x)) + n.b.data for n in hidden.neurons]
    z1 = [math.tanh(a) for a in a1]
    y = sum(w.data * z for w, z in zip(out.neurons[0].w, z1)) + out.neurons[0].b.data
    d2 = y - T[0]
    d1 = [(1 - z * z) * out.neurons[0].w[j].data * d2 for j, z in enumerate(z1)]
    assert f"δ = {fmt(d2)}" in units["z2_1"][0]
    for j in range(3):
        assert f"δ = {fmt(d1[j])}" in units[f"z1_{j + 1}"][0]
        assert f"z[1]_{j + 1} = {fmt(z1[j])}" in units[f"z1_{j + 1}"][0]

    # Every arrow k → j carries w_jk and ∂E/∂w_jk = δ_j z_k (biases: z_0 = 1).
    label = {(a, b): lab for a, b, lab in edges}
    for j, n in enumerate(hidden.neurons, start=1):
        for k, (w, zk) in enumerate(zip(n.w, x), start=1):
            assert label[(f"x{k}", f"z1_{j}")] == (
                f"w[1]_{{{j},{k}}} = {fmt(w.data)}\\n∂E/∂w[1]_{{{j},{k}}} = {fmt(d1[j - 1] * zk)}"
            )
        assert label[("x0", f"z1_{j}")].endswith(f"∂E/∂b[1]_{j} = {fmt(d1[j - 1])}")
    for k, zk in enumerate(z1, start=1):
        assert label[(f"z1_{k}", "z2_1")].endswith(f"= {fmt(d2 * zk)}")
    assert label[("z2_1", "E")] == f"t1 = 1.000\\n∂E/∂a[2]_1 = {fmt(d2)}"


def test_what_is_shown_depends_on_what_was_given():
    model = nn.MLP(2, [3, 1], seed=0)
    units, edges = parse(draw_network(model).source)  # architecture only
    assert "E" not in units and units["z1_1"][0] == "a[1]_1\\nz[1]_1" and units["z2_1"][0] == "a[2]_1"
    assert all("∂E" not in lab for _, _, lab in edges)
    assert dict(((a, b), lab) for a, b, lab in edges)[("x1", "z1_1")] == f"w[1]_{{1,1}} = {fmt(model.layers[0].neurons[0].w[0].data)}"

    units, edges = parse(draw_network(model, X).source)  # forward only
    assert "E" not in units and "δ" not in units["z1_1"][0] and "a[1]_1 = " in units["z1_1"][0]

    units, edges = parse(draw_network(model, X, T, show_bias=False).source)
    assert not {"x0", "z1_0"} & set(units) and len(edges) == 6 + 3 + 1


def test_named_loss_is_used():
    model = nn.MLP(2, [3, 1], seed=1)
    units, _ = parse(draw_network(model, X, [0.25], loss="mse").source)
    E = mse(model(X), [0.25])
    assert units["E"][0].startswith(f"E = {fmt(E.data)}")


@settings(max_examples=15)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.integers(1, 3), st.integers(0, 10**6))
def test_any_mlp_draws_every_unit_and_arrow_deterministically(sizes, nin, seed):
    model = nn.MLP(nin, sizes, seed=seed)
    x = [0.5 * (i + 1) for i in range(nin)]
    t = [0.0] * sizes[-1]
    src = draw_network(model, x, t).source
    units, edges = parse(src)
    widths = [nin] + sizes
    assert len(units) == sum(widths) + len(sizes) + 1  # units, one bias unit per layer, E
    assert len(edges) == sum((widths[l] + 1) * widths[l + 1] for l in range(len(sizes))) + sizes[-1]
    assert draw_network(nn.MLP(nin, sizes, seed=seed), x, t).source == src


def test_errors_say_what_to_do():
    with pytest.raises(ValueError, match=r"max_units=2 must be an int of at least 3"):
        draw_network(nn.MLP(2, [3, 1], seed=0), max_units=2)
    with pytest.raises(ValueError, match=r"edge_labels='some'.*'auto', 'all'"):
        draw_network(nn.MLP(2, [3, 1], seed=0), edge_labels="some")
    for bad in (5, (1,), (1, 2, 3), ("1", 2), [1, 1]):
        with pytest.raises(TypeError, match=r"nn.draw: highlight must be a \(layer, unit\) pair"):
            draw_network(nn.MLP(2, [3, 1], seed=0), highlight=bad)
    with pytest.raises(ValueError, match="needs an input x"):
        draw_network(nn.MLP(2, [1]), target=[1.0])
    with pytest.raises(TypeError, match="nn.MLP"):
        draw_network(object())


@needs_dot
def test_svg_shows_every_unit(tmp_path):
    model = nn.MLP(2, [3, 1], seed=0)
    g = draw_network(model, X, T)
    root = ET.fromstring(render(g, tmp_path / "net.svg").read_bytes())
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    units, _ = parse(g.source)
    for lab, _ in units.values():
        for line in lab.split("\\n"):
            assert line in texts


def test_class_index_target_is_shown_one_hot():
    model = nn.MLP(2, [3, 3], output="softmax", seed=2)
    units, edges = parse(draw_network(model, X, 2, loss="cross_entropy").source)
    label = {(a, b): lab for a, b, lab in edges}
    assert [label[(f"z2_{k}", "E")].split("\\n")[0] for k in (1, 2, 3)] == ["t1 = 0.000", "t2 = 0.000", "t3 = 1.000"]
    # Softmax couples the outputs, yet δ_k = ∂E/∂a_k is still the grad of a_k: y_k − t_k for
    # cross-entropy on a softmax (Webster).
    y = [v.data for v in model(X)]
    for k, t in zip((1, 2, 3), (0.0, 0.0, 1.0)):
        shown = float(re.search(r"δ\S* = (\S+)", units[f"z2_{k}"][0])[1])
        assert math.isclose(shown, y[k - 1] - t, rel_tol=1e-3, abs_tol=1e-9)


def test_highlight_marks_a_unit_and_the_arrows_of_its_sum():
    """backprop_steps(...).draw(i): the step's unit j in red, with the arrows j → k
    whose w_kj δ_k make up δ_j = h'(a_j) Σ_k w_kj δ_k."""
    from autograd.drawing.draw import HIGHLIGHT
    from nn.textbook import backprop_steps

    model = nn.MLP(2, [3, 2], activation="tanh", seed=1)
    steps = backprop_steps(model, [0.5, -1.0], [1.0, 0.0])
    hidden = next(s for s in steps if s.kind == "hidden" and s.unit == 2)
    source = steps.draw(hidden.index).source
    red = [line for line in source.splitlines() if HIGHLIGHT in line and "legend" not in line]
    assert len([line for line in red if "->" not in line]) == 1 and "z1_2 [" in red[0]
    assert sorted(line.split("[")[0].strip() for line in red if "->" in line) == ["z1_2 -> z2_1", "z1_2 -> z2_2"]
    out = steps.draw(0).source  # the first step is an output unit: its arrow into E
    assert any("z2_1 -> E" in line and HIGHLIGHT in line for line in out.splitlines())
    with pytest.raises(ValueError, match="names no unit"):
        nn.draw(model, highlight=(3, 1))
    # the legend says what the red outline means
    assert "current step" in source and "current step" not in steps.draw().source


def test_one_name_per_quantity():
    """The diagram, the engine's labels, the op-level stepper and LaTeX name a node alike."""
    from autograd.teaching.steps import backward_steps

    model = nn.MLP(2, [3, 2], seed=0)
    trace = model.trace(X)
    for l, (layer, t) in enumerate(zip(model.layers, trace), start=1):
        for j, (neuron, a, z) in enumerate(zip(layer.neurons, t.a, t.z), start=1):
            assert a.label == name_of("a", l, j) and neuron.b.label == name_of("b", l, j)
            assert z is a or z.label == name_of("z", l, j)
            assert [w.label for w in neuron.w] == [name_of("w", l, j, k) for k in range(1, len(neuron.w) + 1)]
    assert [v.label for v in trace[0].inputs] == [name_of("x", j=1), name_of("x", j=2)]
    E = half_sse(trace[-1].z, [1.0, 0.0])
    names = {s.name for s in backward_steps(E)}
    units, edges = parse(draw_network(model, X, [1.0, 0.0]).source)
    shown = " ".join(lab for lab, _ in units.values()) + " " + " ".join(lab for _, _, lab in edges)
    for name in (name_of("a", 1, 2), name_of("z", 1, 2), name_of("a", 2, 1), name_of("w", 2, 1, 3), name_of("b", 1, 1)):
        assert name in names and name in shown


def test_edge_labels_modes():
    model = nn.MLP(2, [3, 1], seed=0)

    def labels(**kw):
        _, edges = parse(draw_network(model, X, T, **kw).source)
        return {(a, b): lab for a, b, lab in edges}

    everything = labels(edge_labels="all")
    assert all("=" in lab for lab in everything.values())
    assert all(b == "E" or ("∂E" not in lab and lab[0] in "wb")
               for (a, b), lab in labels(edge_labels="weights").items())
    grads = labels(edge_labels="grads")
    assert all(lab.startswith("∂E/∂") or b == "E" for (a, b), lab in grads.items())
    assert all(lab == "" for (a, b), lab in labels(edge_labels="none").items() if b != "E")
    hi = labels(edge_labels="highlighted", highlight=(1, 2))
    assert {k for k, lab in hi.items() if lab and k[1] != "E"} == {("z1_2", "z2_1")}  # the terms of δ_2 only
    assert labels() == everything  # auto: 9 and 4 arrows per gap are few enough to label


def test_auto_labels_only_where_they_can_be_read():
    """2-8-8-1: 24 and 72 arrows in the first gaps stay unlabelled; the 9 into the output are labelled."""
    model = nn.MLP(2, [8, 8, 1], seed=0)
    _, edges = parse(draw_network(model, X, T).source)
    labelled = {(a[:2], b[:2]) for a, b, lab in edges if lab}
    assert labelled == {("z2", "z3"), ("z3", "E")}
    _, edges = parse(draw_network(model, X, T, highlight=(1, 4)).source)
    assert {(a, b) for a, b, lab in edges if lab and b != "E" and not b.startswith("z3")} == \
        {("z1_4", f"z2_{k}") for k in range(1, 9)}  # the highlighted unit's arrows are labelled anyway


def test_deep_networks_are_bounded_before_layout():
    model = nn.MLP(2, [12] * 16 + [1], seed=0)  # 16 columns of 12 units: 2,389 arrows
    with pytest.raises(ValueError, match=r"arrows, more than max_edges=2000.*max_units"):
        draw_network(model)
    assert draw_network(model, max_units=6).source  # 6 units per column: 655 arrows


def test_wide_layers_are_elided_not_refused():
    model = nn.MLP(3, [30, 5, 2], seed=0)
    units, edges = parse(draw_network(model, [1.0, 2.0, 3.0], [0.0, 1.0], max_units=12).source)
    layer1 = sorted(k for k in units if k.startswith("z1_") and k != "z1_0")
    assert layer1 == sorted([f"z1_{j}" for j in range(1, 11)] + ["z1_30", "z1_more"])
    assert units["z1_more"][0] == "⋯"
    assert units["z1_30"][0].startswith("a[1]_30 = ")  # the last unit keeps its own name
    assert ("z1_more", "z2_1") in {(a, b) for a, b, _ in edges}
    assert "units left out" in draw_network(model, max_units=12).source  # and the legend says so
    assert "z1_more" not in draw_network(model, max_units=30).source
