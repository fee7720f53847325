"""Exports to learning-management systems: quiz files (Moodle XML, GIFT, QTI 1.2 for
Canvas) and gradebook imports (Canvas, Moodle). Each file parses in its language, holds
the required elements, carries the judge's numbers and tolerances, and reads back
(export → our reader) as the same questions."""

import csv
import shutil
import math
import xml.etree.ElementTree as ET
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import autograd.names
from autograd.teaching.exports import FORMATS, QTI_NS, Question, interval, read_quiz, write_quiz
from autograd.teaching.judge import Tolerance

HOSTILE = "a_b & c % # $ {x} ~ ^ \\ <b>bold</b> :: = // ' \" ]]> \n next line"


def _questions():
    svg = b"<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'><circle r='4'/></svg>"
    return [
        Question("∂E/∂w[1]_{1,1}", "ana: ∂E/∂w[1]_{1,1}", "<p>at w = 0.5</p><img src=\"net.svg\">", 0.0321, 0.0001,
                 {"net.svg": svg}),
        Question("∂E/∂w[1]_{1,1}", "ben: ∂E/∂w[1]_{1,1}", "<p>" + HOSTILE + "</p>", -1.25, 0.01),
        Question("∂E/∂b[1]_1", "ana: ∂E/∂b[1]_1", "<p>b</p>", 1e-7, 1e-9),
    ]


# ---------------------------------------------------------------------------
# The interval is the judge's
# ---------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(engine=st.floats(-1e3, 1e3).filter(lambda x: abs(x) > 1e-5), k=st.sampled_from([None, 2, 3, 4]))
def test_interval_accepts_what_the_judge_accepts(engine, k):
    tol = Tolerance.make(sig_figs=k)
    centre, half = interval(tol, engine)
    for inside in (centre, centre + 0.999 * half, centre - 0.999 * half):
        assert tol.agrees(inside, engine)
    if k is None:  # the judge's default rule is exactly the interval
        for outside in (centre + 1.001 * half, centre - 1.001 * half):
            assert not tol.agrees(outside, engine)
    else:  # the rounding rule: one unit in the k-th figure (the judge adds atol and float slack)
        for outside in (centre + 1.01 * half + 2 * tol.atol, centre - 1.01 * half - 2 * tol.atol):
            assert not tol.agrees(outside, engine)


@settings(max_examples=300, deadline=None)
@given(engine=st.floats(-1e3, 1e3).filter(lambda x: abs(x) > 1e-5), spread=st.floats(0, 1e-2),
       k=st.sampled_from([None, 2, 3, 4]))
def test_interval_with_the_judges_measured_spread(engine, spread, k):
    tol = Tolerance.make(sig_figs=k)
    centre, half = interval(tol, engine, spread)
    assert tol.agrees(centre + 0.999 * half, engine, spread) and tol.agrees(centre - 0.999 * half, engine, spread)
    assert not tol.agrees(centre + 1.001 * half + 1e-12, engine, spread)
    assert not tol.agrees(centre - 1.001 * half - 1e-12, engine, spread)


def test_interval_refuses_a_number_that_is_not_finite():
    with pytest.raises(ValueError, match="not a finite number"):
        interval(Tolerance.make(), math.nan)


# ---------------------------------------------------------------------------
# Quiz files
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_gives_the_same_questions(tmp_path, fmt):
    questions = _questions()
    path = write_quiz(questions, tmp_path / f"quiz.{fmt}", fmt, title="Backprop / week 3")
    back = read_quiz(path, fmt)
    assert [(q.category, q.name, q.answer, q.tolerance) for q in back] == \
           [(q.category, q.name, q.answer, q.tolerance) for q in questions]
    if fmt != "gift":  # GIFT has no files: its text is the question's own text
        assert [q.files for q in back] == [q.files for q in questions]
    assert [q.text for q in back] == [q.text for q in questions]


