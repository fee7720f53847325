"""The stepper's pictures and its standalone HTML page.

The page must work from a file with no network: one frame per step whose equation is
the step's text, no URL except the SVG namespace names, and — in a real browser —
the arrow keys and buttons must land on the same step as `Stepper.goto`."""

from __future__ import annotations

import html
import math
import os
import re
import sys

import pytest

from autograd import Value
from autograd.draw import GREY, HIGHLIGHT
from autograd.steps import Stepper

from browser import CHROMIUM, launch
from support import needs_dot
SVG_NAMESPACES = ("http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink")


def neuron_stepper() -> Stepper:
    x1, x2, w1, w2 = Value(2.0, "x1"), Value(0.0, "x2"), Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(math.atanh(1 / math.sqrt(2)) + 6.0, "b")
    o = (w1 * x1 + w2 * x2 + b).tanh()
    o.label = "o"
    return Stepper(o)


def frames(page: str) -> list[tuple[int, str]]:
    """(data-index, equation text) of every frame, read back from the HTML."""
    found = re.findall(r'<section class="frame" data-index="(\d+)" hidden>\s*<pre class="equation">(.*?)</pre>',
                       page, re.S)
    return [(int(i), html.unescape(eq)) for i, eq in found]


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
        assert f"δ {s.steps[i].delta:#.4g}" in source


@needs_dot
def test_page_has_every_step_and_no_url(tmp_path):
    s = neuron_stepper()
    path = s.to_html(tmp_path / "steps.html")
    page = open(path, encoding="utf-8").read()
    assert frames(page) == [(step.index, step.text()) for step in s.steps]
    assert page.count("<svg") == len(s)
    # nothing to fetch: the only URLs are the SVG namespace names, which are never loaded
    stripped = page
    for ns in SVG_NAMESPACES:
        stripped = stripped.replace(ns, "")
    assert "http://" not in stripped and "https://" not in stripped
    assert "<!DOCTYPE svg" not in page and "<?xml" not in page
    assert not re.search(r"<(script|img|link|iframe)[^>]*\s(src|href)=", page)
    assert "url(" not in page and "@import" not in page
    assert sorted(os.listdir(tmp_path)) == ["steps.html"]  # the temporary file is gone


def test_to_html_refuses_huge_graphs_and_missing_folders(tmp_path):
    x = Value(1.0, "x")
    y = x
    for _ in range(400):
        y = y * 1.001
    with pytest.raises(ValueError, match="max_steps=300"):
        Stepper(y).to_html(tmp_path / "big.html")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        neuron_stepper().to_html(tmp_path / "no" / "such.html")
    assert os.listdir(tmp_path) == []


def _playwright():
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright not installed (pip install 'deltagrad[browser]')")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (the test never downloads a browser)")
    return sync_api.sync_playwright


@needs_dot
def test_browser_arrow_keys_and_buttons_match_goto(tmp_path):
    sync_playwright = _playwright()
    s = neuron_stepper()
    path = os.path.abspath(s.to_html(tmp_path / "steps.html"))
    requests: list[str] = []
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.goto("file://" + path)

            def shown() -> tuple[str, str]:
                return (page.text_content("#counter"),
                        page.locator("section.frame:not([hidden]) pre.equation").text_content())

            assert shown() == (f"step 1 of {len(s)}", s.goto(0).text())
            for _ in range(3):
                page.keyboard.press("ArrowRight")
            expected = s.goto(3)
            assert shown() == (f"step {expected.index + 1} of {len(s)}", expected.text())
            assert page.locator("section.frame:not([hidden])").count() == 1
            assert page.locator("section.frame:not([hidden]) svg").count() == 1
            page.click("#prev")
            assert shown() == (f"step 3 of {len(s)}", s.goto(2).text())
            for _ in range(len(s) + 2):  # past the end: stays on the last step
                page.click("#next")
            assert shown() == (f"step {len(s)} of {len(s)}", s.goto(-1).text())
            page.keyboard.press("ArrowLeft")
            assert shown()[1] == s.goto(len(s) - 2).text()
        finally:
            browser.close()
    assert all(u.startswith("file://") for u in requests), requests


@needs_dot
def test_widget_buttons_move_the_stepper():
    pytest.importorskip("ipywidgets", reason="ipywidgets not installed (pip install 'deltagrad[notebook]')")
    s = neuron_stepper()
    ui = s.widget()
    (back, slider, forward), equation, picture = ui.children[0].children, ui.children[1], ui.children[2]
    forward.click()
    forward.click()
    assert s.index == 2 and slider.value == 2
    assert html.escape(s.current.text()) in equation.value and "<svg" in picture.value
    back.click()
    assert s.index == 1 and html.escape(s.steps[1].text()) in equation.value


def test_widget_without_ipywidgets_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # makes `import ipywidgets` fail
    with pytest.raises(ImportError, match=r"deltagrad\[notebook\]"):
        neuron_stepper().widget()


def test_drawing_uses_the_names_of_the_steps_and_leaves_labels_alone():
    s = neuron_stepper()
    source = s.draw(2).source
    for step in s.steps:
        if step.node.op:  # interior nodes: named in the picture as in the text
            assert f'label="{{{step.name} | data' in source
    unlabelled = [step.node for step in s.steps if not step.node.label]
    assert unlabelled  # the products and sums of the neuron have no labels...
    assert all(node.label == "" for node in unlabelled)  # ...and still have none after drawing
