"""Backprop as the lectures do it by hand: layer by layer, in plain floats.

`textbook_backprop` runs the delta rule of the lecture notes with no Values and no
autodiff — only the formulas (Webster §backprop, Bishop eq. 5.53–5.56, the Caltech handout):

    forward     a_j = Σ_k w_jk z_k + b_j,     z_j = h(a_j)
    output      δ_k = ∂E/∂a_k                 (y_k − t_k for the matched pairs below)
    hidden      δ_j = h'(a_j) Σ_{k∈↓j} w_kj δ_k
    derivatives ∂E/∂w_jk = δ_j z_k,           ∂E/∂b_j = δ_j

so that a student can compare the textbook with the engine (`model.trace` + loss +
`backward()`): they must agree for every activation and loss the lectures use.

The output δ uses the lectures' shortcuts where the output activation matches the
loss (the "canonical link" pairs):

    sigmoid + bce                    δ_k = (y_k − t_k)/K   (bce is a mean over the K outputs)
    softmax + cross_entropy          δ_k = y_k − t_k
    identity + softmax_cross_entropy δ_k = softmax(a)_k − t_k
    identity + half_sse              δ_k = y_k − t_k
    identity + mse                   δ_k = 2(y_k − t_k)/K

each with the loss's default reduction; a loss from nn.losses.get(name, reduction=...)
sums (no 1/K) or averages (1/K) over the outputs as asked.

and otherwise the general rule δ_k = h'(a_k) ∂E/∂y_k (for a softmax output layer,
δ_k = Σ_i ∂E/∂y_i · y_i(1[i=k] − y_k), since softmax couples its units).

`backprop_steps` gives the same pass unit by unit, output units first, each with
its numbers written out, for reading or for a notebook (`_repr_latex_`). With
`notation="caltech"` (or any key of `nn.NOTATIONS`) the text and LaTeX use that
lecture's names (s_j^(l), x_j^(l), w_ij^(l), ...); the numbers are the same.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Callable, Sequence

from autograd.names import fmt as _num  # 4 significant digits, real minus sign
from nn.notation import Notation, get_notation

__all__ = ["textbook_backprop", "Textbook", "backprop_steps", "UnitStep", "derivative_text"]

# h'(a) for each activation of nn.module.ACTIVATIONS, written with z = h(a) where the
# lectures do (tanh: 1 − z², the Caltech handout; sigmoid: z(1 − z), Hajij). The constants
# (slope 0.01, α = 1) are the ones nn.module uses.
LEAKY_SLOPE = 0.01
ELU_ALPHA = 1.0


def h_value(activation: str, a: float) -> float:
    if activation == "identity":
        return a
    if activation == "tanh":
        return math.tanh(a)
    if activation == "sigmoid":
        return _sigmoid(a)
    if activation == "relu":
        return a if a > 0 else 0.0
    if activation == "leaky_relu":
        return a if a > 0 else LEAKY_SLOPE * a
    if activation == "elu":
        return a if a > 0 else ELU_ALPHA * (math.exp(a) - 1.0)
    if activation == "softplus":
        return max(a, 0.0) + math.log1p(math.exp(-abs(a)))
    raise ValueError(f"textbook_backprop: unknown activation {activation!r}")


def h_prime(activation: str, a: float, z: float) -> float:
    if activation == "identity":
        return 1.0
    if activation == "tanh":
        return 1.0 - z * z
    if activation == "sigmoid":
        return z * (1.0 - z)
    if activation == "relu":
        return 1.0 if a > 0 else 0.0
    if activation == "leaky_relu":
        return 1.0 if a > 0 else LEAKY_SLOPE
    if activation == "elu":
        return 1.0 if a > 0 else z + ELU_ALPHA  # α e^a = z + α
    if activation == "softplus":
        return _sigmoid(a)
    raise ValueError(f"textbook_backprop: unknown activation {activation!r}")


DERIVATIVE_TEXT = {
    "identity": "h'(a) = 1",
    "tanh": "h'(a) = 1 − z²",
    "sigmoid": "h'(a) = z(1 − z)",
    "relu": "h'(a) = 1 if a > 0 else 0",
    "leaky_relu": f"h'(a) = 1 if a > 0 else {LEAKY_SLOPE}",
    "elu": "h'(a) = 1 if a > 0 else z + α",
    "softplus": "h'(a) = σ(a)",
}


def derivative_text(activation: str) -> str:
    """h'(a) of an activation as the lectures write it."""
    return DERIVATIVE_TEXT.get(activation, f"h'(a) of {activation}")


