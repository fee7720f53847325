"""Comparisons give plain bools (no graph), == compares data while hashing stays by
identity, and detach() makes a new leaf."""

from __future__ import annotations

import operator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, topological_order

numbers = st.floats(-1e6, 1e6, allow_nan=False) | st.integers(-1000, 1000)
COMPARISONS = [operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne]


@pytest.mark.parametrize("compare", COMPARISONS, ids=lambda f: f.__name__)
@given(a=numbers, b=numbers)
def test_comparisons_are_the_comparisons_of_the_data(compare, a, b):
    va, vb = Value(a), Value(b)
    for left, right in [(va, vb), (va, b), (a, vb)]:
        result = compare(left, right)
        assert type(result) is bool and result == compare(float(a), float(b))


def test_comparisons_record_nothing_and_work_in_an_if():
    z = Value(0.5, "z")
    y = z * 2
    if y > 0:  # a student's branch
        out = y
    else:
        out = -y
    assert out is y and y.parents == (z,) and topological_order(y) == [z, y]


def test_equal_values_are_still_distinct_dict_keys_and_set_members():
    a, b = Value(1.0, "a"), Value(1.0, "b")
    assert a == b and not (a != b) and a is not b
    assert hash(a) != hash(b) or a is b  # identity hashes
    grads = {a: "a", b: "b"}
    assert len(grads) == 2 and grads[a] == "a" and grads[b] == "b"
    assert len({a, b}) == 2
    s = a + b  # a graph where two parents compare equal: both are kept
    assert len(set(s.parents)) == 2 and len(topological_order(s)) == 3


def test_comparing_with_what_is_not_a_number():
    v = Value(1.0)
    assert v != "1.0" and not (v == "1.0") and v != None  # noqa: E711 — Python's fallback
    with pytest.raises(TypeError):
        v < "2"


def test_detach_is_a_new_leaf_with_the_same_data():
    x = Value(3.0, "x")
    y = x * x
    d = y.detach()
    assert d is not y and d.data == y.data == 9.0
    assert d.parents == () and d.op == "" and d.local_grads == ()
    out = d * x  # gradient flows into x through the second factor only
    out.backward()
    assert x.grad == 9.0 and y.grad == 0.0 and d.grad == 3.0
