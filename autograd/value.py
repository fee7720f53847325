"""The engine core: `Value`, the graph it records, and the backward pass.

Notation of the lecture notes: for a node j, ↑j is its upstream set (the nodes it is
computed from, `j.parents`) and ↓j its downstream set (the nodes computed from it).
Each node stores, when it is made, its local derivatives ∂j/∂i for every i ∈ ↑j
(`j.local_grads`, same order as `j.parents`). The backward pass is then one loop:

    δ_j = Σ_{k∈↓j} δ_k ∂k/∂j          (δ_j = ∂root/∂j, stored in j.grad)

visiting nodes in reverse topological order, so every δ_k is complete before it is
pushed to the nodes k was computed from.

A graph holds no reference cycles (a node points only at its parents, never at a
closure or a child), so it is freed by reference counting as soon as the root goes.
"""

from __future__ import annotations

import math
import numbers
from contextlib import contextmanager
from typing import Iterable, Iterator, Sequence

from autograd import rules

_INF = math.inf
_grad_enabled = True  # switched off inside `no_grad()`


class Value:
    """A scalar in a computation graph: its data, its gradient and how it was made."""

    __slots__ = ("data", "grad", "label", "op", "parents", "local_grads")

    def __init__(self, data, label: str = ""):
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__} {label!r}")
        self.data = _as_float(data, f"Value({data!r})")
        self.grad = 0.0
        self.label = label
        self.op = ""  # "" for a leaf (an input, a weight, a constant)
        self.parents: tuple[Value, ...] = ()  # ↑j, in argument order
        self.local_grads: tuple[float, ...] = ()  # ∂self/∂parent, same order

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{label})"

    # -- arithmetic: Value op Value makes a two-parent node; Value op number folds
    #    the number into the op name ("*2") and the local derivative.
    def __add__(self, other):
        if isinstance(other, Value):
            return _apply("+", rules.add, (self, other))
        return _apply("+" + _fmt(other, "+"), rules.add_const, (self,), _const(other, "+"))

    __radd__ = __add__

    def __sub__(self, other):
        if isinstance(other, Value):
            return _apply("-", rules.sub, (self, other))
        c = _const(other, "-")
        return _apply("+" + _fmt(-c, "-"), rules.add_const, (self,), -c)

    def __rsub__(self, other):
        return _apply(_fmt(other, "-") + "-", rules.const_sub, (self,), _const(other, "-"))

    def __mul__(self, other):
        if isinstance(other, Value):
            return _apply("*", rules.mul, (self, other))
        return _apply("*" + _fmt(other, "*"), rules.mul_const, (self,), _const(other, "*"))

    __rmul__ = __mul__

    def __truediv__(self, other):
        if isinstance(other, Value):
            return _apply("/", rules.div, (self, other))
        return _apply("/" + _fmt(other, "/"), rules.div_const, (self,), _const(other, "/"))

    def __rtruediv__(self, other):
        return _apply(_fmt(other, "/") + "/", rules.const_div, (self,), _const(other, "/"))

    def __pow__(self, other):
        if isinstance(other, Value):
            return _apply("**", rules.power, (self, other))
        return _apply("**" + _fmt(other, "**"), rules.power_const, (self,), _const(other, "**"))

    def __rpow__(self, other):
        return _apply(_fmt(other, "**") + "**", rules.const_power, (self,), _const(other, "**"))

    def __neg__(self):
        return _apply("neg", rules.neg, (self,))

    # -- functions of one variable (derivatives in rules.py)
    def exp(self):
        return _apply("exp", rules.exp, (self,))

    def log(self):
        return _apply("log", rules.log, (self,))

    def tanh(self):
        return _apply("tanh", rules.tanh, (self,))

    def sigmoid(self):
        return _apply("sigmoid", rules.sigmoid, (self,))

    def relu(self):
        return _apply("relu", rules.relu, (self,))

    def leaky_relu(self, slope: float = 0.01):
        return _apply("leaky_relu", rules.leaky_relu, (self,), _const(slope, "leaky_relu"))

    def elu(self, alpha: float = 1.0):
        return _apply("elu", rules.elu, (self,), _const(alpha, "elu"))

    def softplus(self):
        return _apply("softplus", rules.softplus, (self,))

    @staticmethod
    def sum(values: Iterable) -> "Value":
        """Σ_k values_k as ONE node (∂sum/∂a_k = 1 for each Value a_k).

        Plain numbers among `values` are added into the data without becoming parents."""
        parents, total = [], 0.0
        for v in values:
            if isinstance(v, Value):
                parents.append(v)
                total += v.data
            else:
                total += _const(v, "sum")
        return _node(_finite(total, "sum", parents), "sum", tuple(parents), (1.0,) * len(parents))

    # -- the backward pass
    def backward(self, grad: float = 1.0) -> None:
        """Fill `.grad` of every node upstream of this one with δ_j = ∂self/∂j · grad.

        Interior nodes (those with parents) hold the δ of the latest backward pass:
        they are reset first, so calling backward twice gives the same interior grads.
        Leaves (inputs and parameters) accumulate across calls, as in PyTorch, until
        `zero_grad`; that is what lets a minibatch sum its examples' gradients.
        """
        seed = _as_float(grad, "backward(grad=...)")
        order = topological_order(self)
        for node in order:
            if node.parents:
                node.grad = 0.0
        self.grad = self.grad + seed if not self.parents else seed
        for node in reversed(order):  # root first: every δ_k is final before use
            delta = node.grad
            for parent, local in zip(node.parents, node.local_grads):
                parent.grad += local * delta  # δ_j += δ_k · ∂k/∂j


