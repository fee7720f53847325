"""The ↑j / ↓j view of a graph, in the lectures' notation.

`node.parents` is already ↑j. `downstream` inverts it into ↓j, so the backward pass
can also be written in the "pull" form of the lectures,

    δ_j = Σ_{k∈↓j} δ_k ∂k/∂j,

one node at a time — which is what the teaching layer steps through.
"""

from __future__ import annotations

from autograd.value import Value, topological_order


def upstream(node: Value) -> list[tuple[Value, float]]:
    """↑j: the (parent i, ∂j/∂i) pairs of one node, in argument order."""
    return list(zip(node.parents, node.local_grads))


def downstream(root: Value) -> dict[Value, list[tuple[Value, float]]]:
    """↓j for every node j of root's graph: a list of (k, ∂k/∂j), one pair per edge.

    A node used twice by the same consumer (x*x) gets two pairs, since each use is
    its own term of the chain-rule sum. Keys follow `topological_order(root)`."""
    order = topological_order(root)
    consumers: dict[Value, list[tuple[Value, float]]] = {node: [] for node in order}
    for k in order:
        for j, dk_dj in zip(k.parents, k.local_grads):
            consumers[j].append((k, dk_dj))
    return consumers


def pull_deltas(root: Value, seed: float = 1.0) -> dict[Value, float]:
    """δ_j = ∂root/∂j for every node, computed in the pull form, leaving `.grad` alone.

    Visits nodes root-first; each δ_j is the sum over its consumers k ∈ ↓j, all of
    which come later in topological order and so are already done."""
    below = downstream(root)
    delta: dict[Value, float] = {}
    for j in reversed(list(below)):
        if j is root:
            delta[j] = seed
        else:
            delta[j] = sum(delta[k] * dk_dj for k, dk_dj in below[j])
    return delta
