"""Backprop exercises with numbers a student can work by hand, one variant per seed.

    import nn
    ex = nn.exercise([2, 2, 1], "tanh", "half_sse", seed=7)
    ex.x, ex.target               # short decimals: [0.7, -1.5], [0.5]
    ex.model.layers[0].neurons[0].w[0].data        # a multiple of 0.1
    ex.solution()                 # ∂E/∂w for every weight and bias, by name
    ex.deltas()                   # δ_j = ∂E/∂a_j for every unit
    ex.grade({"ana": {"w[1]_{1,1}": "0.032", ...}}, sig_figs=2)

`nice=True` draws every weight as a multiple of 0.1 in [−1, 1] (never 0, so every
path matters), every bias as a multiple of 0.1 in [−0.5, 0.5], every input as ±0.3,
±0.7 or ±1.5 (a size of its own for each input: see `_inputs` and INPUT_SIZES; a fourth
and fifth input also ±0.4, ±1.2), and the target as a multiple of 0.5 (a 0/1 label for bce, a class index
for the cross-entropies). It redraws until no unit saturates (|a_j| ≤ 2 for tanh and
sigmoid: tanh'(2) = 0.07, σ'(2) = 0.10), no unit sits at the kink of relu & co.
(|a_j| ≥ 0.1), no relu unit is dead (a_j > 0) and the output misses its target by at
least 0.1, so every δ is worth computing, and for hand-sized networks until no two answers
of the sheet (δ_j, ∂E/∂w) are equal up to sign at the answer's precision: no number a grader
(3 significant figures, intermediates rounded as `distinct_figures` says) would accept for one
answer is accepted for another or its negative (`alike_answers`; on a sheet of hand size also
not within 2%). For sheets of hand size (up to 18 answers:
2-2-1, 2-2-2, 2-3-1) it also redraws until a grader can tell every slip apart
(`slip_clashes`): each of the lectures' slips (autograd.teaching.slips) lands outside
the range a right method with 3-figure intermediates can give (`rounding_intervals`),
and no two kinds of slip give the same number. The draw depends on the seed only: one
seed per student gives each their own variant, the same every time.

The solution is computed twice — by the lectures' layer-by-layer delta rule
(`nn.textbook.textbook_backprop`, plain floats) and by the engine (`model.trace`, loss,
`backward()`) — and the two must agree to 1e-9 or the exercise refuses to exist.
"""

from __future__ import annotations

import math
import os
import random
import zlib
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import autograd
from autograd import Value
from autograd.teaching.grade import gradable, read_answers, sheet_slips
from autograd.teaching.grade import same_number, table_of as _table
from autograd.teaching.exercise import NOT_ANSWERED, RIGHT, WRONG
from autograd.teaching.judge import (SLIP_WINDOW, Feedback, Tolerance, Verdict, feedback_line, half_unit, read_number,
                                     round_figures)
from autograd.teaching.slips import Slip, SlipFinder, lecture_name
from nn import exports, losses
from nn.draw import name_of  # the one name of each quantity
from nn.module import MLP, check_activation
from nn.textbook import Textbook, h_prime, h_value, textbook_backprop

__all__ = ["exercise", "Exercise", "assignment", "Assignment", "student_seed", "OUTPUT_FOR_LOSS"]

# The output activation that goes with each loss (the lectures' matched pairs).
OUTPUT_FOR_LOSS = {
    "half_sse": "identity",
    "mse": "identity",
    "bce": "sigmoid",
    "cross_entropy": "softmax",
    "softmax_cross_entropy": "identity",
}
SATURATING = ("tanh", "sigmoid")
KINKED = ("relu", "leaky_relu", "elu")
MAX_A = 2.0  # |a_j| ≤ 2: tanh'(2) = 0.07, σ'(2) = 0.10 — still far from flat
MIN_KINK = 0.1  # relu & co.: |a_j| ≥ 0.1, away from the kink at 0
MIN_MISS = 0.1  # the output misses its target by at least this much
AGREE = 1e-9  # textbook vs engine
# The inputs' sizes (see _inputs). Two answers of a row, δ_j x_k and δ_j x_m, are equal up to
# sign where two inputs have one size; in the ratio 2, or with an x of 1, ½ or 2 (forgetting x_k),
# they look like the ½ of E forgotten, or a swap. No two of these sizes are in the ratio 1, 2 or ½.
INPUT_SIZES = (0.3, 0.7, 1.5)
# A fourth and fifth input take these as well; still no two sizes in the ratio 1, 2 or ½.
# (Sheets of up to three inputs draw from INPUT_SIZES alone, so their variants stay as they were.)
MORE_INPUT_SIZES = (0.4, 1.2)
HAND_SHEET = 18  # answers on a sheet of hand size (2-2-1: 12, 2-2-2: 16, 2-3-1: 17): every slip kept apart there
MAX_CLASH_CHECKS = 2000  # draws tried for one such sheet (a 2-2-2 sheet needs ~6 on average)
VISIBLE = 0.02  # a slip changes an answer by at least 2%: far beyond 3 significant figures


def _grid(rng: random.Random, step: float, low: float, high: float, nonzero: bool = False) -> float:
    """A random multiple of `step` in [low, high] (rounded, so 0.30000000000000004 is 0.3)."""
    n_low, n_high = round(low / step), round(high / step)
    while True:
        n = rng.randint(n_low, n_high)
        if n or not nonzero:
            return round(n * step, 10)


