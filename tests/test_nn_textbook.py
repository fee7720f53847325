"""The lectures' delta rule in plain floats (nn.textbook) against the engine.

For every activation/loss pair the lectures use, textbook_backprop's δ_j, ∂E/∂w_jk,
∂E/∂b_j and E must equal what `model.trace` + loss + `backward()` give; the
unit-by-unit steps print numbers worked out by hand on a tiny network."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from nn import losses
from nn.textbook import backprop_steps, textbook_backprop

# (hidden activation, output activation, loss, number of outputs, target)
PAIRS = [
    ("tanh", "sigmoid", "bce", 1, [1.0]),  # the lectures' binary classifier: δ_k = y_k − t_k
    ("tanh", "sigmoid", "bce", 2, [0.0, 1.0]),  # bce is a mean: δ_k = (y_k − t_k)/K
    ("tanh", "softmax", "cross_entropy", 3, 1),  # softmax + cross-entropy: δ_k = y_k − t_k
    ("relu", "identity", "softmax_cross_entropy", 3, 2),  # logits
    ("tanh", "identity", "half_sse", 2, [0.3, -0.7]),  # regression, Bishop eq. 5.11
    ("tanh", "identity", "mse", 2, [0.3, -0.7]),
    ("sigmoid", "sigmoid", "half_sse", 1, [0.2]),  # Hajij: σ' = σ(1 − σ)
    ("relu", "identity", "hinge", 1, [-1.0]),
    ("leaky_relu", "tanh", "mse", 2, [0.5, -0.5]),  # general output rule h'(a_k) ∂E/∂y_k
    ("elu", "identity", "half_sse", 1, [1.5]),
    ("softplus", "softmax", "half_sse", 3, [0.0, 1.0, 0.0]),  # softmax Jacobian
]


def engine(model, x, target, loss):
    """δ_j, ∂E/∂w, ∂E/∂b and E from the engine on a model with zeroed grads."""
    model.zero_grad()  # leaves accumulate across backward() calls
    traces = model.trace(x)
    E = losses.LOSSES[loss](traces[-1].z, target)
    E.backward()
    delta = [[a.grad for a in tr.a] for tr in traces]
    dw = [[[w.grad for w in n.w] for n in layer.neurons] for layer in model.layers]
    db = [[n.b.grad for n in layer.neurons] for layer in model.layers]
    return delta, dw, db, E.data


def close(a, b) -> bool:
    if isinstance(a, list):
        return len(a) == len(b) and all(close(p, q) for p, q in zip(a, b))
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=40)
@given(st.sampled_from(PAIRS), st.lists(st.floats(-2, 2), min_size=3, max_size=3),
       st.integers(0, 1000), st.sampled_from([[4], [3, 4]]))
def test_textbook_delta_rule_equals_the_engine(pair, x, seed, hidden):
    act, out, loss, K, target = pair
    model = nn.MLP(3, hidden + [K], activation=act, output=out, seed=seed)
    result = textbook_backprop(model, x, target, loss)
    delta, dw, db, E = engine(model, x, target, loss)
    assert close(result.delta, delta)
    assert close(result.dE_dw, dw)
    assert close(result.dE_db, db)
    assert math.isclose(result.E, E, rel_tol=1e-9, abs_tol=1e-12)
    # shapes follow the model
    assert [len(d) for d in result.delta] == hidden + [K]
    assert [len(row) for row in result.dE_dw[0]] == [3] * hidden[0]


def test_textbook_never_touches_the_engine_grads():
    model = nn.MLP(2, [3, 1], seed=0)
    for p in model.parameters():
        p.grad = 7.0
    textbook_backprop(model, [1.0, -1.0], [0.5])
    assert all(p.grad == 7.0 for p in model.parameters())


def tiny():
    """x → one tanh unit → one identity output, weights set by hand:
    a1 = 0.5·x + 0.1, z1 = tanh(a1), y = a2 = 2·z1 − 0.3."""
    model = nn.MLP(1, [1, 1], activation="tanh", output="identity", seed=0)
    (h,), (o,) = model.layers[0].neurons, model.layers[1].neurons
    h.w[0].data, h.b.data, o.w[0].data, o.b.data = 0.5, 0.1, 2.0, -0.3
    return model


def test_steps_print_the_numbers_worked_out_by_hand():
    x, t = 2.0, 1.0
    a1 = 0.5 * x + 0.1
    z1 = math.tanh(a1)
    y = 2.0 * z1 - 0.3
    d2 = y - t  # identity output, E = ½(y − t)²
    d1 = (1 - z1**2) * 2.0 * d2  # δ_1 = h'(a_1) w_21 δ_2
    steps = backprop_steps(tiny(), [x], [t])
    assert len(steps) == 2
    out, hidden = steps[0], steps[1]
    assert (out.layer, out.unit, out.kind) == (2, 1, "output") and out.delta == pytest.approx(d2)
    assert (hidden.layer, hidden.unit, hidden.kind) == (1, 1, "hidden") and hidden.delta == pytest.approx(d1)

    def n(v):
        return f"{v:.4g}".replace("-", "−")

    assert out.text() == (f"δ[2]_1 = ∂E/∂a[2]_1 = {n(y)} − 1 = {n(d2)}   "
                          "(identity output with ½Σ(y − t)²: δ_k = y_k − t_k)")
    assert hidden.text() == (f"δ[1]_1 = h'(a[1]_1) Σ_k w[2]_{{k,1}} δ[2]_k = ({n(1 - z1**2)})·[(2)({n(d2)})] = "
                             f"{n(d1)}   (tanh: h'(a) = 1 − z²)")
    explained = hidden.explain()
    assert f"∂E/∂w[1]_{{1,1}} = δ[1]_1 x_1 = ({n(d1)})(2) = {n(2 * d1)}" in explained
    assert f"∂E/∂b[1]_1 = δ[1]_1 = {n(d1)}" in explained
    assert f"∂E/∂w[2]_{{1,1}} = δ[2]_1 z_1 = ({n(d2)})({n(z1)}) = {n(d2 * z1)}" in out.explain()
    latex = hidden._repr_latex_()
    assert latex.startswith("$") and r"\sum_k w^{(2)}_{k1}" in latex


def test_steps_go_output_first_then_back_layer_by_layer():
    model = nn.MLP(2, [3, 2, 2], activation="tanh", output="identity", seed=3)
    steps = backprop_steps(model, [0.5, -1.0], [0.0, 1.0])
    assert [(s.layer, s.unit) for s in steps] == [(3, 1), (3, 2), (2, 1), (2, 2), (1, 1), (1, 2), (1, 3)]
    assert [s.kind for s in steps] == ["output"] * 2 + ["hidden"] * 5
    # every hidden δ is h'(a_j) times the printed sum of its downstream terms
    for s in steps[2:]:
        assert s.delta == pytest.approx(s.h_prime * sum(w * d for _, w, d in s.downstream))
    assert "δ[3]_1" in steps.text() and steps._repr_latex_().startswith("$$")


def test_output_rules_are_the_lectures_shortcuts():
    cases = [("sigmoid", "bce", [1.0], "δ_k = (y_k − t_k)/K"),
             ("softmax", "cross_entropy", 0, "δ_k = y_k − t_k"),
             ("identity", "softmax_cross_entropy", 0, "softmax(a)_k − t_k"),
             ("tanh", "half_sse", [0.5], "general rule")]
    for out, loss, target, rule in cases:
        K = 1 if out in ("sigmoid", "tanh") else 2
        r = textbook_backprop(nn.MLP(2, [2, K], output=out, seed=0), [1.0, 2.0], target, loss)
        assert rule in r.output_rule


def test_clear_errors():
    model = nn.MLP(2, [2, 1], seed=0)
    with pytest.raises(ValueError, match="no textbook formula"):
        textbook_backprop(model, [1.0, 2.0], [0.0], loss="l1")
    with pytest.raises(ValueError, match="takes 2 inputs"):
        textbook_backprop(model, [1.0], [0.0])
    with pytest.raises(ValueError, match="target has length"):
        textbook_backprop(model, [1.0, 2.0], [0.0, 1.0])
    with pytest.raises(TypeError, match="expected an nn.MLP"):
        textbook_backprop(object(), [1.0], [0.0])
    with pytest.raises(ValueError, match="one-hot"):
        textbook_backprop(nn.MLP(2, [2], output="softmax"), [1.0, 2.0], [0.5, 0.7], "cross_entropy")


def test_loss_given_as_the_function():
    model = nn.MLP(2, [2, 1], seed=0)
    a = textbook_backprop(model, [1.0, 2.0], [0.0], loss=losses.half_sse)
    b = textbook_backprop(model, [1.0, 2.0], [0.0], loss="half_sse")
    assert a.delta == b.delta


def test_steps_draw_the_network():
    pytest.importorskip("nn.draw", reason="nn.draw not available")
    model = tiny()
    steps = backprop_steps(model, [2.0], [1.0])
    source = steps.draw().source
    assert "δ" in source


def test_the_old_module_name_still_imports_and_says_the_new_one():
    import subprocess
    import sys

    code = ("import warnings; warnings.simplefilter('error')\n"
            "try:\n    from nn.teach import textbook_backprop\nexcept DeprecationWarning as w:\n    print(w)\n"
            "warnings.simplefilter('ignore')\n"
            "from nn.teach import textbook_backprop, backprop_steps\n"
            "import nn.textbook\n"
            "print(textbook_backprop is nn.textbook.textbook_backprop and backprop_steps is nn.textbook.backprop_steps)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=__import__("pathlib").Path(__file__).resolve().parent.parent)
    assert out.stdout.splitlines() == ["nn.teach is now nn.textbook (the same functions)", "True"], out.stderr
