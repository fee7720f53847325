"""Hostile text through every writer: a node's label, a page title, a handout title, a
student's id and answer. Each output is read back by its own language's parser (HTML by
html.parser, SVG by xml.etree, CSV by csv, DOT by Graphviz, TeX by the grammar's rules)
and must carry the text only as text: no element, attribute, command or formula that
the text spelled appears, and the text itself is there to read."""

from __future__ import annotations

import csv
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
