"""Check an engine a student wrote: a micrograd-style `Value` class, run against deltagrad.

    from autograd import check_engine
    report = check_engine(Value)          # the student's class
    report.ok                             # True when every program agreed
    f = report.failures[0]
    print(f.kind)                         # "overwrites_instead_of_accumulating"
    print(f.program)                      # a = Value(0.5)
                                          # b = a + a
                                          # b.backward()
    f.stepper().to_html("where.html")     # deltagrad's backward pass, the student's δ beside it

The student's class is driven like micrograd's: `Value(x)`, `.data`, `.grad`, the operators
+ − × / ** and unary −, the reflected ones (`2.0 - a` calls `a.__rsub__`), the methods it has
among tanh, exp, relu, log and sigmoid, and `.backward()`. `adapt=` maps other spellings:
`adapt={"data": "value", "tanh": "Tanh"}`.

What is run. Random small programs (1 to 3 inputs, up to 6 lines) whose nodes are reused
(a shared node j has several consumers k ∈ ↓j, so its δ_j = Σ_{k∈↓j} δ_k ∂k/∂j is a sum),
numbers on either side of an operator, some with backward() called twice, and one chain
`depth` nodes deep. Each program runs with the student's class and with deltagrad; every
node's data (the forward pass) and grad (its δ) must agree within the course's one tolerance
(`autograd.teaching.judge.agrees`).

A failing program is shrunk: lines are dropped, inputs merged and numbers made round while it
still fails the same way, so what the student reads is the smallest program that fails, like
`a = Value(0.5); b = a + a; b.backward()`. Its `kind` says what the evidence shows, in the
words of the lectures:

    overwrites_instead_of_accumulating  a node with several consumers keeps one term of its δ
                                        sum instead of adding them all (= where += belongs)
    no_topological_order                each local derivative is right, yet a reused node's δ
                                        is wrong: a δ_k was passed on before it was complete
    wrong_local:<op>                    ∂k/∂j of that op is wrong (the program has that one op)
    wrong_value:<op>                    the forward value of that op is wrong
    reflected_operator:<op>             the reflected form (2.0 - a, 2.0 / a, ...) is wrong
    seed                                the output's own grad is not ∂out/∂out = 1
    not_idempotent                      one backward() is right; a second one gives grads that
                                        follow neither repeat policy (see `repeat=`)
    crash                               the student's code raised, recursed without end, or ran
                                        longer than `seconds` (found, never a hang)

Calling backward() twice. Two behaviours are consistent and both are taught: PyTorch (and
deltagrad) ADD the new gradients into the leaves' .grad (a minibatch sums its examples that
way), micrograd's users usually expect a second call to give the SAME grads. `repeat=`
chooses what is right: "accumulate" (a leaf's grad doubles), "reset" (it stays), "either"
(the default: both are accepted, what is flagged is anything else, e.g. grads that triple
because the interior nodes were not zeroed), or None (backward() is called once).

Bounds. The student's code runs in a child process (`autograd.sandbox.run_bounded`) with a
time limit, a recursion limit and a memory limit, so an endless loop or recursion is a
finding of kind "crash" and never hangs the checker (where processes are spawned, not forked —
Windows — the class must be importable from a module file; in Pyodide the runs are in-process,
bounded in time and recursion). A micrograd-style backward() whose
topological sort is recursive fails the `depth` chain (10⁴ nodes by default; the recursion
limit is 2000 unless `recursion=` says otherwise) with a RecursionError: that is reported too,
with what to do; `depth=None` leaves the chain out. A crash that only follows from a value the
engine got wrong earlier (the log of a wrongly computed number) is not reported twice.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, fields, replace
from typing import Callable, Mapping, Sequence

from autograd import escape
from autograd.names import delta_name, fmt
from autograd.rules import DomainError
from autograd.sandbox import run_bounded
from autograd.teaching.judge import agrees
from autograd.teaching.steps import BACKWARD_VIEW, GroupStep, Step, Stepper, backward_steps
from autograd.value import Value

__all__ = ["check_engine", "EngineReport", "EngineFailure", "Program", "Line", "OPS", "KINDS"]


# ---------------------------------------------------------------------------
# The ops a program may use: how each is written, and what it calls on the class
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Op:
    name: str
    text: str  # how a line is written: {x} a node, {y} a node or a number, {c} a number
    needs: str  # the attribute the student's class must have for this op to be tried
    form: str  # "nodes" (x op y, y a node or a number), "number_right" (x ** c),
    #            "number_left" (c op x: the reflected operator), "unary" (-x), "method" (x.tanh())
    apply: Callable | None = None  # for operators: how Python writes it


OPS: dict[str, Op] = {op.name: op for op in [
    Op("add", "{x} + {y}", "__add__", "nodes", lambda x, y: x + y),
    Op("sub", "{x} - {y}", "__sub__", "nodes", lambda x, y: x - y),
    Op("mul", "{x} * {y}", "__mul__", "nodes", lambda x, y: x * y),
    Op("div", "{x} / {y}", "__truediv__", "nodes", lambda x, y: x / y),
    Op("pow", "{x} ** {c}", "__pow__", "number_right", lambda x, c: x ** c),
    Op("neg", "-{x}", "__neg__", "unary", lambda x: -x),
    Op("radd", "{c} + {x}", "__radd__", "number_left", lambda x, c: c + x),
    Op("rsub", "{c} - {x}", "__rsub__", "number_left", lambda x, c: c - x),
    Op("rmul", "{c} * {x}", "__rmul__", "number_left", lambda x, c: c * x),
    Op("rdiv", "{c} / {x}", "__rtruediv__", "number_left", lambda x, c: c / x),
    Op("tanh", "{x}.tanh()", "tanh", "method"),
    Op("exp", "{x}.exp()", "exp", "method"),
    Op("relu", "{x}.relu()", "relu", "method"),
    Op("log", "{x}.log()", "log", "method"),
    Op("sigmoid", "{x}.sigmoid()", "sigmoid", "method"),
]}
REFLECTED = {"radd", "rsub", "rmul", "rdiv"}
PLAIN = tuple(OPS)  # a shrunk program prefers the ops listed first
KINDS = ("overwrites_instead_of_accumulating", "no_topological_order", "wrong_local:<op>", "wrong_value:<op>",
         "reflected_operator:<op>", "seed", "not_idempotent", "crash")
REPEATS = ("either", "accumulate", "reset", None)
ADAPTABLE = ("data", "grad", "backward", *(op.name for op in OPS.values() if op.form == "method"))
NUMBERS = (2.0, 3.0, 0.5, -1.0, 1.5)  # the numbers written beside a node (2.0 - a, a ** 3.0)
EXPONENTS = (2.0, 3.0, -1.0, 0.5)
ROUND = (0.5, 2.0, 1.0, -0.5)  # the numbers a shrunk program prefers
# A failure's stepper walks a chain deeper than this (the `depth` chain, 10⁴ nodes) in at most
# this many blocks of consecutive nodes: stepped one node at a time, its page would hold 10⁴
# steps and a drawing of 10⁴ boxes (past `draw`'s max_nodes); in blocks of 100 it is a
# 100-box drawing and a page of 0.24 MB, made and written in about 2 s (measured on a
# shared 2-core machine; `python -m bench.pages`).
CHAIN_STEPS = 100


# ---------------------------------------------------------------------------
# A program: inputs, then lines, each one op on earlier nodes or numbers
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Line:
    op: str
    args: tuple  # an int is a node (its index), a float a number written in the program


@dataclass(frozen=True)
class Program:
    """Inputs `leaves` are nodes 0..n−1, line i makes node n+i; the last node is the output.
    With `loop`, the one line is applied `loop` times, each time to the previous result
    (a chain `loop` nodes deep). backward() is called `calls` times (1 or 2)."""

    leaves: tuple[float, ...]
    lines: tuple[Line, ...]
    calls: int = 1
    loop: int = 0

    @property
    def size(self) -> int:
        """The number of nodes (inputs and results; the numbers written beside them are not nodes)."""
        return len(self.leaves) + (self.loop if self.loop else len(self.lines))

    def names(self) -> list[str]:
        if self.loop:
            return ["a"] + [f"b{i}" for i in range(1, self.loop + 1)]
        return [_letter(i) for i in range(self.size)]

    def text(self, class_name: str = "Value") -> str:
        """The program as Python a student can paste under their class (called `class_name`)."""
        names = self.names()
        out = [f"{names[i]} = {class_name}({x!r})" for i, x in enumerate(self.leaves)]
        if self.loop:
            line = self.lines[0]
            out += ["b = a", f"for _ in range({self.loop}):", f"    b = {_written(line, ['b'], 'b')}"]
            root = "b"
        else:
            for i, line in enumerate(self.lines):
                n = len(self.leaves) + i
                out.append(f"{names[n]} = {_written(line, names)}")
            root = names[-1]
        out += [f"{root}.backward()"] * self.calls
        return "\n".join(out)

    def __str__(self) -> str:
        return self.text()


def _letter(i: int) -> str:
    return "abcdefghijklmnopqrstuvwxyz"[i] if i < 26 else f"v{i}"


def _written(line: Line, names: Sequence[str], x_name: str | None = None) -> str:
    op = OPS[line.op]
    first = x_name if x_name is not None else names[line.args[0]]
    parts = {"x": first}
    if len(line.args) > 1:
        other = line.args[1]
        written = repr(other) if isinstance(other, float) else names[other]
        parts["y"] = parts["c"] = written
    return op.text.format(**parts)


def _expanded(program: Program) -> tuple[Line, ...]:
    """The lines one by one (a loop written out), each line's node arguments as indices."""
    if not program.loop:
        return program.lines
    op, number = program.lines[0].op, program.lines[0].args[1:]
    return tuple(Line(op, (i,) + number) for i in range(program.loop))