@dataclass
class Exercise:
    """One network, input and target with the full solution (see the module doc)."""

    sizes: tuple[int, ...]  # input width, then each layer's width
    activation: str
    output: str
    loss: str
    seed: int
    nice: bool
    model: MLP
    x: list[float]
    target: object  # a list of numbers, or a class index for the cross-entropies
    textbook: Textbook = field(repr=False)
    E: float = 0.0
    engine_grads: dict[str, float] = field(default_factory=dict, repr=False)  # ∂E/∂param from backward()
    engine_deltas: dict[str, float] = field(default_factory=dict, repr=False)  # δ_j = ∂E/∂a_j

    # -- names: the model's labels, one per quantity (w[l]_{j,k}, b[l]_j, a[l]_j, z[l]_j)
    @property
    def names(self) -> list[str]:
        """The parameters, in model order: the derivatives a student is asked for."""
        return [p.label for p in self.model.parameters()]

    def at(self) -> dict[str, float]:
        """Parameter name → value: the point at which ∂E/∂w is asked."""
        return {p.label: p.data for p in self.model.parameters()}

    def forward(self) -> dict[str, float]:
        """a[l]_j and z[l]_j of every unit, and E (the textbook's forward pass)."""
        values: dict[str, float] = {}
        for l, (a, z) in enumerate(zip(self.textbook.a, self.textbook.z), start=1):
            for j, (a_j, z_j) in enumerate(zip(a, z), start=1):
                values[name_of("a", l, j)] = a_j
                values[name_of("z", l, j)] = z_j
        values["E"] = self.E
        return values

    def deltas(self) -> dict[str, float]:
        """δ[l]_j = ∂E/∂a[l]_j of every unit, from the textbook pass."""
        return {name_of("δ", l, j): d + 0.0 for l, layer in enumerate(self.textbook.delta, start=1)
                for j, d in enumerate(layer, start=1)}

    def solution(self) -> dict[str, float]:
        """∂E/∂w[l]_{j,k} and ∂E/∂b[l]_j for every parameter, from the textbook pass."""
        out: dict[str, float] = {}
        for l, (dw, db) in enumerate(zip(self.textbook.dE_dw, self.textbook.dE_db), start=1):
            for j, (row, d) in enumerate(zip(dw, db), start=1):
                for k, g in enumerate(row, start=1):
                    out[name_of("w", l, j, k)] = g + 0.0  # + 0.0: never a −0
                out[name_of("b", l, j)] = d + 0.0
        return {n: out[n] for n in self.names}  # model order

    def loss_function(self):
        """E as a function of the parameters, E(**{name: Value}) → Value, for
        `autograd.grade` and `autograd.hand_check` (the graph is the model's own)."""
        model, x, target, loss_fn = self.model, self.x, self.target, losses.get(self.loss)

        def E(**params: Value) -> Value:
            saved = [(n, n.w, n.b) for layer in model.layers for n in layer.neurons]
            try:
                for n, w, b in saved:  # the leaves handed in, in place of the weights
                    n.w, n.b = [params[v.label] for v in w], params[b.label]
                out = loss_fn(model(x), target)
            finally:
                for n, w, b in saved:
                    n.w, n.b = w, b
            out.label = "E"
            return out

        return E

    def items(self) -> list[str]:
        """Every answer the sheet may ask for: ∂E/∂w and ∂E/∂b per parameter (model
        order), then δ[l]_j per unit."""
        return self.names + list(self.deltas())

    def _graded(self, answers: Mapping) -> list[str]:
        """The parameters, and the δ rows any student answered."""
        asked = {n for given in answers.values() if isinstance(given, Mapping) for n in given}
        return self.names + [n for n in self.deltas() if n in asked]

    def grade(self, answers: Mapping | str, *, sig_figs: int | None = None, rtol: float | None = None,
              names: Iterable[str] | None = None, follow_through: bool = False, intermediates: int | None = None,
              points: Mapping[str, float] | None = None) -> autograd.Gradebook:
        """Grade answers {student: {name: answer}} (or a CSV file's path) for this exercise:
        ∂E/∂w[l]_{j,k}, ∂E/∂b[l]_j and δ[l]_j by name.

        A right method is right with its intermediates rounded to `intermediates`
        significant figures (default: the handout's 4, or sig_figs if fewer): the range
        it can land in comes from the lectures' own pass in interval arithmetic
        (`rounding_intervals`). `follow_through`, `points`: as for `autograd.grade`."""
        if isinstance(answers, (str, os.PathLike)):
            answers = read_answers(answers)
        figures = grading_figures(sig_figs, intermediates)
        return autograd.grade(self.loss_function(), answers, self.at(), sig_figs=sig_figs, rtol=rtol,
                              names=self._graded(answers) if names is None else names,
                              follow_through=follow_through, intermediates=figures, points=points,
                              spreads=spreads(self, figures))

    def spreads(self, sig_figs: int | None = 3, intermediates: int | None = None) -> dict[str, float] | None:
        """How far from the engine's value each answer can land by the lectures' method with
        the rounding `grade` assumes for these arguments (`spreads`, `grading_figures`):
        what the LMS exports add to their tolerance, so they accept what `grade` accepts."""
        return spreads(self, grading_figures(sig_figs, intermediates))

    def feedback(self, answers, *, sig_figs: int = 3, follow_through: bool = True,
                 intermediates: int | None = None) -> Feedback:
        """What one student may be shown for their answers {name: answer}: the verdict and
        the likely slip per answer, never the engine's number. Strings are read as `grade`
        reads them; nothing a student writes makes it raise (a name that is not on the
        sheet is said so, with the names that are). A str with `.ok` and `.score`, for a
        test cell's `assert feedback.ok, feedback` (otter-grader, nbgrader)."""
        if not isinstance(answers, Mapping):
            return Feedback("your answers should be a dict {name: number}, e.g. {'w[1]_{1,1}': -0.12}; "
                            f"got {type(answers).__name__}", False, 0.0)
        items = self.items()
        lines, mine = [], {}
        for name, answer in answers.items():
            if isinstance(name, str) and name in items:
                mine[name] = answer
            else:
                lines.append(f"{name!r} is not an item of this exercise (the items are {', '.join(items)})")
        if not mine:
            return Feedback("\n".join(lines + ["no answer to check yet"]), False, 0.0)
        book = self.grade({"you": mine}, sig_figs=sig_figs, follow_through=follow_through, intermediates=intermediates,
                          names=[n for n in items if n in mine])
        told = book.feedback("you")
        return Feedback("\n".join(lines + [told]), told.ok and not lines, told.score)

    def check(self, name: str, answer, *, sig_figs: int = 3) -> Verdict:
        """One answer of the sheet, checked as `check_answer` checks one: "not answered
        yet" (`...` or None), "right", or "wrong" with the likely slip in the lectures'
        words (the judge's, as `grade` finds it); never the engine's number."""
        if name not in self.items():
            raise ValueError(f"Exercise.check: {name!r} is not an item of this exercise "
                             f"(the items are {', '.join(self.items())})")
        if read_number(answer).status == "missing":
            return Verdict(NOT_ANSWERED, f"replace the ... in the answer cell with your value of "
                                         f"{lecture_name(name)}, then run the check again")
        book = self.grade({"you": {name: answer}}, sig_figs=sig_figs, names=[name])
        mark, what = book.mark("you", name), book.what(name)
        if mark.verdict == "right":
            return Verdict(RIGHT, f"{what} = {mark.value:.6g} is right to {sig_figs} significant figures",
                           value=mark.value)
        if mark.verdict == "unreadable":
            return Verdict(WRONG, feedback_line("unreadable", what))
        why = f"likely slip: {mark.slip.hint}" if mark.slip else "it is not the engine's value"
        return Verdict(WRONG, f"{what} = {mark.value:.6g}: {why}", mark.slip, mark.value)

    def alike(self, sig_figs: int = 3, figures: int | None = None) -> list[tuple[str, str]]:
        """Pairs of this sheet's answers that one number could pass for, up to sign
        (`alike_answers`; by default at the precision `exercise` keeps them apart at)."""
        return alike_answers(self, sig_figs, distinct_figures(self.sizes) if figures is None else figures)

    def draw(self, solved: bool = False, **options):
        """The network diagram with the forward values (and δ, ∂E/∂w when `solved`)."""
        from nn.draw import draw_network

        if solved:
            return draw_network(self.model, self.x, self.target, self.loss, **options)
        return draw_network(self.model, self.x, **options)

    def describe(self) -> str:
        arch = "-".join(map(str, self.sizes))
        return f"a {arch} network, {self.activation} hidden units, {self.output} output, loss {self.loss}"


