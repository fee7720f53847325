"""fit's three paths — arrays over the batch (the default), the scalar program once per
example (compile="scalar") and the engine's graph (compile=False) — give the same history
and weights to 1e-9, for every optimiser, batch size and built-in loss; and the same errors."""

from __future__ import annotations

import math
import sys
import random

import numpy as np
import pytest

import nn
from nn import losses, optim, replay

TOL = 1e-9


def data(n: int, nin: int, kind: str, K: int, seed: int = 0):
    rng = random.Random(seed)
    X = [[rng.uniform(-1.5, 1.5) for _ in range(nin)] for _ in range(n)]
    if kind == "pm1":
        y = [[rng.choice([-1.0, 1.0]) for _ in range(K)] for _ in range(n)]
    elif kind == "01":
        y = [[rng.choice([0.0, 1.0]) for _ in range(K)] for _ in range(n)]
    elif kind == "class":
        y = [rng.randrange(K) for _ in range(n)]
    elif kind == "onehot":
        y = [[1.0 if k == c else 0.0 for k in range(K)] for c in (rng.randrange(K) for _ in range(n))]
    else:
        y = [[rng.uniform(-1, 1) for _ in range(K)] for _ in range(n)]
    return X, y


# (loss, output activation, targets): every built-in loss, with the output layer it is used with
CASES = [
    ("mse", "identity", "real"),
    (losses.get("mse", reduction="sum"), "tanh", "real"),
    ("half_sse", "identity", "real"),
    ("hinge", "identity", "pm1"),
    ("bce", "sigmoid", "01"),
    (losses.get("bce", reduction="sum"), "sigmoid", "01"),
    ("cross_entropy", "softmax", "class"),
    ("softmax_cross_entropy", "identity", "onehot"),
    (losses.get("softmax_cross_entropy", reduction="mean"), "identity", "class"),
    ("softmax_cross_entropy", "softmax", "class"),  # a softmax layer under it: the engine allows it
]
OPTIMISERS = [lambda p: optim.SGD(p, lr=0.1), lambda p: optim.SGD(p, lr=0.05, momentum=0.9),
              lambda p: optim.Adam(p, lr=0.01)]


def run(mode, loss, output, targets, make_opt, batch_size, l2, hidden="tanh", K=3):
    X, y = data(23, 3, targets, K)
    model = nn.MLP(3, [5, 4, K], activation=hidden, output=output, seed=2)
    history = nn.fit(model, X, y, loss, make_opt(model.parameters()), epochs=3, batch_size=batch_size,
                     l2=l2, progress=False, compile=mode)
    return history, [p.data for p in model.parameters()]


def agree(a, b):
    (ha, wa), (hb, wb) = a, b
    assert ha.steps == hb.steps
    assert all(abs(x - z) <= TOL * max(1.0, abs(z)) for x, z in zip(ha.loss, hb.loss)), (ha.loss, hb.loss)
    assert ha.accuracy == hb.accuracy
    assert max(abs(x - z) for x, z in zip(wa, wb)) <= TOL


@pytest.mark.parametrize("loss,output,targets", CASES)
@pytest.mark.parametrize("opt", range(len(OPTIMISERS)))
@pytest.mark.parametrize("batch_size", [None, 1, 7])
def test_the_three_paths_of_fit_agree(loss, output, targets, opt, batch_size, monkeypatch):
    l2 = 1e-3 if opt == 1 else 0.0
    hidden = "relu" if opt == 2 else "tanh"
    engine = run(False, loss, output, targets, OPTIMISERS[opt], batch_size, l2, hidden)
    monkeypatch.setattr(replay, "CompiledLoss", None)  # the default path never needs the scalar one here
    agree(run(True, loss, output, targets, OPTIMISERS[opt], batch_size, l2, hidden), engine)
    monkeypatch.undo()
    agree(run("scalar", loss, output, targets, OPTIMISERS[opt], batch_size, l2, hidden), engine)


@pytest.mark.parametrize("model", [lambda: nn.Neuron(2, "sigmoid", random.Random(0)),
                                   lambda: nn.Layer(2, 3, "softmax", random.Random(0))])
def test_a_neuron_and_a_layer_take_the_batched_path_too(model):
    X, y = data(12, 2, "01" if model().__class__ is nn.Neuron else "class", 3)
    if model().__class__ is nn.Neuron:
        y = [t[0] for t in y]
    loss = "bce" if model().__class__ is nn.Neuron else "cross_entropy"
    results = []
    for mode in (True, False):
        m = model()
        assert replay.batched(m, loss, X, y, m.parameters(), 0.0) is not None
        h = nn.fit(m, X, y, loss, optim.SGD(m.parameters(), lr=0.2), epochs=4, batch_size=5, progress=False, compile=mode)
        results.append((h, [p.data for p in m.parameters()]))
    agree(*results)


