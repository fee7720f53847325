"""Regenerate the pictures in docs/images/ (run `make images`).

    op_graph.svg / .png   one tanh neuron, op by op, after backward (micrograd's example)
    network.svg / .png    a 2-3-1 tanh network on one example, after backward (Bishop's diagram)
    stepper.png           the HTML stepper of the same neuron, three steps in, as Chromium shows
                          it (needs Playwright and Debian's chromium; skipped otherwise)

The same program always writes the same DOT source, so the images change only when
the drawing code or Graphviz does. PNG needs Graphviz's `dot`; SVG also works
through the WebAssembly fallback (`pip install "deltagrad[wasm]"`).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing
sys.path.insert(0, str(ROOT / "tests"))  # the browser launcher shared with the stepper test

import nn  # noqa: E402
from autograd import Value  # noqa: E402
from autograd.draw import GraphvizNotFound, draw, render  # noqa: E402
from nn.draw import draw_network  # noqa: E402

OUT = ROOT / "docs" / "images"


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
    return draw(o)


def network_diagram():
    """A 2-3-1 network (tanh hidden units, identity output), E = ½(y − t)², after backward."""
    model = nn.MLP(2, [3, 1], activation="tanh", output="identity", seed=0)
    return draw_network(model, x=[2.0, -1.0], target=[1.0])


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    failed = []
    for name, graph in (("op_graph", neuron_graph()), ("network", network_diagram())):
        for ext in (".svg", ".png"):
            try:
                path = render(graph, OUT / (name + ext))
                print(f"wrote {path.relative_to(ROOT)}")
            except GraphvizNotFound as err:
                failed.append(f"{name}{ext}")
                print(f"skipped docs/images/{name}{ext}:\n{err}", file=sys.stderr)
    return 1 if failed or not stepper_screenshot() else 0



def stepper_screenshot() -> bool:
    """Open the stepper page of the neuron in headless Chromium, press → three
    times and save what it shows. Never downloads a browser."""
    import os
    import tempfile

    from autograd import Stepper
    from browser import CHROMIUM, launch
    from nn.demo import one_neuron

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("skipped docs/images/stepper.png: pip install 'deltagrad[browser]'", file=sys.stderr)
        return False
    if not os.path.exists(CHROMIUM):
        print(f"skipped docs/images/stepper.png: no Chromium at {CHROMIUM}", file=sys.stderr)
        return False
    with tempfile.TemporaryDirectory() as tmp:
        page_path = Stepper(one_neuron()).to_html(Path(tmp) / "steps.html")
        with sync_playwright() as p:
            browser = launch(p)
            try:
                page = browser.new_page(viewport={"width": 1200, "height": 560})
                page.goto("file://" + os.path.abspath(page_path))
                for _ in range(3):
                    page.keyboard.press("ArrowRight")
                shot = Path(tmp) / "stepper.png"
                page.screenshot(path=str(shot), full_page=True)
            finally:
                browser.close()
        os.replace(shot, OUT / "stepper.png")
    print("wrote docs/images/stepper.png")
    return True


if __name__ == "__main__":
    sys.exit(main())
