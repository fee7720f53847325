"""Numbers and names as a student reads them: the one home of formatting and naming.

Every room of deltagrad prints numbers and names nodes through this module, so a node is
called the same in the stepper, the diagram, LaTeX, `deltagrad trace`, compiled programs
and error messages:

- `fmt(x)`: a number to 4 significant digits with a real minus sign (−0.4); `fmt_fixed(x)`
  the fixed-width variant for drawn boxes (trailing zeros kept: -0.5000).
- `node_names(root)`: one stable name per node of a graph: its label, or n<i> for the i-th
  node of the topological order; a name shared by several nodes gets #<i>; an automatic
  name never equals a label (the user's own n2 stays n2, the engine's becomes n2′).
- `node_expression(node, names)`: how a node was computed from its parents, in their names.
- `latex_name`, `latex_number`: the same name and number as LaTeX.
- `delta_name`, `latex_delta`: δ of a node, as text and LaTeX: the lectures' δ[1]_2 for the
  pre-activation a[1]_2, δ[name] for any other node.
- `describe(v)`: a node (or any argument) in an error message.
- `visible(text)`: text with every character drawable (its home is `autograd.escape`).
- `groups(collapse, ids)`: the groups of a `collapse=` argument, read and checked once.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Mapping

from autograd import escape, ops, rules
from autograd.escape import visible  # noqa: F401 - also read as autograd.names.visible
from autograd.graph import topological_order
from autograd.value import Value

__all__ = ["fmt", "fmt_fixed", "node_names", "node_expression", "latex_name", "latex_number",
           "delta_name", "latex_delta", "describe", "groups"]


# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------
def fmt(x: float, digits: int = 4) -> str:
    """A number with `digits` significant digits and a real minus sign: −0.4, 1.25e-07."""
    if x == 0.0:
        return "0"  # also for −0.0: the sign of a zero says nothing to a student
    s = f"{x:.{digits}g}"
    return "−" + s[1:] if s.startswith("-") else s


def fmt_fixed(x: float) -> str:
    """A number to 4 significant digits, trailing zeros kept, for a drawn box where the
    widths should line up: 2 → "2.000", −0.5 → "-0.5000", 1e-5 → "1.000e-05". (−0 prints as 0.)"""
    if x == 0:
        x = 0.0  # no "-0.000"
    if not math.isfinite(x):
        return str(x)
    return f"{x:#.4g}"


def latex_number(x: float) -> str:
    """A number as LaTeX, to 4 significant digits: 1.25\\times 10^{-7}."""
    s = f"{x:.4g}" if x != 0.0 else "0"
    if "e" in s:
        mantissa, exponent = s.split("e")
        s = rf"{mantissa}\times 10^{{{int(exponent)}}}"
    return s


# ---------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------
def describe(v) -> str:
    """A node, or any other argument, as an error message names it."""
    if isinstance(v, Value):
        return f"Value {v.label!r}" if v.label else f"an unlabelled Value (data {v.data:.6g})"
    return f"{type(v).__name__} {v!r}"


# ---------------------------------------------------------------------------
# Node names
# ---------------------------------------------------------------------------
def node_names(root: Value) -> dict[Value, str]:
    """A readable, stable name for every node of root's graph (see the module doc)."""
    order = topological_order(root)
    # a label that is not a str (set after construction) is still shown, as str()
    labels = {node: node.label if isinstance(node.label, str) else str(node.label) for node in order}
    counts = Counter(labels.values())
    taken = set(labels.values())
    names = {}
    for i, node in enumerate(order):
        name = labels[node]
        if not name or counts[name] > 1:
            # an automatic name never takes a name someone gave: the user's own n2 stays n2,
            # and the second node the engine would call n2 becomes n2′
            name = f"{name}#{i}" if name else f"n{i}"
            while name in taken:
                name += "′"
            taken.add(name)
        names[node] = name
    return names


_SYMBOL = {"+": "+", "-": "−", "*": "·", "/": "/", "**": "^", "%": "mod"}


