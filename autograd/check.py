"""Gradient checking: the engine's derivatives against central differences.

    ∂f/∂x ≈ (f(x + ε) − f(x − ε)) / 2ε        (error O(ε²))

`f` is re-run on perturbed copies of the inputs, so the check is independent of the
graph the engine recorded. Both x + ε and x − ε must lie in f's domain: near its edge
(log at 1e-7 with ε = 1e-6) the step is shrunk until they do, and then ten times more,
so that the O(ε²) error stays small next to the curvature there; the report records
the step used. Where no step works, the error says so.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Callable, Sequence

from autograd.value import Value


@dataclass(frozen=True)
class GradRow:
    name: str
    engine: float
    numeric: float
    error: float  # |engine − numeric|
    ok: bool
    step: float = 0.0  # the ε of the central difference (smaller than asked near a domain edge)


@dataclass(frozen=True)
class GradReport:
    rows: tuple[GradRow, ...]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        lines = [f"{'input':<12}{'engine':>16}{'numeric':>16}{'error':>12}  ok"]
        for r in self.rows:
            mark = "yes" if r.ok else "NO"
            lines.append(f"{r.name:<12}{r.engine:>16.8g}{r.numeric:>16.8g}{r.error:>12.2e}  {mark}")
        return "\n".join(lines)

    __repr__ = __str__


def _evaluate(f: Callable, inputs: Sequence[float]) -> float:
    out = f(*[Value(x) for x in inputs])
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    return out.data


def check_eps(eps, who: str) -> float:
    """The finite-difference step must be a positive finite number."""
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not (math.isfinite(eps) and eps > 0):
        raise ValueError(f"{who}: eps must be a small positive number such as 1e-6 (the finite-difference "
                         f"step), got {eps!r}")
    return float(eps)


MAX_SHRINK = 12  # ε, ε/10, ..., ε/10¹²: enough for any point a float can separate from an edge


def numeric_grad(f: Callable, point: Sequence[float], i: int, eps: float = 1e-6) -> float:
    """Central difference of f at `point` along input i (see the module doc for the step)."""
    return _central(f, point, i, check_eps(eps, "numeric_grad"))[0]


def central_difference(f: Callable, point: Sequence[float], i: int, h: float) -> float:
    """(f(x + h·e_i) − f(x − h·e_i)) / 2h, f taking the coordinates as arguments: the one
    central difference of the package (gradcheck, hand_check and define use it)."""
    up, down = list(point), list(point)
    up[i] += h
    down[i] -= h
    return (f(*up) - f(*down)) / (2 * h)


def _central(f: Callable, point: Sequence[float], i: int, eps: float) -> tuple[float, float]:
    """(central difference, step used) along input i."""
    h, first_error = eps, None

    def on_floats(*x: float) -> float:
        return _evaluate(f, x)

    for _ in range(MAX_SHRINK + 1):
        try:
            numeric = central_difference(on_floats, point, i, h)
        except (ArithmeticError, ValueError) as err:  # outside f's domain (log of a negative, ...)
            first_error = first_error or err
            h /= 10
            continue
        if first_error is None:
            return numeric, h
        h /= 10  # just inside the domain: one more factor, so O(h²) is small against the curvature
        return central_difference(on_floats, point, i, h), h
    raise ValueError(
        f"gradcheck: f is not defined on both sides of input {i} = {point[i]!r} for any step from "
        f"{eps:g} down to {eps / 10**MAX_SHRINK:g} ({first_error}); the central difference needs "
        "f(x + ε) and f(x − ε): check at a point inside f's domain"
    )


def gradcheck(
    f: Callable,
    inputs: Sequence,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> GradReport:
    """Compare the engine's ∂f/∂x_i with central differences for every input.

    `inputs` are Values or numbers; `f(*values)` must return a Value. A row is ok when
    |engine − numeric| ≤ atol + rtol·|numeric|. The inputs' own `.grad` is untouched.
    `eps` is the step ε; near the edge of f's domain a smaller one is used (row.step)."""
    eps = check_eps(eps, "gradcheck")
    point = [x.data if isinstance(x, Value) else float(x) for x in inputs]
    names = [(x.label if isinstance(x, Value) and x.label else f"x{i}") for i, x in enumerate(inputs)]
    fresh = [Value(x, name) for x, name in zip(point, names)]
    out = f(*fresh)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    out.backward()
    rows = []
    for i, v in enumerate(fresh):
        numeric, step = _central(f, point, i, eps)
        error = abs(v.grad - numeric)
        rows.append(GradRow(names[i], v.grad, numeric, error, error <= atol + rtol * abs(numeric), step))
    return GradReport(tuple(rows))
