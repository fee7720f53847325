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

import gc
import numbers
import operator
import threading
from itertools import chain
from math import copysign, isfinite
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterable, Iterator, Sequence

from autograd import rules

# Whether new nodes record their parents: switched off inside `no_grad()`, for the
# current thread (and asyncio task) only — a context variable, not a global.
_grad_enabled: ContextVar[bool] = ContextVar("deltagrad_grad_enabled", default=True)
_no_grad_blocks = 0  # open no_grad blocks in all threads: while 0, nodes need not ask the variable
_no_grad_lock = threading.Lock()
_GRAD = operator.attrgetter("grad")
_PARENTS = operator.attrgetter("parents")


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
        self._label = _check_label(label, self)
        self.op = ""  # "" for a leaf (an input, a weight, a constant)
        self.parents: tuple[Value, ...] = ()  # ↑j, in argument order
        self.local_grads: tuple[float, ...] = ()  # ∂self/∂parent, same order

    @property
    def label(self) -> str:
        """The node's name in drawings and steps; checked whenever it is set."""
        return self._label

    @label.setter
    def label(self, label: str) -> None:
        self._label = _check_label(label, self)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{label})"

    # -- arithmetic: Value op Value makes a two-parent node; Value op number folds
    #    the number into the op name ("*2") and the local derivative.
    def __add__(self, other):
        if isinstance(other, Value):
            return _apply("+", rules.add, (self, other), (self.data, other.data))
        op, c = _folded("+", other)
        return _apply(op, rules.add_const, (self,), (self.data, c))

    __radd__ = __add__

    def __sub__(self, other):
        if isinstance(other, Value):
            return _apply("-", rules.sub, (self, other), (self.data, other.data))
        op, c = _folded("-", other)
        return _apply(op, rules.sub_const, (self,), (self.data, c))

    def __rsub__(self, other):
        op, c = _folded(other, "-")
        return _apply(op, rules.const_sub, (self,), (self.data, c))

    def __mul__(self, other):
        if isinstance(other, Value):
            return _apply("*", rules.mul, (self, other), (self.data, other.data))
        op, c = _folded("*", other)
        return _apply(op, rules.mul_const, (self,), (self.data, c))

    __rmul__ = __mul__

    def __truediv__(self, other):
        if isinstance(other, Value):
            return _apply("/", rules.div, (self, other), (self.data, other.data))
        op, c = _folded("/", other)
        return _apply(op, rules.div_const, (self,), (self.data, c))

    def __rtruediv__(self, other):
        op, c = _folded(other, "/")
        return _apply(op, rules.const_div, (self,), (self.data, c))

    def __pow__(self, other):
        if isinstance(other, Value):
            return _apply("**", rules.power, (self, other), (self.data, other.data))
        op, c = _folded("**", other)
        return _apply(op, rules.power_const, (self,), (self.data, c))

    def __rpow__(self, other):
        op, c = _folded(other, "**")
        return _apply(op, rules.const_power, (self,), (self.data, c))

    def __neg__(self):
        return _apply("neg", rules.neg, (self,), (self.data,))

    # Python's floor-mod; a plain number on either side becomes a constant leaf
    def __mod__(self, other):
        other = _as_value(other, "%")
        return _apply("%", rules.RULES["%"].fn, (self, other), (self.data, other.data))

    def __rmod__(self, other):
        return _as_value(other, "%") % self

    # -- functions of one or two variables: exp, sin, atan2, leaky_relu, ... are
    #    generated from the table after the class (see `_method`); abs(x) is x.abs().
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
        """A new leaf with the same data and no parents (PyTorch's detach): gradients
        stop here."""
        return Value(self.data)

    @staticmethod
    def sum(values: Iterable) -> "Value":
        """Σ_k values_k as ONE node (∂sum/∂a_k = 1 for each Value a_k).

        A plain number among `values` becomes a constant leaf, so every term is a
        parent and the node is recomputed from its parents alone (`rules.parse_op`)."""
        if isinstance(values, (Value, str, bytes)) or not hasattr(values, "__iter__"):
            raise TypeError(f"Value.sum: values must be a list of Values (and numbers), e.g. "
                            f"Value.sum([a, b, c]); got {type(values).__name__} {values!r}")
        values = list(values)
        if set(map(type, values)) != {Value}:  # the usual case is Values only
            values = [_as_value(v, "sum") for v in values]
        total = sum([v.data for v in values])  # as rules "sum" computes it
        return _node(_finite(total, "sum", values), "sum", tuple(values), (1.0,) * len(values))

    # -- the backward pass
    def backward(self, grad: float = 1.0) -> None:
        """Fill `.grad` of every node upstream of this one with δ_j = ∂self/∂j · grad.

        Interior nodes (those with parents) hold the δ of the latest backward pass:
        they are reset first, so calling backward twice gives the same interior grads.
        Leaves (inputs and parameters) accumulate across calls, as in PyTorch, until
        `zero_grad`; that is what lets a minibatch sum its examples' gradients.
        """
        seed = as_float(grad, "backward(grad=...)")
        if not self.parents:  # a leaf: ∂self/∂self = 1, nothing upstream
            self.grad += seed
            return
        # Leaves pass nothing on, so the sweep visits the interior nodes only; the
        # search sets their δ to 0 (see `_interior_order`).
        interior = _interior_order(self)
        self.grad = seed
        for node in reversed(interior):  # root first: every δ_k is final before use
            delta = node.grad
            for parent, local in zip(node.parents, node.local_grads):
                parent.grad += local * delta  # δ_j += δ_k · ∂k/∂j
        _collect_as_before()
        # A δ that overflowed (or met an infinite local derivative) reaches every node
        # upstream of it as inf or nan. Every node but the root is a parent of an
        # interior node, so one sum over the parents' grads notices it (at C speed);
        # only then is the graph searched, to name the culprit.
        if not isfinite(sum(map(_GRAD, chain.from_iterable(map(_PARENTS, interior))))):
            _raise_if_not_finite(topological_order(self))


