"""Gradient checking: the engine's derivatives against central differences.

    ∂f/∂x ≈ (f(x + ε) − f(x − ε)) / 2ε        (error O(ε²))

`f` is re-run on perturbed copies of the inputs, so the check is independent of the
graph the engine recorded.
"""

from __future__ import annotations

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


def numeric_grad(f: Callable, point: Sequence[float], i: int, eps: float = 1e-6) -> float:
    """Central difference of f at `point` along input i."""
    up, down = list(point), list(point)
    up[i] += eps
    down[i] -= eps
    return (_evaluate(f, up) - _evaluate(f, down)) / (2 * eps)


def gradcheck(
    f: Callable,
    inputs: Sequence,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> GradReport:
    """Compare the engine's ∂f/∂x_i with central differences for every input.

    `inputs` are Values or numbers; `f(*values)` must return a Value. A row is ok when
    |engine − numeric| ≤ atol + rtol·|numeric|. The inputs' own `.grad` is untouched."""
    point = [x.data if isinstance(x, Value) else float(x) for x in inputs]
    names = [(x.label if isinstance(x, Value) and x.label else f"x{i}") for i, x in enumerate(inputs)]
    fresh = [Value(x, name) for x, name in zip(point, names)]
    out = f(*fresh)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    out.backward()
    rows = []
    for i, v in enumerate(fresh):
        numeric = numeric_grad(f, point, i, eps)
        error = abs(v.grad - numeric)
        rows.append(GradRow(names[i], v.grad, numeric, error, error <= atol + rtol * abs(numeric)))
    return GradReport(tuple(rows))