def test_the_batched_loss_matches_the_engines_loss_and_deltas():
    """Each array loss: E_n and ∂E_n/∂y equal to the engine's own loss on Values, to 1e-12."""
    from autograd import Value

    rng = np.random.default_rng(3)
    for name in losses.LOSSES:
        for reduction in losses.REDUCTIONS:
            K = 3
            Y = rng.uniform(0.05, 0.95, size=(K, 4))
            kind = {"hinge": "pm1", "bce": "01", "cross_entropy": "onehot", "softmax_cross_entropy": "onehot"}.get(name, "real")
            _, ys = data(4, 1, kind, K, seed=5)
            T = replay._target_matrix(np, name, ys, K)
            E, D = replay._loss_arrays(np, name, reduction, Y, T)
            for n in range(4):
                leaves = [Value(float(v)) for v in Y[:, n]]
                e = losses.get(name, reduction=reduction)(leaves, ys[n])
                e.backward()
                assert abs(E[n] - e.data) <= 1e-12 * max(1, abs(e.data)), (name, reduction)
                assert all(abs(D[k, n] - leaves[k].grad) <= 1e-12 * max(1, abs(leaves[k].grad)) for k in range(K))


def test_without_numpy_fit_takes_the_scalar_program(monkeypatch):
    X, y = data(15, 3, "pm1", 1)
    weights = []
    for absent in (False, True):
        if absent:
            monkeypatch.setitem(sys.modules, "numpy", None)  # as if NumPy were not installed: import numpy fails
        m = nn.MLP(3, [4, 1], seed=0)
        if absent:
            assert replay.batched(m, "hinge", X, y, m.parameters(), 0.0) is None
        nn.fit(m, X, y, "hinge", optim.SGD(m.parameters(), lr=0.1), epochs=3, progress=False)
        weights.append([p.data for p in m.parameters()])
    assert max(abs(a - b) for a, b in zip(*weights)) <= TOL


@pytest.mark.parametrize("mode", [True, "scalar", False])
def test_the_same_errors_on_every_path(mode):
    X, y = data(10, 3, "01", 1)
    m = nn.MLP(3, [4, 1], output="sigmoid", seed=0)
    with pytest.raises(ValueError, match="diverged|probability"):
        nn.fit(m, X, y, "bce", optim.SGD(m.parameters(), lr=1e6), epochs=20, progress=False, compile=mode)
    bad = [list(t) for t in y]
    bad[4] = [2.0]  # not a bce target
    m = nn.MLP(3, [4, 1], output="sigmoid", seed=0)
    with pytest.raises(ValueError, match=r"example 4"):
        nn.fit(m, X, bad, "bce", optim.SGD(m.parameters(), lr=0.1), epochs=1, progress=False, compile=mode)


def test_compile_takes_three_values():
    X, y = data(5, 3, "real", 1)
    m = nn.MLP(3, [2, 1], seed=0)
    with pytest.raises(ValueError, match="compile must be"):
        nn.fit(m, X, y, "mse", optim.SGD(m.parameters(), lr=0.1), epochs=1, progress=False, compile="fast")


SCHEDULED = [lambda p: optim.Adam(p, lr=lambda t: 0.02 / (1 + t), betas=(0.8, 0.99)),
             lambda p: optim.SGD(p, lr=lambda t: 0.1 * 0.9**t, momentum=0.5)]


def run_full(mode, make_opt, batch_size, l2, loss="softmax_cross_entropy", targets="class", output="identity"):
    """fit with record=True; everything fit leaves behind: history, weights, grads, optimiser state."""
    X, y = data(23, 3, targets, 3)
    model = nn.MLP(3, [5, 3], activation="tanh", output=output, seed=4)
    opt = make_opt(model.parameters())
    h = nn.fit(model, X, y, loss, opt, epochs=4, batch_size=batch_size, l2=l2, progress=False,
               compile=mode, record=True)
    return h, model, opt


