"""A class's network exercises as quiz questions for a learning-management system.

    from nn.exercise import assignment
    work = assignment(["ana", "ben"], [2, 2, 1], "tanh", "half_sse", base_seed=2025)
    work.export("backprop.xml", "moodle")     # or "gift", "qti" (a .zip Canvas imports)

One numerical question per student and derivative ∂E/∂w (and ∂E/∂b); the variants of
one derivative form one category, from which a quiz draws one at random
(`autograd.teaching.exports` has the formats). The question shows that student's
network: its diagram (an SVG image in the package, when Graphviz is installed), the
weights, input, target, forward values and the loss as its formula. It is right within
the judge's tolerance for `sig_figs` significant figures, as `Assignment.grade` grades it:
the engine's value ± (the range a right method with rounded intermediates lands in, from
`Exercise.spreads`, + half a unit in the last figure).

GIFT is one text file: it has no place for an image file (docs.moodle.org, "GIFT format":
question text is plain, Markdown or HTML, and an HTML image is a link). So a GIFT export
carries the diagram only as a link: `image_url="https://.../backprop-images"` writes each
student's diagram into the folder `<file>-images/` beside the .gift file, to be put at that
address, and links it from the question; without `image_url` the GIFT questions are text
(every number of the diagram is in their tables). Moodle XML and QTI carry the SVG inside.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

from autograd import escape
from autograd.files import in_folder, write_atomic
from autograd.teaching.exports import Question, interval, write_quiz
from autograd.teaching.judge import Tolerance
from nn.handout import forward_html, given_html, html_name, loss_text

__all__ = ["questions", "export", "image_folder"]

DIAGRAM = "network.svg"


def _diagram(ex) -> bytes | None:
    """The problem's network diagram as SVG, or None without Graphviz (the text still has every number)."""
    from autograd.drawing.draw import GraphvizNotFound

    try:
        return ex.draw(solved=False, notation="bishop").pipe(format="svg")
    except GraphvizNotFound:
        return None


def question_html(ex, name: str, figures: int | None, diagram: bool, src: str = DIAGRAM,
                  intermediates: int | None = None) -> str:
    """The question for ∂E/∂`name` on `ex`'s network, as HTML (`src`: where its diagram is)."""
    ask = f"to {figures} significant figures" if figures else "as a decimal number"
    if intermediates:
        ask += f", keeping {intermediates} significant figures in every intermediate result"
    picture = f'<p><img src="{escape.html(src)}" alt="the network"></p>' if diagram else ""
    return (f"<p>{escape.html(ex.describe())}. Each unit computes <i>a<sub>j</sub></i> = Σ<sub>k</sub> "
            f"<i>w<sub>jk</sub> z<sub>k</sub></i> + <i>b<sub>j</sub></i>, <i>z<sub>j</sub></i> = <i>h</i>(<i>a<sub>j</sub></i>); "
            f"the error is <i>{escape.html(loss_text(ex))}</i>.</p>{picture}{given_html(ex)}{forward_html(ex)}"
            f"<p>Give ∂E/∂{html_name(name)} {ask}.</p>")


def questions(assignment, *, sig_figs: int | None = 3, rtol: float | None = None,
              diagram: bool = True, image_url: str | None = None, intermediates: int | None = None) -> list[Question]:
    """Every student's every ∂E/∂parameter as a `Question` (grouped by derivative), right
    within the judge's interval with the spread `Assignment.grade` uses. The diagram is a
    file of the question (`DIAGRAM`), or with `image_url` a link to <image_url>/<student>.svg
    and no file (GIFT's way). `intermediates`: the figures students keep along the way, as
    `Assignment.grade(intermediates=)` takes it (a sheet above hand size keeps its answers
    apart at 4, `nn.exercise.distinct_figures`); the question says so."""
    tolerance = Tolerance.make(rtol=rtol, sig_figs=sig_figs, who="Assignment.export")
    out: dict[str, list[Question]] = {}
    for student in assignment:
        ex = assignment[student]
        svg = _diagram(ex) if diagram else None
        if image_url is None:
            files, src = ({DIAGRAM: svg} if svg else {}), DIAGRAM
        else:
            files, src = {}, f"{image_url.rstrip('/')}/{quote(student, safe='')}.svg"
        spread = ex.spreads(sig_figs, intermediates) or {}
        for name, engine in ex.solution().items():
            answer, width = interval(tolerance, engine, spread.get(name))
            category = f"∂E/∂{name}"
            out.setdefault(category, []).append(Question(
                category, f"{student}: {category}", question_html(ex, name, sig_figs, bool(svg), src, intermediates), answer, width,
                files))
    return [q for group in out.values() for q in group]


def image_folder(path: str | os.PathLike) -> Path:
    """Where a GIFT export with `image_url` writes the diagrams: <file>-images/ beside it."""
    path = Path(path)
    return path.with_name(path.stem + "-images")


def export(assignment, path: str | os.PathLike, fmt: str, *, sig_figs: int | None = 3, rtol: float | None = None,
           title: str = "deltagrad", diagram: bool = True, image_url: str | None = None,
           intermediates: int | None = None) -> str:
    """Write the assignment as a quiz file (`fmt`: "moodle", "gift" or "qti"); returns the path.
    GIFT carries no file: its diagram is a link to `image_url` (see the module doc), or none."""
    if image_url is not None:
        if fmt != "gift":
            raise ValueError(f"Assignment.export: image_url= is for GIFT, which cannot carry an image; "
                             f"{fmt!r} carries the diagram inside the file (leave image_url out)")
        if not isinstance(image_url, str) or not image_url.startswith(("https://", "http://")) or \
                any(c in image_url for c in '"<> \n'):
            raise ValueError("Assignment.export: image_url must be the http(s) address the diagrams will be "
                             f"put at, e.g. 'https://example.org/backprop-images'; got {image_url!r}")
    gift_link = fmt == "gift" and diagram and image_url is not None
    qs = questions(assignment, sig_figs=sig_figs, rtol=rtol, intermediates=intermediates,
                   diagram=diagram and (fmt != "gift" or gift_link),
                   image_url=image_url if gift_link else None)
    if gift_link:  # the diagrams, to be put at image_url: one SVG per student
        folder = image_folder(path)
        names = {s: in_folder(folder, s, ".svg", who="Assignment.export") for s in assignment}  # checked first
        folder.mkdir(exist_ok=True)
        for s, target in names.items():
            svg = _diagram(assignment[s])
            if svg:
                write_atomic(target, svg, who="Assignment.export")
    return write_quiz(qs, path, fmt, title=title)
