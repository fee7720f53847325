"""Each lecture's notation (nn.NOTATIONS): the labels are the lecture's, the numbers are
the same in every profile and equal to the engine's.

The five profiles name the same network; the only number a profile changes is the one
its lecture changes: the Caltech handout's bias is the weight of the input x_0 = −1, so it
shows −b_j with derivative −δ_j."""

from __future__ import annotations

import math
import re

import pytest

import nn
from nn import losses
from nn.notation import NOTATIONS, get_notation
from nn.textbook import backprop_steps, textbook_backprop
from support import needs_dot

KEYS = ["webster", "bishop", "mlp", "hajij", "caltech"]
NUMBER = re.compile(r"−?\d+(?:\.\d+)?(?:e[−+]?\d+)?")


def test_one_profile_per_lecture():
    assert sorted(NOTATIONS) == sorted(KEYS)
    assert [NOTATIONS[k].lecture for k in KEYS] == ["Webster", "Bishop", "the MLP lecture", "Hajij",
                                                   "the Caltech handout"]
    assert nn.NOTATIONS is NOTATIONS


# The lectures' own names, in a 2-3-1 network (L = 2): unit 2 of the hidden layer, the output
# unit, the weight into output unit 1 from hidden unit 3, the bias of hidden unit 2, the loss.
LABELS = {
    #          pre(1,2)  act(1,2)  pre(2,1)  out(2,1)  δ(1,2)    w(2,1,3)   bias(1,2)  bias input  loss
    "webster": ("a₂⁽¹⁾", "z₂⁽¹⁾", "a₁⁽²⁾", "z₁⁽²⁾", "δ₂⁽¹⁾", "w₁₃⁽²⁾", "b₂⁽¹⁾", None, "Eᵢ"),
    "bishop": ("a₂⁽¹⁾", "z₂⁽¹⁾", "a₁⁽²⁾", "y₁", "δ₂⁽¹⁾", "w₁₃⁽²⁾", "w₂₀⁽¹⁾", "x₀", "Eₙ"),
    "mlp": ("u₂", "h₂", "z₁", "o₁", "δᵘ₂", "w₁₃", "v₂₀", "x₀", "E"),
    "hajij": ("a₂⁽¹⁾", "z₂⁽¹⁾", "a₁⁽²⁾", "y′₁", "δ₂⁽¹⁾", "u₁₃⁽²⁾", "b₂⁽¹⁾", None, "C₀"),
    "caltech": ("s₂⁽¹⁾", "x₂⁽¹⁾", "s₁⁽²⁾", "x₁⁽²⁾", "δ₂⁽¹⁾", "w₃₁⁽²⁾", "w₀₂⁽¹⁾", "x₀⁽⁰⁾", "Eₙ"),
}


@pytest.mark.parametrize("key", KEYS)
def test_the_labels_are_the_lectures(key):
    n = NOTATIONS[key]
    got = (n.pre_name(1, 2, 2).text, n.act_name(1, 2, 2).text, n.pre_name(2, 1, 2).text, n.act_name(2, 1, 2).text,
           n.delta(1, 2, 2).text, n.weight_name(2, 1, 3, 2).text, n.bias(1, 2, 2).text,
           None if n.bias_input(1) is None else n.bias_input(1).text, n.name("loss").text)
    assert got == LABELS[key]


def test_latex_is_math_not_text():
    c = NOTATIONS["caltech"]
    assert c.pre_name(1, 1).latex == "s^{(1)}_{1}"
    assert c.weight_name(2, 1, 3).latex == "w^{(2)}_{31}"  # from unit 3 into unit 1: w_ij
    assert NOTATIONS["bishop"].weight_name(2, 1, 3).latex == "w^{(2)}_{13}"  # into unit 1 from unit 3: w_ji
    assert NOTATIONS["mlp"].delta(2, 1, 2).latex == r"\delta^{z}_{1}"
    # the Caltech handout's recursion, in its own letters
    assert c.hidden_rule("l-1", "i").latex == \
        r"\delta^{(l-1)}_{i} = \varphi'(s^{(l-1)}_{i}) \sum_{j} w^{(l)}_{ij}\, \delta^{(l)}_{j}"
    assert c.hidden_rule("l-1", "i").text == "δᵢ⁽ˡ⁻¹⁾ = φ′(sᵢ⁽ˡ⁻¹⁾) Σ_j wᵢⱼ⁽ˡ⁾ δⱼ⁽ˡ⁾"
    for key in KEYS:
        n = NOTATIONS[key]
        for name in (n.hidden_rule(1, 2, 2), n.weight_rule(2, 1, 3, 2), n.pre_name(1, 1, 2)):
            assert "\\text" not in name.latex
            assert name.latex.count("{") == name.latex.count("}")
            assert not re.search(r"[₀-₉⁰-⁹⁽⁾]", name.latex), name.latex  # no Unicode sub/superscripts in LaTeX


