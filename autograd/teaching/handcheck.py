"""Check a derivative worked out by hand against the engine (and the engine against
central differences), in one table.

    from autograd import hand_check, tanh
    import math
    hand_check(lambda a: tanh(a),
               claimed={"a": lambda a: 1 - math.tanh(a) ** 2},   # lecture 000: tanh' = 1 − tanh²
               at={"a": 0.3}, n_random=20)

A claim is *right* when it agrees with the engine's ∂f/∂x (`Tolerance`):

    default      |claimed − engine| ≤ atol + rtol·|engine|      (atol 1e-6, rtol 1e-4)
    sig_figs=k   the judge's rule (`autograd.teaching.judge`): a number is right within
                 what the right method gives with every value written down rounded to k
                 figures (`rounding_spread` through f's graph), then rounded to k figures;
                 a formula, evaluated exactly, must be the engine's value rounded to k
                 figures ± one unit in the k-th (for 0.500972: 0.500 to 0.502 with k = 3)

The same row shows the central difference (f(x + h) − f(x − h)) / 2h, so a student
also sees the engine confirmed independently. Next to a WRONG verdict the table names
the likely slip (`autograd.slips`): a sign, a forgotten path or factor, a derivative
evaluated at the wrong point. A claim given as a function of the point can also be
tried at random points near `at`; the first point where it is wrong is reported.
The rows are called ∂f/∂x after the function's own name (`def E(w, b)` gives ∂E/∂w).
"""

from __future__ import annotations

import inspect
import math
import numbers
import random
import sys
from dataclasses import dataclass
from typing import Callable, Mapping

from autograd import escape
from autograd.check import central_difference, check_eps
from autograd.teaching.judge import ATOL, RTOL, Feedback, Tolerance, agrees, feedback_line, find_slip, rounding_spread
from autograd.teaching.slips import Slip, SlipFinder
from autograd.value import Value

