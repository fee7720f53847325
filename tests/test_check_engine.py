"""check_engine on engines written here: a right one, and one per bug students make.

Each engine is a micrograd-style Value (data, grad, _backward closures, backward()).
`engine(bug)` writes the right one with one bug planted, so each test shows exactly
what one slip does: the kind check_engine names, and the smallest program it finds."""
import math
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import EngineReport, check_engine
from autograd.names import fmt
from autograd.teaching.check_engine import (CHAIN_STEPS, KINDS, BlockStep, EngineFailure, Line, Program,
                                            run_deltagrad, run_student)
from support import needs_dot


def engine(bug: str | None = None, *, reset: bool | str = True):
    """A micrograd-style Value class; `bug` plants one slip. backward() zeroes every grad
    first (reset=True: a fresh pass), only the interior ones (reset="interior": leaves add
    up, as in PyTorch), or none (reset=False: micrograd's backward())."""

    def add_to(node, amount):
        if bug == "assign":
            node.grad = amount  # the slip: = where += belongs
        else:
            node.grad += amount

    class Value:
        def __init__(self, data, _children=()):
            self.data = data
            self.grad = 0.0
            self._backward = lambda: None
            self._prev = tuple(_children)

        @staticmethod
        def wrap(x):
            return x if isinstance(x, Value) else Value(x)

        def __add__(self, other):
            other = Value.wrap(other)
            out = Value(self.data + other.data, (self, other))

            def _backward():
                add_to(self, out.grad)
                add_to(other, out.grad)
            out._backward = _backward
            return out

        def __mul__(self, other):
            other = Value.wrap(other)
            out = Value(self.data * other.data, (self, other))

            def _backward():
                add_to(self, other.data * out.grad)
                add_to(other, self.data * out.grad)
            out._backward = _backward
            return out

        def __pow__(self, k):
            out = Value(self.data ** k, (self,))

            def _backward():
                add_to(self, k * self.data ** (k - 1) * out.grad)
            out._backward = _backward
            return out

        def tanh(self):
            t = math.tanh(self.data)
            out = Value(t, (self,))

            def _backward():
                local = 1 - t if bug == "tanh" else 1 - t * t  # the slip: 1 − t for 1 − t²
                add_to(self, local * out.grad)
            out._backward = _backward
            return out

        def exp(self):
            out = Value(math.exp(self.data), (self,))

            def _backward():
                if bug == "crash":
                    raise AttributeError("'Value' object has no attribute 'out'")
                add_to(self, out.data * out.grad)
            out._backward = _backward
            return out

        def relu(self):
            out = Value(max(self.data, 0.0), (self,))

            def _backward():
                local = 1.0 if bug == "relu" else float(self.data > 0)  # the slip: relu' = 1 everywhere
                add_to(self, local * out.grad)
            out._backward = _backward
            return out

        def log(self):
            out = Value(math.log10(self.data) if bug == "log10" else math.log(self.data), (self,))  # the slip: log₁₀

            def _backward():
                add_to(self, out.grad / self.data)
            out._backward = _backward
            return out

        def __neg__(self):
            if bug == "endless":
                return -self  # recurses without end
            return self * -1

        def __sub__(self, other):
            return self + (-Value.wrap(other))

        def __rsub__(self, other):
            if bug == "rsub":
                return self - other  # the slip: a − c for c − a
            return Value.wrap(other) + (-self)

        def __radd__(self, other):
            return self + other

        def __rmul__(self, other):
            return self * other

        def __truediv__(self, other):
            return self * Value.wrap(other) ** -1

        def __rtruediv__(self, other):
            return Value.wrap(other) * self ** -1

        def topological_order(self):
            if bug in ("recursive_topo", "swallow"):  # micrograd's: right, but one Python call per node of depth
                topo, seen = [], set()

                def build(v):
                    if v not in seen:
                        seen.add(v)
                        for child in v._prev:
                            build(child)
                        topo.append(v)
                try:
                    build(self)
                except RecursionError:
                    if bug == "recursive_topo":
                        raise
                    # the slip: the error is silenced, and the nodes never reached keep grad 0
                return topo
            topo, seen, stack = [], set(), [(self, False)]
            while stack:
                v, done = stack.pop()
                if done:
                    topo.append(v)
                elif v not in seen:
                    seen.add(v)
                    stack.append((v, True))
                    stack.extend((child, False) for child in v._prev)
            return topo

        def backward(self):
            if bug == "no_order":  # the slip: each node pushes to its children at once, recursively
                self.grad = 1.0
                self._push()
                return
            if bug == "loop":  # the slip: a walk whose cursor never moves on
                node = self
                while node._prev:
                    node._backward()
            topo = self.topological_order()
            if reset:
                for v in topo:
                    if reset is True or v._prev:
                        v.grad = 0.0
            if bug != "no_seed":  # the slip: backward() starts from grad 0, not ∂out/∂out = 1
                self.grad = 1.0
            for v in reversed(topo):
                v._backward()

        def _push(self):
            self._backward()
            for child in self._prev:
                child._push()

    return Value