def weighted_sum(weights: Sequence, inputs: Sequence, bias=None) -> Value:
    """a = Σ_k w_k z_k + b as ONE node, the pre-activation a_j of the lectures.

    Parents are the weights, then the inputs, then the bias, with local derivatives
    ∂a/∂w_k = z_k, ∂a/∂z_k = w_k and ∂a/∂b = 1. A plain number among them becomes a
    constant leaf, so the node is recomputed from its parents alone (`rules.parse_op`)."""
    if len(weights) != len(inputs):
        raise ValueError(
            f"weighted_sum: {len(weights)} weights but {len(inputs)} inputs; "
            "give one weight per input"
        )
    w = [x.data for x in weights if x.__class__ is Value]
    z = [x.data for x in inputs if x.__class__ is Value]
    if len(w) + len(z) != 2 * len(weights):  # not all Values (a layer of a network is)
        weights = [_as_value(x, "weighted_sum weight") for x in weights]
        inputs = [_as_value(x, "weighted_sum input") for x in inputs]
        w = [x.data for x in weights]
        z = [x.data for x in inputs]
    total = sum(map(operator.mul, w, z))  # as rules "wsum" computes it
    if bias is None:
        parents, local = (*weights, *inputs), (*z, *w)  # ∂a/∂w_k = z_k, ∂a/∂z_k = w_k
    else:
        bias = _as_value(bias, "weighted_sum bias")
        total += bias.data
        parents, local = (*weights, *inputs, bias), (*z, *w, 1.0)  # ∂a/∂b = 1
    return _node(_finite(total, "wsum", parents), "wsum", parents, local)


def topological_order(root: Value | Sequence[Value]) -> list[Value]:
    """Every node of root's graph, parents before children, root last.

    Given several roots (a list), the union of their graphs, each node once, searched
    from the first root first; for one root in a list it is the order of that root.

    Iterative depth-first search (no recursion, so a 10⁶-deep chain is fine);
    parents are visited in argument order, so the order is the same on every run.

    The stack holds nodes still to visit. Below a node's parents sits the marker
    `_PARENTS_DONE` with the node itself under it: popping the marker means all
    of that node's parents are in `order`, so the node goes next (post-order).
    A marker instead of (node, flag) pairs saves a tuple per node; a parent already
    seen is skipped when it is popped."""
    order: list[Value] = []
    seen: set[Value] = set()
    stack: list = [root] if isinstance(root, Value) else list(reversed(root))
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


