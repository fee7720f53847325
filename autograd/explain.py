"""How the engine names a node in its errors, and explains a rule that failed or a sweep
that overflowed: what went wrong, at which node, and what to do."""

from __future__ import annotations

from math import isfinite
from typing import Mapping, Sequence

__all__ = ["name_of", "explain", "raise_overflow"]


def name_of(node) -> str:
    """How an error message names a node: its label, or the op that made it."""
    if node.label:
        return f"node {node.label!r}"
    if node.op:
        return f"unlabelled node made by {node.op!r}"
    return "unlabelled leaf"


def raise_overflow(who: str, order: Sequence, value: Mapping, forward: bool = False) -> None:
    """Name the first node (nearest the root for δ, nearest the leaves for ṫ) whose δ or ṫ
    is inf or nan, and the term of its sum that made it."""
    symbol, what = ("ṫ", "tangent ṫ (dj/dε)") if forward else ("δ", "δ (∂root/∂j)")
    bad = [node for node in (order if forward else reversed(order)) if not isfinite(value[node])]
    if not bad:
        return  # every one finite: only their sum overflowed
    node = bad[0]
    message = f"{who}: the {what} of the {name_of(node)} is {value[node]!r}, not a finite number"
    # its terms come from nodes whose value is still finite (nearer the root for δ, the leaves for ṫ)
    edges = zip(node.parents, node.local_grads) if forward else \
        ((k, local) for k in order for j, local in zip(k.parents, k.local_grads) if j is node)
    for other, local in edges:
        if not isfinite(local * value[other]):
            k = node if forward else other
            operands = ", ".join(repr(p.data) for p in k.parents)
            term = f"∂j/∂i·ṫ_i = ({local!r})·{value[other]!r}" if forward else \
                f"δ_k·∂k/∂j = {value[other]!r}·({local!r})"
            raise OverflowError(
                f"{message}: its term from the {name_of(other)} ({k.op!r} of {operands}) is {term}. "
                "Rescale the inputs or rewrite the expression so that no derivative overflows")
    raise OverflowError(f"{message}: the sum of its terms overflows. Rescale the inputs")


def explain(op: str, parents, args, err) -> str:
    """A rule's error with the op, the operands (named) and the constants folded into the op."""
    operands = ", ".join(f"{name_of(p)} = {p.data!r}" for p in parents[:5])
    more = ", ..." if len(parents) > 5 else ""
    extra = "".join(f", constant {c!r}" for c in args[len(parents):])
    if isinstance(err, OverflowError):  # Python's own words, "math range error" or "(34, 'Numerical
        err = "the result is too large for a float"  # result out of range')", say less than this
    return f"{op}: {err} (operand {operands}{more}{extra})"