def quick(cls, **kw):
    kw.setdefault("examples", 150)
    return check_engine(cls, **kw)


def only(report: EngineReport, kind: str):
    assert kind in report.kinds, report.feedback()
    return next(f for f in report.failures if f.kind == kind)


# -- a right engine ----------------------------------------------------------------------
def test_a_right_engine_passes_every_program_and_the_deep_chain():
    report = check_engine(engine(), examples=300)
    assert report.ok, report.feedback()
    assert report.depth == 10_000 and report.examples == 301
    assert set(report.ops) == {"add", "sub", "mul", "div", "pow", "neg", "radd", "rsub", "rmul", "rdiv",
                               "tanh", "exp", "relu", "log"}
    assert report.missing == ("sigmoid",)  # the class has none: not tried, not failed
    assert "agrees with deltagrad on 301 programs" in report.feedback()


def test_both_repeat_policies_are_right_when_asked_for():
    fresh, adding, neither = engine(), engine(reset="interior"), engine(reset=False)
    for policy, right in {"reset": fresh, "accumulate": adding, "either": fresh}.items():
        assert quick(right, repeat=policy, depth=None).ok, policy
    assert quick(adding, repeat="either", depth=None).ok
    assert only(quick(fresh, repeat="accumulate", depth=None), "not_idempotent")
    assert only(quick(adding, repeat="reset", depth=None), "not_idempotent")
    assert only(quick(neither, repeat="either", depth=None), "not_idempotent")  # micrograd's: grads triple
    assert quick(neither, repeat=None, depth=None).ok  # called once: right


# -- one slip each --------------------------------------------------------------------------
def test_assign_for_add_is_found_on_a_program_of_at_most_three_nodes():
    f = only(quick(engine("assign")), "overwrites_instead_of_accumulating")
    assert f.nodes <= 3, f.program
    ref = run_deltagrad(f.source)
    assert f.deltagrad == dict(zip(f.source.names(), ref["grads"]))  # deltagrad's δ, node by node
    assert f.student[f.first] != pytest.approx(f.deltagrad[f.first])
    assert f.program.endswith(".backward()") and "Value(" in f.program
    assert "+=" in f.message


def test_the_shrunk_program_runs_and_shows_the_slip_as_written():
    f = only(quick(engine("assign")), "overwrites_instead_of_accumulating")
    scope = {"Value": engine("assign")}
    exec(f.program, scope)  # noqa: S102 - the program check_engine wrote, run to prove it is what it says
    right = {"Value": engine()}
    exec(f.program, right)  # noqa: S102
    assert scope[f.first].grad == pytest.approx(f.student[f.first])
    assert right[f.first].grad == pytest.approx(f.deltagrad[f.first])


def test_no_topological_order_is_named_when_every_local_derivative_is_right():
    f = only(quick(engine("no_order"), repeat=None), "no_topological_order")
    assert f.nodes <= 5, f.program
    assert not any(k.startswith("wrong_local") for k in quick(engine("no_order"), repeat=None).kinds)


def test_grads_that_grow_on_a_second_backward_are_not_idempotent():
    report = quick(engine(reset=False), depth=None)
    f = only(report, "not_idempotent")
    assert f.program.count(".backward()") == 2
    assert report.kinds == ["not_idempotent"]  # one backward() is right


def test_the_sign_of_rsub_is_a_reflected_operator():
    report = check_engine(engine("rsub"), depth=None)
    f = only(report, "reflected_operator:rsub")
    assert f.nodes == 2 and " - a" in f.program, f.program
    assert "__rsub__" in f.message
    # the log of a value it got wrong raises too: that crash follows from this slip, not reported twice
    assert report.kinds == ["reflected_operator:rsub"], report.feedback()


def test_tanh_derivative_written_one_minus_t_is_a_wrong_local_derivative():
    f = only(quick(engine("tanh"), depth=None), "wrong_local:tanh")
    assert f.nodes == 2 and ".tanh()" in f.program, f.program
    assert f.first == "a"


