"""Seeded exercises: short decimals, no saturated unit, the same variant for the same
seed, a solution that equals the engine's and central differences, and per-student
assignments graded against each student's own variant."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import gradcheck
from nn.exercise import HAND_SHEET, MAX_A, assignment, distinct_figures, exercise, sheet_size, student_seed

CASES = [([2, 2, 1], "tanh", "half_sse"), ([2, 2, 1], "sigmoid", "bce"), ([2, 3, 3], "tanh", "cross_entropy"),
         ([2, 2, 3], "sigmoid", "softmax_cross_entropy"), ([3, 2, 1], "relu", "mse"), ([2, 2, 2, 1], "tanh", "half_sse")]


def _multiple(x: float, step: float) -> bool:
    return abs(x / step - round(x / step)) < 1e-9


@settings(max_examples=30)
@given(st.sampled_from(CASES), st.integers(0, 10**6))
def test_nice_numbers_and_no_saturated_unit(case, seed):
    sizes, activation, loss = case
    ex = exercise(sizes, activation, loss, seed=seed)
    for layer in ex.model.layers:
        for n in layer.neurons:
            assert all(_multiple(w.data, 0.1) and 0 < abs(w.data) <= 1 for w in n.w)
            assert _multiple(n.b.data, 0.1) and abs(n.b.data) <= 0.5
    assert all(abs(v) in (0.3, 0.7, 1.5) for v in ex.x)
    if len(ex.x) <= 3:  # each input a size of its own
        assert len({abs(v) for v in ex.x}) == len(ex.x)
    if loss in ("cross_entropy", "softmax_cross_entropy"):
        assert ex.target in range(sizes[-1])
    else:
        assert all(_multiple(t, 0.5) for t in ex.target)
    for l, a in enumerate(ex.textbook.a):
        h = ex.output if l == len(ex.textbook.a) - 1 else activation
        if h in ("tanh", "sigmoid"):
            assert max(map(abs, a)) <= MAX_A
        if h == "relu":
            assert min(a) >= 0.1  # alive, away from the kink
    y, t = ex.textbook.z[-1], ex.textbook.target
    assert max(abs(a - b) for a, b in zip(y, t)) >= 0.1


@pytest.mark.parametrize("sizes,activation,loss", CASES)
def test_same_seed_same_variant_other_seed_other_variant(sizes, activation, loss):
    one, again, other = (exercise(sizes, activation, loss, seed=s) for s in (11, 11, 12))
    assert one.at() == again.at() and one.x == again.x and one.target == again.target
    assert one.solution() == again.solution()
    assert (one.at(), one.x) != (other.at(), other.x)


@pytest.mark.parametrize("sizes,activation,loss", CASES)
def test_solution_is_the_engine_and_central_differences(sizes, activation, loss):
    ex = exercise(sizes, activation, loss, seed=3)
    sol = ex.solution()
    assert list(sol) == ex.names and all(math.copysign(1, v) == 1 or v != 0 for v in sol.values())  # no −0
    for n, g in sol.items():
        assert ex.engine_grads[n] == pytest.approx(g, rel=1e-9, abs=1e-12)
    # independent of both: central differences of E as a function of the parameters
    f = ex.loss_function()
    names = ex.names
    report = gradcheck(lambda *vals: f(**dict(zip(names, vals))), [ex.at()[n] for n in names])
    assert report.ok, report
    for row, n in zip(report.rows, names):
        assert row.numeric == pytest.approx(sol[n], rel=1e-5, abs=1e-7)
    assert ex.deltas().keys() == ex.engine_deltas.keys()


def test_a_real_sized_network_2_8_8_1():
    ex = exercise([2, 8, 8, 1], "tanh", "half_sse", seed=4)
    assert len(ex.solution()) == 2 * 8 + 8 + 8 * 8 + 8 + 8 + 1
    assert len(ex.deltas()) == 17


def test_not_nice_gives_plain_random_numbers_with_the_same_checks():
    ex = exercise([2, 2, 1], "tanh", "half_sse", seed=1, nice=False)
    assert not all(_multiple(v, 0.1) for v in ex.at().values())


@pytest.mark.parametrize("kwargs,error,match", [
    ({"sizes": [2]}, ValueError, "input width then each layer"),
    ({"sizes": [2, 0, 1]}, ValueError, "input width then each layer"),
    ({"activation": "cube"}, ValueError, "unknown activation"),
    ({"loss": "hinge"}, ValueError, "no matched output"),
    ({"loss": "cross_entropy"}, ValueError, "at least 2 outputs"),
    ({"seed": "seven"}, TypeError, "seed must be an int"),
])
def test_bad_arguments(kwargs, error, match):
    args = {"sizes": [2, 2, 1], "activation": "tanh", "loss": "half_sse", "seed": 0} | kwargs
    with pytest.raises(error, match=match):
        exercise(**args)


def test_assignment_grades_each_student_against_their_own_variant():
    students = ["ana", "ben", "cy"]
    work = assignment(students, [2, 2, 1], "tanh", "half_sse", base_seed=2024)
    assert [work[s].seed for s in students] == [student_seed(s, 2024) for s in students]
    assert len({tuple(work[s].at().values()) for s in students}) == 3  # three variants
    answers = {"ana": {n: f"{v:.3g}" for n, v in work["ana"].solution().items()},
               "ben": {n: f"{v:.3g}" for n, v in work["ana"].solution().items()}}  # ben copied ana
    book = work.grade(answers, sig_figs=3)
    assert book.score("ana") == 1.0 and book.score("ben") < 1.0
    assert book.score("cy") == 0.0 and book.verdict("cy", work["cy"].names[0]) == "missing"
    with pytest.raises(KeyError, match="no exercise for student"):
        work.grade({"zed": {}})


def test_student_seeds_are_stable_and_distinct():
    seeds = [student_seed(f"s{k}") for k in range(200)]
    assert seeds == [student_seed(f"s{k}") for k in range(200)]
    assert len(set(seeds)) == 200
    assert student_seed("ana", 1) != student_seed("ana", 2)


def test_exported_from_nn():
    assert nn.exercise is exercise


@settings(max_examples=20)
@given(st.sampled_from([([2, 2, 2], "tanh", "half_sse"), ([2, 2, 1], "sigmoid", "bce"), ([2, 3, 3], "tanh", "cross_entropy")]),
       st.integers(0, 10**6))
def test_every_classic_hidden_slip_is_visible_at_three_figures(case, seed):
    from autograd.teaching.judge import Tolerance
    from nn.textbook import h_prime, h_value

    sizes, activation, loss = case
    ex = exercise(sizes, activation, loss, seed=seed)
    t, tol = ex.textbook, Tolerance.make(sig_figs=3)
    for j, (a, z) in enumerate(zip(t.a[0], t.z[0])):
        hp = h_prime(activation, a, z)
        terms = [t.weights[1][k][j] * d for k, d in enumerate(t.delta[1])]
        right = hp * sum(terms)
        slipped = [sum(terms), h_prime(activation, z, h_value(activation, z)) * sum(terms)]
        if len(terms) > 1:
            slipped += [hp * (sum(terms) - term) for term in terms]
        assert not any(tol.agrees(float(f"{v:.4g}"), right) for v in slipped), (j, right, slipped)


def _alike_pairs(ex):
    """Pairs of asked answers (δ of each unit, ∂E/∂w of each weight) equal up to sign
    within 2% — apart from the pairs the lectures' rules tie (δ_2 = −δ_1 of a 2-class softmax)."""
    answers = dict(ex.deltas())
    answers.update({f"∂E/∂{n}": g for n, g in ex.solution().items() if n.startswith("w")})
    if ex.loss in ("cross_entropy", "softmax_cross_entropy") and ex.sizes[-1] == 2:
        last = len(ex.sizes) - 1
        answers = {n: v for n, v in answers.items() if not (f"[{last}]_2" in n or f"[{last}]_{{2," in n)}
    items = sorted(answers.items())
    return [(a, b) for i, (a, u) in enumerate(items) for b, v in items[i + 1:]
            if abs(abs(u) - abs(v)) < 0.02 * max(abs(u), abs(v))]


