"""Grade a class's hand-derived derivatives: one verdict per student and derivative,
and the slip behind each wrong answer.

    from autograd import grade
    def E(w, b):
        return ((w * 2.0 + b).tanh() - 0.5) ** 2 * 0.5
    answers = {"ana": {"w": "0.2068", "b": 0.1034},
               "ben": {"w": "−0.2068", "b": None}}
    book = grade(E, answers, at={"w": -3.0, "b": 6.88}, sig_figs=4)
    book.score("ana"), book.verdict("ben", "w"), book.slip("ben", "w").kind   # 1.0, 'wrong', 'sign'
    book.to_csv("marks.csv")

An answer may be a number, a string ("1.473", "-0.2", "−3/4", "0,25"), or missing
(None, an empty string, an empty spreadsheet cell). Strings are read by a small
pattern for decimals and fractions, never evaluated. Each answer gets one verdict:

    "right"       it agrees with the engine (the same `Tolerance` rules as hand_check)
    "wrong"       it does not; `slip` names the likely slip (autograd.slips) or is None
    "missing"     no answer
    "unreadable"  an answer that is not a number (text, a list, True, inf, a division by 0)

A bad answer never raises: it is a verdict. Mistakes of the instructor (an `f` that
fails at `at`, a derivative name that is not an argument of f) raise at once.
"""

from __future__ import annotations

import csv
import io
import math
import numbers
import os
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from autograd import escape
from autograd.teaching import exports
from autograd.files import write_atomic
from autograd.teaching.handcheck import check_names, check_point, evaluate, function_name, plain_zero
from autograd.teaching.judge import Tolerance
from autograd.teaching.slips import Slip, SlipFinder
from autograd.names import fmt
from autograd.value import Value

__all__ = ["grade", "Gradebook", "Mark", "read_answers", "parse_answer", "VERDICTS"]

VERDICTS = ("right", "wrong", "missing", "unreadable")

# A decimal number as students write it: 1.473, -0.2, .5, 3., 2e-3 (no underscores,
# no "inf"/"nan", which float() would accept).
_DECIMAL = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER = re.compile(_DECIMAL)
_FRACTION = re.compile(rf"({_DECIMAL})/({_DECIMAL})")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")  # 0,25: a decimal comma (one comma, digits both sides)
_MINUS = str.maketrans({"−": "-", "–": "-", "‒": "-", "—": "-", "＋": "+"})


def parse_answer(answer) -> tuple[float | None, str]:
    """(value, status) of one answer; status is "ok", "missing" or "unreadable".

    Never raises and never evaluates: a string must be a decimal number, a decimal
    with a decimal comma, or a fraction a/b of two decimals (with any minus sign:
    -, −, –), possibly in one pair of brackets."""
    if answer is None:
        return None, "missing"
    if isinstance(answer, Value):
        answer = answer.data
    if isinstance(answer, bool):
        return None, "unreadable"
    if isinstance(answer, numbers.Real):
        try:
            x = float(answer)
        except (TypeError, ValueError, OverflowError):
            return None, "unreadable"
        if math.isnan(x):
            return None, "missing"  # an empty spreadsheet cell arrives as nan
        return (x, "ok") if math.isfinite(x) else (None, "unreadable")
    if isinstance(answer, bytes):
        try:
            answer = answer.decode("utf-8")
        except UnicodeDecodeError:
            return None, "unreadable"
    if not isinstance(answer, str):
        return None, "unreadable"
    text = "".join(answer.translate(_MINUS).split())  # no spaces: "- 3 / 4" is -3/4
    if not text:
        return None, "missing"
    if len(text) > 64:
        return None, "unreadable"  # no number a student writes is that long
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    try:
        if _NUMBER.fullmatch(text):
            x = float(text)
        elif _DECIMAL_COMMA.fullmatch(text):
            x = float(text.replace(",", "."))
        elif m := _FRACTION.fullmatch(text):
            top, bottom = float(m.group(1)), float(m.group(2))
            if bottom == 0.0:
                return None, "unreadable"
            x = top / bottom
        else:
            return None, "unreadable"
    except (ValueError, OverflowError):
        return None, "unreadable"
    return (x, "ok") if math.isfinite(x) else (None, "unreadable")


