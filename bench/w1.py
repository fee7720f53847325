"""W1, one training step of micrograd's demo, written for every engine.

The task (micrograd's `demo.ipynb`): an MLP 2 → 16 → 16 → 1 with ReLU hidden units,
100 "moons" points with labels y = ±1, the hinge loss

    E = (1/N) Σ_n relu(1 − y_n·score_n) + 1e-4 · Σ_w w²

and one step = forward + backward + SGD update w ← w − η ∂E/∂w.

Every engine starts from the SAME weights (`initial_weights`) and the SAME data
(`moons`), so `check_agreement` can insist that all of them compute the same loss and
gradients before anything is timed. A model object here has three methods:

    loss_and_grads() -> (E, [∂E/∂w for w in canonical order])   (for the check)
    step(lr)                                                     (what is timed)

Canonical parameter order: layer by layer, neuron by neuron, w_1..w_nin then b.
"""

from __future__ import annotations

import math
import random
import time
from typing import Callable

SIZES = (2, 16, 16, 1)
N_POINTS = 100
ALPHA = 1e-4  # weight of the L2 term, as in micrograd's demo
LR = 0.5

Layers = list[tuple[list[list[float]], list[float]]]  # per layer: (W rows, b)


def moons(n: int = N_POINTS, noise: float = 0.1, seed: int = 0):
    """Two interleaving half circles (sklearn's make_moons, re-done with `random`).

    Returns (points, labels) with labels −1 for the upper moon, +1 for the lower."""
    rng = random.Random(seed)
    xs, ys = [], []
    for i in range(n):
        t = math.pi * rng.random()
        if i % 2 == 0:
            x, y, label = math.cos(t), math.sin(t), -1.0
        else:
            x, y, label = 1.0 - math.cos(t), 0.5 - math.sin(t), 1.0
        xs.append([x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)])
        ys.append(label)
    return xs, ys


def initial_weights(sizes=SIZES, seed: int = 1) -> Layers:
    """w ~ U(−1, 1) and b = 0, as micrograd's Neuron initialises them."""
    rng = random.Random(seed)
    return [
        ([[rng.uniform(-1.0, 1.0) for _ in range(nin)] for _ in range(nout)], [0.0] * nout)
        for nin, nout in zip(sizes, sizes[1:])
    ]


# ---------------------------------------------------------------------------
# Scalar engines with micrograd-style user code: Neuron = Σ w·x + b with binary ops.
# ---------------------------------------------------------------------------
class ScalarMLP:
    """micrograd's nn.MLP, parametrised by the engine's Value class.

    `fused=True` computes each a_j with deltagrad's `weighted_sum` (one node per
    pre-activation) instead of a chain of binary * and +."""

    def __init__(self, value_cls, weights: Layers, relu: Callable, fused=None):
        self.V = value_cls
        self.relu = relu
        self.fused = fused
        self.layers = [
            ([[value_cls(w) for w in row] for row in W], [value_cls(b) for b in bs])
            for W, bs in weights
        ]

    def parameters(self):
        return [p for W, bs in self.layers for row, b in zip(W, bs) for p in (*row, b)]

    def __call__(self, x):
        last = len(self.layers) - 1
        for i, (W, bs) in enumerate(self.layers):
            if self.fused is not None:
                a = [self.fused(row, x, b) for row, b in zip(W, bs)]
            else:  # micrograd's Neuron.__call__, verbatim
                a = [sum((wi * xi for wi, xi in zip(row, x)), b) for row, b in zip(W, bs)]
            x = a if i == last else [self.relu(aj) for aj in a]
        return x[0]


class ScalarEngine:
    """Forward, loss and backward with a scalar engine (micrograd, deltagrad, 0-d torch)."""

    def __init__(self, model, points, labels, *, backward, zero, nary_sum=None):
        self.model, self.points, self.labels = model, points, labels
        self.params = model.parameters()
        self._backward, self._zero = backward, zero
        self._sum = nary_sum or sum

    def loss(self):
        scores = [self.model(x) for x in self.points]
        losses = [self.model.relu(1 + -yi * si) for yi, si in zip(self.labels, scores)]
        data_loss = self._sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * self._sum(p * p for p in self.params)
        return data_loss + reg_loss

    def loss_and_grads(self):
        self._zero(self.params)
        loss = self.loss()
        self._backward(loss)
        return float(loss.data), [float(p.grad) for p in self.params]

    def step(self, lr: float = LR) -> None:
        self._zero(self.params)
        loss = self.loss()
        self._backward(loss)
        for p in self.params:
            p.data -= lr * p.grad


