"""The judge: when a student's number counts as right, and how that is said.

Every check of a student's number goes through here — `check_answer`,
`check_derivative`, `hand_check`, `grade`, `nn`'s `Exercise.grade` and
`Assignment.grade`, the quiz pages (whose script reads its patterns and rule from this
module) and the playground — so all of them read the same strings and agree on "right".

    from autograd.teaching.judge import judge
    judge("≈ −0.915", -0.915564535, sig_figs=3)          # Verdict: right
    judge("0.915", -0.915564535, sig_figs=3).slip.kind   # "sign"

**One number reader** (`read_number`): what students write — 0.25, −0.25 (any minus
sign), 0,25 (a decimal comma), −3/4, ≈0.222, 0.222 (3 s.f.), 2.22×10^-1, 2.22·10⁻¹,
2.22E-1 — read by patterns, never evaluated. Units or words around a number ("0.2 m",
"about 0.2") are *unreadable*: the reader never guesses.

**One tolerance** (`Tolerance`):

    default      |claimed − engine| ≤ atol + rtol·|engine| + spread   (atol 1e-6, rtol 1e-4)
    sig_figs=k   |claimed − engine| ≤ spread + ½ unit in the k-th figure, where `spread`
                 is how far the right method can land from the engine's value when the
                 student rounds the intermediates as told (`rounding_spread`); with no
                 graph to measure it on, the claim must be the engine's value rounded to
                 k figures, ± one unit in the k-th figure (one rounded intermediate's worth).

`rounding_spread(root, figures)` propagates rounding through the actual graph: every
value a student writes down (a_j, z_j, h'(a_j), δ_j, δ_j z_k) may be rounded to
`figures` significant figures, and a first-order worst-case bound (every error taken
with the sign that hurts) follows each one to every δ. So a student who works the
handout's printed 4-figure numbers is right, and a slip is *named* only when its number
lies outside that envelope (`autograd.teaching.slips`).

**One verdict** (`judge` → `Verdict`): right, wrong (with the slip, if one is evident),
missing or unreadable, and `feedback_line` words it for a student without the answer.
"""

from __future__ import annotations

import math
import numbers
import re
import sys
from dataclasses import dataclass, field
from typing import Iterable

# A "Slip" below is autograd.teaching.slips.Slip: slips imports this module, so the judge
# only carries slips it is handed (their .kind, .value and .hint) and never imports them.

__all__ = ["Tolerance", "agrees", "RTOL", "ATOL", "MAX_SIG_FIGS", "read_number", "Reading", "Verdict",
           "judge", "rounding_spread", "half_unit", "round_figures", "VERDICTS", "feedback_line",
           "READER_PATTERNS", "MARGIN", "SLIP_WINDOW", "Feedback", "find_slip"]

RTOL = 1e-4  # claim vs engine
ATOL = 1e-6
MAX_SIG_FIGS = 15  # a float carries about 16 significant figures
MARGIN = 1.1  # the first-order bound of rounding_spread, widened for the second-order terms it leaves out
# A slip is named when the answer lies within this fraction of the slipped method's envelope.
# In a simulated class (tests/test_teaching_judge.py), 99 % of slipped answers worked with 3- or
# 4-figure intermediates lie within 0.41 of it and 99.9 % within 0.62; a guess rarely does.
SLIP_WINDOW = 0.6
VERDICTS = ("right", "carried", "wrong", "missing", "unreadable")


