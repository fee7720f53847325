"""The steppers' pages and widgets: one drawing, restyled per step.

A page is the graph drawn ONCE (one inline <svg>), one small section of text per step,
and a script that restyles the drawing; the widget restyles the same SVG in Python.
Checked here: structure and size on real-sized graphs (a 2-8-8-1 network's loss, a
300-node chain), no URL anywhere, and — in a real browser — that the arrow keys and
buttons land on exactly the state `goto` describes, the same state the widget shows."""

from __future__ import annotations

import html
import math
import os
import re
import sys

import pytest

import nn
from autograd import Value, topological_order
from autograd.drawing.draw import GREY, HIGHLIGHT
from autograd.teaching.steps import Stepper
from nn.losses import half_sse

from browser import launch, sync_playwright_or_skip
from support import needs_dot

SVG_NAMESPACES = ("http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink")


def neuron_stepper() -> Stepper:
    x1, x2, w1, w2 = Value(2.0, "x1"), Value(0.0, "x2"), Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(math.atanh(1 / math.sqrt(2)) + 6.0, "b")
    o = (w1 * x1 + w2 * x2 + b).tanh()
    o.label = "o"
    return Stepper(o, parameters=[w1, w2, b])


def network_loss(sizes=(8, 8, 1), seed=0):
    model = nn.MLP(2, list(sizes), seed=seed)
    E = half_sse(model([0.5, -1.0]), [1.0] * sizes[-1])
    E.label = "E"
    return model, E


def chain(n_nodes: int) -> Value:
    x = Value(0.3, "x")
    y = x
    for i in range(n_nodes - 1):
        y = y.tanh() if i % 2 else y * 1.01
    return y


def frames(page: str) -> list[tuple[int, str]]:
    """(data-index, equation text) of every frame, read back from the HTML."""
    found = re.findall(r'<section class="frame" data-index="(\d+)"[^>]*>\s*<pre class="equation">(.*?)</pre>',
                       page, re.S)
    return [(int(i), html.unescape(eq)) for i, eq in found]


def no_url(page: str) -> None:
    stripped = page
    for ns in SVG_NAMESPACES:  # namespace names, never fetched
        stripped = stripped.replace(ns, "")
    assert "http://" not in stripped and "https://" not in stripped
    assert "<!DOCTYPE svg" not in page and "<?xml" not in page
    assert not re.search(r"<(script|img|link|iframe)[^>]*\s(src|href)=", page)
    assert "url(" not in page and "@import" not in page


# ---------------------------------------------------------------------------
# The picture of one step (Stepper.draw) and the shared drawing (Stepper.frames)
# ---------------------------------------------------------------------------
def test_draw_greys_out_exactly_the_nodes_not_reached():
    s = neuron_stepper()
    order = [step.node for step in reversed(s.steps)]  # topological order: draw's ids n0, n1, ...
    for i in range(len(s)):
        source = s.draw(i).source
        done = set(s.deltas(i))
        for k, node in enumerate(order):
            line = next(l for l in source.splitlines() if l.strip().startswith(f"n{k} ["))
            assert (GREY in line) == (node not in done), (i, k, line)
            assert (HIGHLIGHT in line) == (node is s.steps[i].node)
        # the finished nodes show their δ
        assert f"δ\u00a0{s.steps[i].delta:#.4g}" in source


def test_drawing_uses_the_names_of_the_steps_and_leaves_labels_alone():
    s = neuron_stepper()
    source = s.draw(2).source
    for step in s.steps:  # every node, labelled or not, named in the picture as in the text
        assert f'label="{{{step.name} | data' in source
    unlabelled = [step.node for step in s.steps if not step.node.label]
    assert unlabelled  # the products and sums of the neuron have no labels...
    assert all(node.label == "" for node in unlabelled)  # ...and still have none after drawing


@needs_dot
def test_the_state_of_each_step_matches_the_partial_pass():
    """Frames.state(i): pending = the elements of the nodes not finished at step i."""
    s = neuron_stepper()
    f = s.frames()
    element = {step.node: f"n{len(s) - 1 - step.index}" for step in s.steps}  # draw's ids: topological position
    for i in range(len(s)):
        pending, current, terms = f.state(i)
        done = set(s.deltas(i))
        assert {e for e in pending if not e.endswith(("op", "op-out"))} == \
            {element[n] for n in element if n not in done}
        assert element[s.steps[i].node] in current
        consumers = {element[t.consumer] for t in s.steps[i].terms}
        assert {t.split("op-")[0] for t in terms} == consumers  # the edges j → op of each k ∈ ↓j
        svg = f.svg_at(i)
        assert svg.count("<svg") == 1 and len(re.findall(r"δ\u00a0\?</text>", svg)) == len(s) - len(done)