# ---------------------------------------------------------------------------
# Running a program on a class: the same code drives the student's class and deltagrad's
# ---------------------------------------------------------------------------
def _build(program: Program, make: Callable, method: Callable, where: list | None = None) -> list:
    """The program's nodes, made with `make` (the class) and `method(node, name)` (a method by
    deltagrad's name). `where` is kept on the line being run, [its text, its node], to say where
    an error came from."""
    where = where if where is not None else ["", None]
    names = program.names()
    nodes = []
    for i, x in enumerate(program.leaves):
        where[:] = [f"{names[i]} = {getattr(make, '__name__', 'Value')}({x!r})", i]
        nodes.append(make(x))
    for i, line in enumerate(_expanded(program)):
        op = OPS[line.op]
        args = [nodes[a] if isinstance(a, int) else a for a in line.args]
        where[:] = [f"step {i + 1} of the loop" if program.loop
                    else f"{names[len(program.leaves) + i]} = {_written(line, names)}", len(program.leaves) + i]
        nodes.append(method(args[0], op.name)() if op.form == "method" else op.apply(*args))
    return nodes


def _number(x) -> float:
    """A student's .data or .grad as a float (nan when it is not a number)."""
    try:
        return float(x)
    except (TypeError, ValueError, OverflowError):
        return math.nan


