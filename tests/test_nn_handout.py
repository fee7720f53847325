"""Handouts: LaTeX names as the lectures write them, a problem page with a blank
answer table and the solutions on a page of their own, LaTeX source that is well
formed, nothing fetched from the network, and a PDF printed by headless Chromium."""

from __future__ import annotations

import os
import re

import pytest

from nn.exercise import exercise
from nn.handout import handout_html, handout_latex, html_name, latex_name, write_handout
from autograd import escape
from autograd.names import fmt
from browser import CHROMIUM
from support import needs_dot


@pytest.mark.parametrize("label,latex", [
    ("w[1]_{2,1}", "w^{(1)}_{2,1}"), ("w[2]_{12,3}", "w^{(2)}_{12,3}"), ("b[1]_2", "b^{(1)}_{2}"),
    ("a[2]_1", "a^{(2)}_{1}"), ("z[1]_3", "z^{(1)}_{3}"), ("δ[1]_2", r"\delta^{(1)}_{2}"), ("x1", "x_{1}"),
    ("E", "E"), ("lse[2]", r"\text{lse[2]}"), ("my_node", r"\text{my\_node}"),
])
def test_latex_names(label, latex):
    assert latex_name(label) == latex


def test_latex_names_are_the_steppers():
    from autograd.names import latex_name as _latex_name

    for label in ["w[1]_{2,1}", "b[2]_1", "a[1]_2", "z[2]_3", "x2"]:
        assert latex_name(label) == _latex_name(label)  # one name per quantity, in every view


def test_html_names():
    assert html_name("w[1]_{2,1}") == "<i>w</i><sup>(1)</sup><sub>2,1</sub>"
    assert html_name("x2") == "<i>x</i><sub>2</sub>"
    assert html_name("<b>") == "<i>&lt;b&gt;</i>"


def _balanced(tex: str) -> bool:
    depth = 0
    for i, ch in enumerate(tex):
        if ch in "{}" and (i == 0 or tex[i - 1] != "\\"):
            depth += 1 if ch == "{" else -1
            if depth < 0:
                return False
    return depth == 0


@pytest.mark.parametrize("sizes,activation,loss", [([2, 2, 1], "tanh", "half_sse"), ([2, 3, 3], "sigmoid", "cross_entropy")])
def test_latex_source_is_well_formed_with_lecture_names(sizes, activation, loss):
    ex = exercise(sizes, activation, loss, seed=5)
    tex = handout_latex(ex)
    assert _balanced(tex)
    begins = re.findall(r"\\begin\{(\w+\*?)\}", tex)
    ends = re.findall(r"\\end\{(\w+\*?)\}", tex)
    assert sorted(begins) == sorted(ends)
    body = tex.split(r"\begin{document}")[1]  # (the preamble declares how such symbols print)
    assert "\\text{" not in body and not re.search("[⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾₀₁₂₃₄₅₆₇₈₉−]", body)
    for name in ex.names:
        assert f"$\\partial E/\\partial {latex_name(name)}$" in tex  # one blank row per derivative
    for name in ex.deltas():
        assert f"${latex_name(name)}$" in tex
    assert tex.count(r"\node[unit]") == 2 * sum(sizes)  # the TikZ drawings: one circle per unit, problem and key
    assert r"\newpage" in tex and r"\section*{Solutions" in tex
    student = handout_latex(ex, solutions=False)
    assert student.count(r"\node[unit]") == sum(sizes) and "Solutions" not in student


@pytest.mark.parametrize("title", [r"\input{/etc/hostname}", "Backprop, student jane_doe", "~ ^ $x$ 100% & #1 {", "a\\"])
def test_latex_title_prints_as_written(title):
    # The title is text: a command it spells is printed, never run (\input would read a file).
    ex = exercise([2, 2, 1], "tanh", "half_sse", seed=5)
    tex = handout_latex(ex, title=title)
    shown = re.findall(r"^\\section\*\{(.*)\}$", tex, re.M)[0]
    assert shown == escape.tex(title)
    assert "\\input" not in tex and _balanced(tex)
    assert not re.search(r"(?<!\\)[_$^~#%&]", shown.replace(r"\textasciitilde{}", "").replace(r"\textasciicircum{}", ""))


