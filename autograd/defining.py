"""Instructors' own ops: `define` adds a row to the derivative table, `undefine` removes it.

The new op is a row like the built-in ones, so backward, the steps, the drawings and
the trace know it; its derivative is checked against central differences first.
"""

from __future__ import annotations

import builtins
import inspect
import keyword
import os
import sys
import unicodedata
from typing import Callable

from autograd import ops
from autograd.check import central_difference
from autograd.rules import ALIASES, RULES, Rule
from autograd.value import Value, install

__all__ = ["define", "undefine", "DEFINED", "CHECK_POINTS"]

CHECK_POINTS = (-1.7, -0.6, 0.35, 0.9, 2.3)  # where `define` tries a derivative by default
DEFINED: set[str] = set()  # the ops added by `define`


def define(name: str, f: Callable, df: Callable, formula: str = "", derivative=(),
           points=None, *, replace: bool = False) -> Rule:
    """Add an op to the table: after `define("swish", f, df)`, `x.swish()` and
    `autograd.swish(x)` work, and the op is stepped, drawn and hand-checked like a
    built-in.

        from autograd import sigmoid
        define("swish", lambda a: a * sigmoid(a),
               lambda a: sigmoid(a) * (1 + a * (1 - sigmoid(a))),
               formula="a·σ(a)", derivative="σ(a)(1 + a(1 − σ(a)))")

    f(a, b, ...) is the op (one argument per parent), df(a, b, ...) its derivatives:
    a number for one parent, a tuple of one number per parent otherwise. Write both
    with autograd's functions (sigmoid, exp, sin, ...) and arithmetic, and they work
    on floats (the node's value and local derivatives) and on Values (the row's `d`,
    for derivatives of derivatives); written with `math`, they serve floats only.

    df is never trusted: it is compared with central differences of f at `points`
    (default: `CHECK_POINTS` for each argument; points outside f's domain are skipped)
    and the op is refused with a ValueError naming the point where they disagree.
    `formula` and `derivative` are the texts the steps and the table show.

    The name must be a Python identifier (x.name() must be callable) and new; an op
    added by `define` is replaced only with replace=True, and graphs already built
    keep the rule they were made with."""
    _check_name(name, replace)
    try:
        arity = len([p for p in inspect.signature(f).parameters.values()
                     if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)])
    except (TypeError, ValueError):
        raise TypeError(f"define: f must be a function of the parents, got {f!r}") from None
    if arity < 1:
        raise TypeError("define: f must take at least one argument (one per parent)")
    variables = ("a", "b", "c", "d", "e")[:arity] if arity <= 5 else tuple(f"x{i}" for i in range(arity))
    texts = (derivative,) if isinstance(derivative, str) else tuple(derivative)
    if not texts:
        texts = tuple(f"∂{name}/∂{v}" for v in variables)
    if len(texts) != arity:
        raise ValueError(f"define: {arity} parent(s) but {len(texts)} derivative text(s); give one per parent")
    texts = tuple(t if t.startswith("∂") else f"∂{name}/∂{v} = {t}" for t, v in zip(texts, variables))

    def grads(args) -> tuple:
        g = df(*args)
        g = tuple(g) if isinstance(g, (tuple, list)) else (g,)
        if len(g) != arity:
            raise ValueError(f"define: df must give {arity} derivative(s), one per parent; it gave {len(g)}")
        return g

    def fn(*args: float):
        return _real(name, "f", f(*args)), tuple(_real(name, "df", g) for g in grads(args))

    rule = Rule(name, formula or f"{name}({', '.join(variables)})", texts, fn,
                lambda *args: grads(args[:-1]), arity)
    _check_derivative(rule, points if points is not None else [(p,) * arity for p in CHECK_POINTS])
    RULES[name] = rule
    DEFINED.add(name)
    ops.register(rule)
    install(rule)
    return rule


def undefine(name: str) -> None:
    """Remove an op added by `define` (the built-in rows stay). Nodes already made with
    it keep their rule."""
    if name not in DEFINED:
        raise ValueError(f"undefine: {name!r} was not added by define")
    DEFINED.discard(name)
    del RULES[name], ops.FUNCTIONS[name]
    delattr(Value, name)


