"""Backprop exercises with numbers a student can work by hand, one variant per seed.

    import nn
    ex = nn.exercise([2, 2, 1], "tanh", "half_sse", seed=7)
    ex.x, ex.target               # short decimals: [0.5, -2.0], [0.5]
    ex.model.layers[0].neurons[0].w[0].data        # a multiple of 0.1
    ex.solution()                 # ∂E/∂w for every weight and bias, by name
    ex.deltas()                   # δ_j = ∂E/∂a_j for every unit
    ex.grade({"ana": {"w[1]_{1,1}": "0.032", ...}}, sig_figs=2)

`nice=True` draws every weight as a multiple of 0.1 in [−1, 1] (never 0, so every
path matters), every bias as a multiple of 0.1 in [−0.5, 0.5], every input as ±0.5,
±1.5 or ±2 (a different size for each input, never ±1: see `_inputs`), and the target as a multiple of 0.5 (a 0/1 label for bce, a class index for
the cross-entropies). It redraws until no unit saturates (|a_j| ≤ 2 for tanh and
sigmoid: tanh'(2) = 0.07, σ'(2) = 0.10), no unit sits at the kink of relu & co.
(|a_j| ≥ 0.1), no relu unit is dead (a_j > 0) and the output misses its target by at
least 0.1, so every δ is worth computing. For networks of hand size it also makes every classic slip at a
hidden unit visible (`_slips_visible`): forgetting h'(a_j), taking it at z_j, or
leaving out one term of δ_j's sum (of up to 3 terms) changes the answer by at least 2%,
and no two answers of the sheet (δ_j, ∂E/∂w) are equal up to sign within 2%. The draw depends on the seed only: one seed per
student gives each their own variant, the same every time.

The solution is computed twice — by the lectures' layer-by-layer delta rule
(`nn.teach.textbook_backprop`, plain floats) and by the engine (`model.trace`, loss,
`backward()`) — and the two must agree to 1e-9 or the exercise refuses to exist.
"""

from __future__ import annotations

import math
import random
import zlib
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import autograd
from autograd import Value
from nn import losses
from nn.draw import name_of  # the one name of each quantity
from nn.module import MLP, check_activation
from nn.teach import Textbook, h_prime, h_value, textbook_backprop

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
VISIBLE = 0.02  # a slip changes an answer by at least 2%: far beyond 3 significant figures
INPUT_SIZES = (0.5, 1.5, 2.0)  # the sizes of the inputs (never 1: see _inputs)


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

    def grade(self, answers: Mapping, *, sig_figs: int | None = None, rtol: float | None = None,
              names: Iterable[str] | None = None) -> autograd.Gradebook:
        """Grade answers {student: {parameter name: answer}} for this exercise."""
        return autograd.grade(self.loss_function(), answers, self.at(), sig_figs=sig_figs, rtol=rtol,
                              names=self.names if names is None else names)

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
    """Hand-friendly inputs whose sizes differ: ±0.5, ±1.5 or ±2, a different size for
    each of up to three inputs. Never ±1 (then ∂E/∂w_jk = δ_j x_k = ±∂E/∂b_j, one answer
    copied into another), never two inputs of one size (then ∂E/∂w_j1 = ±∂E/∂w_j2)."""
    sizes = rng.sample(INPUT_SIZES, nin) if nin <= len(INPUT_SIZES) else rng.choices(INPUT_SIZES, k=nin)
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


def _draw(sizes, activation, output, loss, rng: random.Random, nice: bool):
    nin = sizes[0]
    model = MLP(nin, list(sizes[1:]), activation=activation, output=output, seed=rng.randrange(2**31))
    K = sizes[-1]
    if nice:
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
          loss: str = "half_sse") -> bool:
    """No saturated unit, no unit at a kink, an output that misses its target."""
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
    return _slips_visible(book, activation) and _answers_differ(book, loss) if visible_slips else True


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
    a hand exercise) redraws until every classic slip shows in the answers."""
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
    rng = random.Random(seed)
    for _ in range(max_tries):
        model, x, target = _draw(sizes, activation, output, loss, rng, nice)
        book = textbook_backprop(model, x, target, loss)
        if _fine(book, activation, output, book.target, visible_slips, loss):
            break
    else:
        raise ValueError(f"exercise: no draw of {max_tries} for seed {seed} kept every unit unsaturated"
                         f"{' with every slip visible and no two answers alike' if visible_slips else ''}; "
                         "try a smaller network, another activation or visible_slips=False")
    ex = Exercise(sizes, activation, output, loss, seed, nice, model, x, target, book, book.E)
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

    def grade(self, answers: Mapping, *, sig_figs: int | None = None, rtol: float | None = None):
        """Grade each student against their own exercise; one gradebook for the class.
        A student with no exercise is an error; a student without answers gets "missing"."""
        unknown = [s for s in answers if str(s) not in self.exercises]
        if unknown:
            raise KeyError(f"Assignment.grade: no exercise for student(s) {', '.join(map(repr, unknown))}")
        books = [ex.grade({s: answers.get(s, answers.get(_key(answers, s)))}, sig_figs=sig_figs, rtol=rtol)
                 for s, ex in self.exercises.items()]
        return autograd.Gradebook.merge(books)


def _key(answers: Mapping, student: str):
    """The key of `answers` that stands for `student` (ids may be ints in a dict)."""
    return next((k for k in answers if str(k) == student), student)


def assignment(students: Iterable, sizes: Sequence[int], activation: str = "tanh", loss: str = "half_sse",
               base_seed: int = 0, nice: bool = True, output: str | None = None) -> Assignment:
    """An `Assignment`: `exercise(sizes, activation, loss, student_seed(s, base_seed))` per student."""
    return Assignment({str(s): exercise(sizes, activation, loss, student_seed(str(s), base_seed), nice, output)
                       for s in students}, base_seed)
