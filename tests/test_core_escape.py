"""autograd.escape: each language's escaping, checked by that language's own parser (or,
for TeX and GIFT, a reader of the grammar's few rules): hostile text comes back as the
same text, never as markup, a command or a formula."""
from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from hypothesis import example, given, strategies as st

from autograd import escape
from autograd.escape import visible

# Text a writer may be handed: every code point (lone surrogates and controls included),
# weighted towards the characters each language treats specially.
SPECIALS = "<>&\"'\\{}$%#_~^|=:@+-\t\r\n\x00\x0b\ud800\ufffe;/*![]`"
hostile = st.text(st.one_of(st.sampled_from(SPECIALS), st.characters()), max_size=40)
PAYLOADS = ["<script>alert(1)</script>", "\" onmouseover=\"alert(1)", "'><img src=x onerror=alert(1)>",
            r"\input{/etc/hostname}", "jane_doe", "100% & #1 $x^2$ ~", "=HYPERLINK(\"http://x\",\"y\")",
            "=1+41", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "a\\", "a\\\"b", "]]><!--", "&amp;", "\x00\x01\ud800",
            "::title::{=a ~b}", "// comment", "$CATEGORY: x", "{a|b}<c>", "\\N \\G \\l", "\n\nnew paragraph"]


def xml_expected(text: str) -> str:
    """What an XML or HTML reader should get back: the text, characters XML forbids replaced."""
    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", escape.REPLACEMENT, text)


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.data = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.data.append(data)


@example(PAYLOADS[0])
@example(PAYLOADS[1])
@example(PAYLOADS[2])
@example("\r\n\x00")
@given(hostile)
def test_html_text_and_attribute_carry_the_text_only_as_text(text):
    p = _Collect()
    p.feed(f'<p title="{escape.html(text)}">{escape.html(text)}</p>')
    p.close()
    assert p.tags == [("p", [("title", xml_expected(text))])]  # no other element, no other attribute
    assert "".join(p.data) == xml_expected(text)


@example(PAYLOADS[0])
@example("]]>\t\n\r")
@example("\ud800\x00")
@given(hostile)
def test_xml_element_and_attribute_parse_back_to_the_text(text):
    root = ET.fromstring(f'<a b="{escape.xml(text, attribute=True)}" c="{escape.html(text)}">{escape.xml(text)}</a>')
    assert len(root) == 0 and set(root.attrib) == {"b", "c"}
    assert root.attrib["b"] == xml_expected(text)
    assert (root.text or "") == xml_expected(text)
    # escape.html serves SVG read as XML too (there, attribute whitespace becomes spaces)
    assert root.attrib["c"] == re.sub("[\t\n]", " ", xml_expected(text))


# The inverse of escape.tex, written from LaTeX's rules: a control word ends at a non-letter
# ({} after it is an empty group), \X of a special X prints X.
_TEX_COMMANDS = {r"\textbackslash{}": "\\", r"\textasciitilde{}": "~", r"\textasciicircum{}": "^",
                 r"\textless{}": "<", r"\textgreater{}": ">", r"\textbar{}": "|"}


def read_tex(source: str) -> str:
    out, i = [], 0
    while i < len(source):
        ch = source[i]
        assert ch not in "$&%#_~^{}", f"unescaped TeX special {ch!r} at {i} in {source!r}"
        assert ch not in "\n\r\t" and not ("\x00" <= ch < " " or ch == "\x7f"), f"control character at {i}"
        if ch == "\\":
            command = next((c for c in _TEX_COMMANDS if source.startswith(c, i)), None)
            if command:
                out.append(_TEX_COMMANDS[command])
                i += len(command)
                continue
            assert source[i + 1: i + 2] in set("{}$&%#_"), f"unexpected TeX command at {i} in {source!r}"
            out.append(source[i + 1])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


@example(PAYLOADS[3])
@example(PAYLOADS[4])
@example(PAYLOADS[5])
@example(PAYLOADS[-1])
@given(hostile)
def test_tex_has_no_live_special_and_reads_back_as_the_text(text):
    source = escape.tex(text)
    assert "input" not in source or r"\input" not in source  # never a command the text spelled
    expected = re.sub("[\n\r\t]", " ", text)
    expected = re.sub("[\x00-\x1f\x7f\ud800-\udfff]", "?", expected)
    assert read_tex(source) == expected