# ---------------------------------------------------------------------------
# The page: one drawing, linear size
# ---------------------------------------------------------------------------
@needs_dot
def test_page_has_every_step_one_drawing_and_no_url(tmp_path):
    s = neuron_stepper()
    path = s.to_html(tmp_path / "steps.html")
    page = open(path, encoding="utf-8").read()
    assert frames(page) == [(step.index, step.text()) for step in s.steps]
    assert page.count("<svg") == 1  # one drawing, whatever the number of steps
    no_url(page)
    assert sorted(os.listdir(tmp_path)) == ["steps.html"]  # the temporary file is gone


@needs_dot
@pytest.mark.parametrize("case, limit", [("2-8-8-1 loss", 1_500_000), ("300-node chain", 1_000_000)])
def test_real_sized_pages_stay_small(case, limit, tmp_path):
    root = network_loss()[1] if case == "2-8-8-1 loss" else chain(300)
    s = Stepper(root)
    page = open(s.to_html(tmp_path / "p.html"), encoding="utf-8").read()
    assert len(s) == (144 if case == "2-8-8-1 loss" else 300)
    assert len(page.encode("utf-8")) <= limit
    assert page.count("<svg") == 1 and len(frames(page)) == len(s)
    # each step adds its text only: the page minus the sections is about one drawing
    drawing = len(s.frames().svg)
    sections = sum(len(m) for m in re.findall(r'<section class="frame".*?</section>', page, re.S))
    assert len(page) - sections < drawing + 20_000


@needs_dot
def test_title_none_is_the_default_and_other_titles_are_escaped(tmp_path):
    s = neuron_stepper()
    page = open(s.to_html(tmp_path / "a.html", title=None), encoding="utf-8").read()
    assert "<title>Backpropagation, step by step</title>" in page
    page = open(s.to_html(tmp_path / "b.html", title="<E> & co"), encoding="utf-8").read()
    assert "<title>&lt;E&gt; &amp; co</title>" in page
    with pytest.raises(TypeError, match="title must be a str"):
        s.to_html(tmp_path / "c.html", title=5)


def test_to_html_refuses_huge_graphs_and_missing_folders(tmp_path):
    with pytest.raises(ValueError, match="max_steps=300"):
        Stepper(chain(401)).to_html(tmp_path / "big.html", max_steps=300)
    with pytest.raises(ValueError, match="max_nodes=500"):  # draw bounds the layout
        Stepper(chain(600)).to_html(tmp_path / "big.html")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        neuron_stepper().to_html(tmp_path / "no" / "such.html")
    assert os.listdir(tmp_path) == []


@needs_dot
def test_a_collapsed_network_steps_its_boxes(tmp_path):
    model, _ = network_loss()
    s = nn.op_stepper(model, [0.5, -1.0], [1.0])
    assert len(s) == 2 + 8 + 8 + 1 + 1  # x1, x2, 17 neuron boxes (with their w and b), the loss
    page = open(s.to_html(tmp_path / "boxes.html"), encoding="utf-8").read()
    assert page.count("<svg") == 1 and len(frames(page)) == len(s)
    assert re.findall(r'data-current="(g\d+)"', page)[0] == "g17"  # the loss box is the first step


# ---------------------------------------------------------------------------
# In a real browser
# ---------------------------------------------------------------------------


STATE_JS = """() => {
  const ids = c => Array.from(document.querySelectorAll('#graph .' + c)).map(e => e.id).sort();
  const q = Array.from(document.querySelectorAll('#graph text.dg-delta')).filter(t => t.textContent.endsWith('?'));
  return [ids('dg-pending'), ids('dg-current'), ids('dg-term'), q.length,
          document.querySelector('#counter').textContent,
          document.querySelector('section.frame:not([hidden]) pre.equation').textContent,
          document.querySelectorAll('section.frame:not([hidden])').length];
}"""


def expected_state(f, i: int) -> list:
    """The same, from the widget's SVG of step i (restyled in Python)."""
    svg = f.svg_at(i)
    classes = re.findall(r'<g id="([^"]+)" class="([^"]+)">', svg)
    ids = lambda c: sorted(html.unescape(e) for e, cls in classes if c in cls.split())  # noqa: E731
    marks = len(re.findall(r'<text class="dg-delta"[^>]*>[^<]*\?</text>', svg))
    return [ids("dg-pending"), ids("dg-current"), ids("dg-term"), marks,
            f"step {i + 1} of {len(f)}", f.frames[i].text, 1]


# The scale the drawing is shown at, measured: its drawn size over its own (Graphviz's
# points, 4/3 px each).
TRUE_SCALE_JS = """(() => { const svg = document.querySelector('#sizer svg'), r = svg.getBoundingClientRect(),
  b = svg.viewBox.baseVal; return Math.min(r.width / (b.width * 4 / 3), r.height / (b.height * 4 / 3)); })()"""
