"""Forward mode: the same stored local derivatives, read in the other direction.

Every node j keeps ∂j/∂i for each i ∈ ↑j (`j.local_grads`). The backward pass reads
them from the root down,

    δ_j = Σ_{k∈↓j} δ_k ∂k/∂j          (reverse mode: one sweep gives ∂root/∂ every node)

and forward mode reads them from the leaves up, carrying a *tangent* ṫ_j = dj/dε
for one direction of change ε of the inputs (the seed):

    ṫ_j = Σ_{i∈↑j} (∂j/∂i) ṫ_i        (forward mode: one sweep gives d every node/dε)

Both are one multiply-add per edge of the graph, so one sweep of either costs |E|.
For a Jacobian ∂y/∂x of m outputs and n inputs (Bishop's Jacobian slides: "J is
memory and compute intensive"), reverse mode needs one sweep per output row (m·|E|)
and forward mode one per input column (n·|E|). A loss has m = 1 and a network has
many weights, which is why backpropagation runs in reverse.

Nothing here recomputes a derivative: the sweeps only multiply and add the numbers
recorded when the graph was built, and `.grad` is never touched.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from autograd.names import describe, fmt, latex_name, latex_number, node_expression, node_names
from autograd.teaching.steps import Stepper, View, formula
from autograd.graph import sweep_forward, sweep_reverse, topological_order
from autograd.value import Value

__all__ = ["as_values", "forward_tangents", "forward_steps", "ForwardStep", "ForwardTerm", "ForwardStepper",
           "jacobian", "count_edges"]

MODES = ("reverse", "forward")


# ---------------------------------------------------------------------------
# Checking arguments
# ---------------------------------------------------------------------------
def _number(x, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(float(x)):
        raise ValueError(f"{what} must be a finite number, got {x!r}")
    return float(x)


def _check_seed(who: str, root: Value, order: Sequence[Value], seed) -> dict[Value, float]:
    """seed {leaf: tangent}: leaves of root's graph only, with finite numbers."""
    if not isinstance(root, Value):
        raise TypeError(f"{who}: root must be a Value, got {describe(root)}")
    if not isinstance(seed, Mapping):
        raise TypeError(
            f"{who}: seed must be a dict {{input Value: tangent}}, e.g. {{x: 1.0}}, got {type(seed).__name__}"
        )
    in_graph = set(order)
    checked: dict[Value, float] = {}
    for leaf, t in seed.items():
        if not isinstance(leaf, Value):
            raise TypeError(f"{who}: the keys of seed must be Values (the inputs), got {describe(leaf)}")
        if leaf.parents:
            raise ValueError(
                f"{who}: seed gives a tangent to {describe(leaf)}, which is computed by {leaf.op!r} "
                "from other nodes; seed the inputs (leaves) and its tangent follows from theirs"
            )
        if leaf not in in_graph:
            raise ValueError(
                f"{who}: seed gives a tangent to {describe(leaf)}, which is not in the graph of the root "
                "(the root does not depend on it; was the graph built from another Value with that label?)"
            )
        checked[leaf] = _number(t, f"{who}: the tangent of {describe(leaf)} in seed")
    return checked


def joint_order(outputs: Sequence[Value]) -> list[Value]:
    """One topological order of the union of the outputs' graphs, parents first: each
    node once, however many outputs reach it. For a single output it is exactly
    `topological_order(output)`."""
    return topological_order(list(outputs))


def count_edges(outputs) -> int:
    """|E|: the edges of the graph of `outputs` (a Value or a list), one per parent
    occurrence (x*x has two). One sweep of either mode costs |E| multiply-adds."""
    outs = [outputs] if isinstance(outputs, Value) else list(outputs)
    return sum(len(node.parents) for node in joint_order(outs))


# ---------------------------------------------------------------------------
# Forward tangents
# ---------------------------------------------------------------------------
def forward_tangents(root: Value, seed: Mapping[Value, float]) -> dict[Value, float]:
    """The tangent ṫ_j of every node of root's graph for the input direction `seed`.

        x, w = Value(2.0, "x"), Value(-3.0, "w")
        y = (w * x).tanh()
        t = forward_tangents(y, {x: 1.0})     # t[y] = ∂y/∂x, t[w] = 0 (w held fixed)

    seed maps some leaves (inputs, weights) to their tangent; every other leaf has
    tangent 0. Nodes are visited parents first and each gets
    ṫ_j = Σ_{i∈↑j} (∂j/∂i) ṫ_i from the stored local derivatives — the mirror image of
    δ_j = Σ_{k∈↓j} δ_k ∂k/∂j. Returns {node: tangent} in topological order.
    `.grad` is not touched."""
    order = topological_order(root) if isinstance(root, Value) else ()
    checked = _check_seed("forward_tangents", root, order, seed)
    return sweep_forward(order, checked, "forward_tangents")


