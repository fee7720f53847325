"""Regenerate the pictures in docs/images/ (run `make images`).

    op_graph.svg / .png         one tanh neuron, op by op, after backward (micrograd's example)
    network.svg / .png          a 2-3-1 tanh network on one example, after backward (Bishop's diagram)
    network_2881.svg / .png     a 2-8-8-1 network the same way: arrows labelled only where readable
    network_ops.svg / .png      that 2-8-8-1 network op by op, each neuron and the loss one box
    stepper.png                 the HTML stepper of the neuron, three steps in, as Chromium shows it
    unit_stepper.png            the unit-level stepper of the 2-8-8-1 network, six units in
    training_view.png           nn.TrainingView of a 2-8-8-1 network on moons, epoch 40, one
                                example picked and its backward pass on the drawing
    training_view_classes.png   the same view of a 3-class softmax network: argmax regions
    check_engine.png            a student's engine with = for += checked by check_engine: its
                                failure's stepper page at the node where it parts from deltagrad
                                (these need Playwright and Debian's chromium; skipped otherwise)
    handout_221_student.png     page 1 of a 2-2-1 student's handout and page 2 of its key (the
    handout_221_key.png         solutions and the solved network), A4, compiled by pdflatex
    handout_231_student.png     the same for a 2-3-1 network (need pdflatex and poppler's
    handout_231_key.png         pdftoppm; skipped otherwise)

The same program always writes the same DOT source, so the images change only when
the drawing code or Graphviz does. PNG needs Graphviz's `dot`; SVG also works
through the WebAssembly fallback (`pip install "deltagrad[wasm]"`).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing
sys.path.insert(0, str(ROOT / "tests"))  # the browser launcher shared with the stepper test

import nn  # noqa: E402
from autograd import Stepper, Value  # noqa: E402
from autograd.drawing.draw import GraphvizNotFound, draw, render  # noqa: E402
from autograd.files import write_atomic  # noqa: E402
from nn.draw import draw_network  # noqa: E402

OUT = ROOT / "docs" / "images"
X, T = [0.5, -1.0], [1.0]  # the example of the 2-8-8-1 pictures


def neuron_graph():
    """o = tanh(x1·w1 + x2·w2 + b) with binary ops, so every product and sum is its own node.

    b = 6.88137... makes n = 0.88137... = atanh(1/√2), so o = 1/√2 and
    ∂o/∂n = 1 − o² = 1/2: the numbers a student can check by hand."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    x1w1 = x1 * w1
    x1w1.label = "x1w1"
    x2w2 = x2 * w2
    x2w2.label = "x2w2"
    s = x1w1 + x2w2
    s.label = "x1w1 + x2w2"
    n = s + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return draw(o, parameters=[w1, w2, b])


def network_diagram():
    """A 2-3-1 network (tanh hidden units, identity output), E = ½(y − t)², after backward."""
    model = nn.MLP(2, [3, 1], activation="tanh", output="identity", seed=0)
    return draw_network(model, x=[2.0, -1.0], target=[1.0])


def wide_model():
    return nn.MLP(2, [8, 8, 1], activation="tanh", output="identity", seed=0)


def pictures():
    return (("op_graph", neuron_graph()), ("network", network_diagram()),
            ("network_2881", draw_network(wide_model(), X, T)),
            ("network_ops", nn.op_graph(wide_model(), X, T)))


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    failed = []
    for name, graph in pictures():
        for ext in (".svg", ".png"):
            try:
                path = render(graph, OUT / (name + ext))
                print(f"wrote {path.relative_to(ROOT)}")
            except GraphvizNotFound as err:
                failed.append(f"{name}{ext}")
                print(f"skipped docs/images/{name}{ext}:\n{err}", file=sys.stderr)
    shots = [screenshot("stepper.png", neuron_page, presses=3, size=(1200, 620)),
             screenshot("unit_stepper.png", lambda folder: nn.backprop_steps(wide_model(), X, T)
                        .to_html(folder / "units.html"), presses=5, size=(1100, 1500)),
             screenshot("training_view.png", training_page, presses=0, size=(1100, 900),
                        address="#step=40&point=12&mode=backward"),
             screenshot("training_view_classes.png", classes_page, presses=0, size=(1100, 640),
                        address="#step=25&point=40")]
    failure = slipped_engine_failure()
    parting = next(s.index for s in failure.stepper().steps if s.parts)
    shots.append(screenshot("check_engine.png", lambda folder: failure.stepper().to_html(folder / "where.html"),
                            presses=0, size=(1100, 860), address=f"#step={parting + 1}"))
    shots.append(handouts())
    return 1 if failed or not all(shots) else 0


