"""The table put to use: a node's op string, and the table's functions.

Op strings
----------
A node's `op` names its row and carries every constant, so a node can always be
recomputed from its parents and its op alone (a node made under `no_grad` is a leaf,
op "", since it records no parents):

    parse_op(node.op) -> (rule, constants)
    rule.fn(*(p.data for p in node.parents), *constants) == (node.data, node.local_grads)

Ops of the arithmetic operators with a plain number put the number next to the symbol:
"+2", "*0.5", "/4", "**3", "-1" (a − 1) and, with the number first, "3-", "8/", "2**"; the
number may carry its own sign ("+-1"). Functions with constants write them in
parentheses, as their call does: "leaky_relu(0.01)", "elu(1)", "clamp(-1,1)". Numbers are
written exactly (integers without ".0", others with `repr`), so they round-trip.

The op a node stores is an `Op`: that text, holding also the row the node was made
with. So a graph keeps computing what it was built with (in `grad(create_graph=True)`,
`hessian`, `compile`) even after `define(..., replace=True)` changes the row of its name.

Functions
---------
`FUNCTIONS` holds every function of the table for a float (giving a float) or a Value
(giving a node): sin(0.5) is a float, sin(Value(0.5)) a node. `autograd` exports them.
"""

from __future__ import annotations

import math
import re
from typing import Callable

from autograd.rules import ALIASES, RULES, Rule, split_wsum

__all__ = ["OPERATORS", "is_function", "Op", "number_text", "spell", "op_of", "parse_op", "split_constant", "rule_for", "formula",
           "constants", "function", "FUNCTIONS", "UNARY", "register"]


# The ops a Python operator makes; every other named row with a fixed number of
# parents is also a function (autograd.sin) and a method (x.sin()).
OPERATORS = frozenset({"+", "-", "*", "/", "**", "%", "neg", "+c", "-c", "c-", "*c", "/c", "c/",
                       "**c", "c**"})


def is_function(rule: Rule) -> bool:
    """True for the rows that are functions and Value methods ("sin", "atan2", ...)."""
    return rule.name not in OPERATORS and rule.arity is not None


class Op(str):
    """A node's op as text ("*2", "tanh", "clamp(-1,1)") that also keeps the row it was
    made with (`.rule`) and the constants written in it (`.constants`)."""

    def __new__(cls, text: str, rule: Rule, constants: tuple = ()):
        op = super().__new__(cls, text)
        op.rule, op.constants = rule, constants
        return op


def number_text(f: float) -> str:
    """A number as it appears in an op: 2.0 → "2", 0.5 → "0.5"; exact (repr) otherwise."""
    if f.is_integer() and abs(f) < 1e15 and not (f == 0.0 and math.copysign(1.0, f) < 0.0):
        return str(int(f))
    return repr(f)


_SYMBOL_FIRST = {"+c": "+", "-c": "-", "*c": "*", "/c": "/", "**c": "**"}
_NUMBER_FIRST = {"c-": "-", "c/": "/", "c**": "**"}


def spell(name: str, constants: tuple[float, ...] = ()) -> str:
    """The op string of rule `name` with these constants: ("*c", (2.0,)) → "*2",
    ("leaky_relu", (0.01,)) → "leaky_relu(0.01)". The inverse of `parse_op`."""
    if name in _SYMBOL_FIRST:
        return _SYMBOL_FIRST[name] + number_text(constants[0])
    if name in _NUMBER_FIRST:
        return number_text(constants[0]) + _NUMBER_FIRST[name]
    if constants:
        return f"{name}({','.join(map(number_text, constants))})"
    return name


_OPS: dict = {}  # (id of the row, constants) → its Op: the nodes of a network share a few


def op_of(rule: Rule, constants: tuple[float, ...] = ()) -> Op:
    """The Op a node made by `rule` with these constants stores."""
    key = (id(rule), constants)  # (the Op kept holds its row, so the id is not reused)
    if 0.0 in constants:  # −0.0 == 0.0 as a key, but its text differs
        key = (id(rule), tuple(map(repr, constants)))
    op = _OPS.get(key)
    if op is None:
        op = Op(spell(rule.name, constants), rule, constants)
        if len(_OPS) < 10_000:
            _OPS[key] = op
    return op


# Ops with a folded constant put the number after the symbol ("+2", "*0.5", "/4",
# "**3", "-1") or before it ("3-", "8/", "2**"); the number may carry its own sign ("+-1").
_SYMBOL_THEN_NUMBER = re.compile(r"(\+|-|\*\*|\*|/)(.+)")
_NUMBER_THEN_SYMBOL = re.compile(r"(.+?)(-|/|\*\*)")
_CALL = re.compile(r"(\w+)\((.*)\)")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def split_constant(op: str) -> tuple[Rule, float] | None:
    """For an op with a folded constant, its rule and the constant: "*2" → (*c, 2.0)."""
    if isinstance(op, Op):
        return (op.rule, op.constants[0]) if op.rule.name in _SYMBOL_FIRST or op.rule.name in _NUMBER_FIRST \
            else None
    m = _SYMBOL_THEN_NUMBER.fullmatch(op)
    if m and _is_number(m.group(2)) and m.group(1) + "c" in RULES:
        return RULES[m.group(1) + "c"], float(m.group(2))
    m = _NUMBER_THEN_SYMBOL.fullmatch(op)
    if m and _is_number(m.group(1)) and "c" + m.group(2) in RULES:
        return RULES["c" + m.group(2)], float(m.group(1))
    return None


