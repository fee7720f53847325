"""Grade a class's hand-derived derivatives: one verdict per student and derivative,
the slip behind each wrong answer, and feedback a student can be shown.

    from autograd import grade
    def E(w, b):
        return ((w * 2.0 + b).tanh() - 0.5) ** 2 * 0.5
    answers = {"ana": {"w": "0.2068", "b": 0.1034},
               "ben": {"w": "−0.2068", "b": None}}
    book = grade(E, answers, at={"w": -3.0, "b": 6.88}, sig_figs=4)
    book.score("ana"), book.verdict("ben", "w"), book.slip("ben", "w").kind   # 1.0, 'wrong', 'sign'
    print(book.feedback("ben"))        # verdict and slip per answer, never the engine's number
    book.to_csv("marks.csv")

An answer may be a number, a string ("1.473", "-0.2", "−3/4", "0,25", "≈0.222",
"2.22×10^-1"), or missing (None, an empty string, an empty spreadsheet cell). Strings
are read by `autograd.teaching.judge.read_number`, never evaluated. Each answer gets
one verdict (the judge's):

    "right"       within what the right method gives with the intermediates rounded as
                  the student was told (`sig_figs`, `intermediates`; see the judge)
    "carried"     (with follow_through=True) wrong only because it correctly carries the
                  student's own earlier wrong answer (δ_out → δ_j → ∂E/∂w): counts as right
    "wrong"       `slip` names the likely slip (autograd.teaching.slips) or is None
    "missing"     no answer
    "unreadable"  not a number (text, units, a list, True, inf, a division by 0): it waits
                  in `book.review()` until `book.override(student, name, verdict, why)`

Besides the arguments of f, any labelled node of f's graph can be graded: "δ[1]_2" is
δ^{(1)}_2 = ∂E/∂a[1]_2 (the lectures' δ of the unit whose pre-activation is a[1]_2).

A bad answer never raises: it is a verdict. Mistakes of the instructor (an `f` that
fails at `at`, an answer name that is nothing to grade) raise at once, naming them.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import os
import re
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Mapping

from autograd import escape
from autograd.escape import spreadsheet_cell, spreadsheet_text
from autograd.files import read_bounded, write_atomic
from autograd.teaching import exports
from autograd.names import fmt
from autograd.teaching.handcheck import check_names, check_point, evaluate, function_name, plain_zero
from autograd.teaching.judge import Feedback, Tolerance, feedback_line, find_slip, read_number, rounding_spread
from autograd.teaching.slips import HINTS, Slip, SlipFinder, lecture_delta, lecture_name
from autograd.graph import topological_order
from autograd.value import Value

__all__ = ["grade", "Gradebook", "Mark", "read_answers", "parse_answer", "VERDICTS", "MAX_CELL", "gradable",
           "sheet_slips", "table_of", "same_number"]

VERDICTS = ("right", "carried", "wrong", "missing", "unreadable")
SCORED = ("right", "carried")  # the verdicts that earn an item's points
MAX_CELL = 128 * 1024  # a spreadsheet cell longer than this is not an answer
MAX_FILE = 64 * 1024 * 1024


def parse_answer(answer):
    """(value, status) of one answer: the judge's `read_number`."""
    reading = read_number(answer)
    return reading.value, reading.status


@dataclass(frozen=True)
class Mark:
    """One student's answer to one derivative, and its verdict."""

    student: str
    name: str  # the derivative is ∂f/∂name (or, for a δ row, δ of that unit)
    answer: object  # as given
    value: float | None  # the answer read as a number
    engine: float  # the engine's value
    verdict: str  # one of VERDICTS
    slip: Slip | None = None  # for a wrong answer: the likely slip, or None
    points: float = 1.0  # what the item is worth
    why: str = ""  # an instructor's reason, when the verdict was overridden

    @property
    def scored(self) -> bool:
        return self.verdict in SCORED


