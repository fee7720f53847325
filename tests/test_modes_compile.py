"""autograd.compile: the recorded graph as a straight-line program, replayed on new floats.

The compiled program must be the engine, unrolled: on random DAGs over every op of the
derivative table it gives the engine's values and gradients (to 1e-12) at new inputs,
and where the engine raises (a domain error, an overflow) it raises the same error with
the same message. Node labels are user text: they reach the program only as comments.
`nn.fit` replays the compiled network and must train exactly as the engine does.
"""

from __future__ import annotations

import ast
import io
import math
import tokenize

import pytest
from support import docs_text
from hypothesis import assume, given
from hypothesis import strategies as st

import autograd
import nn
from autograd import Value, rules, weighted_sum
from autograd import defining
from autograd.modes.compile import compile_batch

# ---------------------------------------------------------------------------
# One way to make a node with every op of the table, from Values and a constant c.
# ---------------------------------------------------------------------------
MAKE = {
    "+": (2, lambda a, b, c: a + b),
    "-": (2, lambda a, b, c: a - b),
    "*": (2, lambda a, b, c: a * b),
    "/": (2, lambda a, b, c: a / b),
    "**": (2, lambda a, b, c: a ** b),
    "neg": (1, lambda a, c: -a),
    "+c": (1, lambda a, c: a + c),
    "-c": (1, lambda a, c: a - c),
    "c-": (1, lambda a, c: c - a),
    "*c": (1, lambda a, c: a * c),
    "/c": (1, lambda a, c: a / c),
    "c/": (1, lambda a, c: c / a),
    "**c": (1, lambda a, c: a ** round(c)),  # integer exponents: negative bases allowed
    "c**": (1, lambda a, c: abs(c) ** a),
    "exp": (1, lambda a, c: a.exp()),
    "log": (1, lambda a, c: a.log()),
    "tanh": (1, lambda a, c: a.tanh()),
    "sigmoid": (1, lambda a, c: a.sigmoid()),
    "relu": (1, lambda a, c: a.relu()),
    "leaky_relu": (1, lambda a, c: a.leaky_relu(abs(c) / 10)),
    "elu": (1, lambda a, c: a.elu(abs(c))),
    "softplus": (1, lambda a, c: a.softplus()),
    "%": (2, lambda a, b, c: a % b),
    "abs": (1, lambda a, c: abs(a)),
    "sign": (1, lambda a, c: a.sign()),
    "sqrt": (1, lambda a, c: a.sqrt()),
    "cbrt": (1, lambda a, c: a.cbrt()),
    "sin": (1, lambda a, c: a.sin()),
    "cos": (1, lambda a, c: a.cos()),
    "tan": (1, lambda a, c: a.tan()),
    "asin": (1, lambda a, c: a.asin()),
    "acos": (1, lambda a, c: a.acos()),
    "atan": (1, lambda a, c: a.atan()),
    "sinh": (1, lambda a, c: a.sinh()),
    "cosh": (1, lambda a, c: a.cosh()),
    "asinh": (1, lambda a, c: a.asinh()),
    "acosh": (1, lambda a, c: a.acosh()),
    "atanh": (1, lambda a, c: a.atanh()),
    "log2": (1, lambda a, c: a.log2()),
    "log10": (1, lambda a, c: a.log10()),
    "log1p": (1, lambda a, c: a.log1p()),
    "expm1": (1, lambda a, c: a.expm1()),
    "exp2": (1, lambda a, c: a.exp2()),
    "atan2": (2, lambda a, b, c: a.atan2(b)),
    "hypot": (2, lambda a, b, c: a.hypot(b)),
    "maximum": (2, lambda a, b, c: a.maximum(b)),
    "minimum": (2, lambda a, b, c: a.minimum(b)),
    "clamp": (1, lambda a, c: a.clamp(-abs(c), abs(c))),
    "sum": (3, lambda a, b, d, c: Value.sum([a, b, d, c])),  # a plain number: a constant leaf
    "wsum": (3, lambda a, b, d, c: weighted_sum([a, b], [d, a], d)),
}


BUILT_IN = set(rules.RULES)  # before any test defines an op of its own


