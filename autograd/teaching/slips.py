"""Name the slip behind a wrong derivative: which piece of the chain rule went wrong.

A derivative worked out by hand is the backward pass done on paper,

    δ_j = Σ_{k∈↓j} δ_k ∂k/∂j,

so the classic slips are one wrong piece of that sum, somewhere in the graph:

    "sign"             the right size with the wrong sign
    "missing_path"     one term δ_k·∂k/∂j of a sum over ↓j left out (a path forgotten)
    "missing_local"    one local derivative ∂k/∂j taken as 1 (a factor forgotten)
    "local_at_output"  a one-argument op's ∂k/∂j evaluated at its output instead of its
                       input (tanh'(z) for tanh'(a))

`SlipFinder(root)` computes, for a leaf x, the number each such slip would give for
∂root/∂x, from the graph's stored local derivatives; `name_slip` returns the first
one that matches a wrong answer (or None when none does).

Changing the local derivative ℓ on ONE edge j → k to ℓ' and re-running the backward
pass changes ∂root/∂x by exactly

    δ_k · (ℓ' − ℓ) · ∂j/∂x

because the derivative is a sum over paths from x to the root of products of local
derivatives, and a path crosses a given edge at most once. So one backward pass (δ_k
for every node) and one forward pass (∂j/∂x for every node) give every single-edge
slip at once; tests/test_teaching_slips.py re-runs the full backward pass for each slip and
checks that it gives the same number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from autograd import ops
from autograd.graph import pull_deltas, sweep_forward
from autograd.names import fmt, node_names
from autograd.teaching.judge import agrees
from autograd.graph import topological_order
from autograd.value import Value

__all__ = ["Slip", "SlipFinder", "name_slip", "KINDS"]

KINDS = ("sign", "local_at_output", "missing_local", "missing_path")  # preference order



@dataclass(frozen=True)
class Slip:
    """One slip and the number it gives for ∂root/∂leaf."""

    kind: str  # one of KINDS
    text: str  # the slip in words, with the node names
    value: float  # ∂root/∂leaf as the slipped backward pass computes it
    node: str = ""  # j: the node whose sum or factor went wrong
    consumer: str = ""  # k: the consumer k ∈ ↓j on the edge that went wrong
    parent_index: int = -1  # j is k.parents[parent_index] (-1 for "sign": no one edge)
    local: float | None = None  # the slipped ∂k/∂j (0 for a left-out path)

    def __str__(self) -> str:
        return self.text


class SlipFinder:
    """The slips of one graph: δ of every node once, then `candidates(leaf)` per leaf.

    `root_name` is how the texts call the root (default: its node name)."""

    def __init__(self, root: Value, root_name: str | None = None):
        if not isinstance(root, Value):
            raise TypeError(f"SlipFinder: root must be a Value, got {type(root).__name__} {root!r}")
        self.root = root
        self.order = topological_order(root)
        self.names = node_names(root)
        self.root_name = root_name or self.names[root]
        self.delta = pull_deltas(root)  # δ_k = ∂root/∂k; never touches .grad
        fan_out: dict[Value, int] = {}
        for k in self.order:
            for j in k.parents:
                fan_out[j] = fan_out.get(j, 0) + 1
        self.fan_out = fan_out  # |↓j| counted by edges: a sum has ≥ 2 terms

    def leaf(self, name: str) -> Value:
        """The node called `name` in the texts (a leaf's label)."""
        for node in self.order:
            if self.names[node] == name:
                return node
        raise KeyError(f"SlipFinder: no node named {name!r} in the graph of {self.root_name}")

    def tangent(self, leaf: Value) -> dict[Value, float]:
        """∂j/∂leaf for every node j (forward mode, over the same stored local derivatives)."""
        return sweep_forward(self.order, {leaf: 1.0}, "SlipFinder")

    def candidates(self, leaf: Value | str) -> list[Slip]:
        """Every single slip that changes ∂root/∂leaf, with the number it gives, in
        preference order (KINDS, then edges nearest the root first)."""
        if isinstance(leaf, str):
            leaf = self.leaf(leaf)
        if leaf not in self.names:
            return []  # not in the graph: ∂root/∂leaf = 0 whatever is slipped
        t = self.tangent(leaf)
        right = self.delta.get(leaf, 0.0)
        r, x = self.root_name, self.names[leaf]
        found: dict[str, list[Slip]] = {kind: [] for kind in KINDS}
        if right != 0.0:
            found["sign"].append(Slip("sign", f"right size, wrong sign: ∂{r}/∂{x} is {fmt(right)}", -right))
        for k in reversed(self.order):  # consumers nearest the root first
            d_k = self.delta[k]
            if not d_k or not k.parents:
                continue
            for i, (j, local) in enumerate(zip(k.parents, k.local_grads)):
                if not t[j]:
                    continue  # the edge is on no path from the leaf
                kn, jn = self.names[k], self.names[j]
                why = ops.formula(k.op, i, len(k.parents))

                def slip(kind: str, new_local: float, text: str) -> None:
                    value = right + d_k * (new_local - local) * t[j]
                    if math.isfinite(value) and value != right:
                        found[kind].append(Slip(kind, text, value, jn, kn, i, new_local))

                if self.fan_out.get(j, 0) >= 2:
                    uses = k.parents.count(j)  # x·x: each use of x is its own term
                    which = f" (one of the {uses} uses of {jn} in {kn})" if uses > 1 else ""
                    slip("missing_path", 0.0,
                         f"left out the path through {kn}: the term δ[{kn}]·∂{kn}/∂{jn}{which} "
                         f"of the sum for δ[{jn}]")
                if local != 1.0:
                    slip("missing_local", 1.0,
                         f"took ∂{kn}/∂{jn} as 1 instead of {fmt(local)} ({why}): a factor of the chain rule left out")
                if len(k.parents) == 1 and k.op in ops.UNARY:  # a function of one operand
                    try:
                        _, (at_output,) = ops.UNARY[k.op](k.data)
                    except (ArithmeticError, ValueError, TypeError):
                        # e.g. log's derivative at a negative output, or a rule that also
                        # takes a constant (elu's α): no such slip
                        continue
                    slip("local_at_output", at_output,
                         f"evaluated ∂{kn}/∂{jn} ({why}) at the output {kn} = {fmt(k.data)} "
                         f"instead of the input {jn} = {fmt(j.data)}: {fmt(at_output)} instead of {fmt(local)}")
        return [s for kind in KINDS for s in found[kind]]

    def explain(self, leaf: Value | str, claimed: float,
                agrees: Callable[[float, float], bool] | None = None) -> Slip | None:
        """The first slip whose number agrees with `claimed` (None if none does, or if
        the claim is right). `agrees(claimed, value)` is the grading tolerance."""
        if agrees is None:
            agrees = _default_agrees
        if isinstance(leaf, str):
            leaf = self.leaf(leaf)
        if not isinstance(claimed, (int, float)) or not math.isfinite(claimed):
            return None
        if agrees(claimed, self.delta.get(leaf, 0.0)):
            return None
        for s in self.candidates(leaf):
            if agrees(claimed, s.value):
                return s
        return None


def _default_agrees(claimed: float, value: float) -> bool:
    return agrees(claimed, value)


def name_slip(root: Value, leaf: Value | str, claimed: float,
              agrees: Callable[[float, float], bool] | None = None) -> Slip | None:
    """The slip that explains `claimed` as a value of ∂root/∂leaf, or None."""
    return SlipFinder(root).explain(leaf, claimed, agrees)
