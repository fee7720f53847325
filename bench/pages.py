"""`python -m bench.pages`: the size of the teaching pages at a real network's size, and how
long Chromium takes to open them.

    nn.TrainingView   a 2-16-16-1 tanh network fitted to 200 moons for 300 epochs (every
                      epoch recorded), opened at #step=150&point=3
    check_engine      the stepper page of an engine with a recursive topological sort,
                      failing on the chain 10⁴ nodes deep (walked in 100 blocks)

Bytes are exact (the pages are deterministic). A time is from the navigation to the page's
own ready mark (`body[data-ready]`, `body[data-zoom-ready]`), over fresh pages in one
headless Chromium, the first load (which warms the browser) left out: the median and the
min–max of the rounds, never the best, with the load average before and after. Moving the
slider one step is timed the same way. Needs Playwright and Debian's /usr/bin/chromium
(never downloaded). Not part of `python -m bench`: it measures pages, not the engine.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the browser launcher shared with the tests

ROUNDS = 7


def training_page(folder: Path) -> str:
    import nn

    X, y = nn.data.moons(200, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], activation="tanh", seed=0)
    history = nn.fit(model, X, y, "hinge", nn.SGD(model.parameters(), lr=0.1, momentum=0.9), epochs=300,
                     progress=False, record=True)
    assert len(history.snapshots) == 300
    return nn.TrainingView(model, X, y, history).to_html(folder / "training.html")


class RecursiveTopo:
    """An engine whose topological order is built by recursion: right, but not 10⁴ deep."""

    def __init__(self, data, _prev=()):
        self.data, self.grad, self._prev, self._backward = data, 0.0, _prev, lambda: None

    def __mul__(self, other):
        other = other if isinstance(other, RecursiveTopo) else RecursiveTopo(other)
        out = RecursiveTopo(self.data * other.data, (self, other))

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def backward(self):
        order, seen = [], set()

        def build(v):
            if v not in seen:
                seen.add(v)
                for p in v._prev:
                    build(p)
                order.append(v)
        build(self)
        self.grad = 1.0
        for v in reversed(order):
            v._backward()


def chain_page(folder: Path) -> str:
    from autograd import check_engine

    [failure] = check_engine(RecursiveTopo, ops=["mul"], examples=20, repeat=None).failures
    assert failure.nodes == 10_001, failure.program
    return failure.stepper().to_html(folder / "chain.html")


def spread(xs: list[float]) -> str:
    return f"median {statistics.median(xs) * 1000:.0f} ms ({min(xs) * 1000:.0f}–{max(xs) * 1000:.0f} ms)"


def open_times(browser, path: str, address: str, ready: str) -> list[float]:
    times = []
    for _ in range(ROUNDS + 1):
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        start = time.perf_counter()
        page.goto(Path(path).as_uri() + address)
        page.wait_for_selector(ready)
        times.append(time.perf_counter() - start)
        page.close()
    return times[1:]


def step_times(browser, path: str) -> list[float]:
    """Moving the training view's slider by one, until the page says the step changed."""
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    page.goto(Path(path).as_uri() + "#step=150&point=3")
    page.wait_for_selector("body[data-ready='1']")
    times = []
    for k in range(ROUNDS + 1):
        start = time.perf_counter()
        page.fill("#slider", str(151 + k))
        page.wait_for_function(f"document.body.dataset.step === '{151 + k}'")
        times.append(time.perf_counter() - start)
    page.close()
    return times[1:]


def main() -> int:
    from browser import CHROMIUM, launch

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("bench.pages needs Playwright: pip install 'deltagrad[browser]'", file=sys.stderr)
        return 1
    if not os.path.exists(CHROMIUM):
        print(f"bench.pages needs Chromium at {CHROMIUM} (never downloaded)", file=sys.stderr)
        return 1
    before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        training = training_page(folder)
        made_training = time.perf_counter() - start
        start = time.perf_counter()
        chain = chain_page(folder)
        made_chain = time.perf_counter() - start
        with sync_playwright() as p:
            browser = launch(p)
            try:
                opened = open_times(browser, training, "#step=150&point=3", "body[data-ready='1']")
                stepped = step_times(browser, training)
                chain_opened = open_times(browser, chain, "", "body[data-zoom-ready='1']")
            finally:
                browser.close()
        print(f"nn.TrainingView, 2-16-16-1, 300 epochs: {os.path.getsize(training):,} bytes, "
              f"fit and written in {made_training:.2f} s")
        print(f"  opens in {spread(opened)}; one step of the slider {spread(stepped)} ({ROUNDS} rounds)")
        print(f"check_engine, a failure on the chain 10⁴ deep: {os.path.getsize(chain):,} bytes, "
              f"found and written in {made_chain:.2f} s")
        print(f"  opens in {spread(chain_opened)} ({ROUNDS} rounds)")
    after = os.getloadavg()
    print(f"load average (1 min) {before[0]:.1f} before, {after[0]:.1f} after, on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
