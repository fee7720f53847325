"""Exercises on a function of your own: one variant per student, each at its own point.

    import autograd
    def E(w, b):
        return ((w * 2.0 + b).tanh() - 0.5) ** 2 * 0.5

    ex = autograd.exercise(E, ranges={"w": (-2, 2), "b": (-1, 1)}, seed=7)
    ex.at, ex.solution()          # the point ({"w": -1.5, "b": 0.5}) and ∂E/∂w, ∂E/∂b there
    ex.slips()                    # per derivative: the classic slips and the number each gives
    ex.grade({"ana": {"w": "0.21", "b": "0.1"}}, sig_figs=2)

    work = autograd.assignment(["ana", "ben"], E, {"w": (-2, 2), "b": (-1, 1)}, base_seed=2025)
    work.grade(answers, sig_figs=3)        # each student against their own point
    work.write_handouts("out")             # out/ana.html, .tex (and .pdf with pdflatex), and keys
    work.export("quiz.xml", "moodle")      # or "gift", "qti"

A point is drawn from the ranges on a grid (multiples of `step`, 0.5 unless given),
never 0, so the numbers can be worked by hand; it is drawn again until f and every
derivative are finite, no derivative is 0, no two derivatives are equal up to sign
(within 2%, so none can be copied into another and swaps show), and every slip the
slip finder knows changes its answer by at least 2% (so a slip cannot pass for a right
answer rounded to 3 figures). `at=` gives the point instead (then nothing is drawn).

The solution is the engine's (`autograd.grade` grades against it); the slips are
`autograd.teaching.slips`' — the same solution, slips, grading and exports as the
network exercises (`nn.exercise`).
"""

from __future__ import annotations

import math
import os
import random
import shutil
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping

from autograd import escape
from autograd.files import in_folder, write_atomic
from autograd.names import fmt, latex_name, latex_number, node_expression, node_names
from autograd.teaching.exports import Question, interval, write_quiz
from autograd.teaching.grade import Gradebook, grade
from autograd.teaching.handcheck import check_point, evaluate, function_name
from autograd.teaching.judge import Tolerance, rounding_spread
from autograd.teaching.latex import PDFLATEX, check_paper, latex_pdf, tex_text, unicode_declarations
from autograd.teaching.slips import Slip, SlipFinder
from autograd.graph import pull_deltas, topological_order
from autograd.value import Value

__all__ = ["exercise", "assignment", "ScalarExercise", "ScalarAssignment", "VISIBLE"]

VISIBLE = 0.02  # answers and slips differ by at least 2%: far beyond 3 significant figures
STEP = 0.5


@dataclass
class ScalarExercise:
    """f at one point, with its solution and slips (see the module doc)."""

    f: Callable[..., Value]
    at: dict[str, float]
    seed: int | None = None
    names: tuple[str, ...] = ()  # the derivatives asked: ∂f/∂name
    _solution: dict[str, float] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self.at = check_point(self.at)
        self.names = tuple(self.names) or tuple(self.at)
        root, leaves = evaluate(self.f, self.at)
        self.value = root.data
        deltas = pull_deltas(root)
        self._solution = {n: deltas.get(leaves[n], 0.0) + 0.0 for n in self.names}

    @property
    def f_name(self) -> str:
        return function_name(self.f)

    def graph(self) -> tuple[Value, dict[str, Value]]:
        """f's graph at the point: (root, {name: leaf})."""
        return evaluate(self.f, self.at)

    def solution(self) -> dict[str, float]:
        """∂f/∂name at the point, for every name asked (the engine's backward pass)."""
        return dict(self._solution)

    def slips(self) -> dict[str, list[Slip]]:
        """Per derivative, every single slip the slip finder knows and the number it gives."""
        root, _ = self.graph()
        finder = SlipFinder(root, self.f_name)
        return {n: finder.candidates(n) for n in self.names}

    def steps(self) -> list[tuple[str, str, float]]:
        """The forward pass as the lectures write it: (node name, how it is computed, value)."""
        root, _ = self.graph()
        names = node_names(root)
        return [(names[v], node_expression(v, names), v.data) for v in topological_order(root) if v.parents]

    def grade(self, answers: Mapping, *, sig_figs: int | None = None, rtol: float | None = None) -> Gradebook:
        """Grade answers {student: {name: answer}} at this point (`autograd.grade`)."""
        return grade(self.f, answers, self.at, sig_figs=sig_figs, rtol=rtol, names=self.names)

    def questions(self, student: str = "", *, sig_figs: int | None = 3, rtol: float | None = None) -> list[Question]:
        """One quiz question per derivative (see autograd.teaching.exports), right within the
        judge's interval with the rounding spread `grade` allows (`judge.rounding_spread`)."""
        tol = Tolerance.make(rtol=rtol, sig_figs=sig_figs, who="export")
        ask = f"to {sig_figs} significant figures" if sig_figs else "as a decimal number"
        root, leaves = self.graph()
        spread = rounding_spread(root, sig_figs) if sig_figs else {}  # as grade(..., sig_figs=k) measures it
        out = []
        for n, engine in self.solution().items():
            answer, width = interval(tol, engine, spread.get(leaves[n]))
            category = f"∂{self.f_name}/∂{n}"
            text = _problem_html(self) + f"<p>Give {escape.html(category)} {ask}.</p>"
            out.append(Question(category, f"{student}: {category}" if student else category, text, answer, width))
        return out

    # -- handouts
    def handout_html(self, *, solutions: bool = False, title: str | None = None) -> str:
        return handout_html(self, solutions=solutions, title=title)

    def handout_latex(self, *, solutions: bool = False, title: str | None = None, paper: str = "a4") -> str:
        return handout_latex(self, solutions=solutions, title=title, paper=paper)

    def write_handout(self, folder, stem: str = "exercise", **options) -> dict[str, str]:
        return write_handout(self, folder, stem, **options)