def test_moodle_xml_has_categories_and_numerical_questions(tmp_path):
    root = ET.parse(write_quiz(_questions(), tmp_path / "q.xml", "moodle", title="Backprop")).getroot()
    assert root.tag == "quiz"
    categories = [q.findtext("category/text") for q in root.findall("question[@type='category']")]
    # one category per derivative (a / inside a name is written //), a random question draws from it
    assert categories == ["$course$/top/Backprop/∂E//∂w[1]_{1,1}", "$course$/top/Backprop/∂E//∂b[1]_1"]
    numerical = root.findall("question[@type='numerical']")
    assert len(numerical) == 3
    first = numerical[0]
    assert first.find("answer").get("fraction") == "100"
    assert float(first.findtext("answer/text")) == 0.0321 and float(first.findtext("answer/tolerance")) == 0.0001
    assert "@@PLUGINFILE@@/net.svg" in first.findtext("questiontext/text")
    assert first.find("questiontext/file").get("encoding") == "base64"


def test_gift_escapes_its_special_characters(tmp_path):
    text = open(write_quiz(_questions(), tmp_path / "q.gift", "gift"), encoding="utf-8").read()
    line = next(l for l in text.splitlines() if l.startswith("::ben"))
    # every question is one line; ~ = # { } : inside the text are escaped
    assert line.endswith("{#-1.25:0.01}")
    body = line[line.index("[html]"):line.rindex("{#")]
    for special in "~=#{}:":
        assert all(body[i - 1] == "\\" for i, ch in enumerate(body) if ch == special)
    assert "$CATEGORY: $course$/top/deltagrad/∂E//∂w[1]_{1,1}" in text


def test_qti_package_is_what_canvas_imports(tmp_path):
    path = write_quiz(_questions(), tmp_path / "q.zip", "qti", title="Backprop")
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        assert "imsmanifest.xml" in names
        manifest = ET.fromstring(z.read("imsmanifest.xml"))
        quiz = [r for r in manifest.iter() if r.get("type") == "imsqti_xmlv1p2"]
        assert len(quiz) == 1
        href = quiz[0][0].get("href")
        root = ET.fromstring(z.read(href))
        images = [n for n in names if n.startswith("Uploaded Media/")]  # where Canvas keeps a quiz.s images
        assert len(images) == 1 and z.read(images[0]).startswith(b"<svg")
    ns = {"q": QTI_NS}
    groups = root.findall("q:assessment/q:section/q:section", ns)
    assert [g.get("title") for g in groups] == ["∂E/∂w[1]_{1,1}", "∂E/∂b[1]_1"]
    assert [g.findtext("q:selection_ordering/q:selection/q:selection_number", None, ns) for g in groups] == ["1", "1"]
    item = groups[0].find("q:item", ns)
    fields = {f.findtext("q:fieldlabel", None, ns): f.findtext("q:fieldentry", None, ns)
              for f in item.iter(f"{{{QTI_NS}}}qtimetadatafield")}
    assert fields["question_type"] == "numerical_question"
    assert item.find("q:presentation/q:response_str/q:render_fib", ns).get("fibtype") == "Decimal"
    numbers = [el.text for tag in ("varequal", "vargte", "varlte") for el in root.iter(f"{{{QTI_NS}}}{tag}")]
    assert len(numbers) == 9 and not [t for t in numbers if "e" in t.lower()]  # 1e-07 written 0.0000001
    bounds = item.find("q:resprocessing/q:respcondition/q:conditionvar/q:or/q:and", ns)
    assert float(bounds.findtext("q:vargte", None, ns)) == pytest.approx(0.0321 - 0.0001, abs=1e-15)
    assert float(bounds.findtext("q:varlte", None, ns)) == pytest.approx(0.0321 + 0.0001, abs=1e-15)


def test_bad_questions_and_formats_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown format 'pdf'"):
        write_quiz(_questions(), tmp_path / "q", "pdf")
    with pytest.raises(ValueError, match="no questions"):
        write_quiz([], tmp_path / "q", "gift")
    with pytest.raises(ValueError, match="'x'.*finite"):
        write_quiz([Question("c", "x", "t", math.inf, 0.1)], tmp_path / "q", "gift")