# ---------------------------------------------------------------------------
# The number reader
# ---------------------------------------------------------------------------
# The patterns are written in the syntax Python's `re` and JavaScript's RegExp share
# ([0-9], not \d, which in Python also matches other scripts' digits), so the quiz
# pages compile the very same strings (READER_PATTERNS is put into each page).
_DEC = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+|[0-9]+,[0-9]+)"  # 1.5, .5, 3., 0,25 (a decimal comma)
_PLAIN = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"  # the parts of a fraction
_EXP = r"(?:\^|\*\*)(?:([+-]?[0-9]+)|\(([+-]?[0-9]+)\)|\{([+-]?[0-9]+)\})"  # ^-1, ^(-1), ^{-1}, **-1
# Python's whitespace (str.split, str.strip), spelled out: JavaScript's \s is another set.
_WS = r"[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
_FIG = rf"(?:s\.?{_WS}*f\.?|sig\.?{_WS}*figs?\.?|significant{_WS}+figures?)"
READER_PATTERNS = {
    "space": _WS,
    # "0.222 (3 s.f.)", "0.222 (to 3 sig figs)", "0.222 3 s.f.": the figures the student states
    "figures": rf"(?:\({_WS}*(?:to{_WS}+)?([0-9]{{1,2}}){_WS}*{_FIG}{_WS}*\)"
               rf"|{_WS}(?:to{_WS}+)?([0-9]{{1,2}}){_WS}*{_FIG}){_WS}*$",
    # a mantissa, then e-1 or ×10^-1 (× x · * ⋅ as the times sign)
    "number": rf"^([+-]?)({_DEC})(?:[eE]([+-]?[0-9]+)|[×xX*·⋅]10{_EXP})?$",
    "power": rf"^([+-]?)10{_EXP}$",  # 10^-3 alone
    "fraction": rf"^({_PLAIN})/({_PLAIN})$",
    "approx": r"^(?:≈|~|≃|=)",  # ≈0.222: the student says it is rounded
}
_SPACE = re.compile(READER_PATTERNS["space"])
_FIGURES = re.compile(READER_PATTERNS["figures"], re.IGNORECASE)
_NUMBER = re.compile(READER_PATTERNS["number"])
_POWER = re.compile(READER_PATTERNS["power"])
_FRACTION = re.compile(READER_PATTERNS["fraction"])
_APPROX = re.compile(READER_PATTERNS["approx"])
# Every minus and plus sign a keyboard or a word processor makes, as the ASCII one;
# superscripts (10⁻¹) as ^-1. The quiz pages get this table too.
SIGNS = {"−": "-", "–": "-", "‒": "-", "—": "-", "﹣": "-", "－": "-", "＋": "+", "﹢": "+"}
SUPERSCRIPTS = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7",
                "⁸": "8", "⁹": "9", "⁻": "-", "⁺": "+"}
MAX_LENGTH = 64  # no number a student writes is longer


@dataclass(frozen=True)
class Reading:
    """What `read_number` made of an answer: value (None unless status is "ok"),
    status "ok", "missing" or "unreadable", and the significant figures the student
    stated ("0.222 (3 s.f.)"), if any."""

    value: float | None
    status: str
    figures: int | None = None

    def __iter__(self):  # value, status = read_number(x)
        return iter((self.value, self.status))


def _superscripts(text: str) -> str:
    """10⁻¹ → 10^-1: a run of superscript characters becomes ^ and its plain characters."""
    out, inside = [], False
    for ch in text:
        if ch in SUPERSCRIPTS:
            if not inside:
                out.append("^")
            out.append(SUPERSCRIPTS[ch])
            inside = True
        else:
            out.append(ch)
            inside = False
    return "".join(out)


def read_number(answer) -> Reading:
    """The number in a student's answer. Never raises and never evaluates.

    None, `...`, "" and nan (an empty spreadsheet cell) are missing; True/False, a list,
    inf, 1/0, "0.2 m", "about 0.2", "?" are unreadable; see the module doc for what is read."""
    if answer is None or answer is Ellipsis:
        return Reading(None, "missing")
    if hasattr(answer, "data") and hasattr(answer, "grad") and not isinstance(answer, (str, bytes)):
        answer = answer.data  # a Value counts as its number
    if isinstance(answer, bool):
        return Reading(None, "unreadable")
    if isinstance(answer, numbers.Real):
        try:
            x = float(answer)
        except (TypeError, ValueError, OverflowError):
            return Reading(None, "unreadable")
        if math.isnan(x):
            return Reading(None, "missing")
        return Reading(x, "ok") if math.isfinite(x) else Reading(None, "unreadable")
    if isinstance(answer, bytes):
        try:
            answer = answer.decode("utf-8")
        except UnicodeDecodeError:
            return Reading(None, "unreadable")
    if not isinstance(answer, str):
        return Reading(None, "unreadable")
    if len(answer) > 4 * MAX_LENGTH:
        return Reading(None, "unreadable")
    text = _superscripts("".join(SIGNS.get(ch, ch) for ch in answer))
    if not _SPACE.sub("", text):
        return Reading(None, "missing")
    figures = None
    if m := _FIGURES.search(text):
        figures = int(m.group(1) or m.group(2))
        text = text[:m.start()]
    text = _SPACE.sub("", text)  # no spaces: "- 3 / 4" is -3/4, "1 234" is not a number anyway
    text = _APPROX.sub("", text, count=1)
    if len(text) > MAX_LENGTH or not text:
        return Reading(None, "unreadable")
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    x = _value(text)
    if x is None or not math.isfinite(x) or figures == 0:
        return Reading(None, "unreadable")
    return Reading(x, "ok", figures)