# ---------------------------------------------------------------------------
# Forward steps: one per node, leaves first
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ForwardTerm:
    """One term (∂j/∂i)·ṫ_i of the sum for ṫ_j: the edge from a parent i ∈ ↑j."""

    parent: Value  # i
    consumer: Value  # j, the node this term is summed into (the edge i → j)
    parent_tangent: float  # ṫ_i, final before j is visited
    local: float  # ∂j/∂i, stored on j when j was made
    formula: str  # the rule for ∂j/∂i, e.g. "∂(a·b)/∂a = b"
    parent_index: int  # i is j.parents[parent_index]
    parent_name: str

    @property
    def value(self) -> float:
        return self.local * self.parent_tangent


@dataclass(frozen=True, eq=False)
class ForwardStep:
    """Forward mode at one node j: ṫ_j and the chain-rule terms that make it."""

    index: int  # position in the forward order (0 = the first leaf)
    node: Value  # j
    name: str
    tangent: float  # ṫ_j
    terms: tuple[ForwardTerm, ...]  # one per edge i → j, i ∈ ↑j; empty for a leaf
    seeded: bool  # a leaf given a tangent in the seed
    expression: str = field(default="")  # how j was computed, e.g. "w1·x1"

    @property
    def is_leaf(self) -> bool:
        return not self.terms

    def text(self) -> str:
        """One line: ṫ[j] = Σ ∂j/∂i·ṫ[i] = (∂j/∂i)(ṫ_i) + ... = ṫ_j."""
        j = self.name
        if self.is_leaf:
            if self.seeded:
                return f"ṫ[{j}] = {fmt(self.tangent)} (seed)"
            return f"ṫ[{j}] = 0 (not in the seed: held fixed)"
        symbols = " + ".join(f"∂{j}/∂{t.parent_name}·ṫ[{t.parent_name}]" for t in self.terms)
        numbers_ = " + ".join(f"({fmt(t.local)})({fmt(t.parent_tangent)})" for t in self.terms)
        return f"ṫ[{j}] = {symbols} = {numbers_} = {fmt(self.tangent)}"

    def explain(self) -> str:
        """Several lines: the sum, then each term with the rule its ∂j/∂i comes from."""
        lines = [self.text()]
        if not self.is_leaf:
            lines.append(f"  {self.name} = {self.expression}")
        for t in self.terms:
            lines.append(
                f"  {t.parent_name} ∈ ↑{self.name}: ṫ[{t.parent_name}] = {fmt(t.parent_tangent)}, "
                f"∂{self.name}/∂{t.parent_name} = {fmt(t.local)}   ({t.formula})"
            )
        return "\n".join(lines)

    def latex(self) -> str:
        """The same sum as `text()`, as a LaTeX formula (no surrounding $)."""
        j = latex_name(self.name)
        if self.is_leaf:
            return rf"\dot{{t}}_{{{j}}} = {latex_number(self.tangent)}"
        symbols = " + ".join(
            rf"\frac{{\partial {j}}}{{\partial {latex_name(t.parent_name)}}}\,"
            rf"\dot{{t}}_{{{latex_name(t.parent_name)}}}"
            for t in self.terms
        )
        numbers_ = " + ".join(
            rf"({latex_number(t.local)})({latex_number(t.parent_tangent)})" for t in self.terms
        )
        return rf"\dot{{t}}_{{{j}}} = {symbols} = {numbers_} = {latex_number(self.tangent)}"

    def _repr_latex_(self) -> str:
        return f"${self.latex()}$"

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<ForwardStep {self.index}: {self.text()}>"


def forward_steps(root: Value, seed: Mapping[Value, float]) -> list[ForwardStep]:
    """Forward mode from the seeded inputs to `root`, one `ForwardStep` per node, in
    topological order (parents first, root last). Each step's tangent is exactly
    `forward_tangents(root, seed)[node]` (same terms, same order of addition)."""
    order = topological_order(root) if isinstance(root, Value) else ()
    checked = _check_seed("forward_steps", root, order, seed)
    names = node_names(root)
    tangent = sweep_forward(order, checked, "forward_steps")
    return [
        ForwardStep(index, j, names[j], tangent[j],
                    tuple(ForwardTerm(i, j, tangent[i], dj_di, formula(j.op, p, len(j.parents)), p, names[i])
                          for p, (i, dj_di) in enumerate(zip(j.parents, j.local_grads))),
                    j in checked, node_expression(j, names))
        for index, j in enumerate(order)
    ]


