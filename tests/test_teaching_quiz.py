"""Quiz mode of the stepper pages: each step's result is blank until the student types
it; the page reads and checks the answer exactly as `autograd.grade` does (compared in
a real browser), `#step=7` opens step 7, and nothing is fetched. Forward mode's page
asks for each ṫ the same way and gives the leaves (the seed) solved."""

from __future__ import annotations

import contextlib
import html
import json
import math
import os
import random
import re
import time

import pytest

import nn
from autograd import Value, forward_tangents, topological_order
from autograd.modes.forward import ForwardStepper
from autograd.teaching.grade import parse_answer
from autograd.teaching.judge import Tolerance
from autograd.teaching.quiz import Quiz, blank_result
from autograd.names import fmt
from autograd.teaching.steps import Stepper
from nn.exercise import exercise
from nn.losses import half_sse

from browser import launch, sync_playwright_or_skip
from support import needs_dot


def neuron_stepper() -> Stepper:
    x1, x2, w1, w2 = Value(2.0, "x1"), Value(0.0, "x2"), Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.88, "b")
    o = (w1 * x1 + w2 * x2 + b).tanh()
    o.label = "o"
    return Stepper(o)


def _sections(page: str) -> list[tuple[int, float, str, str]]:
    """(index, δ, shown equation, solved equation) of every quiz section."""
    found = re.findall(r'<section class="frame quiz" data-index="(\d+)" data-delta="([^"]+)"[^>]*>\s*'
                       r'<pre class="equation" data-solved="([^"]*)">(.*?)</pre>', page, re.S)
    return [(int(i), float(d), html.unescape(shown), html.unescape(solved)) for i, d, solved, shown in found]


def test_blank_result_keeps_the_sum_and_the_rule():
    assert blank_result("δ[a] = δ[z]·∂z/∂a = (1)(0.501) = 0.501", 0.501) == "δ[a] = δ[z]·∂z/∂a = (1)(0.501) = ?"
    unit = "δ[1]_1 = h'(a[1]_1) Σ_k w[2]_{k,1} δ[2]_k = (0.5)·[(0.3)(−0.2)] = −0.03   (tanh: h'(a) = 1 − z²)"
    assert blank_result(unit, -0.03) == unit.replace("= −0.03 ", "= ? ")


@needs_dot
def test_quiz_page_hides_every_result_and_keeps_the_solution(tmp_path):
    s = neuron_stepper()
    page = open(s.to_html(tmp_path / "quiz.html", quiz=True), encoding="utf-8").read()
    sections = _sections(page)
    assert [i for i, *_ in sections] == list(range(len(s)))
    for (i, delta, shown, solved), step in zip(sections, s.steps):
        assert delta == step.delta and solved == step.text()
        assert shown.endswith("= ?") and fmt(step.delta) not in shown.rsplit("=", 1)[1]
    assert page.count('<pre class="explain" hidden>') == len(s)  # the worked lines wait for the answer
    tolerance = json.loads(re.search(r'id="quiz-tolerance">(.*?)</script>', page).group(1))
    assert tolerance["sig_figs"] == 3 and tolerance["rule"] == Tolerance.make(sig_figs=3).describe()
    assert not re.search(r"<(script|img|link|iframe)[^>]*\s(src|href)=", page)
    plain = open(s.to_html(tmp_path / "plain.html"), encoding="utf-8").read()
    assert "quiz" not in plain  # quiz mode is additive: the ordinary page is unchanged
    with pytest.raises(ValueError, match="quiz=True"):
        s.to_html(tmp_path / "x.html", sig_figs=2)


DELTAS = "ts => ts.map(t => t.textContent).filter(s => s.startsWith('δ'))"  # the δ's drawn in a node




@contextlib.contextmanager
def _open_page(address: str):
    """A Chromium tab at `address`; on leaving, every request the page made must have been a local file."""
    sync_playwright = sync_playwright_or_skip()
    requests: list[str] = []
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.goto(address)
            yield page
        finally:
            browser.close()
    assert all(u.startswith("file://") for u in requests), requests


def _drawn_after(page, step: int, symbol: str) -> list[str]:
    """The values (δ, or ṫ in forward mode) the drawing shows for the steps after `step`."""
    return page.evaluate("""([step, symbol]) => {
        const rank = JSON.parse(document.getElementById("rank").textContent);
        return Object.keys(rank).filter(id => rank[id] > step).flatMap(id =>
            [...document.getElementById(id)?.querySelectorAll("text") ?? []].map(t => t.textContent))
            .filter(s => s.startsWith(symbol));
    }""", [step, symbol])