@dataclass(frozen=True)
class Mark:
    """One student's answer to one derivative, and its verdict."""

    student: str
    name: str  # the derivative is ∂f/∂name
    answer: object  # as given
    value: float | None  # the answer read as a number
    engine: float  # the engine's ∂f/∂name
    verdict: str  # one of VERDICTS
    slip: Slip | None = None  # for a wrong answer: the likely slip, or None


class Gradebook:
    """Verdicts per student and derivative: `score`, `verdict`, `slip`, `table`,
    `to_csv`, and an HTML table in Jupyter."""

    def __init__(self, marks: Iterable[Mark], names: Iterable[str], tolerance: Tolerance, f_name: str = "f"):
        self.marks: dict[tuple[str, str], Mark] = {(m.student, m.name): m for m in marks}
        self.names: tuple[str, ...] = tuple(names)
        self.students: tuple[str, ...] = tuple(dict.fromkeys(m.student for m in self.marks.values()))
        self.tolerance = tolerance
        self.f_name = f_name

    # -- looking things up
    def mark(self, student, name: str) -> Mark:
        key = (str(student), name)
        if key not in self.marks:
            if key[0] not in self.students:
                raise KeyError(f"Gradebook: no student {student!r}; the students are {', '.join(self.students[:10])}"
                               + (", ..." if len(self.students) > 10 else ""))
            raise KeyError(f"Gradebook: no derivative {name!r}; graded are {', '.join(self.names)}")
        return self.marks[key]

    def verdict(self, student, name: str) -> str:
        return self.mark(student, name).verdict

    def slip(self, student, name: str) -> Slip | None:
        return self.mark(student, name).slip

    def score(self, student) -> float:
        """The fraction of the graded derivatives this student got right (0 to 1)."""
        marks = [self.mark(student, n) for n in self.names]
        return sum(m.verdict == "right" for m in marks) / len(marks) if marks else 0.0

    def scores(self) -> dict[str, float]:
        return {s: self.score(s) for s in self.students}

    def counts(self) -> dict[str, int]:
        """How many answers got each verdict, over the whole class."""
        found = {v: 0 for v in VERDICTS}
        for m in self.marks.values():
            found[m.verdict] += 1
        return found

    def slip_counts(self) -> dict[str, int]:
        """How often each kind of slip was named, over the whole class (the common slips)."""
        found: dict[str, int] = {}
        for m in self.marks.values():
            if m.slip is not None:
                found[m.slip.kind] = found.get(m.slip.kind, 0) + 1
        return dict(sorted(found.items(), key=lambda kv: -kv[1]))

    @classmethod
    def merge(cls, books: Iterable["Gradebook"]) -> "Gradebook":
        """One gradebook from several (e.g. one per student, each with its own exercise).
        They must grade the same derivatives with the same tolerance."""
        books = list(books)
        if not books:
            raise ValueError("Gradebook.merge: give at least one gradebook")
        first = books[0]
        for b in books[1:]:
            if b.names != first.names or b.tolerance != first.tolerance:
                raise ValueError("Gradebook.merge: the gradebooks grade different derivatives or use "
                                 "different tolerances; merge only gradebooks of the same assignment")
        marks = [m for b in books for m in b.marks.values()]
        return cls(marks, first.names, first.tolerance, first.f_name)

    # -- showing it
    def _cell(self, m: Mark) -> str:
        if m.verdict == "right":
            return "right"
        if m.verdict == "wrong":
            return f"WRONG: {m.slip.kind}" if m.slip else "WRONG"
        return m.verdict

    def table(self) -> str:
        """A text table: one row per student (score, then each derivative's verdict,
        with the kind of slip), the slips in words below it."""
        width = max([len("student")] + [len(s) for s in self.students])
        cols = [f"∂{self.f_name}/∂{n}" for n in self.names]
        cells = {s: [self._cell(self.marks[(s, n)]) for n in self.names] for s in self.students}
        cw = [max([len(c)] + [len(cells[s][i]) for s in self.students]) for i, c in enumerate(cols)]
        lines = [f"{'student':<{width}}  score  " + "  ".join(f"{c:<{w}}" for c, w in zip(cols, cw)).rstrip()]
        for s in self.students:
            lines.append(f"{s:<{width}}  {self.score(s):>5.0%}  "
                         + "  ".join(f"{c:<{w}}" for c, w in zip(cells[s], cw)).rstrip())
        slips = [m for m in self.marks.values() if m.slip is not None]
        if slips:
            lines.append("slips:")
            lines.extend(f"  {m.student}, ∂{self.f_name}/∂{m.name} = {m.answer}: {m.slip.text}" for m in slips)
        counts = self.counts()
        lines.append(", ".join(f"{counts[v]} {v}" for v in VERDICTS) + f"; {self.tolerance.describe()}")
        return "\n".join(lines)

    __str__ = table

    def __repr__(self) -> str:
        return f"<Gradebook: {len(self.students)} students × {len(self.names)} derivatives, {self.counts()}>"

    def _repr_html_(self) -> str:
        colour = {"right": "#2a7d2a", "wrong": "#c0392b", "missing": "#888888", "unreadable": "#b9770e"}
        head = "".join(f"<th>∂{escape.html(self.f_name)}/∂{escape.html(n)}</th>" for n in self.names)
        rows = []
        for s in self.students:
            cells = []
            for n in self.names:
                m = self.marks[(s, n)]
                title = m.slip.text if m.slip else f"engine {fmt(m.engine, 6)}"
                shown = "" if m.answer is None else escape.html(str(m.answer))
                cells.append(f"<td title='{escape.html(title)}' style='color:{colour[m.verdict]}'>"
                             f"{shown} <b>{escape.html(self._cell(m))}</b></td>")
            rows.append(f"<tr><td>{escape.html(s)}</td><td>{self.score(s):.0%}</td>{''.join(cells)}</tr>")
        counts = self.counts()
        foot = escape.html(", ".join(f"{counts[v]} {v}" for v in VERDICTS) + f"; {self.tolerance.describe()}")
        return (f"<table><tr><th>student</th><th>score</th>{head}</tr>{''.join(rows)}</table>"
                f"<p>{foot} (hover over a cell for its slip)</p>")

    def rows(self) -> list[dict[str, object]]:
        """One dict per student, as `to_csv` writes them."""
        out = []
        for s in self.students:
            row: dict[str, object] = {"student": s, "score": round(self.score(s), 6)}
            for n in self.names:
                m = self.marks[(s, n)]
                row[n] = "" if m.answer is None else m.answer
                row[f"{n} verdict"] = m.verdict
                row[f"{n} slip"] = m.slip.text if m.slip else ""
            out.append(row)
        return out

    def to_csv(self, path: str | os.PathLike, lms: str | None = None, **options) -> str:
        """Write one row per student: student, score (0 to 1), then per derivative the
        answer as given, its verdict and the slip. Written atomically; returns the path.
        `read_answers` reads such a file back as answers (it skips score, verdict, slip).
        lms="canvas" or "moodle" writes that system's gradebook import instead
        (`autograd.teaching.exports.gradebook_csv`; options: assignment=, points=, section=)."""
        if lms is not None:
            return exports.gradebook_csv(self, path, lms, **options)
        rows = self.rows()
        header = ["student", "score"] + [c for n in self.names for c in (n, f"{n} verdict", f"{n} slip")]
        buffer = io.StringIO()
        # "\r\n" (RFC 4180) rather than "\n": the csv module quotes a cell holding a line
        # end only if that character is in the line terminator, and a lone CR would split a row.
        writer = csv.writer(buffer, lineterminator="\r\n")
        # Every cell through escape.spreadsheet_cell: an answer or id "=1+41" is shown, never computed.
        writer.writerow([escape.spreadsheet_cell(h) for h in header])
        writer.writerows([escape.spreadsheet_cell(row[h]) for h in header] for row in rows)
        return os.fspath(write_atomic(path, buffer.getvalue(), who="Gradebook.to_csv"))