@pytest.mark.parametrize("opt", range(len(SCHEDULED)))
@pytest.mark.parametrize("batch_size", [None, 1, 5, 22])  # 23 examples: the last batch of 5 and of 22 is partial
@pytest.mark.parametrize("l2", [0.0, 1e-2])
def test_scheduled_optimisers_with_weight_decay_agree_on_every_path(opt, batch_size, l2, monkeypatch):
    """Adam and momentum with an lr schedule and weight decay, whole and partial mini-batches:
    the batched path steps the weights as arrays, the others Value by Value. The snapshots,
    the last gradients and the optimiser's own state agree too."""
    runs = [run_full(mode, SCHEDULED[opt], batch_size, l2) for mode in (False, "scalar")]

    def one_by_one(self):
        raise AssertionError("the batched path stepped the Values one by one")

    monkeypatch.setattr(replay, "CompiledLoss", None)  # every batch over arrays, never the scalar path
    monkeypatch.setattr(optim.Optimizer, "step", one_by_one)  # and every step over the weight array
    runs.append(run_full(True, SCHEDULED[opt], batch_size, l2))
    monkeypatch.undo()
    (he, me, oe) = runs[0]
    for h, m, o in runs[1:]:
        agree((h, [p.data for p in m.parameters()]), (he, [p.data for p in me.parameters()]))
        assert o.steps == oe.steps == h.steps
        assert [e for e, _ in h.snapshots] == [e for e, _ in he.snapshots]
        for (_, a), (_, b) in zip(h.snapshots, he.snapshots):
            assert max(abs(x - z) for x, z in zip(a, b)) <= TOL
        assert max(abs(p.grad - q.grad) for p, q in zip(m.parameters(), me.parameters())) <= TOL
        for slot in o.slots:
            assert isinstance(getattr(o, slot), list)  # arrays back into lists when fit returns
            assert max(abs(x - z) for x, z in zip(getattr(o, slot), getattr(oe, slot))) <= TOL


class _Halving(optim.SGD):
    """A student's optimiser: overrides step() only, so fit must call it, never the array form."""

    def step(self):
        for p in self.params:
            p.grad = p.grad / 2.0
        super().step()


class _Plain:
    """Not an nn optimiser at all: anything with step()."""

    def __init__(self, params):
        self.params = list(params)

    def step(self):
        for p in self.params:
            p.data -= 0.1 * p.grad


@pytest.mark.parametrize("make_opt", [
    lambda p: _Halving(p, lr=0.2),
    lambda p: _Plain(p),
    lambda p: optim.SGD(p[len(p) // 2:], lr=0.1, momentum=0.5),  # a subset: the rest stay frozen
    lambda p: optim.Adam(list(reversed(p)), lr=0.01),  # the model's parameters in another order
], ids=["subclass-overriding-step", "duck-typed", "subset", "reordered"])
def test_any_optimiser_steps_the_same_on_every_path(make_opt):
    runs = [run_full(mode, make_opt, 5, 1e-3) for mode in (False, "scalar", True)]
    (he, me, _) = runs[0]
    for h, m, _ in runs[1:]:
        agree((h, [p.data for p in m.parameters()]), (he, [p.data for p in me.parameters()]))
    start = [p.data for p in nn.MLP(3, [5, 3], activation="tanh", seed=4).parameters()]
    for _, m, o in runs:  # a weight the optimiser does not hold never moves
        held = {id(p) for p in o.params}
        assert all(p.data == w for p, w in zip(m.parameters(), start) if id(p) not in held)


def test_the_batched_path_steps_arrays_only_for_an_optimiser_of_its_own_form():
    X, y = data(10, 3, "class", 3)
    model = nn.MLP(3, [4, 3], seed=0)
    whole = replay.batched(model, "softmax_cross_entropy", X, y, model.parameters(), 0.0)
    assert replay.array_form(optim.SGD(model.parameters(), lr=0.1))
    assert replay.array_form(optim.Adam(model.parameters()))
    assert not replay.array_form(_Halving(model.parameters(), lr=0.1))
    assert not replay.array_form(_Plain(model.parameters()))
    params = model.parameters()
    assert whole._stepper(optim.SGD(params, lr=0.1)) is Ellipsis
    assert whole._stepper(optim.SGD(params + params[:1], lr=0.1)) is None  # a weight twice: stepped twice, one by one
    assert whole._stepper(optim.SGD([nn.MLP(1, [1]).parameters()[0]], lr=0.1)) is None  # not the model's
    assert list(whole._stepper(optim.SGD(params[3:5], lr=0.1))) == [3, 4]


@pytest.mark.parametrize("opt", range(len(SCHEDULED)))
def test_batches_that_leave_the_arrays_hand_over_weights_and_state(opt, monkeypatch):
    """Every third batch refused by the batched path (as an output out of a loss's range would
    be): the weights go back to the Values and the optimiser's state back to its lists for the
    scalar path, and return to the arrays after; the run still ends where the engine's does."""
    engine = run_full(False, SCHEDULED[opt], 4, 1e-3)
    calls = {"n": 0}
    batch = replay.BatchedLoss.batch

    def sometimes(self, *args):
        calls["n"] += 1
        return None if calls["n"] % 3 == 0 else batch(self, *args)

    monkeypatch.setattr(replay.BatchedLoss, "batch", sometimes)
    mixed = run_full(True, SCHEDULED[opt], 4, 1e-3)
    assert calls["n"] > 6
    (he, me, oe), (hm, mm, om) = engine, mixed
    agree((hm, [p.data for p in mm.parameters()]), (he, [p.data for p in me.parameters()]))
    for slot in om.slots:
        assert max(abs(x - z) for x, z in zip(getattr(om, slot), getattr(oe, slot))) <= TOL
