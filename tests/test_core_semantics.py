"""What a Value records and what backward() promises."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd
from autograd import Value, no_grad, weighted_sum, zero_grad
from autograd import ops


def test_a_node_records_parents_in_argument_order_and_local_derivatives():
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    c = a * b
    assert c.parents == (a, b) and c.op == "*"
    assert c.local_grads == (-3.0, 2.0)  # ∂(ab)/∂a = b, ∂(ab)/∂b = a
    t = c.tanh()
    assert t.parents == (c,)
    assert t.local_grads[0] == pytest.approx(1 - math.tanh(-6.0) ** 2)


def test_a_number_mixed_with_a_value_is_folded_into_the_op():
    x = Value(2.0, "x")
    for node, op, local in [
        (x * 2, "*2", 2.0),
        (2 * x, "*2", 2.0),
        (x + 0.5, "+0.5", 1.0),
        (x - 1, "-1", 1.0),
        (x + -1, "+-1", 1.0),
        (3 - x, "3-", -1.0),
        (x / 4, "/4", 0.25),
        (8 / x, "8/", -2.0),
        (x**3, "**3", 12.0),
        (2**x, "2**", 4 * math.log(2)),
    ]:
        assert node.parents == (x,), op
        assert node.op == op
        assert node.local_grads[0] == pytest.approx(local)


def test_backward_twice_keeps_interior_grads_and_accumulates_leaves():
    x, w = Value(0.5, "x"), Value(-1.5, "w")
    h = x * w
    y = h.tanh()
    y.backward()
    first = {"x": x.grad, "w": w.grad, "h": h.grad, "y": y.grad}
    y.backward()
    assert h.grad == first["h"] and y.grad == 1.0  # interior: recomputed, not doubled
    assert x.grad == 2 * first["x"] and w.grad == 2 * first["w"]  # leaves accumulate
    zero_grad([x, w])
    assert x.grad == 0.0 and w.grad == 0.0
    y.backward()
    assert x.grad == first["x"]


def test_backward_seed_scales_every_gradient():
    x = Value(1.2, "x")
    y = (x * x).exp()
    y.backward(seed=3.0)
    assert y.grad == 3.0
    assert x.grad == pytest.approx(3.0 * 2 * 1.2 * math.exp(1.44))
    seeded = x.grad
    with pytest.warns(DeprecationWarning, match=r"backward\(grad=\.\.\.\) is now backward\(seed=\.\.\.\)"):
        y.backward(grad=3.0)  # the old name still works, and says the new one
    assert x.grad == 2 * seeded  # a leaf accumulates


def test_backward_on_a_leaf_accumulates_its_seed():
    x = Value(4.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


def test_weighted_sum_is_one_node_with_the_lectures_local_derivatives():
    w = [Value(0.5, "w1"), Value(-2.0, "w2")]
    z = [Value(3.0, "z1"), Value(1.0, "z2")]
    b = Value(0.25, "b")
    a = weighted_sum(w, z, b)
    assert a.op == "wsum"
    assert a.data == 0.5 * 3.0 - 2.0 * 1.0 + 0.25
    assert a.parents == (*w, *z, b)
    assert a.local_grads == (3.0, 1.0, 0.5, -2.0, 1.0)  # z_k, w_k, 1
    a.backward()
    assert [p.grad for p in w] == [3.0, 1.0] and b.grad == 1.0


def test_weighted_sum_makes_plain_numbers_constant_leaves():
    """A number among the weights or inputs becomes a leaf, so the node is recomputed
    from its parents alone (ops.parse_op)."""
    w = [Value(0.5, "w1"), Value(-2.0, "w2")]
    a = weighted_sum(w, [3.0, 1.0])
    assert a.parents[:2] == tuple(w) and [p.data for p in a.parents[2:]] == [3.0, 1.0]
    assert all(not p.parents for p in a.parents[2:])
    assert a.local_grads == (3.0, 1.0, 0.5, -2.0)
    assert a.data == -0.5
    with pytest.raises(ValueError, match="2 weights but 3 inputs"):
        weighted_sum(w, [1.0, 2.0, 3.0])


def test_sum_of_a_node_twice_counts_it_twice():
    x = Value(1.0, "x")
    s = Value.sum([x, x, 2.0])
    assert s.data == 4.0 and s.parents[:2] == (x, x) and s.parents[2].data == 2.0
    s.backward()
    assert x.grad == 2.0


def test_no_grad_records_no_parents_and_restores_itself():
    x = Value(1.0, "x")
    with no_grad():
        y = x * 3 + x
        assert y.parents == () and y.local_grads == ()
    assert (x * 3).parents == (x,)
    with pytest.raises(RuntimeError):
        with no_grad():
            raise RuntimeError("inside")
    assert (x + 1).parents == (x,)  # re-enabled after an exception


def test_value_accepts_ints_and_numpy_floats():
    assert Value(3).data == 3.0 and type(Value(3).data) is float
    assert Value(np.float32(0.5)).data == 0.5
    assert type(Value(np.float64(2.5)).data) is float
    assert (Value(1.0) * np.float64(2.0)).data == 2.0


def test_repr_shows_data_grad_and_label():
    x = Value(2.0, "x")
    assert repr(x) == "Value(data=2, grad=0, label='x')"
    assert repr(Value(0.5)) == "Value(data=0.5, grad=0)"


def test_module_level_functions_accept_numbers_and_values():
    """A number gives a number (so one formula serves floats and Values), a Value a node."""
    assert autograd.tanh(0.5) == math.tanh(0.5) and type(autograd.tanh(0.5)) is float
    x = Value(0.3)
    y = autograd.exp(x)
    assert y.parents == (x,) and y.parents[0] is x


def test_every_rule_has_a_formula_for_each_parent():
    from autograd.rules import RULES
    from autograd.ops import formula

    assert formula("tanh", 0) == "∂tanh(a)/∂a = 1 − tanh(a)²"
    assert formula("*2", 0) == RULES["*c"].derivatives[0]
    assert formula("3/", 0) == RULES["c/"].derivatives[0]
    assert formula("+-1.5", 0) == RULES["+c"].derivatives[0]
    assert formula("-1.5", 0) == RULES["-c"].derivatives[0]
    assert formula("--1.5", 0) == RULES["-c"].derivatives[0]
    assert formula("-3-", 0) == RULES["c-"].derivatives[0]
    assert formula("2**", 0) == RULES["c**"].derivatives[0]
    # wsum with 2 weights, 2 inputs, bias: w, w, z, z, b
    assert [formula("wsum", i, 5) for i in range(5)] == [
        "∂a/∂w_k = z_k", "∂a/∂w_k = z_k", "∂a/∂z_k = w_k", "∂a/∂z_k = w_k", "∂a/∂b = 1",
    ]


def test_gradcheck_report_flags_a_wrong_derivative():
    """A deliberately broken node (wrong local derivative) must fail the check."""

    def broken_square(x):
        y = x * x
        y.local_grads = (x.data, x.data * 0.5)  # should be (x, x)
        return y

    report = autograd.gradcheck(broken_square, [3.0])
    assert not report.ok
    assert report.rows[0].engine == pytest.approx(4.5) and report.rows[0].numeric == pytest.approx(6.0)
    assert "NO" in str(report)
    good = autograd.gradcheck(lambda x: x * x, [Value(3.0, "x")])
    assert good.ok and good.rows[0].name == "x" and "yes" in str(good)