def _value(text: str) -> float | None:
    """The number a whole, normalised string is (see READER_PATTERNS), or None."""
    try:
        if m := _NUMBER.fullmatch(text):
            sign, mantissa = m.group(1), m.group(2).replace(",", ".")
            exponent = next((g for g in m.groups()[2:] if g is not None), "0")
            return float(f"{sign}{mantissa}e{exponent}")  # one correctly rounded conversion
        if m := _POWER.fullmatch(text):
            exponent = next(g for g in m.groups()[1:] if g is not None)
            return float(f"{m.group(1)}1e{exponent}")
        if m := _FRACTION.fullmatch(text):
            top, bottom = float(m.group(1)), float(m.group(2))
            return None if bottom == 0.0 else top / bottom
    except (ValueError, OverflowError):
        return None
    return None


# ---------------------------------------------------------------------------
# Rounding
# ---------------------------------------------------------------------------
def round_figures(x: float, k: int) -> float:
    """x rounded to k significant figures (the correctly rounded decimal)."""
    return float(f"{x:.{k - 1}e}") if math.isfinite(x) and x != 0.0 else x


def half_unit(x: float, k: int) -> float:
    """Half a unit in the k-th significant figure of |x|: the most that rounding x to k
    figures moves it (0.0005 for x = 0.9156, k = 3). 0 for x = 0."""
    x = abs(x)
    if x == 0.0 or not math.isfinite(x):
        return 0.0
    return 0.5 * 10.0 ** (math.floor(math.log10(x)) - k + 1)


def _rounding(x: float, err: float, k: int | None) -> float:
    """The error rounding a value known to ±err to k figures can add: none when k is
    None, or when the value is exact (err = 0) and already has at most k figures (a
    weight of 0.3, a target of 0.5: nobody rounds those)."""
    if k is None or (err == 0.0 and round_figures(x, k) == x):
        return 0.0
    return half_unit(abs(x) + err, k)


def rounding_spread(root, figures: int | None, margin: float = MARGIN) -> dict:
    """For every node j of root's graph, how far the right method's δ_j = ∂root/∂j can
    land from the engine's when the student rounds each value written down to `figures`
    significant figures (None: no rounding, a spread of 0).

    Forward, each value v_j carries an error bound e_j = Σ_{i∈↑j} |∂j/∂i| e_i plus its own
    rounding; each local derivative ∂k/∂j, computed from those values (h'(a) = 1 − z²
    from the rounded z), carries the change of the rule's derivative over them plus its
    own rounding; backward, δ_j = Σ_{k∈↓j} δ_k ∂k/∂j carries

        d_j = Σ_k |∂k/∂j| d_k + |δ_k| e(∂k/∂j) + d_k e(∂k/∂j)   plus its own rounding,

    the worst case of a product and a sum of rounded numbers. `margin` widens the
    first-order bound for what it leaves out. Returns {node: spread of its δ}."""
    from autograd import ops  # (the core; imported here so `judge` loads on its own in a page)
    from autograd.graph import pull_deltas, topological_order

    order = topological_order(root)
    if figures is None:
        return {node: 0.0 for node in order}
    k = figures
    err: dict = {}
    for j in order:
        if not j.parents:
            err[j] = abs(round_figures(j.data, k) - j.data)  # a given number, as printed
        else:
            carried = math.fsum(abs(l) * err[i] for i, l in zip(j.parents, j.local_grads))
            err[j] = carried + _rounding(j.data, carried, k)
    local_err: dict = {}
    for j in order:
        if not j.parents:
            continue
        changed = [0.0] * len(j.parents)
        try:
            rule, constants = ops.parse_op(j.op)
            args = [p.data for p in j.parents]
            for m, p in enumerate(j.parents):
                e = err[p]
                if len(j.parents) == 1 and j.local_grads[0] != 0.0:
                    # h'(a) is computed from the rounded output (1 − z²): the output's own rounding
                    # moves it as much as moving the input by that rounding / h'(a)
                    own = _rounding(j.data, err[j], k)
                    e += min(own / abs(j.local_grads[0]), 100.0 * own)
                if e == 0.0:
                    continue
                for sign in (1.0, -1.0):
                    moved = list(args)
                    moved[m] += sign * e
                    try:
                        _, grads = rule.fn(*moved, *constants)
                    except (ArithmeticError, ValueError, TypeError):
                        continue  # outside the rule's domain: the other side still bounds it
                    for i, (g, g0) in enumerate(zip(grads, j.local_grads)):
                        if isinstance(g, (int, float)) and math.isfinite(g):
                            changed[i] = max(changed[i], abs(g - g0))
        except ValueError:
            pass  # an op no row knows: its local derivatives count as exact
        for i, l in enumerate(j.local_grads):
            local_err[(j, i)] = changed[i] + _rounding(l, changed[i], k)
    delta = pull_deltas(root)
    spread = {node: 0.0 for node in order}
    for j in reversed(order):  # every δ_k of ↓j is complete before j is reached
        if j is not root and j.parents:
            spread[j] += _rounding(delta.get(j, 0.0), spread[j], k)
        for i, (p, l) in enumerate(zip(j.parents, j.local_grads)):
            d_k, s_k, el = delta.get(j, 0.0), spread[j], local_err[(j, i)]
            term = abs(l) * s_k + abs(d_k) * el + s_k * el
            spread[p] += term + _rounding(d_k * l, term, k)  # each term δ_k·∂k/∂j, written down
    return {node: margin * s for node, s in spread.items()}