def run_student(cls, adapt: Mapping[str, str], program: Program) -> dict:
    """Run `program` with the student's class (called inside the bounded child process).
    Returns plain numbers: every node's data and grad after the first backward(), the
    leaves' grads after the second, or where the student's code raised and what."""
    root_name = "b" if program.loop else program.names()[-1]
    spelled = lambda name: adapt.get(name, name)  # noqa: E731 - one line, read once
    where = ["", None]
    try:
        nodes = _build(program, cls, lambda node, name: getattr(node, spelled(name)), where)
        where[:] = [f"{root_name}.backward()", None]
        root = nodes[-1]
        getattr(root, spelled("backward"))()
        data = [_number(getattr(n, spelled("data"))) for n in nodes]
        grads = [_number(getattr(n, spelled("grad"))) for n in nodes]
        again = None
        if program.calls == 2:
            where[:] = [f"the second {root_name}.backward()", None]
            getattr(root, spelled("backward"))()
            again = [_number(getattr(nodes[i], spelled("grad"))) for i in range(len(program.leaves))]
        return {"data": data, "grads": grads, "again": again}
    except Exception as e:  # noqa: BLE001 - anything the student's code raises is a finding
        return {"error": f"{type(e).__name__}: {e}", "error_type": type(e).__name__, "where": where[0],
                "node": where[1]}


def run_many(cls, adapt, programs: Sequence[Program]) -> list[dict]:
    return [run_student(cls, adapt, p) for p in programs]


def run_deltagrad(program: Program) -> dict | None:
    """deltagrad on the same program, or None when the program leaves an op's domain
    (log of a negative number, division by 0, overflow): such a program is not asked."""
    names = program.names()
    try:
        nodes = _build(program, Value, lambda node, name: getattr(node, name))
    except (DomainError, ZeroDivisionError, OverflowError, ValueError):
        return None
    if any(not math.isfinite(n.data) or abs(n.data) > 1e6 for n in nodes):
        return None
    for node, name in zip(nodes, names):
        node.label = name
    nodes[-1].backward()
    grads = [n.grad for n in nodes]
    if any(not math.isfinite(g) or abs(g) > 1e8 for g in grads):
        return None
    return {"data": [n.data for n in nodes], "grads": grads, "nodes": nodes}


def _valid_input(program: Program) -> bool:
    """Away from the kinks (relu at 0) and the edges (log near 0) where two right engines may differ."""
    ref = run_deltagrad(program)
    if ref is None:
        return False
    for line in _expanded(program)[:50]:  # a loop's lines all look alike
        x = ref["data"][line.args[0]]
        if line.op in ("relu",) and abs(x) < 0.05 or line.op in ("log", "rdiv") and abs(x) < 0.1:
            return False
        if line.op == "div" and isinstance(line.args[1], int) and abs(ref["data"][line.args[1]]) < 0.1:
            return False
        if line.op == "div" and isinstance(line.args[1], float) and line.args[1] == 0:
            return False
        if line.op == "pow" and (x <= 0.1 and line.args[1] != int(line.args[1]) or abs(x) < 0.1):
            return False
    return True


# ---------------------------------------------------------------------------
# Comparing: what went wrong, in one word
# ---------------------------------------------------------------------------
def _verdict(program: Program, student: dict, repeat) -> str | None:
    """None when the student's engine agrees on this program, else the failure's class:
    "crash:<error type>", "data", "grads", "again" (only the second backward() is wrong)."""
    if "error" in student:
        return f"crash:{student['error_type']}"
    ref = run_deltagrad(program)
    if not all(agrees(s, r) for s, r in zip(student["data"], ref["data"])):
        return "data"
    if not all(agrees(s, r) for s, r in zip(student["grads"], ref["grads"])):
        return "grads"
    if program.calls == 2 and student["again"] is not None:
        first = student["grads"][: len(program.leaves)]
        policies = {"accumulate": [2 * g for g in first], "reset": first}
        allowed = list(policies) if repeat == "either" else [repeat]
        if not any(all(agrees(s, e) for s, e in zip(student["again"], policies[p])) for p in allowed):
            return "again"
    return None


