"""A simulated class for the judge's tests: students who work an `nn.exercise` sheet
the lectures' way, layer by layer in plain floats (independently of the engine and of
`autograd.teaching.slips`), rounding what they write down as they were told, making
one slip each, or guessing.

    work(ex, figures=3)                         # {name: value}: a right method, 3-figure intermediates
    work(ex, figures=3, slip=("missing_local", 1, 2))   # forgot h'(a^{(1)}_2)
    written(value, style)                       # the value as a student writes it: "−0.123", "≈-0,123", ...
"""

from __future__ import annotations

import math
import random

from nn.draw import name_of

SLIP_KINDS = ("sign", "missing_local", "local_at_output", "wrong_variable", "wrong_variable_input",
              "missing_path", "extra_local", "loss_factor", "swapped")


def _r(x: float, k: int | None) -> float:
    return x if k is None or x == 0 else float(f"{x:.{k - 1}e}")


def _h(activation: str, a: float) -> float:
    return math.tanh(a) if activation == "tanh" else 1 / (1 + math.exp(-a))


def _h_prime_from_z(activation: str, z: float) -> float:
    return 1 - z * z if activation == "tanh" else z * (1 - z)  # the lectures: 1 − z², z(1 − z)


def work(ex, figures: int | None, slip: tuple | None = None) -> dict[str, float]:
    """The sheet's answers (∂E/∂w, ∂E/∂b, δ) by the lectures' delta rule with every
    written value rounded to `figures` significant figures (None: exact), and one slip:

        ("missing_local", l, j)     h'(a_j) of hidden unit j of layer l taken as 1
        ("local_at_output", l, j)   h' taken at z_j: h'(z_j) = 1 − tanh(z_j)²
        ("wrong_variable", l, j)    h' written in a_j: 1 − a_j² (or a_j(1 − a_j))
        ("wrong_variable_input", l, k)  a_k of layer l used for z_k in ∂E/∂w = δ z_k
        ("missing_path", l, j, m)   the term of unit m of layer l + 1 left out of δ_j's sum
        ("extra_local",)            δ_out = (y − t)·y(1 − y) at a sigmoid output with bce
        ("loss_factor",)            the ½ of E forgotten: δ_out = 2(y − t)
    (sign and swapped change the answers afterwards: `slipped`)."""
    book, k = ex.textbook, figures
    kind = slip[0] if slip else None
    x = [_r(v, k) for v in book.x]
    A, Z, z = [], [], x
    for W, b, h in zip(book.weights, book.biases, book.activations):
        a = [_r(math.fsum(_r(w * zk, k) for w, zk in zip(w_j, z)) + b_j, k) for w_j, b_j in zip(W, b)]
        if h == "softmax":
            m = max(a)
            e = [math.exp(v - m) for v in a]
            z = [_r(v / sum(e), k) for v in e]
        elif h == "identity":
            z = list(a)
        else:
            z = [_r(_h(h, v), k) for v in a]
        A.append(a)
        Z.append(z)
    y, t = Z[-1], book.target
    K = len(y)
    scale = 1.0 / K if book.reduction == "mean" else 1.0
    if book.loss == "mse":
        scale *= 2.0
    if kind == "loss_factor":
        scale *= 2.0  # the ½ of E = ½Σ(y − t)² forgotten
    delta = [_r(scale * (yk - tk), k) for yk, tk in zip(y, t)]
    if kind == "extra_local":
        delta = [_r(d * _r(_h_prime_from_z("sigmoid", yk), k), k) for d, yk in zip(delta, y)]
    deltas = [delta]
    L = len(book.weights)
    for l in range(L - 2, -1, -1):  # 0-based hidden layer l is the lectures' layer l + 1
        W_next, d_next, h = book.weights[l + 1], deltas[0], book.activations[l]
        d = []
        for j in range(len(A[l])):
            here = slip is not None and len(slip) > 2 and slip[1] == l + 1 and slip[2] == j + 1
            terms = [_r(W_next[m][j] * d_next[m], k) for m in range(len(d_next))
                     if not (here and kind == "missing_path" and slip[3] == m + 1)]
            total = _r(math.fsum(terms), k)
            a_j, z_j = A[l][j], Z[l][j]
            if here and kind == "missing_local":
                hp = 1.0
            elif here and kind == "local_at_output":
                hp = _r(_h_prime_from_z(h, _r(_h(h, z_j), k)), k)
            elif here and kind == "wrong_variable":
                hp = _r(_h_prime_from_z(h, a_j), k)
            else:
                hp = _r(_h_prime_from_z(h, z_j), k)
            d.append(_r(hp * total, k))
        deltas.insert(0, d)
    out: dict[str, float] = {}
    inputs = x
    for l, d in enumerate(deltas, start=1):
        for j, d_j in enumerate(d, start=1):
            out[name_of("δ", l, j)] = d_j
            out[name_of("b", l, j)] = d_j
            for m, z_m in enumerate(inputs, start=1):
                if kind == "wrong_variable_input" and slip[1] == l - 1 and slip[2] == m:
                    z_m = A[l - 2][m - 1]  # a_k where z_k belongs
                out[name_of("w", l, j, m)] = _r(d_j * z_m, k)
        inputs = Z[l - 1]
    return out


def slips_of(ex) -> list[tuple]:
    """Every lecture slip this sheet can show, as `work` takes them."""
    book = ex.textbook
    found: list[tuple] = []
    for l in range(1, len(book.weights)):
        h = book.activations[l - 1]
        for j in range(1, len(book.a[l - 1]) + 1):
            if h in ("tanh", "sigmoid"):
                found += [("missing_local", l, j), ("local_at_output", l, j), ("wrong_variable", l, j)]
                found.append(("wrong_variable_input", l, j))
            if len(book.weights[l]) > 1:
                found += [("missing_path", l, j, m) for m in range(1, len(book.weights[l]) + 1)]
    if (book.activations[-1], book.loss) == ("sigmoid", "bce"):
        found.append(("extra_local",))
    if book.loss == "half_sse":
        found.append(("loss_factor",))
    return found


def written(value: float, style: int, figures: int = 3) -> str:
    """A number as a student writes it, in one of several styles, to `figures` figures."""
    text = f"{value:.{figures}g}"
    if "e" in text:
        style = 0
    minus = text.startswith("-")
    body = text.lstrip("-")
    if style == 1:
        return ("−" if minus else "") + body  # a real minus sign
    if style == 2:
        return ("-" if minus else "") + body.replace(".", ",")  # a decimal comma
    if style == 3:
        return "≈ " + text
    if style == 4:
        mantissa, exponent = f"{value:.{figures - 1}e}".split("e")
        return f"{mantissa}×10^{int(exponent)}"
    if style == 5:
        return f"{value:.{figures - 1}E}"
    if style == 6:
        return f"{text} ({figures} s.f.)"
    return text


def random_answer(rng: random.Random) -> str:
    """A guess: a number of about the size of a sheet's answers."""
    return f"{rng.uniform(-1.0, 1.0):.3g}"
