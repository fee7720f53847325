"""Grading a class: the tolerance rules (rtol/atol and significant figures), every
kind of bad answer becomes a verdict and never an exception, the gradebook's API,
CSV out and back in, and hand_check's table (names, no −0, random points)."""

from __future__ import annotations

import csv
import math
import os
import re

import pytest
from support import docs_text
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Value, grade, hand_check
from autograd.teaching.grade import Gradebook, parse_answer, read_answers
from autograd.teaching.judge import Tolerance


def E(w, b, x):
    """One tanh unit with squared error: E = ½(tanh(w·x + b) − 0.5)²."""
    return ((w * x + b).tanh() - 0.5) ** 2 * 0.5


AT = {"w": -0.5, "b": 0.5, "x": 2.0}
_z = math.tanh(-0.5 * 2 + 0.5)
RIGHT = {"w": (_z - 0.5) * (1 - _z ** 2) * 2.0, "b": (_z - 0.5) * (1 - _z ** 2), "x": (_z - 0.5) * (1 - _z ** 2) * -0.5}


# -- tolerance ---------------------------------------------------------------
def _rounded(x: float, k: int) -> float:
    return float(f"{x:.{k - 1}e}")


def _ulp(x: float, k: int) -> float:
    return 10.0 ** (math.floor(math.log10(abs(_rounded(x, k)))) - k + 1)


engine_values = st.floats(1e-6, 1e6).flatmap(lambda m: st.sampled_from([m, -m]))


@given(engine_values, st.integers(1, 8))
def test_sig_figs_rounded_and_one_unit_off_are_right(engine, k):
    tol = Tolerance.make(sig_figs=k)
    r, u = _rounded(engine, k), _ulp(engine, k)
    assert tol.agrees(r, engine)
    assert tol.agrees(r + u, engine) and tol.agrees(r - u, engine)
    assert tol.agrees(engine, engine)  # more digits than asked for: still right


@given(engine_values, st.integers(1, 8), st.sampled_from([-1, 1]), st.floats(2.5, 50))
def test_sig_figs_two_units_off_are_wrong(engine, k, sign, units):
    tol = Tolerance.make(sig_figs=k, atol=0.0)
    assert not tol.agrees(_rounded(engine, k) + sign * units * _ulp(engine, k), engine)


def test_four_significant_figures_score_full_marks_only_with_sig_figs():
    # the complaint: answers rounded to 4 figures were marked wrong by rtol = 1e-4
    answers = {"ana": {n: f"{v:.4g}" for n, v in RIGHT.items()}}
    assert grade(E, answers, AT, sig_figs=4).score("ana") == 1.0
    strict = grade(E, answers, AT, rtol=1e-7, atol=0.0)
    assert strict.score("ana") < 1.0
    for n, v in RIGHT.items():
        assert Tolerance.make(sig_figs=4).agrees(float(f"{v:.4g}"), v)


def test_rtol_and_atol_rule():
    tol = Tolerance.make(rtol=0.01, atol=0.0)
    assert tol.agrees(1.0099, 1.0) and not tol.agrees(1.0101, 1.0)
    assert Tolerance.make(rtol=0.0, atol=0.5).agrees(0.4, 0.0)
    assert not Tolerance().agrees(math.nan, 1.0) and not Tolerance().agrees(math.inf, math.inf)
    assert Tolerance.make(sig_figs=3).agrees(0.0, 1e-17)  # a rounding error away from 0 is 0


@pytest.mark.parametrize("kwargs,match", [
    ({"sig_figs": 3, "rtol": 1e-3}, "not both"),
    ({"sig_figs": 0}, "sig_figs must be a whole number from 1"),
    ({"sig_figs": 2.5}, "sig_figs must be"),
    ({"sig_figs": True}, "sig_figs must be"),
    ({"rtol": -1.0}, "rtol must be a number ≥ 0"),
    ({"atol": math.nan}, "atol must be"),
])
def test_bad_tolerances_are_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        grade(E, {"ana": {"w": 1}}, AT, **kwargs)
    with pytest.raises(ValueError, match=match):
        hand_check(E, {"w": 1.0}, AT, **kwargs)


