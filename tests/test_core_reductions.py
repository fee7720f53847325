"""Losses combine their K outputs as a sum (the lectures' Σ_k) or a mean ((1/K) Σ_k):
`reduction="sum"` is K times `reduction="mean"` in value and in every gradient, each
loss keeps its old default, and the textbook's delta rule follows the reduction."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import Value
from nn import losses
from nn.textbook import backprop_steps, textbook_backprop

probabilities = st.floats(0.05, 0.95)
reals = st.floats(-3, 3)


def targets_for(name, K, draw_bits):
    if name in ("cross_entropy", "softmax_cross_entropy"):
        return [1.0 if k == draw_bits % K else 0.0 for k in range(K)]
    if name == "hinge":
        return [1.0 if (draw_bits >> k) & 1 else -1.0 for k in range(K)]
    if name == "bce":
        return [((draw_bits >> k) & 3) / 3 for k in range(K)]
    return [((draw_bits >> k) & 7) / 4 - 1 for k in range(K)]


def outputs_for(name, raw):
    if name == "bce":
        return [0.05 + 0.9 * (math.tanh(v) + 1) / 2 for v in raw]
    if name == "cross_entropy":
        e = [math.exp(v) for v in raw]
        return [v / sum(e) for v in e]
    return raw


@settings(max_examples=60)
@given(st.sampled_from(sorted(losses.LOSSES)), st.lists(reals, min_size=1, max_size=5), st.integers(0, 2**15))
def test_sum_is_K_times_mean_in_value_and_gradient(name, raw, bits):
    K = len(raw)
    t = targets_for(name, K, bits)
    out = {}
    for reduction in ("sum", "mean"):
        y = [Value(v) for v in outputs_for(name, raw)]
        E = losses.get(name, reduction=reduction)(y, t)
        E.backward()
        out[reduction] = (E.data, [v.grad for v in y])
    (s, gs), (m, gm) = out["sum"], out["mean"]
    assert math.isclose(s, K * m, rel_tol=1e-12, abs_tol=1e-12)
    assert all(math.isclose(a, K * b, rel_tol=1e-12, abs_tol=1e-12) for a, b in zip(gs, gm))


def test_each_loss_keeps_its_default():
    y, t = [Value(0.2), Value(-0.4), Value(0.9)], [0.0, 1.0, 0.5]
    sq = sum((a.data - b) ** 2 for a, b in zip(y, t))
    assert losses.mse(y, t).data == pytest.approx(sq / 3)  # the mean over K
    assert losses.mse(y, t, reduction="sum").data == pytest.approx(sq)  # Webster's S, Σ over the outputs
    assert losses.half_sse(y, t).data == pytest.approx(sq / 2)  # Bishop's ½ Σ
    assert losses.half_sse(y, t, reduction="mean").data == pytest.approx(sq / 6)
    for name, default in losses.DEFAULT_REDUCTION.items():
        assert losses.name_and_reduction(name) == (name, default)
        assert losses.name_and_reduction(losses.LOSSES[name]) == (name, default)
    assert losses.name_and_reduction(losses.get("bce", reduction="sum")) == ("bce", "sum")
    assert losses.name_and_reduction(lambda y, t: y[0]) is None


@pytest.mark.parametrize("bad", ["none", "Sum", None, 1])
def test_a_bad_reduction_names_the_loss_and_the_choices(bad):
    with pytest.raises(ValueError, match=r"mse: reduction must be 'mean'.* or 'sum'"):
        losses.mse([Value(1.0)], [0.0], reduction=bad)
    if bad is not None:
        with pytest.raises(ValueError, match="reduction must be 'mean' or 'sum'"):
            losses.get("bce", reduction=bad)
    with pytest.raises(ValueError, match="not to"):
        losses.get(lambda y, t: y[0], reduction="sum")


# (hidden, output, loss, K, target): the output rules of the textbook under both reductions
PAIRS = [("tanh", "sigmoid", "bce", 2, [0.0, 1.0]), ("tanh", "softmax", "cross_entropy", 3, 1),
         ("relu", "identity", "softmax_cross_entropy", 3, 2), ("tanh", "identity", "half_sse", 2, [0.3, -0.7]),
         ("tanh", "identity", "mse", 2, [0.3, -0.7]), ("relu", "identity", "hinge", 2, [-1.0, 1.0]),
         ("leaky_relu", "tanh", "mse", 2, [0.5, -0.5]), ("softplus", "softmax", "half_sse", 3, [0.0, 1.0, 0.0])]


@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize("pair", PAIRS, ids=[f"{p[1]}+{p[2]}" for p in PAIRS])
def test_the_textbook_follows_the_reduction_and_equals_the_engine(pair, reduction):
    act, out, name, K, target = pair
    model = nn.MLP(3, [4, K], activation=act, output=out, seed=7)
    x = [0.4, -0.9, 0.3]
    loss = losses.get(name, reduction=reduction)
    model.zero_grad()
    traces = model.trace(x)
    E = loss(traces[-1].z, target)
    E.backward()
    book = textbook_backprop(model, x, target, loss)
    assert book.reduction == reduction
    assert math.isclose(book.E, E.data, rel_tol=1e-9, abs_tol=1e-12)
    for l, tr in enumerate(traces):
        for d, a in zip(book.delta[l], tr.a):
            assert math.isclose(d, a.grad, rel_tol=1e-9, abs_tol=1e-12)
    model.zero_grad()
    # the printed output rule says which: no 1/K for a sum
    rule = book.output_rule
    if not rule.startswith(("general rule", "softmax output")):  # a shortcut pair
        assert rule.endswith("/K") == (reduction == "mean"), rule


def test_a_summed_loss_is_drawn_and_trained_as_given():
    model = nn.MLP(2, [3, 2], activation="tanh", output="sigmoid", seed=0)
    x, t = [0.5, -0.2], [1.0, 0.0]
    summed, mean = losses.get("bce", reduction="sum"), losses.get("bce", reduction="mean")
    steps = backprop_steps(model, x, t, summed)
    assert "(y_k − t_k)/K" not in steps.text() and "δ_k = y_k − t_k" in steps.text()
    assert [s.delta * 1 for s in steps][:2] == pytest.approx([2 * s.delta for s in backprop_steps(model, x, t, mean)][:2])
    source = steps.draw().source
    E = summed(model(x), t).data
    from autograd.names import fmt_fixed as fmt
    assert f"E = {fmt(E)}" in source  # the diagram's loss is the summed one
    X, T = [[0.0, 1.0], [1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]]
    history = nn.fit(model, X, T, summed, nn.SGD(model.parameters(), lr=0.1), epochs=2, progress=False)
    assert len(history.accuracy) == 2  # still a classification loss: accuracy is reported
