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
from autograd.modes.program import (Graph, Names, build_program, comment, function_name, graph_summary, inline,
                                     literal, unit_term)
from autograd.rules import split_wsum
from autograd.names import node_expression

__all__ = ["Batched", "batch_program", "numpy_or_none"]

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
    """Is every entry finite? One sum: it is finite only if every term is (a false alarm,
    when a sum of large finite numbers overflows, only sends the batch the slow way)."""
    s = 0.0
    for x in xs:
        s = s + (x.sum() if hasattr(x, "sum") else x)
    return bool(np.isfinite(s))


class _Layer:
    """wsum nodes sharing their inputs z (and shared weights), computed as one matrix product;
    `act` is the unary op every one of them feeds alone (a layer's h), applied to the matrix."""

    def __init__(self, number: int, members: list, zs: list[str], weights: list[list[str]], biases: list[str]):
        self.number, self.members, self.zs, self.weights, self.biases = number, members, zs, weights, biases
        self.act: list | None = None  # the activation nodes, one per member, in order
        self.x_from: "_Layer | None" = None  # the layer whose activation matrix is this layer's X
        self.dz_matrix: str | None = None  # where δ of the activation nodes is, as one matrix


class _BatchWriter:
    """The batched program of one graph, for one choice of shared inputs."""

    def __init__(self, graph: Graph, shared: tuple[bool, ...], np, wanted: tuple[bool, ...] | None = None,
                 packed: bool = False):
        self.g, self.shared, self.np, self.packed = graph, shared, np, packed
        self.read: set[str] = set()  # inputs read by name (packed: unpacked from V or X first)
        self.matrices: dict[tuple[str, ...], str] = {}  # a layer's rows (its a_j or z_j) -> their matrix
        # which nodes need a δ: the inputs whose gradient is asked for, and nodes computed from them
        wanted = wanted if wanted is not None else (True,) * len(graph.inputs)
        self.need = {id(x) for x, w in zip(graph.inputs, wanted) if w}
        for _, node, *_ in graph.nodes:
            if any(id(p) in self.need for p in node.parents):
                self.need.add(id(node))
        self.functions: dict[str, str] = {}
        # NumPy's C code imports lazily through the calling frame's builtins: the program
        # gets __import__ and nothing else (the text itself never names it)
        self.namespace: dict = {"np": np, "rows": _rows, "total": _total, "finite": _finite,
                                "__builtins__": {"__import__": builtins.__import__}}
        self.m = len(graph.inputs)
        self.uses: dict[int, int] = {}  # id(node) -> number of edges out of it
        for _, node, *_ in graph.nodes:
            for p in node.parents:
                self.uses[id(p)] = self.uses.get(id(p), 0) + 1
        for r in graph.roots:
            self.uses[id(r)] = self.uses.get(id(r), 0) + 1
        self.layers: dict[int, _Layer] = {}  # id of a layer's first node -> layer
        self.in_layer: dict[int, _Layer] = {}
        self.in_act: set[int] = set()
        self._find_layers()

    # -- which names are shared numbers (not arrays) ------------------------------------
    def is_shared(self, name: str) -> bool:
        return name.startswith("k") or (name.startswith("v") and int(name[1:]) < self.m and self.shared[int(name[1:])])

    def slot(self, name: str) -> int:
        """The index of a shared input or constant in S (and G): inputs first, then constants."""
        return int(name[1:]) if name.startswith("v") else self.m + int(name[1:])

    def _find_layers(self) -> None:
        g = self.g
        position = {id(node): i for i, (_, node, *_) in enumerate(g.nodes)}
        consumers: dict[int, list] = {}
        for _, node, *_ in g.nodes:
            for p in node.parents:
                consumers.setdefault(id(p), []).append(node)
        groups: dict[tuple, list] = {}
        for name, node, rule_name, *_ in g.nodes:
            if rule_name != "wsum":
                continue
            ws, zs, bias = split_wsum(node.parents)
            if not zs or not all(self.is_shared(g.name(w)) for w in ws):
                continue
            groups.setdefault((tuple(id(z) for z in zs), len(bias)), []).append(node)
        for members in groups.values():
            if len(members) < 2 and len(members[0].parents) < 4:
                continue  # a single unit of one input is no matrix worth the name
            first = position[id(members[0])]
            # a bias computed after the first node cannot be read there: keep those nodes out
            members = [n for n in members if len(n.parents) % 2 == 0 or position.get(id(n.parents[-1]), -1) < first]
            if not members:
                continue
            n = len(members[0].parents) // 2
            layer = _Layer(len(self.layers) + 1, members, [g.name(z) for z in members[0].parents[n:2 * n]],
                           [[g.name(w) for w in m.parents[:n]] for m in members],
                           [g.name(m.parents[-1]) for m in members] if len(members[0].parents) % 2 else [])
            self.layers[id(members[0])] = layer
            for m in members:
                self.in_layer[id(m)] = layer
            # its activation: each member read once, by a one-parent op, the same op for all
            act = [consumers.get(id(m), [None])[0] if self.uses.get(id(m)) == 1 and len(consumers.get(id(m), [])) == 1 else None
                   for m in members]
            if all(a is not None and len(a.parents) == 1 and a.op == act[0].op for a in act) \
                    and g.name(act[0]).startswith("v") and ops.parse_op(act[0].op)[0].python is None:
                layer.act = act
                self.in_act |= {id(a) for a in act}
        # a layer reading exactly the activation matrix of another: X is that matrix
        by_act = {tuple(id(a) for a in L.act): L for L in self.layers.values() if L.act}
        for L in self.layers.values():
            source = by_act.get(tuple(id(z) for z in L.members[0].parents[len(L.members[0].parents) // 2:][:len(L.zs)]))
            if source is not None:
                L.x_from = source
                if all(self.uses.get(id(a)) == len(L.members) for a in source.act):  # read by this layer only
                    source.dz_matrix = f"DX{L.number}"

    # -- the program -----------------------------------------------------------------------
    def source(self) -> tuple[str, dict]:
        g, ind = self.g, "    "
        args = [f"v{i}" for i in range(self.m)]
        if self.packed:
            head = [f"def batch(V, X, size, output_deltas):",
                    ind + f"# {graph_summary(g)}; every variable an array over the batch of `size` examples",
                    ind + "# V: the shared inputs as one vector (V[i] is v_i; the other entries are not read),",
                    ind + "# X: the other inputs as the rows of one matrix, one column per example"]
        else:
            head = [f"def batch({', '.join(args + ['size', 'output_deltas'])}):",
                    ind + f"# {graph_summary(g)}; every variable an array over the batch of `size` examples",
                    ind + "# shared by every example (one number each, δ summed over the batch into G): "
                    + (", ".join(a for a, s in zip(args, self.shared) if s) or "none")]
        body = []
        for name, node in g.constants:
            body.append(ind + f"{name} = {literal(node.data)}")
        slots = self.m + len(g.constants)
        if self.packed:
            ks = [k for k, _ in g.constants]
            body.append(ind + _pad(f"S = np.concatenate((V, [{', '.join(ks)}]))" if ks else "S = V",
                                   "the shared numbers as one vector: the layers' W and b are read from it"))
        elif self.layers:
            values = [a if s else "0.0" for a, s in zip(args, self.shared)] + [k for k, _ in g.constants]
            body += _chunks(ind, "S = np.array([", values, "])", "the shared numbers as one vector: the layers' W and b are read from it")
        unpack_at = len(body)  # packed: the inputs read by name are taken out of V and X here
        if any(self.shared):
            body.append(ind + _pad(f"G = np.zeros({slots})", "δ of every shared number, summed over the batch"))
        body.append(ind + "# forward: one array operation per node (one matrix product per layer), parents first")
        locals_: dict[tuple[int, int], str] = {}
        values = []
        called = Names(g)  # a node's label, or its variable
        for name, node, rule_name, fn, constants in g.nodes:
            if id(node) in self.in_act:
                continue
            layer = self.in_layer.get(id(node))
            if layer is not None:
                if id(node) in self.layers:
                    body += self._layer_forward(ind, layer)
                    values.append(f"A{layer.number}")
                    if layer.act:
                        values.append(f"Z{layer.number}")
                continue
            p = [g.name(q) for q in node.parents]
            self.read.update(p)
            note = comment(f"{called[node]} = {node_expression(node, called)}")
            values.append(name)
            written = inline(rule_name, p, constants)
            if written is not None:
                value, local = written
                for i, expr in enumerate(local):
                    locals_[(id(node), i)] = expr
                body.append(ind + _pad(f"{name} = {value}", note))
                continue
            f = self._function(node, fn, len(p))
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
        if self.packed:
            matrix = self.matrices.get(tuple(roots))
            if matrix is None:
                self.read.update(roots)
                matrix = "Y"
                body.append(ind + _pad(f"Y = rows(np, size, {', '.join(roots)})", "the outputs, one row each"))
            body.append(ind + _pad(f"DY = output_deltas({matrix})", "δ of each output, one row each (the loss's ∂E/∂y)"))
            body += _chunks(ind, "(", deltas, ") = DY", None, tuple_=True)
        else:
            body.append(ind + _pad(f"{', '.join(deltas)}{',' if len(deltas) == 1 else ''} = output_deltas({', '.join(roots)})",
                                   "δ of each output (the seeds, or the loss's ∂E/∂y)"))
        started = {d for d in deltas if d != "_"}
        for r in roots:  # an output that is a shared input: its seed, summed
            if r.startswith("v") and self.is_shared(r):
                body.append(ind + f"G[{self.slot(r)}] += total(np, d{r[1:]})")
        body.append(ind + "# backward: δ_j = Σ_{k∈↓j} δ_k ∂k/∂j for every example at once, root first")
        for name, node, rule_name, _, _ in reversed(g.nodes):
            if id(node) in self.in_act:
                continue
            layer = self.in_layer.get(id(node))
            if layer is not None:
                if id(node) in self.layers:
                    body += self._layer_backward(ind, layer, started)
                continue
            dk = "d" + name[1:]
            if dk not in started or id(node) not in self.need:
                continue  # no δ reaches this node, or none is needed from it
            for i, parent in enumerate(node.parents):
                pj = g.name(parent)
                if pj.startswith("k") or id(parent) not in self.need:
                    continue
                local = locals_[(id(node), i)]
                term = unit_term(dk, local)
                body.append(ind + self._add(pj, term, started, ops.formula(node.op, i, len(node.parents))))
        per_example = []
        for i in range(self.m):
            d = f"d{i}"
            if self.shared[i] or (self.packed and id(self.g.inputs[i]) not in self.need):
                continue  # (packed: only the δ asked for are returned)
            if d not in started:
                body.append(ind + _pad(f"{d} = 0.0", f"input {i} does not reach the outputs"))
            per_example.append(d)
        checked = (["G"] if any(self.shared) else []) + per_example
        body += _chunks(ind, "if not finite(np, ", checked, "): return None", "every δ finite?")
        outputs = matrix if self.packed else f"[{', '.join(roots)}]"
        body += _chunks(ind, f"return {outputs}, {'G' if any(self.shared) else 'None'}, [",
                        per_example, "]", None) if per_example else \
            [ind + f"return {outputs}, {'G' if any(self.shared) else 'None'}, []"]
        if self.packed:
            body[unpack_at:unpack_at] = self._unpack(ind)
        return "\n".join(head + body) + "\n", self.namespace

    def _unpack(self, ind: str) -> list[str]:
        """Packed: the inputs the program reads by name, out of V (shared) and X (the others)."""
        lines = [ind + _pad(f"v{i} = S[{i}]", "a shared input read by name")
                 for i in range(self.m) if self.shared[i] and f"v{i}" in self.read]
        rows_ = [f"v{i}" for i in range(self.m) if not self.shared[i]]
        if any(v in self.read for v in rows_):
            lines += _chunks(ind, "(", rows_, ") = X", "the per-example inputs, one row of X each", tuple_=True)
        return lines

    def _function(self, node, fn, n_parents: int) -> str:
        rule = ops.parse_op(node.op)[0]
        f = function_name(rule.name, self.functions)
        self.namespace[f] = rule.array if rule.array is not None else per_example_rule(fn, n_parents)
        return f

    def _add(self, var: str, term: str, started: set, why: str) -> str:
        """δ_j += term; a shared input's δ is a number in G: the term summed over the batch first."""
        if self.is_shared(var) and var.startswith("v"):
            return _pad(f"G[{self.slot(var)}] += total(np, {term})", comment(why))
        d = "d" + var[1:]
        # d = d + term, never d += term: "+=" would change in place an array another δ shares
        rhs = f"{d} + {term}" if d in started else term
        started.add(d)
        return _pad(f"{d} = {rhs}", comment(why))

    def _index(self, k: int, what: str, names) -> str:
        """A constant array of S's slots (`I1` for W1, `J1` for b1), bound in the namespace."""
        self.namespace[f"{what}{k}"] = self.np.array([[self.slot(n) for n in row] for row in names]) \
            if names and isinstance(names[0], list) else self.np.array([self.slot(n) for n in names])
        return f"{what}{k}"

    def _layer_forward(self, ind: str, layer: _Layer) -> list[str]:
        k = layer.number
        names = [self.g.name(m) for m in layer.members]
        first = " + ".join(f"{w} * {z}" for w, z in zip(layer.weights[0], layer.zs))
        lines = [ind + f"# layer {k}: {len(names)} wsum nodes reading the same {len(layer.zs)} inputs, as one matrix product",
                 ind + "#   " + comment(f"in place of {names[0]} = 0.0 + {first}" + (f" + {layer.biases[0]}" if layer.biases else "")
                                        + f", … and so on to {names[-1]}", 200)]
        lines.append(ind + _pad(f"W{k} = S[{self._index(k, 'I', layer.weights)}]", f"{len(names)} × {len(layer.zs)}: row j holds node j's weights"))
        if layer.x_from is not None:
            lines.append(ind + _pad(f"X{k} = Z{layer.x_from.number}", f"its inputs are layer {layer.x_from.number}'s activations"))
        elif self.packed and layer.zs == [f"v{i}" for i in range(self.m) if not self.shared[i]]:
            lines.append(ind + _pad(f"X{k} = X", "its inputs are the inputs x, one row each"))
        else:
            self.read.update(layer.zs)
            lines.append(ind + _pad(f"X{k} = rows(np, size, {', '.join(layer.zs)})", "the inputs z: one row each, one column per example"))
        if layer.biases:
            if all(self.is_shared(b) for b in layer.biases):
                lines.append(ind + f"b{k} = S[{self._index(k, 'J', layer.biases)}][:, None]")
            else:
                self.read.update(layer.biases)
                lines.append(ind + f"b{k} = rows(np, size, {', '.join(layer.biases)})")
            lines.append(ind + _pad(f"A{k} = W{k} @ X{k} + b{k}", "a_j = Σ_i w_ji z_i + b_j, every j and example"))
        else:
            lines.append(ind + _pad(f"A{k} = W{k} @ X{k}", "a_j = Σ_i w_ji z_i, every j and example"))
        if layer.act:
            a = layer.act[0]
            f = self._function(a, ops.parse_op(a.op)[0].fn, 1)
            constants = ops.parse_op(a.op)[1]
            args_text = ", ".join(["np", f"A{k}", *[literal(c) for c in constants]])
            lines.append(ind + _pad(f"Z{k}, (H{k},) = {f}({args_text})", comment(f"z_j = {a.op}(a_j) and h'(a_j), the whole layer")))
            acts = [self.g.name(n) for n in layer.act]
            self.matrices[tuple(acts)] = f"Z{k}"
            lines += _chunks(ind, "(", acts, ") = Z" + str(k), None, tuple_=True)
        else:
            self.matrices[tuple(names)] = f"A{k}"
            lines += _chunks(ind, "(", names, ") = A" + str(k), None, tuple_=True)
        return lines

    def _layer_backward(self, ind: str, layer: _Layer, started: set) -> list[str]:
        k = layer.number
        if not any(id(m) in self.need for m in layer.members):
            return []
        lines = [ind + f"# layer {k}: δ_a = h'(a) δ_z, then the transpose products"]
        if layer.act:
            if layer.dz_matrix is not None:
                dz = layer.dz_matrix
            else:
                acts = ["d" + self.g.name(a)[1:] if "d" + self.g.name(a)[1:] in started else "0.0" for a in layer.act]
                if all(d == "0.0" for d in acts):
                    return []
                lines.append(ind + _pad(f"DZ{k} = rows(np, size, {', '.join(acts)})", "δ of its z_j, one row each"))
                dz = f"DZ{k}"
            lines.append(ind + _pad(f"D{k} = {dz} * H{k}", "δ_j = h'(a_j) δ_z_j (the lectures' δ_j = h'(a_j) Σ_k w_kj δ_k)"))
        else:
            deltas = ["d" + self.g.name(m)[1:] if "d" + self.g.name(m)[1:] in started else "0.0" for m in layer.members]
            if all(d == "0.0" for d in deltas):
                return []
            lines.append(ind + _pad(f"D{k} = rows(np, size, {', '.join(deltas)})", "δ of its a_j, one row each"))
        z_nodes = layer.members[0].parents[len(layer.members[0].parents) // 2:][:len(layer.zs)]
        if any(id(z) in self.need for z in z_nodes):
            lines.append(ind + _pad(f"DX{k} = W{k}.T @ D{k}", "δ_z = Wᵀ δ_a: Σ_j w_ji δ_j"))
            source = layer.x_from
            if not (source is not None and source.dz_matrix == f"DX{k}"):
                for i, (z, node) in enumerate(zip(layer.zs, z_nodes)):
                    if id(node) in self.need:
                        lines.append(ind + self._add(z, f"DX{k}[{i}]", started, f"δ_z{i + 1} from layer {k}"))
        weights = [w for row in layer.weights for w in row]
        I = f"I{k}"
        add = f"G[{I}] += DW{k}" if len(set(weights)) == len(weights) else f"np.add.at(G, {I}, DW{k})"
        lines.append(ind + _pad(f"DW{k} = D{k} @ X{k}.T", "∂E/∂w_ji = Σ_n δ_j z_i: summed over the batch"))
        lines.append(ind + add + "  # (constant weights' slots are never read)")
        if layer.biases:
            if all(self.is_shared(b) for b in layer.biases):
                J = f"J{k}"
                add = f"G[{J}] += D{k}.sum(axis=1)" if len(set(layer.biases)) == len(layer.biases) else f"np.add.at(G, {J}, D{k}.sum(axis=1))"
                lines.append(ind + _pad(add, "∂E/∂b_j = Σ_n δ_j"))
            else:
                for j, b in enumerate(layer.biases):
                    if not b.startswith("k"):
                        lines.append(ind + self._add(b, f"D{k}[{j}]", started, f"∂a/∂b = 1 (layer {k})"))
        return lines


def _pad(code: str, note: str, width: int = 44) -> str:
    return f"{code:<{width}} # {note}" if note else code


def _chunks(ind: str, start: str, names: list[str], end: str, why: str | None, tuple_: bool = False) -> list[str]:
    """`start a, b, … end` (start ends in "(", end starts with ")"), over several lines when
    long; `tuple_`: a tuple to unpack into, so one name still takes its comma."""
    if not names:
        return []
    lines = [ind + f"# {why}"] if why else []
    if len(names) <= _CHUNK:
        return lines + [ind + start + ", ".join(names) + ("," if tuple_ else "") + end]
    lines.append(ind + start.rstrip())
    for i in range(0, len(names), _CHUNK):
        lines.append(ind + "    " + ", ".join(names[i:i + _CHUNK]) + ",")
    return lines + [ind + end]


def batch_program(graph: Graph, shared: Sequence[bool], np, wanted: Sequence[bool] | None = None,
                  packed: bool = False) -> tuple[Callable, str]:
    """(function, source) of the batched program of a numbered graph, `shared[i]` saying
    input i is one number for every example, `wanted[i]` that its δ is asked for (default:
    every input's; an unwanted one's is 0.0, and nothing is computed only for it). The function takes the inputs, the batch
    size and `output_deltas(*outputs) -> δ of each output`, and returns ([outputs], G,
    [δ of each per-example input]) with G[i] the summed δ of shared input i — or None
    when a value or δ is not finite (replay the examples alone for the engine's error).

    `packed=True` passes the inputs as two arrays, for a caller that keeps them so (nn.fit):
    `batch(V, X, size, output_deltas)` with V the shared inputs (V[i] for input i, length
    the number of inputs) and X the others as the rows of one matrix; `output_deltas(Y)`
    gets the outputs as the rows of one matrix and returns their δ the same way; the
    result is (Y, G, [δ of each wanted per-example input]). On the 64-32-10 digits network
    (2,474 inputs) this saves building S from 2,474 arguments at every batch, which took
    longer than the two layers' matrix products."""
    wanted = None if wanted is None else tuple(bool(x) for x in wanted)
    source, namespace = _BatchWriter(graph, tuple(bool(x) for x in shared), np, wanted, packed).source()
    return build_program(source, namespace, "batch")["batch"], source


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
            self._programs[key] = batch_program(self._graph, key, np)
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
        outputs, G, per = done  # (an input that reaches no output has the δ 0.0: one number)
        per = iter(per)
        return ([np.broadcast_to(o, (size,)) for o in outputs],
                [float(G[i]) if s else np.broadcast_to(next(per), (size,)) for i, s in enumerate(shared)])

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
