"""Loss functions for ONE example: `loss(outputs, target) -> Value`.

`outputs` is what a model returns (a list of Values); `target` is a list of floats
(or, where noted, a class index). Every loss is built from the engine's ops, so its
gradient is the engine's chain rule — nothing here is differentiated by hand.

Webster derives these from maximum likelihood: Gaussian noise gives the squared
error, a Bernoulli output the binary cross-entropy, a categorical output the
cross-entropy; Bishop ("Network training") uses E = ½ Σ (y − t)².

`reduction` says how the K outputs' terms are combined: "sum" (Σ_k, as Webster,
Bishop, the MLP lecture, Hajij and the Caltech handout write every loss) or "mean"
((1/K) Σ_k). Each loss keeps the default it has always had: mse, bce and hinge
"mean"; half_sse, cross_entropy and softmax_cross_entropy "sum" (see DEFAULT_REDUCTION).
With one output the two agree. `get("mse", reduction="sum")` gives a loss with
another reduction that `fit`, `nn.draw` and `textbook_backprop` all accept.
"""

from __future__ import annotations

import functools
import math
import numbers
from typing import Callable, Sequence

from autograd import Value


def _outputs(outputs, name: str) -> list[Value]:
    if isinstance(outputs, Value):
        return [outputs]
    try:
        out = list(outputs)
    except TypeError:
        raise TypeError(f"{name}: outputs must be a list of Values (what the model returns), got {type(outputs).__name__}") from None
    if not out:
        raise ValueError(f"{name}: outputs is empty")
    return [v if isinstance(v, Value) else Value(v) for v in out]


def _number(t, name: str) -> float:
    if isinstance(t, bool) or not isinstance(t, numbers.Real) or not math.isfinite(t):
        raise TypeError(f"{name}: every target must be a finite number, got {t!r}")
    return float(t)


def _targets(target, n: int, name: str) -> list[float]:
    """Accept a list of n numbers (or a bare number when n == 1)."""
    if isinstance(target, numbers.Real) and not isinstance(target, bool):
        target = [target]
    if isinstance(target, (str, bytes)) or not hasattr(target, "__iter__"):
        raise TypeError(f"{name}: target must be a list of {n} numbers, got {type(target).__name__} {target!r}")
    t = list(target)
    if len(t) != n:
        raise ValueError(f"{name}: target has length {len(t)} but the model gives {n} outputs; give one target per output")
    return [_number(v, name) for v in t]


def _class_target(target, n: int, name: str) -> list[float]:
    """A class index k (0 ≤ k < n) or a one-hot / probability list of length n."""
    if isinstance(target, numbers.Integral) and not isinstance(target, bool):
        if not 0 <= target < n:
            raise ValueError(f"{name}: class index target {target} is outside 0..{n - 1} ({n} outputs)")
        return [1.0 if k == target else 0.0 for k in range(n)]
    t = _targets(target, n, name)
    if any(v < 0 for v in t) or abs(sum(t) - 1.0) > 1e-9:
        raise ValueError(f"{name}: target {t} must be a class index or a one-hot list (non-negative, summing to 1)")
    return t


REDUCTIONS = ("mean", "sum")


def _reduce(terms: list[Value], K: int, reduction: str, name: str) -> Value:
    """Σ_k of the K outputs' terms, or (1/K) Σ_k (terms that are 0 may be left out of the list)."""
    if reduction == "sum":
        return Value.sum(terms)
    if reduction == "mean":
        return Value.sum(terms) / K
    raise ValueError(f"{name}: reduction must be 'mean' ((1/K) Σ over the K outputs) or 'sum' (Σ over them), "
                     f"got {reduction!r}")


def mse(outputs, target, reduction: str = "mean") -> Value:
    """E = (1/K) Σ_k (y_k − t_k)², the mean over the K outputs; with reduction="sum",
    Σ_k (y_k − t_k)² (Webster's S, the Caltech handout's and Hajij's (y − y')²)."""
    y = _outputs(outputs, "mse")
    t = _targets(target, len(y), "mse")
    return _reduce([(yk - tk) ** 2 for yk, tk in zip(y, t)], len(y), reduction, "mse")


def half_sse(outputs, target, reduction: str = "sum") -> Value:
    """E = ½ Σ_k (y_k − t_k)² (Bishop, "Network training"): then ∂E/∂y_k = y_k − t_k.
    reduction="mean" gives ½ (1/K) Σ_k (y_k − t_k)²."""
    y = _outputs(outputs, "half_sse")
    t = _targets(target, len(y), "half_sse")
    return _reduce([(yk - tk) ** 2 for yk, tk in zip(y, t)], len(y), reduction, "half_sse") * 0.5


def bce(outputs, target, reduction: str = "mean") -> Value:
    """E = −(1/K) Σ_k [t_k ln y_k + (1 − t_k) ln(1 − y_k)], outputs probabilities in (0, 1)
    (a sigmoid output layer), targets in [0, 1]; reduction="sum" drops the 1/K."""
    y = _outputs(outputs, "bce")
    t = _targets(target, len(y), "bce")
    terms = []
    for k, (yk, tk) in enumerate(zip(y, t)):
        if not 0.0 < yk.data < 1.0:
            raise ValueError(
                f"bce: output {k} is {yk.data!r}, not a probability in (0, 1); use a sigmoid "
                "output layer (MLP(..., output='sigmoid')). A sigmoid rounds to exactly 0 or 1 "
                "once |a| > 37: then lower the learning rate, add l2, or train the logits with "
                "softmax_cross_entropy"
            )
        if not 0.0 <= tk <= 1.0:
            raise ValueError(f"bce: target {k} is {tk!r}; binary cross-entropy needs targets in [0, 1]")
        # terms with a zero coefficient are left out, so ln is never evaluated needlessly
        if tk > 0.0:
            terms.append(yk.log() * tk)
        if tk < 1.0:
            terms.append((1.0 - yk).log() * (1.0 - tk))
    return -_reduce(terms, len(y), reduction, "bce")