def weighted_sum(weights: Sequence, inputs: Sequence, bias=None) -> Value:
    """a = Σ_k w_k z_k + b as ONE node, the pre-activation a_j of the lectures.

    Parents are the weights, then the inputs, then the bias (those that are Values;
    plain numbers are folded in), with local derivatives ∂a/∂w_k = z_k,
    ∂a/∂z_k = w_k and ∂a/∂b = 1."""
    if len(weights) != len(inputs):
        raise ValueError(
            f"weighted_sum: {len(weights)} weights but {len(inputs)} inputs; "
            "give one weight per input"
        )
    w = [_data(x, "weighted_sum weight") for x in weights]
    z = [_data(x, "weighted_sum input") for x in inputs]
    total = sum(map(float.__mul__, w, z))
    parents = [x for x in weights if isinstance(x, Value)]
    local = [zk for x, zk in zip(weights, z) if isinstance(x, Value)]
    parents += [x for x in inputs if isinstance(x, Value)]
    local += [wk for x, wk in zip(inputs, w) if isinstance(x, Value)]
    if bias is not None:
        total += _data(bias, "weighted_sum bias")
        if isinstance(bias, Value):
            parents.append(bias)
            local.append(1.0)
    return _node(_finite(total, "wsum", parents), "wsum", tuple(parents), tuple(local))


def topological_order(root: Value) -> list[Value]:
    """Every node of root's graph, parents before children, root last.

    Iterative depth-first search (no recursion, so a 10⁶-deep chain is fine);
    parents are visited in argument order, so the order is the same on every run."""
    order: list[Value] = []
    seen: set[Value] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(node.parents) if p not in seen)
    return order


def zero_grad(values: Iterable[Value]) -> None:
    """Set `.grad = 0` on every given Value (typically a model's parameters)."""
    for v in values:
        v.grad = 0.0


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block new Values record no parents: nothing to backpropagate
    through, nothing kept alive (use it for evaluation and for parameter updates)."""
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


# ---------------------------------------------------------------------------
# Making nodes
# ---------------------------------------------------------------------------
def _node(data: float, op: str, parents: tuple, local_grads: tuple) -> Value:
    """Make a graph node without re-validating `data` (the rules produce floats)."""
    out = Value.__new__(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out.op = op
    if _grad_enabled:
        out.parents, out.local_grads = parents, local_grads
    else:
        out.parents = out.local_grads = ()
    return out


def _apply(op: str, rule, parents: tuple, *consts: float) -> Value:
    """Run a derivative rule on the parents' data and record the result as a node.

    A rule's error (log of a negative number, exp overflow, ...) is re-raised with
    the op, the operand values and the nodes' labels, so a student sees where."""
    try:
        data, local_grads = rule(*[p.data for p in parents], *consts)
        if not -_INF < data < _INF:
            raise OverflowError("the result is too large for a float")
    except (ArithmeticError, ValueError) as err:
        raise type(err)(_explain(op, parents, consts, err)) from None
    return _node(data, op, parents, local_grads)


def _explain(op: str, parents, consts, err: Exception) -> str:
    operands = ", ".join(f"{_name(p)} = {p.data!r}" for p in parents)
    extra = "".join(f", constant {c!r}" for c in consts)
    return f"{op}: {err} (operand {operands}{extra})"


def _name(v: Value) -> str:
    if v.label:
        return f"node {v.label!r}"
    if v.op:
        return f"unlabelled node made by {v.op!r}"
    return "unlabelled leaf"


def _finite(total: float, op: str, parents) -> float:
    if not -_INF < total < _INF:
        names = ", ".join(_name(p) for p in parents[:5])
        raise OverflowError(f"{op}: the result is too large for a float (operands {names}, ...)")
    return total


def _as_float(x, what: str) -> float:
    """Accept int, float and numpy floating/integer scalars; reject everything else."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(
            f"{what}: expected a real number (int or float), got {type(x).__name__} {x!r}"
        )
    f = float(x)
    if not -_INF < f < _INF:
        raise ValueError(f"{what}: {f} is not a finite number")
    return f


def _const(x, op: str) -> float:
    return _as_float(x, f"operand of {op!r} combined with a Value")


def _data(x, what: str) -> float:
    return x.data if isinstance(x, Value) else _as_float(x, what)


def _fmt(x, op: str) -> str:
    """A number as it appears in an op name: 2.0 → "2", 0.5 → "0.5"."""
    f = _const(x, op)
    return str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)
