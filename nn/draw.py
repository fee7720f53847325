"""The network diagram of the lectures: one circle per unit, one arrow per weight.

    import nn
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    nn.draw(model)                          # the architecture and its weights
    nn.draw(model, x=[2.0, -1.0])           # + the forward pass: a_j and z_j in each unit
    nn.draw(model, x=[2.0, -1.0], target=[1.0])   # + E, δ_j and ∂E/∂w_jk

It is Bishop's two-layer diagram, for any number of layers: the inputs x_i on
the left, then one column per layer, the loss E on the right. The biases are drawn
as the lectures absorb them — weights w_j0 from an extra unit clamped at 1 (x₀ = 1
for the first layer, z₀ = 1 for the later ones). Each unit shows

    a_j = Σ_{k∈↑j} w_jk z_k + b_j,    z_j = h(a_j),    δ_j = ∂E/∂a_j,

and each arrow k → j shows w_jk and ∂E/∂w_jk = δ_j z_k (Bishop eq. 5.53).
All numbers are read from the engine, never recomputed here: δ_j is `.grad` of
the unit's a_j node after `E.backward()`, ∂E/∂w_jk is `.grad` of the weight.
The op-level view of the same computation is `autograd.draw`.
"""

from __future__ import annotations

import numbers
from typing import Callable, Sequence

from autograd import Value
from autograd.draw import HIGHLIGHT, GREY, INPUT_FILL, PARAMETER_FILL, Drawing, fmt
from nn.notation import get_notation

__all__ = ["draw_network"]

BIAS_FILL = "#eeeeee"
LOSS_FILL = "#f4cccc"


_SUBSCRIPT = str.maketrans("0123456789,", "₀₁₂₃₄₅₆₇₈₉,")
_SUPERSCRIPT = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")


def _sub(name: str, index, layer: int | None = None) -> str:
    """Lecture notation in Unicode: ("a", 2, 1) → "a₂⁽¹⁾" for a_2^(1) (unit 2 of layer 1).

    Plain characters rather than HTML <SUB>/<SUP>, which Graphviz stacks on top of
    the next line; these render the same with `dot` and the WebAssembly build."""
    sup = f"({layer})".translate(_SUPERSCRIPT) if layer is not None else ""
    return f"{name}{str(index).translate(_SUBSCRIPT)}{sup}"


def _pair(j: int, k: int) -> str:
    """Two indices as the lectures write them: "21", or "12,3" when one has two digits."""
    return f"{j}{k}" if j < 10 and k < 10 else f"{j},{k}"


def _text(lines: Sequence[str]) -> str:
    return "\\n".join(lines)  # DOT's centred line break


