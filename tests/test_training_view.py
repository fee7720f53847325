"""Watching training: fit(record=True) keeps the weights each epoch starts from, and
nn.TrainingView replays them in one page."""

from __future__ import annotations

import math

import pytest

import nn
from nn import train


def _mean_loss(model, X, y, loss, weights):
    """The mean per-example loss over (X, y) at `weights`, built by the engine."""
    for p, w in zip(model.parameters(), weights):
        p.data = w
    fn = nn.losses.get(loss)
    return sum(fn(model(x), t).data for x, t in zip(X, y)) / len(X)


# --- fit(record=True) -----------------------------------------------------------------------
@pytest.mark.parametrize("compile", [True, False])
def test_record_keeps_the_weights_each_epoch_starts_from(compile):
    """With whole-batch training the loss of epoch e is the loss at the weights epoch e
    started from, so every recorded snapshot reproduces its epoch's loss."""
    X, y = nn.data.moons(30, noise=0.1, seed=1)
    model = nn.MLP(2, [4, 4, 1], activation="tanh", seed=3)
    start = tuple(p.data for p in model.parameters())
    hist = nn.fit(model, X, y, "hinge", nn.SGD(model.parameters(), lr=0.2), epochs=12, progress=False,
                  record=True, compile=compile)
    final = [p.data for p in model.parameters()]
    assert [e for e, _ in hist.snapshots] == list(range(1, 13)) and hist.record_every == 1
    assert hist.snapshots[0][1] == start
    probe = nn.MLP(2, [4, 4, 1], activation="tanh", seed=99)
    for epoch, weights in hist.snapshots:
        assert len(weights) == model.num_parameters()
        assert _mean_loss(probe, X, y, "hinge", weights) == pytest.approx(hist.loss[epoch - 1], rel=1e-12, abs=1e-15)
    assert list(hist.snapshots[-1][1]) != final  # the last update happened after the last snapshot


def test_record_is_off_by_default_and_must_be_a_bool():
    X, y = nn.data.xor()
    model = nn.MLP(2, [2, 1], seed=0)
    hist = nn.fit(model, X, y, "mse", nn.SGD(model.parameters(), lr=0.1), epochs=2, progress=False)
    assert hist.snapshots == [] and hist.record_every == 0
    with pytest.raises(TypeError, match="record must be True or False"):
        nn.fit(model, X, y, "mse", nn.SGD(model.parameters(), lr=0.1), epochs=2, progress=False, record=1)


def test_record_keeps_every_kth_epoch_past_the_limit(monkeypatch):
    monkeypatch.setattr(train, "RECORD_EPOCHS", 5)
    X, y = nn.data.xor()
    model = nn.MLP(2, [2, 1], seed=0)
    hist = nn.fit(model, X, y, "mse", nn.SGD(model.parameters(), lr=0.1), epochs=23, progress=False, record=True)
    assert hist.record_every == 5  # ⌈23 / 5⌉
    assert [e for e, _ in hist.snapshots] == [1, 6, 11, 16, 21, 23]  # and always the last epoch


def test_record_stride_bounds_the_numbers_kept():
    for epochs, params in [(1, 1), (300, 337), (5000, 337), (10, 10**6), (7, 3 * 10**6), (2000, 1)]:
        k = train.record_stride(epochs, params)
        kept = math.ceil(epochs / k) + 1  # every k-th epoch, and the last
        assert k >= 1
        assert kept <= train.RECORD_EPOCHS + 1
        assert k == 1 or (kept - 1) * params <= train.RECORD_NUMBERS or kept <= 2
    assert train.record_stride(300, 337) == 1  # a 2-16-16-1 network keeps all 300 epochs