def read_answers(path: str | os.PathLike) -> dict[str, dict[str, str]]:
    """Answers from a CSV file: the first column is the student id, every other column
    one derivative (its header is the argument name, e.g. w or w[1]_{1,1}); the cells
    stay text for `grade` to read. Columns "score", "… verdict" and "… slip" (as
    `Gradebook.to_csv` writes them) are skipped."""
    with open(path, newline="", encoding="utf-8-sig") as f:  # -sig: a spreadsheet's byte-order mark
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            raise ValueError(f"read_answers: {os.fspath(path)!r} is empty; expected a header row "
                             "(student, then one column per derivative)") from None
        if len(header) < 2:
            raise ValueError(f"read_answers: {os.fspath(path)!r} needs a student column and at least one "
                             f"derivative column, got the header {header}")
        keep = [i for i, h in enumerate(header[1:], start=1)
                if h.strip() != "score" and not h.endswith((" verdict", " slip"))]
        answers: dict[str, dict[str, str]] = {}
        for row in reader:
            if not row or not row[0].strip():
                continue  # a blank line or a row without a student
            # escape.spreadsheet_text undoes the quote to_csv put before a would-be formula
            answers[escape.spreadsheet_text(row[0].strip())] = {
                escape.spreadsheet_text(header[i].strip()): escape.spreadsheet_text(row[i] if i < len(row) else "")
                for i in keep}
    return answers


