"""Fuzzing `define`: any name, any of a set of right, wrong and broken functions. Each
call either adds an op that a student can call as x.name() and autograd.name(x), whose
value and derivative are f's and df's, or is refused with a TypeError or ValueError that
says "define" — and a refused call changes nothing."""

from __future__ import annotations

import builtins
import keyword
import math
import unicodedata

import pytest
from hypothesis import example, given, strategies as st

import autograd
from autograd import Value, define, sigmoid, undefine
from autograd.defining import DEFINED
from autograd.rules import RULES

from fuzzing import fuzz_settings, timed

pytestmark = pytest.mark.fuzz

NAMES = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["swish", "sq", "rule1", "Rule1", "GELUish", "gelu_ish", "lambda", "None", "match", "_x",
                     "ＳＷＩＳＨ", "ﬁx", "tanh", "exp", "sum", "abs", "print", "program", "inf", "data", "grad",
                     "backward", "x1", "1x", "a b", "", "é", "δ", "ａ"]),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True))

# (f, df, what a correct define gives at 0.3): right ones, a wrong derivative, broken ones.
FUNCTIONS = [
    (lambda a: a * a, lambda a: 2 * a, "square"),
    (lambda a: a * sigmoid(a), lambda a: sigmoid(a) * (1 + a * (1 - sigmoid(a))), "swish"),
    (lambda a, b: a * b + b, lambda a, b: (b, a + 1), "two parents"),
    (lambda a: a * a, lambda a: 3 * a, "wrong derivative"),
    (lambda a: (-1 - a * a) ** 0.5, lambda a: 1.0, "complex value"),
    (lambda a: "text", lambda a: 1.0, "not a number"),
    (lambda a: a, lambda a: (1.0, 2.0), "two derivatives for one parent"),
    (lambda: 1.0, lambda: (), "no parent"),
    (None, None, "not callable"),
    (lambda a: math.log(a), lambda a: 1 / a, "a domain"),
]


@fuzz_settings()
@example("ＳＷＩＳＨ", 0)
@example("print", 0)
@example("rule1", 0)
@given(NAMES, st.integers(0, len(FUNCTIONS) - 1))
def test_define(name, which):
    f, df, what = FUNCTIONS[which]
    before = (set(RULES), set(DEFINED))
    with timed("define", (name, what)):
        try:
            rule = define(name, f, df)
        except (TypeError, ValueError) as err:
            assert "define" in str(err) or name in str(err), err
            assert (set(RULES), set(DEFINED)) == before  # a refused define changes nothing
            return
    try:
        # a defined op is callable as written: an identifier, as Python reads it, not a keyword
        assert name.isidentifier() and not keyword.iskeyword(name)
        assert unicodedata.normalize("NFKC", name) == name and not hasattr(builtins, name)
        assert what in ("square", "swish", "two parents", "a domain")
        args = [Value(0.3), Value(0.7)][:rule.arity]
        out = getattr(args[0], name)(*args[1:])
        assert out.data == pytest.approx(f(*[a.data for a in args]))
        assert getattr(autograd, name)(*[a.data for a in args]) == out.data
        out.backward()
        expected = df(*[a.data for a in args])
        expected = expected if isinstance(expected, tuple) else (expected,)
        assert [a.grad for a in args] == pytest.approx(list(expected))
    finally:
        undefine(name)
    assert (set(RULES), set(DEFINED)) == before


@pytest.mark.parametrize("name", ["Stepper", "hessian", "draw", "compile", "escape", "rules", "drawing"])
def test_a_name_autograd_already_has_is_refused(name):
    # autograd.Stepper is the stepper class: an op of that name could never be autograd.Stepper(x)
    with pytest.raises(ValueError, match=rf"autograd\.{name} is already something else"):
        define(name, lambda a: a * a, lambda a: 2 * a)
    assert name not in RULES and name not in DEFINED