# ---------------------------------------------------------------------------
# Drawing a point
# ---------------------------------------------------------------------------
def _grid(rng: random.Random, low: float, high: float, step: float) -> float:
    """A random nonzero multiple of `step` in [low, high]."""
    choices = [round(n * step, 10) for n in range(math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9) + 1) if n]
    if not choices:
        raise ValueError(f"exercise: the range ({low}, {high}) holds no nonzero multiple of {step}; widen it")
    return rng.choice(choices)


def _check_ranges(ranges: Mapping) -> dict[str, tuple[float, float, float]]:
    out = {}
    if not isinstance(ranges, Mapping) or not ranges:
        raise TypeError(f"exercise: ranges must be a dict name → (low, high) or (low, high, step), got {ranges!r}")
    for name, r in ranges.items():
        try:
            low, high, *rest = (float(v) for v in r)
        except (TypeError, ValueError):
            raise ValueError(f"exercise: the range of {name!r} must be (low, high) or (low, high, step), got {r!r}") from None
        step = rest[0] if rest else STEP
        if len(rest) > 1 or not all(map(math.isfinite, (low, high, step))) or low > high or step <= 0:
            raise ValueError(f"exercise: the range of {name!r} must be (low, high[, step]) with low ≤ high "
                             f"and step > 0, got {r!r}")
        out[str(name)] = (low, high, step)
    return out


def _differ(values: list[float]) -> bool:
    sizes = sorted(abs(v) for v in values)
    return sizes[0] > 0 and all(b - a >= VISIBLE * b for a, b in zip(sizes, sizes[1:]))


def _fine(ex: ScalarExercise) -> bool:
    """Finite, no zero derivative, no two alike, every slip visible."""
    sol = ex.solution()
    if not (math.isfinite(ex.value) and all(map(math.isfinite, sol.values()))):
        return False
    if not _differ(list(sol.values())):
        return False
    for n, slips in ex.slips().items():
        right = sol[n]
        if any(abs(s.value - right) < VISIBLE * abs(right) for s in slips):
            return False
    return True


def exercise(f: Callable[..., Value], at: Mapping[str, float] | None = None, *, ranges: Mapping | None = None,
             seed: int = 0, names: Iterable[str] | None = None, max_tries: int = 2000) -> ScalarExercise:
    """An exercise on `f` (called as f(**{name: Value})): at the point `at`, or at a point
    drawn from `ranges` ({name: (low, high[, step])}) with `seed` (see the module doc).
    `names` are the derivatives asked (default: every argument)."""
    if (at is None) == (ranges is None):
        raise TypeError("exercise: give the point (at=) or the ranges to draw it from (ranges=), one of them")
    names = tuple(names) if names is not None else ()
    if at is not None:
        return ScalarExercise(f, dict(at), None, names)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"exercise: seed must be an int, got {seed!r}")
    spans = _check_ranges(ranges)
    rng = random.Random(seed)
    for _ in range(max_tries):
        point = {n: _grid(rng, *span) for n, span in spans.items()}
        try:
            ex = ScalarExercise(f, point, seed, names)
        except (ValueError, ZeroDivisionError, OverflowError, ArithmeticError):
            continue  # f is not defined there (log of a negative, a division by 0): draw again
        if _fine(ex):
            return ex
    raise ValueError(f"exercise: no point of {max_tries} drawn from {dict(ranges)} (seed {seed}) has finite, "
                     "nonzero derivatives that differ from each other and from every slip by 2%; "
                     "widen the ranges, use a finer step, or give the point with at=")