# ---------------------------------------------------------------------------
# The tolerance
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Tolerance:
    """When a claimed number counts as right (the module doc gives both rules).

    Make one with `Tolerance.make(rtol=, atol=, sig_figs=)`, which checks the numbers."""

    rtol: float = RTOL
    atol: float = ATOL
    sig_figs: int | None = None

    @classmethod
    def make(cls, rtol=None, atol=None, sig_figs=None, who: str = "hand_check") -> "Tolerance":
        if sig_figs is not None and rtol is not None:
            raise ValueError(f"{who}: give sig_figs or rtol, not both (they are two different rules)")
        if sig_figs is not None and (isinstance(sig_figs, bool) or not isinstance(sig_figs, int)
                                     or not 1 <= sig_figs <= MAX_SIG_FIGS):
            raise ValueError(f"{who}: sig_figs must be a whole number from 1 to {MAX_SIG_FIGS}, got {sig_figs!r}")
        for name, x in (("rtol", rtol), ("atol", atol)):
            if x is not None and (isinstance(x, bool) or not isinstance(x, numbers.Real)
                                  or not math.isfinite(x) or x < 0):
                raise ValueError(f"{who}: {name} must be a number ≥ 0, got {x!r}")
        return cls(RTOL if rtol is None else float(rtol), ATOL if atol is None else float(atol), sig_figs)

    def agrees(self, claimed: float, engine: float, spread: float | None = None) -> bool:
        """Is `claimed` right for the engine's value `engine`? `spread` is how far the
        right method may land from it (`rounding_spread`); None: not measured.
        (False for nan or infinities.)"""
        if not (math.isfinite(claimed) and math.isfinite(engine)):
            return False
        if self.sig_figs is None:
            return abs(claimed - engine) <= self.atol + self.rtol * abs(engine) + (spread or 0.0)
        if abs(claimed - engine) <= self.atol:
            return True  # e.g. an engine value of 0 (or 1e-17, a rounding error away from 0)
        k = self.sig_figs
        if spread is not None:
            # the right method lands within ±spread; the answer is then rounded to k figures
            width = spread + half_unit(abs(engine) + spread, k)
            return abs(claimed - engine) <= width * (1 + 1e-9) + 4 * sys.float_info.epsilon * abs(engine)
        rounded = round_figures(engine, k)
        if rounded == 0.0:
            return False  # (engine 0 and claimed beyond atol)
        ulp = 10.0 ** (math.floor(math.log10(abs(rounded))) - k + 1)  # one unit in the k-th figure
        # + the rounding error of the floats themselves (0.1 + 0.2 ≠ 0.3; 65536.001 − 65536 ≠ 0.001)
        slack = 1e-9 * ulp + 4 * sys.float_info.epsilon * max(abs(claimed), abs(rounded))
        return abs(claimed - rounded) <= ulp + slack

    def width(self, engine: float, spread: float | None = None) -> float:
        """How far a right claim may lie from `engine` (the widest; for separating slips)."""
        if self.sig_figs is None:
            return self.atol + self.rtol * abs(engine) + (spread or 0.0)
        if spread is None:
            return max(self.atol, 3 * half_unit(engine, self.sig_figs))
        return max(self.atol, spread + half_unit(abs(engine) + spread, self.sig_figs))

    def describe(self) -> str:
        if self.sig_figs is None:
            return f"a claim is right within {self.atol:g} + {self.rtol:g}·|engine|"
        figures = "figure" if self.sig_figs == 1 else "figures"
        return (f"a claim is right when it is the engine's value to {self.sig_figs} significant {figures}, "
                "give or take what rounding the intermediate values moves it")


