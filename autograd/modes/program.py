"""The parts every compiled program is made of: the recorded graph numbered (inputs v0…,
nodes in topological order, constants k0…), the inline forms of sums and products, float
literals, safe comments, the names of the table's rules (r0, r1, … by position), the
exec of the generated text, and the replay through the engine that gives its errors.

`autograd.modes.compile` writes the scalar program from them, `autograd.modes.batch` the
program over arrays; both read the one derivative table.
"""

from __future__ import annotations

import builtins
import itertools
import linecache
import re
from typing import Callable, Sequence

from autograd import ops, rules
from autograd import value as engine
from autograd.explain import name_of
from autograd.graph import topological_order
from autograd.value import Value

CHUNK = 64  # terms per source line in long sums (Python's parser nests a + b + c deeply)


# ---------------------------------------------------------------------------
# What each op becomes in the program
# ---------------------------------------------------------------------------
def inline(rule_name: str, parents: list[str], constants: tuple) -> tuple[str, list[str]] | None:
    """An op written out inline, from its row's `python` column: (its value, one local
    derivative per parent) as source in the parents' names p and the constants, or None
    for a row without one (its rule is called). A local derivative "1.0" or "-1.0" makes
    the edge d_j += ±d_k. Python's float + − · are the operations the rules perform, so
    the numbers are the rule's, bit for bit (tests/test_modes_compile.py)."""
    python = rules.RULES[rule_name].python
    return None if python is None else python(parents, [literal(c) for c in constants])


def unit_term(dk: str, local: str) -> str:
    """The term δ_k·∂k/∂j as source, with no product for a local derivative of ±1."""
    return dk if local == "1.0" else f"-{dk}" if local == "-1.0" else f"{dk} * {local}"


def literal(x: float) -> str:
    """A float as source text that reads back to the same float, needing no name:
    repr round-trips every finite float (−0.0 included, in parentheses), and ±inf and
    NaN are written as literals too (1e999 reads as inf), so `inf` is never a name
    the program looks up."""
    x = float(x)
    if x != x:
        return "(1e999 - 1e999)"  # NaN
    text = "1e999" if x == float("inf") else "-1e999" if x == float("-inf") else repr(x)
    return f"({text})" if text.startswith("-") else text


_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def comment(text: str, limit: int = 72) -> str:
    """User text made safe for a `#` comment: escaped as `repr` escapes it (so no line
    break, quote or control character survives), without the quotes, shortened."""
    shown = repr(str(text))[1:-1]
    if len(shown) > limit:
        shown = shown[: limit - 1] + "…"
    # repr escapes every line break; this is a second fence, should repr ever change.
    return _LINE_BREAKS.sub("?", shown)


class Names:
    """Node names for comments: the label, or the program's variable for an unlabelled node."""

    def __init__(self, graph: "Graph"):
        self.g = graph

    def __getitem__(self, node: Value) -> str:
        return node.label or self.g.name(node)


def rule_of(node: Value) -> tuple[str, Callable | None, tuple]:
    """(rule name, rule function, constants) of an interior node, from the table."""
    try:
        rule, constants = ops.parse_op(node.op)
    except ValueError:
        raise ValueError(
            f"compile: {name_of(node)} was made by op {node.op!r}, which is not in "
            "the derivative table (autograd.rules); only table ops can be compiled"
        ) from None
    return rule.name, rule.fn, tuple(constants)


# ---------------------------------------------------------------------------
# The graph, numbered
# ---------------------------------------------------------------------------
class Graph:
    """The recorded graph as the code generator sees it.

    Inputs are v0 … v(m−1) in the order given; the interior nodes that depend on an
    input follow in topological order (v(m), v(m+1), …); everything else (leaves that
    are not inputs, and nodes computed from them only) is a constant k0, k1, …"""

    def __init__(self, roots: Sequence[Value], inputs: Sequence[Value]):
        self.inputs = list(inputs)
        self.roots = list(roots)
        order: list[Value] = []
        seen: set[int] = set()
        for root in self.roots:
            for node in topological_order(root):
                if id(node) not in seen:
                    seen.add(id(node))
                    order.append(node)
        self.var: dict[int, str] = {id(x): f"v{i}" for i, x in enumerate(self.inputs)}
        self.constants: list[tuple[str, Value]] = []
        self.nodes: list[tuple[str, Value, str, Callable | None, tuple]] = []
        depends = {id(x) for x in self.inputs}  # the inputs and every node computed from one
        for node in order:
            if id(node) in self.var:
                continue
            if any(id(p) in depends for p in node.parents):
                depends.add(id(node))
            if id(node) not in depends:
                name = f"k{len(self.constants)}"
                self.constants.append((name, node))
            else:
                name = f"v{len(self.inputs) + len(self.nodes)}"
                self.nodes.append((name, node, *rule_of(node)))
            self.var[id(node)] = name
        # Constants feeding only other constants need no line of their own.
        used = {id(p) for _, node, *_ in self.nodes for p in node.parents}
        used |= {id(r) for r in self.roots}
        self.constants = [(k, c) for k, c in self.constants if id(c) in used]
        for i, (_, c) in enumerate(self.constants):  # number them k0, k1, … as they appear
            self.var[id(c)] = f"k{i}"
        self.constants = [(f"k{i}", c) for i, (_, c) in enumerate(self.constants)]

    def name(self, node: Value) -> str:
        return self.var[id(node)]