def _inputs(rng: random.Random, nin: int) -> list[float]:
    """Hand-friendly inputs whose sizes differ: ±0.3, ±0.7 or ±1.5, a different size for
    each of up to three inputs (four or five: also ±0.4, ±1.2). Never ±1 (then ∂E/∂w_jk = δ_j x_k = ±∂E/∂b_j, one answer
    copied into another), never two inputs of one size (then ∂E/∂w_j1 = ±∂E/∂w_j2)."""
    pool = INPUT_SIZES if nin <= len(INPUT_SIZES) else INPUT_SIZES + MORE_INPUT_SIZES
    sizes = rng.sample(pool, nin) if nin <= len(pool) else rng.choices(pool, k=nin)
    return [size * rng.choice((-1.0, 1.0)) for size in sizes]


def _answers_differ(book: Textbook, loss: str) -> bool:
    """No two asked answers (δ of every unit, ∂E/∂w of every weight) are equal up to sign at
    VISIBLE: a student cannot copy one answer into another, and two swapped answers show.
    Pairs equal by the lectures' own rules are not counted: ∂E/∂b_j is δ_j (∂a_j/∂b_j = 1),
    and with two classes the softmax cross-entropy's δ_k = y_k − t_k sum to 0, so δ_2 = −δ_1."""
    two_classes = loss in ("cross_entropy", "softmax_cross_entropy") and len(book.delta[-1]) == 2
    delta = [list(layer) for layer in book.delta]
    dE_dw = [list(layer) for layer in book.dE_dw]
    if two_classes:
        delta[-1], dE_dw[-1] = delta[-1][:1], dE_dw[-1][:1]
    answers = [d for layer in delta for d in layer]
    answers += [g for layer in dE_dw for row in layer for g in row]
    sizes = sorted(abs(v) for v in answers)
    return all(b - a >= VISIBLE * b for a, b in zip(sizes, sizes[1:]))


def _unit_fits(h: str, a: float, hidden: bool, visible_slips: bool) -> bool:
    """One unit's part of `_fine`, known as soon as its a_j is: not saturated, not at a
    kink, not a dead relu, and (hidden, visible_slips) h'(a_j) neither ≈ 1 nor ≈ h'(z_j)."""
    if h in SATURATING:
        if abs(a) > MAX_A:
            return False
        if hidden and visible_slips:
            z = h_value(h, a)
            hp, hp_at_z = h_prime(h, a, z), h_prime(h, z, h_value(h, z))
            if abs(1.0 - hp) < VISIBLE or abs(hp_at_z - hp) < VISIBLE * abs(hp):
                return False
    if h in KINKED and abs(a) < MIN_KINK:
        return False
    return not (h == "relu" and a < 0)