_PARENTS_DONE = object()  # stack marker of topological_order


def _interior_order(root: Value) -> list[Value]:
    """The nodes of root's graph that have parents, parents before children: the
    interior nodes of `topological_order(root)`, in the same order.

    Each is also given the δ 0 to start from. That 0 is a float made for this
    search, so `node.grad is start` says the node was already reached: no set of
    seen nodes is kept (it would cost more memory than the graph's δs)."""
    start = float("0")  # a new object, distinct from every grad now alive
    order: list[Value] = []
    stack: list = [root]
    while stack:
        node = stack.pop()
        if node is _PARENTS_DONE:
            order.append(stack.pop())
        elif node.grad is not start:  # (a node may be on the stack twice)
            node.grad = start
            stack += (node, _PARENTS_DONE)
            for parent in reversed(node.parents):  # so that the first parent pops first
                if parent.parents and parent.grad is not start:
                    stack.append(parent)
    return order


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
    global _no_grad_blocks
    token = _grad_enabled.set(False)
    with _no_grad_lock:
        _no_grad_blocks += 1
    try:
        yield
    finally:
        _grad_enabled.reset(token)
        with _no_grad_lock:
            _no_grad_blocks -= 1


# ---------------------------------------------------------------------------
# Making nodes
# ---------------------------------------------------------------------------
_new = object.__new__  # Value.__new__: a node is made without __init__'s checks


def _node(data: float, op: str, parents: tuple, local_grads: tuple) -> Value:
    """Make a graph node without re-validating `data` (the rules produce floats)."""
    global _made
    _made += 1
    if _made == _BIG_GRAPH:  # a big graph is being built: see "the cycle collector" below
        _collect_less()
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out._label = ""
    if _no_grad_blocks and not _grad_enabled.get():  # under no_grad: a constant, like a leaf
        out.op, out.parents, out.local_grads = "", (), ()
    else:
        out.op, out.parents, out.local_grads = op, parents, local_grads
    return out


def _apply(op: str, rule, parents: tuple, args: tuple) -> Value:
    """Run a derivative rule and record the result as a node with these parents.

    `args` are the numbers the rule takes: the parents' data, then any constant
    folded into the op (the callers spell both tuples out: building them there is
    cheaper than collecting *args here, and this is the hottest path of the engine).
    A rule's error (log of a negative number, exp overflow, ...) is re-raised with
    the op, the operand values and the nodes' labels, so a student sees where."""
    try:
        data, local_grads = rule(*args)
    except (ArithmeticError, ValueError) as err:
        raise type(err)(_explain(op, parents, args, err)) from None
    if not isfinite(data):  # e.g. 1e200 * 1e200: float ops overflow to inf silently
        err = OverflowError("the result is too large for a float")
        raise OverflowError(_explain(op, parents, args, err))
    return _node(data, op, parents, local_grads)


def _explain(op: str, parents, args, err: Exception) -> str:
    operands = ", ".join(f"{_name(p)} = {p.data!r}" for p in parents)
    extra = "".join(f", constant {c!r}" for c in args[len(parents):])
    return f"{op}: {err} (operand {operands}{extra})"


def _name(v: Value) -> str:
    if v.label:
        return f"node {v.label!r}"
    if v.op:
        return f"unlabelled node made by {v.op!r}"
    return "unlabelled leaf"


def _finite(total: float, op: str, parents) -> float:
    if not isfinite(total):
        names = ", ".join(_name(p) for p in parents[:5])
        raise OverflowError(f"{op}: the result is too large for a float (operands {names}, ...)")
    return total