# -- bad answers ---------------------------------------------------------------
@pytest.mark.parametrize("text,value", [
    ("1.473", 1.473), ("-0.2", -0.2), ("−3/4", -0.75), ("– 0.5", -0.5), ("(−0.2)", -0.2), ("0,25", 0.25),
    ("3e-2", 0.03), (".5", 0.5), ("+1", 1.0), ("  7  ", 7.0), ("1/-4", -0.25), ("−1.5E+1", -15.0),
    (2, 2.0), (-0.125, -0.125), (Value(0.5), 0.5),
])
def test_answers_that_are_numbers(text, value):
    assert parse_answer(text) == (pytest.approx(value), "ok")


@pytest.mark.parametrize("answer,status", [
    (None, "missing"), ("", "missing"), ("   ", "missing"), (math.nan, "missing"),
    ("abc", "unreadable"), ("1/0", "unreadable"), ("inf", "unreadable"), ("nan", "unreadable"),
    ("1e999", "unreadable"), (math.inf, "unreadable"), (True, "unreadable"), ([1.0], "unreadable"),
    ({"w": 1}, "unreadable"), (object(), "unreadable"), (b"\xff", "unreadable"), ("1_000", "unreadable"),
    ("2+3", "unreadable"), ("__import__('os').system('true')", "unreadable"), ("0.5" * 40, "unreadable"),
    ("1,000,000", "unreadable"), ("3/4/5", "unreadable"), ("0x10", "unreadable"), ("½", "unreadable"),
])
def test_bad_answers_are_verdicts_not_exceptions(answer, status):
    assert parse_answer(answer) == (None, status)
    book = grade(E, {"ana": {"w": answer, "b": RIGHT["b"]}}, AT)
    assert book.verdict("ana", "w") == status
    assert book.slip("ana", "w") is None
    assert book.score("ana") == 0.5
    str(book), book._repr_html_(), repr(book)  # showing it never raises either


def test_students_without_some_answers_or_any_answers():
    answers = {"ana": {"w": RIGHT["w"]}, "ben": {}, "cy": None, 7: {"b": str(RIGHT["b"])}}
    book = grade(E, answers, AT, names=["w", "b", "x"])
    assert book.students == ("ana", "ben", "cy", "7")
    assert [book.verdict("ana", n) for n in ("w", "b", "x")] == ["right", "missing", "missing"]
    assert book.score("ben") == 0.0 and book.score("cy") == 0.0
    assert book.score(7) == pytest.approx(1 / 3)
    assert book.counts() == {"right": 2, "carried": 0, "wrong": 0, "missing": 10, "unreadable": 0}


def test_instructor_mistakes_raise_at_once():
    with pytest.raises(ValueError, match="answers name 'v'"):
        grade(E, {"ana": {"v": 1}}, AT)
    with pytest.raises(ValueError, match="names 'q' are nothing to grade"):
        grade(E, {"ana": {"w": 1}}, AT, names=["q"])
    with pytest.raises(TypeError, match="the answers of student 'ana' must be a dict"):
        grade(E, {"ana": [1, 2]}, AT)
    with pytest.raises(TypeError, match="f must be a function"):
        grade(3, {"ana": {"w": 1}}, AT)
    book = grade(E, {"ana": {"w": 1}}, AT)
    with pytest.raises(KeyError, match="no student 'zed'"):
        book.verdict("zed", "w")
    with pytest.raises(KeyError, match="no derivative 'b'"):
        book.verdict("ana", "b")