def test_tex_escapes_the_handout_title_examples():
    assert escape.tex(r"\input{/etc/hostname}") == r"\textbackslash{}input\{/etc/hostname\}"
    assert escape.tex("jane_doe ~x") == r"jane\_doe \textasciitilde{}x"


def read_gift(source: str) -> str:
    out, i = [], 0
    while i < len(source):
        ch = source[i]
        assert ch not in "~=#{}:\n\r", f"unescaped GIFT special {ch!r} at {i} in {source!r}"
        if ch == "\\":
            nxt = source[i + 1]
            out.append("\n" if nxt == "n" else nxt)
            assert nxt in "n~=#{}:\\"
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


@example("::title::{=a ~b #c}")
@example("a\\")
@example("line\r\nnext")
@example("\ud800")
@given(hostile)
def test_gift_reads_back_as_the_text_on_one_line(text):
    assert read_gift(escape.gift(text)) == re.sub("[\ud800-\udfff]", escape.REPLACEMENT, text.replace("\r", ""))


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@example("=1+41")
@example("=HYPERLINK(\"http://x\",\"y\")")
@example("-0.5")
@example("'=x")
@example("\r=1")
@given(st.one_of(hostile, st.floats(), st.integers()))
def test_spreadsheet_cell_is_never_a_formula_and_reads_back(value):
    buffer = io.StringIO(newline="")  # the csv default line end "\r\n" makes it quote a lone CR or LF
    csv.writer(buffer).writerow([escape.spreadsheet_cell(value), "next"])
    [cell, nxt] = next(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert nxt == "next"
    is_number = re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", cell) is not None
    assert is_number or not cell.startswith(FORMULA_START)
    expected = "" if value is None else str(value)
    assert escape.spreadsheet_text(cell) == expected


def test_spreadsheet_numbers_stay_numbers():
    assert escape.spreadsheet_cell(-0.5) == -0.5 and escape.spreadsheet_cell("-0.5") == "-0.5"
    assert escape.spreadsheet_cell("=2*21") == "'=2*21"
    assert escape.spreadsheet_cell(float("-inf")) == "'-inf"


def read_dot_label(quoted_body: str, record: bool) -> str:
    """How Graphviz reads a label written as escape.dot produced it: \\X is X, &amp; is &."""
    out, i = [], 0
    while i < len(quoted_body):
        ch = quoted_body[i]
        assert ch != '"', "an unescaped quote would end the string"
        if record:
            assert ch not in "{}|<>", f"unescaped record character {ch!r}"
        if ch == "\\":
            out.append(quoted_body[i + 1])
            i += 2
            continue
        if ch == "&":
            assert quoted_body.startswith("&amp;", i)
            out.append("&")
            i += 5
            continue
        out.append(ch)
        i += 1
    return "".join(out)


@example("a\\", True)
@example('a\\"b', False)
@example("{a|b}<c>", True)
@example("\\N \\G", False)
@given(hostile, st.booleans())
def test_dot_label_reads_back_as_the_visible_text(text, record):
    assert read_dot_label(escape.dot(text, record=record), record) == visible(text)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed; its own parser cannot be asked")
def test_graphviz_parses_every_payload_as_one_label():
    lines = [f'n{i} [label="{escape.dot(t)}"]; r{i} [shape=record label="{escape.dot(t, record=True)}|x"]'
             for i, t in enumerate(PAYLOADS)]
    source = "digraph {\n" + "\n".join(lines) + "\n}\n"
    run = subprocess.run(["dot", "-Tcanon"], input=source.encode(), capture_output=True, timeout=60)
    assert run.returncode == 0, run.stderr.decode()
    assert b"Warning" not in run.stderr and b"Error" not in run.stderr, run.stderr.decode()
    canon = run.stdout.decode()
    assert all(f"n{i}" in canon and f"r{i}" in canon for i in range(len(PAYLOADS)))  # every node, no other


@example({"rule": "</script><script>alert(1)</script>", "x": "<!--"})
@given(st.recursive(st.none() | st.booleans() | st.floats(allow_nan=False, allow_infinity=False) | hostile,
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile, inner, max_size=3),
                    max_leaves=8))
