"""The one judge behind every check: the number reader, the rounding envelope, the slips
it names, and a simulated class held to the targets.

A seeded class of students works `nn.exercise` sheets the lectures' way
(tests/class_sim.py, in plain floats, independently of the engine and of the slip
finder): right methods with exact, 4-figure and 3-figure intermediates, each kind of
slip, guesses, all written as students write numbers. The judge must accept ≥ 99 % of
the right methods' answers and name no slip for them, reject every slipped answer and
name its slip for ≥ 95 % of the answers it changes, reject ≥ 95 % of the guesses with no
slip named, and never show an engine value in a student's feedback."""

from __future__ import annotations

import collections
import math
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import Value, check_answer, ops
from autograd.graph import pull_deltas, topological_order
from autograd.teaching.judge import (READER_PATTERNS, Tolerance, judge, read_number, round_figures,
                                     rounding_spread)
from class_sim import random_answer, slips_of, work, written
from dags import run

# -- the number reader ----------------------------------------------------------------
READ = [
    ("0.25", 0.25), ("-0.25", -0.25), ("−0.25", -0.25), ("–0.25", -0.25), ("0,25", 0.25), (".5", 0.5),
    ("3.", 3.0), ("−3/4", -0.75), ("3/-4", -0.75), ("(−0.5)", -0.5), ("≈0.222", 0.222), ("≈ -0.222", -0.222),
    ("~0.222", 0.222), ("= 0.222", 0.222), ("0.222 (3 s.f.)", 0.222), ("0.222 (3 sf)", 0.222),
    ("0.222 (to 3 sig figs)", 0.222), ("0.222(3s.f.)", 0.222), ("2.22×10^-1", 0.222), ("2.22 x 10^-1", 0.222),
    ("2.22·10⁻¹", 0.222), ("2.22*10**-1", 0.222), ("2.22×10^(-1)", 0.222), ("2.22×10^{-1}", 0.222),
    ("2.22E-1", 0.222), ("2.22e-1", 0.222), ("2,22×10^-1", 0.222), ("10^-3", 0.001), (" 0.5 ", 0.5),
    ("- 3 / 4", -0.75), ("1e-300", 1e-300), ("＋0.5", 0.5), (0.25, 0.25), (Value(0.25), 0.25), (3, 3.0),
]
UNREADABLE = ["0.2 m", "about 0.2", "0.2 or so", "?", "n/a", "1/0", "0/0", "inf", "nan", "1e999", "1,234.5",
              "0x10", "1_000", "½", "0.2.3", "--1", "2^3", "10^", "(0.5", "0.5 (0 s.f.)", "x" * 300, True, [0.5],
              float("inf"), b"\xff", {"a": 1}]


@pytest.mark.parametrize("text,value", READ, ids=[repr(t) for t, _ in READ])
def test_the_reader_reads_what_students_write(text, value):
    reading = read_number(text)
    assert reading.status == "ok" and reading.value == value


@pytest.mark.parametrize("text", UNREADABLE, ids=repr)
def test_units_words_and_nonsense_are_unreadable_never_guessed(text):
    assert read_number(text) == (None, "unreadable") or tuple(read_number(text)) == (None, "unreadable")


@pytest.mark.parametrize("text", [None, ..., "", "   ", math.nan])
def test_blanks_are_missing(text):
    assert tuple(read_number(text)) == (None, "missing")


def test_stated_figures_are_kept():
    assert read_number("0.222 (3 s.f.)").figures == 3 and read_number("0.222").figures is None


@settings(max_examples=300)
@given(st.floats(-1e300, 1e300, allow_nan=False), st.integers(0, 6))
def test_every_way_a_float_is_written_reads_back(x, style):
    if style == 0:
        assert read_number(repr(x)).value == x
    else:
        text = written(x, style, figures=4)
        assert read_number(text).value == pytest.approx(round_figures(x, 4), rel=1e-12, abs=1e-300)


@settings(max_examples=500)
@given(st.text(max_size=80))
def test_the_reader_never_raises_on_any_text(text):
    reading = read_number(text)
    assert reading.status in ("ok", "missing", "unreadable")
    assert reading.status != "ok" or math.isfinite(reading.value)


def test_the_patterns_are_plain_enough_for_a_page_script():
    # the quiz pages compile these very strings with JavaScript's RegExp
    for pattern in READER_PATTERNS.values():
        assert "(?P" not in pattern and "\\d" not in pattern and "(?<" not in pattern


