"""Handouts for an exercise: a printable HTML page, the same as LaTeX, and a PDF.

    from nn.exercise import exercise
    from nn.handout import write_handout
    ex = exercise([2, 2, 1], "tanh", "half_sse", seed=7)
    write_handout(ex, "out", "ex7")     # out/ex7.html, out/ex7.tex, out/ex7.pdf (pdflatex or Chromium)
    write_handout(ex, "out", "ex7-student", solutions=False, paper="letter")
    write_class_handouts(work, "out")  # one PDF per student and its key, and the class in one PDF

The problem page has the network diagram with its weights and biases, the loss as
its formula, the input, the target, the forward values a_j, z_j and E, and a blank
answer table (δ per unit, ∂E/∂w per weight). The solutions start on a new printed
page: δ per unit worked out with the lectures' delta rule, every ∂E/∂w, and the
network drawn again with them. `solutions=False` writes the students' copy, which
holds no answer at all: not in the page, not in the .tex source. A table is one box,
never split across a page (long ones are cut into blocks side by side); the drawing
is sized to the paper (A4 or Letter) and its weight labels are placed along their
edges where they touch no other label and no unit.

Names are the model's labels (w[l]_{j,k}, b[l]_j, a[l]_j, z[l]_j, δ[l]_j) written
as the lectures write them: `latex_name("w[1]_{2,1}")` is `w^{(1)}_{2,1}` (as in the
steppers' LaTeX) and `html_name` gives w<sup>(1)</sup><sub>2,1</sub>.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from autograd import escape
from autograd.files import in_folder, write_atomic
from autograd.names import latex_name as _steps_latex_name
from autograd.names import fmt
from autograd.teaching.latex import PAPERS, PDFLATEX, check_paper, latex_pdf, tex_text, unicode_declarations
from nn.draw import name_of  # the one name of each quantity

__all__ = ["latex_name", "html_name", "handout_html", "handout_latex", "class_latex", "loss_latex", "write_handout",
           "write_class_handouts", "latex_pdf", "print_pdf", "CHROMIUM", "PAPERS"]

CHROMIUM = "/usr/bin/chromium"
_TWO = re.compile(r"(.+)\[(\d+)\]_\{(\d+),(\d+)\}")  # w[1]_{2,1}
_ONE = re.compile(r"(.+)\[(\d+)\]_(\d+)")  # b[1]_2, a[1]_2, δ[1]_2
_INPUT = re.compile(r"([a-z])(\d+)")  # x1


def latex_name(label: str) -> str:
    """A quantity's name (`nn.draw.name_of`) as LaTeX math, as the steppers write it
    (`autograd.names`): w[1]_{2,1} → w^{(1)}_{2,1}, δ[2]_1 → \\delta^{(2)}_{1}, x1 → x_{1}."""
    if label.startswith("δ"):  # δ[l]_j is no node's label: written like a[l]_j, with \delta
        return r"\delta" + _steps_latex_name("d" + label[1:])[1:]
    if re.fullmatch(r"[A-Za-z]", label):
        return label  # E
    return _steps_latex_name(label)


def html_name(label: str) -> str:
    """A quantity's name as HTML: w[1]_{2,1} → w<sup>(1)</sup><sub>2,1</sub>."""
    if m := _TWO.fullmatch(label):
        base, l, j, k = m.groups()
        return f"<i>{escape.html(base)}</i><sup>({l})</sup><sub>{j},{k}</sub>"
    if m := _ONE.fullmatch(label):
        base, l, j = m.groups()
        return f"<i>{escape.html(base)}</i><sup>({l})</sup><sub>{j}</sub>"
    if m := _INPUT.fullmatch(label):
        return f"<i>{m.group(1)}</i><sub>{m.group(2)}</sub>"
    return f"<i>{escape.html(label)}</i>"