def _answer(page, text: str) -> str:
    frame = "section.frame:not([hidden])"
    page.fill(f"{frame} input.quiz-answer", text)
    page.press(f"{frame} input.quiz-answer", "Enter")
    return page.text_content(f"{frame} .quiz-verdict")


@needs_dot
def test_browser_quiz_checks_reveals_and_opens_a_step_from_the_address(tmp_path):
    s = neuron_stepper()
    path = os.path.abspath(s.to_html(tmp_path / "quiz.html", quiz=True))
    with _open_page("file://" + path + "#step=4") as page:
        frame = "section.frame:not([hidden])"
        step = s.steps[3]
        assert page.text_content("#counter") == f"step 4 of {len(s)}"
        assert page.text_content(f"{frame} pre.equation").endswith("= ?")
        # the drawing does not give the answer away: the current node's δ is "?"
        current = page.eval_on_selector_all(".dg-current text", DELTAS)
        assert current and all(t.endswith("?") for t in current)
        later = _drawn_after(page, 3, "δ")
        assert later and all(t.endswith("?") for t in later)  # nor those of the steps to come

        assert "not right yet" in _answer(page, fmt(1.5 * step.delta))
        assert "check the sign" in _answer(page, fmt(-step.delta))
        assert "not a number" in _answer(page, "abc")
        assert page.is_hidden(f"{frame} pre.explain")
        rounded = f"{step.delta:.3g}".replace("-", "−")
        assert _answer(page, rounded) == "right"
        assert page.text_content(f"{frame} pre.equation") == step.text()
        assert page.is_visible(f"{frame} pre.explain")
        shown = page.eval_on_selector_all(".dg-current text", DELTAS)
        assert shown and not any(t.endswith("?") for t in shown)

        # arrow keys in the answer box move the caret, not the step; outside it they step
        page.press(f"{frame} input.quiz-answer", "ArrowRight")
        assert page.text_content("#counter") == f"step 4 of {len(s)}"
        page.click("h1")
        page.keyboard.press("ArrowRight")
        assert page.text_content("#counter") == f"step 5 of {len(s)}"
        assert page.evaluate("location.hash") == "#step=5"
        page.click(f"{frame} .quiz-reveal")
        assert page.text_content(f"{frame} pre.equation") == s.steps[4].text()
        # a new address opens its step
        page.evaluate("location.hash = '#step=2'")
        page.wait_for_function("document.body.getAttribute('data-step') === '1'")
        assert page.text_content(f"{frame} pre.equation") == blank_result(s.steps[1].text(), s.steps[1].delta)


def _pairs(rng: random.Random, k: int | None) -> list[tuple[float, float]]:
    """(claimed, engine) pairs on both sides of the tolerance's edges."""
    pairs = []
    for _ in range(150):
        engine = rng.choice([-1, 1]) * 10 ** rng.uniform(-5, 4)
        if k is None:
            gap = 1e-6 + 1e-4 * abs(engine)
        else:
            gap = 10.0 ** (math.floor(math.log10(abs(float(f"{engine:.{k - 1}e}")))) - k + 1)
        for f in (0.0, 0.5, 0.99, 1.01, 1.6, 2.4, -0.99, -1.01, -2.4):
            base = float(f"{engine:.{k - 1}e}") if k else engine
            pairs.append((base + f * gap, engine))
    return pairs + [(0.0, 0.0), (1e-7, 0.0), (0.5, 0.0), (math.nan, 1.0)]


ANSWERS = ["1.473", "-0.2", "−3/4", "– 0.5", "(−0.2)", "0,25", "3e-2", ".5", "+1", "  7 ", "1/-4", "1/0", "abc",
           "inf", "nan", "1e999", "1_000", "2+3", "0x10", "1,000,000", "3/4/5", "½", "", "   ", "0.5" * 40, "−1.5E+1",
           "≈0.222", "≈ -0.222", "~0.5", "0.222 (3 s.f.)", "0.222 (to 3 sig figs)", "0.222(3sf)", "0.222 3 s.f.",
           "2.22×10^-1", "2.22 x 10^(-1)", "2.22·10⁻¹", "2,22×10^{-1}", "10^-3", "2.22E-1", "0.2 m", "about 0.2",
           "0.5 (0 s.f.)", "1\u20030.5", "0.5\u2003", "\x1c0.5", "0.5\ufeff", "−\u00a00.5", "1e-320", "5e-324/2",
           "(0.5", "0.5)", "((0.5))", "2^3", "10^", "＋0.5", "﹣0.5"]