# -- one judge: check_answer, grade and the quiz agree --------------------------------------
def test_check_answer_and_judge_agree_on_the_rounded_answer_of_the_report():
    assert check_answer(-0.915, -0.915564535).ok
    assert judge("-0.915", -0.915564535, sig_figs=3).ok
    assert judge("≈ −0.916", -0.915564535, sig_figs=3).ok


def test_a_sign_hint_only_when_the_size_is_right():
    verdict = check_answer(0.133, -0.867)
    assert verdict.slip is None and "sign is wrong" not in verdict.why and "0.867" not in verdict.why
    assert check_answer(0.867, -0.867).slip.kind == "sign"
    assert judge("0.867", -0.867, sig_figs=3, slips=[]).slip is None  # no slip given, none named


def test_the_slides_update_order_is_named_wrong_order():
    # notebook 05: w ← w − v first (the slide's printed order) gives 0.46 for 0.454
    verdict = check_answer(0.46, 0.454, mistakes={"wrong_order": 0.46})
    assert verdict.status == "wrong" and verdict.slip.kind == "wrong_order"
    assert "printed order" in verdict.why and "0.454" not in verdict.why


# -- the rounding envelope -------------------------------------------------------------------
def _rounded_replay(root: Value, k: int, rng: random.Random) -> dict[Value, float]:
    """The backward pass as a student on paper does it: every value, local derivative and
    term written down rounded to k figures (or, at random, kept)."""
    def r(x):
        return round_figures(x, k) if rng.random() < 0.8 else x

    order = topological_order(root)
    value, local = {}, {}
    for j in order:
        if not j.parents:
            value[j] = r(j.data)
            continue
        rule, constants = ops.parse_op(j.op)
        out, grads = rule.fn(*(value[p] for p in j.parents), *constants)
        value[j] = r(out)
        local[j] = [r(g) for g in grads]
    delta = {root: 1.0}
    for k_ in reversed(order):
        d = r(delta.get(k_, 0.0)) if k_ is not root else 1.0
        delta[k_] = d
        for p, g in zip(k_.parents, local.get(k_, ())):
            delta[p] = delta.get(p, 0.0) + r(d * g)
    return delta


def test_the_envelope_holds_every_rounded_replay_of_random_programs():
    rng = random.Random(21)
    tried = outside = 0
    for seed in range(60):
        leaves_data, steps = _program(seed)
        leaves = [Value(x, f"x{i}") for i, x in enumerate(leaves_data)]
        try:
            root = run(steps, leaves)
        except (ArithmeticError, ValueError):
            continue
        if not root.parents or max(abs(v) for v in pull_deltas(root).values()) > 50:
            continue
        spread = rounding_spread(root, 3)
        truth = pull_deltas(root)
        for _ in range(5):
            try:
                replay = _rounded_replay(root, 3, rng)
            except (ArithmeticError, ValueError):
                continue
            for leaf in leaves:
                tried += 1
                # the judge's own rule: within the spread, then the answer's own rounding to 3 figures
                outside += not Tolerance.make(sig_figs=3, atol=0.0).agrees(
                    replay.get(leaf, 0.0), truth.get(leaf, 0.0), spread.get(leaf, 0.0))
    assert tried > 500 and outside == 0, (outside, tried)


def _program(seed: int):
    """A random program of tests/dags.py's ops, drawn from a seed (no shrinking needed)."""
    rng = random.Random(seed)
    leaves = [round(rng.uniform(-2, 2), 1) for _ in range(rng.randint(1, 3))]
    steps = []
    for k in range(rng.randint(2, 8)):
        n = len(leaves) + k
        op = rng.choice(["+", "-", "*", "square", "tanh", "sigmoid", "exp", "+c", "*c", "c-", "neg", "sum3", "wsum"])
        steps.append((op, rng.randrange(n), rng.randrange(n), rng.randrange(n), round(rng.uniform(-2, 2), 1)))
    return leaves, steps


def test_right_on_the_handout_numbers_is_right():
    # the report's case: −0.113 × 0.8854 = −0.100 for −0.09973, from the handout's 4-figure numbers
    work_ = nn.assignment(["s153"], [2, 2, 1], "tanh", "half_sse", base_seed=2025)
    ex = work_["s153"]
    answers = {n: f"{v:.3g}" for n, v in work(ex, 4).items() if n in ex.names}
    book = work_.grade({"s153": answers}, sig_figs=3)
    assert book.score("s153") == 1.0