def parse_op(op: str) -> tuple[Rule, tuple[float, ...]]:
    """The rule behind a node's op string and the constants written in it:

        "tanh" → (tanh, ()), "*2" → (*c, (2.0,)), "clamp(-1,1)" → (clamp, (-1.0, 1.0))

    so that rule.fn(*(p.data for p in node.parents), *constants) gives back exactly
    node.data and node.local_grads. A node's own op (an `Op`) gives the row it was made
    with; plain text is read against today's table. Raises ValueError for an op no row knows."""
    if isinstance(op, Op):
        return op.rule, op.constants
    rule = RULES.get(op)
    if rule is not None and not rule.params:
        return rule, ()
    m = _CALL.fullmatch(op)
    if m and m.group(1) in RULES:
        rule = RULES[m.group(1)]
        texts = m.group(2).split(",")
        if len(texts) == len(rule.params) and all(map(_is_number, texts)):
            return rule, tuple(float(t) for t in texts)
    folded = split_constant(op)
    if folded is not None:
        return folded[0], (folded[1],)
    raise ValueError(f"no rule in the derivative table for the op {op!r}")


def rule_for(op: str) -> Rule | None:
    """The rule behind a node's op string ("*2" → "*c", "elu(1)" → "elu"), or None."""
    try:
        return parse_op(op)[0]
    except ValueError:
        return None


def formula(op: str, parent_index: int, n_parents: int = 1) -> str:
    """The text of ∂node/∂parent for the parent at `parent_index`.

    For the n-ary ops ("sum", "wsum") several parents share a formula."""
    rule = rule_for(op)
    if rule is None:
        return f"∂{op}/∂parent {parent_index}"
    if rule.name == "wsum":  # ∂a/∂w_k, ∂a/∂z_k or ∂a/∂b, by where the parent sits
        w, z, _ = split_wsum(range(n_parents))
        return rule.derivatives[0 if parent_index in w else 1 if parent_index in z else 2]
    return rule.derivatives[min(parent_index, len(rule.derivatives) - 1)]


def constants(rule: Rule, given: tuple, named: dict | None = None, check: Callable = float) -> tuple:
    """Every constant of `rule` from those `given` (by position, or by name in `named`),
    the defaults filling in the rest; None also asks for the default (clamp(x, None, 1)).
    `check` turns each given constant into a float."""
    params = rule.params
    given = list(given)
    if len(given) > len(params):
        raise TypeError(f"{rule.name} takes {len(params)} constant(s) ({', '.join(params) or 'none'}), "
                        f"got {len(given)}")
    for key, c in (named or {}).items():
        if key not in params or params.index(key) < len(given):
            raise TypeError(f"{rule.name}: unexpected or repeated argument {key!r} "
                            f"(its constants are {', '.join(params) or 'none'})")
        given += [None] * (params.index(key) + 1 - len(given))
        given[params.index(key)] = c
    # one default per param, None where the caller must give it
    per_param = (None,) * (len(params) - len(rule.defaults)) + rule.defaults
    out = tuple(per_param[i] if c is None else check(c) for i, c in enumerate(given)) + per_param[len(given):]
    if None in out:
        raise TypeError(f"{rule.name} needs its {params[out.index(None)]} (a number)")
    return out


# ---------------------------------------------------------------------------
# The functions of the table for a float OR a Value
# ---------------------------------------------------------------------------
def _is_real(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _float_result(rule: Rule, args: tuple) -> float:
    try:
        value = rule.fn(*args)[0]
    except (ArithmeticError, ValueError) as err:
        operands = ", ".join(map(repr, args))
        raise type(err)(f"{rule.name}({operands}): {err}") from None
    if not math.isfinite(value):
        raise OverflowError(f"{rule.name}({', '.join(map(repr, args))}): the result is too large for a float")
    return value


def function(name: str) -> Callable:
    """The table's op `name` as a function of floats or Values (constants last)."""
    rule = RULES[ALIASES.get(name, name)]
    n = rule.arity

    def apply(*args, **named):
        if len(args) < n:
            raise TypeError(f"{name} takes {n} operand(s), got {len(args)}")
        if all(map(_is_real, args[:n])):
            return _float_result(rule, (*map(float, args[:n]), *constants(rule, args[n:], named)))
        # a Value among the operands: the first operand's method, made a Value like the others
        kind = type(next(x for x in args[:n] if not _is_real(x)))
        first = args[0] if isinstance(args[0], kind) else kind(args[0])
        return getattr(first, rule.name)(*args[1:], **named)

    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = (f"{rule.expression} for a float (a float) or a Value (a node).\n\n"
                     + "\n".join(rule.derivatives))
    return apply


FUNCTIONS: dict[str, Callable] = {}  # name (and alias) → function, filled below and by define


def register(rule: Rule) -> None:
    """Make `rule` (and its NumPy-style aliases) a function of FUNCTIONS."""
    for name in [rule.name] + [a for a, target in ALIASES.items() if target == rule.name]:
        FUNCTIONS[name] = function(name)


for _rule in RULES.values():
    if is_function(_rule):
        register(_rule)

# The float rules of the one-parent functions, by name: ops.UNARY["elu"](-0.5, 1.0)
# gives (value, local_grads). (`function` and FUNCTIONS are the friendlier form.)
UNARY: dict[str, Callable] = {r.name: r.fn for r in RULES.values() if is_function(r) and r.arity == 1}