def test_relu_derivative_one_everywhere_is_found_left_of_the_kink():
    f = only(quick(engine("relu"), depth=None), "wrong_local:relu")
    assert f.nodes == 2 and ".relu()" in f.program and f.source.leaves[0] < 0, f.program


def test_a_forward_value_written_wrong_is_a_wrong_value():
    report = quick(engine("log10"), depth=None)
    f = only(report, "wrong_value:log")
    assert f.nodes == 2 and ".log()" in f.program and f.kind == report.kinds[0], report.feedback()
    assert "forward pass" in f.message


def test_a_backward_that_does_not_start_from_one_is_the_seed():
    report = quick(engine("no_seed"), depth=None)
    assert report.kinds == ["seed"], report.feedback()
    assert "∂" in report.failures[0].message and "= 1" in report.failures[0].message


SLIPS = [  # not_idempotent needs a second backward(): test_grads_that_grow_on_a_second_backward_...
    ("assign", "overwrites_instead_of_accumulating"), ("no_order", "no_topological_order"),
    ("tanh", "wrong_local:<op>"), ("log10", "wrong_value:<op>"), ("rsub", "reflected_operator:<op>"),
    ("no_seed", "seed"), ("crash", "crash"),
]


@pytest.mark.parametrize("bug, kind", SLIPS)
def test_every_kind_listed_is_found_on_an_engine_that_has_that_slip(bug, kind):
    report = quick(engine(bug), depth=None, repeat=None)
    assert any(k.split(":")[0] == kind.split(":")[0] for k in report.kinds), report.feedback()


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 10_000))
def test_a_right_engine_passes_on_any_seed(seed):
    assert check_engine(engine(), examples=60, seed=seed, depth=None).ok


def test_the_same_seed_gives_the_same_report():
    one, two = (quick(engine("assign"), seed=3) for _ in range(2))
    assert [(f.kind, f.program) for f in one.failures] == [(f.kind, f.program) for f in two.failures]


def test_an_exception_is_a_crash_with_the_line_it_came_from():
    f = only(quick(engine("crash"), depth=None), "crash")
    assert "AttributeError" in f.error and ".backward()" in f.message
    assert f.nodes == 2 and ".exp()" in f.program


def test_an_endless_recursion_is_a_crash_not_a_hang():
    f = only(quick(engine("endless"), depth=None, examples=30), "crash")
    assert "RecursionError" in f.error or "recursed" in f.error
    assert "-" in f.program


def test_a_recursive_topological_sort_fails_the_deep_chain_with_advice():
    report = check_engine(engine("recursive_topo"), examples=50)
    f = only(report, "crash")
    assert "range(10000)" in f.program and f.nodes == 10_001
    assert "recursion" in f.message.lower() and "stack" in f.message
    assert check_engine(engine("recursive_topo"), examples=50, depth=None).ok


def test_an_endless_loop_is_stopped_by_the_time_bound():
    report = check_engine(engine("loop"), examples=3, depth=None, seconds=0.5)
    f = only(report, "crash")
    assert "longer than 0.5 s" in f.error and f.nodes == 2, f.program


# -- the stepper ------------------------------------------------------------------------------
def test_the_stepper_shows_both_deltas_and_marks_where_they_part():
    f = only(quick(engine("assign")), "overwrites_instead_of_accumulating")
    stepper = f.stepper()
    marked = [s for s in stepper.steps if s.parts]
    assert len(marked) == 1 and marked[0].name == f.first
    assert marked[0].delta == pytest.approx(f.deltagrad[f.first])
    assert marked[0].student == pytest.approx(f.student[f.first])
    assert "your engine" in marked[0].text() and "parts" in marked[0].text()