# ---------------------------------------------------------------------------
# Running bounded: many programs in one child process; one by one when a batch hangs
# ---------------------------------------------------------------------------
@dataclass
class _Runner:
    cls: type
    adapt: dict
    seconds: float
    recursion: int
    memory_mb: int | None
    runs: int = 0  # child processes started, for the report

    def one(self, program: Program) -> dict:
        self.runs += 1
        out = run_bounded(run_student, self.cls, self.adapt, program, seconds=self.seconds,
                          recursion=self.recursion, memory_mb=self.memory_mb)
        if out.ok:
            return out.value
        return {"error": out.message, "error_type": "timeout" if out.status == "timeout" else out.error_type,
                "where": "the program"}

    def many(self, programs: Sequence[Program]) -> list[dict]:
        if not programs:
            return []
        self.runs += 1
        out = run_bounded(run_many, self.cls, self.adapt, list(programs), seconds=self.seconds,
                          recursion=self.recursion, memory_mb=self.memory_mb)
        if out.ok:
            return out.value
        if len(programs) == 1:
            return [self.one(programs[0])]
        # a program of the batch hung or killed the process: find it, one at a time
        results = []
        for p in programs:
            results.append(self.one(p))
            if results[-1].get("error_type") in ("timeout", "crash"):
                break  # the rest are run by the caller's next batch, if it wants them
        return results


# ---------------------------------------------------------------------------
# Random programs
# ---------------------------------------------------------------------------
def _random_program(rng: random.Random, ops: Sequence[str], repeat) -> Program:
    for _ in range(100):
        leaves = tuple(round(rng.choice((-1, 1)) * rng.uniform(0.2, 2.0), 1) for _ in range(rng.randint(1, 3)))
        lines: list[Line] = []
        for _ in range(rng.randint(1, 6)):
            n = len(leaves) + len(lines)
            # prefer the newest node, so the output depends on most lines, and reuse the others
            x = n - 1 if rng.random() < 0.6 else rng.randrange(n)
            op = OPS[rng.choice(ops)]
            if op.form == "nodes":
                y = rng.choice(NUMBERS) if rng.random() < 0.3 else rng.randrange(n)
                args = (x, y)
            elif op.form == "number_right":
                args = (x, rng.choice(EXPONENTS))
            elif op.form == "number_left":
                args = (x, rng.choice(NUMBERS))
            else:
                args = (x,)
            candidate = Program(leaves, tuple(lines) + (Line(op.name, args),))
            if _valid_input(candidate):
                lines.append(Line(op.name, args))
        if lines:
            calls = 2 if repeat is not None and rng.random() < 0.2 else 1
            return Program(leaves, tuple(lines), calls)
    raise ValueError("check_engine: could not make a valid program from the ops "
                     f"{list(ops)}; give more ops (ops=None tries every op the class has)")


def _deep_chain(ops: Sequence[str], depth: int) -> Program | None:
    """a, then b = b * 1.0001 (or + 0.001) `depth` times: a chain depth nodes deep."""
    if "mul" in ops:
        return Program((0.5,), (Line("mul", (0, 1.0001)),), loop=depth)
    if "add" in ops:
        return Program((0.5,), (Line("add", (0, 0.001)),), loop=depth)
    return None


# ---------------------------------------------------------------------------
# Shrinking: the smallest program that still fails the same way
# ---------------------------------------------------------------------------
def _tidy(leaves, lines, calls) -> Program | None:
    """Drop what the output does not depend on and number the nodes again."""
    if not lines:
        return None
    n_leaves = len(leaves)
    used = {n_leaves + len(lines) - 1}
    for i in range(len(lines) - 1, -1, -1):
        if n_leaves + i in used:
            used.update(a for a in lines[i].args if isinstance(a, int))
    keep = [i for i in range(n_leaves + len(lines)) if i in used]
    new = {old: k for k, old in enumerate(keep)}
    new_leaves = tuple(leaves[i] for i in keep if i < n_leaves)
    new_lines = tuple(Line(lines[i - n_leaves].op,
                           tuple(new[a] if isinstance(a, int) else a for a in lines[i - n_leaves].args))
                      for i in keep if i >= n_leaves)
    if not new_leaves or not new_lines:
        return None
    return Program(new_leaves, new_lines, calls)


def _smaller(program: Program) -> list[Program]:
    """Programs one simplification away from `program`: fewer nodes, one call, rounder numbers."""
    if program.loop:
        return []  # a chain is its depth: keep it as it is
    leaves, lines, n = program.leaves, list(program.lines), len(program.leaves)
    out = []
    if program.calls == 2:
        out.append(Program(leaves, program.lines, 1))
    for i in range(len(lines)):  # end the program at line i
        out.append(_tidy(leaves, lines[: i + 1], program.calls))
    for i, line in enumerate(lines):  # skip line i: its users use one of its arguments instead
        for a in line.args:
            if isinstance(a, int):
                rest = [Line(l.op, tuple(a if b == n + i else (b - 1 if isinstance(b, int) and b > n + i else b)
                                         for b in l.args)) for l in lines[i + 1:]]
                out.append(_tidy(leaves, lines[:i] + rest, program.calls))
    for i, line in enumerate(lines):  # an argument replaced by an earlier node (a + b → a + a)
        for k, a in enumerate(line.args):
            if isinstance(a, int):
                for b in range(a):
                    args = line.args[:k] + (b,) + line.args[k + 1:]
                    out.append(_tidy(leaves, lines[:i] + [Line(line.op, args)] + lines[i + 1:], program.calls))
    for i, line in enumerate(lines):  # a plainer op of the same form (a / a → a + a)
        for op in OPS.values():
            if op.form == OPS[line.op].form and PLAIN.index(op.name) < PLAIN.index(line.op):
                out.append(Program(leaves, tuple(lines[:i] + [Line(op.name, line.args)] + lines[i + 1:]),
                                   program.calls))
    for i, x in enumerate(leaves):  # rounder inputs
        for r in ROUND:
            if abs(r) < abs(x) or (abs(r) == abs(x) and r > x) or (x not in ROUND and r != x):
                out.append(Program(leaves[:i] + (r,) + leaves[i + 1:], program.lines, program.calls))
    return [p for p in out if p is not None and _rank(p) < _rank(program) and _valid_input(p)]