def _check_name(name, replace: bool) -> None:
    """An op's name is a method name and a function name: a Python identifier, written
    as Python reads it, that hides nothing."""
    if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
        raise ValueError(f"define: the op name must be a Python name such as 'swish', got {name!r}")
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in ("None", "True", "False"):
        raise ValueError(f"define: {name!r} is a Python keyword, so x.{name}() could not be written; "
                         "pick another name")
    if unicodedata.normalize("NFKC", name) != name:
        raise ValueError(f"define: Python reads the name {name!r} as "
                         f"{unicodedata.normalize('NFKC', name)!r}, so no one could call it; "
                         "write it in plain letters")
    if not isinstance(replace, bool):
        raise TypeError(f"define: replace must be True or False, got {replace!r}")
    if name in DEFINED:
        if not replace:
            raise ValueError(f"define: {name!r} is already defined; pass replace=True to change it "
                             "(graphs already built keep the old rule)")
        return
    if name in RULES or name in ALIASES or hasattr(Value, name):
        raise ValueError(f"define: {name!r} is already taken (a built-in op or a Value attribute); "
                         "pick another name")
    if _in_package(name):
        raise ValueError(f"define: autograd.{name} is already something else (one of autograd's own names "
                         f"or modules), so autograd.{name}(x) could not be the op; pick another name")
    if hasattr(builtins, name) and not replace:
        raise ValueError(f"define: {name!r} is a Python built-in ({name}(...)); defining it would hide "
                         "it where autograd's functions are imported. Pick another name, or pass "
                         "replace=True if that is what you want")


def _in_package(name: str) -> bool:
    """Whether `autograd.<name>` already means something: a public name of the package
    (Stepper, grad, draw, ...) or one of its modules (rules, escape, ...)."""
    package = sys.modules.get("autograd")
    here = os.path.dirname(os.path.abspath(__file__))
    taken = set(getattr(package, "__all__", ())) | set(vars(package)) if package is not None else set()
    return (name in taken and name not in ops.FUNCTIONS) or os.path.exists(os.path.join(here, name + ".py")) \
        or os.path.isdir(os.path.join(here, name))


def _real(name: str, which: str, x) -> float:
    """A value or derivative an instructor's function gave, as a float."""
    x = x.data if isinstance(x, Value) else x
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        if isinstance(x, complex):
            raise TypeError(f"{name}: {which} gave the complex number {x!r}; an op must give real "
                            "numbers (is an argument outside its domain, e.g. a negative number to a "
                            "power 0.5?)")
        try:
            x = float(x)  # a NumPy scalar
        except (TypeError, ValueError):
            raise TypeError(f"{name}: {which} must give a number, got {type(x).__name__} {x!r}") from None
    return float(x)


def _check_derivative(rule: Rule, points) -> None:
    """Refuse a row whose fn's derivatives disagree with central differences of its value."""
    tried = 0
    for point in points:
        point = tuple(map(float, point if isinstance(point, (tuple, list)) else (point,)))
        if len(point) != rule.arity:
            raise ValueError(f"define: the check point {point} needs {rule.arity} coordinate(s)")
        try:
            _, local = rule.fn(*point)
            for i in range(rule.arity):
                numeric = central_difference(lambda *x: rule.fn(*x)[0], point, i,
                                             1e-5 * max(1.0, abs(point[i])))
                if not abs(local[i] - numeric) <= 1e-6 + 1e-4 * abs(numeric):
                    raise _WrongDerivative(
                        f"define: the derivative given for {rule.name} is wrong at "
                        f"{', '.join(f'{v} = {x:g}' for v, x in zip('abcde', point))}: df gives "
                        f"∂/∂{'abcde'[i] if i < 5 else i} = {local[i]:.10g} but the central difference "
                        f"of f is {numeric:.10g}; the op was not added")
        except (ArithmeticError, ValueError) as err:
            if isinstance(err, _WrongDerivative):
                raise
            continue  # outside f's domain: try the next point
        tried += 1
    if tried < 2:
        raise ValueError(f"define: could check the derivative of {rule.name} at only {tried} point(s) "
                         "(the others are outside its domain); give points=[...] inside it")


class _WrongDerivative(ValueError):
    pass