def node_expression(node: Value, names: Mapping[Value, str]) -> str:
    """How a node was computed from its parents, in their names: "w1·x1", "tanh(n6)".

    A leaf is just its name. Plain numbers folded into the op ("*2") are written out."""
    p = [names[x] for x in node.parents]
    op = node.op
    if not op:
        return names[node]
    if op in _SYMBOL and len(p) == 2:
        return f"{p[0]} {_SYMBOL[op]} {p[1]}"
    if op == "neg":
        return f"−{p[0]}"
    if op == "sum":
        return " + ".join(p) if p else "0"
    if op == "wsum":
        # parents: n weights, n inputs, then the bias (lecture 000: a_j = Σ w_jk z_k + b_j)
        weights, inputs, bias = rules.split_wsum(p)
        return " + ".join([f"{w}·{z}" for w, z in zip(weights, inputs)] + list(bias)) or "0"
    rule = ops.rule_for(op)
    if rule is not None and ops.is_function(rule):  # "tanh(n3)", "atan2(y, x)", "clamp(n3, −1, 1)"
        constants = ops.parse_op(op)[1]
        return f"{rule.name}({', '.join(p + [fmt(c) for c in constants])})"
    folded = ops.split_constant(op)
    if folded is not None and len(p) == 1:
        rule = folded[0]
        c = fmt(folded[1])
        symbol = _SYMBOL.get(rule.name.replace("c", ""), rule.name)
        if rule.name.startswith("c"):  # the number comes first: "2−" is 2 − a
            return f"{c} {symbol} {p[0]}"
        if rule.name == "+c" and c.startswith("−"):  # x + (−3) reads as x − 3
            return f"{p[0]} − {c[1:]}"
        return f"{p[0]} {symbol} {c}"
    return f"{op}({', '.join(p)})"


_SCRIPTED = re.compile(r"^([A-Za-z]+)\[(\d+)\]_(?:\{(\d+(?:,\d+)*)\}|(\d+))$")  # w[2]_{1,3}, a[1]_2
_INDEXED = re.compile(r"^([A-Za-z])(\d+)$")  # x1, w2, n7


def latex_name(name: str) -> str:
    """A node name as LaTeX, the same name the text shows: the engine's network labels
    as math, the layer as the lectures' superscript (a[1]_2 → a^{(1)}_{2}, w[2]_{1,3} →
    w^{(2)}_{1,3}, x1 → x_{1}); any other name as \\text{...}, escaped by `autograd.escape.tex`
    (so a name such as jane_doe or \\input{x} is printed as written, never read as TeX)."""
    m = _SCRIPTED.fullmatch(name)
    if m:
        return rf"{m[1]}^{{({m[2]})}}_{{{m[3] or m[4]}}}"
    m = _INDEXED.fullmatch(name)
    if m:
        return rf"{m[1]}_{{{m[2]}}}"
    return r"\text{" + escape.tex(name) + "}"


_PRE_ACTIVATION = re.compile(r"^a\[(\d+)\]_(\d+)$")  # a[l]_j, as nn labels it


def delta_name(name: str) -> str:
    """δ of the node called `name`: δ[1]_2 for the pre-activation a[1]_2 (the lectures'
    δ^{(1)}_2 = ∂E/∂a^{(1)}_2, one name in the op-level and the unit-level steps), else δ[name]."""
    m = _PRE_ACTIVATION.match(name)
    return f"δ[{m[1]}]_{m[2]}" if m else f"δ[{name}]"


def latex_delta(name: str) -> str:
    """`delta_name` as LaTeX: \\delta^{(1)}_{2}, or \\delta_{x_{1}}."""
    m = _PRE_ACTIVATION.match(name)
    return rf"\delta^{{({m[1]})}}_{{{m[2]}}}" if m else rf"\delta_{{{latex_name(name)}}}"


# ---------------------------------------------------------------------------
# Groups of nodes (the boxes of a collapsed drawing or stepper)
# ---------------------------------------------------------------------------
def groups(collapse, ids: Mapping[Value, str]) -> list[tuple[str, list[Value]]]:
    """(name, members in topological order) for each group of `collapse`, checked.

    `ids` numbers the nodes of the graph ("n0", "n1", ... in topological order)."""
    if collapse is None:
        return []
    items = collapse.items() if isinstance(collapse, Mapping) else collapse
    found, owner = [], {}
    for item in items:
        try:
            name, members = item
        except (TypeError, ValueError):
            raise TypeError(
                f"draw: collapse= takes (name, nodes) pairs or a {{name: nodes}} mapping; got {item!r}"
            ) from None
        members = list(members)
        if not members:
            raise ValueError(f"draw: the group {name!r} of collapse= has no nodes")
        for v in members:
            if not isinstance(v, Value) or v not in ids:
                raise ValueError(f"draw: the group {name!r} of collapse= holds {describe(v)}, "
                                 "which is not part of this graph")
            if v in owner and owner[v] != name:
                raise ValueError(f"draw: {describe(v)} is in two groups of collapse=, "
                                 f"{owner[v]!r} and {name!r}; a node can be in one box only")
            owner[v] = name
        found.append((visible(name), sorted(set(members), key=lambda v: int(ids[v][1:]))))
    return found
