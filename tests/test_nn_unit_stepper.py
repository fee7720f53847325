"""The unit-level stepper (nn.backprop_steps(...).to_html / .widget) and the op-level
view of a network with its neurons, softmax layer and loss collapsed (nn.op_graph,
nn.op_stepper): sizes and structure on a 2-8-8-1 network, and the numbers each step
shows against the engine's."""

from __future__ import annotations

import html
import os
import re

import pytest

import nn
from autograd import topological_order
from autograd.drawing.draw import PARAMETER_FILL
from autograd.names import fmt_fixed as fmt
from nn.losses import half_sse
from nn.unit_stepper import unit_frames

from support import needs_dot

X, T = [0.5, -1.0], [1.0]


def sections(page: str) -> list[tuple[int, str, str, str]]:
    found = re.findall(r'<section class="frame" data-index="(\d+)" data-current="([^"]*)" data-terms="([^"]*)" hidden>'
                       r'\s*<pre class="equation">(.*?)</pre>', page, re.S)
    return [(int(i), cur, terms, html.unescape(eq)) for i, cur, terms, eq in found]


@needs_dot
def test_a_2_8_8_1_network_takes_17_steps_on_one_diagram(tmp_path):
    model = nn.MLP(2, [8, 8, 1], seed=0)
    steps = nn.backprop_steps(model, X, T)
    assert len(steps) == 17
    page = open(steps.to_html(tmp_path / "units.html"), encoding="utf-8").read()
    assert page.count("<svg") == 1 and len(page.encode("utf-8")) < 300_000
    found = sections(page)
    assert [(i, eq) for i, _, _, eq in found] == [(s.index, s.text()) for s in steps]
    # step 0: the output unit and its arrow into E; then layer 2, then layer 1, unit by unit
    assert found[0][1:3] == ("z3_1", "z3_1--E")
    assert [cur for _, cur, _, _ in found[1:]] == [f"z2_{j}" for j in range(1, 9)] + [f"z1_{j}" for j in range(1, 9)]
    for _, cur, terms, _ in found[9:]:  # a first-layer unit: its arrows to the 8 units of layer 2
        assert terms.split() == [f"{cur}--z2_{k}" for k in range(1, 9)]
    ids = set(re.findall(r'<g id="([^"]+)" class="(?:node|edge)"', page))
    assert all(set(cur.split()) | set(terms.split()) <= {html.unescape(i) for i in ids}
               for _, cur, terms, _ in found)
    assert "<title>Backpropagation, unit by unit</title>" in page


@needs_dot
def test_each_step_shows_the_deltas_reached_so_far():
    model = nn.MLP(2, [3, 2], seed=4)
    steps = nn.backprop_steps(model, X, [1.0, 0.0])
    f = unit_frames(steps)
    trace = model.trace(X)
    E = half_sse(trace[-1].z, [1.0, 0.0])
    model.zero_grad()
    E.backward()
    for i, s in enumerate(steps):
        svg = html.unescape(f.svg_at(i))  # Graphviz writes "-" as &#45;
        for later in steps.steps[i + 1:]:  # not reached: grey, δ hidden
            unit = f"z{later.layer}_{later.unit}"
            assert re.search(rf'<g id="{unit}" class="node dg-pending">.*?δ = \?</text>', svg, re.S)
        for done in steps.steps[: i + 1]:  # reached: the engine's δ_j = ∂E/∂a_j, as the diagram prints it
            a = trace[done.layer - 1].a[done.unit - 1]
            unit = f"z{done.layer}_{done.unit}"
            assert re.search(rf'<g id="{unit}" class="node[^"]*">.*?δ = {re.escape(fmt(a.grad))}</text>', svg, re.S)
            assert "dg-pending" not in re.search(rf'<g id="{unit}" class="([^"]*)"', svg)[1]
        assert f'<g id="z{s.layer}_{s.unit}" class="node dg-current">' in svg


@needs_dot
def test_unit_stepper_options_go_to_the_diagram(tmp_path):
    steps = nn.backprop_steps(nn.MLP(2, [3, 1], seed=0), X, T)
    page = open(steps.to_html(tmp_path / "a.html", edge_labels="none", title="units"), encoding="utf-8").read()
    assert "∂E/∂w" not in page.split("<svg")[1].split("</svg>")[0]
    with pytest.raises(TypeError, match="highlight"):
        steps.to_html(tmp_path / "b.html", highlight=(1, 1))
    with pytest.raises(TypeError, match="title must be a str"):
        steps.to_html(tmp_path / "c.html", title=3)


# ---------------------------------------------------------------------------
# The op-level view of a network, collapsed
# ---------------------------------------------------------------------------
def test_op_graph_draws_a_box_per_neuron_and_the_loss():
    model = nn.MLP(2, [8, 8, 1], seed=0)
    for p in model.parameters():
        p.grad = 0.5  # stale: must be left as it was
    src = nn.op_graph(model, X, T).source
    boxes = re.findall(r'^\t(g\d+) \[label="\{([^|]*) \|', src, re.M)
    assert len(boxes) == 17 + 1
    assert [name for _, name in boxes][:2] == ["neuron z[1]_1", "neuron z[1]_2"]
    assert boxes[-1][1] == "loss E"
    assert all(p.grad == 0.5 for p in model.parameters())
    # every δ_j = ∂E/∂a_j of the engine is in its box
    trace = model.trace(X)
    E = half_sse(trace[-1].z, T)
    model.zero_grad()
    E.backward()
    for t in trace:
        for a in t.a:
            assert f"{a.label} = {fmt(a.data)} | δ\u00a0{fmt(a.grad)}" in src


