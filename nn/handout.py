"""Handouts for an exercise: a printable HTML page, the same as LaTeX, and a PDF.

    from nn.exercise import exercise
    from nn.handout import write_handout
    ex = exercise([2, 2, 1], "tanh", "half_sse", seed=7)
    write_handout(ex, "out", "ex7")     # out/ex7.html, out/ex7.tex, out/ex7.pdf (with Chromium)

The problem page has the network diagram with its weights, the input, the target,
the forward values a_j, z_j and E, and a blank answer table (δ per unit, ∂E/∂w per
weight). The solutions start on a new printed page: δ per unit worked out with the
lectures' delta rule, and every ∂E/∂w. `solutions=False` leaves them out (the
students' copy). The LaTeX source has its own TikZ drawing of the network and a
switch, \\solutionstrue / \\solutionsfalse, at the top.

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
from autograd.files import write_atomic
from autograd.names import latex_name as _steps_latex_name
from autograd.names import fmt
from nn.draw import name_of  # the one name of each quantity

__all__ = ["latex_name", "html_name", "handout_html", "handout_latex", "write_handout", "print_pdf", "CHROMIUM"]

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
    """The network diagram (nn.draw) as inline SVG, or a note when Graphviz is missing."""
    from autograd.drawing.draw import GraphvizNotFound
    from autograd.teaching.steps import clean_svg

    try:
        return clean_svg(ex.draw(solved=solved).pipe(format="svg").decode("utf-8"))
    except GraphvizNotFound:
        return "<p><i>(the network diagram needs Graphviz's dot: see docs/install.md)</i></p>"


def _given_html(ex) -> str:
    x = ", ".join(f"{html_name(name_of('x', j=k))} = {fmt(v)}" for k, v in enumerate(ex.x, start=1))
    t = ", ".join(f"<i>t</i><sub>{k}</sub> = {fmt(v)}" for k, v in enumerate(_targets(ex), start=1))
    weights = "".join(f"<tr><td>{html_name(n)}</td><td>{fmt(v)}</td></tr>" for n, v in ex.at().items())
    return (f"<p>Input: {x}. Target: {t}.</p>"
            f"<table class='values'><tr><th>weight</th><th>value</th></tr>{weights}</table>")


def _forward_html(ex) -> str:
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


def handout_html(ex, *, solutions: bool = True, title: str | None = None) -> str:
    """The handout as one self-contained HTML page (no script, nothing fetched)."""
    title = title or f"Backpropagation by hand (exercise {ex.seed})"
    activation = ex.activation
    problem = (
        f"<section class='problem'><h1>{escape.html(title)}</h1>"
        f"<p>{escape.html(ex.describe())}. Each unit computes "
        f"<i>a<sub>j</sub></i> = Σ<sub>k</sub> <i>w<sub>jk</sub> z<sub>k</sub></i> + <i>b<sub>j</sub></i> and "
        f"<i>z<sub>j</sub></i> = <i>h</i>(<i>a<sub>j</sub></i>), <i>h</i> = {escape.html(activation)} in the hidden "
        f"layers, {escape.html(ex.output)} at the output.</p>"
        f"<div class='diagram'>{_diagram_svg(ex, solved=False)}</div>"
        f"{_given_html(ex)}<h2>Forward pass</h2>{_forward_html(ex)}"
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
    return _PAGE.format(title=escape.html(title), body=problem + solution)


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
  body {{ font-family: serif; margin: 2em; max-width: 48em; }}
  table {{ border-collapse: collapse; margin: 0.6em 0; }}
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
def _tikz(ex) -> str:
    """The network as a TikZ picture: inputs on the left, one column per layer, each
    arrow labelled with its weight."""
    columns = [[name_of("x", j=k) for k in range(1, ex.sizes[0] + 1)]]
    columns += [[name_of("z", l, j) for j in range(1, n + 1)] for l, n in enumerate(ex.sizes[1:], start=1)]
    lines = [r"\begin{tikzpicture}[x=3.4cm, y=1.6cm, >=stealth, unit/.style={circle, draw, minimum size=9mm}]"]
    ids = {}
    for c, column in enumerate(columns):
        top = (len(column) - 1) / 2
        for i, name in enumerate(column):
            ids[name] = f"n{c}x{i}"
            lines.append(rf"  \node[unit] ({ids[name]}) at ({c},{top - i:g}) {{${latex_name(name)}$}};")
    for l, layer in enumerate(ex.model.layers, start=1):
        for j, neuron in enumerate(layer.neurons, start=1):
            for k, w in enumerate(neuron.w, start=1):
                src = columns[l - 1][k - 1]
                lines.append(rf"  \draw[->] ({ids[src]}) -- node[pos=0.3, fill=white, inner sep=1pt, font=\scriptsize]"
                             rf" {{${_latex_number(w.data)}$}} ({ids[name_of('z', l, j)]});")
    lines.append(r"\end{tikzpicture}")
    return "\n".join(lines)


def handout_latex(ex, *, solutions: bool = True, title: str | None = None) -> str:
    """The handout as a LaTeX document (article, amsmath, tikz); the solutions sit
    behind \\ifsolutions on a new page."""
    title = title or f"Backpropagation by hand (exercise {ex.seed})"
    x = ", ".join(f"x_{{{k}}} = {_latex_number(v)}" for k, v in enumerate(ex.x, start=1))
    t = ", ".join(f"t_{{{k}}} = {_latex_number(v)}" for k, v in enumerate(_targets(ex), start=1))
    weights = " \\\\\n".join(f"${latex_name(n)}$ & ${_latex_number(v)}$" for n, v in ex.at().items())
    forward = " \\\\\n".join(
        f"{l} & {j} & ${latex_name(name_of('a', l, j))} = {_latex_number(ex.textbook.a[l - 1][j - 1])}$ & "
        f"${latex_name(name_of('z', l, j))} = {_latex_number(ex.textbook.z[l - 1][j - 1])}$"
        for l, j in _units(ex))
    blanks = " \\\\ \\hline\n".join(
        [f"${latex_name(n)}$ & \\rule{{0pt}}{{1.4em}}" for n in ex.deltas()]
        + [rf"$\partial E/\partial {latex_name(n)}$ & \rule{{0pt}}{{1.4em}}" for n in ex.solution()])
    worked = " \\\\\n".join(f"&{s.latex()}" for s in ex.textbook.steps)
    filled = " \\\\\n".join(
        [f"${latex_name(n)}$ & ${_latex_number(d)}$" for n, d in ex.deltas().items()]
        + [rf"$\partial E/\partial {latex_name(n)}$ & ${_latex_number(g)}$" for n, g in ex.solution().items()])
    tex_title, describe = escape.tex(title), escape.tex(ex.describe())
    switch = r"\solutionstrue" if solutions else r"\solutionsfalse"
    return rf"""\documentclass[11pt]{{article}}