def _rank(p: Program) -> tuple:
    """What "smaller" means: fewer nodes, fewer lines, one backward(), plainer ops (+ before
    /), then rounder inputs."""
    return (p.size, len(p.lines), p.calls, sum(PLAIN.index(line.op) for line in p.lines),
            sum(x not in ROUND for x in p.leaves), sum(abs(x) for x in p.leaves))


def _shrink(program: Program, failure: str, runner: _Runner, repeat, budget: int = 40) -> tuple[Program, dict]:
    """Greedy: take the first smaller program that fails the same way, until none does."""
    result = None
    for _ in range(budget):
        candidates = sorted(dict.fromkeys(_smaller(program)), key=_rank)  # the smallest first
        if not candidates:
            break
        found = False
        # a program that hangs costs `seconds`: those are tried one at a time, so the first
        # (smallest) that still hangs ends the round
        results = (runner.one(p) for p in candidates) if failure == "crash:timeout" else runner.many(candidates)
        for p, r in zip(candidates, results):
            if _verdict(p, r, repeat) == failure:
                program, result, found = p, r, True
                break
        if not found:
            break
    return program, result


# ---------------------------------------------------------------------------
# Naming the failure
# ---------------------------------------------------------------------------
def _consumers(program: Program, j: int) -> list[tuple[int, int]]:
    """(k, i): node k takes node j as its i-th argument."""
    n = len(program.leaves)
    return [(n + li, i) for li, line in enumerate(_expanded(program)) for i, a in enumerate(line.args) if a == j]


def _kind(program: Program, student: dict, ref: dict, failure: str, runner: _Runner) -> tuple[str, int | None, str]:
    """(kind, the node where the student's engine parts from deltagrad's, one sentence)."""
    names, n = program.names(), len(program.leaves)
    lines = _expanded(program)
    if failure.startswith("crash"):
        deep = program.loop and student.get("error_type") == "RecursionError"
        why = (f" On this chain {program.loop} nodes deep, Python's recursion limit was reached: "
               "a topological order built by recursion fails on deep graphs; build it with a loop "
               "and a list used as a stack." if deep else "")
        return "crash", None, f"Your engine failed while running {student['where']}: {student['error']}.{why}"
    if failure == "data":
        j = next(i for i, (s, r) in enumerate(zip(student["data"], ref["data"])) if not agrees(s, r))
        op = lines[j - n].op if j >= n else "Value"
        kind = f"reflected_operator:{op}" if op in REFLECTED else f"wrong_value:{op}"
        written = _written(lines[j - n], names) if j >= n else "an input"
        told = (f"The forward pass gives {names[j]} = {fmt(student['data'][j])} for {written}, "
                f"deltagrad {fmt(ref['data'][j])}.")
        if op in REFLECTED:  # c − a, with c a number, is a.__rsub__(c): the operands arrive swapped
            told += (f" Python computes {OPS[op].text.format(x='a', c='c')} with a number c as "
                     f"a.{OPS[op].needs}(c): self is the right-hand operand.")
        return kind, j, told
    if failure == "again":
        return "not_idempotent", None, (
            "One backward() gives the right grads; calling it a second time gives leaf grads that "
            "neither add up (PyTorch's rule) nor stay the same (a fresh pass): the interior nodes' grads "
            "were probably not reset before the second pass.")
    # the grads: the first node, from the output back, whose δ parts from deltagrad's
    j = next(i for i in range(program.size - 1, -1, -1) if not agrees(student["grads"][i], ref["grads"][i]))
    dj = delta_name(names[j])
    if j == program.size - 1:
        return "seed", j, f"The output's grad is {fmt(student['grads'][j])}; backward() starts from ∂{names[j]}/∂{names[j]} = 1."
    uses = _consumers(program, j)
    for k, i in uses:  # each edge j → k alone: is ∂k/∂j right?
        line = lines[k - n]
        alone = _alone(line, ref)
        if alone is not None and _verdict(alone, runner.one(alone), None) is not None:
            op = line.op
            kind = f"reflected_operator:{op}" if op in REFLECTED else f"wrong_local:{op}"
            return kind, j, (f"{dj} is wrong and every δ below it is right: the local derivative "
                             f"∂{names[k]}/∂{names[j]} of {OPS[op].text.format(x='x', y='y', c='c')} is wrong.")
    # δ_j's terms δ_k ∂k/∂j, one per edge, from deltagrad's graph
    node = ref["nodes"][j]
    terms = [ref["grads"][k] * local for k in range(j + 1, program.size)
             for p, local in zip(ref["nodes"][k].parents, ref["nodes"][k].local_grads) if p is node]
    partial = [sum(terms[a:b]) for a in range(len(terms)) for b in range(a + 1, len(terms) + 1) if b - a < len(terms)]
    consumers = ", ".join(dict.fromkeys(names[k] for k, _ in uses))
    if len(terms) > 1 and any(agrees(student["grads"][j], t) for t in partial):
        return "overwrites_instead_of_accumulating", j, (
            f"{names[j]} is used {len(terms)} times (by {consumers}), so {dj} = Σ_k δ_k ∂k/∂{names[j]} "
            f"has {len(terms)} terms; your {names[j]}.grad holds only part of that sum: a grad was "
            "set (=) where it must be added to (+=).")
    unreached = ""
    if program.loop and all(student["grads"][i] == 0 for i in range(j + 1)):
        unreached = (f" On this chain {program.loop} nodes deep your engine's δ is 0 from {names[j]} down to "
                     f"{names[0]}: backward() never reached those nodes (a topological order built by "
                     "recursion that stopped at Python's recursion limit, its RecursionError caught?).")
    return "no_topological_order", j, (
        f"Every local derivative is right, yet {dj} is wrong: a node's δ was passed on to its inputs "
        "before all its consumers had added to it, or more than once. backward() must visit the nodes "
        "in reverse topological order, each once." + unreached)