def as_float(x, what: str, *what_args) -> float:
    """Accept int, float and numpy floating/integer scalars; reject everything else.

    `what` names the argument in the error message, formatted with `what_args` only
    when there is an error (formatting it on every call would cost more than the check)."""
    # Plain float and int are checked first: the numbers.Real ABC test is slow.
    if type(x) is not float and type(x) is not int:
        if isinstance(x, bool) or not isinstance(x, numbers.Real):
            raise TypeError(
                f"{what.format(*what_args)}: expected a real number (int or float), "
                f"got {type(x).__name__} {x!r}"
            )
    try:
        f = float(x)
    except OverflowError:  # an int beyond ±1.8e308 (its repr may be too long to print)
        shown = _Shown(f"<an integer of about {int(x.bit_length() * 0.30103) + 1} digits>")
        raise ValueError(
            f"{what.format(*[shown if a is x else a for a in what_args])}: too large for a float "
            "(at most about 1.8e308)"
        ) from None
    if not isfinite(f):
        raise ValueError(f"{what.format(*what_args)}: {f} is not a finite number")
    return f


class _Shown(str):
    """Text that an error message shows as it is, also where it formats with !r."""

    __repr__ = str.__str__


def _check_label(label, node: Value) -> str:
    """A label must be text that can be drawn: a str with no NUL and no lone surrogate
    (neither can be written to a file as UTF-8, so Graphviz and browsers never see them)."""
    if type(label) is str and label.isascii() and "\x00" not in label:
        return label  # the usual case, checked cheaply
    if not isinstance(label, str):
        problem = f"must be a str, got {type(label).__name__} {label!r}"
    elif "\x00" in label:
        problem = f"{label!r} contains a NUL character (\\x00), which cannot be drawn; remove it"
    elif any("\ud800" <= ch <= "\udfff" for ch in label):
        problem = f"{label!r} contains a lone surrogate, which is not a character and cannot be drawn"
    else:
        return label
    # a node being made has its data but no op yet; a node being relabelled has both
    where = f" (setting the label of {_name(node)})" if hasattr(node, "op") else f" (making Value({node.data!r}))"
    raise TypeError(f"Value label {problem}{where}") if not isinstance(label, str) else \
        ValueError(f"Value label {problem}{where}")


def _const(x, op: str) -> float:
    return as_float(x, "operand of {!r} combined with a Value", op)


def _data(x, what: str) -> float:
    return x.data if isinstance(x, Value) else as_float(x, what)


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
    return x if isinstance(x, Value) else Value(_const(x, op))


def _raise_if_not_finite(order: list) -> None:
    """Name the node nearest the root whose δ is inf or nan, and the term that made it."""
    for node in reversed(order):
        if not isfinite(node.grad):
            break
    else:
        return  # all finite: only their sum overflowed
    what = f"backward: the δ (∂root/∂j) of the {_name(node)} is {node.grad!r}, not a finite number"
    for k in order:  # the consumers k of node: their δ_k are finite (nearer the root)
        for parent, local in zip(k.parents, k.local_grads):
            if parent is node and not isfinite(local * k.grad):
                operands = ", ".join(repr(p.data) for p in k.parents)
                raise OverflowError(
                    f"{what}: its term from the {_name(k)} ({k.op!r} of {operands}) is "
                    f"δ_k·∂k/∂j = {k.grad!r}·({local!r}). Rescale the inputs or rewrite the "
                    "expression so that no derivative overflows"
                )
    raise OverflowError(f"{what}: the sum of its terms overflows. Rescale the inputs")


_fmt = rules.number_text
_FOLDED: dict = {}  # ("*", 2.0) → ("*2", 2.0): checked and formatted once, shared by every node


def _folded(before, after) -> tuple[str, float]:
    """The op of an arithmetic operator with a plain number, and the number as a float:
    _folded("*", 2) is ("*2", 2.0), _folded(3, "-") is ("3-", 3.0) (rules.parse_op reads
    the ops back). A bad number raises the error of `as_float`, naming the operator.

    Remembered for ints and floats, so a chain x·1.0001 + 0 of 10⁶ links checks and
    formats two numbers, not 2·10⁶, and its nodes share two strings."""
    symbol_first = before.__class__ is str
    c = after if symbol_first else before
    cached = c.__class__ is float or c.__class__ is int  # (not bool, whose True == 1)
    if cached and (c != 0.0 or copysign(1.0, c) > 0.0):  # −0.0 has the key of 0.0, not its text
        folded = _FOLDED.get((before, after))
        if folded is not None:
            return folded
    else:
        cached = False
    symbol = before if symbol_first else after
    c = as_float(c, "operand of {!r} combined with a Value", symbol)
    folded = (before + _fmt(c), c) if symbol_first else (_fmt(c) + after, c)
    if cached and len(_FOLDED) < 10_000:
        _FOLDED[before, after] = folded
    return folded