# -- the simulated class ---------------------------------------------------------------------
SHEETS = [([2, 2, 1], "tanh", "half_sse"), ([2, 2, 1], "sigmoid", "bce"), ([2, 2, 2], "tanh", "half_sse")]
KIND = {"wrong_variable_input": "wrong_variable"}


def _class(sizes, activation, loss, students: int, base: int):
    """(exercise, answers, what each student did) for a seeded class of one sheet kind."""
    rng = random.Random(base)
    for s in range(students):
        ex = nn.exercise(sizes, activation, loss, seed=base * 1000 + s)
        items = ex.items()
        exact = work(ex, None)
        answers, plan = {}, {}
        for figures in (None, 4, 3):
            right = work(ex, figures)
            answers[f"right{figures}"] = {n: written(right[n], rng.randrange(7)) for n in items}
            plan[f"right{figures}"] = ("right", set(items))
        for slip in slips_of(ex):
            slipped, slipped_exact = work(ex, 3, slip), work(ex, None, slip)
            key = "-".join(map(str, slip))
            answers[key] = {n: written(slipped[n], rng.randrange(7)) for n in items}
            plan[key] = (KIND.get(slip[0], slip[0]), {n for n in items if not math.isclose(slipped_exact[n], exact[n])})
        right3 = work(ex, 3)
        for n in rng.sample(items, 4):
            answers["sign" + n] = {m: written(-right3[m] if m == n else right3[m], rng.randrange(7)) for m in items}
            plan["sign" + n] = ("sign", {n})
        for a, b in (("w[1]_{1,1}", "w[1]_{1,2}"), ("w[1]_{1,2}", "w[1]_{2,1}"), ("δ[1]_1", "δ[1]_2")):
            swapped = dict(right3)
            swapped[a], swapped[b] = right3[b], right3[a]
            answers[f"swap{a}{b}"] = {m: written(swapped[m], rng.randrange(7)) for m in items}
            plan[f"swap{a}{b}"] = ("swapped", {a, b})
        for r in range(4):
            answers[f"guess{r}"] = {n: random_answer(rng) for n in items}
            plan[f"guess{r}"] = ("guess", set(items))
        yield ex, answers, plan


@pytest.fixture(scope="module")
def simulated():
    """Counts over the whole simulated class, and every student's feedback."""
    counts = collections.Counter()
    feedback = []
    for sizes, activation, loss in SHEETS:
        for ex, answers, plan in _class(sizes, activation, loss, students=12, base=len(sizes) + len(loss)):
            book = ex.grade(answers, sig_figs=3)
            for student, (kind, changed) in plan.items():
                for n in changed:
                    m = book.mark(student, n)
                    counts[kind, "answers"] += 1
                    if kind == "right":
                        counts[kind, "accepted"] += m.verdict == "right"
                        counts[kind, "slip named"] += m.slip is not None
                    elif kind == "guess":
                        counts[kind, "rejected, no slip"] += m.verdict == "wrong" and m.slip is None
                    else:
                        counts[kind, "rejected"] += m.verdict == "wrong"
                        counts[kind, "named"] += m.slip is not None and m.slip.kind == kind
            truths = list(ex.solution().values()) + list(ex.deltas().values())
            for student in list(answers)[::3]:
                feedback.append((ex.feedback(answers[student]), truths))
    return counts, feedback


def test_right_methods_are_accepted_and_never_told_a_slip(simulated):
    counts, _ = simulated
    assert counts["right", "accepted"] >= 0.99 * counts["right", "answers"], counts
    assert counts["right", "slip named"] == 0


@pytest.mark.parametrize("kind", ["sign", "missing_local", "local_at_output", "wrong_variable", "missing_path",
                                  "extra_local", "loss_factor", "swapped"])
def test_every_slipped_answer_is_rejected_and_its_slip_named(simulated, kind):
    counts, _ = simulated
    assert counts[kind, "answers"] >= 20, counts
    assert counts[kind, "rejected"] == counts[kind, "answers"], (kind, counts)
    assert counts[kind, "named"] >= 0.95 * counts[kind, "answers"], (kind, counts)