@pytest.mark.parametrize("sizes,activation,loss", CASES + [([2, 3, 1], "tanh", "half_sse"),
                                                           ([2, 2, 2], "tanh", "cross_entropy")])
def test_no_two_answers_of_a_sheet_are_alike(sizes, activation, loss):
    # 200 sheets: no answer can be copied into another up to sign, no swap goes unseen;
    # a hand sheet's answers also differ by 2 % (a bigger sheet's at the judge's precision, below)
    for seed in range(200):
        ex = exercise(sizes, activation, loss, seed=seed)
        if sheet_size(sizes) <= HAND_SHEET:
            assert _alike_pairs(ex) == [], (seed, _alike_pairs(ex))
        assert ex.alike() == [], (seed, ex.alike())


def _copied_answers_pass(ex) -> list[tuple[str, str]]:
    """(n, m): n's right answer, written to 3 figures with m's sign, graded right for m.
    One student per item n, answering every item with n's number: the judge itself decides."""
    truth = {**ex.solution(), **ex.deltas()}
    same = {n: {n, n.replace("δ", "b") if n.startswith("δ") else n.replace("b", "δ", 1) if n.startswith("b") else n}
            for n in truth}
    if ex.loss in ("cross_entropy", "softmax_cross_entropy") and ex.sizes[-1] == 2:
        last = len(ex.sizes) - 1  # δ_2 = −δ_1 of a two-class softmax: the lectures' own tie
        truth = {n: v for n, v in truth.items() if f"[{last}]_2" not in n and f"[{last}]_{{2," not in n}
    answers = {n: {m: f"{math.copysign(float(f'{abs(v):.3g}'), truth[m])}" for m in truth} for n, v in truth.items()}
    book = ex.grade(answers, sig_figs=3, intermediates=distinct_figures(ex.sizes), names=list(truth))
    return [(n, m) for n in truth for m in truth if m not in same[n] and book.verdict(n, m) == "right"]