def in_notation(text: str, n: Notation, l: int, j: int, L: int) -> str:
    """A rule written with the engine's letters (h'(a) = 1 − z², δ_k = y_k − t_k, ∂E/∂y_k)
    in the letters of lecture `n`, for unit j of layer l: φ′(s) = 1 − x², δ = x₁⁽²⁾ − y₁, ..."""
    pre, act = n.pre_name(l, j, L), n.act_name(l, j, L)
    fn = n.h_prime(l, j, L).text.split("′")[0]
    pre_letter = n.out_pre if l == L else n.pre
    act_letter = n.out if l == L else n.act
    swaps = [("h'(a_k)", n.h_prime(l, j, L).text), ("h'(a)", f"{fn}′({pre_letter})"), ("softmax(a)_k", f"softmax({pre_letter})ⱼ"),
             ("δ_k", n.delta(l, j, L).text), ("a_k", pre.text), ("y_k", act.text), ("t_k", n.name("target", j=j).text),
             ("∂E/∂y_k", f"∂{n.name('loss').text}/∂{act.text}"), ("∂E/∂y", f"∂{n.name('loss').text}/∂{act_letter}"), ("∂E/", f"∂{n.name('loss').text}/"),
             ("(y − t)", f"({act_letter} − {n.target})"), ("σ(a)", f"σ({pre_letter})")]
    out = []
    i = 0
    while i < len(text):  # one pass, so a replacement is never replaced again
        for old, new in swaps:
            if text.startswith(old, i):
                out.append(new)
                i += len(old)
                break
        else:
            c = text[i]
            single = c in "az" and not (i > 0 and text[i - 1].isalpha()) and not (i + 1 < len(text) and text[i + 1].isalpha())
            out.append((pre_letter if c == "a" else act_letter) if single else c)
            i += 1
    return "".join(out)


def _sigmoid(a: float) -> float:
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _softmax(a: Sequence[float]) -> list[float]:
    m = max(a)  # subtract the maximum: every exp ≤ 1
    e = [math.exp(v - m) for v in a]
    s = sum(e)
    return [v / s for v in e]


# ---------------------------------------------------------------------------
# Losses on plain floats: E(y, t) and ∂E/∂y_k, as in nn.losses
# ---------------------------------------------------------------------------
LOSS_NAMES = ("half_sse", "mse", "bce", "cross_entropy", "softmax_cross_entropy", "hinge")
_CLASS_LOSSES = ("cross_entropy", "softmax_cross_entropy")


def _loss_name(loss) -> tuple[str, str]:
    """The loss's name and reduction: "mse" or nn.losses.mse → ("mse", "mean");
    nn.losses.get("mse", reduction="sum") → ("mse", "sum")."""
    from nn.losses import name_and_reduction

    named = name_and_reduction(loss)
    if named is not None and named[0] in LOSS_NAMES:
        return named
    raise ValueError(
        f"textbook_backprop: loss {loss!r} has no textbook formula here; use one of {', '.join(LOSS_NAMES)}"
    )


def _target(target, n: int, loss: str) -> list[float]:
    if loss in _CLASS_LOSSES and isinstance(target, numbers.Integral) and not isinstance(target, bool):
        if not 0 <= target < n:
            raise ValueError(f"textbook_backprop: class index {target} is outside 0..{n - 1}")
        return [1.0 if k == target else 0.0 for k in range(n)]
    if isinstance(target, numbers.Real) and not isinstance(target, bool):
        target = [target]
    t = [float(v) for v in target]
    if len(t) != n:
        raise ValueError(f"textbook_backprop: target has length {len(t)} but the model gives {n} outputs")
    if loss in _CLASS_LOSSES and (min(t) < 0 or abs(sum(t) - 1.0) > 1e-9):
        # δ_k = y_k − t_k for softmax + cross-entropy uses Σ_k t_k = 1
        raise ValueError(f"textbook_backprop: {loss} needs a class index or a one-hot target, got {t}")
    return t


