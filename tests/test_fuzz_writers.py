"""Hostile text through every writer: a node's label, a page title, a handout title, a
student's id and answer. Each output is read back by its own language's parser (HTML by
html.parser, SVG by xml.etree, CSV by csv, DOT by Graphviz, TeX by the grammar's rules)
and must carry the text only as text: no element, attribute, command or formula that
the text spelled appears, and the text itself is there to read."""

from __future__ import annotations

import csv
import functools
import io
import os
import re
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from hypothesis import example, given, strategies as st

from autograd import Stepper, Value, grade
from autograd.escape import visible
from autograd.teaching.grade import read_answers
from nn.exercise import exercise
from nn.handout import handout_html, handout_latex

from fuzzing import EXAMPLES, fuzz_settings, timed
from support import needs_dot

pytestmark = pytest.mark.fuzz

# What an attacker (or an unlucky student) types; the fuzz adds any text around them.
PAYLOADS = ["<script>alert(1)</script>", "\" onmouseover=\"alert(1)", "'><img src=x onerror=alert(1)>",
            "</pre><b>bold</b>", "]]><!--", "&amp;&lt;", r"\input{/etc/hostname}", "jane_doe", "~^$#%&{}",
            "=1+41", "=HYPERLINK(\"http://x\",\"y\")", "@SUM(A1)", "-2+3", "\\N\\G\\l", "a\\", "{a|b}<c>"]
HOSTILE = st.one_of(st.sampled_from(PAYLOADS),
                    st.tuples(st.sampled_from(PAYLOADS), st.text(st.characters(blacklist_categories=("Cs", "Cc")),
                                                                 max_size=8)).map("".join))