# ---------------------------------------------------------------------------
# An assignment: one point per student
# ---------------------------------------------------------------------------
def student_seed(student: str, base_seed: int = 0) -> int:
    """A seed from a student id, the same on every machine and run (CRC-32, as nn.exercise)."""
    return zlib.crc32(f"{base_seed}:{student}".encode("utf-8"))


@dataclass
class ScalarAssignment:
    """One `ScalarExercise` per student."""

    exercises: dict[str, ScalarExercise]
    base_seed: int = 0

    def __getitem__(self, student) -> ScalarExercise:
        return self.exercises[str(student)]

    def __iter__(self):
        return iter(self.exercises)

    def __len__(self) -> int:
        return len(self.exercises)

    def grade(self, answers: Mapping, *, sig_figs: int | None = None, rtol: float | None = None) -> Gradebook:
        """Each student against their own point; one gradebook for the class."""
        by_id = {str(k): v for k, v in answers.items()}
        unknown = [s for s in by_id if s not in self.exercises]
        if unknown:
            raise KeyError(f"ScalarAssignment.grade: no exercise for student(s) {', '.join(map(repr, unknown))}")
        return Gradebook.merge(ex.grade({s: by_id.get(s)}, sig_figs=sig_figs, rtol=rtol)
                               for s, ex in self.exercises.items())

    def questions(self, *, sig_figs: int | None = 3, rtol: float | None = None) -> list[Question]:
        groups: dict[str, list[Question]] = {}
        for s, ex in self.exercises.items():
            for q in ex.questions(s, sig_figs=sig_figs, rtol=rtol):
                groups.setdefault(q.category, []).append(q)
        return [q for group in groups.values() for q in group]

    def export(self, path, fmt: str, *, sig_figs: int | None = 3, rtol: float | None = None,
               title: str = "deltagrad") -> str:
        """The assignment as a quiz file: "moodle", "gift" or "qti" (autograd.teaching.exports)."""
        return write_quiz(self.questions(sig_figs=sig_figs, rtol=rtol), path, fmt, title=title)

    def write_handouts(self, folder, *, title: str = "Derivatives by hand", paper: str = "a4",
                       pdf: bool | None = None) -> dict[str, dict[str, str]]:
        """Per student <id>.html and <id>.tex (no answers), <id>-key.html and <id>-key.tex,
        and PDFs of both when `pdf` (default: when pdflatex is installed)."""
        return {s: write_handout(ex, folder, s, title=f"{title} ({s})", paper=paper, pdf=pdf)
                for s, ex in self.exercises.items()}


def assignment(students: Iterable, f: Callable[..., Value], ranges: Mapping, *, base_seed: int = 0,
               names: Iterable[str] | None = None) -> ScalarAssignment:
    """A `ScalarAssignment`: `exercise(f, ranges=ranges, seed=student_seed(s, base_seed))` per student."""
    names = tuple(names) if names is not None else None
    return ScalarAssignment({str(s): exercise(f, ranges=ranges, seed=student_seed(str(s), base_seed), names=names)
                             for s in students}, base_seed)


# ---------------------------------------------------------------------------
# Handouts
# ---------------------------------------------------------------------------
def _problem_html(ex: ScalarExercise) -> str:
    point = ", ".join(f"<i>{escape.html(n)}</i> = {fmt(v)}" for n, v in ex.at.items())
    rows = "".join(f"<tr><td>{escape.html(n)}</td><td>{escape.html(expr)}</td><td>{fmt(v)}</td></tr>"
                   for n, expr, v in ex.steps())
    return (f"<p>{escape.html(ex.f_name)} is computed at {point} as:</p>"
            f"<table class='values'><tr><th>node</th><th>is</th><th>value</th></tr>{rows}</table>")


def graph_svg(ex: ScalarExercise) -> str:
    """f's graph at the point, forward values only (no gradient), as inline SVG; a note
    when Graphviz is missing (the table of nodes still has every number)."""
    from autograd.drawing.draw import GraphvizNotFound, draw
    from autograd.teaching.steps import clean_svg

    root, _ = ex.graph()
    try:
        return clean_svg(draw(root, show_grad=False).pipe(format="svg").decode("utf-8"))
    except GraphvizNotFound:
        return "<p><i>(the graph needs Graphviz's dot: see docs/install.md)</i></p>"