def _scale(reduction: str, K: int) -> float:
    return 1.0 / K if reduction == "mean" else 1.0  # (1/K) Σ_k or Σ_k over the outputs


def _loss_value(loss: str, y: list[float], t: list[float], reduction: str) -> float:
    if loss == "half_sse":
        total = 0.5 * sum((yk - tk) ** 2 for yk, tk in zip(y, t))
    elif loss == "mse":
        total = sum((yk - tk) ** 2 for yk, tk in zip(y, t))
    elif loss == "bce":
        total = -sum((tk * math.log(yk) if tk > 0 else 0.0) + ((1 - tk) * math.log(1 - yk) if tk < 1 else 0.0)
                     for yk, tk in zip(y, t))
    elif loss == "cross_entropy":
        total = -sum(tk * math.log(yk) for yk, tk in zip(y, t) if tk != 0)
    elif loss == "softmax_cross_entropy":
        m = max(y)
        lse = m + math.log(sum(math.exp(v - m) for v in y))
        total = -sum(tk * (yk - lse) for yk, tk in zip(y, t) if tk != 0)
    else:  # hinge
        total = sum(max(0.0, 1 - tk * yk) for yk, tk in zip(y, t))
    return total * _scale(reduction, len(y))


def _dE_dy(loss: str, y: list[float], t: list[float], reduction: str) -> list[float]:
    if loss == "half_sse":
        g = [yk - tk for yk, tk in zip(y, t)]
    elif loss == "mse":
        g = [2 * (yk - tk) for yk, tk in zip(y, t)]
    elif loss == "bce":
        # −[t/y − (1 − t)/(1 − y)], a term left out when its coefficient is 0
        g = [-((tk / yk if tk > 0 else 0.0) - ((1 - tk) / (1 - yk) if tk < 1 else 0.0)) for yk, tk in zip(y, t)]
    elif loss == "cross_entropy":
        g = [-tk / yk if tk != 0 else 0.0 for yk, tk in zip(y, t)]
    elif loss == "softmax_cross_entropy":
        s = _softmax(y)
        total = sum(t)
        g = [sk * total - tk for sk, tk in zip(s, t)]
    else:  # hinge: ∂ max(0, 1 − t y)/∂y = −t where 1 − t y > 0 (the engine's relu' is 0 at 0)
        g = [(-tk if 1 - tk * yk > 0 else 0.0) for yk, tk in zip(y, t)]
    c = _scale(reduction, len(y))
    return [gk * c for gk in g]


# ---------------------------------------------------------------------------
# The textbook pass
# ---------------------------------------------------------------------------
@dataclass
class Textbook:
    """The result of `textbook_backprop`: per layer l (0-based lists, lectures' l = index + 1)."""

    x: list[float]
    target: list[float]
    loss: str
    activations: list[str]  # h of each layer ("softmax" for a softmax output layer)
    weights: list[list[list[float]]]  # w[l][j][k]
    biases: list[list[float]]
    a: list[list[float]]  # pre-activations a_j
    z: list[list[float]]  # activations z_j = h(a_j); z[-1] is the output y
    dE_dy: list[float]  # ∂E/∂y_k of the loss
    delta: list[list[float]]  # δ_j = ∂E/∂a_j
    dE_dw: list[list[list[float]]]  # ∂E/∂w_jk = δ_j z_k, same shapes as the weights
    dE_db: list[list[float]]  # ∂E/∂b_j = δ_j
    E: float
    output_rule: str  # which output rule gave δ_k
    steps: list["UnitStep"] = field(default_factory=list, repr=False)
    notation: Notation | None = field(default=None, repr=False)  # the lecture whose names the steps use
    reduction: str = ""  # "sum" or "mean" over the K outputs

    def inputs(self, l: int) -> list[float]:
        """z_k feeding layer l (0-based): x for the first layer."""
        return self.x if l == 0 else self.z[l - 1]


_SHORTCUTS = {  # (output activation, loss): (what it is, δ_k for the sum over the K outputs)
    ("sigmoid", "bce"): ("sigmoid output with bce", "y_k − t_k"),
    ("softmax", "cross_entropy"): ("softmax output with cross-entropy", "y_k − t_k"),
    ("identity", "softmax_cross_entropy"): ("logits with softmax cross-entropy", "softmax(a)_k − t_k"),
    ("identity", "half_sse"): ("identity output with ½Σ(y − t)²", "y_k − t_k"),
    ("identity", "mse"): ("identity output with mse", "2(y_k − t_k)"),
}


