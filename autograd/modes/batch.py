"""From scalars to arrays: one compiled graph replayed over a whole batch at once.

    c = autograd.compile(root, inputs)
    out, grads = c.batch([xs, ws, 0.5])     # a column per input: an array over the batch, or one number
    print(c.batch.source())                 # the program: one array operation per node

The scalar program of `autograd.compile` is the same for every example: only the
numbers change. Here every variable of that program holds a NumPy array with one
entry per example, so each line runs once for the whole batch instead of once per
example. Nothing else changes: the same nodes in the same order, the same reverse
sweep over the same edges (δ_j = Σ_{k∈↓j} δ_k ∂k/∂j, now for every example at once),
and each op's array form is the `array` column of the derivative table
(`autograd.arrays`), beside the scalar rule it mirrors branch for branch.

An input given as one number (not an array) is **shared** by every example, as a
network's weights are: its δ is summed over the batch (∂(Σ_n E_n)/∂w = Σ_n ∂E_n/∂w).

**A layer is a matrix.** `wsum` nodes that read the same inputs z with shared weights
are one layer: the program computes them together,

    A1 = W1 @ X1 + b1                       # a_j = Σ_i w_ji z_i + b_j for every j and example

(rows j of W1 are the nodes' weights, columns of X1 the examples) and in the reverse
sweep the transpose products δ_z = W1ᵀ δ_a and ∂E/∂W1 = δ_a X1ᵀ. The comment beside
each such line lists the per-node lines it replaces.

Returns: the outputs and the gradients summed over the batch, or per example with
`per_example=True` (then every input counts as per example).

Errors are the engine's. Each array rule gives NaN (or ±inf) at an example its scalar
rule would refuse; the program checks that every value and δ is finite, and if one is
not, the examples are replayed one at a time by the scalar program — whose own
fallback is the engine — so the error raised names the node (the engine's message)
and the example (`example 7: …`).

NumPy is optional: without it, `c.batch(...)` replays the scalar program once per
example and returns the same numbers (to rounding: the sums run in another order).
"""

from __future__ import annotations

import builtins
import math
from typing import Callable, Sequence

from autograd import ops
from autograd.modes.program import INLINE, Graph, Names, build_program, comment, function_name, graph_summary, literal
from autograd.rules import split_wsum
from autograd.names import node_expression
from autograd.explain import name_of

__all__ = ["Batched", "numpy_or_none"]

_CHUNK = 32  # names per source line when a long list is written out


def numpy_or_none():
    """NumPy if it can be imported, else None (then every batch is a loop of scalar replays)."""
    try:
        import numpy
    except ImportError:
        return None
    return numpy


def per_example_rule(fn: Callable, n_parents: int) -> Callable:
    """The array form of a rule that has none (an op added with `define`): its scalar rule
    once per example; an example it refuses gets NaN, as the table's array forms do."""

    def array(np, *args):
        parents = np.broadcast_arrays(*[np.asarray(a, dtype=float) for a in args[:n_parents]])
        constants = args[n_parents:]
        size = parents[0].shape
        value = np.empty(size)
        local = [np.empty(size) for _ in range(n_parents)]
        for i in np.ndindex(size):
            try:
                v, grads = fn(*[float(p[i]) for p in parents], *constants)
            except (ArithmeticError, ValueError):
                v, grads = math.nan, (math.nan,) * n_parents
            value[i] = v
            for column, g in zip(local, grads):
                column[i] = g
        return value, tuple(local)

    return array


# ---------------------------------------------------------------------------
# Helpers the generated program calls (bound by name in its namespace)
# ---------------------------------------------------------------------------
def _rows(np, size: int, *xs):
    """Numbers and arrays as the rows of one matrix, one column per example."""
    out = np.empty((len(xs), size))
    for i, x in enumerate(xs):
        out[i] = x
    return out


def _total(np, x):
    """Σ over the batch of a δ term into a shared input (the seeds make every δ an array)."""
    return np.sum(x)


def _finite(np, *xs) -> bool:
    for x in xs:
        if not np.all(np.isfinite(x)):
            return False
    return True


class _Layer:
    """wsum nodes sharing their inputs z, computed as one matrix product."""

    def __init__(self, number: int, members: list, zs: list, weights: list[list], biases: list):
        self.number, self.members, self.zs, self.weights, self.biases = number, members, zs, weights, biases