def _zero_values(params) -> None:
    for p in params:
        p.grad = 0.0


def make_micrograd(weights: Layers):
    from micrograd.engine import Value

    points, labels = moons()
    model = ScalarMLP(Value, weights, relu=Value.relu)
    return ScalarEngine(model, points, labels, backward=Value.backward, zero=_zero_values)


def make_deltagrad_binary(weights: Layers):
    from autograd import Value

    points, labels = moons()
    model = ScalarMLP(Value, weights, relu=Value.relu)
    return ScalarEngine(model, points, labels, backward=Value.backward, zero=_zero_values)


def make_deltagrad_fused(weights: Layers):
    """deltagrad the idiomatic way: nn.MLP (a_j = weighted_sum node, z_j = relu node).

    Falls back to the same structure built here when `nn.MLP` is not available."""
    from autograd import Value, weighted_sum

    points, labels = moons()
    model = _nn_mlp(weights)
    if model is None:
        model = ScalarMLP(Value, weights, relu=Value.relu, fused=weighted_sum)
    return ScalarEngine(
        model, points, labels, backward=Value.backward, zero=_zero_values, nary_sum=Value.sum
    )


def _nn_mlp(weights: Layers):
    """deltagrad's nn.MLP loaded with `weights`, wrapped to the interface used here."""
    try:
        from nn import MLP  # type: ignore[attr-defined]
    except ImportError:
        return None
    from autograd import Value

    sizes = [len(weights[0][0][0])] + [len(bs) for _, bs in weights]
    mlp = MLP(sizes[0], sizes[1:], activation="relu", output="identity", seed=0)
    params = list(mlp.parameters())
    flat = [x for W, bs in weights for row, b in zip(W, bs) for x in (*row, b)]
    if len(params) != len(flat):
        return None
    # nn.MLP's parameter order may differ from ours; map by the layer structure.
    canonical = _canonical_params(mlp, sizes) or params
    for p, x in zip(canonical, flat):
        p.data = x

    class Wrapped:
        relu = staticmethod(Value.relu)

        def parameters(self):
            return canonical

        def __call__(self, x):
            return mlp(x)[0]

    return Wrapped()


def _canonical_params(mlp, sizes):
    """nn.MLP's parameters in canonical order, or None if its layout is unknown."""
    layers = getattr(mlp, "layers", None)
    if layers is None:
        return None
    out = []
    for layer in layers:
        neurons = getattr(layer, "neurons", None)
        if neurons is None:
            return None
        for n in neurons:
            w, b = getattr(n, "w", None), getattr(n, "b", None)
            if w is None or b is None:
                return None
            out += [*w, b]
    return out


# ---------------------------------------------------------------------------
# PyTorch: one 0-d tensor per weight (the scalar user code), and vectorised.
# ---------------------------------------------------------------------------
def make_torch_scalar(weights: Layers):
    import torch

    torch.set_num_threads(1)

    def tensor(x):
        return torch.tensor(float(x), dtype=torch.float64, requires_grad=True)

    def zero(params):
        for p in params:
            p.grad = None

    class Engine(ScalarEngine):
        def loss_and_grads(self):
            zero(self.params)
            loss = self.loss()
            loss.backward()
            return float(loss.detach()), [float(p.grad) for p in self.params]

        def step(self, lr: float = LR):
            zero(self.params)
            self.loss().backward()
            with torch.no_grad():
                for p in self.params:
                    p -= lr * p.grad

    points, labels = moons()
    model = ScalarMLP(tensor, weights, relu=torch.relu)
    return Engine(model, points, labels, backward=None, zero=zero)


