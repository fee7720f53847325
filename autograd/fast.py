"""The engine's speed tricks, each with the measurement that justifies it.

Nothing here changes a number: every node made here has the data, op, parents and
local derivatives the readable code of value.py gives it (tests/test_core_fast.py
compares them op by op), and every error is raised by that readable code.

Measured on bench W2's chain x → x·1.0001 + 0 (3·10⁵ links, CPU seconds per link, the
least of 5 fresh processes, CPython 3.11; bench/floor.py, a node with no table, checks or
messages, takes 0.61–0.63 µs forward, 1.30–1.33 µs in all, in the same runs):

    forward, value.py's readable methods only (with 1.)                        3.41 µs
    the hot methods made here from the rows (2.), the collector as Python has it 1.82 µs
    both 1. and 2.                                                             0.85 µs
    build + backward + free: 1.65 µs, 1.24× the floor (2.13 µs, 1.64×, before); with backward
    checking only the leaves for inf or nan, 1.54 µs against the floor's 1.27 (1.21×; bench W2
    at 10⁶ links, medians of 5 rounds)
"""

from __future__ import annotations

import gc
from math import copysign, isfinite
from operator import mul

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
# type) back to the readable method, which raises the explained error. A row with a
# `python` column (+, −, ·) is written out inline, without a call: 1.03 → 0.85 µs per link.
# ---------------------------------------------------------------------------
FOLDED_LIMIT = 10_000  # distinct constants remembered per operator


# The source of a method, filled in from the rows: a row with a `python` column is
# written out inline (`{pair}` and `{const}`), any other row is called through its fn.
_OPERATOR = """
def make(Value, recording, readable, folded, first_use, new, pair_fn, pair_op, const_fn):
    def method(self, other):
        global made
        kind = other.__class__
        if kind is Value:
            a, b = self.data, other.data
{pair}
            op, parents = pair_op, (self, other)
        elif kind is float or kind is int:  # (not bool, whose True == 1)
            known = folded.get(other)  # (op, c): the number's Op, checked and spelled once
            if known is None or (not other and kind is float and copysign(1.0, other) < 0.0):
                return first_use(self, other)  # a new number; or −0.0, equal to 0.0 as a key
            op, c = known
            a = self.data
{const}
            parents = (self,)
        else:
            return readable(self, other)
        if data - data:  # inf − inf and nan − nan are nan (true): overflow, let it explain
            return readable(self, other)
        out = new(Value)
        out.data, out.grad, out._label = data, 0.0, ""
        if recording.get():
            out.op, out.parents, out.local_grads = op, parents, local
        else:  # under no_grad: a constant, like a leaf
            out.op, out.parents, out.local_grads = "", (), ()
        made += 1
        if made == BIG_GRAPH:
            collect_less()
        return out
    return method
"""


def _body(rule, args: str) -> str:
    """The lines computing `data` and `local` for one row, inline where it has a `python` column."""
    pad = " " * 12
    if rule is None:  # x.__rsub__(y) is y − x: never two Values
        return pad + "return readable(self, other)"
    if rule.python is not None:  # the row's source in a, b and c, as this method names them
        value, local = rule.python(["a", "b"][: rule.arity], list(rule.params))
        return pad + f"data, local = {value}, ({', '.join(local)}{',' if len(local) == 1 else ''})"
    fn = "pair_fn" if args == "a, b" else "const_fn"
    return "\n".join([pad + "try:", pad + f"    data, local = {fn}({args})",
                      pad + "except (ArithmeticError, ValueError):", pad + "    return readable(self, other)"])


def _operator(value_class, recording, pair, const, readable):
    """`__add__`-like: Value ⊗ Value by row `pair`, Value ⊗ number by row `const`; the
    node is made as value.py's `_node` makes it, written out here (a call less)."""
    folded: dict = {}  # number → (its Op, the number as a float), e.g. 2 → ("*2", 2.0)

    def first_use(self, other):
        if _plain(other) and len(folded) < FOLDED_LIMIT:
            folded[other] = (op_of(const, (float(other),)), float(other))
            return method(self, other)
        return readable(self, other)

    source = _OPERATOR.format(pair=_body(pair, "a, b"), const=_body(const, "a, c"))
    made_here: dict = {}
    # run in this module's namespace, so that `made` is this module's count
    exec(compile(source, f"<autograd.fast: {readable.__name__}>", "exec"), globals(), made_here)  # noqa: S102
    method = made_here["make"](value_class, recording, readable, folded, first_use, object.__new__,
                               pair and pair.fn, pair and op_of(pair), const.fn)
    method.__name__, method.__doc__ = readable.__name__, readable.__doc__
    method.__module__ = __name__
    return method


