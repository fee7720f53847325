"""Backprop is a program: a recorded graph written out as straight-line Python.

    c = autograd.compile(root, inputs)
    print(c.source)                  # the forward pass, then the reverse sweep
    out, grads = c(new_values)       # replay on new floats, no Value is built

`root` is a graph the engine has recorded; `inputs` are the leaves that become the
program's arguments (every other leaf is a constant, and so is every node computed
from constants only). The program has one line per node in topological order,

    v5 = v1 * v0                      # forward: the node's value from its parents'

then the reverse sweep of the lectures (the one of autograd/graph.py, run over program
text), one line per edge j → k,

    d0 += d5 * v1                     # δ_j += δ_k · ∂k/∂j

visiting the nodes root first, so every δ_k is complete before it is used, and writing
each δ_j's terms together: the same sum δ_j = Σ_{k∈↓j} δ_k ∂k/∂j that `Value.backward()`
computes, in the same order, unrolled. The first term of a δ is written `=` rather than
`+=` (it starts the sum).

Everything in the program comes from the derivative table (`autograd.rules`):

- An op that can branch, refuse its operand or overflow (tanh, relu, log, /, **, …)
  is a call of its table rule, `v6, (d6_d5,) = tanh(v5)`, which recomputes the
  value and the local derivatives ∂k/∂j from the new floats: relu takes the branch
  of the new number, and log of a negative number is refused by the same code.
- Sums and products (+, −, ·, Σ, Σ w z + b and their forms with a constant) are
  written out inline, `v9 = 0.0 + v0 * v4 + v1 * v5 + v8`, with their local derivatives
  (a parent's value, or ±1 or the constant), from their row's `python` column (the row's
  fn as source text); tests/test_modes_compile.py checks that each gives exactly the
  rule's numbers. An op of your own (`autograd.define`) has no such column: it is called.

Errors: a replay that meets a domain error or a value or δ that is not finite runs
the same computation again through the engine (`Value`s and `backward()`), so the
error raised is the engine's own, with its message naming the node and operands.

**The structure is frozen at compile time**, as in `jax.jit`: the program replays the
ops that were recorded. Python control flow on `.data` (`if x.data > 0: ...`, a
constant such as max(a) computed from data) is decided once, when the graph was
built, and not re-decided on new inputs. Branching *inside* an op (relu, leaky_relu,
elu) is fine: the op's rule runs again.

Safety: node labels are the user's text and reach the program only inside comments,
escaped with `repr` on one line; identifiers are made from positions (v7, d7, k2) and
rule names are bound from the table, never from a label. Nothing but the generated
text is compiled, under a fixed file name.

Size: the program has a line per node and per edge; Python compiles about 10³ lines
in a few tens of milliseconds. Use it for networks, not for 10⁶-node graphs.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

from autograd import ops
from autograd.graph import Arithmetic, sweep_reverse
from autograd import value as engine
from autograd.modes.batch import Batched
from autograd.modes.program import (  # noqa: F401 - replay_in_engine is read here by the tests
    CHUNK, Graph, Names, build_program, check_inputs, comment, function_name, graph_summary, inline,
    literal, replay_in_engine, unit_term,
)
from autograd.names import node_expression
from autograd.value import Value

__all__ = ["compile", "Compiled"]

class _Writer:
    """Forward and backward lines of one graph, shared by every program shape."""

    def __init__(self, graph: Graph, grad_inputs: set[int]):
        self.g = graph
        self.functions: dict[str, str] = {}  # rule name -> identifier in the program
        self.namespace: dict[str, Callable] = {}
        # which nodes need a δ: the inputs asked for, and nodes computed from them
        need = set(grad_inputs)
        for _, node, *_ in graph.nodes:
            if any(id(p) in need for p in node.parents):
                need.add(id(node))
        self.need = need
        self.locals: dict[tuple[int, int], str] = {}  # (node id, parent index) -> ∂k/∂j expression
        self.names = Names(graph)

    def _pad(self, code: str, note: str, width: int = 44) -> str:
        return f"{code:<{width}} # {note}" if note else code

    def constant_lines(self, indent: str) -> list[str]:
        lines = []
        for name, node in self.g.constants:
            what = comment(f"{node.label or name}: a constant" + (" (computed from constants only)" if node.parents else ""))
            lines.append(indent + self._pad(f"{name} = {literal(node.data)}", what))
        return lines

    def forward_lines(self, indent: str) -> list[str]:
        lines = []
        for name, node, rule_name, fn, constants in self.g.nodes:
            p = [self.g.name(q) for q in node.parents]
            note = comment(f"{self.names[node]} = {node_expression(node, self.names)}")
            written = inline(rule_name, p, constants)
            if written is not None:
                value, local = written
                for i, expr in enumerate(local):
                    self.locals[(id(node), i)] = expr
                lines += self._long_assign(indent, name, value, note)
            else:
                f = function_name(rule_name, self.functions)
                self.namespace[f] = fn
                local_names = []
                for i, q in enumerate(p):
                    base = f"d{name[1:]}_{'d' if q.startswith('v') else ''}{q[1:] if q.startswith('v') else q}"
                    local_names.append(base if base not in local_names else f"{base}_{i}")
                    self.locals[(id(node), i)] = local_names[-1]
                args = ", ".join(p + [literal(c) for c in constants])
                unpack = "(" + ", ".join(local_names) + ("," if len(local_names) == 1 else "") + ")"
                lines.append(indent + self._pad(f"{name}, {unpack} = {f}({args})", note))
        return lines

    def function_lines(self, indent: str) -> list[str]:
        """Comments saying which rule of the table each r0, r1, … is (after forward_lines)."""
        return [indent + "# " + comment(f"{f}: the table's rule {name!r}") for name, f in self.functions.items()]

    def _long_assign(self, indent: str, name: str, expr: str, note: str) -> list[str]:
        """`name = a + b + …`, split over lines of at most CHUNK terms (same order of additions)."""
        terms = expr.split(" + ")
        if len(terms) <= CHUNK:
            return [indent + self._pad(f"{name} = {expr}", note)]
        lines = [indent + self._pad(f"{name} = {' + '.join(terms[:CHUNK])}", note)]
        for i in range(CHUNK, len(terms), CHUNK):
            lines.append(indent + f"{name} = {name} + {' + '.join(terms[i : i + CHUNK])}")
        return lines

    def check_line(self, indent: str, names: list[str], action: str, why: str) -> list[str]:
        """`s = a + b + …; if s - s: <action>`: s − s is 0 for a finite s and NaN (true)
        for ±inf or NaN, and a sum is finite only if every term is."""
        if not names:
            return []
        lines = [indent + f"# {why}"]
        lines += self._long_assign(indent, "s", " + ".join(names), "")
        lines.append(indent + f"if s - s: {action}")
        return lines

    def backward_lines(self, indent: str, started: set[str], seeds: Mapping[Value, tuple] | None = None) -> list[str]:
        """The reverse sweep of autograd/graph.py run over program text: the term
        δ_k·∂k/∂j of each edge is a piece of source, and the total of δ_j is written as
        lines, one per edge — `dj = term` for the first, `dj += term` for the rest.

        `started` holds the δ variables already holding a value (the outputs' δ from the
        loss, accumulators): their terms all get `+=`. `seeds` {root: ((text, note), …)}:
        the lines that start a root's δ (its seed). Only nodes that need a δ get lines."""
        lines = []

        def edges(k):  # the "local derivatives" of k: its edges, read by `term`
            return [(k, i) for i in range(len(k.parents))]

        def term(edge, dk):
            k, i = edge
            j = k.parents[i]
            if dk is None or id(j) not in self.need:
                return None
            local = self.locals[(id(k), i)]
            text = unit_term(dk, local)
            return text, f"{ops.formula(k.op, i, len(k.parents))}   ({self.names[k]} → {self.names[j]})"

        def total(j, terms, start):
            if id(j) not in self.need:
                return None
            dj = "d" + self.g.name(j)[1:]
            for text, note in [*start, *filter(None, terms)]:
                lines.append(indent + self._pad(f"{dj} {'+=' if dj in started else '='} {text}", comment(note)))
                started.add(dj)
            return dj if dj in started else None  # None: no δ reaches j

        order = [*self.g.inputs, *(node for _, node, *_ in self.g.nodes)]
        sweep_reverse(order, None, numbers=Arithmetic(edges, term, total, zero=()), seeds=seeds or {})
        return lines


