"""The engine's speed tricks, each with the measurement that justifies it.

Nothing here changes a number: every node made here has the data, op, parents and
local derivatives the readable code of value.py gives it (tests/test_core_fast.py
compares them op by op), and every error is raised by that readable code.

Measured on the 10⁶-link chain x → x·1.0001 + 0 of bench W2 (CPython 3.11, one
process, µs per link; bench/floor.py, the least a node can cost in Python, 0.66–0.87
forward in the same runs):

    forward, readable methods only (value.py)          1.42
    + the cycle collector left alone while big graphs are built (below)
    + the hot methods made here                         0.91
"""

from __future__ import annotations

import gc
from math import copysign, isfinite

from autograd.ops import is_function, op_of
from autograd.rules import RULES

# ---------------------------------------------------------------------------
# 1. The cycle collector. A graph holds no reference cycle (a node points only at
# parents made before it), so the collector never finds garbage in one; yet with
# CPython's settings (700, 10, 10) it walks every node again and again while the
# graph is built and used: a young collection every 700 new containers, and full
# collections over a heap that keeps growing. That was 6 ms of a 45 ms training step
# of bench W1, and half the build time of W2's 10⁶-link chain.
#
# So once 2¹⁰ nodes have been made since the last backward pass:
# - full collections are made rare (threshold 2 → 1000) until backward() ends;
# - young collections wait for 20,000 new containers instead of 700, so that a
#   training step's graph is built, used and freed without being walked. This one
#   stays while big graphs are being made (the previous graph is usually still
#   alive when the next one is built), and is put back by the first backward pass
#   of a small graph. Cycles made elsewhere meanwhile are still collected, later.
# ---------------------------------------------------------------------------
BIG_GRAPH = 1 << 10
YOUNG, RARE = 20_000, 1000
made = 0  # nodes made since the last backward pass (a count: threads may race, harmlessly)
saved_threshold: tuple | None = None  # the settings before the first big graph


def node_made() -> None:
    global made
    made += 1
    if made == BIG_GRAPH:  # a big graph is being built
        collect_less()


def collect_less() -> None:
    global saved_threshold
    threshold = gc.get_threshold()
    if saved_threshold is None:
        saved_threshold = threshold
    gc.set_threshold(max(threshold[0], YOUNG), threshold[1], max(threshold[2], RARE))


def graph_used() -> None:
    """At the end of a backward pass: full collections as before; young ones too if
    this graph was small."""
    global made, saved_threshold
    if saved_threshold is not None:
        if made < BIG_GRAPH:
            gc.set_threshold(*saved_threshold)
            saved_threshold = None
        else:
            young, middle, _ = gc.get_threshold()
            gc.set_threshold(young, middle, saved_threshold[2])
    made = 0


# ---------------------------------------------------------------------------
# 2. The hot methods, made from the same rows. The readable `x * 2` checks the number,
# spells its op "*2" and calls the generic `_apply`; made here, it looks the number's
# Op up in a dict (checked and spelled once per constant), calls the row's fn and
# makes the node, and hands anything unusual (an error, an overflow, a −0.0, another
# type) back to the readable method, which raises the explained error.
# Forward of the W2 chain: 1.42 → 0.91 µs per link.
# ---------------------------------------------------------------------------
FOLDED_LIMIT = 10_000  # distinct constants remembered per operator


def _operator(value_class, new_node, pair, const, readable):
    """`__add__`-like: Value ⊗ Value by row `pair`, Value ⊗ number by row `const`."""
    pair_fn, pair_op = (pair.fn, op_of(pair)) if pair else (None, None)  # None: x.__rsub__(y) is y − x
    const_fn = const.fn
    folded: dict = {}  # number → its Op, e.g. 2 → "*2"

    def method(self, other):
        kind = other.__class__
        if kind is value_class:
            if pair_fn is None:
                return readable(self, other)
            try:
                data, local = pair_fn(self.data, other.data)
            except (ArithmeticError, ValueError):
                return readable(self, other)
            if data - data:  # inf − inf and nan − nan are nan (true): overflow, let it explain
                return readable(self, other)
            return new_node(data, pair_op, (self, other), local)
        if kind is not float and kind is not int:  # (not bool, whose True == 1)
            return readable(self, other)
        op = folded.get(other)
        if op is None:
            if not _plain(other) or len(folded) >= FOLDED_LIMIT:
                return readable(self, other)
            op = folded[other] = op_of(const, (float(other),))
        elif not other and kind is float and copysign(1.0, other) < 0.0:  # −0.0 found 0.0's Op
            return readable(self, other)
        try:
            data, local = const_fn(self.data, op.constants[0])
        except (ArithmeticError, ValueError):
            return readable(self, other)
        if data - data:
            return readable(self, other)
        return new_node(data, op, (self,), local)

    method.__name__, method.__doc__ = readable.__name__, readable.__doc__
    return method


def _plain(c) -> bool:
    """A number whose op can be shared: finite, and not −0.0 (equal to 0.0 as a key)."""
    try:
        f = float(c)
    except OverflowError:
        return False
    return isfinite(f) and not (f == 0.0 and copysign(1.0, f) < 0.0)


def _function(new_node, rule, readable):
    """`x.tanh()`-like: a function of one Value without constants."""
    fn, op = rule.fn, op_of(rule)

    def method(self):
        try:
            data, local = fn(self.data)
        except (ArithmeticError, ValueError):
            return readable(self)
        if data - data:
            return readable(self)
        return new_node(data, op, (self,), local)

    method.__name__, method.__doc__ = readable.__name__, readable.__doc__
    return method


# The functions a network or a loss calls once per unit (the rest stay readable).
_FUNCTIONS = frozenset({"tanh", "sigmoid", "relu", "exp", "log", "softplus"})
READABLE: dict = {}  # method name → the readable method of value.py it replaces


def speed_up(value_class, new_node) -> None:
    """Replace Value's hot methods by the faster ones above (the readable ones are kept
    in READABLE, and called for everything unusual)."""
    forms = {"__add__": ("+", "+c"), "__radd__": ("+", "+c"), "__sub__": ("-", "-c"),
             "__rsub__": (None, "c-"), "__mul__": ("*", "*c"), "__rmul__": ("*", "*c"),
             "__truediv__": ("/", "/c"), "__rtruediv__": (None, "c/")}
    for name, (pair, const) in forms.items():
        readable = READABLE.setdefault(name, getattr(value_class, name))
        setattr(value_class, name, _operator(value_class, new_node, RULES.get(pair), RULES[const], readable))
    for rule in RULES.values():
        if is_function(rule) and rule.arity == 1 and not rule.params and rule.name in _FUNCTIONS:
            readable = READABLE.setdefault(rule.name, getattr(value_class, rule.name))
            setattr(value_class, rule.name, _function(new_node, rule, readable))

