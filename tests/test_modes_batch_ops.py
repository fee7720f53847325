"""Every row of the derivative table over a batch, one op at a time.

The batched program (autograd/modes/batch.py) trusts two things of each row's `array`
column (autograd/arrays.py): at every example the scalar rule accepts, it gives the
rule's value and local derivatives; at every example the rule refuses (a domain error, a
zero division, an overflow — or a result that is not finite, which the engine refuses
too), its value or a local derivative is not finite, so the program notices and replays
the examples one by one for the engine's error. Checked here on a grid of awkward numbers
(signed zeros, the smallest subnormal, domain edges, overflow points), every op, every
constant that changes a branch. Then, through `compile(...).batch`, every op that can
refuse an example raises the engine's error naming the op, its operand and the example —
with NumPy and without it."""

from __future__ import annotations

import itertools
import math
import sys

import numpy as np
import pytest

import autograd
from autograd import Value, rules, weighted_sum
from autograd import value as engine

TOL = 1e-12
GRID = [-800.0, -40.0, -3.0, -2.0, -1.0, -0.5, -1e-300, -5e-324, -0.0, 0.0, 5e-324, 1e-300, 0.25, 0.5,
        1.0, 1.5, 2.0, 3.0, 40.0, 710.0, 1025.0, 1e300]
PAIRS = [-2.0, -1.0, -0.0, 0.0, 0.5, 1.0, 3.0, 1e-300, 1e300]  # two- and n-parent ops: every pair of these
CONSTANTS = [2.0, 0.5, -1.0, 0.0, 3.0, -0.5, 1.0, 1e300]
CLAMPS = [(-1.0, 1.0), (0.0, 0.0), (1.0, -1.0), (-math.inf, math.inf), (0.5, math.inf)]
# Ops whose rule refuses some example of the grids above (a test that found none would prove nothing)
REFUSING = {"/", "**", "%", "/c", "c/", "**c", "c**", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p",
            "sqrt", "cbrt", "asin", "acos", "acosh", "atanh", "atan2", "hypot", "sinh", "cosh", "clamp",
            "*", "*c", "wsum"}


def close(a: float, b: float) -> bool:
    return abs(a - b) <= TOL * max(1.0, abs(a), abs(b))


def columns(rule) -> list[list[float]]:
    """The parents' columns: the grid for one parent, every pair (or triple, or wsum's
    w1, w2, z1, z2, b) of PAIRS for more."""
    if rule.arity == 1:
        return [GRID]
    n = rule.arity or (5 if rule.name == "wsum" else 3)
    rows = list(itertools.product(PAIRS, repeat=min(n, 3)))
    if n == 5:  # wsum(w1, w2, z1, z2, b): the triples as (w1, z1, b), w2 = z2 = 1
        rows = [(w, 1.0, z, 1.0, b) for w, z, b in rows]
    return [list(col) for col in zip(*rows)]


def constant_sets(rule) -> list[tuple]:
    if rule.name == "clamp":
        return CLAMPS
    return [(c,) * len(rule.params) for c in CONSTANTS] if rule.params else [()]


def scalar(rule, args, consts):
    """(value, local grads) of the scalar rule, or None where the engine refuses the example
    (a local derivative that is not finite, log's 1/a at a = 5e-324, is refused by backward)."""
    try:
        value, local = rule.fn(*args, *consts)
    except (ArithmeticError, ValueError):
        return None
    return (value, local) if all(map(math.isfinite, (value, *local))) else None


def table_cases():
    for name in sorted(rules.RULES):
        rule = rules.RULES[name]
        for consts in constant_sets(rule):
            yield pytest.param(name, consts, id=f"{name}{list(consts) if consts else ''}")


@pytest.mark.parametrize("name,consts", list(table_cases()))
def test_the_array_column_is_the_scalar_rule_at_every_example(name, consts):
    rule = rules.RULES[name]
    assert rule.array is not None, f"{name!r} has no array form: add it to autograd/arrays.py"
    cols = columns(rule)
    size = len(cols[0])
    with np.errstate(all="ignore"):
        value, local = rule.array(np, *[np.array(c) for c in cols], *consts)
    value = np.broadcast_to(value, (size,))
    local = [np.broadcast_to(g, (size,)) for g in local]
    assert len(local) == len(cols)
    for k in range(size):
        args = [c[k] for c in cols]
        want = scalar(rule, args, consts)
        got = [float(value[k])] + [float(g[k]) for g in local]
        if want is None:  # refused: the program must see a number that is not finite
            assert not all(map(math.isfinite, got)), (name, args, consts, got)
            continue
        v, grads = want
        assert close(got[0], v), (name, args, consts, got[0], v)
        for g, w in zip(got[1:], grads):
            assert close(g, w), (name, args, consts, got[1:], grads)


def build(name, leaves, consts):
    """The op applied to leaf Values, as the engine makes the node."""
    if name == "sum":
        return Value.sum(leaves)
    if name == "wsum":
        return weighted_sum(leaves[:2], leaves[2:4], leaves[4])
    return engine.apply_rule(rules.RULES[name], tuple(leaves), tuple(consts))


def refusals():
    """(op, constants, an example the rule accepts, one it refuses) for every op and constant
    set of the grids where the rule refuses something."""
    found = {}
    for name in sorted(rules.RULES):
        rule = rules.RULES[name]
        for consts in constant_sets(rule):
            rows = list(zip(*columns(rule)))
            good = next((r for r in rows if scalar(rule, r, consts) is not None), None)
            bad = next((r for r in rows if scalar(rule, r, consts) is None), None)
            if bad is not None:  # (no good one: a constant the rule always refuses, clamp's lo > hi)
                found.setdefault(name, []).append((consts, good, bad))
    return found


REFUSALS = refusals()


def test_the_grids_reach_every_refusal_the_table_has():
    assert REFUSING <= set(REFUSALS), sorted(REFUSING - set(REFUSALS))


@pytest.mark.parametrize("numpy_present", [True, False])
@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_an_example_the_op_refuses_is_named_with_the_op_and_its_operand(name, numpy_present, monkeypatch):
    if not numpy_present:
        monkeypatch.setitem(sys.modules, "numpy", None)  # as if NumPy were not installed: import numpy fails
    for consts, good, bad in REFUSALS[name]:
        if good is None:  # refused whatever the operands: the first example is named
            leaves = [Value(1.0, f"a{i + 1}") for i in range(len(bad))]
            with pytest.raises((ArithmeticError, ValueError)):
                build(name, leaves, consts)
            continue
        leaves = [Value(v, f"a{i + 1}") for i, v in enumerate(good)]
        node = build(name, leaves, consts)
        compiled = autograd.compile(node * 1.0, leaves)
        batch = [list(c) for c in zip(good, good, bad, good)]  # example 2 is refused
        with pytest.raises((ArithmeticError, ValueError)) as err:
            compiled.batch(batch)
        text = str(err.value)
        assert "example 2" in text, (name, consts, text)
        assert node.op in text, (name, consts, text)  # the op, as the node writes it ("**2", "clamp(-1,1)")
        assert any(f"'a{i + 1}'" in text for i in range(len(leaves))), (name, consts, text)  # an operand, by label
        if err.type is OverflowError:  # in words a student reads, not Python's "(34, 'Numerical result …')"
            assert "too large for a float" in text or "not a finite number" in text, (name, consts, text)
        # the examples it accepts still run, all together
        out, grads = compiled.batch([list(c) for c in zip(good, good)])
        want_out, want_grads = compiled(list(good))
        assert close(out, 2 * want_out) and all(close(g, 2 * w) for g, w in zip(grads, want_grads))