def _follows_a_wrong_value(program: Program, student: dict, runner: _Runner, repeat) -> bool:
    """Whether a crash while making node j only follows from earlier values the student's
    engine got wrong (its log of a number it computed wrongly): the program up to j's inputs fails."""
    j = student.get("node")
    if j is None or j <= len(program.leaves) or program.loop:
        return False
    before = _tidy(program.leaves, program.lines[: j - len(program.leaves)], 1)
    return before is not None and _verdict(before, runner.one(before), repeat) == "data"


def _alone(line: Line, ref: dict) -> Program | None:
    """The one line on inputs of its own, at the same values."""
    args, leaves = [], []
    for a in line.args:
        if isinstance(a, int):
            leaves.append(ref["data"][a])
            args.append(len(leaves) - 1)
        else:
            args.append(a)
    p = Program(tuple(leaves), (Line(line.op, tuple(args)),))
    return p if _valid_input(p) else None


# ---------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ComparedStep(Step):
    """A step of deltagrad's backward pass with the student's δ of the same node beside it."""

    student: float | None = None  # the student's .grad of this node (None: not a node of the program)
    parts: bool = False  # the first node, from the output back, where the two δ differ

    def _beside(self) -> str:
        if self.student is None:
            return ""
        mark = "   ← the first node where your engine parts from deltagrad" if self.parts else ""
        return f"   (your engine: {fmt(self.student)}){mark}"

    def text(self) -> str:
        return super().text() + self._beside()

    def explain(self) -> str:
        return super().explain() + (f"\n  your engine's {delta_name(self.name)} = {fmt(self.student)}"
                                    + (": the first node where it parts from deltagrad" if self.parts else "")
                                    if self.student is not None else "")


@dataclass(frozen=True, eq=False)
class BlockStep(GroupStep):
    """Consecutive nodes of a deep chain, stepped as one box. Their δ's are alike
    (δ[b_i] = δ[b_(i+1)]·∂b_(i+1)/∂b_i down the chain), so the text shows the first two and
    the last, and the node where the student's engine parts from deltagrad; the rest are
    counted, not written."""

    def _written(self) -> list:
        """The members written out, and between them how many are left out: the first two,
        the last and the one where the engines part, e.g. [member, member, 98, member]."""
        keep = {0, 1, len(self.members) - 1} | {i for i, m in enumerate(self.members) if getattr(m, "parts", False)}
        out, skipped = [], 0
        for i, member in enumerate(self.members):
            if i not in keep:
                skipped += 1
                continue
            if skipped:
                out.append(skipped)
                skipped = 0
            out.append(member)
        return out

    def _lines(self, line: Callable) -> str:
        return "\n".join(f"  ⋮ ({x} more node{'s' if x > 1 else ''} of the same form)" if isinstance(x, int)
                         else line(x) for x in self._written())

    def text(self) -> str:
        return f"{self.name}, {len(self.members)} nodes:\n" + self._lines(lambda m: m.text())

    def explain(self) -> str:
        return f"{self.name}, {len(self.members)} nodes:\n" + self._lines(lambda m: m.explain())

    def latex(self) -> str:
        return r"\quad ".join(r"\cdots" if isinstance(x, int) else x.latex() for x in self._written())