@needs_dot
@pytest.mark.parametrize("tolerance", [{"sig_figs": 3}, {"sig_figs": 1}, {"rtol": 1e-4}])
def test_the_page_reads_and_grades_answers_exactly_as_python(tmp_path, tolerance):
    sync_playwright = sync_playwright_or_skip()
    path = os.path.abspath(neuron_stepper().to_html(tmp_path / "quiz.html", quiz=True, **tolerance))
    tol = Tolerance.make(**tolerance)
    pairs = _pairs(random.Random(7), tolerance.get("sig_figs"))
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page()
            page.goto("file://" + path)
            parsed = page.evaluate("xs => xs.map(x => window.deltagradQuiz.parse(x))", ANSWERS)
            verdicts = page.evaluate("ps => ps.map(p => window.deltagradQuiz.agrees(p[0], p[1]))",
                                     [[c if math.isfinite(c) else None, e] for c, e in pairs])
        finally:
            browser.close()
    for text, value in zip(ANSWERS, parsed):
        python = parse_answer(text)[0]
        assert (value is None) == (python is None), text
        if python is not None:
            assert value == python, text
    expected = [tol.agrees(c, e) for c, e in pairs]
    assert verdicts == expected


@needs_dot
def test_network_page_quiz_unit_by_unit(tmp_path):
    sync_playwright = sync_playwright_or_skip()
    ex = exercise([2, 2, 1], "tanh", "half_sse", seed=7)
    steps = nn.backprop_steps(ex.model, ex.x, ex.target, "half_sse")
    path = os.path.abspath(steps.to_html(tmp_path / "units.html", quiz=True))
    page_text = open(path, encoding="utf-8").read()
    assert [d for _, d, *_ in _sections(page_text)] == [s.delta for s in steps.steps]
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page()
            page.goto("file://" + path)
            for i, s in enumerate(steps.steps):  # the student works the whole pass, unit by unit
                assert page.text_content("#counter") == f"step {i + 1} of {len(steps.steps)}"
                assert _answer(page, f"{s.delta:.3g}") == "right", s.text()
                page.click("#next")
        finally:
            browser.close()


@needs_dot
def test_network_quiz_page_at_real_size(tmp_path):
    ex = exercise([2, 8, 8, 1], "tanh", "half_sse", seed=7)
    steps = nn.backprop_steps(ex.model, ex.x, ex.target, "half_sse")
    page = open(steps.to_html(tmp_path / "big.html", quiz=True), encoding="utf-8").read()
    assert len(_sections(page)) == 17 == len(steps.steps)
    assert page.count("<svg") == 1  # one drawing, restyled per step
    assert page.count("<form class=\"quiz-form\"") == 17


def test_quiz_tolerance_errors_name_the_argument():
    with pytest.raises(ValueError, match="not both"):
        Quiz.make([1.0], sig_figs=3, rtol=1e-3)
    assert Quiz.make([1.0]).tolerance == Tolerance.make(sig_figs=3)


# ---------------------------------------------------------------------------
# Forward mode: each interior ṫ is asked, the leaves (the seed) are given
# ---------------------------------------------------------------------------
def forward_neuron_stepper() -> ForwardStepper:
    root = neuron_stepper().root
    x1 = next(v for v in topological_order(root) if v.label == "x1")
    return ForwardStepper(root, {x1: 1.0})


def _given(page: str) -> list[tuple[int, float, str]]:
    """(index, ṫ, equation) of every given section: solved, with no form."""
    found = re.findall(r'<section class="frame quiz given" data-index="(\d+)" data-delta="([^"]+)"[^>]*>\s*'
                       r'<pre class="equation">([^<]*)</pre>((?:(?!</section>).)*)</section>', page, re.S)
    assert not any("<form" in rest or "<input" in rest for *_, rest in found)
    return [(int(i), float(t), html.unescape(eq)) for i, t, eq, _ in found]