def grade(
    f: Callable[..., Value],
    answers: Mapping[object, Mapping[str, object]] | str | os.PathLike,
    at: Mapping[str, float],
    *,
    sig_figs: int | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    names: Iterable[str] | None = None,
) -> Gradebook:
    """Grade every student's answers for the derivatives ∂f/∂name at the point `at`.

    f        called as f(**values) with one labelled leaf Value per name of `at`
             (as for hand_check); returns a Value.
    answers  student id → {name: answer}, or the path of a CSV file (`read_answers`).
    at       name → number: the point.
    sig_figs, rtol, atol  the tolerance (`autograd.handcheck.Tolerance`).
    names    the derivatives to grade (default: those any student answered, in the
             order of `at`); a student without an answer for one gets "missing".
    """
    if not callable(f):
        raise TypeError(f"grade: f must be a function of named Values, got {type(f).__name__}")
    tolerance = Tolerance.make(rtol, atol, sig_figs, who="grade")
    point = check_point(at)
    if isinstance(answers, (str, os.PathLike)):
        answers = read_answers(answers)
    if not isinstance(answers, Mapping):
        raise TypeError("grade: answers must be a dict {student: {name: answer}} or the path of a CSV file, "
                        f"got {type(answers).__name__}")
    per_student: dict[str, Mapping] = {}
    for student, given in answers.items():
        if given is None:
            given = {}  # a student who handed in nothing
        if not isinstance(given, Mapping):
            raise TypeError(f"grade: the answers of student {student!r} must be a dict {{name: answer}}, "
                            f"got {type(given).__name__}")
        per_student[str(student)] = given
    if names is None:
        answered = {n for given in per_student.values() for n in given}
        unknown = sorted(answered - set(point), key=str)
        if unknown:
            raise ValueError(f"grade: answers name {', '.join(map(repr, unknown))}, which is not in at "
                             f"({', '.join(point)}); answers must be keyed by the names of f's arguments")
        names = [n for n in point if n in answered]
    else:
        names = list(names)
        unknown = [n for n in names if n not in point]
        if unknown:
            raise ValueError(f"grade: names {', '.join(map(repr, unknown))} are not in at ({', '.join(point)})")
    if not names:
        raise ValueError("grade: nothing to grade: no student answered any derivative (or names is empty)")
    check_names(f, {n: 0.0 for n in names}, point)

    f_name = function_name(f)
    out, leaves = evaluate(f, point)
    out.backward()  # fresh leaves: each .grad is ∂f/∂name
    engine = {n: leaves[n].grad for n in names}
    finder = SlipFinder(out, f_name)
    candidates: dict[str, list[Slip]] = {}  # per derivative, computed at the first wrong answer

    marks = []
    for student, given in per_student.items():
        for n in names:
            raw = given.get(n)
            value, status = parse_answer(raw)
            slip = None
            if status != "ok":
                verdict = status
            elif tolerance.agrees(value, engine[n]):
                verdict = "right"
            else:
                verdict = "wrong"
                if n not in candidates:
                    candidates[n] = finder.candidates(leaves[n])
                slip = next((s for s in candidates[n] if tolerance.agrees(value, s.value)), None)
            marks.append(Mark(student, n, raw, value, plain_zero(engine[n]), verdict, slip))
    return Gradebook(marks, names, tolerance, f_name)