def test_unknown_notation_is_named_in_the_error():
    with pytest.raises(ValueError, match="unknown notation 'feynman'.*webster, bishop, mlp, hajij, caltech"):
        get_notation("feynman")
    model = nn.MLP(2, [2, 1], seed=0)
    with pytest.raises(ValueError, match="unknown notation"):
        backprop_steps(model, [1.0, 0.0], [1.0], notation="feynman")
    with pytest.raises(ValueError, match="unknown notation"):
        nn.draw(model, [1.0, 0.0], [1.0], notation="feynman")


def engine(model, x, target, loss):
    model.zero_grad()
    traces = model.trace(x)
    losses.LOSSES[loss](traces[-1].z, target).backward()
    deltas = [[a.grad for a in tr.a] for tr in traces]
    dw = [[[w.grad for w in n.w] for n in layer.neurons] for layer in model.layers]
    db = [[n.b.grad for n in layer.neurons] for layer in model.layers]
    model.zero_grad()
    return deltas, dw, db


NETS = [((2, [3, 1]), "tanh", "tanh", "half_sse", [0.5]), ((2, [8, 8, 1]), "tanh", "identity", "half_sse", [0.3]),
        ((3, [4, 2]), "sigmoid", "sigmoid", "bce", [1.0, 0.0])]


@pytest.mark.parametrize("shape, hidden, out, loss, target", NETS)
def test_the_numbers_are_the_same_in_every_profile_and_the_engines(shape, hidden, out, loss, target):
    nin, sizes = shape
    model = nn.MLP(nin, sizes, activation=hidden, output=out, seed=3)
    x = [0.7, -0.4, 0.2][:nin]
    deltas, dw, db = engine(model, x, target, loss)
    texts = {}
    for key in [None] + KEYS:
        steps = backprop_steps(model, x, target, loss, notation=key)
        for s in steps:
            assert math.isclose(s.delta, deltas[s.layer - 1][s.unit - 1], rel_tol=1e-9, abs_tol=1e-14)
            for g, e in zip(s.dE_dw, dw[s.layer - 1][s.unit - 1]):
                assert math.isclose(g, e, rel_tol=1e-9, abs_tol=1e-14)
        # the δ lines carry the same numbers in every profile
        texts[key] = [NUMBER.findall(" = ".join(s.text().split("   (")[0].split(" = ")[2:])) for s in steps]
    for key in KEYS:
        assert texts[key] == texts[None], key


@pytest.mark.parametrize("key", KEYS)
def test_step_texts_and_latex_speak_the_lecture(key):
    n = NOTATIONS[key]
    model = nn.MLP(2, [3, 1], activation="tanh", output="tanh", seed=0)
    steps = backprop_steps(model, [1.0, -0.5], [0.5], "half_sse", notation=key)
    hidden = next(s for s in steps if s.kind == "hidden" and s.unit == 2)
    assert hidden.text().startswith(n.hidden_rule(1, 2, 2).text + " = ")
    assert n.hidden_rule(1, 2, 2).latex in hidden.latex()
    explained = hidden.explain()
    assert f"∂{n.name('loss').text}/∂{n.weight_name(1, 2, 1, 2).text} = " in explained
    assert f"∂{n.name('loss').text}/∂{n.bias(1, 2, 2).text} = " in explained
    latex = steps._repr_latex_()
    assert "\\text" not in latex and latex.count("{") == latex.count("}")
    other = {k: NOTATIONS[k].pre_name(1, 2, 2).text for k in KEYS if NOTATIONS[k].pre != n.pre}
    for name in other.values():
        assert name not in hidden.text()  # no other lecture's pre-activation letter
    # the rules in brackets are translated too: no engine letters (h'(a), y_k, a_k) are left
    for loss, out in (("half_sse", "tanh"), ("bce", "sigmoid"), ("mse", "identity")):
        other_model = nn.MLP(2, [3, 2], activation="sigmoid", output=out, seed=1)
        text = backprop_steps(other_model, [1.0, -0.5], [0.0, 1.0], loss, notation=key).text()
        text = text.replace(f"Σ_{n.down}", "Σ")  # the index of the sum is written Σ_k
        assert "'" not in text and "_k" not in text and "a_" not in text, text
    book = textbook_backprop(model, [1.0, -0.5], [0.5], "half_sse", notation=key)
    assert book.steps[0].text() == steps[0].text()


