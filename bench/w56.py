"""W5 and W6: one epoch of `nn.fit` on wider networks, beside vectorised PyTorch.

W5  an MLP 2 → 64 → 64 → 1 (ReLU), 2,000 "moons" points, the hinge loss + 1e-4·Σw²,
    full batch (one step per epoch), plain SGD.
W6  sklearn's 8×8 digits (1,797 images, 10 classes), an MLP 64 → 32 → 10 (tanh hidden,
    logits out), softmax cross-entropy, mini-batches of 32 (57 steps per epoch), SGD.

Engines: `nn.fit` on its default path (the batch replayed over arrays, every layer a
matrix product), `nn.fit(compile="scalar")` (the program once per example), and
PyTorch written as a PyTorch user would (tensors over the batch; CPU, one thread,
float64). Every engine starts from the same weights and visits the examples in the
same order (shuffle=False), and `check_agreement` insists that one epoch ends at the
same weights (to 1e-9) before anything is timed.
"""

from __future__ import annotations

import random
import statistics
import time

from bench.w1 import moons, stamped_sgd

ALPHA = 1e-4
TASKS = {
    "W5": {"sizes": (2, 64, 64, 1), "hidden": "relu", "loss": "hinge", "batch": None, "lr": 0.1, "l2": ALPHA},
    "W6": {"sizes": (64, 32, 10), "hidden": "tanh", "loss": "softmax_cross_entropy", "batch": 32, "lr": 0.1, "l2": 0.0},
}


def data(task: str):
    """(X, y): y is ±1 for W5, the class index for W6."""
    if task == "W5":
        return moons(2000, noise=0.1, seed=0)
    from sklearn.datasets import load_digits

    d = load_digits()
    return [[float(p) / 16.0 for p in img.ravel()] for img in d.images], [int(t) for t in d.target]


def initial_weights(sizes, seed: int = 1):
    """Per layer (W rows, b): w ~ U(−1, 1)/√nin, b = 0."""
    rng = random.Random(seed)
    return [([[rng.uniform(-1.0, 1.0) / nin ** 0.5 for _ in range(nin)] for _ in range(nout)], [0.0] * nout)
            for nin, nout in zip(sizes, sizes[1:])]


def _split(times: list[float]) -> tuple[list[float], float]:
    """(the epochs after the first, the first's extra time over their median)."""
    if len(times) < 2:
        return times, 0.0
    return times[1:], times[0] - statistics.median(times[1:])


class Fit:
    """`nn.fit` for one task; compile=True (arrays over the batch) or "scalar"."""

    def __init__(self, task: str, compile=True):
        import nn

        self.nn, self.compile, self.t = nn, compile, TASKS[task]
        sizes = self.t["sizes"]
        self.model = nn.MLP(sizes[0], list(sizes[1:]), activation=self.t["hidden"], output="identity", seed=0)
        flat = [x for W, bs in initial_weights(sizes) for row, b in zip(W, bs) for x in (*row, b)]
        self.params = [p for layer in self.model.layers for nrn in layer.neurons for p in (*nrn.w, nrn.b)]
        for p, x in zip(self.params, flat):
            p.data = x
        X, y = data(task)
        self.X, self.y = X, ([[v] for v in y] if task == "W5" else y)
        n = len(X)
        self.steps_per_epoch = 1 if self.t["batch"] is None else -(-n // self.t["batch"])

    def epochs(self, epochs: int) -> tuple[list[float], float]:
        """Seconds of each epoch after the first, and the first's extra (compiling)."""
        stamps: list[float] = []
        t0 = time.perf_counter()
        sgd = stamped_sgd(self.nn, self.model.parameters(), self.t["lr"], stamps)
        self.nn.fit(self.model, self.X, self.y, self.t["loss"], sgd, epochs=epochs, batch_size=self.t["batch"],
                    l2=self.t["l2"], shuffle=False, progress=False, compile=self.compile)
        ends = [t0] + stamps[self.steps_per_epoch - 1 :: self.steps_per_epoch]
        times = [b - a for a, b in zip(ends, ends[1:])]
        return _split(times)

    def weights(self) -> list[float]:
        return [p.data for p in self.params]


class Torch:
    """The same training in PyTorch over tensors (CPU, one thread, float64)."""

    def __init__(self, task: str):
        import torch

        torch.set_num_threads(1)
        self.torch, self.t, self.task = torch, TASKS[task], task
        f64 = torch.float64
        ws = initial_weights(self.t["sizes"])
        self.Ws = [torch.tensor(W, dtype=f64, requires_grad=True) for W, _ in ws]
        self.bs = [torch.tensor(b, dtype=f64, requires_grad=True) for _, b in ws]
        X, y = data(task)
        self.X = torch.tensor(X, dtype=f64)
        self.y = torch.tensor(y, dtype=f64 if task == "W5" else torch.long)
        self.act = torch.relu if self.t["hidden"] == "relu" else torch.tanh

    def _loss(self, X, y):
        torch = self.torch
        z = X
        for i, (W, b) in enumerate(zip(self.Ws, self.bs)):
            z = z @ W.T + b
            if i < len(self.Ws) - 1:
                z = self.act(z)
        if self.task == "W5":
            loss = torch.relu(1 - y * z[:, 0]).mean()
        else:  # nn's softmax_cross_entropy sums over the classes; fit averages over the batch
            loss = torch.nn.functional.cross_entropy(z, y)
        if self.t["l2"]:
            loss = loss + self.t["l2"] * sum((W * W).sum() + (b * b).sum() for W, b in zip(self.Ws, self.bs))
        return loss

    def epoch(self):
        n, size = len(self.X), self.t["batch"] or len(self.X)
        for start in range(0, n, size):
            for p in (*self.Ws, *self.bs):
                p.grad = None
            self._loss(self.X[start:start + size], self.y[start:start + size]).backward()
            with self.torch.no_grad():
                for p in (*self.Ws, *self.bs):
                    p -= self.t["lr"] * p.grad

    def epochs(self, epochs: int) -> tuple[list[float], float]:
        times = []
        for _ in range(epochs):
            t0 = time.perf_counter()
            self.epoch()
            times.append(time.perf_counter() - t0)
        return _split(times)

    def weights(self) -> list[float]:
        out = []
        for W, b in zip(self.Ws, self.bs):
            for row, gb in zip(W.tolist(), b.tolist()):
                out += [*row, gb]
        return out


ENGINES = {"deltagrad-fit": ("sklearn", lambda task: Fit(task)),
           "deltagrad-fit-scalar": ("sklearn", lambda task: Fit(task, compile="scalar")),
           "torch-vector": ("torch", Torch)}


def check_agreement(task: str, engines: list[str], tol: float = 1e-9) -> dict:
    """One epoch from the same weights: every engine's weights within `tol` of PyTorch's
    (or of the first engine's without it). Raises AssertionError naming the engine."""
    ends = {}
    for name in engines:
        engine = ENGINES[name][1](task)
        engine.epochs(1)
        ends[name] = engine.weights()
    ref = "torch-vector" if "torch-vector" in ends else engines[0]
    report = {"reference": ref, "max_abs_diff": {}}
    for name, w in ends.items():
        diff = max(abs(a - b) for a, b in zip(w, ends[ref]))
        if diff > tol:
            raise AssertionError(f"{task} {name}: after one epoch a weight differs from {ref}'s by {diff:.3g} (> {tol})")
        report["max_abs_diff"][name] = diff
    return report
