"""Checked exercises: a student writes an answer, a check says right or wrong and why,
without printing the solution.

    answer = ...                      # the cell the student fills in
    check_answer(answer, engine_value, what="δ_1", mistakes={"h'(a_1) is missing": without_h})

    derivative = ...                  # a formula, as a function of the point
    check_derivative(f, derivative, at={"x": 0.5, "y": 2.0}, wrt="x")

Both go through the judge (`autograd.teaching.judge`) and return its `Verdict`, shown as
one line: "not answered yet", "right" or "wrong", followed by the reason. A wrong number
is told which known slip it matches, or that its sign is wrong (only when its size is
right), or that its size is off; a wrong formula is told a point where it disagrees with
the engine and the value *it* gives there. The engine's value is never shown.
The notebooks' convention for exercises is described in notebooks/README.md.
"""

from __future__ import annotations

import math
import numbers
from typing import Callable, Mapping

from autograd.teaching.handcheck import hand_check
from autograd.teaching.judge import Tolerance, Verdict, judge, read_number
from autograd.teaching.slips import KINDS, Slip, kind_slip
from autograd.value import Value

__all__ = ["Verdict", "check_answer", "check_derivative", "NOT_ANSWERED", "RIGHT", "WRONG"]

NOT_ANSWERED, RIGHT, WRONG = "not answered yet", "right", "wrong"


def _unanswered(answer) -> bool:
    return answer is None or answer is Ellipsis


def _author_number(x, name: str) -> float:
    if isinstance(x, Value):
        x = x.data
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(float(x)):
        raise TypeError(f"check_answer: {name} must be a finite number (the engine's value), got {x!r}")
    return float(x)


def close(answer: float, expected: float, digits: int = 3, atol: float = 1e-9) -> bool:
    """True when `answer` is `expected` to `digits` significant figures, as the judge
    rules (`Tolerance.make(sig_figs=digits)`: the rounded value ± one unit of the last figure)."""
    return Tolerance.make(sig_figs=digits, atol=atol).agrees(answer, expected)


def _mistake_slips(mistakes: Mapping[str, float]) -> list[Slip]:
    """The exercise's known slips: a key that is a slip kind ("wrong_order") is said in
    the lectures' words; any other key is the exercise's own description of the slip."""
    found = []
    for description, value in mistakes.items():
        if description in KINDS:
            found.append(kind_slip(description, value))
        else:
            found.append(Slip("named", description, value, hint=description))
    return found


def check_answer(
    answer,
    expected: float,
    what: str = "your answer",
    digits: int = 3,
    mistakes: Mapping[str, float] | None = None,
    hint: str = "",
) -> Verdict:
    """Check a number worked out by hand against `expected` (computed by the engine),
    through the judge (`autograd.teaching.judge.judge`).

    answer    the student's number, or a string as `grade` reads it ("−0.25", "≈0.222",
              "2.22×10^-1"); `...` or None means not answered yet.
    expected  the right value; never shown.
    what      the quantity's name, as the exercise writes it (e.g. "δ_1").
    digits    significant figures that must agree (a hand calculation rounds).
    mistakes  description → the value a known slip gives, e.g.
              {"the factor h'(a_1) is missing": value_without_it}; a key may also be a
              slip kind of `autograd.teaching.slips.KINDS` ("wrong_order", "loss_factor"),
              said in the lectures' words. A wrong answer equal to one is told which slip it is.
    hint      said after any wrong answer.
    """
    # the exercise's own arguments: a mistake here is the author's, so it raises
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 15:
        raise ValueError(f"check_answer: digits must be a whole number from 1 to 15, got {digits!r}")
    expected = _author_number(expected, "expected")
    mistakes = {slip: _author_number(v, f"mistakes[{slip!r}]") for slip, v in (mistakes or {}).items()}
    if _unanswered(answer) or read_number(answer).status == "missing":
        return Verdict(NOT_ANSWERED, f"replace the ... in the answer cell with your value of {what}, "
                                     "then run the check again")
    slips = [kind_slip("sign", -expected)] if expected != 0 else []
    atol = 1e-9 if expected == 0 else 0.0  # (a right 0 is not a number of significant figures)
    verdict = judge(answer, expected, sig_figs=digits, atol=atol, slips=slips + _mistake_slips(mistakes), what=what)
    if verdict.status == "unreadable":
        return Verdict(WRONG, f"{what} should be a number; {type(answer).__name__} {answer!r} is not one I can read "
                              "(write it as -0.25, −1/4, 0,25 or 2.5×10^-1, without units or words)")
    value = verdict.value
    if verdict.status == RIGHT:
        return Verdict(RIGHT, f"{what} = {value:.6g} agrees with the engine to {digits} significant figures",
                       value=value)
    slip = verdict.slip
    if slip is not None and slip.kind == "named":
        why = f"this is the value you get when {slip.hint}"
    elif slip is not None:
        why = slip.hint
    elif expected == 0 or value == 0:
        why = "it is not the engine's value"
    elif (value > 0) != (expected > 0):
        why = "neither the sign nor the size is right"
    else:
        why = "the sign is right, but it is too " + ("large" if abs(value) > abs(expected) else "small") + " in size"
    return Verdict(WRONG, f"{what} = {value:.6g}: {why}" + (f". Hint: {hint}" if hint else ""), slip, value)