# Whether the current step's element is in the scrolling view: its centre (a layer's box
# zoomed in may be wider than the window), and all of it when it is smaller than the view.
IN_VIEW_JS = """(() => { const f = document.querySelector('section.frame:not([hidden])');
  const el = document.getElementById(f.getAttribute('data-current').split(' ')[0]);
  const r = el.getBoundingClientRect(), v = document.getElementById('view').getBoundingClientRect();
  const x = (r.left + r.right) / 2, y = (r.top + r.bottom) / 2;
  const centre = x >= v.left && x <= v.right && y >= v.top && y <= v.bottom;
  const whole = r.width > v.width || r.height > v.height ||
    (r.left >= v.left - 1 && r.right <= v.right + 1 && r.top >= v.top - 1 && r.bottom <= v.bottom + 1);
  return centre && whole; })()"""


def walk_page(sync_playwright, path: str, f, goto) -> None:
    """Keys and buttons, forward and back: after each, the page shows what goto(i)
    and the widget's restyled SVG of step i show."""
    requests: list[str] = []
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto("file://" + path)
            n = len(f)

            def check(i: int) -> None:
                assert page.evaluate(STATE_JS) == expected_state(f, i), i
                assert f.frames[i].text == goto(i)

            check(0)
            for _ in range(3):
                page.keyboard.press("ArrowRight")
            check(min(3, n - 1))
            page.click("#prev")
            check(min(2, n - 2))
            for _ in range(n + 2):  # past the end: stays on the last step
                page.click("#next")
            check(n - 1)
            page.keyboard.press("ArrowLeft")
            check(n - 2)
            for _ in range(n + 2):  # back past the start: stays on step 0
                page.keyboard.press("ArrowLeft")
            check(0)
            # zoom and the legend switch
            fitted = page.evaluate(TRUE_SCALE_JS)
            assert page.inner_text("#zoomlevel") == f"{round(fitted * 100)} %"  # the true scale, not "100 %"
            page.click("#zoomin")
            zoomed = page.evaluate(TRUE_SCALE_JS)
            assert zoomed == pytest.approx(fitted * 1.25, rel=0.02)
            assert page.inner_text("#zoomlevel") == f"{round(zoomed * 100)} %"
            page.click("#zoomfit")
            assert page.evaluate("document.getElementById('sizer').style.width") == "100%"
            assert page.evaluate(TRUE_SCALE_JS) == pytest.approx(fitted, rel=0.01)
            assert page.evaluate("getComputedStyle(document.getElementById('legend')).display") != "none"
            page.click("#legendtoggle")
            assert page.evaluate("getComputedStyle(document.getElementById('legend')).display") == "none"
            assert errors == []
        finally:
            browser.close()
    assert all(u.startswith("file://") for u in requests), requests


@needs_dot
def test_browser_steps_land_where_goto_does(tmp_path):
    sync_playwright = sync_playwright_or_skip()
    s = neuron_stepper()
    path = os.path.abspath(s.to_html(tmp_path / "steps.html"))
    walk_page(sync_playwright, path, s.frames(), lambda i: s.goto(i).text())


@needs_dot
def test_browser_steps_through_collapsed_boxes(tmp_path):
    sync_playwright = sync_playwright_or_skip()
    model = nn.MLP(2, [3, 2], output="softmax", seed=3)
    s = nn.op_stepper(model, [0.5, -1.0], 1, loss="cross_entropy")
    path = os.path.abspath(s.to_html(tmp_path / "boxes.html"))
    walk_page(sync_playwright, path, s.frames(), lambda i: s.goto(i).text())


@needs_dot
def test_browser_steps_unit_by_unit(tmp_path):
    sync_playwright = sync_playwright_or_skip()
    steps = nn.backprop_steps(nn.MLP(2, [3, 2], seed=1), [0.5, -1.0], [1.0, 0.0])
    path = os.path.abspath(steps.to_html(tmp_path / "units.html"))
    from nn.unit_stepper import unit_frames

    walk_page(sync_playwright, path, unit_frames(steps), lambda i: steps[i].text())