def agrees(claimed: float, engine: float, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """|claimed − engine| ≤ atol + rtol·|engine| (false for nan or infinities)."""
    return math.isfinite(claimed) and math.isfinite(engine) and \
        abs(claimed - engine) <= atol + rtol * abs(engine)


# ---------------------------------------------------------------------------
# The verdict
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    """What the judge says about one answer: `status` (right, carried, wrong, missing,
    unreadable — or, from `check_answer`, "not answered yet"), `why` in words that
    never show the answer, the `slip` behind a wrong answer when one is evident, and
    the number read (`value`)."""

    status: str
    why: str
    slip: "Slip | None" = field(default=None, compare=False)
    value: float | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("right", "carried")

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return f"{self.status}: {self.why}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        from autograd import escape  # (only a notebook shows this: the judge itself needs no page)

        colour = {"right": "#2a7d2a", "carried": "#2a7d2a", "wrong": "#c0392b"}.get(self.status, "#7f6000")
        return f"<p><b style='color:{colour}'>{self.status}</b>: {escape.html(self.why)}</p>"


class Feedback(str):
    """A student's feedback: the text (a str, as printed), and `ok` (every answer right,
    or carried) and `score` (0 to 1) for a test cell's `assert feedback.ok, feedback`."""

    ok: bool
    score: float

    def __new__(cls, text: str, ok: bool, score: float) -> "Feedback":
        out = super().__new__(cls, text)
        out.ok, out.score = bool(ok), float(score)
        return out

    def __bool__(self) -> bool:
        return self.ok


HOW_TO_WRITE = "write a number such as -0.25, −1/4, 0,25 or 2.5×10^-1"


def feedback_line(status: str, what: str, slip: "Slip | None" = None) -> str:
    """One answer's verdict in words for the student: never the engine's number."""
    if status == "right":
        return f"{what}: right"
    if status == "carried":
        return f"{what}: right, given your earlier answer (follow-through: it carries that answer correctly)"
    if status == "missing":
        return f"{what}: no answer"
    if status == "unreadable":
        return f"{what}: not a number I can read ({HOW_TO_WRITE}, without units or words)"
    if slip is not None:
        return f"{what}: wrong. Likely slip: {slip.hint}"
    return f"{what}: wrong"


def judge(answer, truth: float, *, sig_figs: int | None = None, rtol: float | None = None,
          atol: float | None = None, spread: float | None = None, slips: Iterable["Slip"] = (),
          what: str = "your answer", tolerance: Tolerance | None = None) -> Verdict:
    """The verdict on one answer whose right value is `truth`.

    answer    what the student wrote: a number or a string (`read_number`).
    truth     the engine's value; never shown.
    sig_figs, rtol, atol, spread   the tolerance (`Tolerance`; `spread` from `rounding_spread`).
    slips     candidate slips (`autograd.teaching.slips`) with the numbers they give; the
              first whose number the answer agrees with, and which the right answer's
              envelope does not reach, is named.
    what      the quantity's name for the wording (e.g. "δ^{(1)}_2").

    This is the function the quiz pages and the playground call."""
    tolerance = tolerance or Tolerance.make(rtol, atol, sig_figs, who="judge")
    reading = read_number(answer)
    if reading.status != "ok":
        return Verdict(reading.status, feedback_line(reading.status, what))
    value = reading.value
    if tolerance.agrees(value, truth, spread):
        return Verdict("right", feedback_line("right", what), None, value)
    slip = find_slip(value, truth, slips, tolerance, spread)
    return Verdict("wrong", feedback_line("wrong", what, slip), slip, value)


def find_slip(value: float, truth: float, slips: Iterable["Slip"], tolerance: Tolerance,
              spread: float | None = None) -> "Slip | None":
    """The first slip whose number `value` lies close to: within SLIP_WINDOW of the
    envelope the slipped method can land in (a right answer gets the whole envelope:
    it must never be marked wrong; a slip is *named* only on closer evidence). Never a
    slip whose number the right answer's envelope reaches: there the evidence cannot
    tell the slip from a rounded right answer."""
    scale = (lambda x: None if spread is None else spread * max(1.0, abs(x) / max(abs(truth), 1e-300)))
    for s in slips:
        if not math.isfinite(s.value):
            continue
        near_truth = abs(s.value - truth) <= tolerance.width(truth, spread) + tolerance.width(s.value, scale(s.value))
        if near_truth:
            continue
        if abs(value - s.value) <= SLIP_WINDOW * tolerance.width(s.value, scale(s.value)):
            return s
    return None