class _BatchWriter:
    """The batched program of one graph, for one choice of shared inputs."""

    def __init__(self, graph: Graph, shared: tuple[bool, ...], np):
        self.g, self.shared, self.np = graph, shared, np
        self.functions: dict[str, str] = {}
        # NumPy's C code imports lazily through the calling frame's builtins: the program
        # gets __import__ and nothing else (the text itself never names it)
        self.namespace: dict = {"np": np, "rows": _rows, "total": _total, "finite": _finite,
                                "__builtins__": {"__import__": builtins.__import__}}
        self.m = len(graph.inputs)
        self.layers: dict[int, _Layer] = {}  # id of a layer's first node -> layer
        self.in_layer: dict[int, _Layer] = {}
        self._find_layers()

    # -- which names are shared numbers (not arrays) ------------------------------------
    def is_shared(self, name: str) -> bool:
        return name.startswith("k") or (name.startswith("v") and int(name[1:]) < self.m and self.shared[int(name[1:])])

    def _find_layers(self) -> None:
        position = {id(node): i for i, (_, node, *_) in enumerate(self.g.nodes)}
        groups: dict[tuple, list] = {}
        for name, node, rule_name, *_ in self.g.nodes:
            if rule_name != "wsum":
                continue
            ws, zs, bias = split_wsum(node.parents)
            if not zs or not all(self.is_shared(self.g.name(w)) for w in ws):
                continue
            groups.setdefault((tuple(id(z) for z in zs), len(bias)), []).append(node)
        for members in groups.values():
            if len(members) < 2:
                continue
            first = position[id(members[0])]
            # a bias computed after the first node cannot be read there: keep those nodes out
            members = [n for n in members if not n.parents[2 * (len(n.parents) // 2):]
                       or position.get(id(n.parents[-1]), -1) < first]
            if len(members) < 2:
                continue
            n = len(members[0].parents) // 2
            layer = _Layer(len(self.layers) + 1, members,
                           [self.g.name(z) for z in members[0].parents[n:2 * n]],
                           [[self.g.name(w) for w in m.parents[:n]] for m in members],
                           [self.g.name(m.parents[-1]) for m in members] if len(members[0].parents) > 2 * n else [])
            self.layers[id(members[0])] = layer
            for m in members:
                self.in_layer[id(m)] = layer

    # -- the program -----------------------------------------------------------------------
    def source(self) -> tuple[str, dict]:
        g, ind = self.g, "    "
        args = [f"v{i}" for i in range(self.m)]
        head = [f"def batch({', '.join(args + ['size', 'output_deltas'])}):",
                ind + f"# {graph_summary(g)}; every variable an array over the batch of `size` examples",
                ind + "# shared by every example (one number each): "
                + (", ".join(a for a, s in zip(args, self.shared) if s) or "none")]
        body = []
        for name, node in g.constants:
            body.append(ind + f"{name} = {literal(node.data)}")
        body.append(ind + "# forward: one array operation per node (one matrix product per layer), parents first")
        locals_: dict[tuple[int, int], str] = {}
        values = []
        for name, node, rule_name, fn, constants in g.nodes:
            layer = self.in_layer.get(id(node))
            if layer is not None:
                if id(node) in self.layers:
                    body += self._layer_forward(ind, layer)
                    values.append(f"A{layer.number}")
                continue
            p = [g.name(q) for q in node.parents]
            note = comment(f"{name_of(node) if node.label else name} = {node_expression(node, Names(g))}")
            values.append(name)
            if rule_name in INLINE:
                value, local = INLINE[rule_name](p, constants)
                for i, expr in enumerate(local):
                    locals_[(id(node), i)] = expr
                body.append(ind + _pad(f"{name} = {value}", note))
                continue
            f = function_name(rule_name, self.functions)
            rule = ops.parse_op(node.op)[0]
            self.namespace[f] = rule.array if rule.array is not None else per_example_rule(fn, len(p))
            names = []
            for i in range(len(p)):
                names.append(f"d{name[1:]}_{i}")
                locals_[(id(node), i)] = names[-1]
            args_text = ", ".join(["np", *p, *[literal(c) for c in constants]])
            body.append(ind + _pad(f"{name}, ({', '.join(names)},) = {f}({args_text})", note))
        head += [ind + "# " + comment(f"{f}: the table's rule {r!r}, its array column") for r, f in self.functions.items()]
        body += _chunks(ind, "if not finite(np, ", values, "): return None",
                        "every value finite? (if not, each example is replayed alone for the engine's error)")
        roots = [g.name(r) for r in g.roots]
        deltas = ["d" + r[1:] if r.startswith("v") else "_" for r in roots]
        body.append(ind + _pad(f"{', '.join(deltas)}{',' if len(deltas) == 1 else ''} = output_deltas({', '.join(roots)})",
                               "δ of each output (the seeds, or the loss's ∂E/∂y)"))
        started = {d for d in deltas if d != "_"}
        body.append(ind + "# backward: δ_j = Σ_{k∈↓j} δ_k ∂k/∂j for every example at once, root first")
        for name, node, rule_name, _, _ in reversed(g.nodes):
            layer = self.in_layer.get(id(node))
            if layer is not None:
                if id(node) in self.layers:
                    body += self._layer_backward(ind, layer, started)
                continue
            dk = "d" + name[1:]
            if dk not in started:
                continue  # no δ reaches this node
            for i, parent in enumerate(node.parents):
                pj = g.name(parent)
                if pj.startswith("k"):
                    continue
                local = locals_[(id(node), i)]
                term = dk if local == "1" else f"-{dk}" if local == "-1" else f"{dk} * {local}"
                body.append(ind + self._add(pj, term, started, ops.formula(node.op, i, len(node.parents))))
        grads = []
        for i in range(self.m):
            d = f"d{i}"
            if d not in started:
                body.append(ind + _pad(f"{d} = 0.0", f"input {i} does not reach the outputs"))
            grads.append(d)
        body += _chunks(ind, "if not finite(np, ", grads, "): return None", "every δ finite?")
        body.append(ind + f"return [{', '.join(roots)}], [")
        for i in range(0, len(grads), _CHUNK):
            body.append(ind + "    " + ", ".join(grads[i:i + _CHUNK]) + ",")
        body.append(ind + "]")
        return "\n".join(head + body) + "\n", self.namespace

    def _add(self, var: str, term: str, started: set, why: str) -> str:
        """δ_j += term; a shared input's δ is a number: the term summed over the batch first."""
        d = "d" + var[1:]
        if self.is_shared(var) and var.startswith("v"):
            term = f"total(np, {term})"
        # d = d + term, never d += term: "+=" would change in place an array another δ shares
        rhs = f"{d} + {term}" if d in started else term
        started.add(d)
        return _pad(f"{d} = {rhs}", comment(why))

    def _layer_forward(self, ind: str, layer: _Layer) -> list[str]:
        k = layer.number
        names = [self.g.name(m) for m in layer.members]
        w_rows = ["[" + ", ".join(row) + "]" for row in layer.weights]
        lines = [ind + f"# layer {k}: {len(names)} wsum nodes reading the same {len(layer.zs)} inputs, as one matrix product",
                 ind + f"#   replaces: {names[0]} = 0.0 + {' + '.join(f'{w} * {z}' for w, z in zip(layer.weights[0], layer.zs))}"
                 + (f" + {layer.biases[0]}" if layer.biases else "") + f", … {names[-1]} = …"]
        lines.append(ind + f"W{k} = np.array([" + ", ".join(w_rows) + "])")
        lines.append(ind + _pad(f"X{k} = rows(np, size, {', '.join(layer.zs)})", "the inputs z: one row each, one column per example"))
        if layer.biases:
            if all(self.is_shared(b) for b in layer.biases):
                lines.append(ind + f"b{k} = np.array([{', '.join(layer.biases)}])[:, None]")
            else:
                lines.append(ind + f"b{k} = rows(np, size, {', '.join(layer.biases)})")
            lines.append(ind + _pad(f"A{k} = W{k} @ X{k} + b{k}", "a_j = Σ_i w_ji z_i + b_j, every j and example"))
        else:
            lines.append(ind + _pad(f"A{k} = W{k} @ X{k}", "a_j = Σ_i w_ji z_i, every j and example"))
        lines.append(ind + f"{', '.join(names)}, = A{k}")
        return lines

    def _layer_backward(self, ind: str, layer: _Layer, started: set) -> list[str]:
        k = layer.number
        deltas = ["d" + self.g.name(m)[1:] if "d" + self.g.name(m)[1:] in started else "0.0" for m in layer.members]
        if all(d == "0.0" for d in deltas):
            return []
        lines = [ind + f"# layer {k}: the transpose products",
                 ind + _pad(f"D{k} = rows(np, size, {', '.join(deltas)})", "δ of its a_j, one row each")]
        if any(not z.startswith("k") for z in layer.zs):
            lines.append(ind + _pad(f"DX{k} = W{k}.T @ D{k}", "δ_z = Wᵀ δ_a: Σ_j w_ji δ_j"))
            for i, z in enumerate(layer.zs):
                if not z.startswith("k"):
                    lines.append(ind + self._add(z, f"DX{k}[{i}]", started, f"δ_z{i + 1} from layer {k}"))
        lines.append(ind + _pad(f"DW{k} = D{k} @ X{k}.T", "∂E/∂w_ji = Σ_n δ_j z_i: summed over the batch"))
        for j, row in enumerate(layer.weights):
            for i, w in enumerate(row):
                if w.startswith("v"):
                    d = "d" + w[1:]
                    rhs = f"{d} + DW{k}[{j}, {i}]" if d in started else f"DW{k}[{j}, {i}]"
                    started.add(d)
                    lines.append(ind + f"{d} = {rhs}")
        for j, b in enumerate(layer.biases):
            if b.startswith("k"):
                continue
            if self.is_shared(b):
                d = "d" + b[1:]
                rhs = f"{d} + D{k}[{j}].sum()" if d in started else f"D{k}[{j}].sum()"
                started.add(d)
                lines.append(ind + f"{d} = {rhs}")
            else:
                lines.append(ind + self._add(b, f"D{k}[{j}]", started, f"∂a/∂b = 1 (layer {k})"))
        return lines


def _pad(code: str, note: str, width: int = 44) -> str:
    return f"{code:<{width}} # {note}" if note else code


def _chunks(ind: str, start: str, names: list[str], end: str, why: str | None) -> list[str]:
    """`start a, b, … end` (start ends in "(", end starts with ")"), over several lines when long."""
    if not names:
        return []
    lines = [ind + f"# {why}"] if why else []
    if len(names) <= _CHUNK:
        return lines + [ind + start + ", ".join(names) + end]
    lines.append(ind + start.rstrip())
    for i in range(0, len(names), _CHUNK):
        lines.append(ind + "    " + ", ".join(names[i:i + _CHUNK]) + ",")
    return lines + [ind + end]


# ---------------------------------------------------------------------------
# The public object
# ---------------------------------------------------------------------------
class Batched:
    """`compiled.batch`: the compiled graph replayed over a batch (see the module doc).

    `b(columns, seeds=None, per_example=False)` → (output, grads): `columns` has one
    entry per input, an array (or list) over the batch or one number shared by every
    example. The output is Σ_n of the root's value and `grads[i]` Σ_n ∂out_n/∂input_i
    (for a list of roots: the outputs, and the gradient of Σ_k seeds_k·output_k). With
    `per_example=True` both are arrays with one entry per example."""

    def __init__(self, compiled, graph: Graph, single: bool):
        self._compiled, self._graph, self._single = compiled, graph, single
        self._programs: dict[tuple[bool, ...], tuple[Callable, str]] = {}

    def program(self, shared: Sequence[bool]) -> tuple[Callable, str]:
        """(function, source) of the batched program with these inputs shared (NumPy needed)."""
        np = numpy_or_none()
        if np is None:
            raise ImportError("the batched program needs NumPy (pip install numpy, or deltagrad[fast]); "
                              "without it, calling the batch replays the scalar program once per example")
        key = tuple(bool(x) for x in shared)
        if len(key) != len(self._graph.inputs):
            raise ValueError(f"batch: shared has {len(key)} entries for {len(self._graph.inputs)} inputs")
        if key not in self._programs:
            source, namespace = _BatchWriter(self._graph, key, np).source()
            self._programs[key] = (build_program(source, namespace, "batch")["batch"], source)
        return self._programs[key]

    def source(self, shared: Sequence[bool] | None = None) -> str:
        """The program's text; `shared[i]` says input i is one number for the whole batch
        (default: every input per example)."""
        return self.program(shared if shared is not None else [False] * len(self._graph.inputs))[1]

    def __call__(self, columns: Sequence, seeds: Sequence | None = None, per_example: bool = False):
        m, roots = len(self._graph.inputs), self._graph.roots
        columns = list(columns)
        if len(columns) != m:
            raise ValueError(f"batch: expected {m} input columns (one per input), got {len(columns)}")
        seeds = [1.0] * len(roots) if seeds is None else [float(s) for s in seeds]
        if len(seeds) != len(roots):
            raise ValueError(f"batch: expected {len(roots)} seeds, got {len(seeds)}")
        shared = [_is_number(c) for c in columns]
        sizes = {len(c) for c, s in zip(columns, shared) if not s}
        if len(sizes) != 1:
            raise ValueError("batch: every column that is not one shared number must have the same length "
                             f"(one entry per example); got lengths {sorted(sizes) or 'none'}")
        size = sizes.pop()
        if size == 0:
            raise ValueError("batch: the batch is empty (columns of length 0)")
        numbers = shared
        if per_example:  # every input per example: a number is repeated, its δ kept per example
            shared = [False] * m
        np = numpy_or_none()
        result = None
        if np is not None:
            result = self._arrays(np, columns, shared, size, seeds)
        if result is None:  # no NumPy, or a value or δ not finite: one example at a time
            result = self._one_by_one(columns, numbers, shared, size, seeds, np)
        outputs, grads = result
        if not per_example:
            outputs = [_sum(o, size) for o in outputs]
            grads = [_sum(g, size) if not s else g for g, s in zip(grads, shared)]
        return (outputs[0], grads) if self._single else (outputs, grads)

    def _arrays(self, np, columns, shared, size, seeds):
        args = []
        for i, (c, s) in enumerate(zip(columns, shared)):
            try:
                args.append(float(c) if s else np.broadcast_to(np.asarray(c, dtype=float), (size,)))
            except (TypeError, ValueError):
                return None  # the scalar replay names what is wrong with it
            if not np.all(np.isfinite(args[-1])):
                return None
        fn, _ = self.program(shared)

        def output_deltas(*outputs):
            return [np.full(size, s) for s in seeds]

        with np.errstate(all="ignore"):  # a refused example is NaN here and replayed alone
            try:
                done = fn(*args, size, output_deltas)
            except (ArithmeticError, ValueError):
                return None
        if done is None:
            return None
        outputs, grads = done  # (an input that reaches no output has the δ 0.0: one number)
        return ([np.broadcast_to(o, (size,)) for o in outputs],
                [g if s else np.broadcast_to(g, (size,)) for g, s in zip(grads, shared)])

    def _one_by_one(self, columns, numbers, shared, size, seeds, np):
        """The scalar program (and, where it refuses, the engine) for each example in turn."""
        outputs = [[0.0] * size for _ in self._graph.roots]
        grads = [[0.0] * size for _ in columns]
        for n in range(size):
            values = [c if number else c[n] for c, number in zip(columns, numbers)]
            try:
                out, g = self._compiled(values, seeds)
            except (ArithmeticError, ValueError, TypeError) as err:
                raise type(err)(f"batch, example {n}: {err}") from None
            for k, o in enumerate([out] if self._single else out):
                outputs[k][n] = o
            for i, gi in enumerate(g):
                grads[i][n] = gi
        if np is not None:
            outputs = [np.array(o) for o in outputs]
            grads = [np.array(gi) for gi in grads]
        grads = [math.fsum(gi) if s else gi for gi, s in zip(grads, shared)]
        return outputs, grads

    def __repr__(self) -> str:
        return f"<batched program: {graph_summary(self._graph)}; print(c.batch.source()) to read it>"


def _is_number(x) -> bool:
    """One number for the whole batch (a Python or NumPy scalar), as opposed to a column."""
    if isinstance(x, (int, float)):
        return True
    return getattr(x, "ndim", None) == 0


def _sum(x, size: int) -> float:
    """Σ over the batch: an array's entries, or a per-example list's."""
    if hasattr(x, "sum"):
        return float(x.sum())
    return math.fsum(x) if isinstance(x, list) else float(x) * size
