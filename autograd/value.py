"""The engine core: `Value`, a scalar that records how it was computed.

Each node j keeps, when it is made, its parents ↑j (`j.parents`, in argument order)
and its local derivatives ∂j/∂i for every i ∈ ↑j (`j.local_grads`, same order), both
from its op's row of the derivative table (`autograd.rules`). `backward()` is then one
sweep over the graph (`autograd.graph.backward`):

    δ_j = Σ_{k∈↓j} δ_k ∂k/∂j          (δ_j = ∂root/∂j, stored in j.grad)

A graph holds no reference cycles (a node points only at its parents, never at a
closure or a child), so it is freed by reference counting as soon as the root goes.
The hottest methods are replaced by faster equivalents at the end (`autograd.fast`).
"""

from __future__ import annotations

import numbers
import operator
import warnings
from contextlib import contextmanager
from contextvars import ContextVar
from math import isfinite
from typing import Iterable, Iterator, Sequence

from autograd import fast, graph
from autograd.explain import explain
from autograd.inputs import as_float, check_label
from autograd.ops import constants, is_function, op_of
from autograd.rules import ALIASES, RULES, Rule

# Whether new nodes record their parents: switched off inside `no_grad()`, for the
# current thread (and asyncio task) only — a context variable, not a global.
_recording: ContextVar[bool] = ContextVar("deltagrad_recording", default=True)


def _comparison(compare):
    """A comparison of Values by their data, with a Value or a real number; a plain bool."""

    def method(self, other):
        other = _compared(other)
        return NotImplemented if other is NotImplemented else compare(self.data, other)

    method.__name__ = f"__{compare.__name__}__"
    return method


