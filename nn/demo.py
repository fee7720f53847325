"""`deltagrad demo` (and `make demo`): train a small network on "moons" and write
what there is to see into one folder.

    out/loss_curve.png          the training loss per epoch
    out/decision_boundary.png   the data and the regions the network assigns to each class
    out/network.svg             the trained network as the lectures draw it, δ_j on every unit
    out/neuron.svg              one neuron, op by op, with data and grad on every node
    out/stepper.html            that neuron's backward pass, one chain-rule sum per step
    out/model.json              the trained weights (nn.load reads them back)

The classifier follows micrograd's demo — a tanh MLP with two hidden layers, hinge loss
with a little weight decay, targets ±1 — made small enough (2 → 4 → 4 → 1) that its
network diagram can be read, trained with full-batch momentum SGD.
"""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

import nn
from autograd import Stepper, Value, draw, render, topological_order
from autograd.drawing.draw import GraphvizNotFound
from autograd.files import write_atomic


def one_neuron() -> Value:
    """o = tanh(x1·w1 + x2·w2 + b), written op by op so every step of the chain rule
    is its own node (the numbers make ∂o/∂n = 1 − o² = ½ exactly)."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1.label, x2w2.label = "x1·w1", "x2·w2"
    n = x1w1 + x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def _plots(out: Path, model, X, y, history) -> list[Path]:
    """Loss curve and decision boundary with matplotlib (skipped, saying so, without it)."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: no window, works on a server
        import matplotlib.pyplot as plt
    except ImportError:
        print("  (matplotlib is not installed: no plots; pip install 'deltagrad[notebook]')")
        return []
    written = []
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(range(1, len(history.loss) + 1), history.loss)
    ax.set(xlabel="epoch", ylabel="loss E (hinge + L2)", yscale="log", title="training loss")
    fig.tight_layout()
    written.append(_save_figure(fig, out / "loss_curve.png"))

    step = 0.05
    xs = [-1.5 + step * i for i in range(int(4.0 / step) + 1)]
    ys = [-1.0 + step * i for i in range(int(2.5 / step) + 1)]
    grid = [[x1, x2] for x2 in ys for x1 in xs]
    scores = [out_[0] for out_ in nn.predict(model, grid)]
    zz = [[1.0 if scores[r * len(xs) + c] > 0 else -1.0 for c in range(len(xs))] for r in range(len(ys))]
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.contourf(xs, ys, zz, levels=[-2, 0, 2], colors=["#c6dbef", "#f4c7c3"], alpha=0.8)
    ax.scatter([p[0] for p in X], [p[1] for p in X], c=[t[0] for t in y], cmap="coolwarm", edgecolors="k", s=25)
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title="decision boundary")
    fig.tight_layout()
    written.append(_save_figure(fig, out / "decision_boundary.png"))
    plt.close("all")
    return written


def _save_figure(fig, path: Path) -> Path:
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=120)
    return write_atomic(path, png.getvalue(), who="deltagrad demo")  # the one writer


def _pictures(out: Path, model, X, y) -> list[Path]:
    """Graphviz pictures and the HTML stepper (skipped, saying how to fix it, without dot)."""
    try:
        # show the example nearest the boundary (smallest margin t·y): it still has a
        # hinge loss, so its δ's are not all zero
        scores = nn.predict(model, X)
        i = min(range(len(X)), key=lambda n: y[n][0] * scores[n][0])
        diagram = nn.draw(model, X[i], y[i], loss="hinge", show_bias=False)
        written = [render(diagram, out / "network.svg")]
        o = one_neuron()
        o.backward()
        params = [v for v in topological_order(o) if v.label in ("w1", "w2", "b")]  # the weights and bias
        written.append(render(draw(o, parameters=params), out / "neuron.svg"))
        written.append(Path(Stepper(o, parameters=params).to_html(out / "stepper.html")))
    except GraphvizNotFound as err:
        print(f"  (no pictures: {err})")
        return []
    return written


def run(out: str | os.PathLike = "out", epochs: int = 300, progress: bool = True) -> int:
    """Train, write every file, print what was written; 0 on success."""
    if epochs < 1:
        print(f"deltagrad demo: --epochs must be at least 1, got {epochs}", file=sys.stderr)
        return 2
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)

    X, y = nn.data.moons(100, noise=0.1, seed=0)  # targets ±1
    model = nn.MLP(2, [4, 4, 1], activation="tanh", output="identity", seed=0)
    print(f"deltagrad demo: MLP 2→4→4→1 (tanh), {model.num_parameters()} parameters, 100 moons points")
    started = time.perf_counter()
    history = nn.fit(
        model, X, y, "hinge", nn.SGD(model.parameters(), lr=0.1, momentum=0.9),
        epochs=epochs, l2=1e-4, progress=progress,
    )
    seconds = time.perf_counter() - started
    acc = nn.accuracy(model, X, y, "hinge")

    written = _plots(out, model, X, y, history)
    written += _pictures(out, model, X, y)
    model.save(out / "model.json")
    written.append(out / "model.json")

    print(f"trained {epochs} epochs in {seconds:.1f} s: final loss {history.loss[-1]:.4f}, "
          f"training accuracy {acc:.0%}")
    print("wrote:")
    for path in written:
        print(f"  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(run())