class TorchVectorised:
    def __init__(self, weights: Layers):
        import torch

        torch.set_num_threads(1)
        self.torch = torch
        f64 = torch.float64
        self.Ws = [torch.tensor(W, dtype=f64, requires_grad=True) for W, _ in weights]
        self.bs = [torch.tensor(b, dtype=f64, requires_grad=True) for _, b in weights]
        points, labels = moons()
        self.X = torch.tensor(points, dtype=f64)
        self.y = torch.tensor(labels, dtype=f64)

    def _loss(self):
        torch = self.torch
        z = self.X
        for i, (W, b) in enumerate(zip(self.Ws, self.bs)):
            z = z @ W.T + b
            if i < len(self.Ws) - 1:
                z = torch.relu(z)
        data_loss = torch.relu(1 - self.y * z[:, 0]).mean()
        reg_loss = ALPHA * sum((W * W).sum() + (b * b).sum() for W, b in zip(self.Ws, self.bs))
        return data_loss + reg_loss

    def _zero(self):
        for p in (*self.Ws, *self.bs):
            p.grad = None

    def loss_and_grads(self):
        self._zero()
        loss = self._loss()
        loss.backward()
        grads = []
        for W, b in zip(self.Ws, self.bs):
            for row, gb in zip(W.grad.tolist(), b.grad.tolist()):
                grads += [*row, gb]
        return float(loss.detach()), grads

    def step(self, lr: float = LR):
        self._zero()
        self._loss().backward()
        with self.torch.no_grad():
            for p in (*self.Ws, *self.bs):
                p -= lr * p.grad


# ---------------------------------------------------------------------------
# The floor: the lectures' backprop by hand on plain floats, no graph at all.
# ---------------------------------------------------------------------------
class HandWritten:
    """a_j = Σ_k w_jk z_k + b_j forward; δ_j = h'(a_j) Σ_k w_kj δ_k backward
    (Bishop eq. 5.56); ∂E/∂w_jk = δ_j z_k summed over the points."""

    def __init__(self, weights: Layers):
        self.Ws = [[list(row) for row in W] for W, _ in weights]
        self.bs = [list(b) for _, b in weights]
        self.points, self.labels = moons()

    def _loss_and_grads(self):
        Ws, bs = self.Ws, self.bs
        L = len(Ws)
        gW = [[[0.0] * len(row) for row in W] for W in Ws]
        gb = [[0.0] * len(b) for b in bs]
        n = len(self.points)
        total = 0.0
        for x, y in zip(self.points, self.labels):
            zs = [x]  # z of each layer (the input is layer 0)
            for l in range(L):
                z = zs[-1]
                a = [sum(map(float.__mul__, row, z)) + b for row, b in zip(Ws[l], bs[l])]
                zs.append(a if l == L - 1 else [aj if aj > 0.0 else 0.0 for aj in a])
            margin = 1.0 - y * zs[-1][0]
            if margin <= 0.0:
                continue  # relu(margin) = 0 and so is its derivative
            total += margin
            delta = [-y / n]  # ∂E/∂score through relu'(margin) = 1 and the mean
            for l in range(L - 1, -1, -1):
                z = zs[l]
                for j, dj in enumerate(delta):
                    grow = gW[l][j]
                    for k, zk in enumerate(z):
                        grow[k] += dj * zk
                    gb[l][j] += dj
                if l:
                    # δ_k = h'(a_k) Σ_j w_jk δ_j with h = relu, h'(a_k) = [z_k > 0]
                    delta = [
                        sum(Ws[l][j][k] * dj for j, dj in enumerate(delta)) if zk > 0.0 else 0.0
                        for k, zk in enumerate(z)
                    ]
        reg = 0.0
        for l in range(L):
            for j, row in enumerate(Ws[l]):
                for k, w in enumerate(row):
                    reg += w * w
                    gW[l][j][k] += 2.0 * ALPHA * w
                gb[l][j] += 2.0 * ALPHA * bs[l][j]
                reg += bs[l][j] * bs[l][j]
        return total / n + ALPHA * reg, gW, gb

    def loss_and_grads(self):
        loss, gW, gb = self._loss_and_grads()
        flat = [g for W, b in zip(gW, gb) for row, gj in zip(W, b) for g in (*row, gj)]
        return loss, flat

    def step(self, lr: float = LR):
        _, gW, gb = self._loss_and_grads()
        for W, G in zip(self.Ws, gW):
            for row, grow in zip(W, G):
                for k, g in enumerate(grow):
                    row[k] -= lr * g
        for b, g in zip(self.bs, gb):
            for j, gj in enumerate(g):
                b[j] -= lr * gj