def _plain(c) -> bool:
    """A number whose op can be shared: finite, and not −0.0 (equal to 0.0 as a key)."""
    try:
        f = float(c)
    except OverflowError:
        return False
    return isfinite(f) and not (f == 0.0 and copysign(1.0, f) < 0.0)


def _function(value_class, recording, rule, readable):
    """`x.tanh()`-like: a function of one Value without constants."""
    fn, op = rule.fn, op_of(rule)
    new = object.__new__

    def method(self):
        global made
        try:
            data, local = fn(self.data)
        except (ArithmeticError, ValueError):
            return readable(self)
        if data - data:
            return readable(self)
        out = new(value_class)
        out.data, out.grad, out._label = data, 0.0, ""
        if recording.get():
            out.op, out.parents, out.local_grads = op, (self,), local
        else:
            out.op, out.parents, out.local_grads = "", (), ()
        made += 1
        if made == BIG_GRAPH:
            collect_less()
        return out

    method.__name__, method.__doc__ = readable.__name__, readable.__doc__
    return method


# The functions a network or a loss calls once per unit (the rest stay readable).
_FUNCTIONS = frozenset({"tanh", "sigmoid", "relu", "exp", "log", "softplus"})
READABLE: dict = {}  # method name → the readable method of value.py it replaces


def faster_weighted_sum(value_class, recording, readable):
    """value.weighted_sum for a layer of Values (one per unit of a network: W1 builds 3,300
    per step): the row's sum and local derivatives written out, without the generic call
    (2.5 → 1.7 µs for 16 inputs); anything else (numbers, a length mismatch, an overflow)
    goes to the readable one, whose error is raised."""
    op = op_of(RULES["wsum"])
    new = object.__new__

    def weighted_sum(weights, inputs, bias=None):
        global made
        w = [x.data for x in weights if x.__class__ is value_class]
        z = [x.data for x in inputs if x.__class__ is value_class]
        n = len(w)
        if len(z) != n or len(weights) != n or len(inputs) != n:
            return readable(weights, inputs, bias)
        total = sum(map(mul, w, z), 0.0)  # Σ_k w_k z_k, as the row's fn adds it
        if bias is None:
            parents, local = (*weights, *inputs), (*z, *w)  # ∂a/∂w_k = z_k, ∂a/∂z_k = w_k
        elif bias.__class__ is value_class:
            total += bias.data
            parents, local = (*weights, *inputs, bias), (*z, *w, 1.0)  # ∂a/∂b = 1
        else:
            return readable(weights, inputs, bias)
        if total - total:
            return readable(weights, inputs, bias)
        out = new(value_class)
        out.data, out.grad, out._label = total, 0.0, ""
        if recording.get():
            out.op, out.parents, out.local_grads = op, parents, local
        else:
            out.op, out.parents, out.local_grads = "", (), ()
        made += 1
        if made == BIG_GRAPH:
            collect_less()
        return out

    weighted_sum.__doc__ = readable.__doc__
    READABLE["weighted_sum"] = readable
    return weighted_sum


def speed_up(value_class, recording) -> None:
    """Replace Value's hot methods by the faster ones above (the readable ones are kept
    in READABLE, and called for everything unusual)."""
    forms = {"__add__": ("+", "+c"), "__radd__": ("+", "+c"), "__sub__": ("-", "-c"),
             "__rsub__": (None, "c-"), "__mul__": ("*", "*c"), "__rmul__": ("*", "*c"),
             "__truediv__": ("/", "/c"), "__rtruediv__": (None, "c/")}
    for name, (pair, const) in forms.items():
        readable = READABLE.setdefault(name, getattr(value_class, name))
        setattr(value_class, name, _operator(value_class, recording, RULES.get(pair), RULES[const], readable))
    for rule in RULES.values():
        if is_function(rule) and rule.arity == 1 and not rule.params and rule.name in _FUNCTIONS:
            readable = READABLE.setdefault(rule.name, getattr(value_class, rule.name))
            setattr(value_class, rule.name, _function(value_class, recording, rule, readable))