def test_the_caltech_bias_is_the_weight_of_x0_equal_to_minus_one():
    model = nn.MLP(2, [3, 1], activation="tanh", output="tanh", seed=0)
    deltas, _, db = engine(model, [1.0, -0.5], [0.5], "half_sse")
    steps = backprop_steps(model, [1.0, -0.5], [0.5], "half_sse", notation="caltech")
    out = steps[0]
    line = out.explain().splitlines()[-1]
    assert line.startswith("  ∂Eₙ/∂w₀₁⁽²⁾ = δ₁⁽²⁾ x₀⁽¹⁾ = ")
    from autograd.names import fmt
    assert line.endswith(f"(−1) = {fmt(-db[1][0])}")
    c = NOTATIONS["caltech"]
    b = model.layers[0].neurons[1].b.data
    assert c.bias_weight(b) == -b and c.bias_grad(db[0][1]) == -db[0][1]
    assert NOTATIONS["bishop"].bias_weight(b) == b and NOTATIONS["webster"].bias_grad(0.25) == 0.25


@pytest.mark.parametrize("key", KEYS)
def test_the_diagram_speaks_the_lecture_with_the_engines_numbers(key):
    from autograd.names import fmt_fixed as fmt

    n = NOTATIONS[key]
    model = nn.MLP(2, [3, 1], activation="tanh", output="tanh", seed=0)
    x, t = [1.0, -0.5], [0.5]
    deltas, dw, db = engine(model, x, t, "half_sse")
    source = nn.draw(model, x, t, notation=key).source
    L = 2
    for l, layer in enumerate(model.layers, start=1):
        for j, neuron in enumerate(layer.neurons, start=1):
            assert f"{n.delta(l, j, L).text} = {fmt(deltas[l - 1][j - 1])}" in source
            assert f"{n.pre_name(l, j, L).text} = " in source and f"{n.act_name(l, j, L).text} = " in source
            for k, w in enumerate(neuron.w, start=1):
                name = n.weight_name(l, j, k, L).text
                assert f"{name} = {fmt(w.data)}" in source
                assert f"∂{n.name('loss').text}/∂{name} = {fmt(dw[l - 1][j - 1][k - 1])}" in source
            bias = n.bias(l, j, L).text
            assert f"{bias} = {fmt(n.bias_weight(neuron.b.data))}" in source
            assert f"∂{n.name('loss').text}/∂{bias} = {fmt(n.bias_grad(db[l - 1][j - 1]))}" in source
    if n.bias_input(1) is not None:
        assert f"{n.bias_input(1).text} = {n.bias_value:g}".replace("-", "−") in source
    assert f"{n.name('loss').text} = " in source


def test_a_real_sized_diagram_in_every_notation():
    model = nn.MLP(2, [8, 8, 1], activation="tanh", seed=0)
    sources = {key: nn.draw(model, [0.3, -0.2], [1.0], notation=key, edge_labels="all").source for key in KEYS}
    for key, source in sources.items():
        n = NOTATIONS[key]
        names = [n.weight_name(l, j, k, 3).text for l, w in ((1, 2), (2, 8), (3, 8))
                 for j in range(1, (8 if l < 3 else 1) + 1) for k in range(1, w + 1)]
        assert len(set(names)) == len(names) == 2 * 8 + 8 * 8 + 8  # one name per weight
        assert all(f"{name} = " in source for name in names)
    # the same numbers: what differs between two pictures is names, and the Caltech biases' signs
    def numbers(source):
        labels = " ".join(a or b for a, b in re.findall(r'label=(?:"([^"]*)"|([^\s\]"]+))', source))
        return sorted(abs(float(v.replace("−", "-"))) for v in NUMBER.findall(re.sub(r"[₀-₉⁰-⁹⁽⁾]+", "", labels)))
    base = numbers(sources["bishop"])
    for key in KEYS:
        assert numbers(sources[key]) == base, key


@needs_dot
def test_the_unit_by_unit_page_speaks_the_lecture(tmp_path):
    model = nn.MLP(2, [3, 1], activation="tanh", output="tanh", seed=0)
    steps = backprop_steps(model, [1.0, -0.5], [0.5], losses.get("mse", reduction="sum"), notation="caltech")
    page = (tmp_path / "steps.html")
    steps.to_html(page)
    text = page.read_text(encoding="utf-8")
    assert "s₁⁽¹⁾" in text and "w₀₁⁽¹⁾" in text and "x₀⁽⁰⁾ = −1" in text
    assert "δ₁⁽¹⁾ = φ′(s₁⁽¹⁾)" in text  # the step texts, in the handout's names