@pytest.mark.parametrize("sizes,activation,loss,seeds", [
    ([2, 2, 1], "tanh", "half_sse", 40), ([2, 3, 1], "tanh", "half_sse", 40), ([2, 2, 2], "sigmoid", "mse", 30),
    ([3, 4, 1], "tanh", "half_sse", 40), ([3, 4, 1], "relu", "half_sse", 40), ([3, 4, 2], "relu", "bce", 20),
    ([2, 4, 4, 1], "tanh", "half_sse", 20), ([2, 4, 4, 1], "relu", "half_sse", 15), ([4, 3, 1], "sigmoid", "bce", 20),
    ([2, 3, 3], "tanh", "cross_entropy", 20)])
def test_a_copied_answer_is_never_right_for_another_item(sizes, activation, loss, seeds):
    # bigger sheets too: the judge, grading to 3 figures, accepts no answer of the sheet
    # (up to sign) for another — so nothing can be copied across, and a swap is marked wrong
    for i in range(seeds):
        ex = exercise(sizes, activation, loss, seed=student_seed(f"s{i}", 22))
        assert _copied_answers_pass(ex) == [], (sizes, activation, i)


def test_the_copy_check_would_see_a_copy():
    # the check above, on a sheet drawn without the promise: 2-8-8-1 has alike answers, and they pass
    ex = exercise([2, 8, 8, 1], "tanh", "half_sse", seed=0)
    alike, copied = ex.alike(), _copied_answers_pass(ex)
    assert alike and copied
    assert any(p in alike or p[::-1] in alike for p in copied)


def test_inputs_of_one_size_would_tie_answers():
    # why the inputs avoid ±1 and repeated sizes: ∂E/∂w_jk = δ_j x_k
    ex = exercise([2, 2, 1], "tanh", "half_sse", seed=1)
    for (l, j), d in zip([(1, 1), (1, 2), (2, 1)], ex.deltas().values()):
        if l == 1:
            for k, x in enumerate(ex.x, start=1):
                assert ex.solution()[f"w[1]_{{{j},{k}}}"] == pytest.approx(d * x)
    assert len({abs(x) for x in ex.x}) == 2 and 1.0 not in map(abs, ex.x)


def test_a_network_whose_answers_cannot_all_differ_is_refused_clearly():
    # six inputs: two of one size, so two answers of every row alike — refused before any draw
    with pytest.raises(ValueError, match="6 inputs.*at most 5 inputs, or pass visible_slips=False"):
        exercise([6, 3, 1], "relu", "half_sse", seed=0)
    assert exercise([6, 3, 1], "relu", "half_sse", seed=0, visible_slips=False).sizes == (6, 3, 1)
    # 122 answers of a 2-8-8-1 sheet do not all differ: the refusal says so and what to pass
    with pytest.raises(ValueError, match="alike up to sign.*visible_slips=False.*Exercise.alike"):
        exercise([2, 8, 8, 1], "tanh", "half_sse", seed=0, visible_slips=True, max_tries=300)


@pytest.mark.parametrize("sizes,activation", [([3, 4, 1], "relu"), ([4, 4, 1], "relu"), ([2, 4, 4, 1], "relu"),
                                              ([2, 3, 3, 1], "relu"), ([5, 3, 1], "tanh")])
def test_bigger_sheets_are_drawn_with_the_default_visible_slips(sizes, activation):
    # each unit drawn until it fits: every relu unit alive, every input a size of its own
    for i in range(10):
        ex = exercise(sizes, activation, "half_sse", seed=student_seed(f"s{i}", 3))
        assert len({abs(v) for v in ex.x}) == len(ex.x) and 1.0 not in map(abs, ex.x)
        assert all(min(a) >= 0.1 for a in ex.textbook.a[:-1]) or activation != "relu"
        assert ex.alike() == []