def _shortcut_rule(pair, reduction: str) -> str | None:
    """The output rule's text: δ_k = y_k − t_k for a sum over the outputs, (y_k − t_k)/K for a mean."""
    if pair not in _SHORTCUTS:
        return None
    what, delta = _SHORTCUTS[pair]
    if reduction == "mean":
        delta = f"{delta}/K" if delta.startswith("2(") else f"({delta})/K"
    return f"{what}: δ_k = {delta}"


def _model_parts(model):
    layers = getattr(model, "layers", None)
    if layers is None or not hasattr(model, "nin"):
        raise TypeError(f"textbook_backprop: expected an nn.MLP (with .nin and .layers), got {type(model).__name__}")
    weights = [[[w.data for w in n.w] for n in layer.neurons] for layer in layers]
    biases = [[n.b.data for n in layer.neurons] for layer in layers]
    activations = [layer.activation for layer in layers]
    return weights, biases, activations


def textbook_backprop(model, x: Sequence[float], target, loss="half_sse", notation=None) -> Textbook:
    """One forward and backward pass of the lectures' delta rule, in plain floats.

    `model` is an nn.MLP (only its weights' `.data` and layer activations are read:
    nothing is built or backpropagated through the engine); `target` a list of
    numbers (or a class index for the cross-entropies); `loss` a name from
    nn.losses (or that function). Returns δ per unit and ∂E/∂w, ∂E/∂b with the
    model's shapes (see `Textbook`); `.steps` are the same pass unit by unit, named
    in `notation` (a key of nn.NOTATIONS; None: the names of the engine's labels)."""
    loss, reduction = _loss_name(loss)
    notation = get_notation(notation)
    weights, biases, activations = _model_parts(model)
    xs = [float(v.data if hasattr(v, "data") else v) for v in x]
    if len(xs) != model.nin:
        raise ValueError(f"textbook_backprop: the model takes {model.nin} inputs, x has {len(xs)}")

    # forward: a_j = Σ_k w_jk z_k + b_j, z_j = h(a_j)
    a_all, z_all, z = [], [], xs
    for W, b, h in zip(weights, biases, activations):
        a = [math.fsum([w_jk * z_k for w_jk, z_k in zip(w_j, z)]) + b_j for w_j, b_j in zip(W, b)]
        z = _softmax(a) if h == "softmax" else [h_value(h, a_j) for a_j in a]
        a_all.append(a)
        z_all.append(z)
    y = z_all[-1]
    t = _target(target, len(y), loss)
    g = _dE_dy(loss, y, t, reduction)

    # output layer: δ_k = ∂E/∂a_k
    h_out, a_out = activations[-1], a_all[-1]
    K = len(y)
    rule = _shortcut_rule((h_out, loss), reduction)
    c = _scale(reduction, K)
    if (h_out, loss) == ("sigmoid", "bce"):
        delta_out = [(yk - tk) * c for yk, tk in zip(y, t)]
    elif (h_out, loss) == ("softmax", "cross_entropy"):
        delta_out = [(yk - tk) * c for yk, tk in zip(y, t)]  # needs Σ_k t_k = 1 (a one-hot target)
    elif h_out == "identity" and loss in ("softmax_cross_entropy", "half_sse", "mse"):
        delta_out = list(g)  # h' = 1: δ_k = ∂E/∂y_k, which is the formula of the table above
    elif h_out == "softmax":
        rule = "softmax output: δ_k = Σ_i ∂E/∂y_i · y_i(1[i=k] − y_k)"
        delta_out = [sum(g[i] * y[i] * ((1.0 if i == k else 0.0) - y[k]) for i in range(K)) for k in range(K)]
    else:
        rule = f"general rule: δ_k = h'(a_k) ∂E/∂y_k with {derivative_text(h_out)}"
        delta_out = [h_prime(h_out, a_k, y_k) * g_k for a_k, y_k, g_k in zip(a_out, y, g)]

    # hidden layers, from the output back: δ_j = h'(a_j) Σ_k w_kj δ_k
    deltas = [delta_out]
    for l in range(len(weights) - 2, -1, -1):
        W_next, d_next = weights[l + 1], deltas[0]
        h = activations[l]
        d = [h_prime(h, a_j, z_j) * math.fsum([W_next[k][j] * d_next[k] for k in range(len(d_next))])
             for j, (a_j, z_j) in enumerate(zip(a_all[l], z_all[l]))]
        deltas.insert(0, d)

    # derivatives: ∂E/∂w_jk = δ_j z_k, ∂E/∂b_j = δ_j
    dE_dw, inputs = [], xs
    for l, d in enumerate(deltas):
        dE_dw.append([[d_j * z_k for z_k in inputs] for d_j in d])
        inputs = z_all[l]
    result = Textbook(xs, t, loss, activations, weights, biases, a_all, z_all, g, deltas, dE_dw,
                      [list(d) for d in deltas], _loss_value(loss, y, t, reduction), rule or "", notation=notation,
                      reduction=reduction)
    result.steps = _unit_steps(result)
    return result