class Value:
    """A scalar in a computation graph: its data, its gradient and how it was made."""

    __slots__ = ("data", "grad", "_label", "op", "parents", "local_grads")

    def __init__(self, data, label: str = ""):
        self.data = as_float(data, "Value({!r})", data)
        self.grad = 0.0
        self._label = check_label(label, self)
        self.op = ""  # "" for a leaf (an input, a weight, a constant); else an `ops.Op`
        self.parents: tuple[Value, ...] = ()  # ↑j, in argument order
        self.local_grads: tuple[float, ...] = ()  # ∂self/∂parent, same order

    @property
    def label(self) -> str:
        """The node's name in drawings and steps; checked whenever it is set."""
        return self._label

    @label.setter
    def label(self, label: str) -> None:
        self._label = check_label(label, self)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{label})"

    # -- arithmetic: Value op Value makes a two-parent node; Value op number folds
    #    the number into the op ("*2", rule "*c") and its local derivative.
    def __add__(self, other):
        if isinstance(other, Value):
            return apply_rule(RULES["+"], (self, other))
        return apply_rule(RULES["+c"], (self,), _const(other, "+"))

    __radd__ = __add__

    def __sub__(self, other):
        if isinstance(other, Value):
            return apply_rule(RULES["-"], (self, other))
        return apply_rule(RULES["-c"], (self,), _const(other, "-"))

    def __rsub__(self, other):
        return apply_rule(RULES["c-"], (self,), _const(other, "-"))

    def __mul__(self, other):
        if isinstance(other, Value):
            return apply_rule(RULES["*"], (self, other))
        return apply_rule(RULES["*c"], (self,), _const(other, "*"))

    __rmul__ = __mul__

    def __truediv__(self, other):
        if isinstance(other, Value):
            return apply_rule(RULES["/"], (self, other))
        return apply_rule(RULES["/c"], (self,), _const(other, "/"))

    def __rtruediv__(self, other):
        return apply_rule(RULES["c/"], (self,), _const(other, "/"))

    def __pow__(self, other):
        if isinstance(other, Value):
            return apply_rule(RULES["**"], (self, other))
        return apply_rule(RULES["**c"], (self,), _const(other, "**"))

    def __rpow__(self, other):
        return apply_rule(RULES["c**"], (self,), _const(other, "**"))

    def __neg__(self):
        return apply_rule(RULES["neg"], (self,))

    # Python's floor-mod; a plain number on either side becomes a constant leaf
    def __mod__(self, other):
        return apply_rule(RULES["%"], (self, _as_value(other, "%")))

    def __rmod__(self, other):
        return _as_value(other, "%") % self

    # -- functions of one or two variables: exp, sin, atan2, leaky_relu, ... are
    #    made from the table after the class (see `_method`); abs(x) is x.abs().
    def __abs__(self):
        return self.abs()

    # -- comparisons look at the data only and give a plain bool (no node, no
    #    gradient), so `if z > 0:` works. == compares data too, as PyTorch compares
    #    values; hashing stays by identity, so equal Values are still distinct keys.
    __lt__, __le__, __gt__, __ge__, __eq__, __ne__ = map(
        _comparison, (operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne)
    )
    __hash__ = object.__hash__  # by identity: a graph's nodes are dict keys and set members

    def detach(self) -> "Value":
        """A new leaf with the same data and no parents (PyTorch's detach): gradients stop here."""
        return Value(self.data)

    @staticmethod
    def sum(values: Iterable) -> "Value":
        """Σ_k values_k as ONE node (∂sum/∂a_k = 1 for each Value a_k). A plain number
        among `values` becomes a constant leaf, so every term is a parent."""
        if isinstance(values, (Value, str, bytes)) or not hasattr(values, "__iter__"):
            raise TypeError(f"Value.sum: values must be a list of Values (and numbers), e.g. "
                            f"Value.sum([a, b, c]); got {type(values).__name__} {values!r}")
        return apply_rule(RULES["sum"], tuple([_as_value(v, "sum") for v in values]))

    def backward(self, seed: float = 1.0, *, grad=None) -> None:
        """Fill `.grad` of every node upstream of this one with δ_j = ∂self/∂j · seed.

        Interior nodes (those with parents) hold the δ of the latest backward pass:
        they are reset first, so calling backward twice gives the same interior grads.
        Leaves (inputs and parameters) accumulate across calls, as in PyTorch, until
        `zero_grad`; that is what lets a minibatch sum its examples' gradients.
        (`grad=` is the older name of `seed=`.)"""
        if grad is not None:
            warnings.warn("backward(grad=...) is now backward(seed=...)", DeprecationWarning, stacklevel=2)
            seed = grad
        graph.backward(self, as_float(seed, "backward(seed=...)"))
        fast.graph_used()


def weighted_sum(weights: Sequence, inputs: Sequence, bias=None) -> Value:
    """a = Σ_k w_k z_k + b as ONE node, the pre-activation a_j of the lectures.

    Parents are the weights, then the inputs, then the bias (`rules.split_wsum`), with
    local derivatives ∂a/∂w_k = z_k, ∂a/∂z_k = w_k and ∂a/∂b = 1. A plain number among
    them becomes a constant leaf, so the node is recomputed from its parents alone."""
    if len(weights) != len(inputs):
        raise ValueError(f"weighted_sum: {len(weights)} weights but {len(inputs)} inputs; "
                         "give one weight per input")
    parents = [*weights, *inputs] + ([] if bias is None else [bias])
    if set(map(type, parents)) != {Value}:  # a layer of a network has Values only
        parents = [*[_as_value(x, "weighted_sum weight") for x in weights],
                   *[_as_value(x, "weighted_sum input") for x in inputs],
                   *([] if bias is None else [_as_value(bias, "weighted_sum bias")])]
    return apply_rule(RULES["wsum"], tuple(parents))


