"""autograd/fast.py changes no number: each method it makes gives the node (data, op,
parents, local derivatives) or the error that the readable method of value.py gives."""

from __future__ import annotations

import math
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, fast, no_grad

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**400, 10**400),
    st.sampled_from([0, 0.0, -0.0, 1, -1, 2.5, 1e308, -1e-320, True, False, Decimal(2)]),
)


def outcome(method, *args):
    try:
        node = method(*args)
    except Exception as err:  # noqa: BLE001 - the error itself is compared
        return type(err), str(err)
    bits = (math.copysign(1.0, node.data), node.data.hex())
    return bits, str(node.op), tuple(map(id, node.parents)), tuple(x.hex() for x in node.local_grads)


METHODS = sorted(name for name in fast.READABLE if name != "weighted_sum")


@given(st.sampled_from(METHODS), st.floats(-1e300, 1e300), numbers, st.booleans())
def test_every_fast_method_is_its_readable_method(name, a, other, other_is_value):
    x = Value(a, "x")
    fast_method = getattr(Value, name)
    readable = fast.READABLE[name]
    if fast_method.__code__.co_argcount == 1:  # a function of one Value: x.tanh()
        assert outcome(fast_method, x) == outcome(readable, x)
        return
    if other_is_value:
        try:
            other = Value(other, "y")
        except (TypeError, ValueError):
            return
    assert outcome(fast_method, x, other) == outcome(readable, x, other)


def test_remembered_numbers_share_one_op_and_keep_their_sign():
    x = Value(2.0)
    assert (x * 3).op is (x * 3.0).op
    assert (x + 0.0).op == "+0" and (x + -0.0).op == "+-0.0" and (x + 0.0).op == "+0"
    with no_grad():
        assert (x * 3).parents == ()  # under no_grad the fast path makes a leaf too


@given(st.floats(allow_nan=False), st.floats(allow_nan=False))
def test_a_rows_python_column_computes_what_its_fn_computes(a, b):
    from autograd.rules import RULES

    rows = [rule for rule in RULES.values() if rule.python is not None and rule.arity is not None]
    assert {rule.name for rule in rows} >= {"+", "-", "*", "neg", "+c", "-c", "c-", "*c"}
    for rule in rows:
        value, local = rule.python(["a", "b"][: rule.arity], list(rule.params))
        names = {"a": a, "b": b, "c": b}
        got = eval(f"({value}, ({', '.join(local)},))", {}, names)  # noqa: S307 - the table's own text
        want = rule.fn(*[a, b][: rule.arity + len(rule.params)])
        assert repr(got) == repr(tuple(want)), rule.name


@given(st.lists(st.tuples(st.floats(-1e200, 1e200), st.floats(-1e200, 1e200), st.booleans()), max_size=6),
       st.one_of(st.none(), st.floats(-1e300, 1e300)), st.integers(-1, 1))
def test_the_fast_weighted_sum_is_the_readable_one(terms, bias, extra):
    import autograd

    weights = [Value(w) for w, _, _ in terms]
    inputs = [Value(z) if as_value else z for _, z, as_value in terms]
    if extra > 0:
        inputs.append(Value(1.0))  # one input too many: the readable error
    b = None if bias is None else Value(bias)

    def node(make):
        try:
            out = make(weights, inputs, b)
        except Exception as err:  # noqa: BLE001 - the error itself is compared
            return type(err), str(err)
        return out.data.hex(), str(out.op), [p.data for p in out.parents], [g.hex() for g in out.local_grads]

    assert autograd.weighted_sum is not fast.READABLE["weighted_sum"]
    assert node(autograd.weighted_sum) == node(fast.READABLE["weighted_sum"])