@needs_dot
def test_forward_quiz_page_asks_every_interior_tangent_and_gives_the_leaves(tmp_path):
    s = forward_neuron_stepper()
    page = open(s.to_html(tmp_path / "forward.html", title=None, quiz=True), encoding="utf-8").read()
    assert "<title>Forward mode, step by step</title>" in page  # title=None is the default, as for Stepper
    x1 = next(step.node for step in s.steps if step.name == "x1")
    tangents = forward_tangents(s.root, {x1: 1.0})
    asked, given = _sections(page), _given(page)
    assert sorted([i for i, *_ in asked] + [i for i, *_ in given]) == list(range(len(s)))
    assert {i for i, *_ in given} == {step.index for step in s.steps if step.is_leaf} != set()
    assert {i for i, *_ in asked} == {step.index for step in s.steps if not step.is_leaf} != set()
    for i, t, shown, solved in asked:
        step = s.steps[i]
        assert t == pytest.approx(tangents[step.node], rel=1e-12, abs=1e-12) and solved == step.text()
        assert shown == blank_result(step.text(), step.tangent) and shown.startswith("ṫ[") and shown.endswith("= ?")
    for i, t, shown in given:
        assert t == pytest.approx(tangents[s.steps[i].node], rel=1e-12, abs=1e-12) and shown == s.steps[i].text()
    assert [(s.steps[i].node, t) for i, t, _ in given if t != 0.0] == [(x1, 1.0)]  # the seed
    # the form asks for ṫ, never δ; the script marks the given steps solved
    assert page.count("<label>ṫ = <input") == len(asked) and "<label>δ" not in page
    assert page.count('<p class="quiz-given">') == len(given)
    assert 'f.classList.contains("given")' in page
    # the backward page still asks for δ at every step, root included, and gives none
    backward = open(neuron_stepper().to_html(tmp_path / "backward.html", quiz=True), encoding="utf-8").read()
    assert backward.count("<label>δ = <input") == len(neuron_stepper()) and "<label>ṫ" not in backward
    assert "given" not in backward
    with pytest.raises(ValueError, match="quiz=True"):
        s.to_html(tmp_path / "x.html", rtol=1e-3)


TANGENTS = DELTAS.replace("'δ'", "'ṫ'")  # the ṫ's drawn in a node


@needs_dot
def test_browser_forward_quiz_checks_gives_the_leaves_and_follows_the_address(tmp_path):
    s = forward_neuron_stepper()
    path = os.path.abspath(s.to_html(tmp_path / "forward.html", quiz=True))
    frame = "section.frame:not([hidden])"
    with _open_page("file://" + path + "#step=3") as page:  # ṫ[n2] = ∂n2/∂w1·ṫ[w1] + ∂n2/∂x1·ṫ[x1], asked
        step = s.steps[2]
        assert not step.is_leaf and page.text_content("#counter") == f"step 3 of {len(s)}"
        assert page.text_content(f"{frame} pre.equation") == blank_result(step.text(), step.tangent)
        assert page.text_content(f"{frame} label").startswith("ṫ = ")
        # the drawing hides the current ṫ and those to come, and shows the given leaves' ṫ
        current = page.eval_on_selector_all(".dg-current text", TANGENTS)
        assert current and all(t.endswith("?") for t in current)
        later = _drawn_after(page, 2, "ṫ")
        assert later and all(t.endswith("?") for t in later)
        seed = page.eval_on_selector_all("#n1 text", TANGENTS)
        assert seed and seed[0].replace("\u00a0", " ") == "ṫ 1.000"

        assert "not right yet" in _answer(page, fmt(2 * step.tangent))
        assert "check the sign" in _answer(page, fmt(-step.tangent))
        assert page.is_hidden(f"{frame} pre.explain")
        assert _answer(page, f"{step.tangent:.3g}".replace("-", "−")) == "right"
        assert page.text_content(f"{frame} pre.equation") == step.text()
        shown = page.eval_on_selector_all(".dg-current text", TANGENTS)
        assert shown and not any(t.endswith("?") for t in shown)

        # next: a given leaf (w2, held fixed) is solved at once, its ṫ drawn, nothing to type
        page.click("#next")
        assert s.steps[3].is_leaf and page.evaluate("location.hash") == "#step=4"
        assert page.text_content(f"{frame} pre.equation") == s.steps[3].text()
        assert page.query_selector(f"{frame} input") is None and page.is_visible(f"{frame} pre.explain")
        given = page.eval_on_selector_all(".dg-current text", TANGENTS)
        assert given and not any(t.endswith("?") for t in given)
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")  # past the leaf x2 to ṫ[n5], asked again
        assert page.text_content("#counter") == f"step 6 of {len(s)}"
        assert page.evaluate("location.hash") == "#step=6"
        assert page.text_content(f"{frame} pre.equation").endswith("= ?")
        page.click(f"{frame} .quiz-reveal")
        assert page.text_content(f"{frame} pre.equation") == s.steps[5].text()
        # an address opens its step, given or asked
        page.evaluate("location.hash = '#step=1'")
        page.wait_for_function("document.body.getAttribute('data-step') === '0'")
        assert page.text_content(f"{frame} pre.equation") == s.steps[0].text()
        page.evaluate(f"location.hash = '#step={len(s)}'")
        page.wait_for_function(f"document.body.getAttribute('data-step') === '{len(s) - 1}'")
        assert page.text_content(f"{frame} pre.equation") == blank_result(s.steps[-1].text(), s.steps[-1].tangent)
        root = page.eval_on_selector_all(".dg-current text", TANGENTS)
        assert root and all(t.endswith("?") for t in root)  # the last answer is not given away