def _in_blocks(stepper: Stepper, order: Sequence[Value]) -> Stepper:
    """The stepper with the chain `order` (its nodes from the input to the output) cut into
    at most CHAIN_STEPS blocks of consecutive nodes, each one step and one box."""
    size = -(-len(order) // CHAIN_STEPS)  # ⌈n / CHAIN_STEPS⌉
    blocks = {f"{order[i].label}…{order[min(i + size, len(order)) - 1].label}": order[i:i + size]
              for i in range(0, len(order), size) if len(order[i:i + size]) > 1}
    walked = Stepper(stepper.root, steps=stepper.node_steps, collapse=blocks)
    walked.steps = [BlockStep(s.index, s.name, s.members) if isinstance(s, GroupStep) else s for s in walked.steps]
    # A box shows its nodes that are read outside it (here its last one) and its labelled
    # interior ones (a neuron's a_j): unlabelled, a block of 100 is one cell wide, not 100.
    # The steps and the drawing keep their names (the stepper's `names`).
    for block in blocks.values():
        for node in block[:-1]:
            node.label = ""
    return walked


@dataclass(frozen=True, eq=False)
class EngineFailure:
    """One way the student's engine fails, on the smallest program found that shows it.

    kind       one of KINDS (with the op for wrong_local:, wrong_value:, reflected_operator:)
    program    the program, as Python to paste under the class
    nodes      how many nodes it has (inputs and results)
    message    what the evidence says, in the lectures' words
    student    {node name: the student's grad} (empty after a crash)
    deltagrad  {node name: deltagrad's grad, δ = ∂output/∂node}
    first      the name of the node where the two part (from the output back), or None
    error      the student's exception ("RecursionError: ...") for a crash, else ""
    """

    kind: str
    program: str
    nodes: int
    message: str
    student: dict
    deltagrad: dict
    first: str | None
    error: str
    source: Program = field(repr=False)
    student_data: dict = field(default_factory=dict, repr=False)

    def feedback(self) -> str:
        """What a student is shown: the kind, what it means and the program; no reference code."""
        return f"{self.kind}: {self.message}\nThe smallest program that shows it:\n{_indent(self.program)}"

    def __str__(self) -> str:
        return self.feedback()

    def stepper(self) -> Stepper:
        """deltagrad's backward pass over the program, one node at a time, each step showing the
        student's δ of that node beside deltagrad's, the first node where they part marked (and
        linked from the top of its page, `to_html`). A chain deeper than CHAIN_STEPS nodes is
        walked in blocks of consecutive nodes, one step each."""
        ref = run_deltagrad(self.source)
        root = ref["nodes"][-1]
        index = {node: i for i, node in enumerate(ref["nodes"])}
        names = self.source.names()
        steps = []
        for step in backward_steps(root):
            i = index.get(step.node)
            mine = self.student.get(names[i]) if i is not None else None
            values = {f.name: getattr(step, f.name) for f in fields(Step)}
            steps.append(ComparedStep(**values, student=mine, parts=i is not None and names[i] == self.first))
        stepper = Stepper(root, steps=steps)
        if self.source.loop and len(steps) > CHAIN_STEPS:
            stepper = _in_blocks(stepper, ref["nodes"])
        parts = next((s for s in steps if s.parts), None)
        if parts is not None:  # the drawing marks that node too: its box names the student's δ
            stepper.names[parts.node] = f"{parts.name} (your δ: {fmt(parts.student)})"
        kind = f"<code>{escape.html(self.kind)}</code>"
        if self.kind == "crash":
            intro = (f"Your engine failed on this program ({kind}: {escape.html(self.error)}), so it has no δ "
                     "to show; this is deltagrad's backward pass over it, δ = ∂output/∂node at each node.")
        else:
            which = "the chain" if self.source.loop else "the smallest program"
            intro = (f"deltagrad's backward pass over {which} on which your engine fails ({kind}). "
                     "Each step shows δ = ∂output/∂node as deltagrad sums it, and in brackets your engine's "
                     "<code>.grad</code> of the same node.")
        parting = next((s.index for s in stepper.steps
                        if any(getattr(m, "parts", False) for m in getattr(s, "members", (s,)))), None)
        if parting is not None:
            intro += (f' <a id="parts" href="#step={parting + 1}">Step {parting + 1} of {len(stepper)}: '
                      f"{escape.html(delta_name(self.first))}, the first node where your engine parts from "
                      "deltagrad.</a>")
        # the program itself, as the student pastes it (a block inside the page's first paragraph)
        intro += ('<code style="display:block; white-space:pre; margin:0.6em 0; padding:0.4em; '
                  f'background:#f4f4f8">{escape.html(self.program)}</code>')
        stepper.view = replace(BACKWARD_VIEW, title="Your engine beside deltagrad")
        stepper.intro_html = intro
        return stepper


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


@dataclass(frozen=True, eq=False)
class EngineReport:
    """What `check_engine` found. `ok` is True when every program agreed with deltagrad."""

    failures: tuple[EngineFailure, ...]
    examples: int  # programs run
    ops: tuple[str, ...]  # the ops tried
    missing: tuple[str, ...]  # ops the class does not have (not tried, not failures)
    repeat: str | None
    depth: int | None

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def kinds(self) -> list[str]:
        return [f.kind for f in self.failures]

    def __bool__(self) -> bool:
        return self.ok

    def feedback(self) -> str:
        """The report as a student reads it: each failure's kind, meaning and smallest program."""
        head = (f"Your engine agrees with deltagrad on {self.examples} programs "
                f"(ops: {', '.join(self.ops)}{'; a chain ' + str(self.depth) + ' nodes deep' if self.depth else ''})."
                if self.ok else
                f"Your engine disagrees with deltagrad in {len(self.failures)} "
                f"way{'s' if len(self.failures) > 1 else ''} ({self.examples} programs run):")
        parts = [head] + [f"{i}. {f.feedback()}" for i, f in enumerate(self.failures, 1)]
        if self.missing:
            parts.append(f"Not tried (your class has no {', '.join(self.missing)}).")
        return "\n\n".join(parts)

    def __str__(self) -> str:
        return self.feedback()

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(self.feedback())


# ---------------------------------------------------------------------------
# The check
# ---------------------------------------------------------------------------
def check_engine(ValueClass: type, ops: Sequence[str] | None = None, adapt: Mapping[str, str] | None = None,
                 examples: int = 300, seed: int = 0, *, repeat: str | None = "either", depth: int | None = 10_000,
                 seconds: float = 10.0, recursion: int = 2_000, memory_mb: int | None = 1024,
                 batch: int = 100) -> EngineReport:
    """Run `examples` random programs (and one chain `depth` nodes deep) with the student's
    `ValueClass` and with deltagrad, and report each way they differ, each on the smallest
    program found that shows it (see the module's documentation).

    ops        the ops to try (names of `OPS`: add sub mul div pow neg radd rsub rmul rdiv tanh exp
               relu log sigmoid); None: every one the class has.
    adapt      other spellings: {"data": "value", "grad": "gradient", "tanh": "Tanh", ...}.
    repeat     what a second backward() must give: "either" (default), "accumulate", "reset",
               or None (never called twice).
    depth      the deep chain's length (None: no chain).
    seconds, recursion, memory_mb   the bounds of each run of the student's code (one run is a
               batch of `batch` programs; a run that hangs is split to find the program).
    """
    if not isinstance(ValueClass, type):
        raise TypeError(f"check_engine: pass the student's class itself (e.g. check_engine(Value)), "
                        f"got {type(ValueClass).__name__} {ValueClass!r}")
    adapt = dict(adapt or {})
    unknown = [k for k in adapt if k not in ADAPTABLE]
    if unknown:
        raise ValueError(f"check_engine: adapt= maps deltagrad's names to the class's; {unknown} "
                         f"are not among them ({', '.join(ADAPTABLE)})")
    if not all(isinstance(v, str) and v.isidentifier() for v in adapt.values()):
        raise ValueError(f"check_engine: adapt= values must be attribute names, got {adapt!r}")
    if repeat not in REPEATS:
        raise ValueError(f"check_engine: repeat must be one of {REPEATS}, got {repeat!r}")
    for name, value, least in (("examples", examples, 1), ("seed", seed, 0), ("batch", batch, 1)):
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            raise ValueError(f"check_engine: {name} must be an int of at least {least}, got {value!r}")
    if depth is not None and (not isinstance(depth, int) or isinstance(depth, bool) or depth < 1):
        raise ValueError(f"check_engine: depth must be a positive int or None, got {depth!r}")
    has = lambda op: hasattr(ValueClass, OPS[op].needs if OPS[op].form != "method"  # noqa: E731
                             else adapt.get(op, op))
    if ops is None:
        ops = [name for name in OPS if has(name)]
    else:
        ops = list(ops)
        bad = [o for o in ops if o not in OPS]
        if bad:
            raise ValueError(f"check_engine: unknown ops {bad}; the ops are {', '.join(OPS)}")
    missing = tuple(name for name in OPS if name not in ops and not has(name))
    if not ops:
        raise ValueError(f"check_engine: {ValueClass.__name__} has none of the ops {', '.join(OPS)}; "
                         "name its methods with adapt=")
    class_name = ValueClass.__name__ if ValueClass.__name__.isidentifier() else "Value"
    runner = _Runner(ValueClass, adapt, seconds, recursion, memory_mb)
    rng = random.Random(seed)
    programs = [_random_program(rng, ops, repeat) for _ in range(examples)]
    chain = _deep_chain(ops, depth) if depth else None
    if chain is not None:
        programs.append(chain)

    failures: dict[str, EngineFailure] = {}
    seen: set[str] = set()  # failure classes already shrunk
    start = 0
    while start < len(programs):
        chunk = programs[start:start + batch]
        results = runner.many(chunk)
        start += len(results)
        for program, result in zip(chunk, results):
            failure = _verdict(program, result, repeat)
            if failure is None or failure in seen:
                continue
            seen.add(failure)
            small, small_result = _shrink(program, failure, runner, repeat)
            if small_result is None:
                small_result = result
            if failure.startswith("crash") and _follows_a_wrong_value(small, small_result, runner, repeat):
                continue  # e.g. log of a value the student's engine got wrong: that failure is reported
            ref = run_deltagrad(small)
            kind, j, message = _kind(small, small_result, ref, failure, runner)
            if kind in failures:
                continue
            names = small.names()
            failures[kind] = EngineFailure(
                kind=kind, program=small.text(class_name), nodes=small.size, message=message,
                student=dict(zip(names, small_result.get("grads", []))),
                deltagrad=dict(zip(names, ref["grads"])),
                first=names[j] if j is not None else None, error=small_result.get("error", ""),
                source=small, student_data=dict(zip(names, small_result.get("data", []))))
    return EngineReport(tuple(failures.values()), len(programs), tuple(ops), missing, repeat,
                        depth if chain is not None else None)
