"""nn.optim: updates against the formulas worked by hand."""

import math

import pytest

from autograd import Value
from nn.optim import SGD, Adam


def test_momentum_sgd_two_steps_by_hand():
    # E(w) = w², ∂E/∂w = 2w. w0 = 1, η = 0.1, γ = 0.9; v ← γv + η∂E/∂w, w ← w − v (the MLP lecture)
    #   step 1: g = 2,    v = 0.9·0 + 0.1·2 = 0.2,          w = 1 − 0.2 = 0.8
    #   step 2: g = 1.6,  v = 0.9·0.2 + 0.1·1.6 = 0.34,     w = 0.8 − 0.34 = 0.46
    w = Value(1.0)
    opt = SGD([w], lr=0.1, momentum=0.9)
    for expected_v, expected_w in [(0.2, 0.8), (0.34, 0.46)]:
        opt.zero_grad()
        (w * w).backward()
        opt.step()
        assert opt.velocity[0] == pytest.approx(expected_v)
        assert w.data == pytest.approx(expected_w)


def test_plain_sgd_and_schedule():
    w = Value(2.0)
    opt = SGD([w], lr=lambda step: 0.5 / (step + 1))
    for expected in [2.0 - 0.5 * 4.0, None]:
        opt.zero_grad()
        (w * w).backward()  # ∂/∂w = 2w
        before = w.data
        eta = 0.5 / (opt.steps + 1)
        opt.step()
        assert w.data == pytest.approx(before - eta * 2 * before)
    assert opt.steps == 2


def test_adam_first_steps_match_formula():
    # Bias-corrected first step: m̂ = g, ŝ = g², so w moves by η·g/(|g| + ε) ≈ η·sign(g).
    w = Value(3.0)
    opt = Adam([w], lr=0.01)
    (w * w).backward()
    opt.step()
    assert w.data == pytest.approx(3.0 - 0.01 * 6.0 / (6.0 + 1e-8))
    # second step, computed independently
    g1, g2 = 6.0, 2 * w.data
    m = 0.9 * 0.1 * g1 + 0.1 * g2
    s = 0.999 * 0.001 * g1**2 + 0.001 * g2**2
    before = w.data
    opt.zero_grad()
    (w * w).backward()
    opt.step()
    step = 0.01 * (m / (1 - 0.9**2)) / (math.sqrt(s / (1 - 0.999**2)) + 1e-8)
    assert w.data == pytest.approx(before - step)


def test_zero_grad_and_bad_arguments():
    w = Value(1.0)
    w.grad = 5.0
    SGD([w], lr=0.1).zero_grad()
    assert w.grad == 0.0
    with pytest.raises(ValueError, match="params is empty"):
        SGD([], lr=0.1)
    with pytest.raises(ValueError, match="lr must be"):
        SGD([w], lr=-1)
    with pytest.raises(ValueError, match="momentum"):
        SGD([w], lr=0.1, momentum=1.5)
    with pytest.raises(TypeError, match="params\\[0\\]"):
        Adam([1.0])


def _make(kind, params):
    if kind == "sgd":
        return SGD(params, lr=lambda t: 0.1 / (1 + t))
    if kind == "momentum":
        return SGD(params, lr=0.05, momentum=0.9)
    return Adam(params, lr=lambda t: 0.01 * 0.9**t, betas=(0.8, 0.99))


@pytest.mark.parametrize("kind", ["sgd", "momentum", "adam"])
def test_one_formula_steps_values_and_arrays_bit_for_bit(kind):
    """`update` is written once: step() over the Values and step_arrays() over one array
    give the same weights and state, exactly, also when the two forms take turns."""
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal(7)
    grads = rng.standard_normal((6, 7))
    values = [Value(float(w)) for w in w0]
    one_by_one = _make(kind, values)
    at_once = _make(kind, [Value(0.0) for _ in w0])  # its params are not read by step_arrays
    mixed_values = [Value(float(w)) for w in w0]
    mixed = _make(kind, mixed_values)
    w = w0.copy()
    for t, g in enumerate(grads):
        for p, gi in zip(values, g.tolist()):
            p.grad = gi
        one_by_one.step()
        w = at_once.step_arrays(np, w, g)
        if t % 2:  # the Values' form, after arrays: sync() first brings the state back
            for p, gi in zip(mixed_values, g.tolist()):
                p.grad = gi
            mixed.step()
        else:
            new = mixed.step_arrays(np, np.array([p.data for p in mixed_values]), g)
            for p, x in zip(mixed_values, new.tolist()):
                p.data = x
    assert [p.data for p in values] == w.tolist() == [p.data for p in mixed_values]
    at_once.sync()
    mixed.sync()
    for slot in one_by_one.slots:
        assert getattr(one_by_one, slot) == getattr(at_once, slot) == getattr(mixed, slot)
    assert one_by_one.steps == at_once.steps == mixed.steps == len(grads)