def handouts() -> bool:
    """Pages of a 2-2-1 and a 2-3-1 handout as small PNGs (pdflatex, then pdftoppm at 60 dpi)."""
    import shutil
    import subprocess

    from nn.exercise import exercise
    from nn.handout import handout_latex, latex_pdf

    if shutil.which("pdflatex") is None or shutil.which("pdftoppm") is None:
        print("skipped docs/images/handout_*.png: needs pdflatex and pdftoppm (make system-deps)", file=sys.stderr)
        return False
    with tempfile.TemporaryDirectory() as tmp:
        for sizes, tag in (([2, 2, 1], "221"), ([2, 3, 1], "231")):
            ex = exercise(sizes, "tanh", "half_sse", seed=5)
            for kind, solutions, page in (("student", False, 1), ("key", True, 2)):
                pdf = latex_pdf(handout_latex(ex, solutions=solutions, title="Backpropagation by hand (student s01)"),
                                Path(tmp) / f"{tag}_{kind}.pdf")
                out = OUT / f"handout_{tag}_{kind}.png"
                png = Path(tmp) / f"{tag}_{kind}"  # pdftoppm writes <name>.png itself: beside the PDF first
                subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page), "-singlefile",
                                pdf, str(png)], check=True)
                write_atomic(out, png.with_suffix(".png").read_bytes(), who="make_images")
                print(f"wrote {out.relative_to(ROOT)}")
    return True


def neuron_page(folder: Path) -> str:
    """The stepper page of the demo's neuron, its weights and bias styled as parameters."""
    from autograd import topological_order
    from nn.demo import one_neuron

    o = one_neuron()
    params = [v for v in topological_order(o) if v.label in ("w1", "w2", "b")]
    return Stepper(o, parameters=params).to_html(folder / "steps.html")


def training_page(folder: Path) -> str:
    """The training view of a 2-8-8-1 tanh network fitted to 100 moons for 120 epochs."""
    data, targets = nn.data.moons(100, noise=0.1, seed=0)
    model = wide_model()
    history = nn.fit(model, data, targets, "hinge", nn.SGD(model.parameters(), lr=0.1, momentum=0.9),
                     epochs=120, progress=False, record=True)
    return nn.TrainingView(model, data, targets, history).to_html(folder / "training.html")


def classes_page(folder: Path) -> str:
    """The training view of a 2-8-8-3 relu network with softmax cross-entropy on three blobs."""
    import random

    rng = random.Random(0)
    data, labels = [], []
    for label, (cx, cy) in enumerate([(0.0, 1.0), (1.0, -0.5), (-1.0, -0.5)]):
        for _ in range(30):
            data.append([cx + rng.gauss(0, 0.35), cy + rng.gauss(0, 0.35)])
            labels.append(label)
    model = nn.MLP(2, [8, 8, 3], activation="relu", output="identity", seed=0)
    history = nn.fit(model, data, labels, "softmax_cross_entropy", nn.Adam(model.parameters(), lr=0.02),
                     epochs=80, progress=False, record=True)
    return nn.TrainingView(model, data, labels, history).to_html(folder / "classes.html")


class Scalar:
    """A student's engine with the commonest slip: a grad set (=) where it must be added to (+=)."""

    def __init__(self, data, _prev=()):
        self.data, self.grad, self._prev, self._backward = data, 0.0, _prev, lambda: None

    def __add__(self, other):
        other = other if isinstance(other, Scalar) else Scalar(other)
        out = Scalar(self.data + other.data, (self, other))

        def _backward():
            self.grad = out.grad  # = where += belongs
            other.grad = out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Scalar) else Scalar(other)
        out = Scalar(self.data * other.data, (self, other))

        def _backward():
            self.grad = other.data * out.grad  # = where += belongs
            other.grad = self.data * out.grad
        out._backward = _backward
        return out

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif node not in seen:
                seen.add(node)
                stack += [(node, True)] + [(p, False) for p in node._prev]
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


def slipped_engine_failure():
    """check_engine's finding on Scalar: overwrites_instead_of_accumulating, shrunk to 2 nodes."""
    from autograd import check_engine

    return check_engine(Scalar, ops=["add", "mul"], depth=None).failures[0]


def screenshot(name: str, build, presses: int, size: tuple[int, int], address: str = "") -> bool:
    """Open the page `build(folder)` writes in headless Chromium (at `address`, e.g.
    "#step=40"), press → `presses` times and save what it shows as docs/images/`name`.
    Never downloads a browser."""
    from browser import CHROMIUM, launch

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print(f"skipped docs/images/{name}: pip install 'deltagrad[browser]'", file=sys.stderr)
        return False
    if not os.path.exists(CHROMIUM):
        print(f"skipped docs/images/{name}: no Chromium at {CHROMIUM}", file=sys.stderr)
        return False
    with tempfile.TemporaryDirectory() as tmp:
        page_path = build(Path(tmp))
        with sync_playwright() as p:
            browser = launch(p)
            try:
                page = browser.new_page(viewport={"width": size[0], "height": size[1]})
                page.goto("file://" + os.path.abspath(page_path) + address)
                for _ in range(presses):
                    page.keyboard.press("ArrowRight")
                shot = Path(tmp) / name
                page.screenshot(path=str(shot), full_page=False)
            finally:
                browser.close()
        write_atomic(OUT / name, shot.read_bytes(), who="make_images")
    print(f"wrote docs/images/{name}")
    return True


if __name__ == "__main__":
    sys.exit(main())