def test_every_op_of_the_table_is_exercised():
    assert BUILT_IN <= set(MAKE), f"add the table's new ops to MAKE: {sorted(BUILT_IN - set(MAKE))}"


@st.composite
def dags(draw, max_steps: int = 12):
    """(n leaves, steps): each step applies one table op to earlier nodes."""
    n_leaves = draw(st.integers(1, 4))
    steps = []
    for k in range(draw(st.integers(1, max_steps))):
        op = draw(st.sampled_from(sorted(MAKE)))
        picks = [draw(st.integers(0, n_leaves + k - 1)) for _ in range(MAKE[op][0])]
        c = draw(st.floats(-3, 3, allow_nan=False).filter(lambda x: abs(x) > 0.1))
        steps.append((op, picks, c))
    return n_leaves, steps


def build(leaves: list[Value], steps) -> Value:
    """The program's nodes, all summed into the root (so no step is left out of the graph)."""
    nodes = list(leaves)
    for op, picks, c in steps:
        arity, make = MAKE[op]
        nodes.append(make(*[nodes[i] for i in picks], c))
    return Value.sum(nodes[len(leaves):])


def engine(values, steps):
    """(output, gradients) from the engine, or the error it raises."""
    leaves = [Value(v, f"x{i}") for i, v in enumerate(values)]
    try:
        root = build(leaves, steps)
        root.backward()
    except (ArithmeticError, ValueError) as err:
        return err
    return root.data, [x.grad for x in leaves]


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


values_st = st.floats(-3, 3, allow_nan=False)


@given(dags(), st.lists(values_st, min_size=4, max_size=4), st.lists(values_st, min_size=4, max_size=4))
def test_compiled_program_is_the_engine_on_random_dags(dag, first, second):
    n, steps = dag
    leaves = [Value(v, f"x{i}") for i, v in enumerate(first[:n])]
    try:
        root = build(leaves, steps)
    except (ArithmeticError, ValueError):
        assume(False)  # nothing recorded to compile
    program = autograd.compile(root, leaves)
    for values in (first[:n], second[:n]):  # the recorded point and a new one
        expected = engine(values, steps)
        if isinstance(expected, Exception):
            with pytest.raises(type(expected)) as raised:
                program(values)
            assert str(raised.value) == str(expected)
        else:
            out, grads = program(values)
            assert close(out, expected[0])
            assert all(close(g, e) for g, e in zip(grads, expected[1])), (grads, expected[1])


INLINE = sorted(name for name, rule in rules.RULES.items() if rule.python is not None)


@given(st.sampled_from(INLINE), st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=7, max_size=7))
def test_inline_forms_give_exactly_the_rules_numbers(name, xs):
    """Sums and products are written out inline; they must be the table's rule, bit for bit."""
    arity, make = MAKE[name]
    leaves = [Value(x) for x in xs[:arity]]
    node = make(*leaves, xs[6])
    program = autograd.compile(node, leaves)
    out, grads = program([x.data for x in leaves])
    node.backward()
    assert out == node.data
    assert grads == [x.grad for x in leaves]


# ---------------------------------------------------------------------------
# Errors at replay: the engine's, word for word
# ---------------------------------------------------------------------------
def replay_error(make, first: float, second: float) -> tuple[Exception, Exception]:
    x = Value(first, "x")
    program = autograd.compile(make(x), [x])
    with pytest.raises((ArithmeticError, ValueError)) as compiled:
        program([second])
    with pytest.raises((ArithmeticError, ValueError)) as dynamic:
        make(Value(second, "x")).backward()
    return compiled.value, dynamic.value


@pytest.mark.parametrize(
    "make, first, second, kind",
    [
        (lambda x: x.log(), 2.0, -1.0, rules.DomainError),
        (lambda x: 1.0 / x, 2.0, 0.0, ZeroDivisionError),
        (lambda x: x.exp(), 1.0, 800.0, OverflowError),
        (lambda x: (x * 1e200) * x, 1.0, 1e200, OverflowError),  # inline op: float inf, caught
        (lambda x: ((x * 1e300) * 1e300 - 1.0).relu(), 1e-300, -1.0, OverflowError),  # −inf hidden by relu
        (lambda x: x ** 0.5, 4.0, -4.0, rules.DomainError),
    ],
)
def test_domain_errors_at_replay_are_the_engines(make, first, second, kind):
    compiled, dynamic = replay_error(make, first, second)
    assert type(compiled) is type(dynamic) and isinstance(compiled, kind)
    assert str(compiled) == str(dynamic)