# -- the stepper at the size of a real network, and on the chain 10⁴ deep ----------------------
def network_program(sizes=(2, 8, 8, 1), seed=0) -> Program:
    """A 2-8-8-1 tanh network's forward pass and its squared output, written as a program:
    a_j = b_j + Σ_k w_jk z_k one product and one sum at a time, z_j = tanh(a_j)."""
    rng = random.Random(seed)
    leaves, lines = [], []

    def leaf(x):
        leaves.append(round(x, 2))
        return ("leaf", len(leaves) - 1)

    layer = [leaf(rng.uniform(-1, 1)) for _ in range(sizes[0])]
    for depth, nout in enumerate(sizes[1:], start=1):
        out = []
        for _ in range(nout):
            a = leaf(rng.uniform(-0.5, 0.5))  # b_j
            for z in layer:
                lines.append(("mul", leaf(rng.uniform(-1, 1)), z))
                lines.append(("add", a, ("line", len(lines) - 1)))
                a = ("line", len(lines) - 1)
            if depth < len(sizes) - 1:
                lines.append(("tanh", a))
                a = ("line", len(lines) - 1)
            out.append(a)
        layer = out
    n = len(leaves)
    node = lambda ref: ref[1] if ref[0] == "leaf" else n + ref[1]  # noqa: E731
    written = [Line(op, tuple(node(r) for r in refs)) for op, *refs in lines]
    return Program(tuple(leaves), tuple(written) + (Line("pow", (n + len(lines) - 1, 2.0)),))


def failure_on(cls, program: Program, kind: str) -> EngineFailure:
    """The failure of `cls` on this one program, as check_engine reports one (not shrunk):
    the first node where the two part is the first, from the output back, whose δ differs."""
    mine, ref = run_student(cls, {}, program), run_deltagrad(program)
    names = program.names()
    first = next(names[i] for i in range(program.size - 1, -1, -1) if mine["grads"][i] != pytest.approx(ref["grads"][i]))
    return EngineFailure(kind=kind, program=program.text(), nodes=program.size, message="", error="",
                         student=dict(zip(names, mine["grads"])), deltagrad=dict(zip(names, ref["grads"])),
                         first=first, source=program)


def test_a_counterexample_as_big_as_a_2_8_8_1_network_is_stepped_node_by_node(tmp_path):
    program = network_program()
    assert program.size == 300  # 107 weights, biases and inputs; 193 products, sums, tanh and the square
    f = failure_on(engine("assign"), program, "overwrites_instead_of_accumulating")
    stepper = f.stepper()
    assert len(stepper) == program.size
    [marked] = [s for s in stepper.steps if s.parts]
    assert marked.name == f.first and marked.delta == pytest.approx(f.deltagrad[f.first])
    assert marked.student == pytest.approx(f.student[f.first]) != pytest.approx(marked.delta)
    before = stepper.steps[: marked.index]  # every δ from the output to there agrees: it is the first
    assert all(s.student == pytest.approx(s.delta) for s in before)
    assert f'href="#step={marked.index + 1}"' in stepper.intro_html
    assert stepper.names[marked.node] == f"{f.first} (your δ: {fmt(f.student[f.first])})"  # and in the drawing


@needs_dot
def test_the_page_of_a_2_8_8_1_sized_counterexample_stays_small(tmp_path):
    f = failure_on(engine("assign"), network_program(), "overwrites_instead_of_accumulating")
    page = Path(f.stepper().to_html(tmp_path / "where.html")).read_text(encoding="utf-8")
    assert page.count('<section class="frame"') == 300
    assert len(page.encode()) < 1_000_000, len(page.encode())  # measured: 0.63 MB, written in 0.3 s
    assert "Your engine beside deltagrad" in page and "the first node where your engine parts" in page


@needs_dot
def test_in_chromium_the_link_opens_the_step_where_the_engines_part(tmp_path):
    from browser import launch, sync_playwright_or_skip

    f = failure_on(engine("assign"), network_program(), "overwrites_instead_of_accumulating")
    stepper = f.stepper()
    [marked] = [s for s in stepper.steps if s.parts]
    path = Path(stepper.to_html(tmp_path / "where.html"))
    with sync_playwright_or_skip()() as p:
        browser = launch(p)
        page = browser.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-zoom-ready='1']")
        page.click("#parts")
        page.wait_for_function(f"document.body.dataset.step === '{marked.index}'")
        shown = page.text_content("section.frame:not([hidden]) pre.equation")
        assert shown == marked.text() and "your engine: " + fmt(f.student[f.first]) in shown
        assert page.text_content("#counter") == f"step {marked.index + 1} of 300" and errors == []
        browser.close()


