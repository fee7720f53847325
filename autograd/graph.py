"""The walks over a graph: the topological order, the one reverse and the one forward sweep.

Notation of the lecture notes: for a node j, ↑j is its upstream set (the nodes it is
computed from, `j.parents`) and ↓j its downstream set (the nodes computed from it).
Each node stores ∂j/∂i for every i ∈ ↑j (`j.local_grads`, same order as `j.parents`),
so both sweeps only multiply and add stored numbers, one multiply-add per edge:

    reverse   δ_j = Σ_{k∈↓j} δ_k ∂k/∂j     root first: δ_j = ∂root/∂j for every node
    forward   ṫ_j = Σ_{i∈↑j} (∂j/∂i) ṫ_i   leaves first: ṫ_j = dj/dε for one input direction

`backward` is the reverse sweep with δ_j kept in `j.grad` (what `Value.backward()` runs);
`sweep_reverse` is the same sweep into a dict, leaving `.grad` alone (the steps, `grad`,
`jacobian`, `pull_deltas`). Both add the terms in the same order, so their numbers agree
bit for bit, and both raise the same OverflowError naming the node whose δ is not finite.
`sweep_reverse` runs over other numbers too (an `Arithmetic`): Values, for derivatives of
derivatives (`autograd.modes.higher`), and lines of program text, for the backward half of
a compiled program (`autograd.modes.compile`) — one sweep, three kinds of number.

This module reads nodes only through `.parents`, `.local_grads` and `.grad`.
"""

from __future__ import annotations

from collections import defaultdict
from functools import reduce
from math import isfinite
from operator import add, attrgetter, mul
from typing import Callable, Mapping, NamedTuple, Sequence

from autograd.explain import raise_overflow

__all__ = ["topological_order", "interior_order", "backward", "Arithmetic", "FLOATS", "sweep_reverse",
           "sweep_forward", "upstream", "downstream", "pull_deltas"]


def topological_order(root) -> list:
    """Every node of root's graph, parents before children, root last.

    Given several roots (a list), the union of their graphs, each node once, searched
    from the first root first; for one root in a list it is the order of that root.

    Iterative depth-first search (no recursion, so a 10⁶-deep chain is fine); parents
    are visited in argument order, so the order is the same on every run. Below a
    node's parents on the stack sits the marker `_PARENTS_DONE` with the node under
    it: popping the marker means all of its parents are in `order` (post-order)."""
    order: list = []
    seen: set = set()
    stack: list = list(reversed(root)) if isinstance(root, (list, tuple)) else [root]
    while stack:
        node = stack.pop()
        if node is _PARENTS_DONE:
            order.append(stack.pop())
        elif node not in seen:
            seen.add(node)
            if node.parents:
                stack += (node, _PARENTS_DONE)
                stack += node.parents[::-1]  # reversed, so the first parent pops first
            else:
                order.append(node)  # a leaf is done as soon as it is reached
    return order


_PARENTS_DONE = object()  # stack marker of the searches


class _Start(float):
    """The δ = 0 a search gives the nodes it reaches: a float of its own class, made
    anew for each search, so `node.grad is start` says "reached by this search".
    (Identity is the object's own here; plain floats may be compared by value.)"""


def interior_order(root, leaves: list | None = None) -> list:
    """The nodes of root's graph that have parents, parents before children (the
    interior nodes of `topological_order(root)`, in the same order), each given δ = 0.
    A list given as `leaves` gets every leaf parent, once per interior node it feeds.

    Leaves pass nothing on, so backward visits only these. The δ 0 marks a node as
    reached, so no set of seen nodes is kept (it would cost more than the graph's δs)."""
    start = _Start()
    order: list = []
    stack: list = [root]
    while stack:
        node = stack.pop()
        if node is _PARENTS_DONE:
            order.append(stack.pop())
        elif node.grad is not start:  # (a node may be on the stack twice)
            node.grad = start
            stack += (node, _PARENTS_DONE)
            for parent in reversed(node.parents):  # so that the first parent pops first
                if parent.parents:
                    if parent.grad is not start:
                        stack.append(parent)
                elif leaves is not None:
                    leaves.append(parent)
    return order


_GRAD = attrgetter("grad")


def backward(root, seed: float) -> None:
    """δ_j = ∂root/∂j · seed into `j.grad` for every node upstream of root.

    Interior nodes are reset to 0 first; leaves (inputs, weights) accumulate, as in
    PyTorch, until they are zeroed."""
    if not root.parents:  # a leaf: ∂root/∂root = 1, nothing upstream
        root.grad += seed
        return
    leaves: list = []
    interior = interior_order(root, leaves)
    root.grad = seed
    for k in reversed(interior):  # root first: every δ_k is final before use
        delta = k.grad
        for j, dk_dj in zip(k.parents, k.local_grads):
            j.grad += dk_dj * delta  # δ_j += δ_k · ∂k/∂j
    # An inf or nan δ reaches every node upstream of it (inf · ∂ is ±inf, or nan where ∂
    # is 0), so down to a leaf: one sum over the leaves (at C speed) notices it, then it is named.
    if not isfinite(sum(map(_GRAD, leaves))):
        order = topological_order(root)
        raise_overflow("backward", order, {node: node.grad for node in order})


