"""Fuzzing the readers: every reader of text a student or a file supplies either returns
what its documentation promises or raises its documented error, with a message, for any
input at all. Each target runs EXAMPLES inputs (150; 10,000 with DELTAGRAD_FUZZ=full or
`make fuzz`), and the run's summary lists each target's slowest inputs (tests/fuzzing.py)."""

from __future__ import annotations

import json
import math
import os
import string
import tempfile
import warnings

import pytest
from hypothesis import given, strategies as st

import nn
from autograd.teaching.expr import FUNCTIONS, ExprError, parse, parse_assignments, trace
from autograd.teaching.grade import Gradebook, grade, read_answers

try:  # the one number reader of every check (the judge's); before it, grading's own
    from autograd.teaching.judge import read_number as read_answer
except ImportError:
    from autograd.teaching.grade import parse_answer as read_answer
from nn import io as model_io
from nn.io import ModelFileError

from fuzzing import fuzz_settings, timed

pytestmark = pytest.mark.fuzz

_SCRATCH = tempfile.mkdtemp(prefix="deltagrad-fuzz-")  # one file per target, rewritten per input


def scratch(name: str) -> str:
    return os.path.join(_SCRATCH, name)


# ---------------------------------------------------------------------------
# The number reader: an answer as a student types it
# ---------------------------------------------------------------------------
NUMBERISH = st.lists(st.sampled_from(list("0123456789.,-−–+eE/() \t_^×⁻¹²≈") + ["½", "⁄", "٣", "inf", "nan", "1e309",
                                                                                  "(3 s.f.)", "×10^", "10⁻³", "s.f."]),
                     max_size=30).map("".join)
ANSWERS = st.one_of(NUMBERISH, st.text(max_size=80), st.binary(max_size=40), st.floats(), st.integers(),
                    st.floats(allow_nan=False, allow_infinity=False).map(repr), st.none(), st.booleans(),
                    st.lists(st.floats(), max_size=2))


@fuzz_settings()
@given(ANSWERS)
def test_number_reader(answer):
    with timed(f"number reader ({read_answer.__name__})", answer):
        value, status = read_answer(answer)  # documented: never raises
    assert status in ("ok", "missing", "unreadable")
    assert (status == "ok") == (value is not None)
    if value is not None:
        assert type(value) is float and math.isfinite(value)


@fuzz_settings()
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_number_reader_reads_every_float_it_is_shown(x):
    with timed("number reader, round trip of repr and the real minus", x):
        assert tuple(read_answer(repr(x))) == (x, "ok")
        assert tuple(read_answer(repr(x).replace("-", "−"))) == (x, "ok")


# ---------------------------------------------------------------------------
# The trace parser: `deltagrad trace "<expression>" x=...`
# ---------------------------------------------------------------------------
_TOKENS = (["x", "y", "n1", "n2", "f", "w_1", "(", ")", "(", ")", "+", "-", "*", "/", "**", "%", ",", " ",
            "1", "2.5", "0", "-0.0", "1e308", "1e-320", "10**10**10", "inf", "nan", "True", "None",
            "lambda", "__import__", "[", "]", ".", "'", '"', "\\", "\n", "=", "@", "~", "if", "x.real",
            "ﬁ", "x\u200b", "\x00"] + sorted(FUNCTIONS))
_VARIABLES = st.sampled_from(["x", "y", "n1", "n2", "f", "w_1"])
_LEAVES = st.one_of(_VARIABLES, _VARIABLES, _VARIABLES, st.floats(allow_nan=False).map(repr),
                    st.sampled_from(["0", "-0.0", "1e308", "1e-320", "2"]))


def _arity(name: str) -> int:
    """The fewest arguments a function of the trace takes (its constants left to their defaults)."""
    return FUNCTIONS[name][0]


def _grow(inner):
    return st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**", "%"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.sampled_from(sorted(FUNCTIONS)).flatmap(
            lambda name: st.lists(inner, min_size=_arity(name), max_size=_arity(name))
            .map(lambda args: f"{name}({', '.join(args)})")),
        inner.map(lambda e: f"-{e}"))


# Well-formed expressions (which reach the engine), token soup and any text (which test the parser).
WELL_FORMED = st.recursive(_LEAVES, _grow, max_leaves=12)
WITH_A_VARIABLE = st.tuples(WELL_FORMED, st.sampled_from(["+", "*", "/", "**"]), _VARIABLES).map(" ".join)
EXPRESSIONS = st.one_of(WITH_A_VARIABLE, WITH_A_VARIABLE, WELL_FORMED,
                        st.tuples(WELL_FORMED, st.integers(0, 40), st.sampled_from(_TOKENS))
                        .map(lambda t: t[0][:t[1]] + t[2] + t[0][t[1]:]),
                        st.lists(st.sampled_from(_TOKENS), max_size=25).map("".join), st.text(max_size=60))


@fuzz_settings()
@given(EXPRESSIONS, st.data())
def test_trace_parser(text, data):
    with timed("trace parser (parse)", text), warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing printed to the user's terminal either
        try:
            _, names = parse(text)
        except ExprError as err:
            assert str(err)
            return
    values = {n: data.draw(st.floats(-1e3, 1e3) | st.sampled_from([0.0, -0.0, 1e308, 5e-324]), label=n)
              for n in names}
    with timed("trace parser (trace with values)", (text, values)):
        try:
            t = trace(text, values)
        except ExprError as err:
            assert str(err)
            return
        report = t.report()
    assert isinstance(report, str) and set(t.gradients) == set(names)
    assert all(math.isfinite(g) for g in t.gradients.values())


