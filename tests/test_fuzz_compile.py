"""Fuzzing compile: random straight-line programs over every op of the table (and ops an
instructor defined, with names that differ only by case or a digit, or read like the
program's own names), with signed zeros, tiny and huge numbers. The compiled program
must give the engine's numbers bit for bit (the sign of a zero included) or raise the
engine's error. EXAMPLES programs (150; 10,000 with DELTAGRAD_FUZZ=full or `make fuzz`)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, strategies as st

import autograd
from autograd import Value, defining, rules
from autograd import value as engine

from fuzzing import fuzz_settings, timed

pytestmark = pytest.mark.fuzz

AWKWARD = {  # name: (f, f′)
    "rule1": (lambda a: a * a, lambda a: 2.0 * a),
    "GELUish": (lambda a: a * a * a, lambda a: 3.0 * a * a),
    "geluish": (lambda a: 2.0 * a, lambda a: 2.0),
    "program": (lambda a: a + 1.0, lambda a: 1.0),
    "inf": (lambda a: 3.0 * a, lambda a: 3.0),
    "r0": (lambda a: a - 2.0, lambda a: 1.0),
}

NUMBERS = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 1e-300, -1e-300, 5e-324, 1e300, 709.0, 40.0, -40.0]),
    st.floats(-3.0, 3.0, allow_nan=False),
)
CONSTANTS = st.one_of(NUMBERS, st.sampled_from([math.inf, -math.inf]))


@pytest.fixture(scope="module", autouse=True)
def awkward_ops():
    for name, (f, df) in AWKWARD.items():
        defining.define(name, f, df)
    yield
    for name in AWKWARD:
        defining.undefine(name)


@st.composite
def programs(draw):
    n_leaves = draw(st.integers(1, 3))
    ops = sorted(rules.RULES)
    steps = []
    for k in range(draw(st.integers(1, 8))):
        rule = rules.RULES[draw(st.sampled_from(ops))] if draw(st.integers(0, 4)) else None
        name = rule.name if rule else draw(st.sampled_from(sorted(AWKWARD)))
        n = n_leaves + k
        arity = (rules.RULES[name].arity or draw(st.integers(1, 3)))
        parents = [draw(st.integers(0, n - 1)) for _ in range(arity * (2 if name == "wsum" else 1))]
        if name == "wsum" and draw(st.booleans()):
            parents.append(draw(st.integers(0, n - 1)))  # a bias
        consts = [draw(CONSTANTS) for _ in rules.RULES[name].params]
        steps.append((name, parents, consts))
    return (draw(st.lists(NUMBERS, min_size=n_leaves, max_size=n_leaves)), steps,
            draw(st.lists(NUMBERS, min_size=n_leaves, max_size=n_leaves)))


def build(leaves: list[Value], steps, kept=None, made=None):
    """The program through the engine; step i makes node len(leaves) + i. At the first
    point a step the engine refuses (or that reads a refused step) is left out, `kept`
    records which stayed; at a new point every kept step runs and errors are raised."""
    nodes = dict(enumerate(leaves))
    record = kept is None
    kept = [] if record else kept
    last = None
    for i, (name, parents, consts) in enumerate(steps):
        if (not record and i not in kept) or any(p not in nodes for p in parents):
            continue
        args = tuple(nodes[p] for p in parents)
        try:
            if name == "sum":
                out = Value.sum(list(args))
            elif name == "wsum":
                n = len(parents) // 2
                out = autograd.weighted_sum(list(args[:n]), list(args[n:2 * n]), args[2 * n] if len(args) > 2 * n else None)
            else:
                out = engine.apply_rule(rules.RULES[name], args, tuple(consts))
        except (ArithmeticError, ValueError, TypeError):
            if record:
                continue
            raise
        if record:
            kept.append(i)
        if made is not None:
            made[i] = out
        nodes[len(leaves) + i] = last = out
    return last, kept


def same(a: float, b: float) -> bool:
    return a == b and (a != 0.0 or math.copysign(1.0, a) == math.copysign(1.0, b))


def engine_result(values, steps, kept):
    leaves = [Value(v) for v in values]
    root, _ = build(leaves, steps, kept)
    root.backward()
    return root.data, [x.grad for x in leaves]


@fuzz_settings()
@given(programs())
def test_compiled_programs_replay_the_engine_bit_for_bit(case):
    first, steps, second = case
    with timed("compile vs engine", case):
        leaves = [Value(v) for v in first]
        made: dict[int, Value] = {}
        root, kept = build(leaves, steps, made=made)
        if root is None:
            return  # every step refused: nothing to compile
        try:
            root.backward()
        except ArithmeticError:
            return  # the engine refuses the graph's δ at the point it was built: nothing to replay
        program = autograd.compile(root, leaves)
        # replay only the steps the root depends on (the program holds no others)
        graph = {id(n) for n in autograd.topological_order(root)}
        kept = [i for i in kept if id(made[i]) in graph]
        for values in (first, second):
            try:
                want = engine_result(values, steps, kept)
            except (ArithmeticError, ValueError):
                # refused: the program raises the engine's error too (when two nodes fail, the
                # engine's replay may name the other one first: any of its errors will do)
                with pytest.raises((ArithmeticError, ValueError)):
                    program(values)
                continue
            out, grads = program(values)
            assert same(out, want[0]), (program.source, values)
            assert all(map(same, grads, want[1])), (program.source, values, grads, want[1])


def near(a: float, b: float) -> bool:
    """The batched program's NumPy may differ from `math` in the last bit: 1e-12, relative."""
    return a == b or abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))


@fuzz_settings()
@given(programs())
def test_batched_programs_replay_the_engine_example_by_example(case):
    """The same programs over a batch of the two points (and each point shared by every
    example of a batch of three): each example's value and gradients are the engine's, or
    the error names the example the engine refuses."""
    first, steps, second = case
    with timed("batch vs engine", case):
        leaves = [Value(v) for v in first]
        made: dict[int, Value] = {}
        root, kept = build(leaves, steps, made=made)
        if root is None:
            return
        try:
            root.backward()
        except ArithmeticError:
            return
        program = autograd.compile(root, leaves)
        graph = {id(n) for n in autograd.topological_order(root)}
        kept = [i for i in kept if id(made[i]) in graph]
        wants = []
        for values in (first, second):
            try:
                wants.append(engine_result(values, steps, kept))
            except (ArithmeticError, ValueError):
                wants.append(None)
        columns = [[a, b] for a, b in zip(first, second)]
        if None in wants:
            with pytest.raises((ArithmeticError, ValueError), match=f"example {wants.index(None)}"):
                program.batch(columns)
            return
        outs, grads = program.batch(columns, per_example=True)
        for n, (out, want_grads) in enumerate(wants):
            assert near(float(outs[n]), out), (program.source, n, outs, out)
            assert all(near(float(g[n]), w) for g, w in zip(grads, want_grads)), (n, grads, want_grads)