def test_html_problem_page_blank_answers_and_separate_solutions():
    ex = exercise([2, 2, 1], "tanh", "half_sse", seed=5)
    page = handout_html(ex)
    problem, solutions = page.split("<section class='solutions'>")
    assert "break-before: page" in page  # the solutions start on a new printed page
    n_answers = len(ex.names) + len(ex.deltas())
    assert problem.count("<td class='answer'></td>") == n_answers  # blank on the problem page
    assert solutions.count("<td class='answer'></td>") == 0
    for name, g in ex.solution().items():
        assert f"{html_name(name)}</td><td class='answer'>{fmt(g)}</td>" in solutions
    for name, v in ex.forward().items():
        if name != "E":
            assert f"{html_name(name)} = {fmt(v)}" in problem  # the forward values are given
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/", "")
    student = handout_html(ex, solutions=False)
    assert "class='solutions'" not in student and fmt(ex.deltas()["δ[1]_1"]) not in student.split("Your answers")[1]


@needs_dot
def test_handout_has_the_network_diagram_with_forward_values():
    ex = exercise([2, 2, 1], "tanh", "half_sse", seed=5)
    problem = handout_html(ex).split("<section class='solutions'>")[0]
    assert problem.count("<svg") == 1
    svg = re.search(r"<svg.*</svg>", problem, re.S).group(0)
    assert not re.search(r"δ[^<]*\d", svg)  # the problem diagram gives no δ away (a legend may name it)
    assert not re.search(r"∂E/∂w[^<]*\d", svg)
    assert "w[1]_" not in svg and "w₁₁⁽¹⁾" in svg  # labels typeset as the lectures write them, not ASCII


@needs_dot
def test_html_printed_to_pdf_through_chromium(tmp_path):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}: the HTML page is printed by headless Chromium")
    from nn.handout import print_pdf

    ex = exercise([2, 8, 8, 1], "tanh", "half_sse", seed=5)  # a real-sized network
    written = write_handout(ex, tmp_path, "big", pdf=False)
    pdf = print_pdf(written["html"], tmp_path / "big.pdf")
    assert sorted(os.listdir(tmp_path)) == ["big.html", "big.pdf", "big.tex"]
    assert open(pdf, "rb").read().startswith(b"%PDF")
    assert _pages(pdf) >= 2  # the solutions are on pages of their own


def test_write_handout_pdf_of_a_real_sized_network(tmp_path):
    if __import__("shutil").which("pdflatex") is None:
        pytest.skip("pdflatex not installed (make system-deps as root on Debian): the PDF is compiled from the .tex")
    ex = exercise([2, 8, 8, 1], "tanh", "half_sse", seed=5)
    written = write_handout(ex, tmp_path, "big")
    assert sorted(os.listdir(tmp_path)) == ["big.html", "big.pdf", "big.tex"]
    assert _pages(written["pdf"]) >= 2


def test_write_handout_without_pdf_and_missing_folder(tmp_path):
    ex = exercise([2, 2, 1], "tanh", "half_sse", seed=5)
    written = write_handout(ex, tmp_path, "ex", pdf=False)
    assert sorted(written) == ["html", "tex"] and sorted(os.listdir(tmp_path)) == ["ex.html", "ex.tex"]
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_handout(ex, tmp_path / "nope", "ex", pdf=False)


# ---------------------------------------------------------------------------
# The students' copy gives nothing away; paths stay in their folder; print layout
# ---------------------------------------------------------------------------
from nn.handout import PAPERS, class_latex, latex_pdf, loss_latex, loss_text, write_class_handouts  # noqa: E402
from nn.handout import _tikz  # noqa: E402  (the drawing's label layout, checked below)
from nn.exercise import assignment  # noqa: E402

needs_pdflatex = pytest.mark.skipif(
    __import__("shutil").which("pdflatex") is None,
    reason="pdflatex not installed (make system-deps as root on Debian, or apt-get install texlive-latex-base "
           "texlive-latex-recommended texlive-pictures): the PDFs are compiled from the LaTeX source")

CASES = [([2, 2, 1], "tanh", "half_sse"), ([2, 3, 1], "sigmoid", "bce"), ([2, 3, 3], "tanh", "cross_entropy"),
         ([2, 2, 2, 1], "relu", "mse"), ([2, 2, 3], "sigmoid", "softmax_cross_entropy")]


def _numbers(text: str) -> set[float]:
    """The decimals printed in `text` (whole numbers there are layer, unit and class numbers)."""
    return {float(m.replace("−", "-")) for m in re.findall(r"[-−]?\d+\.\d+(?:e-?\d+)?", text)}