class Gradebook:
    """Verdicts per student and derivative: `score`, `verdict`, `slip`, `feedback`,
    `review`/`override`, `slip_counts`, `questions`, `table`, `to_csv`, and an HTML
    table in Jupyter."""

    def __init__(self, marks: Iterable[Mark], names: Iterable[str], tolerance: Tolerance, f_name: str = "f"):
        self.marks: dict[tuple[str, str], Mark] = {}
        for m in marks:
            if (m.student, m.name) in self.marks:
                raise ValueError(f"Gradebook: student {m.student!r} has two marks for {m.name!r}")
            self.marks[(m.student, m.name)] = m
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

    def points(self, student) -> tuple[float, float]:
        """(points earned, points possible): right and carried answers earn theirs."""
        marks = [self.mark(student, n) for n in self.names]
        return sum(m.points for m in marks if m.scored), sum(m.points for m in marks)

    def score(self, student) -> float:
        """The fraction of the points this student earned (0 to 1)."""
        got, possible = self.points(student)
        return got / possible if possible else 0.0

    def scores(self) -> dict[str, float]:
        return {s: self.score(s) for s in self.students}

    def counts(self) -> dict[str, int]:
        """How many answers got each verdict, over the whole class."""
        found = {v: 0 for v in VERDICTS}
        for m in self.marks.values():
            found[m.verdict] += 1
        return found

    def slip_counts(self, per: str = "answer") -> dict[str, int]:
        """How often each kind of slip was named, over the whole class: per="answer"
        counts answers, per="student" the students who made it at least once."""
        if per not in ("answer", "student"):
            raise ValueError(f"slip_counts: per must be 'answer' or 'student', got {per!r}")
        seen: dict[str, set] = {}
        for m in self.marks.values():
            if m.slip is not None and m.verdict == "wrong":
                seen.setdefault(m.slip.kind, set()).add((m.student, m.name) if per == "answer" else m.student)
        return dict(sorted(((k, len(v)) for k, v in seen.items()), key=lambda kv: (-kv[1], kv[0])))

    def questions(self) -> list[dict[str, object]]:
        """One row per graded item: how many of each verdict, and its commonest slips."""
        rows = []
        for n in self.names:
            marks = [self.marks[(s, n)] for s in self.students if (s, n) in self.marks]
            row: dict[str, object] = {"name": n, **{v: sum(m.verdict == v for m in marks) for v in VERDICTS}}
            slips: dict[str, int] = {}
            for m in marks:
                if m.slip is not None and m.verdict == "wrong":
                    slips[m.slip.kind] = slips.get(m.slip.kind, 0) + 1
            row["slips"] = dict(sorted(slips.items(), key=lambda kv: (-kv[1], kv[0])))
            rows.append(row)
        return rows

    def question_table(self) -> str:
        """`questions()` as a text table: which items the class found hard, and why."""
        width = max([len("item")] + [len(self.what(n)) for n in self.names])
        lines = [f"{'item':<{width}}  " + "  ".join(f"{v:>10}" for v in VERDICTS) + "  slips"]
        for row in self.questions():
            slips = ", ".join(f"{k} {c}" for k, c in row["slips"].items())
            lines.append(f"{self.what(row['name']):<{width}}  " + "  ".join(f"{row[v]:>10}" for v in VERDICTS)
                         + f"  {slips}")
        return "\n".join(lines)

    # -- the review queue
    def review(self) -> list[Mark]:
        """The answers a person must look at: unreadable ones not yet overridden."""
        return [m for m in self.marks.values() if m.verdict == "unreadable" and not m.why]

    def override(self, student, name: str, verdict: str, why: str) -> Mark:
        """Set one answer's verdict by hand (e.g. "1/2 (see working)" read as right),
        with the reason; the reason is kept and exported with the book."""
        mark = self.mark(student, name)
        if verdict not in VERDICTS or verdict == "unreadable":
            raise ValueError(f"override: verdict must be one of {', '.join(v for v in VERDICTS if v != 'unreadable')}, "
                             f"got {verdict!r}")
        if not isinstance(why, str) or not why.strip():
            raise ValueError("override: give the reason (why=...), it is kept in the exported book")
        new = replace(mark, verdict=verdict, why=why.strip(), slip=mark.slip if verdict == "wrong" else None)
        self.marks[(mark.student, mark.name)] = new
        return new

    @classmethod
    def merge(cls, books: Iterable["Gradebook"]) -> "Gradebook":
        """One gradebook from several (e.g. one per student, each with its own exercise).
        They must grade the same derivatives with the same tolerance, and each student
        must be in one of them only."""
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
    def what(self, name: str) -> str:
        """An item as the lectures write it: ∂E/∂w^{(1)}_{1,1}, δ^{(1)}_2."""
        if name.startswith("δ"):
            return lecture_name(name)
        shown = lecture_name(name)
        return f"∂{self.f_name}/∂{shown}"

    def feedback(self, student) -> Feedback:
        """What the student may be shown: the verdict and the likely slip per answer, and
        the score. Never the engine's number, a finite difference, or digits that reveal
        one (a sign slip says only that the sign is wrong). A str, with `.ok` (every
        answer right or carried) and `.score` for a test cell's `assert feedback.ok, feedback`."""
        lines = []
        for n in self.names:
            m = self.mark(student, n)
            line = feedback_line(m.verdict, self.what(n), m.slip if m.verdict == "wrong" else None)
            if m.why:
                line += f" (marked by hand: {m.why})"
            lines.append(line)
        got, possible = self.points(student)
        lines.append(f"score: {fmt(got)} of {fmt(possible)} points")
        return Feedback("\n".join(lines), got == possible, got / possible if possible else 0.0)

    def _cell(self, m: Mark) -> str:
        if m.verdict == "wrong":
            return f"WRONG: {m.slip.kind}" if m.slip else "WRONG"
        return m.verdict

    def table(self) -> str:
        """A text table: one row per student (score, then each derivative's verdict,
        with the kind of slip), the slips in words below it."""
        width = max([len("student")] + [len(s) for s in self.students])
        cols = [self.what(n) for n in self.names]
        cells = {s: [self._cell(self.marks[(s, n)]) for n in self.names] for s in self.students}
        cw = [max([len(c)] + [len(cells[s][i]) for s in self.students]) for i, c in enumerate(cols)]
        lines = [f"{'student':<{width}}  score  " + "  ".join(f"{c:<{w}}" for c, w in zip(cols, cw)).rstrip()]
        for s in self.students:
            lines.append(f"{s:<{width}}  {self.score(s):>5.0%}  "
                         + "  ".join(f"{c:<{w}}" for c, w in zip(cells[s], cw)).rstrip())
        slips = [m for m in self.marks.values() if m.slip is not None and m.verdict == "wrong"]
        if slips:
            lines.append("slips:")
            lines.extend(f"  {m.student}, {self.what(m.name)} = {m.answer}: {m.slip.text}" for m in slips)
        counts = self.counts()
        lines.append(", ".join(f"{counts[v]} {v}" for v in VERDICTS) + f"; {self.tolerance.describe()}")
        return "\n".join(lines)

    __str__ = table

    def __repr__(self) -> str:
        return f"<Gradebook: {len(self.students)} students × {len(self.names)} derivatives, {self.counts()}>"

    def _repr_html_(self) -> str:
        colour = {"right": "#2a7d2a", "carried": "#2a7d2a", "wrong": "#c0392b", "missing": "#888888",
                  "unreadable": "#b9770e"}
        head = "".join(f"<th>{escape.html(self.what(n))}</th>" for n in self.names)
        rows = []
        for s in self.students:
            cells = []
            for n in self.names:
                m = self.marks[(s, n)]
                title = m.why or (m.slip.text if m.slip else f"engine {fmt(m.engine, 6)}")
                shown = "" if m.answer is None else escape.html(str(m.answer))
                cells.append(f"<td title='{escape.html(title)}' style='color:{colour[m.verdict]}'>"
                             f"{shown} <b>{escape.html(self._cell(m))}</b></td>")
            rows.append(f"<tr><td>{escape.html(s)}</td><td>{self.score(s):.0%}</td>{''.join(cells)}</tr>")
        counts = self.counts()
        foot = escape.html(", ".join(f"{counts[v]} {v}" for v in VERDICTS) + f"; {self.tolerance.describe()}")
        return (f"<table><tr><th>student</th><th>score</th>{head}</tr>{''.join(rows)}</table>"
                f"<p>{foot} (hover over a cell for its slip)</p>")

    def columns(self) -> list[str]:
        """The header `to_csv` writes: student, the score column, then per item its
        answer, verdict and note (the slip, or the reason of an override)."""
        score = "score" if "score" not in self.names else "score (total)"  # an item may be called score
        return ["student", score] + [c for n in self.names for c in (n, f"{n} verdict", f"{n} slip")]

    def rows(self) -> list[dict[str, object]]:
        """One dict per student, as `to_csv` writes them (keys: `columns()`)."""
        header = self.columns()
        out = []
        for s in self.students:
            row: dict[str, object] = {"student": s, header[1]: round(self.score(s), 6)}
            for n in self.names:
                m = self.marks[(s, n)]
                row[n] = "" if m.answer is None else m.answer
                row[f"{n} verdict"] = m.verdict
                row[f"{n} slip"] = f"overridden: {m.why}" if m.why else (m.slip.text if m.slip else "")
            out.append(row)
        return out

    def to_csv(self, path: str | os.PathLike, lms: str | None = None, **options) -> str:
        """Write one row per student: student, score (0 to 1), then per derivative the
        answer as given, its verdict and the slip (or an override's reason). Every cell
        that a spreadsheet would run as a formula is written as text
        (`autograd.escape.spreadsheet_cell`). Written atomically; returns the path.
        `read_answers` reads such a file back as answers.
        lms="canvas" or "moodle" writes that system's gradebook import instead
        (`autograd.teaching.exports.gradebook_csv`; options: assignment=, points=, section=)."""
        if lms is not None:
            return exports.gradebook_csv(self, path, lms, **options)
        header = self.columns()
        buffer = io.StringIO()
        # "\r\n" (RFC 4180) rather than "\n": the csv module quotes a cell holding a line
        # end only if that character is in the line terminator, and a lone CR would split a row.
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([spreadsheet_cell(h) for h in header])
        for row in self.rows():
            writer.writerow([spreadsheet_cell(row[h]) for h in header])
        return os.fspath(write_atomic(path, buffer.getvalue(), who="Gradebook.to_csv"))


