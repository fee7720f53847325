"""A recorded node keeps the row it was made with, and `define` takes only names that
can be called: redefining an op needs replace=True and never changes what a graph
already built computes (its gradients as graphs, its Hessian, its compiled program)."""

from __future__ import annotations

import pytest

import autograd
from autograd import Value, compile, defining, grad, hessian, ops


@pytest.fixture
def sq():
    defining.define("sq", lambda a: a * a, lambda a: 2 * a)
    yield
    if "sq" in defining.DEFINED:
        defining.undefine("sq")


def test_redefining_needs_replace(sq):
    with pytest.raises(ValueError, match="replace=True"):
        defining.define("sq", lambda a: a * a * a, lambda a: 3 * a * a)
    assert Value(3.0).sq().data == 9.0


def test_a_graph_keeps_its_rule_after_the_op_is_redefined(sq):
    x = Value(3.0, "x")
    y = x.sq()
    defining.define("sq", lambda a: a * a * a, lambda a: 3 * a * a, replace=True)
    assert x.sq().data == 27.0  # new nodes use the new row
    assert ops.parse_op(y.op)[0].fn(3.0) == (9.0, (6.0,))  # the old node, its old row
    assert grad(y, x) == 6.0
    g = grad(y, x, create_graph=True)
    assert g.data == 6.0 and grad(g, x) == 2.0  # (a²)′′ = 2, not (a³)′′ = 18
    assert hessian(y, [x]) == [[2.0]]
    out, grads = compile(y, [x])([3.0])
    assert (out, grads) == (9.0, [6.0])
    out, grads = compile(y, [x])([5.0])
    assert (out, grads) == (25.0, [10.0])


def test_undefining_leaves_built_graphs_working(sq):
    x = Value(2.0, "x")
    y = x.sq()
    defining.undefine("sq")
    assert not hasattr(Value, "sq")
    assert grad(y, x, create_graph=True).data == 4.0 and hessian(y, [x]) == [[2.0]]


@pytest.mark.parametrize("name, why", [
    ("lambda", "keyword"), ("None", "keyword"), ("class", "keyword"), ("match", "keyword"),
    ("ＳＷＩＳＨ", "reads the name"), ("ﬁx", "reads the name"),
    ("print", "built-in"), ("max", "built-in"), ("len", "built-in"),
    ("sin", "already taken"), ("arcsin", "already taken"), ("backward", "already taken"),
    ("2x", "Python name"), ("_private", "Python name"), ("", "Python name"), (None, "Python name"),
])
def test_define_takes_only_callable_new_names(name, why):
    with pytest.raises(ValueError, match=why):
        defining.define(name, lambda a: a, lambda a: 1.0)
    assert not (isinstance(name, str) and name in defining.DEFINED)


def test_a_builtin_name_can_be_taken_on_purpose():
    defining.define("max", lambda a: a * 2, lambda a: 2.0, replace=True)
    try:
        assert Value(1.5).max().data == 3.0
    finally:
        defining.undefine("max")
    import builtins

    assert autograd.__dict__.get("max", builtins.max) is builtins.max or "max" not in autograd.__dict__


def test_an_op_giving_a_complex_number_is_named():
    defining.define("root_half", lambda a: a ** 0.5, lambda a: 0.5 * a ** -0.5, points=[0.5, 1.5, 2.5])
    try:
        with pytest.raises(TypeError, match="root_half.*complex"):
            Value(-4.0).root_half()
        with pytest.raises(TypeError, match="root_half.*complex"):
            autograd.root_half(-4.0)
    finally:
        defining.undefine("root_half")