# ---------------------------------------------------------------------------
# Gradebook imports
# ---------------------------------------------------------------------------
def _book():
    def E(w, b):
        return ((w * 2.0 + b).tanh() - 0.5) ** 2 * 0.5

    at = {"w": -3.0, "b": 6.88}
    answers = {"ana@uni.edu": {"w": "0.2068", "b": "0.1034"}, "=ben@uni.edu": {"w": "-0.2068", "b": None}}
    return autograd.grade(E, answers, at=at, sig_figs=4)


def test_canvas_gradebook_columns_and_points(tmp_path):
    book = _book()
    rows = list(csv.reader(open(book.to_csv(tmp_path / "c.csv", lms="canvas", assignment="Backprop 1"),
                                encoding="utf-8", newline="")))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Backprop 1"]
    assert rows[1][0] == "Points Possible" and float(rows[1][5]) == 2.0
    marks = {r[2]: float(r[5]) for r in rows[2:]}
    assert marks == {"ana@uni.edu": 2.0 * book.score("ana@uni.edu"), "'=ben@uni.edu": 2.0 * book.score("=ben@uni.edu")}
    assert book.score("ana@uni.edu") == 1.0 and book.score("=ben@uni.edu") < 1.0


def test_moodle_gradebook_maps_by_email(tmp_path):
    book = _book()
    rows = list(csv.reader(open(book.to_csv(tmp_path / "m.csv", lms="moodle", assignment="Backprop 1", points=10),
                                encoding="utf-8", newline="")))
    assert rows[0] == ["Email address", "Backprop 1"]
    assert {r[0]: float(r[1]) for r in rows[1:]} == {"ana@uni.edu": 10.0, "'=ben@uni.edu": 10 * book.score("=ben@uni.edu")}


def test_gradebook_unknown_lms_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown lms 'blackboard'"):
        _book().to_csv(tmp_path / "x.csv", lms="blackboard")


# ---------------------------------------------------------------------------
# A class's network exercises exported
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_assignment_export_round_trip_and_the_judges_numbers(tmp_path, fmt):
    from nn.exercise import assignment
    from nn.handout import html_name

    work = assignment(["ana", "ben", "cy"], [2, 2, 1], "tanh", "half_sse", base_seed=4)
    path = work.export(tmp_path / f"quiz.{fmt}", fmt, sig_figs=3, title="Backprop 1", diagram=(fmt != "gift"))
    back = read_quiz(path, fmt)
    names = work["ana"].names
    assert len(back) == 3 * len(names)  # one question per student and derivative
    assert len({q.category for q in back}) == len(names)  # the variants of one derivative grouped
    tol = Tolerance.make(sig_figs=3)
    answers = {}
    for q in back:
        student, category = q.name.split(": ")
        name = category.removeprefix("∂E/∂")
        engine = work[student].solution()[name]
        spread = work[student].spreads(3)[name]  # the range Assignment.grade allows a rounded right method
        assert (q.answer, q.tolerance) == interval(tol, engine, spread)  # the judge's interval, exactly
        assert tol.agrees(q.answer + 0.99 * q.tolerance, engine, spread)
        assert not tol.agrees(q.answer + 1.01 * q.tolerance, engine, spread)
        assert f"Give ∂E/∂{html_name(name)}" in q.text
        for v in work[student].at().values():
            assert f"<td>{autograd.names.fmt(v)}</td>" in q.text  # the student's own weights
        if fmt != "gift":
            assert q.files["network.svg"].lstrip().startswith((b"<?xml", b"<svg"))
        answers.setdefault(student, {})[name] = repr(q.answer)
    book = work.grade(answers, sig_figs=3)  # the exported answers are right by the judge
    assert all(book.score(s) == 1.0 for s in ("ana", "ben", "cy"))
    # and so are the interval's edges, and nothing beyond them: the LMS accepts what grade accepts
    for sign, inside in ((0.99, 1.0), (-0.99, 1.0), (1.01, 0.0), (-1.01, 0.0)):
        edges = {s: {q.name.split(": ")[1].removeprefix("∂E/∂"): repr(q.answer + sign * q.tolerance)
                     for q in back if q.name.startswith(s + ": ")} for s in ("ana", "ben", "cy")}
        book = work.grade(edges, sig_figs=3)
        assert all(book.score(s) == inside for s in edges), (sign, [book.score(s) for s in edges])