def draw_network(
    model,
    x: Sequence[float] | None = None,
    target=None,
    loss: str | Callable | None = None,
    *,
    show_bias: bool = True,
    max_units: int = 60,
    highlight: tuple[int, int] | None = None,
    notation=None,
) -> Drawing:
    """The neuron-level diagram of an `nn.MLP` as a `graphviz.Digraph` (a `Drawing`).

    model      an MLP (anything with `.nin` and `.layers[l].neurons[j].w / .b / .activation`).
    x          one input vector: runs the forward pass (`model.trace(x)`), shows a_j, z_j.
    target     its target: also computes the loss E and runs `E.backward()`, shows
               δ_j = ∂E/∂a_j in every unit and ∂E/∂w_jk on every arrow.
    loss       a function `loss(outputs, target) -> Value` or a name from `nn.losses`
               (default "half_sse", E = ½ Σ_k (y_k − t_k)², Bishop, "Network training").
    show_bias  draw the bias units x₀ = 1, z₀ = 1 and their arrows (the b_j = w_j0).
    max_units  refuse networks with more units than this (the picture is unreadable).
    highlight  (l, j): unit j of layer l (1-based) and the arrows to its consumers
               k ∈ ↓j, whose w_kj δ_k are the terms of δ_j (nn.teach.backprop_steps).
    notation   a key of nn.NOTATIONS ("webster", "bishop", "mlp", "hajij", "caltech"):
               label every quantity in that lecture's names (s₁⁽¹⁾, w₀₁⁽¹⁾ with x₀ = −1, ...).
               The numbers are the same; a bias drawn as the weight of a bias input
               x₀ = −1 shows −b_j and −δ_j, as that lecture's weight w_0j is.

    The model's `.grad`s are left as they were: the backward pass that fills the
    diagram saves them first and restores them afterwards.
    """
    layers = getattr(model, "layers", None)
    if layers is None or not hasattr(model, "nin"):
        raise TypeError(
            f"nn.draw: expected a network with .nin and .layers (an nn.MLP), got {type(model).__name__}"
        )
    widths = [model.nin] + [len(layer.neurons) for layer in layers]
    if sum(widths) > max_units:
        raise ValueError(
            f"nn.draw: this network has {sum(widths)} units (widths {widths}), more than "
            f"max_units={max_units}; a diagram that big is unreadable. Draw a smaller network, "
            f"or pass max_units={sum(widths)} to draw it anyway."
        )
    if highlight is not None:
        l_hi, j_hi = highlight
        if not (1 <= l_hi <= len(layers) and 1 <= j_hi <= len(layers[l_hi - 1].neurons)):
            raise ValueError(f"nn.draw: highlight={highlight!r} names no unit; use (layer, unit), both from 1")
    if target is not None and x is None:
        raise ValueError("nn.draw: a target needs an input x too (the loss compares the output for x with it)")

    names = _Names(get_notation(notation), len(layers))
    traces = model.trace(x) if x is not None else None
    E = None
    weight_grads: dict[Value, float] = {}
    if traces is not None and target is not None:
        E, weight_grads = _backward(model, traces, target, loss)
    backward_done = E is not None

    L = len(layers)
    g = Drawing(name="network", format="svg")
    g.attr(rankdir="LR", nodesep="0.25", ranksep="1.2")
    g.attr("node", fontname="Helvetica", fontsize="11")
    g.attr("edge", fontname="Helvetica", fontsize="9", arrowsize="0.7")

    # -- column 0: the inputs x_1..x_D (and x₀ = 1)
    with g.subgraph(name="layer0") as col:
        col.attr(rank="same")
        col.node("caption0", "inputs", shape="plaintext", fontcolor="#555555")
        if show_bias:
            col.node("x0", _text([names.bias_input(1)]), shape="circle", style="filled", fillcolor=BIAS_FILL)
        for i in range(1, model.nin + 1):
            lines = [names.input(i)]
            if traces is not None:
                lines[0] += f" = {fmt(traces[0].inputs[i - 1].data)}"
            col.node(f"x{i}", _text(lines), shape="circle", style="filled", fillcolor=INPUT_FILL)
        _keep_order(col, ["caption0"] + (["x0"] if show_bias else []) + [f"x{i}" for i in range(1, model.nin + 1)])

    # -- one column per layer: the units j, showing a_j, z_j, δ_j
    for l, layer in enumerate(layers, start=1):
        last = l == L
        with g.subgraph(name=f"layer{l}") as col:
            col.attr(rank="same")
            kind = "output" if last else "hidden"
            col.node(f"caption{l}", f"layer {l}: {kind}\\n{names.fn(l)} = {layer.activation}", shape="plaintext",
                     fontcolor="#555555")
            if show_bias and not last:
                col.node(f"z{l}_0", _text([names.bias_input(l + 1)]), shape="circle", style="filled",
                         fillcolor=BIAS_FILL)
            for j, neuron in enumerate(layer.neurons, start=1):
                marked = {"color": HIGHLIGHT, "penwidth": "3"} if highlight == (l, j) else {}
                col.node(f"z{l}_{j}", _text(_unit_lines(l, j, last, traces, backward_done, names)), shape="circle",
                         margin="0.02", **marked)
            _keep_order(col, [f"caption{l}"] + ([f"z{l}_0"] if show_bias and not last else [])
                        + [f"z{l}_{j}" for j in range(1, len(layer.neurons) + 1)])

        # arrows k → j: weights w_jk from the previous column, w_j0 = b_j from its bias unit
        prev = "x" if l == 1 else f"z{l - 1}_"
        for j, neuron in enumerate(layer.neurons, start=1):
            head = f"z{l}_{j}"
            if show_bias:
                g.edge(f"{prev}0", head, _text(_weight_lines(names.bias(l, j), neuron.b, weight_grads, names, bias=True)),
                       color=GREY, fontcolor="#666666", style="dashed")
            for k, w in enumerate(neuron.w, start=1):
                term = {"color": HIGHLIGHT, "penwidth": "2"} if highlight == (l - 1, k) else {}
                g.edge(f"{prev}{k}", head, _text(_weight_lines(names.weight(l, j, k), w, weight_grads, names)),
                       **term)

    # -- the loss E, fed by every output y_k
    if E is not None:
        targets = _as_list(target, len(traces[-1].z))
        g.node("E", _text([f"{names.loss} = {fmt(E.data)}", "δ = 1"]), shape="doublecircle", style="filled",
               fillcolor=LOSS_FILL)
        for k, z in enumerate(traces[-1].z, start=1):
            lines = []
            if k - 1 < len(targets):
                lines.append(names.target(k) + f" = {fmt(targets[k - 1])}")
            lines.append(f"∂{names.loss}/∂{names.act(L, k)} = {fmt(z.grad)}")
            term = {"color": HIGHLIGHT, "penwidth": "2"} if highlight == (L, k) else {}
            g.edge(f"z{L}_{k}", "E", _text(lines), **term)
    return g


def _keep_order(col, ids: list[str]) -> None:
    """Stack a column's nodes top to bottom in this order (caption, bias unit, units 1..n):
    invisible edges between neighbours of one rank fix their order."""
    for upper, lower in zip(ids, ids[1:]):
        col.edge(upper, lower, style="invis")