def check_derivative(
    f: Callable[..., Value],
    answer,
    at: Mapping[str, float],
    wrt: str,
    n_random: int = 20,
    hint: str = "",
    digits: int = 3,
) -> Verdict:
    """Check a derivative formula against the engine with `hand_check`.

    f       the function, called with one Value per name of `at`.
    answer  the student's ∂f/∂wrt as a function of the point (called as answer(**at)),
            or a number; `...` or None means not answered yet.
    at      the point; a formula is also tried at `n_random` random points near it.
    digits  for a number: the significant figures it is judged to, by the judge's rule
            (as `check_answer`; a formula is evaluated exactly and held to 1e-4).
    """
    what = f"∂f/∂{wrt}"
    if not callable(f):
        raise TypeError(f"check_derivative: f must be a function of named Values, got {type(f).__name__}")
    if not isinstance(at, Mapping) or wrt not in at:
        raise ValueError(f"check_derivative: wrt={wrt!r} must be one of the names of at, the point "
                         f"({', '.join(map(repr, at)) if isinstance(at, Mapping) else at!r})")
    if _unanswered(answer):
        return Verdict(NOT_ANSWERED, f"replace the ... in the answer cell with your formula for {what}, then run the check again")
    if not callable(answer):
        reading = read_number(answer)
        if reading.status != "ok":
            return Verdict(WRONG, f"{what} should be a number or a formula; {type(answer).__name__} {answer!r} "
                                  "is neither (a formula is a function of the point: lambda x, y: ...)")
        answer = reading.value
    try:
        if callable(answer):
            table = hand_check(f, {wrt: answer}, at, n_random=n_random)
        else:  # a number worked by hand: rounded, as check_answer's
            table = hand_check(f, {wrt: answer}, at, n_random=0, sig_figs=digits)
    except (TypeError, ValueError) as err:
        if "the claim for" not in str(err):
            raise  # the exercise itself is wrong (f, at), not the student's answer
        # e.g. the formula takes other argument names, or returns something else than a number
        return Verdict(WRONG, f"your formula could not be checked: {err}")
    row = table.rows[0]
    point = ", ".join(f"{k} = {v:.6g}" for k, v in table.at.items())
    if not row.ok:
        why = f"at {point} your {what} is {row.claimed:.6g}, which is not the engine's value"
        if row.slip is not None:
            why += f"; likely slip: {row.slip.hint}"
    elif table.counterexample is not None:
        c = table.counterexample
        there = ", ".join(f"{k} = {v:.6g}" for k, v in c.point.items())
        gives = c.note or f"it gives {c.claimed:.6g}"
        why = f"right at {point}, but wrong at {there}: {gives}, which is not the engine's value there"
    else:
        tried = f" and at {table.random_points} random points near it" if table.random_points else ""
        return Verdict(RIGHT, f"{what} agrees with the engine at {point}{tried}")
    return Verdict(WRONG, why + (f". Hint: {hint}" if hint else ""))
