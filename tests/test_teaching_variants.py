"""Exercises on a function of one's own (autograd.exercise / autograd.assignment): points
drawn on a grid from the ranges, the engine's solution, the slips, the same grading,
handouts that give nothing away and exports, as for the network exercises."""

import os
import re
import shutil

import pytest

import autograd
from autograd.teaching.exports import read_quiz
from autograd.teaching.judge import Tolerance
from autograd.teaching.variants import ScalarExercise


def E(w, b):
    return ((w * 2.0 + b).tanh() - 0.5) ** 2 * 0.5


def F(x, y, z):
    return (x * y + z.sin()) * (x - z).exp()


RANGES = {"w": (-2, 2), "b": (-1, 1)}


def test_point_on_the_grid_from_the_ranges_and_reproducible():
    for seed in range(30):
        ex = autograd.exercise(E, ranges=RANGES, seed=seed)
        assert ex.at == autograd.exercise(E, ranges=RANGES, seed=seed).at
        for n, (low, high) in RANGES.items():
            v = ex.at[n]
            assert low <= v <= high and v != 0 and abs(2 * v - round(2 * v)) < 1e-12  # multiples of 0.5
    fine = autograd.exercise(F, ranges={"x": (-1, 1, 0.25), "y": (-2, 2), "z": (0, 1, 0.1)}, seed=3)
    assert all(abs(v / s - round(v / s)) < 1e-9 for v, s in zip(fine.at.values(), (0.25, 0.5, 0.1)))