def check_inputs(root_list: Sequence[Value], inputs: Sequence) -> list[Value]:
    inputs = list(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"compile: inputs[{i}] is a {type(x).__name__}, not a Value; pass the leaf Values that become arguments")
        if x.parents:
            raise ValueError(
                f"compile: inputs[{i}] ({name_of(x)}) is computed from other nodes; "
                "an input must be a leaf (an input or a parameter)"
            )
    if len({id(x) for x in inputs}) != len(inputs):
        raise ValueError("compile: the same Value appears twice in inputs; list each input once")
    for i, r in enumerate(root_list):
        if not isinstance(r, Value):
            raise TypeError(f"compile: root {i} is a {type(r).__name__}, not a Value")
    return inputs


# ---------------------------------------------------------------------------
# Writing the program
# ---------------------------------------------------------------------------


def function_name(rule_name: str, taken: dict[str, str]) -> str:
    """The identifier a rule function is called by in the program: r0, r1, … in the
    order the program first uses them (the op's own name is in the comment beside
    the call). Names come from positions only, never from the op's name, so ops that
    differ only by case or a digit ("GELUish", "geluish", "rule1"), or are named like
    something in the program ("program", "inf", "v3"), never share or shadow a name."""
    if rule_name not in taken:
        taken[rule_name] = f"r{len(taken)}"
    return taken[rule_name]


def build_program(source: str, namespace: dict, what: str) -> dict:
    """Compile our own generated text (no user text in it: see the module doc)."""
    filename = f"<autograd.compile {what} #{next(_counter)}>"
    code = builtins.compile(source, filename, "exec")
    # Register the text so tracebacks and debuggers show the program's lines.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    scope = {"__builtins__": {}, **namespace}
    exec(code, scope)  # noqa: S102 - generated from the op table and integer ids only
    return scope


_counter = itertools.count()


# ---------------------------------------------------------------------------
# The public object
# ---------------------------------------------------------------------------
def graph_summary(graph: Graph) -> str:
    edges = sum(len(node.parents) for _, node, *_ in graph.nodes)
    return (f"{len(graph.inputs)} inputs, {len(graph.nodes)} nodes, {edges} edges"
            + (f", {len(graph.constants)} constants" if graph.constants else ""))


def replay_in_engine(graph: Graph, values: Sequence[float], seeds: Sequence[float]):
    """Rebuild the graph with the engine on new input values and backpropagate."""
    made: dict[int, Value] = {}
    leaves = []
    for x, v in zip(graph.inputs, values):
        leaf = Value(v, x.label)
        made[id(x)] = leaf
        leaves.append(leaf)
    for _, node in graph.constants:
        const = Value(node.data, node.label)
        const.op = node.op  # for messages only ("unlabelled node made by …")
        made[id(node)] = const
    for _, node, rule_name, fn, constants in graph.nodes:
        parents = tuple(made[id(p)] for p in node.parents)
        new = _engine_node(node.op, rule_name, fn, parents, constants)
        new.label = node.label
        made[id(node)] = new
    roots = [made[id(r)] for r in graph.roots]
    if len(roots) == 1:
        total = roots[0]
        total.backward(seeds[0])
    else:  # Σ_k seed_k · root_k, through the engine
        for leaf in leaves:
            leaf.grad = 0.0
        total = Value.sum([r * s for r, s in zip(roots, seeds)])
        total.backward()
    return [r.data for r in roots], [leaf.grad for leaf in leaves]


def _engine_node(op: str, rule_name: str, fn, parents: tuple, constants: tuple) -> Value:
    """One node made by the engine itself, so its checks and messages are the engine's:
    the n-ary ops through their constructors, every other op as its `Value` method does."""
    if rule_name == "wsum":
        weights, inputs, bias = rules.split_wsum(parents)
        return engine.weighted_sum(weights, inputs, bias[0] if bias else None)
    if rule_name == "sum":
        return Value.sum(parents)
    return engine.apply_rule(ops.parse_op(op)[0], parents, constants)