# ---------------------------------------------------------------------------
# Unit by unit
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitStep:
    """The backward pass at one unit j of layer `layer` (1-based, as in the lectures)."""

    index: int
    layer: int
    unit: int  # j, 1-based
    kind: str  # "output" or "hidden"
    a: float
    z: float
    delta: float
    activation: str
    h_prime: float | None  # h'(a_j) (None for a softmax output unit)
    downstream: tuple[tuple[int, float, float], ...]  # (k, w_kj, δ_k) for k ∈ ↓j (hidden units)
    rule: str  # the output rule, or h'(a) for a hidden unit
    inputs: tuple[float, ...]  # z_k feeding this unit
    dE_dw: tuple[float, ...]  # ∂E/∂w_jk = δ_j z_k
    output: tuple[float, float] | None = None  # (y_k, t_k) for an output unit
    numbers: str = ""  # the output rule with its numbers, e.g. "0.1022 − 0.5"
    notation: Notation | None = None  # the lecture's names (None: a[l]_j, w[l]_{j,k}, ...)
    layers: int = 0  # L, so that the output layer gets the output names

    @property
    def name(self) -> str:
        return f"δ[{self.layer}]_{self.unit}"

    def text(self) -> str:
        """One line with the numbers, e.g. δ[1]_2 = h'(a[1]_2) Σ_k w[2]_{k,2} δ[2]_k = (0.75)·[(0.3)(−0.27)] = −0.06075."""
        l, j = self.layer, self.unit
        if self.notation is not None:
            return self._text_in(self.notation)
        if self.kind == "output":
            y, t = self.output
            worked = f" = {self.numbers}" if self.numbers else ""
            return f"{self.name} = ∂E/∂a[{l}]_{j}{worked} = {_num(self.delta)}   ({self.rule})"
        terms = " + ".join(f"({_num(w)})({_num(d)})" for _, w, d in self.downstream)
        return (f"{self.name} = h'(a[{l}]_{j}) Σ_k w[{l + 1}]_{{k,{j}}} δ[{l + 1}]_k = "
                f"({_num(self.h_prime)})·[{terms}] = {_num(self.delta)}   ({self.activation}: {self.rule})")

    def _text_in(self, n: Notation) -> str:
        """The δ line in a lecture's names, e.g. δ₁⁽¹⁾ = φ′(s₁⁽¹⁾) Σ_j w₁ⱼ⁽²⁾ δⱼ⁽²⁾ = (…)·[…] = …"""
        l, j, L = self.layer, self.unit, self.layers
        me = n.delta(l, j, L).text
        if self.kind == "output":
            worked = f" = {in_notation(self.numbers, n, l, j, L)}" if self.numbers else ""
            return (f"{me} = ∂{n.name('loss').text}/∂{n.pre_name(l, j, L).text}{worked} = {_num(self.delta)}"
                    f"   ({in_notation(self.rule, n, l, j, L)})")
        terms = " + ".join(f"({_num(w)})({_num(d)})" for _, w, d in self.downstream)
        return (f"{n.hidden_rule(l, j, L).text} = ({_num(self.h_prime)})·[{terms}] = {_num(self.delta)}"
                f"   ({self.activation}: {in_notation(self.rule, n, l, j, L)})")

    def explain(self) -> str:
        """The δ line, then ∂E/∂w_jk = δ_j z_k for each incoming weight and ∂E/∂b_j = δ_j."""
        l, j = self.layer, self.unit
        lines = [self.text()]
        if self.notation is not None:
            n, L = self.notation, self.layers
            E, d = n.name("loss").text, n.delta(l, j, L).text
            for k, (z_k, g) in enumerate(zip(self.inputs, self.dE_dw), start=1):
                lines.append(f"  ∂{E}/∂{n.weight_name(l, j, k, L).text} = {d} {n.unit_input(l, k, L).text}"
                             f" = ({_num(self.delta)})({_num(z_k)}) = {_num(g)}")
            if n.bias_value is None:
                lines.append(f"  ∂{E}/∂{n.bias(l, j, L).text} = {d} = {_num(self.delta)}")
            else:  # the bias is the weight of the bias input x_0 (z_0): its derivative is δ_j x_0
                lines.append(f"  ∂{E}/∂{n.bias(l, j, L).text} = {d} {n.bias_input(l).text} = ({_num(self.delta)})"
                             f"({_num(n.bias_value)}) = {_num(n.bias_grad(self.delta))}")
            return "\n".join(lines)
        z = "x" if l == 1 else "z"  # the first layer's inputs are the network inputs
        for k, (z_k, g) in enumerate(zip(self.inputs, self.dE_dw), start=1):
            lines.append(f"  ∂E/∂w[{l}]_{{{j},{k}}} = δ[{l}]_{j} {z}_{k} = ({_num(self.delta)})({_num(z_k)}) = {_num(g)}")
        lines.append(f"  ∂E/∂b[{l}]_{j} = δ[{l}]_{j} = {_num(self.delta)}")
        return "\n".join(lines)

    def latex(self) -> str:
        l, j = self.layer, self.unit
        if self.notation is not None:
            n, L = self.notation, self.layers
            if self.kind == "output":
                y, t = self.output
                return (rf"{n.delta(l, j, L).latex} = \frac{{\partial {n.name('loss').latex}}}"
                        rf"{{\partial {n.pre_name(l, j, L).latex}}} = {self.delta:.4g}"
                        rf"\quad ({n.act_name(l, j, L).latex} = {y:.4g},\ {n.name('target', j=j).latex} = {t:.4g})")
            terms = " + ".join(f"({w:.4g})({dk:.4g})" for _, w, dk in self.downstream)
            return rf"{n.hidden_rule(l, j, L).latex} = ({self.h_prime:.4g})\,[{terms}] = {self.delta:.4g}"
        d = rf"\delta^{{({l})}}_{{{j}}}"
        if self.kind == "output":
            y, t = self.output
            return rf"{d} = \frac{{\partial E}}{{\partial a^{{({l})}}_{{{j}}}}} = {self.delta:.4g}" \
                   rf"\quad (y = {y:.4g},\ t = {t:.4g})"
        terms = " + ".join(f"({w:.4g})({dk:.4g})" for _, w, dk in self.downstream)
        return (rf"{d} = h'(a^{{({l})}}_{{{j}}}) \sum_k w^{{({l + 1})}}_{{k{j}}} \delta^{{({l + 1})}}_k"
                rf" = ({self.h_prime:.4g})\,[{terms}] = {self.delta:.4g}")

    def _repr_latex_(self) -> str:
        return f"${self.latex()}$"

    def __str__(self) -> str:
        return self.text()


