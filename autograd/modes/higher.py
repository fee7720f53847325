"""Gradients as numbers or as graphs: derivatives of derivatives.

`grad(root, wrt)` is the backward pass into a dict: δ_j = Σ_{k∈↓j} δ_k ∂k/∂j over the
stored float local derivatives, exactly the numbers `root.backward()` would put in
`.grad`, without touching `.grad` (as `torch.autograd.grad`).

`grad(root, wrt, create_graph=True)` runs the same sum with Values. Each local
derivative ∂k/∂j is rebuilt from the op's row of the derivative table, where it is
written once with arithmetic that works on floats and on Values (`rule.d`, e.g.
tanh's 1 − out·out), so it comes back as a small graph over the original nodes.
Every δ_j is then itself a Value computed from the inputs, and can be differentiated
again:

    ∂²f/∂x_i∂x_j = ∂(δ_{x_i})/∂x_j          (`hessian`: one reverse sweep per row)
    H·v = d/dε ∇f(x + εv) at ε = 0           (`hvp`: one forward sweep over ∇f's graph)

The Hessian-vector product is forward-over-reverse: the tangents of the forward mode
(`autograd.forward`) pushed through the graph of the gradient, so it costs a small
multiple of one gradient however many inputs there are.
"""

from __future__ import annotations

import math
import numbers
from typing import Mapping

from autograd import ops
from autograd.graph import Arithmetic, sweep_forward, sweep_reverse, topological_order
from autograd.modes.forward import as_values
from autograd.names import describe
from autograd.value import Value

__all__ = ["grad", "hessian", "hvp", "MissingDerivative"]


class MissingDerivative(TypeError):
    """An op's row has no derivative written with Values, so its derivative cannot
    be differentiated again."""


# ---------------------------------------------------------------------------
# Local derivatives as Values
# ---------------------------------------------------------------------------
def local_derivatives(node: Value) -> tuple:
    """∂node/∂parent for each parent, as Values built from the parents (or plain numbers
    where the derivative is a constant), from the op's row `d` in the derivative table."""
    try:
        rule, constants = ops.parse_op(node.op)
    except ValueError:
        raise MissingDerivative(
            f"grad(create_graph=True): the op {node.op!r} of {describe(node)} has no row in the "
            "derivative table (autograd/rules.py), so its derivative cannot be written with Values; "
            "define the op with autograd.define(...)"
        ) from None
    d = getattr(rule, "d", None)
    if d is None:
        raise MissingDerivative(
            f"grad(create_graph=True): the op {rule.name!r} (of {describe(node)}) has no derivative "
            "written with Values (its row in the derivative table has no `d`), so it cannot be "
            "differentiated twice; give its row a `d` (for an op of your own: write define(...)'s df "
            "with autograd's functions such as exp and sigmoid, not math's)"
        )
    try:
        local = tuple(d(*node.parents, *constants, node))
    except TypeError as err:
        raise MissingDerivative(
            f"grad(create_graph=True): the derivative of the op {rule.name!r} (of {describe(node)}) "
            f"does not work on Values: {err}. Write it with autograd's functions (exp, sigmoid, ...) "
            "and arithmetic, which take Values as well as floats, not with math's"
        ) from None
    if len(local) != len(node.parents):
        raise MissingDerivative(
            f"grad(create_graph=True): the derivative of the op {rule.name!r} gave {len(local)} "
            f"value(s) for {len(node.parents)} parent(s) of {describe(node)}; it needs one per parent"
        )
    return local


def _times(local, delta):
    """∂k/∂j · δ_k with a plain number kept plain: no node for a 0 or a 1."""
    if isinstance(local, Value) or isinstance(delta, Value):
        if not isinstance(local, Value):
            if local == 0.0:
                return 0.0
            return delta if local == 1.0 else delta * local
        if not isinstance(delta, Value):
            if delta == 0.0:
                return 0.0
            return local if delta == 1.0 else local * delta
        return local * delta
    return local * delta


def _total(terms: list):
    """Σ of the terms δ_k·∂k/∂j: one sum node for the Values, the numbers added apart."""
    values = [t for t in terms if isinstance(t, Value)]
    constant = math.fsum(t for t in terms if not isinstance(t, Value))
    if not values:
        return constant
    total = values[0] if len(values) == 1 else Value.sum(values)
    return total + constant if constant != 0.0 else total


# The reverse sweep of autograd/graph.py over Values: each δ_j is a graph over root's nodes.
# (No finiteness check of its own: the engine checks every node it makes.)
VALUES = Arithmetic(local_derivatives, _times, lambda j, terms, start: _total([start, *terms]))


