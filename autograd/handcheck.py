"""Check a derivative worked out by hand against the engine (and the engine against
central differences), in one table.

    from autograd import hand_check, tanh
    import math
    hand_check(lambda a: tanh(a),
               claimed={"a": lambda a: 1 - math.tanh(a) ** 2},   # lecture 000: tanh' = 1 − tanh²
               at={"a": 0.3}, n_random=20)

A claim is *right* when it agrees with the engine's ∂f/∂x within
|claimed − engine| ≤ atol + rtol·|engine| (atol 1e-6, rtol 1e-4). The same row shows
the central difference (f(x + h) − f(x − h)) / 2h, so a student also sees the engine
confirmed independently. A claim given as a function of the point can also be tried
at random points near `at`; the first point where it is wrong is reported.
"""

from __future__ import annotations

import html
import inspect
import math
import numbers
import random
from dataclasses import dataclass
from typing import Callable, Mapping

from autograd.check import check_eps
from autograd.value import Value

__all__ = ["hand_check", "HandCheck", "HandRow", "Counterexample"]

RTOL = 1e-4  # claim vs engine
ATOL = 1e-6
FD_RTOL = 1e-3  # engine vs central differences: these carry O(h²) and rounding error
FD_ATOL = 1e-5


@dataclass(frozen=True)
class HandRow:
    name: str
    claimed: float
    engine: float
    numeric: float  # central difference
    ok: bool  # the claim agrees with the engine
    engine_confirmed: bool  # the engine agrees with the central difference

    @property
    def verdict(self) -> str:
        return "right" if self.ok else "WRONG"


@dataclass(frozen=True)
class Counterexample:
    """A random point where a claim (given as a function) disagrees with the engine."""

    point: dict[str, float]
    name: str
    claimed: float
    engine: float
    numeric: float
    note: str = ""  # e.g. the error the claim raised there


@dataclass(frozen=True)
class HandCheck:
    """The table `hand_check` returns: one row per claimed derivative."""

    rows: tuple[HandRow, ...]
    at: dict[str, float]
    counterexample: Counterexample | None = None
    random_points: int = 0  # random points where the function claims were tried
    not_tried: tuple[str, ...] = ()  # claims given as numbers: checked at `at` only

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows) and self.counterexample is None

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        point = ", ".join(f"{k} = {v:.6g}" for k, v in self.at.items())
        lines = [f"hand check at {point}",
                 f"{'derivative':<14}{'claimed':>15}{'engine':>15}{'finite diff':>15}  verdict"]
        for r in self.rows:
            mark = "" if r.engine_confirmed else "   (engine ≠ finite difference here: a kink?)"
            lines.append(f"{'∂f/∂' + r.name:<14}{r.claimed:>15.8g}{r.engine:>15.8g}"
                         f"{r.numeric:>15.8g}  {r.verdict}{mark}")
        lines.extend(self._notes())
        lines.append("all claims right" if self.ok else "some claims are WRONG")
        return "\n".join(lines)

    __repr__ = __str__

    def _notes(self) -> list[str]:
        notes = []
        if self.random_points:
            points = "point" if self.random_points == 1 else "points"
            notes.append(f"tried {self.random_points} random {points} near it for the claims given as functions")
        c = self.counterexample
        if c is not None:
            point = ", ".join(f"{k} = {v:.6g}" for k, v in c.point.items())
            notes.append(f"counterexample: at {point}, ∂f/∂{c.name} is {c.engine:.8g} "
                         f"(finite difference {c.numeric:.8g}) but the claim gives {c.claimed:.8g}"
                         + (f" ({c.note})" if c.note else ""))
        if self.not_tried and self.random_points:
            notes.append("claims given as numbers were checked at this point only: "
                         + ", ".join(self.not_tried))
        return notes

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in ("", "claimed", "engine", "finite difference", "verdict"))
        body = []
        for r in self.rows:
            colour = "#2a7d2a" if r.ok else "#c0392b"
            note = "" if r.engine_confirmed else " <small>(engine ≠ finite difference: a kink?)</small>"
            body.append(
                f"<tr><td>∂f/∂{html.escape(r.name)}</td><td>{r.claimed:.8g}</td><td>{r.engine:.8g}</td>"
                f"<td>{r.numeric:.8g}</td><td style='color:{colour}'><b>{r.verdict}</b>{note}</td></tr>"
            )
        notes = "".join(f"<p>{html.escape(n)}</p>" for n in self._notes())
        point = html.escape(", ".join(f"{k} = {v:.6g}" for k, v in self.at.items()))
        return (f"<p>hand check at {point}</p><table><tr>{head}</tr>{''.join(body)}</table>{notes}")