def _printed(value: float) -> set[float]:
    """The value as an answer is printed or asked for: 3 to 6 significant figures, and fmt's 4."""
    out = {float(f"{value:.{k - 1}e}") for k in range(3, 7)}
    out.add(float(fmt(value).replace("−", "-")))
    return out


@pytest.mark.parametrize("sizes,activation,loss", CASES)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_students_copy_holds_no_answer_at_any_printed_precision(sizes, activation, loss, seed):
    ex = exercise(sizes, activation, loss, seed=seed)
    tex = handout_latex(ex, solutions=False)
    page = handout_html(ex, solutions=False)
    given = set(ex.at().values()) | set(ex.x) | set(ex.textbook.target) | set(ex.forward().values())
    body = tex.split(r"\begin{document}")[1]
    # the drawing's geometry (coordinates, label positions, sizes) is no printed number
    body = re.sub(r"at \([-\d.]+,[-\d.]+\)|pos=[\d.]+|\[>=stealth[^\n]*|[\d.]+(em|cm|mm|pt)\b", "", body)
    shown_tex = _numbers(body)
    shown_html = _numbers(re.sub(r"<svg.*?</svg>|<style>.*?</style>", "", page, flags=re.S))  # (the style's 1.6em)
    for name, v in {**ex.deltas(), **ex.solution()}.items():
        if any(abs(v - g) < 1e-12 for g in given):
            continue  # equal to a given number (e.g. ∂E/∂b = y − t where t = 0): nothing to hide
        leaked = _printed(v) & (shown_tex | shown_html)
        assert not {x for x in leaked if abs(x) >= 0.01 and x not in {round(g, 6) for g in given}}, (name, v, leaked)
    key = handout_latex(ex, solutions=True)
    assert any(_printed(v) & _numbers(key) for v in ex.solution().values())  # (the key does hold them)


@pytest.mark.parametrize("stem", ["../escaped", "/tmp/absolute", "a/b", "..", "", "a\\b"])
def test_a_stem_never_writes_outside_its_folder(tmp_path, stem):
    ex = exercise([2, 2, 1], "tanh", "half_sse", seed=5)
    inner = tmp_path / "inner"
    inner.mkdir()
    with pytest.raises(ValueError, match="plain file name"):
        write_handout(ex, inner, stem, pdf=False)
    assert os.listdir(inner) == [] and sorted(os.listdir(tmp_path)) == ["inner"]


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_paper_sizes(paper):
    ex = exercise([2, 2, 1], "tanh", "half_sse", seed=5)
    assert f"[{PAPERS[paper][0]}, margin=" in handout_latex(ex, paper=paper)
    assert f"size: {paper.upper()}" in handout_html(ex, paper=paper)
    with pytest.raises(ValueError, match="paper must be one of a4, letter"):
        handout_latex(ex, paper="a5")


@pytest.mark.parametrize("loss,latex,text", [
    ("half_sse", r"E = \tfrac{1}{2}(y - t)^2", "E = ½ (y − t)²"),
    ("bce", r"E = -\left[t \ln y + (1 - t)\ln(1 - y)\right]", "E = −[t ln y + (1 − t) ln(1 − y)]"),
    ("mse", r"E = (y - t)^2", "E = (y − t)²")])
def test_the_loss_is_printed_as_its_formula(loss, latex, text):
    ex = exercise([2, 2, 1], "tanh", loss, seed=5)
    assert loss_latex(ex) == latex and loss_text(ex) == text
    assert f"The error is ${latex}$" in handout_latex(ex) and escape.html(text) in handout_html(ex)
    wide = exercise([2, 2, 3], "sigmoid", "softmax_cross_entropy", seed=5)
    assert loss_latex(wide) == r"E = -\sum_k t_k \ln \frac{e^{a_k}}{\sum_m e^{a_m}}"


