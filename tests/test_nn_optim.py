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