FEW = fuzz_settings(max(10, EXAMPLES // 20))  # each example renders a page or a picture
_SCRATCH = tempfile.mkdtemp(prefix="deltagrad-writers-")


class _Page(HTMLParser):
    """Every element, attribute and piece of text of an HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes, self.text = [], [], []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += attrs
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if not self._in_script:
            self.text.append(data)


def read_page(page: str) -> _Page:
    p = _Page()
    p.feed(page)
    p.close()
    return p


def only_as_text(page: str, baseline: str, text: str) -> None:
    """`page` has the same elements as `baseline` (the page with a harmless text), no event
    handler attribute, and shows `text`."""
    got, base = read_page(page), read_page(baseline)
    assert sorted(got.tags) == sorted(base.tags), set(got.tags) ^ set(base.tags)
    assert not [name for name, _ in got.attributes if name.startswith("on") and (name, _) not in base.attributes]
    shown = "".join(got.text) + "".join(v or "" for _, v in got.attributes)
    assert text in shown or text.strip() in shown


def _root(label: str) -> Value:
    x = Value(0.5, label=label)
    w = Value(-1.5, label="w")
    return (w * x).tanh()


@needs_dot
@FEW
@example("<script>alert(1)</script>")
@given(HOSTILE)
def test_stepper_page(label):
    path = os.path.join(_SCRATCH, "steps.html")
    with timed("writer: Stepper.to_html (label and title)", label):
        Stepper(_root(label)).to_html(path, title=label)
        page = open(path, encoding="utf-8").read()
        Stepper(_root("x")).to_html(path, title="title")
        baseline = open(path, encoding="utf-8").read()
    only_as_text(page, baseline, label)


@needs_dot
@FEW
@given(HOSTILE)
def test_quiz_page(label):
    path = os.path.join(_SCRATCH, "quiz.html")
    with timed("writer: Stepper.to_html(quiz=True)", label):
        Stepper(_root(label)).to_html(path, title=label, quiz=True)
        page = open(path, encoding="utf-8").read()
        Stepper(_root("x")).to_html(path, title="title", quiz=True)
        baseline = open(path, encoding="utf-8").read()
    only_as_text(page, baseline, label)


EX = exercise([2, 2, 1], "tanh", "half_sse", seed=5)


@FEW
@given(HOSTILE)
def test_handout_html(title):
    with timed("writer: handout_html (title)", title):
        page = handout_html(EX, title=title)
    only_as_text(page, handout_html(EX, title="title"), title)


_TEX_SPECIALS = re.compile(r"(?<!\\)[$&%#_^~{}]")


@FEW
@given(HOSTILE)
def test_handout_latex(title):
    with timed("writer: handout_latex (title)", title):
        tex = handout_latex(EX, title=title)
    shown = re.findall(r"^\\section\*\{(.*)\}$", tex, re.M)[0]
    # no live special character and no command but the escapes' own
    commands = set(re.findall(r"\\([A-Za-z]+)", shown))
    assert commands <= {"textbackslash", "textasciitilde", "textasciicircum", "textless", "textgreater", "textbar"}
    assert not _TEX_SPECIALS.search(re.sub(r"\\[A-Za-z]+\{\}", "", shown))
    assert tex.replace(shown, "", 1) == handout_latex(EX, title="T").replace("T", "", 1)  # nothing else changed


def E(w):
    return w * w


@FEW
@given(st.dictionaries(HOSTILE.filter(lambda s: s.strip() == s and s), HOSTILE, min_size=1, max_size=3))
def test_gradebook_html_and_csv(answers_by_id):
    answers = {s: {"w": a} for s, a in answers_by_id.items()}
    with timed("writer: Gradebook html and csv", answers_by_id):
        book = grade(E, answers, {"w": 0.5})
        page = book._repr_html_()
        path = book.to_csv(os.path.join(_SCRATCH, "marks.csv"))
    base = read_page(grade(E, {f"s{i}": {"w": "1"} for i in range(len(answers))}, {"w": 0.5})._repr_html_())
    got = read_page(page)
    assert sorted(got.tags) == sorted(base.tags)
    assert all(s in "".join(got.text) for s in answers_by_id)
    with open(path, newline="", encoding="utf-8") as f:
        cells = [c for row in csv.reader(f) for c in row]
    numbers = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r")) and not numbers.fullmatch(c)]
    assert read_answers(path) == {s: {"w": a} for s, a in answers_by_id.items()}


@needs_dot
@FEW
@example("{a|b}<c>")
@example('a\\"b')
@given(HOSTILE)
def test_drawing_dot_and_svg(label):
    from autograd.drawing.draw import draw

    with timed("writer: draw (DOT and SVG)", label):
        graph = draw(_root(label))
        run = subprocess.run(["dot", "-Tsvg"], input=graph.source.encode(), capture_output=True, timeout=60)
    assert run.returncode == 0 and b"syntax error" not in run.stderr, run.stderr.decode()
    svg = ET.fromstring(run.stdout)  # well-formed XML
    texts = " ".join(t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text"))
    scripts = [e for e in svg.iter() if e.tag.endswith("script") or any(a.startswith("on") for a in e.attrib)]
    assert not scripts
    # the label as drawn: visible() shows an unassigned code point as its escape (\U00018d09)
    assert "".join(visible(label).split()) in "".join(texts.split()).replace("\u00a0", "")


@FEW
@example("x\x01y")
@example("\ud800")
@example("::a{=b}~#\\")
@given(st.one_of(HOSTILE, st.text(max_size=12)))
def test_quiz_exports(text):
    from autograd import escape
    from autograd.teaching.exports import Question, read_quiz, write_quiz

    q = Question("∂E/∂w " + text, "ana: " + text, "<p>" + text + "</p>", 0.25, 0.001)

    def same(s: str) -> str:  # what survives every format: the text, its whitespace aside
        return re.sub(r"\s", "", escape.xml(s, markup=False))

    for fmt, name in (("moodle", "quiz.xml"), ("gift", "quiz.gift"), ("qti", "quiz.zip")):
        path = os.path.join(_SCRATCH, name)
        with timed(f"writer: write_quiz {fmt}", text):
            write_quiz([q], path, fmt)
            [back] = read_quiz(path, fmt)  # the format's own reader (an XML parser for moodle, qti)
        assert (same(back.category), same(back.name), same(back.text)) == (same(q.category), same(q.name), same(q.text))
        assert (back.answer, back.tolerance) == (q.answer, q.tolerance)


@FEW
@example("=1+41")
@example("<script>alert(1)</script>")
@given(HOSTILE)
def test_network_quiz_export_with_hostile_student_ids(student):
    """A class's GIFT export with diagrams as links: each student's id names an SVG file and
    goes into a link and a question name. An id that is no plain file name is refused before
    anything is written; any other is read back as given, its diagram in the images folder
    and linked by its percent-encoded name."""
    from urllib.parse import quote

    from autograd.teaching.exports import read_quiz
    from nn.exercise import assignment
    from nn.exports import image_folder

    work = assignment([student, "Zq9Ben"], [2, 2, 1], "tanh", "half_sse", base_seed=5)
    folder = tempfile.mkdtemp(dir=_SCRATCH)
    path = os.path.join(folder, "quiz.gift")
    try:
        with timed("writer: Assignment.export gift (student ids)", student):
            work.export(path, "gift", image_url="https://example.org/backprop")
    except ValueError as e:
        assert str(e).startswith("Assignment.export: the file name ") and repr(student) in str(e)
        assert os.listdir(folder) == []  # refused before a file was written
        return
    questions = read_quiz(path, "gift")
    assert {q.name.split(": ", 1)[0] for q in questions} == {student, "Zq9Ben"}
    images = sorted(os.listdir(image_folder(path)))
    if any(images):  # Graphviz drew them
        assert images == sorted([student + ".svg", "Zq9Ben.svg"])
        assert any(f"https://example.org/backprop/{quote(student, safe='')}.svg" in q.text for q in questions)


# ---------------------------------------------------------------------------
# Every other writer of a page or a document: the unit-by-unit stepper, the training view,
# the hand check, the judge's verdict, check_engine's page, the scalar handouts, the class
# handouts and the course site. Each is handed hostile text wherever a user's text goes in.
# ---------------------------------------------------------------------------
MARK = "Zq9Mark"  # a text no writer changes: the baseline carries it where the hostile text goes


def only_through_tex(tex: str, baseline: str, text: str) -> None:
    """`tex` is `baseline` with MARK replaced by the text as escape.tex writes it, and
    that reads back (test_core_escape.read_tex) as the text: nothing else changed."""
    from autograd import escape
    from test_core_escape import read_tex

    written = escape.tex(text)
    assert tex == baseline.replace(MARK, written)
    assert read_tex(written) == re.sub("[\x00-\x1f\x7f\ud800-\udfff]", "?", re.sub("[\n\r\t]", " ", text))


@needs_dot
@FEW
@example("<script>alert(1)</script>", True)
@given(HOSTILE, st.booleans())
def test_unit_stepper_page(title, quiz):
    import nn

    model = nn.MLP(2, [2, 1], seed=1)
    path = os.path.join(_SCRATCH, "units.html")
    with timed("writer: backprop_steps(...).to_html (title)", title):
        steps = nn.backprop_steps(model, [0.5, -0.5], [0.2])
        page = open(steps.to_html(path, title=title, quiz=quiz), encoding="utf-8").read()
        baseline = open(steps.to_html(path, title="title", quiz=quiz), encoding="utf-8").read()
    only_as_text(page, baseline, title)


_VIEW = {}


def _view(title):
    import nn

    if not _VIEW:
        X, y = nn.data.moons(12, noise=0.1, seed=0)
        model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
        hist = nn.fit(model, X, y, "hinge", nn.SGD(model.parameters(), lr=0.1), epochs=3, progress=False,
                      record=True)
        _VIEW.update(model=model, X=X, y=y, hist=hist)
    return nn.TrainingView(_VIEW["model"], _VIEW["X"], _VIEW["y"], _VIEW["hist"], title=title)


@FEW
@example("</script><script>alert(1)</script>")
@given(HOSTILE)
def test_training_view_page_and_notebook_frame(title):
    path = os.path.join(_SCRATCH, "view.html")
    with timed("writer: TrainingView.to_html and _repr_html_ (title)", title):
        page = open(_view(title).to_html(path), encoding="utf-8").read()
        frame = _view(title)._repr_html_()
    only_as_text(page, open(_view("title").to_html(path), encoding="utf-8").read(), title)
    # in a notebook the page is an <iframe srcdoc="...">: one element, the page inside as text
    got = read_page(frame)
    assert got.tags == ["iframe"] and not [n for n, _ in got.attributes if n.startswith("on")]
    assert dict(got.attributes)["srcdoc"] == page.replace("\r\n", "\n") or dict(got.attributes)["srcdoc"] == page


@FEW
@example("<script>alert(1)</script>")
@given(HOSTILE)
def test_hand_check_and_verdict_html(text):
    from autograd import check_answer, hand_check

    def E(w):
        y = w * w
        y.label = text  # a student's own name for a node
        return y

    with timed("writer: HandCheck and Verdict _repr_html_", text):
        check = hand_check(E, {"w": 2 * 0.5 + 1}, {"w": 0.5})._repr_html_()
        verdict = check_answer(text, 0.5, what=text, hint=text)._repr_html_()
    base = hand_check(E, {"w": 2 * 0.5 + 1}, {"w": 0.5})._repr_html_()
    assert sorted(read_page(check).tags) == sorted(read_page(base).tags)
    got = read_page(verdict)
    assert sorted(got.tags) == sorted(read_page(check_answer("0.7", 0.5, what="w", hint="h")._repr_html_()).tags)
    assert not [n for n, _ in got.attributes if n.startswith("on")]
    assert text.strip() in "".join(got.text)


@needs_dot
def test_check_engine_page_shows_the_kind_only_as_text():
    from autograd import check_engine

    class V:  # a student's engine that overwrites δ instead of adding: the page is built
        def __init__(self, data, _children=()):
            self.data, self.grad, self._prev, self._back = data, 0.0, _children, lambda: None

        def __add__(self, other):
            other = other if isinstance(other, V) else V(other)
            out = V(self.data + other.data, (self, other))

            def back():
                self.grad = out.grad
                other.grad = out.grad

            out._back = back
            return out

        __radd__ = __add__

        def __mul__(self, other):
            other = other if isinstance(other, V) else V(other)
            out = V(self.data * other.data, (self, other))

            def back():
                self.grad = other.data * out.grad
                other.grad = self.data * out.grad

            out._back = back
            return out

        __rmul__ = __mul__

        def backward(self):
            order, seen = [], set()

            def visit(v):
                if id(v) not in seen:
                    seen.add(id(v))
                    for p in v._prev:
                        visit(p)
                    order.append(v)

            visit(self)
            self.grad = 1.0
            for v in reversed(order):
                v._back()

    import dataclasses

    report = check_engine(V, examples=30, seed=0)
    assert report.failures
    found = report.failures[0]
    path = os.path.join(_SCRATCH, "engine.html")
    baseline = open(found.stepper().to_html(path), encoding="utf-8").read()
    assert found.kind in "".join(read_page(baseline).text)
    # the page names the failure's kind; were it ever a hostile text, it is shown as text
    hostile = dataclasses.replace(found, kind="<img src=x onerror=alert(1)>")
    page = open(hostile.stepper().to_html(path), encoding="utf-8").read()
    only_as_text(page, baseline, hostile.kind)


@FEW
@example("<script>alert(1)</script>")
@example(r"\input{/etc/hostname}")
@given(HOSTILE)
def test_scalar_exercise_handouts(text):
    from autograd import exercise as scalar_exercise

    def labelled(label):
        def E(w, b):
            y = w * b
            y.label = label  # a node the instructor named
            return (y + w).tanh()

        return E

    def plain_E(w, b):
        return (w * b + w).tanh()

    from autograd.teaching.latex import tex_text

    at = {"w": 0.5, "b": -1.5}
    plain, ex, hostile = (scalar_exercise(plain_E, at), scalar_exercise(labelled(MARK), at),
                          scalar_exercise(labelled(text), at))
    with timed("writer: scalar handout html and tex (title, label)", text):
        for solutions in (False, True):
            only_as_text(plain.handout_html(title=text, solutions=solutions),
                         plain.handout_html(title="title", solutions=solutions), text)
            only_through_tex(plain.handout_latex(title=text, solutions=solutions),
                             plain.handout_latex(title=MARK, solutions=solutions), text)
            # a node's label: as text in the page, through the one TeX escaper in the document
            page = hostile.handout_html(solutions=solutions)
            assert sorted(read_page(page).tags) == sorted(read_page(ex.handout_html(solutions=solutions)).tags)
            assert hostile.handout_latex(solutions=solutions) == \
                ex.handout_latex(solutions=solutions).replace(MARK, tex_text(text))


@FEW
@given(st.lists(HOSTILE.filter(lambda s: s.strip()), min_size=1, max_size=3, unique=True))
def test_class_handouts_latex_titles(students):
    from nn.handout import class_latex

    exercises = [EX] * len(students)
    with timed("writer: class_latex (student ids)", students):
        tex = class_latex(exercises, titles=[f"Backprop ({s})" for s in students])
    base = class_latex(exercises, titles=[f"Backprop ({MARK}{i})" for i in range(len(students))])
    from autograd import escape

    for i, s in enumerate(students):
        base = base.replace(f"{MARK}{i}", escape.tex(s), 1)
    assert tex == base


@functools.lru_cache(maxsize=None)
def _course():
    import importlib.util

    spec = importlib.util.spec_from_file_location("playground_course_writers",
                                                  os.path.join(os.path.dirname(__file__), "..", "playground", "course.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@FEW
@example("<script>alert(1)</script>")
@example("</code></pre><img src=x onerror=alert(1)>")
@example("~^$#%&{}$")
@given(HOSTILE)
def test_course_pages(text):
    """A notebook's code, its outputs, the neighbours' titles and the index: only as text. Its
    Markdown is the author's markup (a heading, $math$, a lecture's name adds the notation box),
    but raw HTML in it is text too: no element or handler the text spelled appears."""
    pytest.importorskip("markdown_it", reason="the course pages need markdown-it-py (pip install 'deltagrad[site]')")
    course = _course()

    def notebook(t, markdown="# A notebook\n\nSome text."):
        return {"cells": [
            {"cell_type": "markdown", "source": markdown, "metadata": {}},
            {"cell_type": "code", "source": f"print({t!r})", "metadata": {}, "outputs": [
                {"output_type": "stream", "name": "stdout", "text": t},
                {"output_type": "error", "ename": "E", "evalue": t, "traceback": [t]},
                {"output_type": "execute_result", "data": {"text/plain": t}, "metadata": {}}]}]}

    lec = course.lectures()
    with timed("writer: course notebook page and index (cell text, outputs, titles)", text):
        page = course.notebook_page(notebook(text), "99_x", lec, ((text, text), None))
        index = course.index_page([(text, text, False)], lec)
        authored = course.notebook_page(notebook("x", markdown=f"# {text}\n\nText {text}."), "99_x", lec, (None, None))
    only_as_text(page, course.notebook_page(notebook("title"), "99_x", lec, (("t", "title"), None)), text)
    only_as_text(index, course.index_page([("t", "title", False)], lec), text)
    got, base = read_page(authored), read_page(course.notebook_page(notebook("x"), "99_x", lec, (None, None)))
    for tag in ("script", "img", "iframe", "object", "embed", "style", "svg", "form", "input", "textarea"):
        assert got.tags.count(tag) == base.tags.count(tag), tag
    assert not [n for n, _ in got.attributes if n.startswith("on")]
    assert not [v for _, v in got.attributes if "javascript:" in (v or "").lower()]


@needs_dot
def test_course_svg_output_keeps_the_drawing_and_drops_every_handler():
    pytest.importorskip("markdown_it", reason="the course pages need markdown-it-py (pip install 'deltagrad[site]')")
    course = _course()
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="alert(1)">'
           '<a xlink:href="javascript:alert(2)"><text ONCLICK=\'alert(3)\' x="1">a onload=b</text></a>'
           '<script>alert(4)</script><g onmouseover=alert(5)><rect width="1"/></g></svg>')
    html = course.render_output({"output_type": "display_data", "data": {"image/svg+xml": svg}})
    got = read_page(html)
    assert "script" not in got.tags and not [n for n, _ in got.attributes if n.startswith("on")]
    assert not [v for n, v in got.attributes if "javascript:" in (v or "")]
    assert "a onload=b" in "".join(got.text) and {"svg", "a", "text", "g", "rect"} <= set(got.tags)


@FEW
@given(st.dictionaries(HOSTILE.filter(lambda s: s.strip() == s and s), HOSTILE, min_size=1, max_size=3), HOSTILE)
def test_lms_gradebook_imports(answers_by_id, assignment):
    """Canvas's and Moodle's gradebook imports: student ids, the assignment's and the section's
    names never start a formula, and each reads back as written."""
    from autograd import escape

    book = grade(E, {s: {"w": a} for s, a in answers_by_id.items()}, {"w": 0.5})
    for lms in ("canvas", "moodle"):
        path = os.path.join(_SCRATCH, f"{lms}.csv")
        with timed(f"writer: Gradebook.to_csv(lms={lms!r})", (answers_by_id, assignment)):
            book.to_csv(path, lms=lms, assignment=assignment, **({"section": assignment} if lms == "canvas" else {}))
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        cells = [c for row in rows for c in row]
        numbers = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r")) and not numbers.fullmatch(c)]
        assert escape.spreadsheet_text(rows[0][-1]) == assignment
        ids = {escape.spreadsheet_text(r[0]) for r in rows[1:]} - {"Points Possible"}
        assert ids == set(answers_by_id)


@FEW
@given(st.lists(HOSTILE.filter(lambda s: s.strip() == s and s), min_size=1, max_size=2, unique=True))
def test_assignment_export(students):
    """A class's quiz (Assignment.export) with hostile student ids: each format's own reader gets
    every id back in its question's name, as text."""
    import nn
    from autograd import escape
    from autograd.teaching.exports import read_quiz

    work = nn.assignment(students, [2, 1, 1], "tanh", "half_sse")
    for fmt, name in (("moodle", "class.xml"), ("gift", "class.gift"), ("qti", "class.zip")):
        path = os.path.join(_SCRATCH, name)
        with timed(f"writer: Assignment.export {fmt} (student ids)", students):
            work.export(path, fmt, diagram=False)
            back = read_quiz(path, fmt)
        shown = {re.sub(r"\s", "", q.name) for q in back}
        for s in students:  # what survives every format: the id, its whitespace aside
            assert any(n.startswith(re.sub(r"\s", "", escape.xml(s, markup=False)) + ":") for n in shown), (s, shown)


# Every function that writes a file or a page, and the test above that hands it hostile text
# (or why no user's text reaches it). A new writer fails the test below until it is listed here.
WRITERS = {
    "autograd/drawing/draw.py::Drawing.save": "test_drawing_dot_and_svg (the DOT source it saves)",
    "autograd/drawing/draw.py::Drawing.render": "test_drawing_dot_and_svg (the DOT source it lays out)",
    "autograd/drawing/draw.py::render": "test_drawing_dot_and_svg",
    "autograd/teaching/exports.py::write_quiz": "test_quiz_exports",
    "autograd/teaching/exports.py::gradebook_csv": "test_lms_gradebook_imports",
    "autograd/teaching/grade.py::Gradebook._repr_html_": "test_gradebook_html_and_csv",
    "autograd/teaching/grade.py::Gradebook.to_csv": "test_gradebook_html_and_csv",
    "autograd/teaching/handcheck.py::HandCheck._repr_html_": "test_hand_check_and_verdict_html",
    "autograd/teaching/judge.py::Verdict._repr_html_": "test_hand_check_and_verdict_html",
    "autograd/teaching/latex.py::latex_pdf": "test_handout_latex, test_scalar_exercise_handouts (the TeX it compiles)",
    "autograd/teaching/steps.py::Stepper.to_html": "test_stepper_page, test_quiz_page, test_check_engine_page_shows_the_kind_only_as_text",
    "autograd/teaching/variants.py::write_handout": "test_scalar_exercise_handouts",
    "nn/demo.py::_save_figure": "no user text: the demo's own plots, PNG bytes",
    "nn/exports.py::export": "test_assignment_export (all three formats), test_network_quiz_export_with_hostile_student_ids "
                             "(GIFT with its linked diagrams)",
    "nn/handout.py::print_pdf": "test_handout_html (the page it prints)",
    "nn/handout.py::write_handout": "test_handout_html, test_handout_latex, test_class_handouts_latex_titles",
    "nn/io.py::save": "no user text: numbers only, each checked before it is written (the model-file tests)",
    "nn/textbook.py::BackpropSteps.to_html": "test_unit_stepper_page",
    "nn/training_view.py::TrainingView.to_html": "test_training_view_page_and_notebook_frame",
    "nn/training_view.py::TrainingView._repr_html_": "test_training_view_page_and_notebook_frame",
    "nn/unit_stepper.py::to_html": "test_unit_stepper_page",
    "playground/build.py::_fresh_folder": "no user text: a fixed marker line",
    "playground/build.py::build": "no user text: the build's own JSON (pins, wheel names)",
    "playground/course.py::build_course": "test_course_pages, test_course_svg_output_keeps_the_drawing_and_drops_every_handler",
    "playground/screenshot.py::main": "no user text: PNG bytes from Chromium",
    "bench/__main__.py::write_json": "no user text: measured numbers as JSON",
    "bench/report.py::update_docs": "no user text: the benchmark's own table",
    "docs/make_images.py::handouts": "no user text: PNG bytes of the docs' own handouts",
    "docs/make_images.py::screenshot": "no user text: PNG bytes from Chromium",
}


def _writers() -> set[str]:
    """Every function of the project that calls write_atomic, or is a page's to_html or _repr_html_."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    found = set()

    def visit(node, prefix, path):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if isinstance(child, ast.FunctionDef):
                    calls = {getattr(n.func, "id", getattr(n.func, "attr", "")) for n in ast.walk(child)
                             if isinstance(n, ast.Call)}
                    if "write_atomic" in calls or child.name in ("to_html", "_repr_html_"):
                        found.add(f"{path}::{name}")
                visit(child, name + ".", path)

    for folder in ("autograd", "nn", "playground", "bench", "docs"):
        for file in sorted((root / folder).rglob("*.py")):
            if "node_modules" not in file.parts:
                visit(ast.parse(file.read_text(encoding="utf-8")), "", file.relative_to(root).as_posix())
    return found


def test_every_writer_is_listed_with_the_test_that_hands_it_hostile_text():
    found = _writers()
    assert found - set(WRITERS) == set(), "a writer no hostile-text test covers yet: add its test and list it"
    assert set(WRITERS) - found == set(), "listed writers that no longer exist"
    tests = {name for name in globals() if name.startswith("test_")}
    for writer, covered in WRITERS.items():
        named = set(re.findall(r"test_\w+", covered))
        assert named <= tests and (named or covered.startswith("no ")), (writer, covered)