def test_error_names_the_node_by_its_label():
    x = Value(6.0, "x")
    a = x - 5.0
    a.label = "a_j"
    program = autograd.compile(a.log(), [x])
    with pytest.raises(rules.DomainError, match="node 'a_j' = -4.0"):
        program([1.0])
    assert program([6.0])[0] == 0.0  # ln(6 − 5)


def test_relu_takes_the_branch_of_the_new_number():
    x = Value(2.0, "x")
    program = autograd.compile((x * 3.0).relu(), [x])
    assert program([2.0]) == (6.0, [3.0])
    assert program([-2.0]) == (0.0, [0.0])


def test_control_flow_on_data_is_frozen_at_compile_time():
    """As in jax.jit: an `if` on .data is decided when the graph is recorded."""
    def f(x):
        return x * x if x.data > 0 else -x

    x = Value(2.0, "x")
    program = autograd.compile(f(x), [x])
    assert program([-3.0]) == (9.0, [-6.0])  # the recorded branch x·x, not −x


def test_replay_builds_no_value(monkeypatch):
    x, w = Value(1.0, "x"), Value(0.5, "w")
    program = autograd.compile((w * x).tanh(), [x, w])

    def refuse(*args, **kwargs):
        raise AssertionError("a Value was built during replay")

    monkeypatch.setattr(Value, "__init__", refuse)
    monkeypatch.setattr(autograd.value, "_node", refuse)
    out, grads = program([2.0, 0.25])
    assert out == math.tanh(0.5)


def test_constants_and_unused_inputs():
    x, y, c = Value(2.0, "x"), Value(5.0, "y"), Value(3.0, "c")
    k = c * c  # computed from constants only: folded into one constant
    program = autograd.compile(x * k, [x, y])
    assert program([4.0, 1.0]) == (36.0, [9.0, 0.0])
    assert "k0 = 9.0" in program.source


# ---------------------------------------------------------------------------
# The program as text
# ---------------------------------------------------------------------------
def neuron():
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2, b = Value(-3.0, "w1"), Value(1.0, "w2"), Value(6.88, "b")
    a = weighted_sum([w1, w2], [x1, x2], b)
    a.label = "a"
    z = a.tanh()
    z.label = "z"
    return z, [x1, x2, w1, w2, b]


def code_lines(source: str, section: str) -> list[str]:
    """The non-comment lines of one section ("forward" or "backward")."""
    lines = source.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(f"# {section}"))
    out = []
    for line in lines[start + 1 :]:
        text = line.split("#")[0].strip()
        if line.strip().startswith("# every") or line.strip().startswith("# backward"):
            break
        if text:
            out.append(text)
    return out


def test_one_forward_line_per_node_and_one_backward_line_per_edge():
    z, inputs = neuron()
    program = autograd.compile(z, inputs)
    forward = code_lines(program.source, "forward")
    backward = [line for line in code_lines(program.source, "backward") if not line.startswith(("d2 = seeds", "d6 = seeds"))]
    interior = [n for n in autograd.topological_order(z) if n.parents]
    assert len(forward) == len(interior) == 2
    edges = sum(len(n.parents) for n in interior)
    assert len(backward) == edges == 6  # and the seed line d6 = seeds[0], left out above
    assert "v6, (d6_d5,) = r0(v5)" in program.source  # the table's rule, named by position
    assert "# r0: the table's rule 'tanh'" in program.source
    assert "v5 = 0.0 + v2 * v0 + v3 * v1 + v4" in program.source  # a = w1·x1 + w2·x2 + b, from sum's start 0
    assert "d0 = d5 * v2" in program.source  # δ_x1 = δ_a · w1