def cross_entropy(outputs, target, reduction: str = "sum") -> Value:
    """E = −Σ_k t_k ln y_k, outputs probabilities (a softmax layer), target a one-hot
    list or a class index; reduction="mean" divides by K."""
    y = _outputs(outputs, "cross_entropy")
    t = _class_target(target, len(y), "cross_entropy")
    terms = []
    for k, (yk, tk) in enumerate(zip(y, t)):
        if tk == 0.0:
            continue
        if not 0.0 < yk.data <= 1.0:
            raise ValueError(f"cross_entropy: output {k} is {yk.data!r}, not a probability in (0, 1]; use output='softmax'")
        terms.append(yk.log() * tk)
    return -_reduce(terms, len(y), reduction, "cross_entropy")


def log_softmax(logits: Sequence[Value]) -> list[Value]:
    """ln softmax(a)_k = a_k − lse(a), lse(a) = m + ln Σ_i exp(a_i − m), m = max a."""
    logits = _outputs(logits, "log_softmax")
    m = max(v.data for v in logits)
    lse = Value.sum([(v - m).exp() for v in logits]).log() + m
    return [v - lse for v in logits]


def softmax_cross_entropy(outputs, target, reduction: str = "sum") -> Value:
    """E = −Σ_k t_k ln softmax(a)_k from logits a (an identity output layer).

    Computed as −Σ_k t_k (a_k − lse(a)) so logits of ±1000 neither overflow nor
    take ln 0; the gradient is the lectures' ∂E/∂a_k = softmax(a)_k − t_k."""
    a = _outputs(outputs, "softmax_cross_entropy")
    t = _class_target(target, len(a), "softmax_cross_entropy")
    logp = log_softmax(a)
    return -_reduce([lp * tk for lp, tk in zip(logp, t) if tk != 0.0], len(a), reduction, "softmax_cross_entropy")


def hinge(outputs, target, reduction: str = "mean") -> Value:
    """E = (1/K) Σ_k max(0, 1 − t_k y_k), targets ±1 (the max-margin loss of micrograd's demo);
    reduction="sum" drops the 1/K."""
    y = _outputs(outputs, "hinge")
    t = _targets(target, len(y), "hinge")
    for k, tk in enumerate(t):
        if tk not in (-1.0, 1.0):
            raise ValueError(f"hinge: target {k} is {tk!r}; hinge loss needs targets −1 or +1 (nn.data targets='pm1')")
    return _reduce([(1.0 - yk * tk).relu() for yk, tk in zip(y, t)], len(y), reduction, "hinge")


def l2(parameters: Sequence[Value]) -> Value:
    """Σ_w w², the weight-decay penalty (add λ·l2(model.parameters()) to a loss)."""
    params = list(parameters)
    return Value.sum([p * p for p in params])


LOSSES: dict[str, Callable] = {
    "mse": mse,
    "half_sse": half_sse,
    "bce": bce,
    "cross_entropy": cross_entropy,
    "softmax_cross_entropy": softmax_cross_entropy,
    "hinge": hinge,
}
DEFAULT_REDUCTION = {"mse": "mean", "half_sse": "sum", "bce": "mean", "cross_entropy": "sum",
                     "softmax_cross_entropy": "sum", "hinge": "mean"}
# Losses whose targets are classes: training reports accuracy for these.
CLASSIFICATION = {"bce", "cross_entropy", "softmax_cross_entropy", "hinge"}


def get(loss, reduction: str | None = None) -> Callable:
    """A loss function from itself or its name ("mse", "hinge", ...); with `reduction`
    ("mean" or "sum"), that loss with its K outputs combined that way."""
    if isinstance(loss, str) and loss in LOSSES:
        fn = LOSSES[loss]
    elif callable(loss):
        fn = loss
    else:
        raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)} or pass a function")
    if reduction is None:
        return fn
    if fn not in LOSSES.values():
        raise ValueError(f"get: reduction applies to the losses of nn.losses ({', '.join(LOSSES)}), not to {loss!r}")
    if reduction not in REDUCTIONS:
        raise ValueError(f"{fn.__name__}: reduction must be 'mean' or 'sum', got {reduction!r}")
    return functools.partial(fn, reduction=reduction)


def name_and_reduction(loss) -> tuple[str, str] | None:
    """("mse", "sum") for "mse" given by name or function, or get("mse", reduction="sum");
    None for a loss that is not one of nn.losses."""
    reduction = None
    if isinstance(loss, functools.partial) and set(loss.keywords) <= {"reduction"} and not loss.args:
        reduction, loss = loss.keywords.get("reduction"), loss.func
    for name, fn in LOSSES.items():
        if loss == name or loss is fn:
            return name, reduction or DEFAULT_REDUCTION[name]
    return None