def zero_grad(values: Iterable[Value]) -> None:
    """Set `.grad = 0` on every given Value (typically a model's parameters)."""
    for v in values:
        v.grad = 0.0


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block new Values record no parents: nothing to backpropagate
    through, nothing kept alive (use it for evaluation and for parameter updates).

    The switch is per thread: a `no_grad` in one thread never affects another. Graphs
    may be built and backpropagated in several threads at once, each its own graph;
    one graph must not be backpropagated from two threads at the same time."""
    token = _recording.set(False)
    try:
        yield
    finally:
        _recording.reset(token)


# ---------------------------------------------------------------------------
# Making nodes
# ---------------------------------------------------------------------------
_new = object.__new__  # Value.__new__: a node is made without __init__'s checks


def _node(data: float, op, parents: tuple, local_grads: tuple) -> Value:
    """A new node: its value, the op that made it, ↑j and ∂j/∂i for each i ∈ ↑j."""
    out = _new(Value)
    out.data, out.grad, out._label = data, 0.0, ""
    if _recording.get():
        out.op, out.parents, out.local_grads = op, parents, local_grads
    else:  # under no_grad: a constant, like a leaf
        out.op, out.parents, out.local_grads = "", (), ()
    fast.node_made()
    return out


def apply_rule(rule: Rule, parents: tuple, consts: tuple = ()) -> Value:
    """Run a row's float rule on the parents' data (and the constants folded into the
    op) and record the result as a node. A rule's error (log of a negative number, exp
    overflow, ...) is re-raised with the op, the operands and the nodes' labels."""
    args = (*[p.data for p in parents], *consts)
    op = op_of(rule, consts)
    try:
        data, local_grads = rule.fn(*args)
    except (ArithmeticError, ValueError) as err:
        raise type(err)(explain(op, parents, args, err)) from None
    if not isfinite(data):  # e.g. 1e200 * 1e200: float ops overflow to inf silently
        raise OverflowError(explain(op, parents, args, "the result is too large for a float"))
    return _node(data, op, parents, local_grads)


def _const(x, op: str) -> tuple[float]:
    if op.startswith("weighted_sum"):
        return (as_float(x, op),)
    return (as_float(x, "operand of {!r} combined with a Value", op),)


def _compared(x):
    """What a Value is compared with: a Value's data or a real number (else NotImplemented,
    so Python falls back to its own answer: `Value(1) == "1"` is False)."""
    if isinstance(x, Value):
        return x.data
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return x
    return NotImplemented


def _as_value(x, op: str) -> Value:
    """x itself if it is a Value, else a constant leaf holding the number x."""
    return x if isinstance(x, Value) else Value(_const(x, op)[0])


# ---------------------------------------------------------------------------
# The functions of the table as methods — x.sin(), x.leaky_relu(0.1), y.atan2(x) —
# made from the rows, so a new op is a row of rules.py and nothing here.
# ---------------------------------------------------------------------------
def _method(rule: Rule):
    """The Value method of a row: run rule.fn on the parents' data, record a node."""
    name = rule.name
    if rule.arity == 1 and not rule.params:

        def method(self):
            return apply_rule(rule, (self,))

    elif rule.arity == 1:  # constants (a slope, clamp's bounds) are written into the op

        def method(self, *given, **named):
            return apply_rule(rule, (self,), constants(rule, given, named, lambda c: _const(c, name)[0]))

    else:  # several parents; a plain number among them becomes a constant leaf

        def method(self, *others):
            if len(others) != rule.arity - 1:
                raise TypeError(f"{name} takes {rule.arity} operands, got {len(others) + 1}")
            return apply_rule(rule, (self, *[_as_value(x, name) for x in others]))

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"{rule.expression}.  " + ";  ".join(rule.derivatives)
    return method


def install(rule: Rule) -> None:
    """Make `rule` (and its NumPy-style aliases) a method of Value."""
    for alias in [rule.name] + [a for a, target in ALIASES.items() if target == rule.name]:
        setattr(Value, alias, _method(rule))


for _rule in list(RULES.values()):
    if is_function(_rule):
        install(_rule)
fast.speed_up(Value, _recording)
weighted_sum = fast.faster_weighted_sum(Value, _recording, weighted_sum)