class Compiled:
    """A compiled graph: `source` (the program) and `__call__` (replay it).

    `c(values)` → `(output, grads)`: the root's value at the new inputs and
    ∂output/∂input for every input, in the order given to `compile`. For a list of
    roots, `c(values, seeds)` → (list of outputs, ∂(Σ_k seeds_k·output_k)/∂input),
    seeds defaulting to 1 each."""

    def __init__(self, roots: list[Value], inputs: list[Value], single: bool):
        self._roots, self._inputs, self._single = roots, inputs, single
        self._batched = None
        graph = Graph(roots, inputs)
        self._graph = graph
        w = _Writer(graph, {id(x) for x in inputs})
        m = len(inputs)
        args = [f"v{i}" for i in range(m)]
        ind = "    "
        head = [f"def program({', '.join(args + ['seeds'])}):"]
        head.append(ind + f"# {graph_summary(graph)}")
        for i, x in enumerate(inputs):
            head.append(ind + f"# v{i}: input {i}" + (f", {comment(x.label)}" if x.label else ""))
        body = w.constant_lines(ind)
        body.append(ind + "# forward: one line per node, parents first")
        body += w.forward_lines(ind)
        head += w.function_lines(ind)
        body += w.check_line(ind, [name for name, *_ in graph.nodes], "return None",
                             "every value finite? (if not, the engine replays it for its error)")
        body.append(ind + "# backward: δ_j = Σ_{k∈↓j} δ_k ∂k/∂j, one line per edge, root first")
        started: set[str] = set()
        root_names = [graph.name(r) for r in roots]
        seeds: dict[Value, tuple] = {}
        for k, r in enumerate(roots):
            if root_names[k].startswith("v"):
                seeds[r] = (*seeds.get(r, ()), (f"seeds[{k}]", f"δ of output {k}: its seed (∂out/∂out = 1)"))
        body += w.backward_lines(ind, started, seeds)
        grads = []
        for i in range(m):
            if f"d{i}" not in started:
                body.append(ind + w._pad(f"d{i} = 0.0", f"input {i} does not reach the output"))
            grads.append(f"d{i}")
        body += w.check_line(ind, grads, "return None", "every δ finite?")
        body.append(ind + "# + 0.0: the engine's δ is a sum started from 0.0, and 0.0 + (−0.0) is +0.0")
        body.append(ind + f"return [{', '.join(root_names)}], [{', '.join(g + ' + 0.0' for g in grads)}]")
        namespace = dict(w.namespace)
        self.source = "\n".join(head + body) + "\n"
        self._program = build_program(self.source, namespace, "program")["program"]

    def __call__(self, values: Sequence, seeds: Sequence | None = None):
        values = list(values)
        if len(values) != len(self._inputs):
            raise ValueError(f"compiled program: expected {len(self._inputs)} input values, got {len(values)}")
        values = [engine.as_float(v, "compiled program input {}", i) for i, v in enumerate(values)]
        if seeds is None:
            seeds = [1.0] * len(self._roots)
        else:
            seeds = [engine.as_float(s, "compiled program seed {}", k) for k, s in enumerate(seeds)]
            if len(seeds) != len(self._roots):
                raise ValueError(f"compiled program: expected {len(self._roots)} seeds, got {len(seeds)}")
        outputs, grads = self.run(values, seeds)
        return (outputs[0], grads) if self._single else (outputs, grads)

    def run(self, values: list[float], seeds: list[float]) -> tuple[list[float], list[float]]:
        """`__call__` without the argument checks: floats in, ([outputs], grads) out."""
        try:
            result = self._program(*values, seeds)
        except (ArithmeticError, ValueError):
            result = None  # a rule refused: the engine says where, below
        if result is None:
            result = self._replay_in_engine(values, seeds)
        return result

    def _replay_in_engine(self, values: list[float], seeds: list[float]):
        """The same computation through `Value`s and `backward()`: raises the engine's
        error (naming the node) or, when the alarm was false, returns its numbers."""
        return replay_in_engine(self._graph, values, seeds)

    @property
    def batch(self) -> Batched:
        """The same program over a whole batch at once, every variable an array
        (`autograd.modes.batch`): `c.batch(columns)` → (Σ outputs, Σ gradients)."""
        if self._batched is None:
            self._batched = Batched(self, self._graph, self._single)
        return self._batched

    def __repr__(self) -> str:
        return f"<compiled program: {graph_summary(self._graph)}; print(c.source) to read it>"


