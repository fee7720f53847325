"""A class's network exercises as quiz questions for a learning-management system.

    from nn.exercise import assignment
    work = assignment(["ana", "ben"], [2, 2, 1], "tanh", "half_sse", base_seed=2025)
    work.export("backprop.xml", "moodle")     # or "gift", "qti" (a .zip Canvas imports)

One numerical question per student and derivative ∂E/∂w (and ∂E/∂b); the variants of
one derivative form one category, from which a quiz draws one at random
(`autograd.teaching.exports` has the formats). The question shows that student's
network: its diagram (an SVG image in the package, when Graphviz is installed), the
weights, input, target, forward values and the loss as its formula. It is right within
the judge's tolerance for `sig_figs` significant figures, as `Assignment.grade` grades it.
"""

from __future__ import annotations

import os

from autograd import escape
from autograd.teaching.exports import Question, interval, write_quiz
from autograd.teaching.judge import Tolerance
from nn.handout import forward_html, given_html, html_name, loss_text

__all__ = ["questions", "export"]

DIAGRAM = "network.svg"


def _diagram(ex) -> bytes | None:
    """The problem's network diagram as SVG, or None without Graphviz (the text still has every number)."""
    from autograd.drawing.draw import GraphvizNotFound

    try:
        return ex.draw(solved=False, notation="bishop").pipe(format="svg")
    except GraphvizNotFound:
        return None


def question_html(ex, name: str, figures: int | None, diagram: bool) -> str:
    """The question for ∂E/∂`name` on `ex`'s network, as HTML."""
    ask = f"to {figures} significant figures" if figures else "as a decimal number"
    picture = f'<p><img src="{DIAGRAM}" alt="the network"></p>' if diagram else ""
    return (f"<p>{escape.html(ex.describe())}. Each unit computes <i>a<sub>j</sub></i> = Σ<sub>k</sub> "
            f"<i>w<sub>jk</sub> z<sub>k</sub></i> + <i>b<sub>j</sub></i>, <i>z<sub>j</sub></i> = <i>h</i>(<i>a<sub>j</sub></i>); "
            f"the error is <i>{escape.html(loss_text(ex))}</i>.</p>{picture}{given_html(ex)}{forward_html(ex)}"
            f"<p>Give ∂E/∂{html_name(name)} {ask}.</p>")


def questions(assignment, *, sig_figs: int | None = 3, rtol: float | None = None,
              diagram: bool = True) -> list[Question]:
    """Every student's every ∂E/∂parameter as a `Question` (grouped by derivative)."""
    tolerance = Tolerance.make(rtol=rtol, sig_figs=sig_figs, who="Assignment.export")
    out: dict[str, list[Question]] = {}
    for student in assignment:
        ex = assignment[student]
        svg = _diagram(ex) if diagram else None
        files = {DIAGRAM: svg} if svg else {}
        for name, engine in ex.solution().items():
            answer, width = interval(tolerance, engine)
            category = f"∂E/∂{name}"
            out.setdefault(category, []).append(Question(
                category, f"{student}: {category}", question_html(ex, name, sig_figs, bool(svg)), answer, width, files))
    return [q for group in out.values() for q in group]


def export(assignment, path: str | os.PathLike, fmt: str, *, sig_figs: int | None = 3, rtol: float | None = None,
           title: str = "deltagrad", diagram: bool = True) -> str:
    """Write the assignment as a quiz file (`fmt`: "moodle", "gift" or "qti"); returns the path."""
    return write_quiz(questions(assignment, sig_figs=sig_figs, rtol=rtol, diagram=diagram), path, fmt, title=title)