def _apart(sizes: list[float]) -> bool:
    """No two of these sizes within VISIBLE of each other."""
    sizes = sorted(sizes)
    return all(b - a >= VISIBLE * b for a, b in zip(sizes, sizes[1:]))


UNIT_TRIES = 100  # draws of one unit's weights before the whole network is drawn again


def _draw(sizes, activation, output, loss, rng: random.Random, nice: bool, unit_by_unit: bool = False,
          visible_slips: bool = False):
    """A model, input and target. `unit_by_unit` (for sheets above hand size): the input
    first, then each unit's weights and bias drawn again, up to UNIT_TRIES times, until
    that unit fits (`_unit_fits`), layer by layer — for a 2-4-4-1 relu network, where a
    whole draw has all nine units alive about once in 500, each unit's is a coin toss.
    `_fine` still checks the whole network afterwards."""
    nin = sizes[0]
    model = MLP(nin, list(sizes[1:]), activation=activation, output=output, seed=rng.randrange(2**31))
    K = sizes[-1]
    if nice and unit_by_unit:
        x = _inputs(rng, nin)
        z, back = x, []
        for l, layer in enumerate(model.layers):
            last = l == len(model.layers) - 1
            h = output if last else activation
            a_layer: list[float] = []
            for n in layer.neurons:
                for _ in range(UNIT_TRIES):
                    for w in n.w:
                        w.data = _grid(rng, 0.1, -1.0, 1.0, nonzero=True)
                    n.b.data = _grid(rng, 0.1, -0.5, 0.5)
                    a = math.fsum(w.data * zk for w, zk in zip(n.w, z)) + n.b.data
                    if h != "softmax" and not _unit_fits(h, a, not last, visible_slips):
                        continue
                    # answers tied by the network's shape, not by chance: two units of a layer
                    # with one |z| tie every ∂E/∂w_kj = δ_k z_j with ∂E/∂w_km; before a single
                    # output, two units with one |h'(a_j) w_1j| tie their δ_j = h'(a_j) w_1j δ_out
                    # (and |h'(a_j) w_1j| = 1 ties δ_j with δ_out)
                    if not last and not _apart([abs(h_value(h, v)) for v in a_layer + [a]]):
                        continue
                    if last and len(layer.neurons) == 1 and back and \
                            not _apart([1.0] + [abs(hp * w.data) for hp, w in zip(back, n.w)]):
                        continue
                    break
                a_layer.append(a)
            if h != "softmax":
                z = [h_value(h, a) for a in a_layer]
                back = [h_prime(h, a, zj) for a, zj in zip(a_layer, z)]
    elif nice:
        for layer in model.layers:
            for n in layer.neurons:
                for w in n.w:
                    w.data = _grid(rng, 0.1, -1.0, 1.0, nonzero=True)
                n.b.data = _grid(rng, 0.1, -0.5, 0.5)
        x = _inputs(rng, nin)
    else:
        x = [rng.uniform(-1.0, 1.0) for _ in range(nin)]
    if loss in ("cross_entropy", "softmax_cross_entropy"):
        target: object = rng.randrange(K)
    elif loss == "bce":
        target = [float(rng.randint(0, 1)) for _ in range(K)]
    elif nice:
        target = [_grid(rng, 0.5, -1.0, 1.0) for _ in range(K)]
    else:
        target = [rng.uniform(-1.0, 1.0) for _ in range(K)]
    return model, x, target


def _fine(book: Textbook, activation: str, output: str, target_list: list[float], visible_slips: bool,
          loss: str = "half_sse", hand: bool = True) -> bool:
    """No saturated unit, no unit at a kink, an output that misses its target; with
    `visible_slips`, every slip visible and (on a `hand` sheet) no two answers within
    VISIBLE of each other up to sign (a bigger sheet's are kept apart by `alike_answers`)."""
    for l, a in enumerate(book.a):
        h = output if l == len(book.a) - 1 else activation
        if h in SATURATING and max(abs(v) for v in a) > MAX_A:
            return False
        if h in KINKED and min(abs(v) for v in a) < MIN_KINK:
            return False
        if h == "relu" and min(a) < 0:
            return False  # a dead unit passes no δ back: nothing left to work out
        if h == "softmax" and max(a) - min(a) > 2 * MAX_A:
            return False  # a softmax saturates too: one output near 1, the rest near 0
    y = book.z[-1]
    if max(abs(yk - tk) for yk, tk in zip(y, target_list)) < MIN_MISS:
        return False
    if not visible_slips:
        return True
    return _slips_visible(book, activation) and (not hand or _answers_differ(book, loss))


def sheet_size(sizes: Sequence[int]) -> int:
    """How many answers a sheet asks for: ∂E/∂w and ∂E/∂b per parameter, δ per unit."""
    return sum((n_in + 1) * n_out + n_out for n_in, n_out in zip(sizes, sizes[1:]))