# ---------------------------------------------------------------------------
# Reading a class's answers from a CSV file
# ---------------------------------------------------------------------------
def _text_of(path) -> str:
    """The file's text, or a clear error naming it: UTF-8 (with or without a
    spreadsheet's byte-order mark) only."""
    where = os.fspath(path)
    raw = read_bounded(where, MAX_FILE, who="read_answers", what="a class's answers")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError(f"read_answers: {where!r} is UTF-16 text; save it as 'CSV UTF-8 (comma delimited)' "
                         "and try again")
    try:
        return raw.decode("utf-8-sig")  # -sig: a spreadsheet's byte-order mark
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        raise ValueError(f"read_answers: {where!r} is not UTF-8 text (byte {raw[err.start]:#04x} on line {line}, "
                         "perhaps Windows-1252); save it as 'CSV UTF-8 (comma delimited)' and try again") from None


def _delimiter(head: str) -> str:
    """The delimiter of a sheet: of , ; and tab, the one that splits the header into the
    most cells without cutting a name such as w[1]_{1,1} (a spreadsheet in a language with
    a decimal comma saves with ;)."""
    first = head.splitlines()[0] if head.splitlines() else head
    best, best_cells = ",", 0
    for d in (",", ";", "\t"):
        try:
            cells = next(csv.reader([first], delimiter=d), [])
        except csv.Error:
            continue
        whole = all(c.count("{") == c.count("}") for c in cells)
        if whole and len(cells) >= 2 and len(cells) > best_cells:
            best, best_cells = d, len(cells)
    return best