def agrees(claimed: float, engine: float, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """|claimed − engine| ≤ atol + rtol·|engine| (false for nan or infinities)."""
    return math.isfinite(claimed) and math.isfinite(engine) and \
        abs(claimed - engine) <= atol + rtol * abs(engine)


def hand_check(
    f: Callable[..., Value],
    claimed: Mapping[str, float | Callable[..., float]],
    at: Mapping[str, float],
    n_random: int = 0,
    eps: float = 1e-6,
    seed: int = 0,
) -> HandCheck:
    """Compare hand-derived partial derivatives of `f` with the engine's.

    f        called as f(**values) with one labelled leaf Value per name of `at`;
             returns a Value.
    claimed  name → the claimed ∂f/∂name: a number, or a function of the point
             called as claim(**at) (a function can also be tried at other points).
    at       name → number: the point.
    n_random how many random points near `at` to try the function claims at
             (points where f is undefined are skipped); the first point where a
             claim is wrong is reported as `.counterexample`.
    eps      the central difference step h = eps·max(1, |x|).
    seed     seeds the random points, so a check is repeatable.
    """
    if not callable(f):
        raise TypeError(f"hand_check: f must be a function of named Values, got {type(f).__name__}")
    point = _check_point(at)
    if not isinstance(claimed, Mapping) or not claimed:
        raise TypeError("hand_check: claimed must be a non-empty dict {name: derivative or function}")
    _check_names(f, claimed, point)
    if not isinstance(n_random, int) or n_random < 0:
        raise ValueError(f"hand_check: n_random must be a whole number ≥ 0, got {n_random!r}")
    eps = check_eps(eps, "hand_check")

    engine = _engine_grads(f, point)
    rows = []
    for name, claim in claimed.items():
        c = _claim_value(name, claim, point, strict=True)
        numeric = _central_difference(f, point, name, eps)
        rows.append(HandRow(name, c, engine[name], numeric, agrees(c, engine[name]),
                            agrees(engine[name], numeric, FD_RTOL, FD_ATOL)))

    functions = {n: c for n, c in claimed.items() if callable(c)}
    counterexample, tried = None, 0
    rng = random.Random(seed)
    attempts = 0
    while functions and tried < n_random and counterexample is None and attempts < 20 * n_random:
        attempts += 1
        # near `at`: each coordinate moved by up to max(1, |x|) either way
        other = {n: x + rng.uniform(-1.0, 1.0) * max(1.0, abs(x)) for n, x in point.items()}
        try:
            grads = _engine_grads(f, other)
        except (ArithmeticError, ValueError):
            continue  # f is not defined there (log of a negative number, ...): skip
        tried += 1
        for name, claim in functions.items():
            note = ""
            try:
                c = _claim_value(name, claim, other, strict=False)
            except (ArithmeticError, ValueError) as err:
                c, note = math.nan, f"the claim raised {type(err).__name__}: {err}"
            if not agrees(c, grads[name]):
                counterexample = Counterexample(other, name, c, grads[name],
                                                _central_difference(f, other, name, eps), note)
                break
    not_tried = tuple(n for n in claimed if not callable(claimed[n]))
    return HandCheck(tuple(rows), point, counterexample, tried, not_tried)


# ---------------------------------------------------------------------------
def _check_point(at) -> dict[str, float]:
    if not isinstance(at, Mapping) or not at:
        raise TypeError("hand_check: at must be a non-empty dict {name: number}, the point to check at")
    point = {}
    for name, x in at.items():
        if not isinstance(name, str):
            raise TypeError(f"hand_check: the names in at must be strings, got {name!r}")
        if isinstance(x, Value):
            x = x.data
        if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(float(x)):
            raise ValueError(f"hand_check: at[{name!r}] must be a finite number, got {x!r}")
        point[name] = float(x)
    return point


def _check_names(f, claimed, point) -> None:
    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: trust the names
        params = None
    if params is not None and not any(p.kind is p.VAR_KEYWORD for p in params):
        accepted = [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        for name in list(claimed) + list(point):
            if name not in accepted:
                where = "claimed" if name in claimed else "at"
                raise ValueError(
                    f"hand_check: {name!r} in {where} is not an argument of f "
                    f"(f takes {', '.join(accepted) or 'no named arguments'}); "
                    "use the names of f's arguments"
                )
        missing = [p.name for p in params if p.name not in point and p.default is p.empty
                   and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        if missing:
            raise ValueError(f"hand_check: give a value in at for f's argument(s) {', '.join(missing)}")
    for name in claimed:
        if name not in point:
            raise ValueError(f"hand_check: the claim for {name!r} needs a value for {name!r} in at")


def _evaluate(f, point: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
    leaves = {name: Value(x, name) for name, x in point.items()}
    out = f(**leaves)
    if not isinstance(out, Value):
        raise TypeError(
            f"hand_check: f must return a Value (built from its arguments), got {type(out).__name__} {out!r}"
        )
    return out, leaves


def _engine_grads(f, point) -> dict[str, float]:
    out, leaves = _evaluate(f, point)
    out.backward()  # fresh leaves every time: nothing accumulates
    return {name: v.grad for name, v in leaves.items()}


def _central_difference(f, point, name: str, eps: float) -> float:
    """(f(x + h) − f(x − h)) / 2h along `name`; nan where f is undefined nearby."""
    h = eps * max(1.0, abs(point[name]))
    try:
        up = _evaluate(f, {**point, name: point[name] + h})[0].data
        down = _evaluate(f, {**point, name: point[name] - h})[0].data
    except (ArithmeticError, ValueError):
        return math.nan
    return (up - down) / (2 * h)


def _claim_value(name: str, claim, point, strict: bool) -> float:
    if callable(claim):
        try:
            claim = claim(**point)
        except TypeError as err:
            raise TypeError(
                f"hand_check: the claim for {name!r} is called as claim(**at) with the names "
                f"{', '.join(point)}; it failed with: {err}"
            ) from None
        except (ArithmeticError, ValueError) as err:
            if not strict:
                raise
            raise ValueError(f"hand_check: the claim for {name!r} raised {type(err).__name__}: {err}") from None
    if isinstance(claim, Value):
        claim = claim.data
    if isinstance(claim, bool) or not isinstance(claim, numbers.Real):
        raise TypeError(f"hand_check: the claim for {name!r} must be a number, got {type(claim).__name__} {claim!r}")
    return float(claim)