def test_script_json_never_ends_its_script_and_reads_back(value):
    import json

    data = escape.script_json(value, ensure_ascii=False)
    assert "<" not in data  # so neither </script> nor <!-- can appear, whatever the strings hold
    assert json.loads(data) == value


# latex_name: a node's name as LaTeX (steps, forward steps, handouts, variants) escapes through
# escape.tex, the one home of TeX escaping; only the lectures' network names are typeset as math.
NAMES = ["jane_doe", "a&b", "100%", "#1", "$x$", "{a}", "}{", "~x", "x^2", "a\\b", r"\input{/etc/hostname}",
         "_ & % # $ { } ~ ^ \\", "x1\n", "a[1]_2 ", "<b>|</b>", "line\nbreak\tand\x00nul"]


@pytest.mark.parametrize("name", NAMES)
def test_latex_name_of_a_hostile_name_is_text_escaped_by_tex(name):
    from autograd.names import latex_name

    source = latex_name(name)
    assert source.startswith(r"\text{") and source.endswith("}")
    inner = source[len(r"\text{"):-1]
    assert inner == escape.tex(name)  # one home: the same escaping as every TeX writer
    expected = re.sub("[\x00-\x1f\x7f]", "?", re.sub("[\n\r\t]", " ", name))
    assert read_tex(inner) == expected


@given(hostile)
def test_latex_name_is_math_for_network_names_and_escaped_text_otherwise(name):
    from autograd.names import latex_name

    source = latex_name(name)
    if re.fullmatch(r"[A-Za-z]+\[\d+\]_(\{\d+(,\d+)*\}|\d+)|[A-Za-z]\d+", name):
        assert not source.startswith(r"\text{")  # a[1]_2, w[2]_{1,3}, x1: the lectures' math
    else:
        assert read_tex(source[len(r"\text{"):-1]) == re.sub(
            "[\x00-\x1f\x7f\ud800-\udfff]", "?", re.sub("[\n\r\t]", " ", name))


@pytest.mark.skipif(shutil.which("pdflatex") is None or shutil.which("pdftotext") is None,
                    reason="pdflatex and pdftotext (TeX Live, poppler-utils) not installed: the names are "
                           "compiled to a PDF and read back")
def test_hostile_names_compile_and_print_as_written(tmp_path):
    """Every name of NAMES inside the formulas the steps write ($\\partial E/\\partial name$)
    compiles with pdflatex and prints its characters, reading no file."""
    from autograd.names import latex_delta, latex_name

    printable = [n for n in NAMES if "\x00" not in n and "\n" not in n and "\t" not in n]
    body = "\n".join(rf"\noindent[{i}] $\partial E/\partial {latex_name(n)} \quad {latex_delta(n)}$\par"
                     for i, n in enumerate(printable))
    source = ("\\documentclass{article}\n\\usepackage[utf8]{inputenc}\n\\usepackage{amsmath}\n"
              f"\\begin{{document}}\n{body}\n\\end{{document}}\n")
    (tmp_path / "names.tex").write_text(source, encoding="utf-8")
    run = subprocess.run(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "names.tex"],
                         cwd=tmp_path, capture_output=True, timeout=120, env={**os.environ, "openin_any": "p"})
    assert run.returncode == 0, run.stdout.decode("utf-8", "replace")[-800:]
    text = subprocess.run(["pdftotext", "-layout", "names.pdf", "-"], cwd=tmp_path, capture_output=True,
                          timeout=60).stdout.decode("utf-8", "replace")
    assert "hostname}" in text and "/etc/hostname" in text  # \input was printed, not run
    def shown(s: str) -> str:  # the glyphs as pdftotext reads them back: OT1 draws \_ as a rule, no text
        return re.sub(r"[\s_]", "", s.replace("ˆ", "^").replace("˜", "~"))

    for i, n in enumerate(printable):
        line = next(l for l in text.splitlines() if f"[{i}]" in l)
        assert shown(n) in shown(line), (n, line)
