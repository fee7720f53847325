"""hand_check: a right claim is always reported right, a wrong one never; claims
that are right at one point but wrong elsewhere are caught at random points; the
engine column agrees with central differences; bad names give clear errors."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, exp, log, sigmoid, tanh
from autograd.teaching.handcheck import hand_check
from autograd.teaching.judge import ATOL, RTOL

# Functions of two variables with their derivatives worked out by hand (plain math,
# independent of the engine).
def _sig(a):
    return 1 / (1 + math.exp(-a))


CASES = {
    "tanh(x·y)": (
        lambda x, y: tanh(x * y),
        {"x": lambda x, y: (1 - math.tanh(x * y) ** 2) * y, "y": lambda x, y: (1 - math.tanh(x * y) ** 2) * x},
    ),
    "σ(x) + x·y²": (
        lambda x, y: sigmoid(x) + x * y**2,
        {"x": lambda x, y: _sig(x) * (1 - _sig(x)) + y**2, "y": lambda x, y: 2 * x * y},
    ),
    "exp(x/2)·y": (
        lambda x, y: exp(x / 2) * y,
        {"x": lambda x, y: 0.5 * math.exp(x / 2) * y, "y": lambda x, y: math.exp(x / 2)},
    ),
    "log(x² + 1) + tanh(y)": (
        lambda x, y: log(x * x + 1) + tanh(y),
        {"x": lambda x, y: 2 * x / (x * x + 1), "y": lambda x, y: 1 - math.tanh(y) ** 2},
    ),
}

points = st.floats(-2, 2, allow_nan=False)


@given(st.sampled_from(sorted(CASES)), points, points, st.booleans())
def test_a_right_claim_is_always_reported_right(case, x, y, as_numbers):
    f, derivatives = CASES[case]
    claimed = {n: (d(x=x, y=y) if as_numbers else d) for n, d in derivatives.items()}
    report = hand_check(f, claimed, {"x": x, "y": y}, n_random=0 if as_numbers else 5)
    assert report.ok, report
    assert all(r.verdict == "right" and r.engine_confirmed for r in report.rows)
    assert report.counterexample is None


@given(st.sampled_from(sorted(CASES)), points, points, st.sampled_from(["x", "y"]),
       st.floats(1.5, 1e6), st.sampled_from([-1, 1]))
def test_a_wrong_claim_is_never_reported_right(case, x, y, which, factor, sign):
    f, derivatives = CASES[case]
    right = derivatives[which](x=x, y=y)
    # off by more than the tolerance (factor > 1 times the allowed gap)
    wrong = right + sign * factor * (ATOL + RTOL * abs(right))
    claimed = {n: d for n, d in derivatives.items()}
    claimed[which] = wrong
    report = hand_check(f, claimed, {"x": x, "y": y}, n_random=3)
    assert not report.ok
    row = next(r for r in report.rows if r.name == which)
    assert row.verdict == "WRONG" and not row.ok
    assert "WRONG" in str(report) and "WRONG" in report._repr_html_()


@settings(max_examples=20)
@given(points)
def test_a_claim_right_at_one_point_only_is_caught_at_random_points(x0):
    # d/dx x³ = 3x², claimed as 3|x|·x0 — equal at x = x0 only
    report = hand_check(lambda x: x**3, {"x": lambda x: 3 * abs(x) * abs(x0)}, {"x": x0}, n_random=30)
    assert report.rows[0].ok  # right at the point itself
    assert not report.ok and report.counterexample is not None
    c = report.counterexample
    assert c.engine == pytest.approx(3 * c.point["x"] ** 2)
    assert "counterexample" in str(report)


def test_the_lectures_tanh_derivative_and_a_slip():
    at = {"a": 0.7}
    right = hand_check(lambda a: tanh(a), {"a": lambda a: 1 - math.tanh(a) ** 2}, at, n_random=20)
    assert right.ok and right.random_points == 20
    slip = hand_check(lambda a: tanh(a), {"a": lambda a: 1 + math.tanh(a) ** 2}, at)
    assert not slip.ok
    row = slip.rows[0]
    assert row.engine == pytest.approx(1 - math.tanh(0.7) ** 2)
    assert row.numeric == pytest.approx(row.engine, rel=1e-6)


def test_points_where_f_is_undefined_are_skipped():
    report = hand_check(lambda x: log(x), {"x": lambda x: 1 / x}, {"x": 0.5}, n_random=10, seed=3)
    assert report.ok and report.random_points == 10


def test_a_kink_is_flagged_but_the_engine_decides():
    report = hand_check(lambda x: x.relu(), {"x": 0.0}, {"x": 0.0})
    row = report.rows[0]
    assert row.ok and row.engine == 0.0 and row.numeric == pytest.approx(0.5)
    assert not row.engine_confirmed and "kink" in str(report)


def test_number_claims_are_not_tried_elsewhere_and_that_is_said():
    report = hand_check(lambda x, y: x * y, {"x": 2.0, "y": lambda x, y: x}, {"x": 1.0, "y": 2.0}, n_random=4)
    assert report.ok and report.not_tried == ("x",)
    assert "checked at this point only: x" in str(report)


def test_same_seed_same_points():
    f = lambda x: x**3  # noqa: E731
    a = hand_check(f, {"x": lambda x: 2.9 * x * x}, {"x": 0.0}, n_random=5, seed=7)
    b = hand_check(f, {"x": lambda x: 2.9 * x * x}, {"x": 0.0}, n_random=5, seed=7)
    assert a.counterexample == b.counterexample and a.counterexample is not None


def test_errors_name_what_is_wrong():
    f = lambda x, y: x * y  # noqa: E731
    with pytest.raises(ValueError, match=r"'z' in claimed is not an argument of f \(f takes x, y\)"):
        hand_check(f, {"z": 1.0}, {"x": 1.0, "y": 2.0})
    with pytest.raises(ValueError, match="give a value in at for f's argument"):
        hand_check(f, {"x": 1.0}, {"x": 1.0})
    with pytest.raises(ValueError, match=r"at\['x'\] must be a finite number"):
        hand_check(f, {"x": 1.0}, {"x": math.nan, "y": 1.0})
    with pytest.raises(TypeError, match="must return a Value"):
        hand_check(lambda x: 3.0, {"x": 1.0}, {"x": 1.0})
    with pytest.raises(TypeError, match="claim for 'x' must be a number"):
        hand_check(f, {"x": "y"}, {"x": 1.0, "y": 2.0})
    with pytest.raises(TypeError, match=r"claim\(\*\*at\)"):
        hand_check(f, {"x": lambda x: x}, {"x": 1.0, "y": 2.0})


def test_keyword_functions_and_value_claims():
    report = hand_check(lambda **v: v["x"] * v["x"], {"x": lambda **p: Value(2 * p["x"])}, {"x": 3.0})
    assert report.ok and report.rows[0].claimed == 6.0


def test_hand_check_judges_a_number_by_the_judges_rule_with_the_graphs_spread():
    # a number worked by hand to 3 figures carries the rounding of every value written down:
    # hand_check says exactly what the judge says with the spread through f's graph
    import random

    from autograd.teaching.judge import judge, rounding_spread

    def E(w, b):
        return ((w * 1.5 + b).tanh() - 0.5) ** 2 * 0.5

    at = {"w": 0.4, "b": -0.3}
    leaves = {n: Value(v, n) for n, v in at.items()}
    out = E(**leaves)
    out.backward()
    spread = rounding_spread(out, 3)
    rng = random.Random(3)
    seen = set()
    for _ in range(300):
        name = rng.choice(["w", "b"])
        truth = leaves[name].grad
        claim = truth + rng.uniform(-3, 3) * (spread[leaves[name]] + 0.0005 * abs(truth))
        row = hand_check(E, {name: claim}, at, sig_figs=3).rows[0]
        assert row.ok == judge(claim, truth, sig_figs=3, spread=spread[leaves[name]]).ok
        seen.add(row.ok)
    assert seen == {True, False}
    assert spread[leaves["w"]] > 0 and spread[leaves["b"]] > 0


def test_feedback_for_a_student_shows_no_engine_value_or_finite_difference():
    def f(x, y):
        return (x + y) * x.exp()

    check = hand_check(f, {"x": -4.1218, "y": lambda x, y: math.exp(x) * 1.01}, {"x": 0.5, "y": 1.0}, n_random=5)
    text = check.feedback()
    assert not text.ok and "∂f/∂x: wrong. Likely slip: the size is right but the sign is wrong" in text
    for row in check.rows:
        assert f"{abs(row.engine):#.4g}" not in text and f"{abs(row.numeric):#.4g}" not in text
    assert str(row.engine)[:5] in str(check)  # (the instructor's table does show them)