def test_network_program_matches_backward():
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    x = [Value(0.3, "x1"), Value(-0.7, "x2")]
    E = nn.losses.half_sse(model(x), [0.5])
    params = model.parameters()
    program = autograd.compile(E, [*x, *params])
    out, grads = program([0.3, -0.7] + [p.data for p in params])
    E.backward()
    assert out == E.data
    assert grads[2:] == [p.grad for p in params]


HOSTILE = [
    "\nimport os",
    "\nimport os\nos.system('echo pwned')",
    "'''",
    '"""',
    "\\",
    "x\r\nraise SystemExit",
    "a\u2028b\x0cc",
    "# comment\n",
    "v0 = 1",
    "d0",
]


@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_only_ever_reach_comments(label):
    x, w = Value(1.5, label), Value(-0.5, label)
    a = w * x
    a.label = label
    z = a.tanh()
    z.label = label
    program = autograd.compile(z, [x, w])
    source = program.source
    tree = ast.parse(source)  # valid Python
    assert not any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(tree))
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert all(name == "s" or name == "seeds" or name[0] in "vdr" and name[1].isdigit() for name in names)
    strings = [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    assert not strings
    # every token that is not a comment is generated: the label's text shows only in comments
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            assert "\n" not in tok.string and "\r" not in tok.string
    assert len(source.splitlines()) == len(program.source.split("\n")) - 1
    out, grads = program([1.5, -0.5])
    z.backward()
    assert (out, grads) == (z.data, [x.grad, w.grad])


def test_bad_arguments_are_named():
    x = Value(1.0, "x")
    y = x * 2.0
    with pytest.raises(ValueError, match=r"inputs\[0\].*computed from other nodes"):
        autograd.compile(y * y, [y])
    with pytest.raises(TypeError, match=r"inputs\[0\] is a float"):
        autograd.compile(y, [1.0])
    with pytest.raises(ValueError, match="twice"):
        autograd.compile(y, [x, x])
    program = autograd.compile(y, [x])
    with pytest.raises(ValueError, match="expected 1 input values, got 2"):
        program([1.0, 2.0])
    with pytest.raises(TypeError, match="input 0"):
        program(["1"])


def test_batch_program_sums_over_examples():
    w, b, x = Value(0.5, "w"), Value(0.1, "b"), Value(0.0, "x")
    z = (w * x + b).tanh()
    batch = compile_batch([z], [w, b], [x])
    grads = batch.run([0.5, 0.1], [0.0, 0.0], [(1.0,), (2.0,)], lambda out: [1.0])
    expected = [0.0, 0.0]
    for xv in (1.0, 2.0):
        t = math.tanh(0.5 * xv + 0.1)
        expected[0] += (1 - t * t) * xv
        expected[1] += 1 - t * t
    assert all(close(g, e) for g, e in zip(grads, expected))


# ---------------------------------------------------------------------------
# nn.fit replays the compiled network: the same training, to 1e-12
# ---------------------------------------------------------------------------
def train(compile: bool, optimiser: str, batch_size, loss: str, output: str, l2: float):
    X, y = nn.data.moons(24, noise=0.2, seed=3)
    if loss in ("cross_entropy", "softmax_cross_entropy"):
        y, sizes = [int(t[0] > 0) for t in y], [5, 2]
    elif loss == "bce":
        y, sizes = [[1.0 if t[0] > 0 else 0.0] for t in y], [5, 1]
    else:
        sizes = [5, 1]
    model = nn.MLP(2, sizes, activation="tanh", output=output, seed=4)
    params = model.parameters()
    opt = {
        "sgd": lambda: nn.SGD(params, lr=0.2),
        "momentum": lambda: nn.SGD(params, lr=0.1, momentum=0.9),
        "adam": lambda: nn.Adam(params, lr=0.02),
    }[optimiser]()
    history = nn.fit(model, X, y, loss, opt, epochs=4, batch_size=batch_size, l2=l2,
                     progress=False, compile=compile)
    return history, [p.data for p in params]


CASES = [
    ("hinge", "identity"), ("mse", "identity"), ("half_sse", "tanh"), ("bce", "sigmoid"),
    ("cross_entropy", "softmax"), ("softmax_cross_entropy", "identity"),
]


@pytest.mark.parametrize("optimiser", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("batch_size", [None, 1, 5])
@pytest.mark.parametrize("loss, output", CASES)
def test_fit_compiled_trains_as_the_engine(optimiser, batch_size, loss, output):
    l2 = 1e-3 if batch_size != 1 else 0.0
    # the scalar replay adds the same terms in the same order: 1e-12 (the batched default
    # sums in another order: 1e-9, tests/test_nn_batch.py)
    h1, w1 = train("scalar", optimiser, batch_size, loss, output, l2)
    h0, w0 = train(False, optimiser, batch_size, loss, output, l2)
    assert h1.steps == h0.steps and h1.accuracy == h0.accuracy
    assert all(close(a, b) for a, b in zip(h1.loss, h0.loss))
    assert all(close(a, b) for a, b in zip(w1, w0))


def test_fit_compiles_the_network_once(monkeypatch):
    from nn import replay

    made = []
    original = replay.CompiledLoss.__init__

    def counting(self, *args, **kwargs):
        made.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(replay.CompiledLoss, "__init__", counting)
    built = []
    monkeypatch.setattr(nn.train, "_engine_batch", lambda *a: built.append(1))
    X, y = nn.data.xor()
    model = nn.MLP(2, [3, 1], seed=0)
    nn.fit(model, X, y, "mse", nn.SGD(model.parameters(), lr=0.1), epochs=3, batch_size=2, progress=False,
           compile="scalar")
    assert made == [1] and built == []  # compiled once, the engine never built a batch


@pytest.mark.parametrize("compile", [True, "scalar", False])
def test_fit_errors_are_unchanged(compile):
    X = [[0.0, 0.0], [1.0, 1.0]]
    model = nn.MLP(2, [2, 1], seed=0)
    with pytest.raises(ValueError, match=r"fit, epoch 1, example 1 \(y\[1\] = \[0.5\]\): hinge: target 0 is 0.5"):
        nn.fit(model, X, [[1.0], [0.5]], "hinge", nn.SGD(model.parameters(), lr=0.1),
               epochs=1, shuffle=False, progress=False, compile=compile)
    with pytest.raises(ValueError, match=r"epoch \d+.*training diverged"):
        diverge(compile)


def diverge(compile):
    X, y = nn.data.bishop_curves("square", n=20)
    X = [[x[0] * 1e3] for x in X]
    model = nn.MLP(1, [4, 1], activation="relu", seed=0)
    nn.fit(model, X, y, "mse", nn.SGD(model.parameters(), lr=1e3), epochs=50, progress=False, compile=compile)


def test_fit_error_messages_match_word_for_word():
    def message(compile):
        try:
            diverge(compile)
        except ValueError as err:
            return str(err)
        return None

    assert message("scalar") == message(False) is not None
    # the batched default sums in another order: the same words, numbers equal to ~1e-9
    import re

    def words(text):
        return re.sub(r"\d[\d.]*(e[-+]?\d+)?", "#", text)

    assert words(message(True)) == words(message(False))


def test_readme_shows_the_program_it_generates():
    import re
    from pathlib import Path

    readme = docs_text()
    shown = re.search(r"```\n(def program\(.*?)```", readme, flags=re.S).group(1)
    x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.88, "b")
    a = w * x + b
    a.label = "a"
    z = a.tanh()
    z.label = "z"
    assert autograd.compile(z, [x, w, b]).source == shown


def test_an_instructors_op_compiles_like_a_built_in():
    """An op added with defining.define is a row of the table: the program calls its rule."""
    defining.define("cube_c", lambda a: a**3, lambda a: 3 * a * a, formula="a³", derivative="3a²")
    try:
        x = Value(0.5, "x")
        y = x.cube_c() * 2.0
        program = autograd.compile(y, [x])
        assert "r0(v0)" in program.source and "# r0: the table's rule 'cube_c'" in program.source
        out, grads = program([2.0])
        assert out == 16.0 and close(grads[0], 24.0)
    finally:
        defining.undefine("cube_c")  # the table is shared by every test