def test_guesses_are_rejected_with_no_slip_named(simulated):
    counts, _ = simulated
    assert counts["guess", "rejected, no slip"] >= 0.95 * counts["guess", "answers"], counts


NAMES = re.compile(r"[A-Za-zδ]\^\{\(\d+\)\}_\{?[\d,]+\}?|[A-Za-z]_\d+|\^\{?\(\d+\)\}?")


def _leaks(text: str, truths) -> list[str]:
    """Numbers in a student's feedback that give an engine value away (to 2 figures, either sign)."""
    shown = NAMES.sub(" ", text.split("score:")[0])  # digits of names (w^{(1)}_{2,1}) are no numbers
    found = [float(t) for t in re.findall(r"\d+(?:\.\d+)?(?:e-?\d+)?", shown)]
    return [x for x in found for t in truths if t and abs(abs(t) - x) <= 0.005 * abs(t)]


def test_feedback_shows_no_engine_value(simulated):
    _, feedback = simulated
    assert len(feedback) > 100
    for text, truths in feedback:
        assert not _leaks(text, truths), text
        assert isinstance(text, str) and ("right" in text or "wrong" in text or "read" in text)


def test_the_leak_check_would_see_a_leak():
    assert _leaks("∂E/∂w^{(1)}_{2,1}: wrong, it is 0.1817", [0.18171]) == [0.1817]
    assert _leaks("∂E/∂w^{(1)}_{2,1}: wrong", [2.0, 1.0]) == []


# -- follow-through --------------------------------------------------------------------------
def test_follow_through_carries_a_wrong_output_delta():
    ex = nn.exercise([2, 2, 1], "tanh", "half_sse", seed=11)
    slipped = work(ex, None, ("loss_factor",))  # δ_out = 2(y − t): every answer carries it
    answers = {"ana": {n: f"{v:.4g}" for n, v in slipped.items() if n in ex.names}}
    plain = ex.grade(answers, sig_figs=3)
    carried = ex.grade(answers, sig_figs=3, follow_through=True)
    assert plain.score("ana") == 0.0 and plain.verdict("ana", "b[2]_1") == "wrong"
    assert carried.verdict("ana", "b[2]_1") == "wrong"  # the slip itself is not carried
    assert carried.slip("ana", "b[2]_1").kind == "loss_factor"
    assert all(carried.verdict("ana", n) == "carried" for n in ex.names if n != "b[2]_1")
    assert carried.score("ana") == pytest.approx(8 / 9)
    # with δ rows: a wrong δ[2]_1 carried into δ[1]_j and into every ∂E/∂w
    rows = {"ben": {n: f"{v:.4g}" for n, v in slipped.items()}}
    book = ex.grade(rows, sig_figs=3, follow_through=True)
    assert book.verdict("ben", "δ[2]_1") == "wrong"
    assert {book.verdict("ben", n) for n in ex.items() if n not in ("δ[2]_1", "b[2]_1")} == {"carried"}


def test_follow_through_does_not_excuse_an_answer_that_carries_nothing():
    ex = nn.exercise([2, 2, 1], "tanh", "half_sse", seed=11)
    right = ex.solution()
    answers = {"cy": {n: f"{(v if n != 'w[1]_{1,1}' else 1.37 * v):.4g}" for n, v in right.items()}}
    book = ex.grade(answers, sig_figs=3, follow_through=True)
    assert book.verdict("cy", "w[1]_{1,1}") == "wrong"
    assert all(book.verdict("cy", n) == "right" for n in right if n != "w[1]_{1,1}")


@pytest.mark.parametrize("sizes,activation,loss", [([3, 4, 1], "tanh", "half_sse"), ([2, 4, 4, 1], "tanh", "half_sse"),
                                                   ([3, 4, 1], "sigmoid", "bce")])
def test_bigger_sheets_right_methods_accepted_never_told_a_slip(sizes, activation, loss):
    # above hand size the generator keeps answers apart but not every slip: a right method
    # is still always right, and a slip is never named for it
    right = told = total = 0
    for ex, answers, plan in _class(sizes, activation, loss, students=4, base=7 + len(sizes)):
        book = ex.grade(answers, sig_figs=3)
        for student, (kind, changed) in plan.items():
            if kind == "right":
                for n in changed:
                    total += 1
                    right += book.verdict(student, n) == "right"
                    told += book.slip(student, n) is not None
    assert total > 100 and right == total and told == 0