def handout_html(ex: ScalarExercise, *, solutions: bool = False, title: str | None = None) -> str:
    """The exercise as an HTML page with f's graph; the students' copy (solutions=False) holds no answer."""
    title = title or f"Derivatives by hand (exercise {ex.seed})"
    blanks = "".join(f"<tr><td>∂{escape.html(ex.f_name)}/∂{escape.html(n)}</td><td class='answer'></td></tr>"
                     for n in ex.names)
    body = (f"<section><h1>{escape.html(title)}</h1>{_problem_html(ex)}<div class='diagram'>{graph_svg(ex)}</div>"
            "<h2>Your answers</h2>"
            f"<table class='answers'>{blanks}</table></section>")
    if solutions:
        slips = ex.slips()
        rows = "".join(
            f"<tr><td>∂{escape.html(ex.f_name)}/∂{escape.html(n)}</td><td>{fmt(v)}</td><td>"
            + "<br>".join(f"{fmt(s.value)}: {escape.html(s.kind)}" for s in slips[n]) + "</td></tr>"
            for n, v in ex.solution().items())
        body += ("<section class='solutions'><h1>Solutions</h1><table class='answers'>"
                 f"<tr><th>derivative</th><th>answer</th><th>the slips' answers</th></tr>{rows}</table></section>")
    return (f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>{escape.html(title)}</title>"
            "<style>body{font-family:serif;margin:2em;max-width:48em}table{border-collapse:collapse;"
            "break-inside:avoid}th,td{border:1px solid #999;padding:.25em .7em}td.answer{min-width:10em;height:1.6em}"
            "section.solutions{break-before:page}.diagram svg{max-width:100%;height:auto}</style></head>"
            f"<body>{body}</body></html>\n")


def _tex_expr(expr: str) -> str:
    return escape.tex(expr).replace("·", r"$\cdot$").replace("−", "-")


def handout_latex(ex: ScalarExercise, *, solutions: bool = False, title: str | None = None, paper: str = "a4") -> str:
    """The exercise as a LaTeX document on `paper` ("a4" or "letter"); the students' copy
    holds no answer (no solution section at all)."""
    name, _, _ = check_paper(paper)
    title = title or f"Derivatives by hand (exercise {ex.seed})"
    f = tex_text(ex.f_name)
    point = ", ".join(f"${latex_name(n)} = {latex_number(v)}$" for n, v in ex.at.items())
    rows = "\n".join(rf"{tex_text(n)} & {tex_text(expr)} & ${latex_number(v)}$ \\" for n, expr, v in ex.steps())
    blanks = "\n".join(rf"$\partial {f}/\partial {latex_name(n)}$ & \rule{{0pt}}{{1.3em}} \\ \hline" for n in ex.names)
    body = rf"""\section*{{{escape.tex(title)}}}
{f} is computed at {point} as:

\begin{{tabular}}{{lll}}
node & is & value \\ \hline
{rows}
\end{{tabular}}

\subsection*{{Your answers}}
\begin{{tabular}}{{|l|p{{4cm}}|}}
\hline
{blanks}
\end{{tabular}}
"""
    if solutions:
        slips = ex.slips()
        filled = "\n".join(
            rf"$\partial {f}/\partial {latex_name(n)}$ & ${latex_number(v)}$ & "
            + "; ".join(f"${latex_number(s.value)}$: {tex_text(s.kind)}" for s in slips[n][:4]) + r" \\"
            for n, v in ex.solution().items())
        body += rf"""
\newpage
\section*{{Solutions}}
\begin{{tabular}}{{llp{{9cm}}}}
derivative & answer & the slips' answers \\ \hline
{filled}
\end{{tabular}}
"""
    return (rf"""\documentclass[11pt]{{article}}
\usepackage[utf8]{{inputenc}}
{unicode_declarations()}
\usepackage[{name}, margin=2cm]{{geometry}}
\usepackage{{amsmath}}
\pagestyle{{empty}}
\setlength{{\parindent}}{{0pt}}
\begin{{document}}
""" + body + "\\end{document}\n")


def _target(folder: Path, stem: str, suffix: str) -> Path:
    """folder/<stem><suffix>; the stem is a plain file name, so nothing is written outside the folder."""
    return in_folder(folder, stem, suffix, who="write_handout")


def write_handout(ex: ScalarExercise, folder, stem: str, *, title: str | None = None, paper: str = "a4",
                  pdf: bool | None = None) -> dict[str, str]:
    """<stem>.html/.tex (the students' copy) and <stem>-key.html/.tex (with the solutions and
    slips) in `folder`, and their PDFs when `pdf` (default: when pdflatex is installed)."""
    folder = Path(folder)
    if pdf is None:
        pdf = shutil.which(PDFLATEX) is not None
    out = {}
    for key, solutions in (("", False), ("-key", True)):
        html = handout_html(ex, solutions=solutions, title=title)
        tex = handout_latex(ex, solutions=solutions, title=title, paper=paper)
        out[f"html{key}"] = os.fspath(write_atomic(_target(folder, stem + key, ".html"), html, who="write_handout"))
        out[f"tex{key}"] = os.fspath(write_atomic(_target(folder, stem + key, ".tex"), tex, who="write_handout"))
        if pdf:
            out[f"pdf{key}"] = latex_pdf(tex, _target(folder, stem + key, ".pdf"), who="write_handout")
    return out