def _slips_visible(book: Textbook, activation: str) -> bool:
    """Every classic slip at a hidden unit changes the answer by at least VISIBLE
    (relative), so a grader can tell it from a right answer rounded to 3 figures:
    h'(a) is not ≈ 1 (forgetting it shows), h'(z) is not ≈ h'(a) (taking it at z
    shows), δ_j's terms do not cancel, and (for sums of up to 3 terms) no term
w_kj δ_k is negligible (leaving it out shows)."""
    for l in range(len(book.a) - 1):
        for j, (a, z) in enumerate(zip(book.a[l], book.z[l])):
            if activation in SATURATING:
                hp = h_prime(activation, a, z)
                hp_at_z = h_prime(activation, z, h_value(activation, z))
                if abs(1.0 - hp) < VISIBLE or abs(hp_at_z - hp) < VISIBLE * abs(hp):
                    return False
            terms = [book.weights[l + 1][k][j] * d for k, d in enumerate(book.delta[l + 1])]
            total = math.fsum(terms)
            if abs(total) < VISIBLE * sum(map(abs, terms)):
                return False  # the terms cancel: δ_j ≈ 0 shows no slip
            if 1 < len(terms) <= 3 and min(map(abs, terms)) < VISIBLE * abs(total):
                return False  # (with more terms, some are bound to be small: not asked of wide layers)
    return True