@needs_dot
def test_forward_quiz_page_at_real_size(tmp_path, capsys):
    model = nn.MLP(2, [8, 8, 1], seed=0)
    E = half_sse(model([0.5, -1.0]), [1.0])
    start = time.perf_counter()
    s = ForwardStepper(E, {model.parameters()[0]: 1.0})
    path = s.to_html(tmp_path / "forward.html", quiz=True)
    seconds = time.perf_counter() - start
    page = open(path, encoding="utf-8").read()
    leaves = sum(step.is_leaf for step in s.steps)
    assert len(s) == 144 and leaves == 2 + 105  # the inputs, the weights and biases
    assert len(_sections(page)) == page.count('<form class="quiz-form"') == len(s) - leaves
    assert len(_given(page)) == leaves
    assert page.count("<svg") == 1  # one drawing, restyled per step
    assert len(page.encode("utf-8")) <= 1_500_000  # the bound of the plain pages (tests/test_teaching_html_stepper.py)
    E.backward()
    assert float(re.findall(r'data-delta="([^"]+)"', page)[-1]) == pytest.approx(model.parameters()[0].grad,
                                                                                 rel=1e-12)
    with capsys.disabled():
        print(f"\nforward quiz page, 2-8-8-1: {len(s)} steps ({leaves} given), "
              f"{len(page.encode('utf-8')) / 1e6:.2f} MB, {seconds:.1f} s")


@needs_dot
@pytest.mark.parametrize("tolerance", [{"sig_figs": 3}, {"sig_figs": 2}, {"rtol": 1e-4}])
def test_the_page_uses_the_judges_spread_and_names_the_sign_only_as_find_slip_does(tmp_path, tolerance):
    from autograd.teaching.judge import find_slip
    from autograd.teaching.slips import Slip

    sync_playwright = sync_playwright_or_skip()
    path = os.path.abspath(neuron_stepper().to_html(tmp_path / "quiz.html", quiz=True, **tolerance))
    tol = Tolerance.make(**tolerance)
    rng = random.Random(11)
    cases = []  # (claimed, engine, spread): around the edges of the envelope, of −engine, and near 0
    for _ in range(200):
        engine = rng.choice([-1, 1]) * 10 ** rng.uniform(-4, 2)
        spread = rng.choice([0.0, 1e-3, 0.02, 0.5]) * abs(engine) * rng.random()
        width = tol.width(engine, spread)
        for f in (0.0, 0.5, 0.99, 1.01, 1.7, -0.99, -1.01):
            cases.append((engine + f * width, engine, spread))
            cases.append((-engine + f * width, engine, spread))
    cases += [(-1e-4, 1e-4, 0.0), (-0.0011, 0.001, 0.0009), (0.3, -0.3, None), (-0.3, 0.3, 0.2)]
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page()
            page.goto("file://" + path)
            agrees = page.evaluate("cs => cs.map(c => window.deltagradQuiz.agrees(c[0], c[1], c[2]))", cases)
            signs = page.evaluate("cs => cs.map(c => window.deltagradQuiz.signSlip(c[0], c[1], c[2]))", cases)
        finally:
            browser.close()
    assert agrees == [tol.agrees(c, e, s) for c, e, s in cases]
    python = [not tol.agrees(c, e, s) and find_slip(c, e, [Slip("sign", "", -e, "δ")], tol, s) is not None
              for c, e, s in cases]
    assert [a is False and b for a, b in zip(agrees, signs)] == python
    assert any(python) and not all(python)


def test_a_quiz_page_carries_each_steps_rounding_spread(tmp_path):
    from autograd.teaching.judge import rounding_spread
    from autograd.teaching.quiz import QUIZ_FIGURES

    s = neuron_stepper()
    page = open(s.to_html(tmp_path / "quiz.html", quiz=True), encoding="utf-8").read()
    shown = [float(x) for x in re.findall(r'data-spread="([^"]+)"', page)]
    spread = rounding_spread(s.root, QUIZ_FIGURES)
    assert shown == [spread[step.node] for step in s.steps] and any(shown)
    # the unit-by-unit page too: one spread per unit, from the engine's graph of the network
    ex = exercise([2, 3, 1], "tanh", "half_sse", seed=1)
    units = nn.backprop_steps(ex.model, ex.x, ex.target, "half_sse")
    page = open(units.to_html(tmp_path / "units.html", quiz=True), encoding="utf-8").read()
    assert len(re.findall(r'data-spread="([^"]+)"', page)) == len(units.steps)
