"""Small data sets from the lectures, as plain lists: X (list of input rows) and y
(list of target rows). All are deterministic from `seed` (their own
`random.Random`, never the global one) and need no network.

    xor()                    the four corners of the XOR problem
    moons(n, noise, seed)    two interleaving half circles (as sklearn.make_moons)
    bishop_curves(kind)      Bishop's four-function figure: x², sin x, |x|, H(x)
    digits(positive=4)       sklearn's bundled 8×8 digits, "4 vs non-4" (the MLP lecture)
"""

from __future__ import annotations

import math
import random

Data = tuple[list[list[float]], list[list[float]]]


def _labels(targets: str, where: str) -> tuple[float, float]:
    """(negative, positive) target values for a two-class data set."""
    if targets == "01":
        return 0.0, 1.0
    if targets == "pm1":
        return -1.0, 1.0
    raise ValueError(f"{where}: targets must be '01' (for sigmoid + bce) or 'pm1' (for tanh + hinge/mse), got {targets!r}")


def xor(targets: str = "01", inputs: str = "01") -> Data:
    """XOR on the four corners: t = 1 exactly when one input is on.

    targets="01" gives t ∈ {0, 1} (sigmoid output with bce); targets="pm1" gives
    t ∈ {−1, +1} (tanh output, hinge or mse). inputs="pm1" maps the corners from
    {0, 1}² to {−1, +1}², which trains faster with tanh units."""
    lo, hi = _labels(targets, "xor")
    x_lo, x_hi = _labels(inputs, "xor inputs")
    X, y = [], []
    for a in (0, 1):
        for b in (0, 1):
            X.append([x_hi if a else x_lo, x_hi if b else x_lo])
            y.append([hi if a != b else lo])
    return X, y


def moons(n: int = 100, noise: float = 0.1, seed: int = 0, targets: str = "pm1") -> Data:
    """Two interleaving half circles, the construction of sklearn's make_moons:

        outer: (cos θ, sin θ),          θ evenly spaced in [0, π]   → class 0 / −1
        inner: (1 − cos θ, ½ − sin θ),                              → class 1 / +1

    plus Gaussian noise of standard deviation `noise`, in shuffled order."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 2:
        raise ValueError(f"moons: n must be an int ≥ 2, got {n!r}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"moons: noise must be a finite number ≥ 0 (a standard deviation), got {noise!r}")
    lo, hi = _labels(targets, "moons")
    rng = random.Random(seed)
    n_out = n // 2
    n_in = n - n_out
    points = []
    for i in range(n_out):
        t = math.pi * i / max(n_out - 1, 1)
        points.append(([math.cos(t), math.sin(t)], lo))
    for i in range(n_in):
        t = math.pi * i / max(n_in - 1, 1)
        points.append(([1.0 - math.cos(t), 0.5 - math.sin(t)], hi))
    rng.shuffle(points)
    X = [[x1 + rng.gauss(0.0, noise), x2 + rng.gauss(0.0, noise)] for (x1, x2), _ in points]
    y = [[t] for _, t in points]
    return X, y


# Bishop's figure (PRML fig. 5.3): N = 50 points, x uniform on (−1, 1), t = f(x) with
# no noise, fitted by a 1-3-1 network with tanh hidden units and a linear output.
_CURVES = {
    "square": lambda x: x * x,  # (a) f(x) = x²
    "sin": math.sin,  # (b) f(x) = sin(x), as the caption states
    "abs": abs,  # (c) f(x) = |x|
    "heaviside": lambda x: 1.0 if x >= 0.0 else 0.0,  # (d) H(x), with H(0) = 1
    # The curve drawn in panel (b) goes through a whole period on (−1, 1), i.e. it is
    # sin(πx); offered for reproducing the picture.
    "sin_pi": lambda x: math.sin(math.pi * x),
}


def bishop_curves(kind: str, n: int = 50, seed: int = 0) -> Data:
    """N points (x, f(x)) with x uniform on (−1, 1) for f of Bishop's figure:
    kind "square" (x²), "sin" (sin x), "abs" (|x|), "heaviside" (H(x)); also "sin_pi"."""
    if kind not in _CURVES:
        raise ValueError(f"bishop_curves: unknown kind {kind!r}; choose one of {', '.join(_CURVES)}")
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"bishop_curves: n must be a positive int, got {n!r}")
    rng = random.Random(seed)
    f = _CURVES[kind]
    xs = [rng.uniform(-1.0, 1.0) for _ in range(n)]
    return [[x] for x in xs], [[float(f(x))] for x in xs]


def digits(positive: int = 4, seed: int = 0, n: int | None = None, targets: str = "01") -> Data:
    """sklearn's bundled 8×8 handwritten digits (1797 images, read from disk, no download)
    as a two-class problem "`positive` vs the rest" (the MLP lecture: 4 vs non-4).

    Pixels (0..16) are scaled to [0, 1]; each row has 64 inputs. The order is
    shuffled by `seed`; `n` keeps only the first n examples (scalar autodiff is slow
    on 64 inputs, so a few hundred are plenty for a demo)."""
    if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n < 1):
        raise ValueError(f"digits: n must be None (all 1797 examples) or a positive int, got {n!r}")
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError(
            "nn.data.digits needs scikit-learn (it ships the 8×8 digits); install it with "
            "pip install 'deltagrad[digits]' (or pip install scikit-learn)"
        ) from None
    if positive not in range(10):
        raise ValueError(f"digits: positive must be a digit 0..9, got {positive!r}")
    lo, hi = _labels(targets, "digits")
    data = load_digits()
    rows = [([float(p) / 16.0 for p in img.ravel()], hi if int(label) == positive else lo) for img, label in zip(data.images, data.target)]
    random.Random(seed).shuffle(rows)
    if n is not None:
        rows = rows[:n]
    return [r for r, _ in rows], [[t] for _, t in rows]
