"""Instructors' own ops: `defining.define` adds a row after checking its derivative, and
the op is then a method, a function, stepped, drawn, traced back and hand-checked
like a built-in."""

from __future__ import annotations

import math
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Value, backward_steps, draw, gradcheck, hand_check, rules, sigmoid
from autograd import ops
from autograd import defining
from autograd.graph import topological_order

from support import needs_torch, torch


@pytest.fixture
def swish():
    rule = defining.define(
        "swish",
        lambda a: a * sigmoid(a),
        lambda a: sigmoid(a) * (1 + a * (1 - sigmoid(a))),
        formula="a·σ(a)",
        derivative="σ(a)(1 + a(1 − σ(a)))",
    )
    yield rule
    defining.undefine("swish")


def test_a_defined_op_is_a_method_and_a_function(swish):
    x = Value(0.7, "x")
    out = x.swish()
    assert out.op == "swish" and out.parents == (x,)
    assert autograd.swish(x).data == out.data == 0.7 * (1 / (1 + math.exp(-0.7)))
    assert type(autograd.swish(0.7)) is float and autograd.swish(0.7) == out.data
    from autograd import swish as imported

    assert imported(0.7) == out.data


@given(st.floats(-8, 8, allow_nan=False))
def test_a_defined_ops_derivative_agrees_with_central_differences(x):
    defining.define("swish_h", lambda a: a * sigmoid(a), lambda a: sigmoid(a) * (1 + a * (1 - sigmoid(a))))
    try:
        report = gradcheck(lambda a: (a.swish_h() * a).sin(), [x])
        assert report.ok, report
    finally:
        defining.undefine("swish_h")


@needs_torch
def test_a_defined_op_matches_pytorch(swish):
    for x in [-3.0, -0.2, 0.0, 1.5]:
        v = Value(x)
        v.swish().backward()
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        torch.nn.functional.silu(t).backward()
        assert v.grad == pytest.approx(t.grad.item(), rel=1e-12, abs=1e-15)


def test_a_defined_op_is_stepped_with_its_derivative_text(swish):
    x = Value(0.4, "x")
    out = (x * 2).swish()
    out.label = "s"
    steps = backward_steps(out)
    term = next(t for s in steps for t in s.terms if t.consumer is out)
    assert term.formula == "∂swish/∂a = σ(a)(1 + a(1 − σ(a)))"
    assert rules.RULES["swish"].expression == "a·σ(a)"


def test_a_defined_op_is_drawn_and_read_back(swish):
    x = Value(0.4, "x")
    out = x.swish().tanh()
    assert "swish" in draw(out).source
    for node in topological_order(out):
        if node.parents:
            rule, constants = ops.parse_op(node.op)
            assert rule.fn(*(p.data for p in node.parents), *constants) == (node.data, node.local_grads)


def test_a_defined_op_is_hand_checked_like_a_built_in(swish):
    s = lambda a: 1 / (1 + math.exp(-a))  # noqa: E731
    right = hand_check(lambda a: a.swish(), claimed={"a": lambda a: s(a) * (1 + a * (1 - s(a)))},
                       at={"a": 0.3}, n_random=10)
    assert right.ok
    wrong = hand_check(lambda a: a.swish(), claimed={"a": lambda a: s(a)}, at={"a": 0.3})
    assert not wrong.ok


def test_d_of_a_defined_op_is_built_from_df_and_differentiable(swish):
    x = Value(0.5)
    out = x.swish()
    first = swish.d(x, out)[0]  # df written with autograd's sigmoid: a graph
    assert isinstance(first, Value) and first.data == out.local_grads[0]
    first.backward()  # the second derivative
    h = 1e-5
    numeric = (Value(0.5 + h).swish().local_grads[0] - Value(0.5 - h).swish().local_grads[0]) / (2 * h)
    assert x.grad == pytest.approx(numeric, rel=1e-6)


