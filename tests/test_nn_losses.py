"""nn.losses: values against independent float formulas, gradients against finite differences."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value
from nn import losses

reals = st.floats(-3, 3)
probs = st.floats(0.02, 0.98)


def vals(xs):
    return [Value(x) for x in xs]


@settings(max_examples=30)
@given(y=st.lists(reals, min_size=1, max_size=4), data=st.data())
def test_mse_and_half_sse(y, data):
    t = data.draw(st.lists(reals, min_size=len(y), max_size=len(y)))
    sq = [(a - b) ** 2 for a, b in zip(y, t)]
    assert losses.mse(vals(y), t).data == pytest.approx(sum(sq) / len(y))
    assert losses.half_sse(vals(y), t).data == pytest.approx(0.5 * sum(sq))
    assert autograd.gradcheck(lambda *v: losses.mse(list(v), t), y)
    assert autograd.gradcheck(lambda *v: losses.half_sse(list(v), t), y)


@settings(max_examples=30)
@given(y=st.lists(probs, min_size=1, max_size=3), data=st.data())
def test_bce(y, data):
    t = data.draw(st.lists(st.sampled_from([0.0, 1.0, 0.3]), min_size=len(y), max_size=len(y)))
    expected = -sum(tk * math.log(yk) + (1 - tk) * math.log(1 - yk) for yk, tk in zip(y, t)) / len(y)
    assert losses.bce(vals(y), t).data == pytest.approx(expected)
    assert autograd.gradcheck(lambda *v: losses.bce(list(v), t), y)


@settings(max_examples=30)
@given(p=st.lists(st.floats(0.05, 0.99), min_size=2, max_size=4), k=st.integers(0, 3))
def test_cross_entropy_index_and_one_hot(p, k):
    k %= len(p)
    onehot = [1.0 if i == k else 0.0 for i in range(len(p))]
    assert losses.cross_entropy(vals(p), k).data == pytest.approx(-math.log(p[k]))
    assert losses.cross_entropy(vals(p), onehot).data == pytest.approx(-math.log(p[k]))
    assert autograd.gradcheck(lambda *v: losses.cross_entropy(list(v), k), p)


@settings(max_examples=40)
@given(a=st.lists(st.floats(-6, 6), min_size=2, max_size=4), k=st.integers(0, 3))
def test_softmax_cross_entropy_value_gradient_and_delta_rule(a, k):
    k %= len(a)
    m = max(a)
    lse = m + math.log(sum(math.exp(x - m) for x in a))
    logits = vals(a)
    E = losses.softmax_cross_entropy(logits, k)
    assert E.data == pytest.approx(lse - a[k])
    E.backward()
    soft = [math.exp(x - lse) for x in a]
    # ∂E/∂a_j = y_j − t_j (Bishop eq. 5.18 with softmax outputs)
    assert [v.grad for v in logits] == pytest.approx([s - (i == k) for i, s in enumerate(soft)], abs=1e-12)
    assert autograd.gradcheck(lambda *v: losses.softmax_cross_entropy(list(v), k), a)


def test_softmax_cross_entropy_stable_at_1000():
    logits = vals([1000.0, -1000.0, 0.0])
    E = losses.softmax_cross_entropy(logits, 1)
    assert E.data == pytest.approx(2000.0)
    E.backward()
    assert [v.grad for v in logits] == pytest.approx([1.0, -1.0, 0.0])
    assert losses.softmax_cross_entropy(vals([1000.0, -1000.0]), 0).data == pytest.approx(0.0, abs=1e-300)


@settings(max_examples=30)
@given(y=st.lists(st.floats(-3, 3).filter(lambda v: abs(abs(v) - 1) > 1e-3), min_size=1, max_size=3), data=st.data())
def test_hinge(y, data):
    t = data.draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=len(y), max_size=len(y)))
    expected = sum(max(0.0, 1 - tk * yk) for yk, tk in zip(y, t)) / len(y)
    assert losses.hinge(vals(y), t).data == pytest.approx(expected)
    assert autograd.gradcheck(lambda *v: losses.hinge(list(v), t), y)


@settings(max_examples=20)
@given(w=st.lists(reals, min_size=1, max_size=5))
def test_l2(w):
    assert losses.l2(vals(w)).data == pytest.approx(sum(x * x for x in w))
    assert autograd.gradcheck(lambda *v: losses.l2(list(v)), w)


@pytest.mark.parametrize(
    "fn, outputs, target, match",
    [
        (losses.mse, [0.1, 0.2], [1.0], "target has length 1 but the model gives 2"),
        (losses.mse, [0.1], "a", "target must be a list"),
        (losses.half_sse, [0.1], [None], "finite number"),
        (losses.bce, [1.0], [1.0], "not a probability in \\(0, 1\\)"),
        (losses.bce, [0.5], [2.0], "targets in \\[0, 1\\]"),
        (losses.cross_entropy, [0.5, 0.5], 2, "outside 0..1"),
        (losses.softmax_cross_entropy, [0.5, 0.5], [0.5, 0.6], "one-hot"),
        (losses.hinge, [0.5], [0.0], "−1 or \\+1"),
    ],
)
def test_bad_targets_name_the_problem(fn, outputs, target, match):
    with pytest.raises((ValueError, TypeError), match=match):
        fn(vals(outputs), target)


def test_get_by_name():
    assert losses.get("hinge") is losses.hinge
    with pytest.raises(ValueError, match="mse"):
        losses.get("nope")