def test_a_failure_on_the_deep_chain_is_stepped_in_blocks():
    """An engine that catches its own RecursionError reaches none of the chain's nodes below
    the recursion limit: found on the chain 10⁴ deep, and stepped in CHAIN_STEPS blocks."""
    report = check_engine(engine("swallow"), examples=30)
    f = only(report, "no_topological_order")
    assert f.nodes == 10_001 and "range(10000)" in f.program and f.first == "b9999"
    assert "never reached" in f.message
    stepper = f.stepper()
    assert len(stepper) <= CHAIN_STEPS
    blocks = [s for s in stepper.steps if isinstance(s, BlockStep)]
    assert sum(len(s.members) for s in stepper.steps if isinstance(s, BlockStep)) + len(stepper) - len(blocks) == 10_001
    [marked] = [s for s in stepper.steps if any(m.parts for m in s.members)]
    assert marked.index == 0 and "b9999" in marked.text() and "parts from deltagrad" in marked.text()
    block = stepper.steps[1].text()  # 101 nodes alike: the first two and the last are written
    assert "(98 more nodes of the same form)" in block and len(block.splitlines()) == 5, block
    assert stepper.steps[1].latex().count(r"\quad ") == 3 and r"\cdots" in stepper.steps[1].latex()  # the widget's
    names = {s.node: s.name for s in stepper.node_steps}
    assert stepper.names[marked.members[-1].node] == "b9999 (your δ: 0)"  # the drawing marks it too
    deltas = {names[node]: d for node, d in stepper.deltas(-1).items()}  # every node's δ, as before
    assert len(deltas) == 10_001 and deltas == pytest.approx(f.deltagrad)


@needs_dot
def test_the_page_of_the_deep_chain_is_written_and_small(tmp_path):
    f = only(check_engine(engine("recursive_topo"), examples=20), "crash")
    page = Path(f.stepper().to_html(tmp_path / "chain.html")).read_text(encoding="utf-8")
    assert page.count('<section class="frame"') <= CHAIN_STEPS
    assert len(page.encode()) < 500_000, len(page.encode())  # measured: 0.24 MB
    assert "RecursionError" in page and "has no δ" in page


# -- adapt=, ops= and bad arguments ------------------------------------------------------------
def test_adapt_maps_other_spellings():
    Value = engine()  # its nodes are all made by Value, so the spellings go on that class
    Value.Tanh, Value.value = Value.tanh, property(lambda self: self.data)
    del Value.tanh
    report = quick(Value, adapt={"data": "value", "tanh": "Tanh"}, ops=["add", "mul", "tanh"], depth=None)
    assert report.ok, report.feedback()
    assert report.ops == ("add", "mul", "tanh")


def test_adapt_names_grad_and_backward_too():
    Value = engine()
    Value.gradient = property(lambda self: self.grad)
    Value.backprop = Value.backward
    del Value.backward
    report = quick(Value, adapt={"grad": "gradient", "backward": "backprop"}, ops=["add", "mul"], depth=None)
    assert report.ok, report.feedback()


def test_a_class_that_cannot_make_a_node_is_a_crash_at_the_first_line():
    Value = engine()

    def broken(self, data, _children=()):
        raise TypeError("Value() takes no arguments")
    Value.__init__ = broken
    f = only(quick(Value, depth=None, examples=5), "crash")
    assert "a = Value(" in f.message and "TypeError" in f.error


@pytest.mark.parametrize("kwargs, words", [
    ({"ops": ["add", "matmul"]}, "unknown ops ['matmul']"),
    ({"adapt": {"value": "data"}}, "adapt="),
    ({"repeat": "twice"}, "repeat must be"),
    ({"examples": 0}, "examples must be"),
    ({"depth": -3}, "depth must be"),
])
def test_bad_arguments_say_what_to_do(kwargs, words):
    with pytest.raises(ValueError, match=words.replace("[", r"\[").replace("]", r"\]")):
        check_engine(engine(), **kwargs)


def test_an_instance_instead_of_the_class_is_refused():
    with pytest.raises(TypeError, match="the student's class itself"):
        check_engine(engine()(1.0))


def test_the_kinds_listed_are_the_kinds_reported():
    assert set(KINDS) == {kind for _, kind in SLIPS} | {"not_idempotent"}  # each one has an engine here
    assert Program((0.5,), ()).size == 1


@needs_dot
def test_the_stepper_page_shows_the_students_delta(tmp_path):
    f = only(quick(engine("tanh"), depth=None), "wrong_local:tanh")
    page = Path(f.stepper().to_html(tmp_path / "where.html")).read_text(encoding="utf-8")
    assert "your engine" in page and "parts from deltagrad" in page
    assert fmt(f.student["a"]) in page and fmt(f.deltagrad["a"]) in page