def _output_numbers(r: Textbook, k: int, h_prime: float | None) -> str:
    """The output rule of `r` for unit k with its numbers filled in."""
    y, t, K = r.z[-1][k], r.target[k], len(r.z[-1])
    pair = (r.activations[-1], r.loss)

    def num(x: float) -> str:  # a negative number in brackets: 0.2 − (−0.5), not 0.2 − −0.5
        text = _num(x)
        return f"({text})" if text.startswith("−") else text

    mean = r.reduction == "mean"
    if pair in (("sigmoid", "bce"), ("softmax", "cross_entropy"), ("identity", "half_sse")):
        return f"({num(y)} − {num(t)})/{K}" if mean else f"{num(y)} − {num(t)}"
    if pair == ("identity", "mse"):
        return f"2({num(y)} − {num(t)})" + (f"/{K}" if mean else "")
    if pair == ("identity", "softmax_cross_entropy"):
        s = _softmax(r.z[-1])[k]
        return f"({num(s)} − {num(t)})/{K}" if mean else f"{num(s)} − {num(t)}"
    if h_prime is not None:
        return f"h'(a)·∂E/∂y = ({_num(h_prime)})({_num(r.dE_dy[k])})"
    return ""  # softmax with another loss: a sum over all outputs


def _unit_steps(r: Textbook) -> list[UnitStep]:
    steps: list[UnitStep] = []
    L = len(r.delta)
    named = {"notation": r.notation, "layers": L}
    for l in range(L - 1, -1, -1):  # output layer first
        h = r.activations[l]
        for j, d in enumerate(r.delta[l]):
            a, z = r.a[l][j], r.z[l][j]
            if l == L - 1:
                hp = None if h == "softmax" else h_prime(h, a, z)
                step = UnitStep(len(steps), l + 1, j + 1, "output", a, z, d, h, hp, (), r.output_rule,
                                tuple(r.inputs(l)), tuple(r.dE_dw[l][j]), (z, r.target[j]),
                                _output_numbers(r, j, hp), **named)
            else:
                down = tuple((k + 1, r.weights[l + 1][k][j], r.delta[l + 1][k]) for k in range(len(r.delta[l + 1])))
                step = UnitStep(len(steps), l + 1, j + 1, "hidden", a, z, d, h, h_prime(h, a, z), down,
                                derivative_text(h), tuple(r.inputs(l)), tuple(r.dE_dw[l][j]), **named)
            steps.append(step)
    return steps