# ---------------------------------------------------------------------------
# grad
# ---------------------------------------------------------------------------
def grad(root: Value, wrt, create_graph: bool = False):
    """∂root/∂x for each x of `wrt` (a Value, or a list of Values: then a list).

    create_graph=False  floats: the backward pass over the stored local derivatives,
                        the same numbers `root.backward()` puts in `.grad`, but `.grad`
                        is left alone (nothing accumulates), as torch.autograd.grad.
    create_graph=True   Values: each gradient is a graph over the nodes of root's graph,
                        built from the ops' derivatives written with Values, so it can be
                        differentiated again (grad of grad, `hessian`, `hvp`).

    A node of `wrt` that root does not depend on gets 0 (a constant leaf Value(0.0)
    with create_graph=True)."""
    if not isinstance(root, Value):
        raise TypeError(f"grad: root must be the Value to differentiate, got {describe(root)}")
    single = isinstance(wrt, Value)
    xs = [wrt] if single else as_values("grad", "wrt", wrt, empty_ok=True)
    if not isinstance(create_graph, bool):
        raise TypeError(f"grad: create_graph must be True or False, got {create_graph!r}")
    if create_graph:
        delta = sweep_reverse(topological_order(root), root, 1.0, "grad", VALUES)
        out = [_as_value(delta.get(x, 0.0)) for x in xs]
    else:
        delta = sweep_reverse(topological_order(root), root, 1.0, "grad")
        out = [delta.get(x, 0.0) for x in xs]
    return out[0] if single else out


def _as_value(x) -> Value:
    return x if isinstance(x, Value) else Value(x)


# ---------------------------------------------------------------------------
# Hessians and Hessian-vector products
# ---------------------------------------------------------------------------
def _function_and_point(who: str, f, at) -> tuple[Value, list[Value], list[str]]:
    """The two ways to name what is differentiated:

    f a function, at {name: number}   f(**{name: Value(number, name)}) at that point;
    f a Value, at [x1, x2, ...]       the graph already built, with respect to those leaves."""
    if isinstance(f, Value):
        if isinstance(at, Mapping):
            raise TypeError(
                f"{who}: f is a Value (a graph already built), so at must be the list of Values to "
                "differentiate with respect to, not a dict; or pass a function and {name: number}"
            )
        xs = as_values(who, "at", at, empty_ok=True)
        return f, xs, [x.label or f"x{i}" for i, x in enumerate(xs)]
    if not callable(f):
        raise TypeError(f"{who}: f must be a function of named Values or a Value, got {describe(f)}")
    if not isinstance(at, Mapping) or not at:
        raise TypeError(f"{who}: at must be a non-empty dict {{name: number}}, the point, got {at!r}")
    leaves = {}
    for name, x in at.items():
        if isinstance(x, Value):
            x = x.data
        if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(float(x)):
            raise ValueError(f"{who}: at[{name!r}] must be a finite number, got {x!r}")
        leaves[name] = Value(float(x), name)
    out = f(**leaves)
    if not isinstance(out, Value):
        raise TypeError(f"{who}: f must return a Value built from its arguments, got {describe(out)}")
    return out, list(leaves.values()), list(leaves)


def hessian(f, at) -> list[list[float]]:
    """The matrix of second derivatives ∂²f/∂x_i∂x_j, as nested lists in the order of `at`.

        hessian(lambda x, y: x * x * y, {"x": 1.0, "y": 2.0})   # [[4, 2], [2, 0]]
        hessian(loss, model.parameters())                        # a graph already built

    The gradient is built once as a graph (`grad(..., create_graph=True)`), then each
    of its entries is differentiated by one reverse sweep: row i is ∇(∂f/∂x_i)."""
    out, xs, _ = _function_and_point("hessian", f, at)
    first = grad(out, xs, create_graph=True)
    return [grad(g, xs) for g in first]


def hvp(f, at, v) -> list[float]:
    """The Hessian-vector product H·v, forward-over-reverse, without forming H.

    f, at  as for `hessian`; v the direction: {name: number} (or a list in the order of
           `at`). H·v = d/dε ∇f(x + εv): the gradient's graph is built once and one
           forward sweep carries the tangents ṫ_x = v_x through it."""
    out, xs, names = _function_and_point("hvp", f, at)
    if isinstance(v, Mapping):
        unknown = [k for k in v if k not in names]
        if unknown:
            raise ValueError(f"hvp: v names {', '.join(map(repr, unknown))}, which are not in at "
                             f"({', '.join(names)})")
        direction = [v.get(name, 0.0) for name in names]
    else:
        direction = list(v) if hasattr(v, "__iter__") else None
        if direction is None or len(direction) != len(xs):
            raise ValueError(f"hvp: v must give one number per entry of at ({len(xs)}), got {v!r}")
    seed = {}
    for x, name, t in zip(xs, names, direction):
        if isinstance(t, bool) or not isinstance(t, numbers.Real) or not math.isfinite(float(t)):
            raise ValueError(f"hvp: the direction for {name!r} must be a finite number, got {t!r}")
        seed[x] = seed.get(x, 0.0) + float(t)
    gradient = grad(out, xs, create_graph=True)
    tangent = sweep_forward(topological_order(gradient), seed, "hvp")
    return [tangent[g] for g in gradient]