def exercise(sizes: Sequence[int], activation: str = "tanh", loss: str = "half_sse", seed: int = 0,
             nice: bool = True, output: str | None = None, visible_slips: bool | None = None,
             max_tries: int = 10_000) -> Exercise:
    """A backprop exercise: an `nn.MLP` with layer widths `sizes` (input width first:
    [2, 2, 1] is a 2-2-1 network), hidden `activation`, the `loss`'s matched output
    (OUTPUT_FOR_LOSS, or `output=`), an input and a target, drawn from `seed`.
    `visible_slips` (default: when no hidden layer is wider than 4 units, the size of
    a hand exercise) redraws until every classic slip shows in the answers and no two
    answers are alike up to sign at the answer's precision (`alike_answers`; a sheet
    above hand size is drawn unit by unit, so a 2-4-4-1 relu sheet takes a fraction of
    a second). A network where that cannot be reached is refused with what to pass;
    with visible_slips=False nothing is promised: `Exercise.alike()` lists the pairs."""
    sizes = tuple(sizes)
    if len(sizes) < 2 or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in sizes):
        raise ValueError(f"exercise: sizes must be the input width then each layer's width, "
                         f"e.g. [2, 2, 1]; got {list(sizes)}")
    check_activation(activation, "exercise activation", allow_softmax=False)
    if loss not in OUTPUT_FOR_LOSS and output is None:
        raise ValueError(f"exercise: loss {loss!r} has no matched output; use one of "
                         f"{', '.join(OUTPUT_FOR_LOSS)} or give output=")
    output = output if output is not None else OUTPUT_FOR_LOSS[loss]
    check_activation(output, "exercise output")
    if output == "softmax" and sizes[-1] < 2 or loss in ("cross_entropy", "softmax_cross_entropy") and sizes[-1] < 2:
        raise ValueError(f"exercise: {loss} with a {output} output needs at least 2 outputs, got {sizes[-1]}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"exercise: seed must be an int, got {seed!r}")
    if visible_slips is None:
        visible_slips = max(sizes[1:-1], default=0) <= 4
    if visible_slips and nice and sizes[0] > len(INPUT_SIZES + MORE_INPUT_SIZES):
        raise ValueError(f"exercise: {sizes[0]} inputs, but hand-friendly inputs come in "
                         f"{len(INPUT_SIZES + MORE_INPUT_SIZES)} sizes "
                         f"(±{', ±'.join(map(str, INPUT_SIZES + MORE_INPUT_SIZES))}); two inputs of one size "
                         "make two answers of every row equal up to sign. Use at most "
                         f"{len(INPUT_SIZES + MORE_INPUT_SIZES)} inputs, or pass visible_slips=False "
                         "(no promise that the answers differ)")
    hand = sheet_size(sizes) <= HAND_SHEET
    separate = visible_slips and hand
    rng = random.Random(seed)
    clash_checks = alike = 0
    for _ in range(max_tries):
        model, x, target = _draw(sizes, activation, output, loss, rng, nice,
                                 unit_by_unit=not hand, visible_slips=visible_slips)
        book = textbook_backprop(model, x, target, loss)
        if not _fine(book, activation, output, book.target, visible_slips, loss, hand=hand):
            continue
        ex = Exercise(sizes, activation, output, loss, seed, nice, model, x, target, book, book.E)
        if visible_slips and alike_answers(ex, figures=distinct_figures(sizes), first=True):
            alike += 1
            continue  # two answers one number could pass for, up to sign
        if not separate:
            break
        clash_checks += 1
        if not slip_clashes(ex, first=True):
            break  # every named slip lands apart from the right answers and from the other slips
        if clash_checks >= MAX_CLASH_CHECKS:
            raise ValueError(f"exercise: no draw of {clash_checks} for seed {seed} kept every slip of the sheet apart "
                             "from the right answers and from the other slips; try a smaller network or "
                             "visible_slips=False")
    else:
        why = (f"; in {alike} of them every unit was fit but two of the {sheet_size(sizes)} answers were "
               "alike up to sign" if alike else "")
        raise ValueError(f"exercise: no draw of {max_tries} for seed {seed} kept every unit unsaturated"
                         f"{' with every slip visible and no two answers alike' if visible_slips else ''}{why}; "
                         "try a smaller network, another activation or visible_slips=False "
                         "(the answers are then not promised to differ: Exercise.alike() lists the pairs)")
    _solve_with_engine(ex)
    return ex


def _solve_with_engine(ex: Exercise) -> None:
    """The engine's E, ∂E/∂param and δ_j; they must equal the textbook's."""
    ex.model.zero_grad()
    traces = ex.model.trace(ex.x)
    E = losses.get(ex.loss)(traces[-1].z, ex.target)
    E.backward()
    ex.engine_grads = {p.label: p.grad for p in ex.model.parameters()}
    ex.engine_deltas = {name_of("δ", l, j): a.grad for l, t in enumerate(traces, start=1) for j, a in enumerate(t.a, start=1)}
    ex.model.zero_grad()
    pairs = [(E.data, ex.E, "E")]
    pairs += [(ex.engine_grads[n], g, f"∂E/∂{n}") for n, g in ex.solution().items()]
    pairs += [(ex.engine_deltas[n], d, n) for n, d in ex.deltas().items()]
    for engine, textbook, name in pairs:
        if abs(engine - textbook) > AGREE * max(1.0, abs(textbook)):
            raise RuntimeError(f"exercise: the engine and the textbook disagree on {name}: "
                               f"{engine!r} vs {textbook!r} (seed {ex.seed}); please report this")


# ---------------------------------------------------------------------------
# How far a right method lands: the lectures' pass in interval arithmetic
# ---------------------------------------------------------------------------
HANDOUT_FIGURES = 4  # the handout prints every forward value to 4 significant figures (autograd.names.fmt)
SEPARATION_FIGURES = 3  # the coarsest rounding of a right method the generator keeps slips apart for


def _widen(lo: float, hi: float, k: int | None) -> tuple[float, float]:
    """[lo, hi] with whatever rounding to k or more significant figures can do to a value
    in it (a student may round a written-down value, or not): ± half a unit of the k-th figure."""
    if k is None:
        return lo, hi
    return lo - half_unit(lo, k) if round_figures(lo, k) != lo else lo, \
        hi + half_unit(hi, k) if round_figures(hi, k) != hi else hi


def _times(x: tuple[float, float], y: tuple[float, float]) -> tuple[float, float]:
    p = (x[0] * y[0], x[0] * y[1], x[1] * y[0], x[1] * y[1])
    return min(p), max(p)


def _plus(*xs: tuple[float, float]) -> tuple[float, float]:
    return math.fsum(x[0] for x in xs), math.fsum(x[1] for x in xs)


def _h_prime_range(activation: str, a: tuple[float, float], z: tuple[float, float]) -> tuple[float, float]:
    """h'(a) as the lectures compute it (from z where they do: 1 − z², z(1 − z)) over the ranges."""
    if activation == "tanh":
        ends = [1.0 - z[0] ** 2, 1.0 - z[1] ** 2] + ([1.0] if z[0] <= 0.0 <= z[1] else [])
    elif activation == "sigmoid":
        ends = [z[0] * (1 - z[0]), z[1] * (1 - z[1])] + ([0.25] if z[0] <= 0.5 <= z[1] else [])
    elif activation == "elu" and a[1] <= 0.0:
        ends = [z[0] + 1.0, z[1] + 1.0]  # α e^a = z + α, with α = 1
    elif activation in ("identity", "relu", "leaky_relu", "elu", "softplus"):
        ends = [h_prime(activation, a[0], z[0]), h_prime(activation, a[1], z[1])]
    else:
        raise ValueError(activation)
    return min(ends), max(ends)


def rounding_intervals(ex: "Exercise", figures: int | None) -> dict[str, tuple[float, float]] | None:
    """For every answer of the sheet (∂E/∂w, ∂E/∂b and δ[l]_j), the range the lectures'
    method can give when every value written down on the way — a_j, z_j, y_k − t_k, h'(a_j),
    each w_kj δ_k, their sum, δ_j and δ_j z_k — is rounded to `figures` significant
    figures or more (or kept exact). Interval arithmetic over the very formulas
    `textbook_backprop` uses, so the bound is exact for that method, not first-order.
    None for an output and loss the lectures have no shortcut for."""
    book, k = ex.textbook, figures
    pair = (book.activations[-1], book.loss)
    if pair not in (("identity", "half_sse"), ("identity", "mse"), ("sigmoid", "bce"), ("softmax", "cross_entropy"),
                    ("identity", "softmax_cross_entropy")):
        return None
    point = lambda v: (v, v)  # noqa: E731 - a given number: exact
    z = [point(v) for v in book.x]
    A, Z = [], []
    for l, (W, b, h) in enumerate(zip(book.weights, book.biases, book.activations)):
        a = [_widen(*_plus(*[_widen(*_times(point(w), zk), k) for w, zk in zip(w_j, z)], point(b_j)), k)
             for w_j, b_j in zip(W, b)]
        if h == "softmax":
            lo = [math.exp(a[i][0]) / (math.exp(a[i][0]) + sum(math.exp(a[m][1]) for m in range(len(a)) if m != i))
                  for i in range(len(a))]
            hi = [math.exp(a[i][1]) / (math.exp(a[i][1]) + sum(math.exp(a[m][0]) for m in range(len(a)) if m != i))
                  for i in range(len(a))]
            z = [_widen(p, q, k) for p, q in zip(lo, hi)]
        else:
            z = [_widen(h_value(h, p), h_value(h, q), k) for p, q in a]
        A.append(a)
        Z.append(z)
    K, t = len(Z[-1]), book.target
    scale = 1.0 / K if book.reduction == "mean" else 1.0
    if pair == ("identity", "softmax_cross_entropy"):
        a = A[-1]
        y = [(math.exp(a[i][0]) / (math.exp(a[i][0]) + sum(math.exp(a[m][1]) for m in range(K) if m != i)),
              math.exp(a[i][1]) / (math.exp(a[i][1]) + sum(math.exp(a[m][0]) for m in range(K) if m != i)))
             for i in range(K)]
        y = [_widen(*yi, k) for yi in y]
    else:
        y = Z[-1]
    factor = 2.0 * scale if book.loss == "mse" else scale
    delta = [_widen(*_times(point(factor), (yk[0] - tk, yk[1] - tk)), k) for yk, tk in zip(y, t)]
    deltas = [delta]
    for l in range(len(book.weights) - 2, -1, -1):
        W_next, d_next = book.weights[l + 1], deltas[0]
        d = []
        for j in range(len(A[l])):
            total = _widen(*_plus(*[_widen(*_times(point(W_next[m][j]), d_next[m]), k) for m in range(len(d_next))]), k)
            hp = _widen(*_h_prime_range(book.activations[l], A[l][j], Z[l][j]), k)
            d.append(_widen(*_times(hp, total), k))
        deltas.insert(0, d)
    out: dict[str, tuple[float, float]] = {}
    inputs = [point(v) for v in book.x]
    for l, d in enumerate(deltas, start=1):
        for j, d_j in enumerate(d, start=1):
            out[name_of("δ", l, j)] = d_j
            out[name_of("b", l, j)] = d_j
            for m, z_m in enumerate(inputs, start=1):
                out[name_of("w", l, j, m)] = _widen(*_times(d_j, z_m), k)
        inputs = Z[l - 1]
    return out


def grading_figures(sig_figs: int | None, intermediates: int | None = None) -> int:
    """The rounding of intermediates `Exercise.grade` assumes: `intermediates`, or the
    handout's 4 printed figures (HANDOUT_FIGURES), or sig_figs if fewer."""
    return intermediates or (min(sig_figs, HANDOUT_FIGURES) if sig_figs else HANDOUT_FIGURES)


def spreads(ex: "Exercise", figures: int | None) -> dict[str, float] | None:
    """How far from the engine's value each answer of the sheet can land by the
    lectures' method with `figures`-figure rounding (`rounding_intervals`)."""
    ranges = rounding_intervals(ex, figures)
    if ranges is None:
        return None
    truth = {**ex.solution(), **ex.deltas()}
    return {n: max(truth[n] - lo, hi - truth[n], 0.0) for n, (lo, hi) in ranges.items() if n in truth}


def distinct_figures(sizes: Sequence[int]) -> int:
    """The rounding of intermediates at which `exercise` keeps a sheet's answers apart:
    a hand sheet's at 3 figures (SEPARATION_FIGURES, as its slips); a bigger sheet's at the
    handout's 4 (HANDOUT_FIGURES). With 3-figure intermediates a right answer of a
    2-3-3-1 sheet can land 2–5 % from the engine's, and no draw in 2,000 keeps its 30-odd
    answers that far apart; at 4 figures nine in ten do."""
    return SEPARATION_FIGURES if sheet_size(sizes) <= HAND_SHEET else HANDOUT_FIGURES


def alike_answers(ex: "Exercise", sig_figs: int = 3, figures: int = SEPARATION_FIGURES,
                  first: bool = False) -> list[tuple[str, str]]:
    """Pairs of the sheet's answers equal up to sign at the answer's precision: one number
    that the judge (`sig_figs` figures, intermediates rounded to `figures`) would accept
    for both, or for one and the other's negative — so a student could copy one answer
    into the other, or swap two unseen. Pairs the lectures' rules tie are left out:
    ∂E/∂b_j is δ_j (so the δ rows are not compared again), and with two classes the
    softmax cross-entropy's δ_2 = −δ_1 ties the second output's row to the first's.
    Empty for a sheet whose answers all differ."""
    truth = ex.solution()
    last = len(ex.sizes) - 1
    if ex.loss in ("cross_entropy", "softmax_cross_entropy") and ex.sizes[-1] == 2:
        truth = {n: v for n, v in truth.items() if not (n == name_of("b", last, 2) or n.startswith(f"w[{last}]_{{2,"))}
    widths = spreads(ex, figures) or {}
    tolerance = Tolerance.make(sig_figs=sig_figs)
    reach = {n: tolerance.width(v, widths.get(n)) for n, v in truth.items()}
    items = sorted(truth, key=lambda n: abs(truth[n]))
    pairs = []
    for i, n in enumerate(items):
        for m in items[i + 1:]:
            if abs(truth[m]) - abs(truth[n]) > reach[n] + reach[m]:
                break  # sorted by size: every later answer is farther still
            pairs.append((n, m))
            if first:
                return pairs
    return pairs


def slip_clashes(ex: "Exercise", figures: int = SEPARATION_FIGURES, between_slips: bool = True,
                 first: bool = False) -> list[str]:
    """Where a grader could not tell, in this variant, a slip from a right answer worked
    with `figures`-figure intermediates, or one kind of slip from another: each answer's
    slips of the pieces the lectures' method writes down (`SlipFinder.is_lecture_slip`,
    and "swapped") must lie outside the right answer's range, and each slip's naming
    window (`judge.SLIP_WINDOW` of its range) outside every other's.
    Two kinds that give one and the same number by construction (a sign flipped by the
    −1 of 1 − y) are told apart by preference, not by the numbers. Empty for a variant
    fit for grading; `first`: stop at the first problem."""
    widths = spreads(ex, figures)
    if widths is None:
        return []
    leaves = {n: Value(v, n) for n, v in ex.at().items()}
    E = ex.loss_function()(**leaves)
    nodes = gradable(E, leaves)
    finder = SlipFinder(E, "E")
    items = ex.items()
    truth = {n: finder.delta.get(nodes[n], 0.0) for n in items}
    tolerance = Tolerance.make(sig_figs=figures)
    problems = []
    for n in items:
        v, s = truth[n], widths[n]

        def width(x: float) -> float:
            return tolerance.width(x, s * max(1.0, abs(x) / max(abs(v), 1e-300)))

        slips = sheet_slips(finder, nodes, truth, n)
        # every other item of the same table, even where its number is another slip's
        # (sheet_slips leaves those to the other slip): a swap must be told apart too
        swaps = [m for m in items if m != n and _table(m) == _table(n)]
        for m in swaps:
            if not any(c.kind == "swapped" and c.node == m for c in slips):
                slips.append(Slip("swapped", "", truth[m], m))
        for c in slips:
            if abs(c.value - v) <= width(v) + width(c.value):
                problems.append(f"{n}: the slip {c.kind} lands within a right answer's range")
                if first:
                    return problems
        for i, c in enumerate(slips if between_slips else ()):
            for d in slips[i + 1:]:
                if c.kind == d.kind or ("sign" in (c.kind, d.kind)
                                        and ("swapped" not in (c.kind, d.kind) or same_number(c.value, d.value))):
                    continue  # a sign slip by construction: the −1 of 1 − y; δ_2 = −δ_1 of a 2-class softmax
                if abs(c.value - d.value) <= SLIP_WINDOW * (width(c.value) + width(d.value)):
                    problems.append(f"{n}: the slips {c.kind} and {d.kind} give the same number")
                    if first:
                        return problems
    return problems


# ---------------------------------------------------------------------------
# An assignment: one exercise per student
# ---------------------------------------------------------------------------
def student_seed(student: str, base_seed: int = 0) -> int:
    """A seed from a student id, the same on every machine and run (CRC-32, not hash())."""
    return zlib.crc32(f"{base_seed}:{student}".encode("utf-8"))


@dataclass
class Assignment:
    """One exercise per student (each from `student_seed(student, base_seed)`)."""

    exercises: dict[str, Exercise]
    base_seed: int = 0

    def __getitem__(self, student: str) -> Exercise:
        return self.exercises[str(student)]

    def __iter__(self):
        return iter(self.exercises)

    def __len__(self) -> int:
        return len(self.exercises)

    def grade(self, answers: Mapping | str | os.PathLike, *, sig_figs: int | None = None,
              rtol: float | None = None, follow_through: bool = False, intermediates: int | None = None,
              points: Mapping[str, float] | None = None) -> autograd.Gradebook:
        """Grade each student against their own exercise; one gradebook for the class.
        `answers` is {student: {name: answer}} or the path of a CSV file (`read_answers`).
        A student with no exercise is an error; a student without answers gets "missing";
        ids 1 and "1" in one dict are refused rather than merged. The items graded are the
        parameters and every δ row any student answered; `follow_through`, `intermediates`
        and `points` are `Exercise.grade`'s."""
        if isinstance(answers, (str, os.PathLike)):
            answers = read_answers(answers)
        if not isinstance(answers, Mapping):
            raise TypeError("Assignment.grade: answers must be a dict {student: {name: answer}} or the path of "
                            f"a CSV file, got {type(answers).__name__}")
        given: dict[str, object] = {}
        for s, a in answers.items():
            if str(s) in given:
                raise ValueError(f"Assignment.grade: the students {s!r} and {str(s)!r} would be one student; "
                                 "give each student one id (all strings or all numbers)")
            given[str(s)] = a
        unknown = [s for s in given if s not in self.exercises]
        if unknown:
            raise KeyError(f"Assignment.grade: no exercise for student(s) {', '.join(map(repr, unknown))}")
        if not self.exercises:
            raise ValueError("Assignment.grade: the assignment has no students")
        names = next(iter(self.exercises.values()))._graded(given)
        books = [ex.grade({s: given.get(s)}, sig_figs=sig_figs, rtol=rtol, names=names, follow_through=follow_through,
                          intermediates=intermediates, points=points)
                 for s, ex in self.exercises.items()]
        return autograd.Gradebook.merge(books)


    def export(self, path, fmt: str, *, sig_figs: int | None = 3, rtol: float | None = None,
               title: str = "deltagrad", diagram: bool = True, image_url: str | None = None,
               intermediates: int | None = None) -> str:
        """Write the assignment as quiz questions for an LMS: fmt "moodle" (Moodle XML),
        "gift" (GIFT) or "qti" (an IMS QTI 1.2 .zip that Canvas imports); one numerical
        question per student and derivative, right within the judge's tolerance (see nn.exports),
        the same interval `grade(sig_figs=, intermediates=)` accepts.
        GIFT cannot carry an image: `image_url` links each diagram from there (nn.exports)."""
        return exports.export(self, path, fmt, sig_figs=sig_figs, rtol=rtol, title=title, diagram=diagram,
                              image_url=image_url, intermediates=intermediates)


def assignment(students: Iterable, sizes: Sequence[int], activation: str = "tanh", loss: str = "half_sse",
               base_seed: int = 0, nice: bool = True, output: str | None = None) -> Assignment:
    """An `Assignment`: `exercise(sizes, activation, loss, student_seed(s, base_seed))` per student."""
    return Assignment({str(s): exercise(sizes, activation, loss, student_seed(str(s), base_seed), nice, output)
                       for s in students}, base_seed)