# -- the gradebook ---------------------------------------------------------------
def _class():
    forgot_h = {"w": (_z - 0.5) * 2.0, "b": (_z - 0.5), "x": (_z - 0.5) * -0.5}
    return {
        "ana": {n: f"{v:.4g}" for n, v in RIGHT.items()},
        "ben": {n: f"{-v:.4g}".replace("-", "−") for n, v in RIGHT.items()},
        "cy": {n: round(v, 4) for n, v in forgot_h.items()},
        "dee": {"w": "0.123", "b": None, "x": "n/a"},
    }


def test_verdicts_scores_and_slips_of_a_small_class():
    book = grade(E, _class(), AT, sig_figs=4)
    assert book.scores() == {"ana": 1.0, "ben": 0.0, "cy": 0.0, "dee": 0.0}
    assert {book.slip("ben", n).kind for n in RIGHT} == {"sign"}
    assert {book.slip("cy", n).kind for n in RIGHT} == {"missing_local"}
    assert book.verdict("dee", "w") == "wrong" and book.slip("dee", "w") is None
    assert [book.verdict("dee", n) for n in ("b", "x")] == ["missing", "unreadable"]
    assert book.slip_counts() == {"sign": 3, "missing_local": 3}
    text = book.table()
    assert "WRONG: sign" in text and "∂E/∂w" in text and "took ∂" in text
    page = book._repr_html_()
    assert page.count("<tr>") == 1 + 4 and "WRONG: missing_local" in page


def test_merge_needs_the_same_derivatives_and_tolerance():
    a = grade(E, {"ana": _class()["ana"]}, AT, sig_figs=4)
    b = grade(E, {"ben": _class()["ben"]}, AT, sig_figs=4)
    merged = Gradebook.merge([a, b])
    assert merged.students == ("ana", "ben") and merged.score("ana") == 1.0
    with pytest.raises(ValueError, match="different tolerances"):
        Gradebook.merge([a, grade(E, {"cy": _class()["cy"]}, AT)])


def test_csv_written_atomically_and_read_back_gives_the_same_verdicts(tmp_path):
    book = grade(E, _class(), AT, sig_figs=4)
    path = book.to_csv(tmp_path / "marks.csv")
    assert sorted(os.listdir(tmp_path)) == ["marks.csv"]
    again = grade(E, read_answers(path), AT, sig_figs=4, names=book.names)
    for s in book.students:
        for n in book.names:
            assert again.verdict(s, n) == book.verdict(s, n), (s, n)
    assert again.scores() == book.scores()
    with pytest.raises(FileNotFoundError, match="does not exist"):
        book.to_csv(tmp_path / "no" / "marks.csv")


FORMULAS = ["=1+41", '=HYPERLINK("http://example.com","click")', "@SUM(A1:A2)", "+1+1", "-1+2", "\t=1", "\r=1", "'=1"]


def test_csv_cells_are_never_formulas_and_read_back_as_given(tmp_path):
    # OWASP CSV injection: a cell starting = + - @ tab CR is a formula to a spreadsheet.
    answers = {"=2*21": {"w": FORMULAS[0], "b": FORMULAS[1], "x": "-0.5"}}
    answers.update({f"s{i}": {"w": text, "b": "1\r\n2", "x": -0.25} for i, text in enumerate(FORMULAS)})
    book = grade(E, answers, AT, sig_figs=4)
    path = book.to_csv(tmp_path / "marks.csv")
    with open(path, newline="", encoding="utf-8") as f:
        cells = [c for row in csv.reader(f) for c in row]
    numbers = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
    assert cells and not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r")) and not numbers.fullmatch(c)]
    assert "-0.5" in cells and "-0.25" in cells  # numbers stay numbers
    again = read_answers(path)
    assert again == {s: {n: str(v) for n, v in given.items()} for s, given in answers.items()}