@dataclass
class BackpropSteps:
    """The unit-by-unit backward pass of `backprop_steps`: a list of UnitSteps with
    the textbook result and what is needed to draw the network."""

    steps: list[UnitStep]
    result: Textbook
    model: object = field(repr=False)
    x: list[float] = field(repr=False)
    target: object = field(repr=False)

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, i: int) -> UnitStep:
        return self.steps[i]

    def __iter__(self):
        return iter(self.steps)

    def text(self) -> str:
        return "\n".join(s.explain() for s in self.steps)

    def __str__(self) -> str:
        return self.text()

    def _repr_latex_(self) -> str:
        return "$$\\begin{aligned}" + r"\\ ".join("&" + s.latex() for s in self.steps) + "\\end{aligned}$$"

    def draw(self, index: int | None = None, **options):
        """The neuron diagram (`nn.draw.draw_network`) with a_j, z_j, δ_j and ∂E/∂w_jk;
        with `index`, that step's unit is highlighted with the arrows to its consumers
        k ∈ ↓j, which carry the terms w_kj δ_k of its sum."""
        from nn.draw import draw_network

        if index is not None:
            step = self.steps[index]
            options.setdefault("highlight", (step.layer, step.unit))
        if self.result.notation is not None:
            options.setdefault("notation", self.result.notation)
        from nn.losses import get

        loss = get(self.result.loss, reduction=self.result.reduction)
        return draw_network(self.model, self.x, self.target, loss, **options)

    def to_html(self, path, title: str | None = None, **options) -> str:
        """One page stepping unit by unit over the network diagram (`nn.unit_stepper`)."""
        from nn.unit_stepper import to_html

        return to_html(self, path, title, **options)

    def widget(self, **options):
        """The same in Jupyter: buttons, slider and zoom over the diagram drawn once."""
        from nn.unit_stepper import widget

        return widget(self, **options)


def backprop_steps(model, x: Sequence[float], target, loss="half_sse", notation=None) -> BackpropSteps:
    """The lectures' backward pass unit by unit: output units first (δ_k), then the
    hidden units layer by layer (δ_j = h'(a_j) Σ_k w_kj δ_k with the numbers), each
    with ∂E/∂w_jk = δ_j z_k. Plain floats, like `textbook_backprop`; named in
    `notation` (a key of nn.NOTATIONS, e.g. "caltech")."""
    result = textbook_backprop(model, x, target, loss, notation)
    return BackpropSteps(result.steps, result, model, list(result.x), target)