\usepackage[utf8]{{inputenc}}
\usepackage[margin=2cm]{{geometry}}
\usepackage{{amsmath}}
\usepackage{{tikz}}
\newif\ifsolutions
{switch}
\begin{{document}}
\section*{{{tex_title}}}
{describe}. Each unit computes $a_j = \sum_k w_{{jk}} z_k + b_j$ and $z_j = h(a_j)$.

\begin{{center}}
{_tikz(ex)}
\end{{center}}

Input: ${x}$. Target: ${t}$. Biases and weights:

\begin{{tabular}}{{ll}}
{weights}
\end{{tabular}}

\subsection*{{Forward pass}}
\begin{{tabular}}{{llll}}
layer & unit & $a$ & $z = h(a)$ \\
{forward}
\end{{tabular}}

$E = {_latex_number(ex.E)}$

\subsection*{{Your answers}}
Work out $\delta_j = \partial E/\partial a_j$ for every unit
($\delta_j = h'(a_j) \sum_k w_{{kj}} \delta_k$), then $\partial E/\partial w_{{jk}} = \delta_j z_k$
and $\partial E/\partial b_j = \delta_j$.

\begin{{tabular}}{{|l|p{{5cm}}|}}
\hline
{blanks} \\ \hline
\end{{tabular}}

\ifsolutions
\newpage
\section*{{Solutions}}
\begin{{align*}}
{worked}
\end{{align*}}

\begin{{tabular}}{{ll}}
{filled}
\end{{tabular}}
\fi
\end{{document}}
"""


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


def write_handout(ex, folder: str | os.PathLike, stem: str = "exercise", *, solutions: bool = True,
                  pdf: bool | None = None, title: str | None = None) -> dict[str, str]:
    """Write <stem>.html and <stem>.tex into `folder` (and <stem>.pdf when `pdf` is
    True, or when None and Chromium is installed). Returns {"html": path, ...}."""
    folder = Path(folder)
    written = {
        "html": os.fspath(write_atomic(folder / f"{stem}.html", handout_html(ex, solutions=solutions, title=title),
                                       who="write_handout")),
        "tex": os.fspath(write_atomic(folder / f"{stem}.tex", handout_latex(ex, solutions=solutions, title=title),
                                      who="write_handout")),
    }
    if pdf is None:
        pdf = shutil.which("chromium") is not None or os.path.exists(CHROMIUM)
    if pdf:
        written["pdf"] = print_pdf(written["html"], folder / f"{stem}.pdf")
    return written