def _rows(where: str, text: str, delimiter: str) -> list[list[str]]:
    """The rows of the sheet, every cell checked against MAX_CELL as it is read.

    The csv module's own bound (csv.field_size_limit) is one setting for the whole
    process: changing it here would change it for every other thread and for the caller's
    own CSV reading, so it is left as the caller set it. The cells are measured here
    instead; a cell over the module's bound (128 KiB unless the caller changed it) is
    reported the same way, with its file and line. The text is already bounded (MAX_FILE)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for row in reader:
            if any(len(cell) > MAX_CELL for cell in row):
                raise csv.Error(f"a cell of more than {MAX_CELL:,} characters")
            rows.append(row)
    except csv.Error as err:
        raise ValueError(f"read_answers: {where!r} line {reader.line_num}: {err} "
                         f"(a cell longer than {MAX_CELL // 1024} KiB is not an answer)") from None
    return rows


def read_answers(path: str | os.PathLike) -> dict[str, dict[str, str]]:
    """Answers from a CSV file: the first column is the student id, every other column
    one derivative (its header is the argument name, e.g. w or w[1]_{1,1}, quoted where
    it has a comma); the cells stay text for `grade` to read. The delimiter (, ; or tab)
    is found from the file. A file `Gradebook.to_csv` wrote is read back as its answers
    (its score, verdict and slip columns are skipped). Two rows for one student, two
    columns of one name, a cell over 128 KiB or text that is not UTF-8 are errors that
    name the file (and the line)."""
    where = os.fspath(path)
    text = _text_of(path)
    if not text.strip():
        raise ValueError(f"read_answers: {where!r} is empty; expected a header row "
                         "(student, then one column per derivative)")
    delimiter = _delimiter(text[:65536])
    rows = _rows(where, text, delimiter)
    header = [spreadsheet_text(h).strip() for h in rows[0]]
    if len(header) < 2:
        raise ValueError(f"read_answers: {where!r} needs a student column and at least one "
                         f"derivative column, got the header {header}")
    split = [h for h in header if h.count("{") != h.count("}")]
    if split:
        raise ValueError(f"read_answers: {where!r}: the header cell {split[0]!r} was cut at a {delimiter!r}; "
                         "put such names in double quotes (\"w[1]_{1,1}\") or use ; as the delimiter")
    seen: dict[str, int] = {}
    for i, h in enumerate(header):
        if h in seen:
            raise ValueError(f"read_answers: {where!r} has two columns called {h!r} (columns {seen[h] + 1} and "
                             f"{i + 1}); one column per derivative")
        seen[h] = i
    exported = [h[:-len(" verdict")] for h in header[1:] if h.endswith(" verdict")]
    if exported and all(n in seen for n in exported):  # a file Gradebook.to_csv wrote
        keep = [seen[n] for n in exported]
    else:
        keep = list(range(1, len(header)))
    answers: dict[str, dict[str, str]] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not row or not row[0].strip():
            continue  # a blank line or a row without a student
        student = spreadsheet_text(row[0]).strip()
        if student in answers:
            raise ValueError(f"read_answers: {where!r} line {number}: a second row for student {student!r}; "
                             "one row per student")
        answers[student] = {header[i]: (spreadsheet_text(row[i]) if i < len(row) else "") for i in keep}
    return answers


# ---------------------------------------------------------------------------
# Grading
# ---------------------------------------------------------------------------
def _students(answers: Mapping) -> dict[str, Mapping]:
    per_student: dict[str, Mapping] = {}
    for student, given in answers.items():
        key = str(student)
        if key in per_student:
            raise ValueError(f"grade: the students {student!r} and {key!r} would be one student; "
                             "give each student one id (all strings or all numbers)")
        if given is None:
            given = {}  # a student who handed in nothing
        if not isinstance(given, Mapping):
            raise TypeError(f"grade: the answers of student {student!r} must be a dict {{name: answer}}, "
                            f"got {type(given).__name__}")
        per_student[key] = given
    return per_student


def gradable(out: Value, leaves: Mapping[str, Value]) -> dict[str, Value]:
    """Every name an answer may have: the arguments of f, each labelled node of the
    graph, and δ[l]_j for a node labelled a[l]_j (δ = ∂E/∂a, the lectures' δ)."""
    found = dict(leaves)
    for node in topological_order(out):
        label = node.label
        if label and node.parents and label not in found:
            found[label] = node
            if label.startswith("a[") and ("δ" + label[1:]) not in found:
                found["δ" + label[1:]] = node
    return found


def grade(
    f: Callable[..., Value],
    answers: Mapping[object, Mapping[str, object]] | str | os.PathLike,
    at: Mapping[str, float],
    *,
    sig_figs: int | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    names: Iterable[str] | None = None,
    follow_through: bool = False,
    intermediates: int | None = None,
    points: Mapping[str, float] | None = None,
    spreads: Mapping[str, float] | None = None,
) -> Gradebook:
    """Grade every student's answers for the derivatives ∂f/∂name at the point `at`.

    f        called as f(**values) with one labelled leaf Value per name of `at`
             (as for hand_check); returns a Value.
    answers  student id → {name: answer}, or the path of a CSV file (`read_answers`).
             A name is an argument of f, a labelled node, or δ[l]_j (see the module doc).
    at       name → number: the point.
    sig_figs, rtol, atol  the tolerance (`autograd.teaching.judge.Tolerance`).
    intermediates  the significant figures the students were told to keep for the
             values they write down on the way (default: sig_figs); right answers may
             differ by what that rounding moves them (`judge.rounding_spread`).
    names    the items to grade (default: those any student answered, in the order of
             `at`, then the graph's); a student without an answer for one gets "missing".
    follow_through  an answer that carries the student's own earlier wrong answer
             correctly (δ_out → δ_j → ∂E/∂w) gets "carried", which earns its points.
    points   name → points (default 1 each).
    spreads  name → how far a right method can land from the engine's value, where the
             caller knows the students' method better than f's graph does (nn's
             exercises pass the lectures' own pass in interval arithmetic).
    """
    if not callable(f):
        raise TypeError(f"grade: f must be a function of named Values, got {type(f).__name__}")
    tolerance = Tolerance.make(rtol, atol, sig_figs, who="grade")
    if intermediates is not None and (isinstance(intermediates, bool) or not isinstance(intermediates, int)
                                      or not 1 <= intermediates <= 15):
        raise ValueError(f"grade: intermediates must be a whole number of significant figures from 1 to 15, "
                         f"got {intermediates!r}")
    point = check_point(at)
    if isinstance(answers, (str, os.PathLike)):
        answers = read_answers(answers)
    if not isinstance(answers, Mapping):
        raise TypeError("grade: answers must be a dict {student: {name: answer}} or the path of a CSV file, "
                        f"got {type(answers).__name__}")
    per_student = _students(answers)
    check_names(f, {n: 0.0 for n in point if n in point}, point)
    f_name = function_name(f)
    out, leaves = evaluate(f, point)
    nodes = gradable(out, leaves)
    answered = list(dict.fromkeys(n for given in per_student.values() for n in given))
    if names is not None:
        names = list(names)
        bad = [n for n in names if n not in nodes]
        if bad:
            raise ValueError(f"grade: names {', '.join(map(repr, bad))} are nothing to grade "
                             f"(not in at ({', '.join(point)}) and no labelled node of f)")
    expected = names if names is not None else list(nodes)
    unknown = [n for n in answered if n not in expected]
    if unknown:
        raise ValueError(f"grade: answers name {', '.join(map(repr, unknown))}, which is nothing to grade here; "
                         f"the expected names are {', '.join(map(repr, expected))}")
    if names is None:
        names = [n for n in nodes if n in set(answered)]
    if not names:
        raise ValueError("grade: nothing to grade: no student answered any derivative (or names is empty)")
    points = dict(points or {})
    bad_points = [n for n, p in points.items() if n not in names or isinstance(p, bool)
                  or not isinstance(p, (int, float)) or not math.isfinite(p) or p < 0]
    if bad_points:
        raise ValueError(f"grade: points for {', '.join(map(repr, bad_points))}: give a number ≥ 0 for a graded name "
                         f"({', '.join(names)})")

    finder = SlipFinder(out, f_name)
    truth = {n: finder.delta.get(nodes[n], 0.0) for n in names}
    figures = intermediates or sig_figs
    spread_all = rounding_spread(out, figures) if figures and not (spreads and set(names) <= set(spreads)) else None
    spread = {n: (spread_all[nodes[n]] if spread_all is not None else None) for n in names}
    for n, s in (spreads or {}).items():
        if n in spread:
            spread[n] = float(s)
    candidates: dict[str, list[Slip]] = {}

    def slips_for(n: str) -> list[Slip]:
        if n not in candidates:
            candidates[n] = sheet_slips(finder, nodes, truth, n)
        return candidates[n]

    marks = []
    for student, given in per_student.items():
        readings = {n: read_number(given.get(n)) for n in names}
        carried = _carried(finder, nodes, names, readings) if follow_through else {}
        for n in names:
            raw, reading = given.get(n), readings[n]
            slip = None
            if reading.status != "ok":
                verdict = reading.status
            elif tolerance.agrees(reading.value, truth[n], spread[n]):
                verdict = "right"
            elif n in carried and _carries(tolerance, reading.value, carried[n], truth[n], spread[n]):
                verdict = "carried"
            else:
                verdict = "wrong"
                slip = find_slip(reading.value, truth[n], slips_for(n), tolerance, spread[n])
            marks.append(Mark(student, n, raw, reading.value, plain_zero(truth[n]), verdict, slip,
                              float(points.get(n, 1.0))))
    return Gradebook(marks, names, tolerance, f_name)


def sheet_slips(finder: SlipFinder, nodes: Mapping[str, Value], truth: Mapping[str, float], name: str) -> list[Slip]:
    """The slips an answer for `name` may show, in preference order: the graph's single
    slips (`SlipFinder.candidates`), then "swapped": the right value of another item of
    the sheet in the same table (w[l]_{j,k} for w[l]_{k,j}, b[l]_1 for b[l]_2, ...). A swap whose number a graph slip gives exactly (∂E/∂b_j = δ_j is ∂E/∂w_jk
    with its factor z_k left out) is left to the graph slip, the more telling of the two."""
    found = finder.candidates(nodes[name])
    if finder.network:  # a network's sheet: the pieces the lectures' method writes down
        found = [s for s in found if finder.is_lecture_slip(s)]
    given = [s.value for s in found] + [truth[name], -truth[name]]  # (equal up to sign: that is the sign slip)
    for m, t in truth.items():
        if m == name or nodes[m] is nodes[name] or table_of(m) != table_of(name) or any(same_number(t, g) for g in given):
            continue
        found.append(Slip("swapped", f"this is the value of {lecture_delta(m, finder.root_name)}, another item of the sheet",
                          t, m, hint=HINTS["swapped"]))
        given.append(t)
    return found


@functools.lru_cache(maxsize=4096)
def table_of(name: str) -> str:
    """The table of a network's item (w[2]_{1,3} → "w2"): answers are swapped within a
    table of the sheet (the layer's weights, biases or δ's), an index transposed within
    a layer's weights; "" for a name of no layer."""
    m = re.match(r"^([^\[]+)\[(\d+)\]", name)
    return f"{m.group(1)}{m.group(2)}" if m else ""


def same_number(x: float, y: float) -> bool:
    """Equal but for the rounding of the floats (two ways of computing one number)."""
    return abs(x - y) <= 1e-9 * max(abs(x), abs(y), 1e-300)


def _carried(finder: SlipFinder, nodes: Mapping[str, Value], names, readings) -> dict[str, float]:
    """For each answered node, the value the backward pass gives when every δ the student
    answered nearer the root is taken as the student wrote it (their own δ_out carried on):
    δ'_j = Σ_{k∈↓j} δ'_k ∂k/∂j with δ'_k = the student's answer where there is one."""
    given = {}
    for n in names:
        if readings[n].status == "ok":
            given.setdefault(nodes[n], readings[n].value)
    # a bias b_j enters a_j with ∂a_j/∂b_j = 1 and nowhere else: its answer is the student's δ_j
    # (∂E/∂b_j = δ_j), carried on unless they also answered δ_j itself
    users: dict[Value, list[tuple[Value, float]]] = {}
    for k in finder.order:
        for j, local in zip(k.parents, k.local_grads):
            users.setdefault(j, []).append((k, local))
    source: dict[Value, Value] = {}  # a_j → b_j when the student's δ_j is their ∂E/∂b_j
    for node, value in list(given.items()):
        if not node.parents and len(users.get(node, [])) == 1:
            k, local = users[node][0]
            if local == 1.0 and k.parents.count(node) == 1 and k not in given:
                given[k], source[k] = value, node
    wanted = {nodes[n] for n in names}
    if not any(node.parents for node in given):
        return {}  # only leaves answered: nothing carries into anything
    delta: dict[Value, float] = {finder.root: 1.0}
    carried_at: dict[Value, float] = {}
    for k in reversed(finder.order):
        raw = delta.get(k, 0.0)
        if k in wanted:
            carried_at[k] = raw
        d = given.get(k, raw) if k is not finder.root else raw
        for j, local in zip(k.parents, k.local_grads):
            # (b_j itself is judged against what reaches a_j, not against its own answer)
            delta[j] = delta.get(j, 0.0) + (raw if source.get(k) is j else d) * local
    return {n: carried_at[nodes[n]] for n in names if nodes[n] in carried_at}


def _carries(tolerance: Tolerance, value: float, carried: float, truth: float, spread: float | None) -> bool:
    """The answer agrees with what the student's own earlier answers give, and those
    really moved it (else there is nothing to carry: the answer is simply wrong)."""
    scaled = None if spread is None else spread * max(1.0, abs(carried) / max(abs(truth), 1e-300))
    moved = abs(carried - truth) > tolerance.width(truth, spread)
    return moved and tolerance.agrees(value, carried, scaled)
