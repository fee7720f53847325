"""The compiled program is named from positions only: ops whose names differ by case or a
digit, ops named like the program's own names, signed zeros and infinite constants all
replay exactly as the engine computes them."""

import math

import pytest

import autograd
from autograd import Value, defining


@pytest.fixture
def awkward_ops():
    """Ops whose names only differ by case or a digit, or read like the program's own names."""
    made = []
    for name, f, df in [("rule1", lambda a: a * a, lambda a: 2 * a), ("GELUish", lambda a: a * a * a, lambda a: 3 * a * a),
                        ("geluish", lambda a: 2 * a, lambda a: 2.0), ("program", lambda a: a + 1.0, lambda a: 1.0),
                        ("inf", lambda a: 3 * a, lambda a: 3.0), ("r0", lambda a: a - 2.0, lambda a: 1.0)]:
        defining.define(name, f, df)
        made.append(name)
    yield
    for name in made:
        defining.undefine(name)


def engine(build, values):
    leaves = [Value(v) for v in values]
    out = build(*leaves)
    out.backward()
    return out.data, [x.grad for x in leaves]


def same(a, b):
    """Equal as floats, the sign of a zero included."""
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b) if a == 0.0 else a == b


@pytest.mark.parametrize("build", [
    lambda x: getattr(getattr(x, "rule1")(), "GELUish")(),
    lambda x: x.geluish().GELUish().rule1(),
    lambda x: x.program().inf().r0(),
    lambda x: x.r0().program() * x.inf(),
])
def test_ops_differing_by_case_or_named_like_the_program_get_their_own_rule(awkward_ops, build):
    x = Value(0.7)
    program = autograd.compile(build(x), [x])
    for v in (0.7, -1.3, 2.0):
        out, grads = program([v])
        assert (out, grads) == engine(build, [v])


def test_a_sum_of_negative_zeros_is_positive_zero_as_in_the_engine():
    for build in (lambda y, x: Value.sum([y]).atan2(x).cosh(), lambda y, x: autograd.weighted_sum([y], [x]).atan2(x)):
        y, x = Value(-0.0), Value(-1.0)
        program = autograd.compile(build(y, x), [y, x])
        out, grads = program([-0.0, -1.0])
        want_out, want_grads = engine(build, [-0.0, -1.0])
        assert same(out, want_out) and all(map(same, grads, want_grads))


@pytest.mark.parametrize("build", [
    lambda x: x.clamp(None, 1.0),  # hi = 1, lo = −inf: the constant −inf in the program
    lambda x: x.clamp(-1.0, None),
    lambda x: x * -0.0 + 1.0,
])
def test_infinite_and_signed_zero_constants_are_literals(build):
    x = Value(0.5)
    program = autograd.compile(build(x), [x])
    for v in (0.5, 3.0, -4.0):
        out, grads = program([v])
        want_out, want_grads = engine(build, [v])
        assert same(out, want_out) and all(map(same, grads, want_grads))
