"""nn.data: the data sets have the shapes, functions and determinism they promise."""

import math
import random

import pytest

import nn


def test_xor_variants():
    X, y = nn.data.xor()
    assert X == [[0, 0], [0, 1], [1, 0], [1, 1]] and y == [[0.0], [1.0], [1.0], [0.0]]
    X, y = nn.data.xor(targets="pm1", inputs="pm1")
    assert X == [[-1, -1], [-1, 1], [1, -1], [1, 1]] and y == [[-1.0], [1.0], [1.0], [-1.0]]
    with pytest.raises(ValueError, match="'01'.*'pm1'"):
        nn.data.xor(targets="yes")


def test_moons_deterministic_balanced_and_on_the_circles():
    X, y = nn.data.moons(101, noise=0.1, seed=3)
    assert (X, y) == nn.data.moons(101, noise=0.1, seed=3)
    assert X != nn.data.moons(101, noise=0.1, seed=4)[0]
    assert len(X) == 101 and sorted({t[0] for t in y}) == [-1.0, 1.0]
    assert sum(t[0] == 1.0 for t in y) == 51
    X0, y0 = nn.data.moons(50, noise=0.0, targets="01")
    for (a, b), (t,) in zip(X0, y0):
        # outer moon on the unit circle, inner moon on the circle centred (1, ½)
        r = math.hypot(a, b) if t == 0.0 else math.hypot(a - 1, b - 0.5)
        assert r == pytest.approx(1.0)


def test_moons_ignores_global_rng():
    random.seed(0)
    a = nn.data.moons(20)
    random.seed(1)
    assert nn.data.moons(20) == a


@pytest.mark.parametrize(
    "kind, f",
    [("square", lambda x: x * x), ("sin", math.sin), ("abs", abs), ("heaviside", lambda x: float(x >= 0)),
     ("sin_pi", lambda x: math.sin(math.pi * x))],
)
def test_bishop_curves(kind, f):
    X, y = nn.data.bishop_curves(kind)
    assert len(X) == 50 and all(-1 < x[0] < 1 for x in X)
    assert [t[0] for t in y] == [f(x[0]) for x in X]
    assert (X, y) == nn.data.bishop_curves(kind, seed=0)


def test_bishop_unknown_kind():
    with pytest.raises(ValueError, match="square, sin, abs, heaviside"):
        nn.data.bishop_curves("cube")


def test_digits_four_vs_rest():
    pytest.importorskip("sklearn", reason="digits needs scikit-learn (the deltagrad[digits] extra)")
    X, y = nn.data.digits(positive=4, seed=0)
    assert len(X) == 1797 and all(len(x) == 64 for x in X)
    assert all(0.0 <= v <= 1.0 for x in X for v in x)
    assert sum(t[0] for t in y) == 181  # sklearn's digits hold 181 fours
    X2, _ = nn.data.digits(n=50, seed=0)
    assert X2 == X[:50]


def test_digits_without_sklearn_names_the_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name.startswith("sklearn"):
            raise ImportError("No module named 'sklearn'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    with pytest.raises(ImportError, match=r"deltagrad\[digits\]"):
        nn.data.digits()