def test_answers_straight_from_a_spreadsheet_csv(tmp_path):
    sheet = tmp_path / "answers.csv"
    # a byte-order mark, a unicode minus, a fraction, an empty cell, a short row
    sheet.write_text("\ufeffid,w,b,x\n"
                     f"ana,{RIGHT['w']:.5f},{RIGHT['b']:.5f},{RIGHT['x']:.5f}\n"
                     "ben,−1/4,,0.1\n"
                     "cy,0.1\n"
                     ",,,\n", encoding="utf-8")
    book = grade(E, sheet, AT, sig_figs=3)
    assert book.students == ("ana", "ben", "cy")
    assert book.score("ana") == 1.0
    assert book.verdict("ben", "b") == "missing" and book.verdict("cy", "x") == "missing"
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ValueError, match="is empty"):
        read_answers(empty)


def test_thirty_students_by_ten_derivatives_gives_three_hundred_marks():
    def F(**p):
        return Value.sum([(p[f"w{i}"] * (i + 1.0)).tanh() for i in range(10)]) ** 2

    at = {f"w{i}": 0.1 * (i - 5) for i in range(10)}
    answers = {f"s{k:02d}": {n: (k * 0.01 if k % 3 else None) for n in at} for k in range(30)}
    book = grade(F, answers, at)
    assert len(book.marks) == 300 and len(book.students) == 30 and book.names == tuple(at)


# -- hand_check's table --------------------------------------------------------------
def test_hand_check_names_rows_after_the_function_and_shows_no_minus_zero():
    report = hand_check(E, {"w": -0.0, "b": RIGHT["b"]}, {"w": 0.0, "b": -0.0, "x": 0.0}, sig_figs=3)
    text = str(report)
    assert "∂E/∂w" in text and "∂f/∂" not in text
    assert "-0 " not in text and not any(tok == "-0" for tok in text.split())
    assert "3 significant figures" in text
    assert "tried 0 random points" in text
    lam = hand_check(lambda w, b, x: E(w, b, x), {"w": RIGHT["w"], "b": lambda w, b, x: (math.tanh(w * x + b) - 0.5) * (1 - math.tanh(w * x + b) ** 2)}, AT,
                     n_random=4)
    assert "∂f/∂w" in str(lam) and "tried 4 random points" in str(lam) and lam.ok


def test_hand_check_sig_figs_accepts_rounded_claims():
    claims = {n: float(f"{v:.3g}") for n, v in RIGHT.items()}
    assert not hand_check(E, claims, AT).ok  # the default rtol 1e-4 is stricter than 3 figures
    assert hand_check(E, claims, AT, sig_figs=3).ok
    assert hand_check(E, claims, AT, rtol=1e-2).ok


def test_grade_is_exported_from_autograd():
    assert autograd.grade is grade and callable(autograd.grade)


def test_readme_instructor_example_prints_what_it_says(tmp_path, monkeypatch):
    import contextlib
    import io
    import re
    from pathlib import Path

    readme = docs_text()
    block = next(b for b in re.findall(r"```python\n(.*?)```", readme, flags=re.S) if "ex.grade(" in b)
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "README.md", "exec"), {})  # the README's own code
    expected = [m.group(1) for m in re.finditer(r"^print\(.*\)\s+# (.*)$", block, flags=re.M)]
    assert out.getvalue().splitlines() == expected
    assert (tmp_path / "marks.csv").exists()


def test_sig_figs_with_an_engine_value_of_zero():
    tol = Tolerance.make(sig_figs=3)
    assert tol.agrees(0.0, 0.0) and tol.agrees(5e-7, 0.0)
    assert not tol.agrees(0.5, 0.0) and not tol.agrees(-0.001, 0.0)


def test_function_name_is_the_name_a_function_was_defined_with():
    from autograd.teaching.expr import function
    from autograd.teaching.handcheck import function_name

    def E(w):
        return w

    assert function_name(E) == "E" and function_name(lambda w: w) == "f"
    assert function_name(function("tanh(w*x)")) == "f"  # renamed after it was made: the trace's f
    assert function_name(max) == "f"