__all__ = ["hand_check", "HandCheck", "HandRow", "Counterexample", "Tolerance", "agrees", "function_name"]

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
    slip: "Slip | None" = None  # the likely slip behind a WRONG claim (autograd.slips)

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
    tolerance: Tolerance = Tolerance()
    f_name: str = "f"  # the rows say ∂f/∂x with the function's own name

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows) and self.counterexample is None

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        point = ", ".join(f"{k} = {plain_zero(v):.6g}" for k, v in self.at.items())
        lines = [f"hand check at {point}",
                 f"{'derivative':<14}{'claimed':>15}{'engine':>15}{'finite diff':>15}  verdict"]
        for r in self.rows:
            mark = "" if r.engine_confirmed else "   (engine ≠ finite difference here: a kink?)"
            lines.append(f"{self._d(r.name):<14}{plain_zero(r.claimed):>15.8g}{plain_zero(r.engine):>15.8g}"
                         f"{plain_zero(r.numeric):>15.8g}  {r.verdict}{mark}")
            if r.slip is not None:
                lines.append(f"    likely slip: {r.slip.text}")
        lines.extend(self._notes())
        lines.append("all claims right" if self.ok else "some claims are WRONG")
        return "\n".join(lines)

    __repr__ = __str__

    def _d(self, name: str) -> str:
        return f"∂{self.f_name}/∂{name}"

    def feedback(self) -> Feedback:
        """What a student may be shown: each claim's verdict and likely slip in the judge's
        words (`judge.feedback_line`), never the engine's value or the finite difference —
        those are in the table (str(check)), which is for whoever set the exercise. A
        formula wrong at a random point is told the point and what the formula gives
        there. A str with `.ok` and `.score` (the share of claims right everywhere tried)."""
        lines = [feedback_line("right" if r.ok else "wrong", self._d(r.name), r.slip) for r in self.rows]
        c = self.counterexample
        if c is not None:
            point = ", ".join(f"{k} = {plain_zero(v):.6g}" for k, v in c.point.items())
            gives = c.note or f"it gives {plain_zero(c.claimed):.6g} there"
            lines.append(f"{self._d(c.name)}: your formula is right at the point but wrong at {point} ({gives})")
        if self.random_points:
            points = "point" if self.random_points == 1 else "points"
            lines.append(f"formulas were also tried at {self.random_points} random {points} near it")
        lines.append(self.tolerance.describe().replace("engine", "right value"))
        right = sum(r.ok and (c is None or c.name != r.name) for r in self.rows)
        return Feedback("\n".join(lines), self.ok, right / len(self.rows) if self.rows else 0.0)

    def _notes(self) -> list[str]:
        notes = [self.tolerance.describe()]
        points = "point" if self.random_points == 1 else "points"
        if self.random_points:
            notes.append(f"tried {self.random_points} random {points} near it for the claims given as functions")
        else:
            notes.append("tried 0 random points: checked at this point only "
                         "(claims given as functions of the point, with n_random=…, are tried at more)")
        c = self.counterexample
        if c is not None:
            point = ", ".join(f"{k} = {plain_zero(v):.6g}" for k, v in c.point.items())
            notes.append(f"counterexample: at {point}, {self._d(c.name)} is {plain_zero(c.engine):.8g} "
                         f"(finite difference {plain_zero(c.numeric):.8g}) but the claim gives {plain_zero(c.claimed):.8g}"
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
            if r.slip is not None:
                note += f"<br><small>likely slip: {escape.html(r.slip.text)}</small>"
            body.append(
                f"<tr><td>{escape.html(self._d(r.name))}</td><td>{plain_zero(r.claimed):.8g}</td><td>{plain_zero(r.engine):.8g}</td>"
                f"<td>{plain_zero(r.numeric):.8g}</td><td style='color:{colour}'><b>{r.verdict}</b>{note}</td></tr>"
            )
        notes = "".join(f"<p>{escape.html(n)}</p>" for n in self._notes())
        point = escape.html(", ".join(f"{k} = {plain_zero(v):.6g}" for k, v in self.at.items()))
        return (f"<p>hand check at {point}</p><table><tr>{head}</tr>{''.join(body)}</table>{notes}")


def plain_zero(x: float) -> float:
    """x with −0.0 made 0.0: a table never shows "-0" (adding +0.0 does it)."""
    return x + 0.0


def function_name(f) -> str:
    """The name a table gives f in ∂f/∂x: the name it was defined with (E for
    `def E(...)`), else "f" — for a lambda, a callable object, or a function renamed
    after it was made (such as autograd.expr's, which the trace calls f)."""
    name = getattr(f, "__name__", "")
    code = getattr(f, "__code__", None)
    if isinstance(name, str) and name.isidentifier() and code is not None and code.co_name == name:
        return name
    return "f"


def hand_check(
    f: Callable[..., Value],
    claimed: Mapping[str, float | Callable[..., float]],
    at: Mapping[str, float],
    n_random: int = 0,
    eps: float = 1e-6,
    seed: int = 0,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    sig_figs: int | None = None,
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
    rtol, atol  the tolerance |claimed − engine| ≤ atol + rtol·|engine|
             (default 1e-4 and 1e-6);
    sig_figs a claim is right when it is the engine's value to this many significant
             figures, by the judge's rule (instead of rtol; atol still lets a claim
             within atol of the engine count, e.g. 0 for 1e-17): a number may also
             carry what rounding every value written down to sig_figs figures moves it
             (`judge.rounding_spread` through f's graph); a formula, evaluated exactly,
             must be the engine's value rounded, ± 1 in the last figure.
    """
    if not callable(f):
        raise TypeError(f"hand_check: f must be a function of named Values, got {type(f).__name__}")
    point = check_point(at)
    if not isinstance(claimed, Mapping) or not claimed:
        raise TypeError("hand_check: claimed must be a non-empty dict {name: derivative or function}")
    check_names(f, claimed, point)
    if not isinstance(n_random, int) or n_random < 0:
        raise ValueError(f"hand_check: n_random must be a whole number ≥ 0, got {n_random!r}")
    eps = check_eps(eps, "hand_check")
    tolerance = Tolerance.make(rtol, atol, sig_figs)
    f_name = function_name(f)

    out, leaves = evaluate(f, point)
    out.backward()  # fresh leaves: nothing accumulates
    engine = {name: v.grad for name, v in leaves.items()}
    # a number worked by hand to sig_figs figures carries the rounding of every value written
    # down on the way: the judge's envelope through f's graph (a formula is evaluated exactly)
    spread = rounding_spread(out, sig_figs) if sig_figs is not None else {}
    rows, finder = [], None
    for name, claim in claimed.items():
        c = _claim_value(name, claim, point, strict=True)
        numeric = _central_difference(f, point, name, eps)
        s = None if callable(claim) else spread.get(leaves[name])
        ok = tolerance.agrees(c, engine[name], s)
        slip = None
        if not ok:
            if finder is None:
                finder = SlipFinder(out, f_name)
            slip = find_slip(c, engine[name], finder.candidates(leaves[name]), tolerance, s)
        rows.append(HandRow(name, c, engine[name], numeric, ok,
                            agrees(engine[name], numeric, FD_RTOL, FD_ATOL), slip))

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
            if not tolerance.agrees(c, grads[name]):
                counterexample = Counterexample(other, name, c, grads[name],
                                                _central_difference(f, other, name, eps), note)
                break
    not_tried = tuple(n for n in claimed if not callable(claimed[n]))
    return HandCheck(tuple(rows), point, counterexample, tried, not_tried, tolerance, f_name)


# ---------------------------------------------------------------------------
def check_point(at) -> dict[str, float]:
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


def check_names(f, claimed, point) -> None:
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


def evaluate(f, point: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
    leaves = {name: Value(x, name) for name, x in point.items()}
    out = f(**leaves)
    if not isinstance(out, Value):
        raise TypeError(
            f"hand_check: f must return a Value (built from its arguments), got {type(out).__name__} {out!r}"
        )
    return out, leaves


def _engine_grads(f, point) -> dict[str, float]:
    out, leaves = evaluate(f, point)
    out.backward()  # fresh leaves every time: nothing accumulates
    return {name: v.grad for name, v in leaves.items()}


def _central_difference(f, point, name: str, eps: float) -> float:
    """(f(x + h) − f(x − h)) / 2h along `name`; nan where f is undefined nearby."""
    names = list(point)

    def on_floats(*x: float) -> float:
        return evaluate(f, dict(zip(names, x)))[0].data

    try:
        return central_difference(on_floats, list(point.values()), names.index(name),
                                  eps * max(1.0, abs(point[name])))
    except (ArithmeticError, ValueError):
        return math.nan


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