class BatchProgram:
    """Σ over examples of one graph's backward pass, as one program (what training needs).

    The graph is compiled with `shared` inputs (parameters: one value for the whole
    batch, their δ summed over the examples) and `per_example` inputs (one row per
    example, no δ). For each example the program runs the forward lines, asks
    `output_deltas(*outputs)` for the δ of each output (the loss: anything that turns
    outputs into their δ), then runs the backward lines, adding into the parameters'
    δ. `run` returns those sums, or None when a value or δ was not finite or a rule
    refused (the caller then takes the engine's path, for its error)."""

    def __init__(self, roots: list[Value], shared: list[Value], per_example: list[Value]):
        graph = Graph(roots, [*shared, *per_example])
        self._graph = graph
        w = _Writer(graph, {id(x) for x in shared})
        m, ind, ind2 = len(shared), "    ", "        "
        head = ["def batch(params, start, examples, output_deltas):"]
        head.append(ind + f"# {graph_summary(graph)}; inputs v0…v{m - 1} are shared, the rest one row per example")
        shared_vars = [f"v{i}" for i in range(m)]
        body = w.constant_lines(ind)
        body += _unpack(ind, shared_vars, "params", "the parameters")
        body += _unpack(ind, ["d" + v[1:] for v in shared_vars], "start", "their δ, summed over the examples")
        row = [f"v{m + i}" for i in range(len(per_example))]
        body.append(ind + "for " + (", ".join(row) + ("," if len(row) == 1 else "") if row else "_") + " in examples:")
        body.append(ind2 + "# forward: one line per node, parents first")
        body += w.forward_lines(ind2)
        head += w.function_lines(ind)
        body += w.check_line(ind2, [name for name, *_ in graph.nodes], "return None",
                             "every value finite? (if not, the engine replays it for its error)")
        root_names = [graph.name(r) for r in roots]
        started = {"d" + v[1:] for v in shared_vars}
        deltas = ["d" + r[1:] if r.startswith("v") else "_" for r in root_names]
        body.append(ind2 + w._pad(f"{', '.join(deltas)}{',' if len(deltas) == 1 else ''} = output_deltas({', '.join(root_names)})",
                                  "δ of each output, from the loss"))
        started |= {d for d in deltas if d != "_"}
        body.append(ind2 + "# backward: δ_j = Σ_{k∈↓j} δ_k ∂k/∂j, one line per edge, root first")
        body += w.backward_lines(ind2, started)
        grads = ["d" + v[1:] for v in shared_vars]
        body += w.check_line(ind, grads, "return None", "every δ finite?")
        body += _pack(ind, grads)
        self.source = "\n".join(head + body) + "\n"
        self._batch = build_program(self.source, dict(w.namespace), "batch")["batch"]

    def run(self, params: Sequence[float], start: Sequence[float], examples, output_deltas) -> list[float] | None:
        try:
            return self._batch(params, start, examples, output_deltas)
        except (ArithmeticError, ValueError):
            return None