# -- in an autograder --------------------------------------------------------------------------
def test_the_docs_show_what_the_test_cell_prints_and_no_reference_code():
    """docs/instructors.md: a student's engine, the test cell, and the feedback it prints,
    which is the kind and the smallest program in the student's class; the README's
    instructor section shows the same feedback."""
    import contextlib
    import io
    import re

    root = Path(__file__).resolve().parent.parent
    docs = (root / "docs" / "instructors.md").read_text(encoding="utf-8")
    block, shown = re.search(r"```python\n(from autograd import check_engine\n.*?)```\n\nprints\n\n```\n(.*?)```",
                             docs, re.S).groups()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "instructors.md", "exec"), {})  # noqa: S102 - the docs' own example
    assert out.getvalue() == shown
    assert "```\n" + shown + "```" in (root / "README.md").read_text(encoding="utf-8")
    assert "overwrites_instead_of_accumulating" in shown and "b = a + a" in shown
    assert ".grad +=" not in shown and "_backward" not in shown  # what to fix is named; no code given


STUDENT_ENGINE = '''
class Value:
    def __init__(self, data, _prev=()):
        self.data, self.grad, self._prev, self._backward = data, 0.0, _prev, lambda: None

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))
        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))
        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif node not in seen:
                seen.add(node)
                stack += [(node, True)] + [(p, False) for p in node._prev]
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            node._backward()
'''


def test_otter_grades_a_students_engine_and_shows_the_smallest_program(tmp_path):
    """otter-grader itself: `otter assign` on a master notebook whose test cell asserts
    check_engine(Value).ok, then `otter run` on a right engine and on one with = for +=."""
    pytest.importorskip("otter", reason="otter-grader is not installed (make test installs the 'grading' extra)")
    nbformat = pytest.importorskip("nbformat", reason="nbformat is needed to write the notebooks")
    import copy
    import json
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent

    def otter(*args):
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
        done = subprocess.run([sys.executable, "-m", "otter", *args], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]

    v4 = nbformat.v4
    master = v4.new_notebook()
    master.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    master.cells = [
        v4.new_raw_cell("# ASSIGNMENT CONFIG\nrequirements: null\nexport_cell: false\ncheck_all_cell: false\n"
                        "run_tests: true\nfiles: []"),
        v4.new_markdown_cell("Write a Value with +, * and backward()."),
        v4.new_raw_cell("# BEGIN QUESTION\nname: engine\npoints: 1"),
        v4.new_raw_cell("# BEGIN SOLUTION"),
        v4.new_code_cell("# BEGIN SOLUTION\n" + STUDENT_ENGINE.strip() + "\n# END SOLUTION"),
        v4.new_raw_cell("# END SOLUTION"),
        v4.new_raw_cell("# BEGIN TESTS"),
        v4.new_code_cell("from autograd import check_engine\nreport = check_engine(Value, ops=['add', 'mul'])\n"
                         "assert report.ok, report.feedback()"),
        v4.new_raw_cell("# END TESTS"),
        v4.new_raw_cell("# END QUESTION"),
    ]
    nbformat.write(master, tmp_path / "master.ipynb")
    otter("assign", "master.ipynb", "dist")
    student = nbformat.read(tmp_path / "dist" / "student" / "master.ipynb", 4)
    assert "other.grad +=" not in json.dumps(student), "otter assign left the reference engine in the student's notebook"
    [autograder] = (tmp_path / "dist" / "autograder").glob("*.zip")
    shown = {}
    for name, source in {"right": STUDENT_ENGINE, "slip": STUDENT_ENGINE.replace("grad +=", "grad =")}.items():
        submission = copy.deepcopy(student)
        cells = [c for c in submission.cells if c.cell_type == "code" and "..." in c.source]
        assert len(cells) == 1, "\n-----\n".join(c.source for c in submission.cells)
        [cell] = cells
        cell.source = source
        nbformat.write(submission, tmp_path / f"{name}.ipynb")
        (tmp_path / name).mkdir()
        otter("run", "-a", str(autograder), "-o", name, "--no-logo", f"{name}.ipynb")
        result = json.loads((tmp_path / name / "results.json").read_text(encoding="utf-8"))
        [test] = [t for t in result["tests"] if t["name"] == "engine"]
        shown[name] = (test["score"], test.get("output", ""))
    assert shown["right"][0] == 1.0
    score, text = shown["slip"]
    assert score == 0 and "overwrites_instead_of_accumulating" in text
    assert "b = a + a" in text or "b = a * a" in text
    assert "+=" in text and "other.grad +=" not in text  # the fix is named, no reference code is shown