FORWARD_VIEW = View(
    "tangent", "tangents", "ṫ", "Forward mode, step by step",
    "ṫ of every node, inputs first: ṫ<sub>j</sub> = Σ<sub>i∈↑j</sub> (∂j/∂i) ṫ<sub>i</sub>. "
    "Use the buttons or the ← and → keys.",
    # a leaf's ṫ is not worked out but given: the seed, or 0 for a leaf held fixed
    given=lambda steps: [s.index for s in steps if s.is_leaf],
)


class ForwardStepper:
    """Step through forward mode, leaves first: the walk, drawing, widget and HTML page
    of a `Stepper` over forward mode's steps, with each node's tangent ṫ_j in place of δ_j.

        s = ForwardStepper(y, {x: 1.0})
        s.goto(-1).text()     # ṫ of the root = ∂y/∂x
        s.draw()              # finished nodes show ṫ, the rest are greyed out
        s.to_html("forward.html", quiz=True)   # the student works out each ṫ

    In quiz mode (`Stepper.to_html`, `autograd.quiz`) every ṫ_j summed from its parents
    is left blank and checked as the backward page checks δ; the leaves are given (their
    ṫ is the seed, or 0 when held fixed), shown solved with nothing to type.
    """

    def __init__(self, root: Value, seed: Mapping[Value, float], *, parameters=()):
        steps = forward_steps(root, seed)  # checks root and seed first
        self.walk = Stepper(root, parameters=parameters, view=FORWARD_VIEW, steps=steps)

    def tangents(self, index: int | None = None) -> dict[Value, float]:
        """ṫ of every node finished up to and including step `index` (default: current)."""
        return self.walk.values(index)

    def deltas(self, index: int | None = None):
        raise AttributeError("ForwardStepper: forward mode has no δ; use tangents(index) for ṫ")

    # the walk itself: steps, position, pictures and page are the Stepper's
    def __getattr__(self, name: str):
        if name == "walk":  # (not made yet: __init__ failed)
            raise AttributeError(name)
        return getattr(self.walk, name)

    def __len__(self) -> int:
        return len(self.walk)

    def __iter__(self):
        return iter(self.walk)

    def __getitem__(self, i: int):
        return self.walk[i]


# ---------------------------------------------------------------------------
# Jacobians, both ways, with their cost
# ---------------------------------------------------------------------------
def as_values(who: str, what: str, xs, empty_ok: bool = False) -> list[Value]:
    """The argument `what` of `who` as a list of Values: one Value, or a list of them."""
    items = [xs] if isinstance(xs, Value) else xs
    if isinstance(items, (str, bytes, Mapping)) or not hasattr(items, "__iter__"):
        raise TypeError(f"{who}: {what} must be a Value or a list of Values, got {describe(xs)}")
    items = list(items)
    if not items and not empty_ok:
        raise ValueError(f"{who}: {what} is empty; give at least one Value")
    for i, v in enumerate(items):
        if not isinstance(v, Value):
            raise TypeError(f"{who}: {what}[{i}] must be a Value, got {describe(v)}")
    return items


def jacobian(outputs, inputs, mode: str = "reverse") -> tuple[list[list[float]], int]:
    """The m×n matrix J_ij = ∂outputs[i]/∂inputs[j], and the multiply-adds it cost.

    mode="reverse": one backward sweep per output, δ seeded 1 at that output — a row
                    of J each, m sweeps;
    mode="forward": one forward sweep per input, ṫ seeded 1 at that input — a column
                    of J each, n sweeps.

    Each sweep runs over the whole graph of the outputs and costs one multiply-add
    per edge, so the count is exactly m·|E| or n·|E| (|E| = `count_edges(outputs)`).
    `inputs` are leaves (inputs, weights); an input the outputs do not depend on has
    a column of zeros. Returns (J as nested lists, multiply_adds); `.grad` is untouched."""
    who = "jacobian"
    if mode not in MODES:
        raise ValueError(f"{who}: mode={mode!r}; use 'reverse' (one sweep per output) or "
                         "'forward' (one sweep per input)")
    outs = as_values(who, "outputs", outputs)
    ins = as_values(who, "inputs", inputs)
    for i, x in enumerate(ins):
        if x.parents:
            raise ValueError(
                f"{who}: inputs[{i}] ({describe(x)}) is computed by {x.op!r} from other nodes; "
                "differentiate with respect to leaves (inputs and weights)"
            )
    order = joint_order(outs)
    edges = sum(len(node.parents) for node in order)  # one sweep: one multiply-add per edge
    if mode == "reverse":
        matrix = []
        for out in outs:
            delta = sweep_reverse(order, out, 1.0, "jacobian")
            matrix.append([delta.get(x, 0.0) for x in ins])
        return matrix, len(outs) * edges
    total = len(ins) * edges
    columns = []
    for x in ins:
        tangent = sweep_forward(order, {x: 1.0}, "jacobian")
        columns.append([tangent[out] for out in outs])
    return [[col[r] for col in columns] for r in range(len(outs))], total