@pytest.mark.parametrize("seed", range(10))
def test_solution_is_the_engines_and_central_differences(seed):
    ex = autograd.exercise(F, ranges={"x": (-1, 1, 0.25), "y": (-2, 2), "z": (0, 1, 0.1)}, seed=seed)
    sol = ex.solution()
    for n in ex.at:
        def g(v, n=n):
            return F(**{**{k: autograd.Value(x) for k, x in ex.at.items()}, n: autograd.Value(v)}).data
        h = 1e-6
        assert sol[n] == pytest.approx((g(ex.at[n] + h) - g(ex.at[n] - h)) / (2 * h), rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("seed", range(40))
def test_answers_differ_and_every_slip_shows(seed):
    ex = autograd.exercise(F, ranges={"x": (-1, 1, 0.25), "y": (-2, 2), "z": (0, 1, 0.1)}, seed=seed)
    values = sorted(abs(v) for v in ex.solution().values())
    assert values[0] > 0 and all(b - a >= 0.02 * b for a, b in zip(values, values[1:]))
    for n, slips in ex.slips().items():
        assert slips  # the slip finder names at least the sign
        right = ex.solution()[n]
        assert all(abs(s.value - right) >= 0.02 * abs(right) for s in slips)


def test_the_same_grading_path_as_autograd_grade():
    ex = autograd.exercise(E, ranges=RANGES, seed=7)
    right = {n: f"{v:.3g}" for n, v in ex.solution().items()}
    slipped = {n: f"{s[0].value:.3g}" for n, s in ex.slips().items()}  # the first slip of each
    book = ex.grade({"ana": right, "ben": slipped}, sig_figs=3)
    same = autograd.grade(E, {"ana": right, "ben": slipped}, ex.at, sig_figs=3)
    assert book.scores() == same.scores() == {"ana": 1.0, "ben": 0.0}
    assert {book.slip("ben", n).kind for n in ex.names} == {s[0].kind for s in ex.slips().values()}


def test_assignment_each_student_their_own_point():
    work = autograd.assignment([f"s{k}" for k in range(20)], E, RANGES, base_seed=2025)
    assert len({tuple(work[s].at.values()) for s in work}) > 5  # the points differ
    answers = {s: {n: repr(v) for n, v in work[s].solution().items()} for s in work}
    answers["s0"] = {n: repr(v) for n, v in work["s1"].solution().items()}  # s0 copies s1
    book = work.grade(answers, sig_figs=3)
    assert book.score("s1") == 1.0 and (work["s0"].at == work["s1"].at or book.score("s0") < 1.0)
    with pytest.raises(KeyError, match="no exercise for student"):
        work.grade({"nobody": {}})


def test_point_given_and_bad_ranges_refused():
    ex = autograd.exercise(E, at={"w": -3.0, "b": 6.88})
    assert isinstance(ex, ScalarExercise) and ex.at == {"w": -3.0, "b": 6.88}
    with pytest.raises(TypeError, match="one of them"):
        autograd.exercise(E)
    with pytest.raises(ValueError, match="range of 'w'"):
        autograd.exercise(E, ranges={"w": (2, -2), "b": (-1, 1)})
    with pytest.raises(ValueError, match="no nonzero multiple"):
        autograd.exercise(E, ranges={"w": (0.1, 0.2), "b": (-1, 1)})
    with pytest.raises(ValueError, match="no point of"):  # ∂/∂w = ∂/∂b always: their answers can never differ
        autograd.exercise(lambda w, b: (w + b).tanh(), ranges=RANGES, max_tries=50)


def test_handouts_hold_no_answer_and_the_key_holds_the_slips(tmp_path):
    ex = autograd.exercise(F, ranges={"x": (-1, 1, 0.25), "y": (-2, 2), "z": (0, 1, 0.1)}, seed=1)
    student_tex, student_html = ex.handout_latex(title="jane_doe {x}"), ex.handout_html()
    for v in ex.solution().values():
        for k in (3, 4):
            printed = f"{float(f'{v:.{k - 1}e}'):g}"
            assert printed not in student_tex and printed not in student_html
    key = ex.handout_latex(solutions=True)
    assert "Solutions" in key and all(s.kind.replace("_", r"\_") in key for s in ex.slips()["x"][:4])
    assert r"\section*{jane\_doe \{x\}}" in student_tex
    with pytest.raises(ValueError, match="plain file name"):
        ex.write_handout(tmp_path, "../out", pdf=False)
    written = ex.write_handout(tmp_path, "s1", pdf=False)
    assert sorted(os.listdir(tmp_path)) == ["s1-key.html", "s1-key.tex", "s1.html", "s1.tex"] and len(written) == 4


@pytest.mark.skipif(shutil.which("pdflatex") is None,
                    reason="pdflatex not installed (make system-deps as root on Debian): no PDF to compile")
def test_handout_pdfs_compile(tmp_path):
    work = autograd.assignment(["ana", "ben"], E, RANGES)
    out = work.write_handouts(tmp_path, paper="letter")
    assert all(open(f["pdf"], "rb").read(4) == b"%PDF" and open(f["pdf-key"], "rb").read(4) == b"%PDF"
               for f in out.values())


@pytest.mark.parametrize("fmt", ["moodle", "gift", "qti"])
def test_export_round_trip_with_the_judges_interval(tmp_path, fmt):
    work = autograd.assignment(["ana", "ben"], E, RANGES, base_seed=1)
    back = read_quiz(work.export(tmp_path / "q", fmt, sig_figs=3), fmt)
    assert len(back) == 4 and {q.category for q in back} == {"∂E/∂w", "∂E/∂b"}
    tol = Tolerance.make(sig_figs=3)
    for q in back:
        student, category = q.name.split(": ")
        engine = work[student].solution()[category.split("∂")[-1]]
        assert tol.agrees(q.answer, engine)
        assert re.search(r"<i>w</i> = -?\d", q.text.replace("−", "-"))  # the student's own point
    # the interval is what grade accepts: its edges right, a little beyond them wrong
    for factor, score in ((0.99, 1.0), (-0.99, 1.0), (1.01, 0.0), (-1.01, 0.0)):
        answers = {}
        for q in back:
            student, category = q.name.split(": ")
            answers.setdefault(student, {})[category.split("∂")[-1]] = repr(q.answer + factor * q.tolerance)
        book = work.grade(answers, sig_figs=3)
        assert [book.score(s) for s in answers] == [score] * len(answers), factor


def test_the_students_page_draws_the_graph_without_gradients():
    from support import needs_dot

    ex = autograd.exercise(E, ranges=RANGES, seed=7)
    page = ex.handout_html()
    if "<svg" not in page:
        needs_dot(lambda: None)()  # skips with the reason when Graphviz is missing
    svg = re.search(r"<svg.*</svg>", page, re.S).group(0)
    texts = re.findall(r"<text[^>]*>([^<]*)<", svg)
    assert "data 1.000" in texts or any(t.startswith("data ") for t in texts)  # forward values shown
    assert not any("grad" in t for t in texts)  # no derivative in the students' drawing