def test_parameters_are_marked_by_the_model_not_by_their_names():
    model = nn.MLP(2, [3, 1], seed=0)
    src = nn.op_graph(model, X, T, collapse=False).source
    ids = {v: f"n{i}" for i, v in enumerate(topological_order(half_sse(model(X), T)))}
    orange = set(re.findall(rf'^\t(n\d+) \[label=.*fillcolor="{PARAMETER_FILL}"', src, re.M))
    assert len(orange) == len(model.parameters()) == 13
    # relabelled as the lectures' v_ji and c, they are still parameters
    for p in model.parameters():
        p.label = "v" + p.label[1:] if p.label.startswith("w") else "c" + p.label[1:]
    src2 = nn.op_graph(model, X, T, collapse=False).source
    assert set(re.findall(rf'^\t(n\d+) \[label=.*fillcolor="{PARAMETER_FILL}"', src2, re.M)) == orange
    assert len(ids) > 13


def test_softmax_layer_is_one_box():
    model = nn.MLP(2, [3, 3], output="softmax", seed=2)
    groups = nn.op_groups(model, model.trace(X))
    names = [name for name, _ in groups]
    assert names[-1] == "softmax, layer 2" and len(names) == 3 + 3 + 1
    src = nn.op_graph(model, X, 1, loss="cross_entropy").source
    assert "softmax, layer 2" in src and "loss E" in src
    # every node of E's graph is in a box, is an input, or both
    s = nn.op_stepper(model, X, 1, loss="cross_entropy")
    done = s.deltas(-1)
    E = s.root
    assert set(done) == set(topological_order(E))


def test_the_page_is_the_same_in_every_process(tmp_path):
    """Nothing on the page depends on the hashing of a set (PYTHONHASHSEED): two processes
    write the same bytes, so a page can be regenerated and compared."""
    import hashlib
    import subprocess
    import sys

    script = (
        "import sys, nn\n"
        "m = nn.MLP(2, [8, 8, 1], seed=0)\n"
        "print(nn.backprop_steps(m, [0.5, -1.0], [0.3]).to_html(sys.argv[1], quiz=True))\n"
    )
    digests = set()
    for seed in ("1", "2"):
        path = tmp_path / f"page{seed}.html"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", script, str(path)], check=True, env=env,
                       cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        digests.add(hashlib.sha256(path.read_bytes()).hexdigest())
    assert len(digests) == 1


@needs_dot
@pytest.mark.parametrize("seed, output", [(0, "identity"), (1, "tanh"), (2, "sigmoid"), (3, "identity"), (4, "tanh")])
def test_the_quiz_page_shows_no_answer_before_it_is_found(tmp_path, seed, output):
    """The unit-by-unit quiz asks each δ_j: until the student has it, the drawing shows no
    number of that step — neither δ_j nor ∂E/∂z_k on the output's arrow into E."""
    from browser import sync_playwright_or_skip, launch

    sync_playwright = sync_playwright_or_skip()
    model = nn.MLP(2, [2, 1], activation="tanh", output=output, seed=seed)
    steps = nn.backprop_steps(model, [0.5, -0.5], [0.2])
    path = os.path.abspath(steps.to_html(tmp_path / "quiz.html", quiz=True))
    trace = model.trace([0.5, -0.5])
    E = half_sse(trace[-1].z, [0.2])
    model.zero_grad()
    E.backward()
    output_dE_dz, output_delta = trace[-1].z[0].grad, trace[-1].a[0].grad
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page()
            page.goto("file://" + path)
            shown = html.unescape(page.inner_text("#graph")).replace("−", "-")
            # no δ the page asks, of the output unit or of a hidden one, and not ∂E/∂z of the output
            for value in [output_delta, output_dE_dz] + [s.delta for s in steps.steps if s.delta != 0]:
                written = fmt(value).replace("−", "-")  # (shown has its minus signs made ASCII above)
                assert written not in shown, (written, shown)
            assert "∂E/∂" in shown and "= ?" in shown
        finally:
            browser.close()


def test_the_collapsed_stepper_lists_units_in_order():
    """Neuron boxes are stepped as the unit-by-unit stepper steps units: the loss, the output,
    then each layer from the output back, its neurons 1, 2, ..., n; then the inputs."""
    model = nn.MLP(2, [8, 8, 1], seed=0)
    s = nn.op_stepper(model, X, T, loss="half_sse")
    names = [step.name for step in s.steps]
    assert names == (["loss E", "neuron a[3]_1"] + [f"neuron z[2]_{j}" for j in range(1, 9)]
                     + [f"neuron z[1]_{j}" for j in range(1, 9)] + ["x1", "x2"])
    units = [f"neuron z[{st.layer}]_{st.unit}" for st in nn.backprop_steps(model, X, T).steps[1:]]
    assert names[2:18] == units  # the same order as the unit-by-unit page
    # still the backward pass: each box comes after every box that reads its δ
    done = set()
    for step in s.steps:
        for member in getattr(step, "members", (step,)):
            assert all(t.consumer in done or t.consumer in {m.node for m in getattr(step, "members", (step,))}
                       for t in member.terms)
        done |= {m.node for m in getattr(step, "members", (step,))}