def _unpack(indent: str, names: list[str], source: str, note: str) -> list[str]:
    if not names:
        return []
    if len(names) == 1:
        return [indent + f"{names[0]}, = {source}  # {note}"]
    lines = [indent + f"(  # {note}"]
    for i in range(0, len(names), 16):
        lines.append(indent + "    " + ", ".join(names[i : i + 16]) + ",")
    lines.append(indent + f") = {source}")
    return lines


def _pack(indent: str, names: list[str]) -> list[str]:
    lines = [indent + "return [  # + 0.0: the engine's δ is a sum started from 0.0, and 0.0 + (−0.0) is +0.0"]
    for i in range(0, len(names), 16):
        lines.append(indent + "    " + ", ".join(n + " + 0.0" for n in names[i : i + 16]) + ",")
    lines.append(indent + "]")
    return lines


def compile_batch(roots: Sequence[Value], shared: Sequence[Value], per_example: Sequence[Value]) -> BatchProgram:
    """A `BatchProgram`: the graph of `roots`, replayed once per example with gradients
    summed over the examples for the `shared` inputs only."""
    roots = list(roots)
    inputs = check_inputs(roots, [*shared, *per_example])
    return BatchProgram(roots, inputs[: len(shared)], inputs[len(shared) :])


def compile(root: Value | Sequence[Value], inputs: Sequence[Value], batch: bool = False) -> Compiled | Batched:  # noqa: A001
    """The graph of `root` as a straight-line Python program (see the module doc).

    `inputs`: the leaf Values that become the program's arguments, in order; every
    other leaf is a constant. Returns a `Compiled` c with `c.source` and
    `c(values) -> (output, [∂output/∂input for each input])`; with `batch=True`, its
    `c.batch` (the program over arrays, `autograd.modes.batch`)."""
    single = isinstance(root, Value)
    roots = [root] if single else list(root)
    if not roots:
        raise ValueError("compile: no root given")
    inputs = check_inputs(roots, inputs)
    compiled = Compiled(roots, inputs, single)
    return compiled.batch if batch else compiled