# ---------------------------------------------------------------------------
# nn.fit: the same step as a user trains: full batch, "hinge", l2 = ALPHA, plain SGD.
# ---------------------------------------------------------------------------
def stamped_sgd(nn, parameters, lr: float, stamps: list):
    """An nn.SGD that notes the time in `stamps` after every step, in either form (over
    the Values, or over the arrays of a compiled batch): handed to `nn.fit`, it times
    every training step from the outside."""

    class Stamped(nn.SGD):
        def step(self):
            super().step()
            stamps.append(time.perf_counter())

        def step_arrays(self, np, w, g):
            w = super().step_arrays(np, w, g)
            stamps.append(time.perf_counter())
            return w

    return Stamped(parameters, lr=lr)


class FitEngine:
    """`nn.fit(model, X, y, "hinge", nn.SGD(lr=LR), batch_size=None, l2=ALPHA)`: one
    epoch is one step. With compile=True (the default) fit replays the network compiled
    once over the whole batch as arrays; compile="scalar" replays it once per example;
    compile=False builds every example's graph (the dynamic engine)."""

    def __init__(self, weights: Layers, compile: bool | str = True):
        import nn

        self.nn, self.compile = nn, compile
        sizes = [len(weights[0][0][0])] + [len(bs) for _, bs in weights]
        self.model = nn.MLP(sizes[0], sizes[1:], activation="relu", output="identity", seed=0)
        self.params = _canonical_params(self.model, sizes)
        flat = [x for W, bs in weights for row, b in zip(W, bs) for x in (*row, b)]
        for p, x in zip(self.params, flat):
            p.data = x
        self.points, self.labels = moons()

    def _fit(self, optimizer, epochs: int):
        return self.nn.fit(self.model, self.points, self.labels, "hinge", optimizer, epochs=epochs,
                           batch_size=None, l2=ALPHA, shuffle=False, progress=False, compile=self.compile)

    def loss_and_grads(self):
        class Keep:  # an optimiser that leaves the weights alone: the gradients stay in .grad
            def step(self):
                pass

        history = self._fit(Keep(), 1)
        return history.loss[0], [p.grad for p in self.params]

    def timed_steps(self, steps: int) -> tuple[list[float], float]:
        """Seconds of each step (between successive optimiser steps) and of the
        first call's extra work (compiling), from one `fit` of `steps` + 1 epochs."""
        stamps: list[float] = []
        t0 = time.perf_counter()
        self._fit(stamped_sgd(self.nn, self.model.parameters(), LR, stamps), steps + 1)
        times = [b - a for a, b in zip(stamps, stamps[1:])]
        first = stamps[0] - t0
        return times, first - sorted(times)[len(times) // 2]


ENGINES: dict[str, tuple[str | None, Callable]] = {
    # name: (module that must be importable, factory)
    "micrograd": ("micrograd", make_micrograd),
    "deltagrad-binary": (None, make_deltagrad_binary),
    "deltagrad-nn": (None, make_deltagrad_fused),
    "deltagrad-fit": (None, FitEngine),
    "deltagrad-fit-scalar": (None, lambda weights: FitEngine(weights, compile="scalar")),
    "deltagrad-fit-dynamic": (None, lambda weights: FitEngine(weights, compile=False)),
    "torch-scalar": ("torch", make_torch_scalar),
    "torch-vector": ("torch", TorchVectorised),
    "hand-floats": (None, HandWritten),
}


def check_agreement(engines: list[str], tol: float = 1e-9) -> dict:
    """Loss and every gradient of every engine against the hand-written floats.

    Raises AssertionError naming the engine and parameter that disagree."""
    weights = initial_weights()
    ref_loss, ref_grads = HandWritten(weights).loss_and_grads()
    report = {"reference": "hand-floats", "loss": ref_loss, "max_abs_diff": {}}
    for name in engines:
        loss, grads = ENGINES[name][1](weights).loss_and_grads()
        if len(grads) != len(ref_grads):
            raise AssertionError(f"W1 {name}: {len(grads)} gradients, expected {len(ref_grads)}")
        diffs = [abs(loss - ref_loss)] + [abs(g - r) for g, r in zip(grads, ref_grads)]
        worst = max(range(len(diffs)), key=diffs.__getitem__)
        if diffs[worst] > tol * max(1.0, abs(ref_loss)):
            what = "the loss" if worst == 0 else f"gradient of parameter {worst - 1}"
            raise AssertionError(
                f"W1 {name}: {what} differs from the hand-written backprop by "
                f"{diffs[worst]:.3g} (> {tol}); fix the engine before timing it"
            )
        report["max_abs_diff"][name] = diffs[worst]
    return report