# ---------------------------------------------------------------------------
# The widget
# ---------------------------------------------------------------------------
@needs_dot
def test_widget_buttons_move_the_stepper_over_one_drawing(monkeypatch):
    pytest.importorskip("ipywidgets", reason="ipywidgets not installed (pip install 'deltagrad[notebook]')")
    import importlib

    s = neuron_stepper()
    expected = expected_state(s.frames(), 2)
    ui = s.widget()
    # laid out once: stepping, zooming and the legend switch never run Graphviz again
    monkeypatch.setattr(importlib.import_module("autograd.drawing.draw"), "pipe",
                        lambda *a, **k: pytest.fail("laid out again"))
    (back, slider, forward), (zoom, legend), equation, picture = (
        ui.children[0].children, ui.children[1].children, ui.children[2], ui.children[3])
    forward.click()
    forward.click()
    assert s.index == 2 and slider.value == 3  # the slider counts from 1, as the pages
    assert html.escape(s.current.text()) in equation.value
    assert picture.value.count("<svg") == 1 and "max-width:100%" in picture.value
    assert expected[0] == sorted(
        html.unescape(e) for e, c in re.findall(r'<g id="([^"]+)" class="([^"]+)">', picture.value)
        if "dg-pending" in c)
    back.click()
    assert s.index == 1 and html.escape(s.steps[1].text()) in equation.value
    zoom.value = 200
    assert 'style="width:200%"' in picture.value
    legend.value = False
    assert "dg-nolegend" in picture.value


@needs_dot
def test_unit_stepper_widget():
    pytest.importorskip("ipywidgets", reason="ipywidgets not installed (pip install 'deltagrad[notebook]')")
    steps = nn.backprop_steps(nn.MLP(2, [3, 1], seed=0), [0.5, -1.0], [1.0])
    ui = steps.widget()
    (back, slider, forward), equation, picture = ui.children[0].children, ui.children[2], ui.children[3]
    forward.click()
    assert html.escape(steps[1].text()) in equation.value and picture.value.count("<svg") == 1
    assert 'id="z1_2" class="node dg-pending"' in picture.value  # the hidden units not reached yet


def test_widget_without_ipywidgets_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # makes `import ipywidgets` fail
    with pytest.raises(ImportError, match=r"deltagrad\[notebook\]"):
        neuron_stepper().widget()


def _page_of_kind(kind: str, folder) -> tuple[str, int]:
    """(path, number of steps) of one kind of stepping page."""
    from autograd.modes.forward import ForwardStepper

    if kind == "stepper":
        s = neuron_stepper()
        return s.to_html(folder / "steps.html"), len(s)
    if kind == "stepper quiz":
        s = neuron_stepper()
        return s.to_html(folder / "quiz.html", quiz=True), len(s)
    if kind == "forward":
        s = neuron_stepper()
        x1 = next(v for v in topological_order(s.root) if v.label == "x1")
        f = ForwardStepper(s.root, {x1: 1.0})
        return f.to_html(folder / "forward.html"), len(f)
    steps = nn.backprop_steps(nn.MLP(2, [4, 4, 1], seed=1), [0.5, -0.5], [0.2])
    return steps.to_html(folder / "units.html", quiz=kind == "unit quiz"), len(steps)


@needs_dot
@pytest.mark.parametrize("kind", ["stepper", "stepper quiz", "forward", "unit", "unit quiz"])
def test_step_link_opens_that_step_and_follows_the_steps(tmp_path, kind):
    """page.html#step=3 opens step 3 (counted from 1, as the counter) on every kind of page;
    stepping writes the address, and a new address moves the page."""
    sync_playwright = sync_playwright_or_skip()
    path, n = _page_of_kind(kind, tmp_path)
    path = os.path.abspath(path)
    s = [None] * n
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page()
            page.goto("file://" + path + "#step=3")
            assert page.inner_text("#counter") == f"step 3 of {len(s)}"
            page.click("#next")
            assert page.evaluate("location.hash") == "#step=4"
            page.evaluate("location.hash = '#step=2'")
            page.wait_for_function("document.getElementById('counter').textContent.startsWith('step 2 ')")
            page.goto("file://" + path + "#step=999")  # past the end: the last step
            assert page.inner_text("#counter") == f"step {len(s)} of {len(s)}"
        finally:
            browser.close()


@needs_dot
def test_a_big_graph_opens_at_its_own_size_and_keeps_the_current_node_in_view(tmp_path):
    """A 2-8-8-1 network's op graph does not fit the window: it opens at 100 % (its true
    scale) on the current node, and stepping, zoomed in or out, keeps that node in view."""
    sync_playwright = sync_playwright_or_skip()
    model = nn.MLP(2, [8, 8, 1], seed=0)
    s = nn.op_stepper(model, [0.5, -1.0], [0.2], loss="half_sse")
    path = os.path.abspath(s.to_html(tmp_path / "big.html"))
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 700})
            page.goto("file://" + path + "#step=2")
            page.wait_for_selector("body[data-zoom-ready]")
            assert page.inner_text("#zoomlevel") == "100 %"
            assert page.evaluate(TRUE_SCALE_JS) == pytest.approx(1, rel=0.01)
            assert page.evaluate(IN_VIEW_JS)
            page.click("#zoomin")
            page.click("#zoomin")
            for _ in range(len(s)):
                page.keyboard.press("ArrowRight")
                assert page.evaluate(IN_VIEW_JS), page.inner_text("#counter")
        finally:
            browser.close()