@pytest.mark.parametrize("sizes", [[2, 2, 1], [2, 3, 1], [3, 4, 2], [2, 8, 8, 1]])
@pytest.mark.parametrize("solved", [False, True])
def test_diagram_labels_never_collide_and_biases_are_drawn(sizes, solved):
    ex = exercise(sizes, "tanh", "half_sse", seed=5, visible_slips=None if max(sizes) <= 4 else False)
    layout: dict = {}
    tikz = _tikz(ex, solved=solved, layout=layout)
    labels, obstacles = layout["labels"], layout["obstacles"]

    def overlap(a, b):
        return abs(a[0] - b[0]) * 2 < a[2] + b[2] and abs(a[1] - b[1]) * 2 < a[3] + b[3]

    assert not any(overlap(a, b) for i, a in enumerate(labels) for b in labels[i + 1:])
    assert not any(overlap(a, o) for a in labels for o in obstacles)
    n_params = len(ex.names)
    assert layout["edges"] + layout["unlabelled"] == n_params  # one arrow per weight and per bias
    assert layout["unlabelled"] == (24 + 72 if sizes == [2, 8, 8, 1] else 0)  # the 2-8 and 8-8 layers: too many to label
    assert tikz.count(r"\node[bias]") == len(sizes) - 1  # x_0 = 1, z_0 = 1 per layer
    assert tikz.count(r"\draw[->] (b") + tikz.count(r"\draw[->, black!60] (b") == sum(sizes[1:])  # a bias arrow into every unit
    if max(sizes) <= 4:
        assert layout["left_out"] == 0  # a hand-sized network: every weight labelled in the drawing
    assert re.search(r"node\[lab, pos=[\d.]+\] \{(\$|\\shortstack\{\$)-?\d", tikz)  # labels typeset as math


@needs_pdflatex
@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("sizes", [[2, 2, 1], [2, 3, 1]])
def test_students_copy_is_one_page_and_the_key_starts_a_new_one(tmp_path, paper, sizes):
    ex = exercise(sizes, "tanh", "half_sse", seed=5)
    student = latex_pdf(handout_latex(ex, solutions=False, title="jane_doe's {copy} 100% #1", paper=paper),
                        tmp_path / "s.pdf")
    key = latex_pdf(handout_latex(ex, solutions=True, paper=paper), tmp_path / "k.pdf")
    assert _pages(student) == 1  # no table runs onto a second page
    assert _pages(key) == 2  # the solutions and the solved diagram on a page of their own


def _pages(path) -> int:
    """The PDF's page count (pdfinfo reads compressed object streams too)."""
    import shutil
    import subprocess

    if shutil.which("pdfinfo") is None:
        pytest.skip("pdfinfo not installed (apt-get install poppler-utils): the page count cannot be read")
    info = subprocess.run(["pdfinfo", os.fspath(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


@needs_pdflatex
def test_class_handouts_one_pdf_per_student_and_the_class_in_one(tmp_path, capsys):
    work = assignment(["ana", "ben_2", "cy"], [2, 2, 1], "tanh", "half_sse", base_seed=3)
    out = write_class_handouts(work, tmp_path, title="Week 3 & co.")
    assert sorted(os.listdir(tmp_path)) == sorted(
        ["ana.pdf", "ana-key.pdf", "ben_2.pdf", "ben_2-key.pdf", "cy.pdf", "cy-key.pdf", "class.pdf", "class-key.pdf"])
    assert _pages(out["class"]) == sum(_pages(f["pdf"]) for f in out["students"].values())
    assert _pages(out["class_key"]) == sum(_pages(f["key"]) for f in out["students"].values())
    assert "handouts: 100%" in capsys.readouterr().err  # the progress bar
    with pytest.raises(ValueError, match="plain file name"):
        write_class_handouts(assignment(["../x"], [2, 2, 1]), tmp_path)


def test_class_latex_is_every_students_handout():
    work = assignment(["ana", "ben"], [2, 2, 1], "tanh", "half_sse")
    tex = class_latex([work["ana"], work["ben"]], titles=["A", "B"])
    assert tex.count(r"\section*{") == 2 and tex.count(r"\begin{tikzpicture}") == 2 and "Solutions" not in tex


@needs_pdflatex
def test_a_hostile_title_compiles_and_prints_as_written(tmp_path):
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed (apt-get install poppler-utils): the PDF's text cannot be read")
    title = r"\input{/etc/hostname} jane_doe ~ ^ $ & % # Σ ½ −"
    ex = exercise([2, 2, 1], "tanh", "half_sse", seed=5)
    pdf = latex_pdf(handout_latex(ex, solutions=False, title=title), tmp_path / "t.pdf")
    text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True, check=True).stdout
    assert r"\input{/etc/hostname}" in text  # (OT1 draws the underscore as a rule: pdftotext reads a space)
    host = open("/etc/hostname").read().strip() if os.path.exists("/etc/hostname") else ""
    assert not host or host not in text.replace(title, "")