class Arithmetic(NamedTuple):
    """What the reverse sweep multiplies and adds: the sweep is the same whatever the numbers are."""

    local: Callable  # node k -> ∂k/∂j for each j ∈ ↑k, in parent order
    times: Callable  # (∂k/∂j, δ_k) -> the term δ_k·∂k/∂j
    total: Callable  # (j, the terms of δ_j in the order they came, the start of the sum) -> δ_j
    zero: object = 0.0  # the start of a δ that is not seeded
    finite: Callable | None = None  # all δs -> whether every one is finite (None: not checked here)


# Floats: the stored local derivatives, added left to right from the start — the order in
# which `backward` adds them into .grad, so the numbers are bit for bit the same.
FLOATS = Arithmetic(attrgetter("local_grads"), mul, lambda j, terms, start: reduce(add, terms, start),
                    finite=lambda deltas: isfinite(sum(deltas)))


def sweep_reverse(order: Sequence, root, seed=1.0, who: str = "backward", numbers: Arithmetic = FLOATS,
                  seeds: Mapping | None = None) -> dict:
    """δ_j = Σ_{k∈↓j} δ_k ∂k/∂j for every node of `order` (a topological order holding
    root's graph), root seeded, into a dict: `.grad` is left alone. `seeds` {root: seed}
    seeds several roots at once (then `root` is None); a root's seed starts its sum.

    Nodes are visited root first, so when j is reached every k ∈ ↓j has been visited and
    has handed j its term δ_k·∂k/∂j; `numbers.total` adds them (see `Arithmetic`)."""
    seeds = {root: seed} if seeds is None else seeds
    terms: defaultdict = defaultdict(list)  # j -> [δ_k·∂k/∂j for each k ∈ ↓j visited so far]
    delta = dict.fromkeys(order, numbers.zero)  # keyed in topological order, as `order`
    for k in reversed(order):
        d = delta[k] = numbers.total(k, terms.pop(k, ()), seeds.get(k, numbers.zero))
        if k.parents:
            for j, dk_dj in zip(k.parents, numbers.local(k)):
                terms[j].append(numbers.times(dk_dj, d))
    if numbers.finite is not None and not numbers.finite(delta.values()):
        raise_overflow(who, order, delta)
    return delta


def sweep_forward(order: Sequence, seed: Mapping, who: str = "forward mode", numbers: Arithmetic = FLOATS) -> dict:
    """ṫ_j = Σ_{i∈↑j} (∂j/∂i) ṫ_i for every node of `order`, parents first; a leaf takes
    its tangent from `seed` (0 when absent: an input held fixed). A node's seed starts its
    sum, so an interior node may be seeded too (its parents then usually carry 0).
    `numbers` as for `sweep_reverse`, with `times` given (∂j/∂i, ṫ_i)."""
    tangent: dict = {}
    for j in order:
        local = numbers.local(j) if j.parents else ()
        tangent[j] = numbers.total(j, [numbers.times(dj_di, tangent[i]) for i, dj_di in zip(j.parents, local)],
                                   seed.get(j, numbers.zero))  # ṫ_j = Σ_i ∂j/∂i · ṫ_i
    if numbers.finite is not None and not numbers.finite(tangent.values()):
        raise_overflow(who, order, tangent, forward=True)
    return tangent


# ---------------------------------------------------------------------------
# ↑j and ↓j, and the pull form of the reverse sweep
# ---------------------------------------------------------------------------
def upstream(node) -> list[tuple]:
    """↑j: the (parent i, ∂j/∂i) pairs of one node, in argument order."""
    return list(zip(node.parents, node.local_grads))


def downstream(root) -> dict:
    """↓j for every node j of root's graph: a list of (k, ∂k/∂j), one pair per edge.

    A node used twice by the same consumer (x*x) gets two pairs, since each use is
    its own term of the chain-rule sum. Keys follow `topological_order(root)`."""
    order = topological_order(root)
    consumers: dict = {node: [] for node in order}
    for k in order:
        for j, dk_dj in zip(k.parents, k.local_grads):
            consumers[j].append((k, dk_dj))
    return consumers


def pull_deltas(root, seed: float = 1.0) -> dict:
    """δ_j = ∂root/∂j · seed for every node (the reverse sweep into a dict, `.grad` left
    alone), in topological order. Each δ_j is also Σ_{k∈↓j} δ_k ∂k/∂j over
    `downstream(root)[j]`, the pull form of the lectures, summed in the same order."""
    return sweep_reverse(topological_order(root), root, seed, "pull_deltas")