def _latex_number(x: float, digits: int = 4) -> str:
    s = fmt(x, digits).replace("−", "-")
    if "e" in s:
        mantissa, exponent = s.split("e")
        s = rf"{mantissa}\times 10^{{{int(exponent)}}}"
    return s


def _targets(ex) -> list[float]:
    return list(ex.textbook.target)


def _units(ex):
    """(layer l, unit j) of every unit, 1-based, in layer order."""
    return [(l, j) for l, size in enumerate(ex.sizes[1:], start=1) for j in range(1, size + 1)]


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------
def _diagram_svg(ex, solved: bool) -> str:
    """The network diagram (nn.draw) as inline SVG, or a note when Graphviz is missing; its
    labels typeset as Bishop writes them (w₁₂⁽¹⁾, a₁⁽¹⁾; a bias as the weight w_j0 of x₀ = 1)."""
    from autograd.drawing.draw import GraphvizNotFound
    from autograd.teaching.steps import clean_svg

    try:
        return clean_svg(ex.draw(solved=solved, notation="bishop").pipe(format="svg").decode("utf-8"))
    except GraphvizNotFound:
        return "<p><i>(the network diagram needs Graphviz's dot: see docs/install.md)</i></p>"


def given_html(ex) -> str:
    x = ", ".join(f"{html_name(name_of('x', j=k))} = {fmt(v)}" for k, v in enumerate(ex.x, start=1))
    t = ", ".join(f"<i>t</i><sub>{k}</sub> = {fmt(v)}" for k, v in enumerate(_targets(ex), start=1))
    weights = "".join(f"<tr><td>{html_name(n)}</td><td>{fmt(v)}</td></tr>" for n, v in ex.at().items())
    return (f"<p>Input: {x}. Target: {t}.</p>"
            f"<table class='values'><tr><th>weight</th><th>value</th></tr>{weights}</table>")


def forward_html(ex) -> str:
    rows = []
    for l, j in _units(ex):
        a, z = ex.textbook.a[l - 1][j - 1], ex.textbook.z[l - 1][j - 1]
        rows.append(f"<tr><td>{l}</td><td>{j}</td><td>{html_name(name_of('a', l, j))} = {fmt(a)}</td>"
                    f"<td>{html_name(name_of('z', l, j))} = {fmt(z)}</td></tr>")
    return (f"<table class='values'><tr><th>layer</th><th>unit</th><th>a</th><th>z = h(a)</th></tr>{''.join(rows)}"
            f"</table><p>E = {fmt(ex.E)}</p>")


def _answer_rows(ex, solved: bool) -> str:
    rows = []
    for name, d in ex.deltas().items():
        cell = fmt(d) if solved else ""
        rows.append(f"<tr><td>{html_name(name)}</td><td class='answer'>{cell}</td></tr>")
    for name, g in ex.solution().items():
        cell = fmt(g) if solved else ""
        rows.append(f"<tr><td>∂E/∂{html_name(name)}</td><td class='answer'>{cell}</td></tr>")
    return f"<table class='answers'><tr><th>quantity</th><th>answer</th></tr>{''.join(rows)}</table>"


def loss_text(ex) -> str:
    """E as the lectures write it, in plain Unicode (for the HTML page and quiz text)."""
    K = ex.sizes[-1]
    one = K == 1
    formulas = {
        "half_sse": "E = ½ (y − t)²" if one else "E = ½ Σ_k (y_k − t_k)²",
        "mse": "E = (y − t)²" if one else f"E = (1/{K}) Σ_k (y_k − t_k)²",
        "bce": ("E = −[t ln y + (1 − t) ln(1 − y)]" if one else
                f"E = −(1/{K}) Σ_k [t_k ln y_k + (1 − t_k) ln(1 − y_k)]"),
        "cross_entropy": "E = −Σ_k t_k ln y_k",
        "softmax_cross_entropy": "E = −Σ_k t_k ln(e^{a_k} / Σ_m e^{a_m})",
    }
    return formulas.get(ex.loss, f"E = {ex.loss}(y, t)")