def test_a_sheet_above_hand_size_exports_what_grade_accepts_at_its_intermediates(tmp_path):
    """A 3-4-1 sheet keeps its answers apart for 4-figure working: exported with
    intermediates=4, the LMS accepts exactly what grade(intermediates=4) accepts, the
    question tells the students to keep 4 figures, and the interval is narrower than with
    the default 3-figure working."""
    from nn.exercise import assignment

    work = assignment(["ana", "ben"], [3, 4, 1], "tanh", "half_sse", base_seed=11)
    wide = read_quiz(work.export(tmp_path / "wide.xml", "moodle", diagram=False), "moodle")
    back = read_quiz(work.export(tmp_path / "quiz.xml", "moodle", diagram=False, intermediates=4), "moodle")
    assert [q.name for q in back] == [q.name for q in wide]
    assert all(q.tolerance <= w.tolerance for q, w in zip(back, wide)) and \
        any(q.tolerance < w.tolerance for q, w in zip(back, wide))
    assert all("keeping 4 significant figures in every intermediate result" in q.text for q in back)
    assert not any("intermediate" in w.text for w in wide)
    for sign, inside in ((0.99, 1.0), (-0.99, 1.0), (1.01, 0.0), (-1.01, 0.0)):
        edges = {s: {q.name.split(": ")[1].removeprefix("∂E/∂"): repr(q.answer + sign * q.tolerance)
                     for q in back if q.name.startswith(s + ": ")} for s in ("ana", "ben")}
        book = work.grade(edges, sig_figs=3, intermediates=4)
        assert all(book.score(s) == inside for s in edges), (sign, [book.score(s) for s in edges])


def test_gift_links_the_diagram_from_an_address_or_has_none(tmp_path):
    # GIFT is one text file with no place for an image: the diagram is a link to where the
    # instructor puts the SVGs (written beside the .gift file), or there is none — never a
    # link to a file Moodle was not given
    from nn.exercise import assignment
    from nn.exports import image_folder

    work = assignment(["ana", "ben 2"], [2, 2, 1], "tanh", "half_sse", base_seed=4)
    plain = read_quiz(work.export(tmp_path / "plain.gift", "gift"), "gift")
    assert plain and not any("<img" in q.text for q in plain)
    linked = read_quiz(work.export(tmp_path / "linked.gift", "gift", image_url="https://example.org/q1/"), "gift")
    assert len(linked) == len(plain)
    drawn = shutil.which("dot") is not None  # (without Graphviz there is no diagram to write, and no link)
    for q in linked:
        student = q.name.split(": ")[0]
        assert (f'<img src="https://example.org/q1/{student.replace(" ", "%20")}.svg"' in q.text) == drawn
    folder = image_folder(tmp_path / "linked.gift")
    assert folder.name == "linked-images"
    if drawn:
        assert sorted(p.name for p in folder.iterdir()) == ["ana.svg", "ben 2.svg"]
        assert (folder / "ana.svg").read_bytes().lstrip().startswith((b"<?xml", b"<svg"))
    # a student id that is no file name is refused before anything is written
    odd = assignment(["../x"], [2, 2, 1], "tanh", "half_sse", base_seed=4)
    with pytest.raises(ValueError, match="plain file name"):
        odd.export(tmp_path / "odd.gift", "gift", image_url="https://example.org/q1")
    assert not (tmp_path / "odd.gift").exists() and not image_folder(tmp_path / "odd.gift").exists()
    with pytest.raises(ValueError, match="image_url= is for GIFT"):
        work.export(tmp_path / "q.xml", "moodle", image_url="https://example.org/q1")
    with pytest.raises(ValueError, match="http"):
        work.export(tmp_path / "q.gift", "gift", image_url="javascript:alert(1)")