ASSIGNMENTS = st.lists(st.one_of(
    st.tuples(st.sampled_from(["x", "y", "ﬁ", "1x", "tanh", "if", "", " x "]),
              st.sampled_from(["=", "", "=="]),
              st.one_of(st.floats().map(repr), st.text(max_size=8))).map("".join),
    st.text(max_size=20)), max_size=4)


@fuzz_settings()
@given(ASSIGNMENTS)
def test_trace_assignments(items):
    with timed("trace assignments (parse_assignments)", items):
        try:
            values = parse_assignments(items)
        except ExprError as err:
            assert str(err)
            return
    assert all(name.isidentifier() and math.isfinite(v) for name, v in values.items())


# ---------------------------------------------------------------------------
# The model loader: a file that claims to be a model
# ---------------------------------------------------------------------------
_BASE = json.dumps(model_io.to_dict(nn.MLP(2, [2, 1], seed=0)))
_INSERTS = ["[", "]", "{", "}", ",", ":", '"', "1e999", "-", "0", "null", "true", '"nin"', '"sizes"',
            "\\u0000", "9" * 40, "[[[[", '"layers": []', "NaN", "Infinity", '"x": 1, "x": 2', " ", "\n"]


@st.composite
def mutated_files(draw) -> bytes:
    """A valid model file with a few edits: characters deleted or inserted, a raw byte put in."""
    text = _BASE
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["delete", "insert", "insert", "replace number"]))
        if kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 12)):]
        elif kind == "insert":
            text = text[:at] + draw(st.sampled_from(_INSERTS)) + text[at:]
        else:
            digit = next((i for i in range(at, len(text)) if text[i].isdigit()), None)
            if digit is not None:
                text = text[:digit] + draw(st.sampled_from(["1e400", "-", "true", "\"0.5\"", "[0.5]", "99999"])) + text[digit + 1:]
    data = text.encode()
    if draw(st.booleans()) and draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\x00", b"\xef\xbb\xbf"])) + data[at:]
    return data


JSON = st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=12)


@st.composite
def replaced_fields(draw) -> bytes:
    """A valid model document with one field, anywhere in it, replaced by any JSON value."""
    doc = json.loads(_BASE)
    node, key = doc, None
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        key = draw(st.sampled_from(keys))
        if isinstance(node[key], (dict, list)) and node[key] and draw(st.booleans()):
            node = node[key]
            continue
        break
    node[key] = draw(JSON)
    return json.dumps(doc).encode()


@fuzz_settings()
@given(st.one_of(mutated_files(), replaced_fields(), st.binary(max_size=200)))
def test_model_loader(data):
    path = scratch("model.json")
    with open(path, "wb") as f:
        f.write(data)
    with timed("model loader (nn.load)", data):
        try:
            model = nn.load(path)
        except ModelFileError as err:
            assert str(err).startswith(f"{path}: ")
            return
    params = [p.data for p in model.parameters()]
    assert all(type(v) is float and math.isfinite(v) for v in params)
    model.save(path)  # what loads also saves, and reads back the same
    assert [p.data for p in nn.load(path).parameters()] == params


# ---------------------------------------------------------------------------
# The CSV reader: a class's answers from a spreadsheet
# ---------------------------------------------------------------------------
CSV_TEXT = st.one_of(
    st.lists(st.sampled_from(list('ab,"\n\r;=+-0.5 \t') + ["\ufeff", "−", "é", "score", " verdict", "'"]),
             max_size=60).map("".join),
    st.text(max_size=120))


# Files as spreadsheets save them: UTF-8 (with or without a byte-order mark), UTF-16,
# cp1252, or any bytes at all.
CSV_FILES = st.one_of(
    CSV_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
    CSV_TEXT.map(lambda t: "\ufeff".encode() + t.encode("utf-8", "surrogatepass")),
    CSV_TEXT.map(lambda t: t.encode("utf-16", "surrogatepass")),
    CSV_TEXT.map(lambda t: t.encode("cp1252", "replace")),
    st.binary(max_size=200))


@fuzz_settings()
@given(CSV_FILES)
def test_csv_reader(data):
    path = scratch("answers.csv")
    with open(path, "wb") as f:
        f.write(data)
    with timed("CSV reader (grade.read_answers)", data):
        try:
            answers = read_answers(path)
        except ValueError as err:  # documented: the file (and line) named, and what is wrong
            assert path in str(err), err
            return
    assert all(isinstance(s, str) and isinstance(row, dict) for s, row in answers.items())
    assert all(isinstance(k, str) and isinstance(v, str) for row in answers.values() for k, v in row.items())


IDS = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12).filter(lambda s: s.strip() == s)


@fuzz_settings()
@given(st.dictionaries(IDS, st.one_of(st.text(max_size=10), st.floats(), st.none()), min_size=1, max_size=4))
def test_csv_written_then_read_gives_the_answers_back(answers_w):
    def E(w):
        return w * w

    answers = {s: {"w": a} for s, a in answers_w.items()}
    path = scratch("marks.csv")
    with timed("CSV round trip (Gradebook.to_csv, read_answers)", answers_w):
        book: Gradebook = grade(E, answers, {"w": 0.5})
        book.to_csv(path)
        back = read_answers(path)
    for s, given in answers.items():
        shown = back[s.strip()]["w"]
        a = given["w"]
        expected = "" if a is None else str(a)
        assert shown == expected, (s, a, shown)


# keep the alphabet import used (the ids above draw from it for readability in failures)
assert string.ascii_letters