def test_a_wrong_derivative_is_refused_at_definition():
    with pytest.raises(ValueError, match="wrong at a = ") as info:
        defining.define("bad_swish", lambda a: a * sigmoid(a), lambda a: sigmoid(a))
    assert "central difference" in str(info.value)
    assert "bad_swish" not in rules.RULES and not hasattr(Value, "bad_swish")


def test_an_op_of_two_parents():
    defining.define("mul_add", lambda a, b: a * b + a, lambda a, b: (b + 1, a),
                 formula="a·b + a", derivative=("b + 1", "a"))
    try:
        a, b = Value(2.0, "a"), Value(-3.0, "b")
        out = a.mul_add(b)
        out.backward()
        assert (out.data, a.grad, b.grad) == (-4.0, -2.0, 2.0)
        assert out.local_grads == (-2.0, 2.0)
        assert ops.formula("mul_add", 1, 2) == "∂mul_add/∂b = a"
        assert autograd.mul_add(2.0, b).data == -4.0  # a number operand becomes a leaf
    finally:
        defining.undefine("mul_add")


def test_check_points_outside_the_domain_are_skipped_and_too_few_are_refused():
    defining.define("log_sq", lambda a: autograd.log(a) ** 2, lambda a: 2 * autograd.log(a) / a)
    try:  # the negative default points are outside log's domain: skipped
        assert Value(2.0).log_sq().local_grads[0] == pytest.approx(math.log(2.0))
    finally:
        defining.undefine("log_sq")
    with pytest.raises(ValueError, match="points="):
        defining.define("tiny", lambda a: autograd.sqrt(1e-3 - a * a), lambda a: -a / autograd.sqrt(1e-3 - a * a))
    defining.define("tiny", lambda a: autograd.sqrt(1e-3 - a * a), lambda a: -a / autograd.sqrt(1e-3 - a * a),
                 points=[0.01, -0.02])
    defining.undefine("tiny")


@pytest.mark.parametrize("name", ["sin", "arcsin", "data", "backward", "2x", "_private", "sum"])
def test_names_already_taken_or_not_names_are_refused(name):
    with pytest.raises(ValueError):
        defining.define(name, lambda a: a, lambda a: 1.0)


@pytest.mark.parametrize("name, why", [
    ("lambda", "keyword"), ("class", "keyword"), ("match", "keyword"), ("None", "keyword"),
    ("ＳＷＩＳＨ", "reads the name"), ("ﬁx", "reads the name"),  # Python reads them as SWISH, fix
    ("print", "built-in"), ("len", "built-in")])
def test_a_name_no_one_could_call_as_written_is_refused(name, why):
    """x.lambda() is a syntax error, x.ＳＷＩＳＨ() calls SWISH, autograd.print would hide print:
    each is refused with the reason, and nothing is added to the table."""
    with pytest.raises(ValueError, match=why):
        defining.define(name, lambda a: a, lambda a: 1.0)
    assert name not in rules.RULES and unicodedata.normalize("NFKC", name) not in rules.RULES


def test_an_op_giving_a_complex_number_is_refused_at_definition_by_name():
    with pytest.raises(TypeError, match="cplx: f gave the complex number"):
        defining.define("cplx", lambda a: (a + 0j) ** 0.5 if isinstance(a, float) else a, lambda a: 1.0)
    assert "cplx" not in rules.RULES


def test_defining_again_needs_replace_and_replaces_the_op():
    defining.define("twice", lambda a: 2 * a, lambda a: 2.0)
    try:
        with pytest.raises(ValueError, match="replace=True"):
            defining.define("twice", lambda a: 3 * a, lambda a: 3.0)  # a notebook cell run again, edited
        assert Value(1.0).twice().data == 2.0
        defining.define("twice", lambda a: 3 * a, lambda a: 3.0, replace=True)
        assert Value(1.0).twice().data == 3.0
    finally:
        defining.undefine("twice")
    assert not hasattr(Value, "twice") and "twice" not in rules.RULES
