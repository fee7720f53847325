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
    assert "\\text{" not in tex and not re.search("[⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾₀₁₂₃₄₅₆₇₈₉−]", tex)
    for name in ex.names:
        assert f"$\\partial E/\\partial {latex_name(name)}$" in tex  # one blank row per derivative
    for name in ex.deltas():
        assert f"${latex_name(name)}$" in tex
    assert tex.count(r"\node[unit]") == sum(sizes)  # the TikZ drawing: one circle per unit
    assert r"\solutionstrue" in tex and r"\ifsolutions" in tex and r"\newpage" in tex
    assert r"\solutionsfalse" in handout_latex(ex, solutions=False)


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


@needs_dot
def test_write_handout_and_pdf_through_chromium(tmp_path):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}: the PDF is printed by headless Chromium")
    ex = exercise([2, 8, 8, 1], "tanh", "half_sse", seed=5)  # a real-sized network
    written = write_handout(ex, tmp_path, "big")
    assert sorted(os.listdir(tmp_path)) == ["big.html", "big.pdf", "big.tex"]
    pdf = open(written["pdf"], "rb").read()
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages >= 2  # the solutions are on pages of their own


def test_write_handout_without_pdf_and_missing_folder(tmp_path):
    ex = exercise([2, 2, 1], "tanh", "half_sse", seed=5)
    written = write_handout(ex, tmp_path, "ex", pdf=False)
    assert sorted(written) == ["html", "tex"] and sorted(os.listdir(tmp_path)) == ["ex.html", "ex.tex"]
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_handout(ex, tmp_path / "nope", "ex", pdf=False)