# ---------------------------------------------------------------------------
# The cycle collector and graphs. A graph holds no reference cycle (a node points
# only at parents made before it), so the cycle collector never finds garbage in
# one; yet with CPython's settings (700, 10, 10) it walks every node again and again
# while the graph is built and used: a young collection every 700 new containers,
# and full collections over a heap that keeps growing. That was 6 ms of a 45 ms
# training step of bench W1, and half the build time of W2's 10⁶-link chain.
#
# So once 2¹⁰ nodes have been made since the last backward pass:
# - full collections are made rare (threshold 2 → 1000) until backward() ends;
# - young collections wait for 20,000 new containers instead of 700, so that a
#   training step's graph is built, used and freed without being walked. This one
#   stays while big graphs are being made (the previous graph is usually still
#   alive when the next one is built), and is put back by the first backward pass
#   of a small graph. Cycles made elsewhere meanwhile are still collected, later.
# ---------------------------------------------------------------------------
_BIG_GRAPH = 1 << 10
_YOUNG, _RARE = 20_000, 1000
_made = 0  # nodes made since the last backward pass (a count: threads may race, harmlessly)
_saved_threshold: tuple | None = None  # the settings before the first big graph


def _collect_less() -> None:
    global _saved_threshold
    threshold = gc.get_threshold()
    if _saved_threshold is None:
        _saved_threshold = threshold
    gc.set_threshold(max(threshold[0], _YOUNG), threshold[1], max(threshold[2], _RARE))


def _collect_as_before() -> None:
    """At the end of a backward pass: full collections as before; young ones too if
    this graph was small."""
    global _made, _saved_threshold
    if _saved_threshold is not None:
        if _made < _BIG_GRAPH:
            gc.set_threshold(*_saved_threshold)
            _saved_threshold = None
        else:
            young, middle, _ = gc.get_threshold()
            gc.set_threshold(young, middle, _saved_threshold[2])
    _made = 0


# ---------------------------------------------------------------------------
# The functions of the table as methods — x.sin(), x.leaky_relu(0.1), y.atan2(x) —
# made from the rows, so a new op is a row of rules.py and nothing here.
# ---------------------------------------------------------------------------
def _method(rule: rules.Rule):
    """The Value method of a row: run rule.fn on the parents' data, record a node."""
    name, fn = rule.name, rule.fn
    if rule.arity == 1 and not rule.params:

        def method(self):
            return _apply(name, fn, (self,), (self.data,))

    elif rule.arity == 1:  # constants (a slope, clamp's bounds) are written into the op

        def method(self, *given, **named):
            consts = rules.constants(rule, given, named, lambda c: _const(c, name))
            return _apply(rules.spell(name, consts), fn, (self,), (self.data, *consts))

    else:  # several parents; a plain number among them becomes a constant leaf

        def method(self, *others):
            if len(others) != rule.arity - 1:
                raise TypeError(f"{name} takes {rule.arity} operands, got {len(others) + 1}")
            parents = (self, *[_as_value(x, name) for x in others])
            return _apply(name, fn, parents, tuple([p.data for p in parents]))

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"{rule.expression}.  " + ";  ".join(rule.derivatives)
    return method


def install(rule: rules.Rule) -> None:
    """Make `rule` (and its NumPy-style aliases) a method of Value."""
    for alias in [rule.name] + [a for a, target in rules.ALIASES.items() if target == rule.name]:
        setattr(Value, alias, _method(rule))


for _rule in rules.RULES.values():
    if rules.is_function(_rule):
        install(_rule)