def handout_html(ex, *, solutions: bool = True, title: str | None = None, paper: str = "a4") -> str:
    """The handout as one self-contained HTML page (no script, nothing fetched), printed on
    `paper` ("a4" or "letter"); no table is split across a printed page. With
    solutions=False the page holds no answer."""
    title = title or f"Backpropagation by hand (exercise {ex.seed})"
    check_paper(paper)
    activation = ex.activation
    problem = (
        f"<section class='problem'><h1>{escape.html(title)}</h1>"
        f"<p>{escape.html(ex.describe())}. Each unit computes "
        f"<i>a<sub>j</sub></i> = Σ<sub>k</sub> <i>w<sub>jk</sub> z<sub>k</sub></i> + <i>b<sub>j</sub></i> and "
        f"<i>z<sub>j</sub></i> = <i>h</i>(<i>a<sub>j</sub></i>), <i>h</i> = {escape.html(activation)} in the hidden "
        f"layers, {escape.html(ex.output)} at the output. The error is <i>{escape.html(loss_text(ex))}</i>.</p>"
        f"<div class='diagram'>{_diagram_svg(ex, solved=False)}</div>"
        f"{given_html(ex)}<h2>Forward pass</h2>{forward_html(ex)}"
        "<h2>Your answers</h2><p>Work out δ<sub>j</sub> = ∂E/∂a<sub>j</sub> for every unit "
        "(δ<sub>j</sub> = h'(a<sub>j</sub>) Σ<sub>k</sub> w<sub>kj</sub> δ<sub>k</sub>), then "
        "∂E/∂w<sub>jk</sub> = δ<sub>j</sub> z<sub>k</sub> and ∂E/∂b<sub>j</sub> = δ<sub>j</sub>.</p>"
        f"{_answer_rows(ex, solved=False)}</section>"
    )
    solution = ""
    if solutions:
        worked = "\n".join(escape.html(step.explain()) for step in ex.textbook.steps)
        solution = (
            f"<section class='solutions'><h1>Solutions: {escape.html(title)}</h1>"
            f"<p>Output rule: {escape.html(ex.textbook.output_rule)}.</p>"
            f"<pre class='worked'>{worked}</pre>{_answer_rows(ex, solved=True)}"
            f"<div class='diagram'>{_diagram_svg(ex, solved=True)}</div></section>"
        )
    return _PAGE.format(title=escape.html(title), body=problem + solution, paper=paper.upper())


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
  body {{ font-family: serif; margin: 2em; max-width: 48em; }}
  table {{ border-collapse: collapse; margin: 0.6em 0; break-inside: avoid; page-break-inside: avoid; }}
  h2 {{ break-after: avoid; page-break-after: avoid; }}
  .diagram {{ break-inside: avoid; }}
  @page {{ size: {paper}; margin: 2cm; }}
  th, td {{ border: 1px solid #999; padding: 0.25em 0.7em; text-align: left; }}
  td.answer {{ min-width: 10em; height: 1.6em; }}
  .diagram svg {{ max-width: 100%; height: auto; }}
  pre.worked {{ white-space: pre-wrap; font-size: 0.9em; }}
  section.solutions {{ break-before: page; page-break-before: always; }}
  @media print {{ body {{ margin: 0; }} }}
</style>
</head>
<body>
{body}
</body>
</html>
"""


# ---------------------------------------------------------------------------
# LaTeX
# ---------------------------------------------------------------------------
MARGIN = 2.0  # cm, every side
ROWS_PER_TABLE = 24  # a table never runs past a page: longer ones are cut into blocks of this many rows
DIAGRAM_HEIGHT = 9.0  # cm: the problem diagram leaves room for the tables below it
LABEL_H = 0.32  # cm: a \scriptsize label's height with its padding
CHAR_W = 0.155  # cm: the width of one \scriptsize digit or sign
NODE_R = 0.45  # cm: a unit's circle (minimum size 9mm)
MAX_LABELLED = 20  # arrows into one layer that are labelled (a 4-4 layer with biases has 20)


def _boxes_overlap(a, b) -> bool:
    (ax, ay, aw, ah), (bx, by, bw, bh) = a, b
    return abs(ax - bx) * 2 < aw + bw and abs(ay - by) * 2 < ah + bh


def _place_labels(edges, obstacles):
    """pos (0 to 1 along its edge) for each edge's label, so that no two labels overlap and
    no label sits on a unit: each label tries positions from near its source outwards and
    takes the first free one (a greedy collision check; None when no position is free,
    and then the label is left out of the drawing — the value is in the table)."""
    placed, out, boxes = [], [], []
    circles = list(obstacles)
    for (x1, y1), (x2, y2), text, lines in edges:
        w, h = CHAR_W * len(text) + 0.12, LABEL_H * lines
        choice = None
        for pos in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.25, 0.2, 0.85):
            box = (x1 + pos * (x2 - x1), y1 + pos * (y2 - y1), w, h)
            if not any(_boxes_overlap(box, other) for other in placed + circles):
                choice = pos
                placed.append(box)
                break
        out.append(choice)
    return out, placed


def _tikz(ex, *, solved: bool = False, width: float = 15.0, height: float = DIAGRAM_HEIGHT,
          layout: dict | None = None) -> str:
    """The network as a TikZ picture, sized to `width` × `height` cm: inputs on the left, one
    column per layer, the bias as an input clamped at 1 above each column (x_0 = 1, z_0 = 1,
    as Bishop draws it), each arrow labelled with its weight where the label fits without
    touching another (the rows are spread further, up to 1.6 times, until every label fits;
    a label that still does not is left out: its value is in the table). `solved` adds
    ∂E/∂w under each weight and δ under each unit."""
    L = len(ex.sizes) - 1
    rows = max(ex.sizes[:-1]) + 1  # the tallest column with its bias unit
    dx = min(5.0, width / max(L, 1))
    dy = min(2.2 if solved else 1.6, max(1.0, height / max(rows - 1, 1)))
    for stretch in (1.0, 1.15, 1.3, 1.45, 1.6, 1.0):  # (the last: no stretch helped, keep it compact)
        found: dict = {}
        picture = _tikz_at(ex, solved, dx, dy * stretch, found)
        if found["left_out"] == 0:
            break
    if layout is not None:
        layout.update(found)
    return picture


def _tikz_at(ex, solved: bool, dx: float, dy: float, layout: dict) -> str:
    L = len(ex.sizes) - 1
    columns = [[name_of("x", j=k) for k in range(1, ex.sizes[0] + 1)]]
    columns += [[name_of("z", l, j) for j in range(1, n + 1)] for l, n in enumerate(ex.sizes[1:], start=1)]
    pos, ids, lines = {}, {}, []
    lines.append(r"\begin{tikzpicture}[>=stealth, unit/.style={circle, draw, minimum size=9mm, inner sep=0pt},"
                 r" bias/.style={rectangle, draw, rounded corners, minimum size=7mm, inner sep=1pt, fill=black!5},"
                 r" lab/.style={fill=white, inner sep=0.5pt, font=\scriptsize}]")
    for c, column in enumerate(columns):
        top = (len(column) - 1) / 2 * dy
        for i, name in enumerate(column):
            ids[name], pos[name] = f"n{c}x{i}", (c * dx, top - i * dy)
            lines.append(rf"  \node[unit] ({ids[name]}) at ({c * dx:.3f},{top - i * dy:.3f}) {{${latex_name(name)}$}};")
        if c < L:  # the bias input of the next layer
            ids[f"bias{c}"], pos[f"bias{c}"] = f"b{c}", (c * dx, top + dy)
            zero = "x_{0}" if c == 0 else f"z^{{({c})}}_{{0}}"
            lines.append(rf"  \node[bias] (b{c}) at ({c * dx:.3f},{top + dy:.3f}) {{$\scriptstyle {zero} = 1$}};")
    grads, deltas = ex.solution(), ex.deltas()
    edges, draws, unlabelled = [], [], []
    for l, layer in enumerate(ex.model.layers, start=1):
        # a layer of more arrows than MAX_LABELLED is drawn without labels: they could not be read
        # between so many crossing arrows (the values are in the table)
        labelled = len(layer.neurons) * (ex.sizes[l - 1] + 1) <= MAX_LABELLED
        for j, neuron in enumerate(layer.neurons, start=1):
            dst = name_of("z", l, j)
            params = [(columns[l - 1][k - 1], w) for k, w in enumerate(neuron.w, start=1)] + [(f"bias{l - 1}", neuron.b)]
            for src, p in params:
                text = _latex_number(p.data)
                label, width_text, n_lines = f"${text}$", text, 1
                if solved:
                    g = _latex_number(grads[p.label])
                    label = rf"\shortstack{{${text}$\\\textcolor{{red!70!black}}{{${g}$}}}}"
                    width_text, n_lines = max(text, g, key=len), 2
                if labelled:
                    edges.append((pos[src], pos[dst], width_text, n_lines))
                    draws.append((ids[src], ids[dst], label))
                else:
                    unlabelled.append((ids[src], ids[dst]))
    obstacles = [(x, y, 2 * NODE_R, 2 * NODE_R) for x, y in pos.values()]
    if solved:  # the δ written under each unit
        for l in range(1, L + 1):
            for j in range(1, ex.sizes[l] + 1):
                x, y = pos[name_of("z", l, j)]
                text = "d(1)1=" + _latex_number(deltas[name_of("δ", l, j)])
                obstacles.append((x, y - NODE_R - LABEL_H / 2 - 0.05, CHAR_W * len(text), LABEL_H + 0.1))
    where_all, placed = _place_labels(edges, obstacles)
    layout.update(obstacles=obstacles, labels=placed, edges=len(edges), left_out=where_all.count(None))
    for (src, dst, label), where in zip(draws, where_all):
        lab = "" if where is None else f" node[lab, pos={where:g}] {{{label}}}"
        lines.append(rf"  \draw[->] ({src}) --{lab} ({dst});")
    lines += [rf"  \draw[->, black!60] ({src}) -- ({dst});" for src, dst in unlabelled]
    layout["unlabelled"] = len(unlabelled)
    if solved:
        for l in range(1, L + 1):
            for j in range(1, ex.sizes[l] + 1):
                d = _latex_number(deltas[name_of("δ", l, j)])
                lines.append(rf"  \node[below=0pt of {ids[name_of('z', l, j)]}, font=\scriptsize, text=red!70!black]"
                             rf" {{${latex_name(name_of('δ', l, j))} = {d}$}};")
    lines.append(r"\end{tikzpicture}")
    return "\n".join(lines)


def loss_latex(ex) -> str:
    """E as the lectures write it for the exercise's loss (K outputs y_k, targets t_k)."""
    K = ex.sizes[-1]
    one = K == 1
    formulas = {
        "half_sse": r"E = \tfrac{1}{2}(y - t)^2" if one else r"E = \tfrac{1}{2}\sum_k (y_k - t_k)^2",
        "mse": r"E = (y - t)^2" if one else rf"E = \tfrac{{1}}{{{K}}}\sum_k (y_k - t_k)^2",
        "bce": (r"E = -\left[t \ln y + (1 - t)\ln(1 - y)\right]" if one else
                rf"E = -\tfrac{{1}}{{{K}}}\sum_k \left[t_k \ln y_k + (1 - t_k)\ln(1 - y_k)\right]"),
        "cross_entropy": r"E = -\sum_k t_k \ln y_k",
        "softmax_cross_entropy": r"E = -\sum_k t_k \ln \frac{e^{a_k}}{\sum_m e^{a_m}}",
    }
    return formulas.get(ex.loss, rf"E = \mathrm{{{escape.tex(ex.loss)}}}(y, t)")


def _blocks(rows: list[str], columns: str, head: str = "", rule: bool = False, side_by_side: int = 1) -> str:
    """Rows as `side_by_side` tables next to each other (more when a table would pass
    ROWS_PER_TABLE rows): a tabular is one box, so no table is ever split across a page."""
    line = r" \\ \hline" if rule else r" \\"
    top = r"\hline" + "\n" if rule else ""
    out = []
    per = min(ROWS_PER_TABLE, -(-len(rows) // side_by_side))
    for i in range(0, len(rows), per):
        chunk = "\n".join(r + line for r in rows[i:i + per])
        out.append(rf"\begin{{tabular}}[t]{{{columns}}}" + "\n" + top + (head + line + "\n" if head else "")
                   + chunk + "\n" + r"\end{tabular}")
    return "\n\\hfil\n".join(out)


def _latex_body(ex, *, solutions: bool, title: str, width: float) -> str:
    """One handout's pages (the problem, and the solutions when asked) without the preamble:
    the students' copy holds no answer, not even behind a switch."""
    x = ", ".join(f"x_{{{k}}} = {_latex_number(v)}" for k, v in enumerate(ex.x, start=1))
    t = ", ".join(f"t_{{{k}}} = {_latex_number(v)}" for k, v in enumerate(_targets(ex), start=1))
    if ex.loss in ("cross_entropy", "softmax_cross_entropy"):
        t += rf"\ (\mbox{{class {int(ex.target) + 1}}})"
    weights = [f"${latex_name(n)}$ & ${_latex_number(v)}$" for n, v in ex.at().items()]
    forward = [f"{l} & {j} & ${latex_name(name_of('a', l, j))} = {_latex_number(ex.textbook.a[l - 1][j - 1])}$ & "
               f"${latex_name(name_of('z', l, j))} = {_latex_number(ex.textbook.z[l - 1][j - 1])}$"
               for l, j in _units(ex)]
    blanks = ([rf"${latex_name(n)}$ & \rule{{0pt}}{{1.3em}}" for n in ex.deltas()]
              + [rf"$\partial E/\partial {latex_name(n)}$ & \rule{{0pt}}{{1.3em}}" for n in ex.solution()])
    h = escape.tex(ex.activation)
    out = escape.tex(ex.output)
    body = rf"""\section*{{{escape.tex(title)}}}
{tex_text(ex.describe())}. Each unit computes $a_j = \sum_k w_{{jk}} z_k + b_j$ and $z_j = h(a_j)$,
with $h = \mathrm{{{h}}}$ in the hidden layers and $\mathrm{{{out}}}$ at the output; the bias $b_j$ is the
weight from an input clamped at 1. The error is ${loss_latex(ex)}$.

\begin{{center}}
{_tikz(ex, width=width)}
\end{{center}}

\noindent\begin{{minipage}}{{\linewidth}}
Input: ${x}$. Target: ${t}$. Biases and weights:\par\smallskip
{_blocks(weights, "ll", side_by_side=4)}
\end{{minipage}}

\medskip\noindent\begin{{minipage}}{{\linewidth}}
\subsection*{{Forward pass}}
{_blocks(forward, "llll", head=r"layer & unit & $a$ & $z = h(a)$")}

\smallskip $E = {_latex_number(ex.E)}$
\end{{minipage}}

\medskip\noindent\begin{{minipage}}{{\linewidth}}
\subsection*{{Your answers}}
Work out $\delta_j = \partial E/\partial a_j$ for every unit
($\delta_j = h'(a_j) \sum_k w_{{kj}} \delta_k$), then $\partial E/\partial w_{{jk}} = \delta_j z_k$
and $\partial E/\partial b_j = \delta_j$.\par\smallskip
{_blocks(blanks, "|l|p{3.6cm}|", rule=True, side_by_side=2)}
\end{{minipage}}
"""
    if not solutions:
        return body
    worked = " \\\\\n".join(f"&{s.latex()}" for s in ex.textbook.steps)
    filled = ([f"${latex_name(n)}$ & ${_latex_number(d)}$" for n, d in ex.deltas().items()]
              + [rf"$\partial E/\partial {latex_name(n)}$ & ${_latex_number(g)}$" for n, g in ex.solution().items()])
    return body + rf"""
\newpage
\section*{{Solutions}}
Output rule: {tex_text(ex.textbook.output_rule)}.
\begin{{align*}}
{worked}
\end{{align*}}

\noindent\begin{{minipage}}{{\linewidth}}
{_blocks(filled, "ll", side_by_side=3)}
\end{{minipage}}

\medskip\noindent\begin{{minipage}}{{\linewidth}}
The network solved: each weight with $\partial E/\partial w$ below it (red), each unit with its $\delta$.\par
\begin{{center}}
{_tikz(ex, solved=True, width=width, height=14.0)}
\end{{center}}
\end{{minipage}}
"""


def _preamble(paper: str) -> str:
    name, _, _ = check_paper(paper)
    # a title is text as written (escape.tex); these symbols in it still print
    unicode = unicode_declarations()
    return rf"""\documentclass[11pt]{{article}}
\usepackage[utf8]{{inputenc}}
{unicode}
\usepackage[{name}, margin={MARGIN}cm]{{geometry}}
\usepackage{{amsmath}}
\usepackage{{tikz}}
\usetikzlibrary{{positioning}}
\pagestyle{{empty}}
\setlength{{\parindent}}{{0pt}}
"""


def handout_latex(ex, *, solutions: bool = True, title: str | None = None, paper: str = "a4") -> str:
    """The handout as a LaTeX document (article, amsmath, tikz) on `paper` ("a4" or
    "letter"). With solutions=False it is the students' copy: it holds no answer at all
    (no solution section, no δ, no ∂E/∂w), so handing out the .tex gives nothing away."""
    title = title or f"Backpropagation by hand (exercise {ex.seed})"
    _, width, _ = check_paper(paper)
    body = _latex_body(ex, solutions=solutions, title=title, width=width - 2 * MARGIN - 2.0)
    return _preamble(paper) + "\\begin{document}\n" + body + "\\end{document}\n"


def class_latex(exercises, *, solutions: bool = False, titles=None, paper: str = "a4") -> str:
    """Several handouts in one document, each starting on a new page (the whole class)."""
    _, width, _ = check_paper(paper)
    bodies = [_latex_body(ex, solutions=solutions, title=title, width=width - 2 * MARGIN - 2.0)
              for ex, title in zip(exercises, titles)]
    return _preamble(paper) + "\\begin{document}\n" + "\n\\newpage\n".join(bodies) + "\\end{document}\n"


# ---------------------------------------------------------------------------
# Files and PDF
# ---------------------------------------------------------------------------
def print_pdf(html_path: str | os.PathLike, pdf_path: str | os.PathLike, chromium: str | None = None,
              timeout: float = 120.0) -> str:
    """Print an HTML file to PDF with headless Chromium (no network, no header/footer).
    The PDF goes through the atomic writer; returns its path."""
    browser = chromium or shutil.which("chromium") or (CHROMIUM if os.path.exists(CHROMIUM) else None)
    if browser is None:
        raise FileNotFoundError("print_pdf: Chromium is not installed (apt-get install chromium); "
                                "print the HTML page from a browser instead")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "page.pdf"
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp}/profile",
               "--no-pdf-header-footer", f"--print-to-pdf={out}", Path(html_path).resolve().as_uri()]
        done = subprocess.run(cmd, capture_output=True, timeout=timeout)
        if not out.exists() or out.stat().st_size == 0:
            raise RuntimeError(f"print_pdf: Chromium wrote no PDF (exit {done.returncode}): "
                               f"{done.stderr.decode('utf-8', 'replace')[-500:]}")
        return os.fspath(write_atomic(pdf_path, out.read_bytes(), who="print_pdf"))


def _target(folder: Path, stem: str, suffix: str, who: str) -> Path:
    """folder/<stem><suffix>, where the stem is a plain file name: no folder part, not
    absolute, not . or .. — a stem never writes outside its folder."""
    return in_folder(folder, stem, suffix, who=who)


def write_handout(ex, folder: str | os.PathLike, stem: str = "exercise", *, solutions: bool = True,
                  pdf: bool | None = None, title: str | None = None, paper: str = "a4") -> dict[str, str]:
    """Write <stem>.html and <stem>.tex into `folder` (and <stem>.pdf when `pdf` is True, or
    when None and pdflatex or Chromium is installed: pdflatex from the .tex where it can,
    else Chromium from the HTML). `stem` is a file name, never a path. Returns {"html": path, ...}."""
    folder = Path(folder)
    tex = handout_latex(ex, solutions=solutions, title=title, paper=paper)
    written = {
        "html": os.fspath(write_atomic(_target(folder, stem, ".html", "write_handout"),
                                       handout_html(ex, solutions=solutions, title=title, paper=paper),
                                       who="write_handout")),
        "tex": os.fspath(write_atomic(_target(folder, stem, ".tex", "write_handout"), tex, who="write_handout")),
    }
    has_chromium = shutil.which("chromium") is not None or os.path.exists(CHROMIUM)
    if pdf is None:
        pdf = shutil.which(PDFLATEX) is not None or has_chromium
    if pdf:
        target = _target(folder, stem, ".pdf", "write_handout")
        if shutil.which(PDFLATEX) is not None:
            written["pdf"] = latex_pdf(tex, target, who="write_handout")
        else:
            written["pdf"] = print_pdf(written["html"], target)
    return written


def write_class_handouts(assignment, folder: str | os.PathLike, *, title: str = "Backpropagation by hand",
                         paper: str = "a4", keys: bool = True, progress: bool = True) -> dict[str, object]:
    """One PDF per student (<student>.pdf, the problem only) and, with `keys`, its answer key
    (<student>-key.pdf), plus the whole class in one PDF each: class.pdf and class-key.pdf
    (one handout per student, each on new pages). Needs pdflatex. A progress bar (tqdm)
    counts the students. Returns {"students": {id: {"pdf": ..., "key": ...}}, "class": ..., "class_key": ...}."""
    from tqdm.auto import tqdm

    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"write_class_handouts: the folder {os.fspath(folder)!r} does not exist; create it first")
    students = list(assignment)
    if not students:
        raise ValueError("write_class_handouts: the assignment has no students")
    for s in students:  # every file name checked before anything is written
        _target(folder, s, ".pdf", "write_class_handouts")
        if s in ("class", "class-key") or s.endswith("-key"):
            raise ValueError(f"write_class_handouts: the student id {s!r} would clash with the class files")
    titles = {s: f"{title} ({s})" for s in students}
    out: dict[str, object] = {"students": {}}
    for s in tqdm(students, desc="handouts", unit="student", disable=not progress):
        ex = assignment[s]
        files = {"pdf": latex_pdf(handout_latex(ex, solutions=False, title=titles[s], paper=paper),
                                  folder / f"{s}.pdf", who="write_class_handouts")}
        if keys:
            files["key"] = latex_pdf(handout_latex(ex, solutions=True, title=titles[s], paper=paper),
                                     folder / f"{s}-key.pdf", who="write_class_handouts")
        out["students"][s] = files
    exercises = [assignment[s] for s in students]
    out["class"] = latex_pdf(class_latex(exercises, titles=[titles[s] for s in students], paper=paper),
                             folder / "class.pdf", who="write_class_handouts")
    if keys:
        out["class_key"] = latex_pdf(class_latex(exercises, solutions=True, titles=[titles[s] for s in students],
                                                 paper=paper), folder / "class-key.pdf", who="write_class_handouts")
    return out