class _Names:
    """The labels of the diagram: the lecture's (nn.notation) or, without one, a_j^(l), z_j^(l),
    y_k, w_jk^(l), b_j^(l) with bias units x₀ = 1, z₀ = 1."""

    def __init__(self, notation, L: int):
        self.n, self.L = notation, L
        self.loss = notation.name("loss").text if notation else "E"

    def fn(self, l: int) -> str:
        """The activation function's letter: h, σ, φ; the MLP lecture's f (hidden) and g (output)."""
        return self.n.h_prime(l, 1, self.L).text.split("′")[0] if self.n else "h"

    def input(self, i: int) -> str:
        return self.n.inp(i).text if self.n else _sub("x", i)

    def bias_input(self, l: int) -> str:
        if self.n is None:
            return (_sub("x", 0) if l == 1 else _sub("z", 0, l - 1)) + " = 1"
        if self.n.bias_value is None:  # the lecture writes b_j: the arrow's constant input is just 1
            return "1"
        return f"{self.n.bias_input(l).text} = {self.n.bias_value:g}".replace("-", "−")

    def pre(self, l: int, j: int) -> str:
        return self.n.pre_name(l, j, self.L).text if self.n else _sub("a", j, l)

    def act(self, l: int, j: int) -> str:
        if self.n:
            return self.n.act_name(l, j, self.L).text
        return _sub("y", j) if l == self.L else _sub("z", j, l)

    def delta(self, l: int, j: int) -> str:
        return self.n.delta(l, j, self.L).text if self.n else _sub("δ", j, l)

    def weight(self, l: int, j: int, k: int) -> str:
        return self.n.weight_name(l, j, k, self.L).text if self.n else _sub("w", _pair(j, k), l)

    def bias(self, l: int, j: int) -> str:
        return self.n.bias(l, j, self.L).text if self.n else _sub("b", j, l)

    def target(self, k: int) -> str:
        return self.n.name("target", j=k).text if self.n else _sub("t", k)

    def bias_numbers(self, b: float, grad: float | None) -> tuple[float, float | None]:
        """b_j and ∂E/∂b_j as the lecture's bias parameter: −b_j, −δ_j for a bias input x₀ = −1."""
        if self.n is None:
            return b, grad
        return self.n.bias_weight(b), None if grad is None else self.n.bias_grad(grad)


def _unit_lines(l: int, j: int, last: bool, traces, backward_done: bool, names: _Names) -> list[str]:
    """The text in unit j of layer l: its name, then a_j, z_j (y_k for outputs) and δ_j."""
    z_name = names.act(l, j)
    if traces is None:
        return [names.pre(l, j), z_name]
    a, z = traces[l - 1].a[j - 1], traces[l - 1].z[j - 1]
    lines = [f"{names.pre(l, j)} = {fmt(a.data)}", f"{z_name} = {fmt(z.data)}"]
    if backward_done:
        lines.append(f"{names.delta(l, j)} = {fmt(a.grad)}")  # δ_j = ∂E/∂a_j: the engine's grad of a_j
    return lines


def _weight_lines(name: str, w: Value, weight_grads: dict[Value, float], names: _Names,
                  bias: bool = False) -> list[str]:
    value, grad = w.data, weight_grads.get(w)
    if bias:  # in the lecture's form: b_j, or the weight of its bias input
        value, grad = names.bias_numbers(value, grad)
    lines = [f"{name} = {fmt(value)}"]
    if w in weight_grads:
        lines.append(f"∂{names.loss}/∂{name} = {fmt(grad)}")
    return lines


def _as_list(target, n_out: int) -> list[float]:
    """The targets t_k to print on the arrows y_k → E: a list as given, a bare number
    for a single output, a class index as its one-hot vector (as the classification
    losses read it); anything else prints no t_k."""
    if isinstance(target, numbers.Real) and not isinstance(target, bool):
        if n_out == 1:
            return [float(target)]
        if float(target).is_integer() and 0 <= target < n_out:
            return [1.0 if k == target else 0.0 for k in range(n_out)]
        return []
    try:
        return [float(t) for t in target]
    except (TypeError, ValueError):
        return []


def _backward(model, traces, target, loss) -> tuple[Value, dict[Value, float]]:
    """E for this example and ∂E/∂w for every parameter, leaving the model's .grad as it was."""
    from nn import losses  # here, not at import: nn.draw is usable before nn.losses is loaded

    loss_fn = losses.get(loss if loss is not None else "half_sse")
    E = loss_fn(traces[-1].z, target)
    if not isinstance(E, Value):
        raise TypeError(f"nn.draw: the loss {loss!r} returned {type(E).__name__}, not a Value")
    params = model.parameters()
    saved = [p.grad for p in params]
    for p in params:
        p.grad = 0.0  # leaves accumulate: start from 0 so .grad is ∂E/∂w for this example
    try:
        E.backward()
        grads = {p: p.grad for p in params}
    finally:
        for p, old in zip(params, saved):
            p.grad = old
    return E, grads
