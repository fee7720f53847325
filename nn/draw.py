"""The network diagram of the lectures: one circle per unit, one arrow per weight.

    import nn
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    nn.draw(model)                          # the architecture and its weights
    nn.draw(model, x=[2.0, -1.0])           # + the forward pass: a_j and z_j in each unit
    nn.draw(model, x=[2.0, -1.0], target=[1.0])   # + E, δ_j and ∂E/∂w_jk

It is Bishop's two-layer diagram, for any number of layers: the inputs x_i on
the left, then one column per layer, the loss E on the right. The biases are drawn
as the lectures absorb them — weights w_j0 from an extra unit clamped at 1 (x0 = 1
for the first layer, z[l]_0 = 1 for the later ones). Each unit shows

    a_j = Σ_{k∈↑j} w_jk z_k + b_j,    z_j = h(a_j),    δ_j = ∂E/∂a_j,

and each arrow k → j shows w_jk and ∂E/∂w_jk = δ_j z_k (Bishop eq. 5.53) where it can
be read: `edge_labels="auto"` labels the gaps between columns with at most 10 arrows
and, elsewhere, the arrows of a highlighted unit only. A column wider than
`max_units` shows a "⋯" unit in place of the units it leaves out.
All numbers are read from the engine, never recomputed here: δ_j is `.grad` of
the unit's a_j node after `E.backward()`, ∂E/∂w_jk is `.grad` of the weight.

Every quantity has one name, `name_of` (a[1]_2, z[1]_2, w[2]_{1,3}, b[2]_1, x1): the
labels `nn.MLP` gives its Values, so the diagram, the op-level steppers, LaTeX and
`deltagrad trace` all say the same. The op-level view of the same computation is
`op_graph` (each neuron, softmax layer and the loss collapsed to one box) and its
stepper `op_stepper`; the lectures' unit-by-unit stepper is `nn.backprop_steps`.

`notation="caltech"` (or another key of `nn.NOTATIONS`) writes the diagram in one
lecture's names instead: s₁⁽¹⁾, x₁⁽¹⁾, w₀₁⁽¹⁾ from x₀ = −1, ... (nn/notation.py).
"""

from __future__ import annotations

import numbers
from typing import Callable, Sequence

from autograd import Value
from autograd.names import fmt_fixed
from autograd.drawing.draw import (GREY, HIGHLIGHT, INPUT_FILL, MAX_EDGES, OUTPUT_FILL, Drawing, Layout, label_escape,
                           legend_node)
from nn.notation import get_notation

__all__ = ["draw_network", "name_of", "op_groups", "op_graph", "op_stepper"]

BIAS_FILL = "#eeeeee"
LOSS_FILL = "#f4cccc"


def _text(lines: Sequence[str]) -> str:
    return "\\n".join(lines)  # DOT's centred line break


def name_of(symbol: str, layer: int | None = None, j: int | None = None, k: int | None = None) -> str:
    """The one name of a network quantity, as the engine's labels, the steppers, LaTeX
    (`autograd.teaching.steps`) and this diagram all write it:

        name_of("x", j=1)            x1          input x_1 (x0 = 1 is the bias unit)
        name_of("a", 1, 2)           a[1]_2      pre-activation a_j of unit 2, layer 1
        name_of("z", 1, 2)           z[1]_2      its activation z_j = h(a_j)
        name_of("w", 2, 1, 3)        w[2]_{1,3}  weight into unit 1 of layer 2 from unit 3 below
        name_of("b", 2, 1)           b[2]_1      bias of that unit (the weight w_j0)
        name_of("δ", 1, 2)           δ[1]_2      δ_j = ∂E/∂a_j of unit 2, layer 1

    `nn.MLP` labels its Values with these names (a test checks it), so a node is called
    the same in every view."""
    if symbol == "x" or layer is None:
        return f"{symbol}{j}"
    if symbol == "w":
        return f"w[{layer}]_{{{j},{k}}}"
    return f"{symbol}[{layer}]_{j}"


AUTO_LABELLED_ARROWS = 10  # a gap between two columns with more arrows than this gets no labels
EDGE_LABELS = ("auto", "all", "weights", "grads", "highlighted", "none")


def draw_network(
    model,
    x: Sequence[float] | None = None,
    target=None,
    loss: str | Callable | None = None,
    *,
    show_bias: bool = True,
    max_units: int = 12,
    highlight: tuple[int, int] | None = None,
    edge_labels: str = "auto",
    legend: bool = True,
    max_edges: int = MAX_EDGES,
    notation=None,
) -> Drawing:
    """The neuron-level diagram of an `nn.MLP` as a `graphviz.Digraph` (a `Drawing`).

    model        an MLP (anything with `.nin` and `.layers[l].neurons[j].w / .b / .activation`).
    x            one input vector: runs the forward pass (`model.trace(x)`), shows a_j, z_j.
    target       its target: also computes the loss E and runs `E.backward()`, shows
                 δ_j = ∂E/∂a_j in every unit and ∂E/∂w_jk on every arrow.
    loss         a function `loss(outputs, target) -> Value` or a name from `nn.losses`
                 (default "half_sse", E = ½ Σ_k (y_k − t_k)², Bishop, "Network training").
    show_bias    draw the bias units x0 = 1, z[l]_0 = 1 and their arrows (the b_j = w_j0).
    max_units    a column with more units than this shows its first max_units − 1 units,
                 a "⋯" unit standing for the rest, and its last unit.
    highlight    (l, j): unit j of layer l (1-based) and the arrows to its consumers
                 k ∈ ↓j, whose w_kj δ_k are the terms of δ_j (nn.textbook.backprop_steps).
    edge_labels  what the arrows say: "all" (w_jk and ∂E/∂w_jk), "weights", "grads",
                 "highlighted" (only the highlighted unit's arrows), "none", or "auto":
                 everything between two columns joined by at most 10 arrows, elsewhere
                 only the highlighted arrows — labels only where they can be read.
    legend       add the small legend box ("steps": also the styles a stepper gives it).
    max_edges    refuse a diagram that would need more arrows than this (before any layout).
    notation     a key of nn.NOTATIONS ("webster", "bishop", "mlp", "hajij", "caltech"): label
                 every quantity in that lecture's names. The numbers are the same; a bias drawn
                 as the weight of a bias input x₀ = −1 shows −b_j and −δ_j, as that lecture's
                 weight w_0j is.

    The model's `.grad`s are left as they were: the backward pass that fills the
    diagram saves them first and restores them afterwards.
    """
    layers = getattr(model, "layers", None)
    if layers is None or not hasattr(model, "nin"):
        raise TypeError(
            f"nn.draw: expected a network with .nin and .layers (an nn.MLP), got {type(model).__name__}"
        )
    if not isinstance(max_units, int) or isinstance(max_units, bool) or max_units < 3:
        raise ValueError(f"nn.draw: max_units={max_units!r} must be an int of at least 3 "
                         "(the units shown per column before the rest are elided)")
    if edge_labels not in EDGE_LABELS:
        raise ValueError(f"nn.draw: edge_labels={edge_labels!r} is not one of {', '.join(map(repr, EDGE_LABELS))}")
    if highlight is not None:
        if (not isinstance(highlight, tuple) or len(highlight) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in highlight)):
            raise TypeError(f"nn.draw: highlight must be a (layer, unit) pair of ints, both from 1, "
                            f"e.g. highlight=(1, 2); got {highlight!r}")
        l_hi, j_hi = highlight
        if not (1 <= l_hi <= len(layers) and 1 <= j_hi <= len(layers[l_hi - 1].neurons)):
            raise ValueError(f"nn.draw: highlight={highlight!r} names no unit; use (layer, unit), both from 1")
    if target is not None and x is None:
        raise ValueError("nn.draw: a target needs an input x too (the loss compares the output for x with it)")

    widths = [model.nin] + [len(layer.neurons) for layer in layers]
    shown = [_shown_units(n, max_units) for n in widths]  # per column: unit numbers, None for "⋯"
    arrows = sum((len(shown[l - 1]) + show_bias) * len(shown[l]) for l in range(1, len(widths)))
    if arrows > max_edges:  # bound the layout before it starts, as autograd.draw does
        raise ValueError(
            f"nn.draw: this diagram needs {arrows} arrows, more than max_edges={max_edges}; laying that "
            "out is slow and unreadable. Draw fewer units per column (a smaller max_units), draw a "
            "smaller network, or pass a larger max_edges."
        )
    names = _Names(get_notation(notation), len(layers))
    traces = model.trace(x) if x is not None else None
    E = None
    weight_grads: dict[Value, float] = {}
    if traces is not None and target is not None:
        E, weight_grads = _backward(model, traces, target, loss)
    backward_done = E is not None

    L = len(layers)
    g = Drawing(name="network", format="svg")
    g.layout = layout = Layout()  # the ids a page restyles per step (nn.unit_stepper)
    g.attr(rankdir="LR", nodesep="0.25", ranksep="1.2")
    g.attr("node", fontname="Helvetica", fontsize="11")
    g.attr("edge", fontname="Helvetica", fontsize="9", arrowsize="0.7")
    roles = ["input"] + (["bias"] if show_bias else []) + (["unit"] if L > 1 else []) + ["output"]

    def unit_id(l: int, j: int | None) -> str:
        if l == 0:
            return "x_more" if j is None else f"x{j}"
        return f"z{l}_more" if j is None else f"z{l}_{j}"

    # -- column 0: the inputs x_1..x_D (and x0 = 1)
    with g.subgraph(name="layer0") as col:
        col.attr(rank="same")
        col.node("caption0", "inputs", shape="plaintext", fontcolor="#555555")
        if show_bias:
            col.node("x0", _text([names.bias_input(1, name_of("x", j=0) + " = 1")]), shape="circle", style="filled",
                     fillcolor=BIAS_FILL)
        for i in shown[0]:
            if i is None:
                col.node("x_more", "⋯", shape="circle", style="dashed", color=GREY)
                continue
            lines = [names.input(i, name_of("x", j=i))]
            if traces is not None:
                name = names.input(i, _label(traces[0].inputs[i - 1], lines[0]))
                lines[0] = f"{name} = {fmt_fixed(traces[0].inputs[i - 1].data)}"
            col.node(f"x{i}", _text(lines), shape="circle", style="filled", fillcolor=INPUT_FILL)
        _keep_order(col, ["caption0"] + (["x0"] if show_bias else []) + [unit_id(0, i) for i in shown[0]])

    # -- one column per layer: the units j, showing a_j, z_j, δ_j
    for l, layer in enumerate(layers, start=1):
        last = l == L
        with g.subgraph(name=f"layer{l}") as col:
            col.attr(rank="same")
            kind = "output" if last else "hidden"
            col.node(f"caption{l}", f"layer {l}: {kind}\\n{names.fn(l)} = {layer.activation}", shape="plaintext",
                     fontcolor="#555555")
            if show_bias and not last:
                col.node(f"z{l}_0", _text([names.bias_input(l + 1, name_of("z", l, 0) + " = 1")]), shape="circle",
                         style="filled", fillcolor=BIAS_FILL)
            for j in shown[l]:
                if j is None:
                    col.node(unit_id(l, None), "⋯", shape="circle", style="dashed", color=GREY)
                    continue
                attrs = {"style": "filled", "fillcolor": OUTPUT_FILL} if last else {}
                if highlight == (l, j):
                    attrs.update(color=HIGHLIGHT, penwidth="3")
                lines = _unit_lines(layer, l, j, traces, backward_done, names)
                col.node(unit_id(l, j), _text(lines), shape="circle", margin="0.02", id=unit_id(l, j), **attrs)
                layout.deltas[unit_id(l, j)] = [t for t in lines if t.startswith("δ")]
            _keep_order(col, [f"caption{l}"] + ([f"z{l}_0"] if show_bias and not last else [])
                        + [unit_id(l, j) for j in shown[l]])

        # arrows k → j: weights w_jk from the previous column, w_j0 = b_j from its bias unit
        arrows = (widths[l - 1] + (1 if show_bias else 0)) * widths[l]
        gap_labels = edge_labels
        if edge_labels == "auto":
            gap_labels = "all" if arrows <= AUTO_LABELLED_ARROWS else "highlighted"
        for j in shown[l]:
            head = unit_id(l, j)
            if j is None:  # the elided units: one faint arrow from each unit drawn below
                for k in shown[l - 1]:
                    g.edge(unit_id(l - 1, k), head, color=GREY, style="dashed", arrowhead="none")
                continue
            neuron = layer.neurons[j - 1]
            if show_bias:
                lines = _weight_lines(neuron.b, name_of("b", l, j), weight_grads, gap_labels, False,
                                      names, names.bias_name(l, j), bias=True)
                g.edge(unit_id(l - 1, 0), head, _text(lines), id=f"{unit_id(l - 1, 0)}--{head}",
                       color=GREY, fontcolor="#666666", style="dashed")
                layout.deltas[f"{unit_id(l - 1, 0)}--{head}"] = [t for t in lines if t.startswith("∂")]
            for k in shown[l - 1]:
                if k is None:
                    g.edge(unit_id(l - 1, None), head, color=GREY, style="dashed", arrowhead="none")
                    continue
                w = neuron.w[k - 1]
                term = highlight == (l - 1, k)
                attrs = {"color": HIGHLIGHT, "penwidth": "2", "fontcolor": HIGHLIGHT} if term else {}
                lines = _weight_lines(w, name_of("w", l, j, k), weight_grads, gap_labels, term,
                                      names, names.weight(l, j, k))
                g.edge(unit_id(l - 1, k), head, _text(lines), id=f"{unit_id(l - 1, k)}--{head}", **attrs)
                layout.deltas[f"{unit_id(l - 1, k)}--{head}"] = [t for t in lines if t.startswith("∂")]

    # -- the loss E, fed by every output y_k
    if E is not None:
        roles.append("loss")
        targets = _as_list(target, len(traces[-1].z))
        g.node("E", _text([f"{names.loss} = {fmt_fixed(E.data)}", "δ = 1"]), shape="doublecircle", style="filled",
               fillcolor=LOSS_FILL)
        for k in shown[L]:
            if k is None:
                continue
            z = traces[-1].z[k - 1]
            lines = []
            if k - 1 < len(targets):
                lines.append(f"{names.target(k, f't{k}')} = {fmt_fixed(targets[k - 1])}")
            lines.append(f"∂{names.loss}/∂{names.act(L, k, _label(z, name_of('z', L, k)))} = {fmt_fixed(z.grad)}")
            term = {"color": HIGHLIGHT, "penwidth": "2"} if highlight == (L, k) else {}
            g.edge(unit_id(L, k), "E", _text(lines), id=f"{unit_id(L, k)}--E", **term)
            # ∂E/∂z_k is a step of the output's δ_k: a page hides it until that unit's step
            layout.deltas[f"{unit_id(L, k)}--E"] = [t for t in lines if t.startswith("∂")]
    if highlight is not None:
        roles.append("current")
    if any(None in column for column in shown):
        roles.append("elided")
    if legend == "steps":  # the diagram of a stepper (nn.unit_stepper): its steps restyle it
        roles += [r for r in ("current", "pending") if r not in roles]
    if legend:
        legend_node(g, roles)
    return g


def _label(node: Value, fallback: str) -> str:
    """A node's name in the diagram: its label (the name every view uses), else `fallback`."""
    label = node.label if isinstance(node.label, str) else str(node.label)
    return label_escape(label or fallback)


def _shown_units(n: int, max_units: int) -> list[int | None]:
    """The units 1..n of a column as drawn: all of them, or the first max_units − 2, None
    (the "⋯" unit) and the last one."""
    if n <= max_units:
        return list(range(1, n + 1))
    return list(range(1, max_units - 1)) + [None, n]


def _keep_order(col, ids: list[str]) -> None:
    """Stack a column's nodes top to bottom in this order (caption, bias unit, units 1..n):
    invisible edges between neighbours of one rank fix their order."""
    for upper, lower in zip(ids, ids[1:]):
        col.edge(upper, lower, style="invis")


class _Names:
    """A lecture's names for the diagram (nn/notation.py); without a notation each method
    returns its `default`, the engine's one name (`name_of`, a Value's label)."""

    def __init__(self, notation, L: int):
        self.n, self.L = notation, L
        self.loss = notation.name("loss").text if notation else "E"

    def input(self, i: int, default: str) -> str:
        return self.n.inp(i).text if self.n else default

    def bias_input(self, l: int, default: str) -> str:
        if self.n is None:
            return default
        if self.n.bias_value is None:  # the lecture writes b_j: the arrow's constant input is just 1
            return "1"
        return f"{self.n.bias_input(l).text} = {self.n.bias_value:g}".replace("-", "−")

    def fn(self, l: int) -> str:
        """The activation function's letter: h, σ, φ; the MLP lecture's f (hidden) and g (output)."""
        return self.n.h_prime(l, 1, self.L).text.split("′")[0] if self.n else "h"

    def pre(self, l: int, j: int, default: str) -> str:
        return self.n.pre_name(l, j, self.L).text if self.n else default

    def act(self, l: int, j: int, default: str) -> str:
        return self.n.act_name(l, j, self.L).text if self.n else default

    def delta(self, l: int, j: int) -> str:
        return self.n.delta(l, j, self.L).text if self.n else "δ"

    def weight(self, l: int, j: int, k: int) -> str | None:
        return self.n.weight_name(l, j, k, self.L).text if self.n else None

    def bias_name(self, l: int, j: int) -> str | None:
        return self.n.bias(l, j, self.L).text if self.n else None

    def target(self, k: int, default: str) -> str:
        return self.n.name("target", j=k).text if self.n else default

    def bias_numbers(self, b: float, grad: float | None) -> tuple[float, float | None]:
        """b_j and ∂E/∂b_j as the lecture's bias parameter: −b_j, −δ_j for a bias input x₀ = −1."""
        if self.n is None:
            return b, grad
        return self.n.bias_weight(b), None if grad is None else self.n.bias_grad(grad)


def _unit_lines(layer, l: int, j: int, traces, backward_done: bool, names: _Names) -> list[str]:
    """The text in unit j of layer l: the names of its a_j and z_j nodes (one node for an
    identity output), with their values and δ_j once known."""
    a_name, z_name = names.pre(l, j, name_of("a", l, j)), names.act(l, j, name_of("z", l, j))
    identity = layer.neurons[j - 1].activation == "identity" and layer.activation != "softmax"
    if traces is None:
        return [a_name] if identity and names.n is None else [a_name, z_name]
    a, z = traces[l - 1].a[j - 1], traces[l - 1].z[j - 1]
    lines = [f"{names.pre(l, j, _label(a, a_name))} = {fmt_fixed(a.data)}"]
    if z is not a or names.n is not None:  # a lecture names the output of an identity unit too (y_k = a_k)
        lines.append(f"{names.act(l, j, _label(z, z_name))} = {fmt_fixed(z.data)}")
    if backward_done:
        lines.append(f"{names.delta(l, j)} = {fmt_fixed(a.grad)}")  # δ_j = ∂E/∂a_j: the engine's grad of a_j
    return lines


def _weight_lines(w: Value, fallback: str, weight_grads: dict[Value, float], mode: str, term: bool,
                  names: _Names, lecture_name: str | None = None, bias: bool = False) -> list[str]:
    """The label of an arrow: w_jk and ∂E/∂w_jk, as `mode` (edge_labels) asks; in a
    lecture's notation, under its name (and a bias as its bias parameter)."""
    if mode == "none" or (mode == "highlighted" and not term):
        return []
    name = lecture_name or _label(w, fallback)
    value, grad = w.data, weight_grads.get(w)
    if bias:  # in the lecture's form: b_j, or the weight of its bias input
        value, grad = names.bias_numbers(value, grad)
    lines = []
    if mode in ("all", "weights", "highlighted"):
        lines.append(f"{name} = {fmt_fixed(value)}")
    if mode in ("all", "grads", "highlighted") and w in weight_grads:
        lines.append(f"∂{names.loss}/∂{name} = {fmt_fixed(grad)}")
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


def _loss(model, traces, target, loss) -> Value:
    from nn import losses  # here, not at import: nn.draw is usable before nn.losses is loaded

    loss_fn = losses.get(loss if loss is not None else "half_sse")
    E = loss_fn(traces[-1].z, target)
    if not isinstance(E, Value):
        raise TypeError(f"nn.draw: the loss {loss!r} returned {type(E).__name__}, not a Value")
    if not E.label:
        E.label = "E"
    return E


class _FreshGrads:
    """Inside the block the parameters' .grad start at 0 (so after E.backward() they are
    ∂E/∂w for this example); afterwards they are as they were."""

    def __init__(self, params):
        self.params = list(params)

    def __enter__(self):
        self.saved = [p.grad for p in self.params]
        for p in self.params:
            p.grad = 0.0  # leaves accumulate: start from 0

    def __exit__(self, *exc):
        for p, old in zip(self.params, self.saved):
            p.grad = old


def _backward(model, traces, target, loss) -> tuple[Value, dict[Value, float]]:
    """E for this example and ∂E/∂w for every parameter, leaving the model's .grad as it was."""
    E = _loss(model, traces, target, loss)
    params = model.parameters()
    with _FreshGrads(params):
        E.backward()
        grads = {p: p.grad for p in params}
    return E, grads


# ---------------------------------------------------------------------------
# The op-level view of a network, with each neuron, softmax layer and the loss as one box
# ---------------------------------------------------------------------------
def op_groups(model, traces, E: Value | None = None, *, with_parameters: bool = True) -> list[tuple[str, list]]:
    """Groups for `autograd.draw(..., collapse=...)` and `Stepper(..., collapse=...)`:
    one per neuron (its a_j and z_j, and with_parameters its w_jk and b_j), one per
    softmax layer (the nodes between its a's and its outputs) and one for the loss
    (every node of E's graph after the outputs). Boxes are named after their output."""
    from autograd import topological_order

    groups: list[tuple[str, list]] = []
    below: set = set()  # every node up to the previous layer's outputs
    for inp in traces[0].inputs:
        below.update(topological_order(inp))
    for l, (layer, trace) in enumerate(zip(model.layers, traces), start=1):
        for j, (neuron, a, z) in enumerate(zip(layer.neurons, trace.a, trace.z), start=1):
            members = [a]
            if layer.activation != "softmax" and z is not a:
                members.append(z)
            if with_parameters:
                members += [*neuron.w, neuron.b]
            out = members[1] if len(members) > 1 and members[1] is z else a
            groups.append((f"neuron {_label(out, name_of('z', l, j))}", members))
        covered = {v for a in trace.a for v in topological_order(a)} | below
        if layer.activation == "softmax":
            inside = [v for z in trace.z for v in topological_order(z) if v not in covered]
            groups.append((f"softmax, layer {l}", list(dict.fromkeys(inside))))
        below = covered | {v for z in trace.z for v in topological_order(z)}
    if E is not None:
        in_graph = set(topological_order(E))
        loss_nodes = [v for v in topological_order(E) if v not in below]
        if loss_nodes:
            groups.append((f"loss {_label(E, 'E')}", loss_nodes))
        # a loss may read some outputs only (cross-entropy with a class index reads one)
        groups = [(name, kept) for name, members in groups if (kept := [v for v in members if v in in_graph])]
    return groups


def op_graph(model, x: Sequence[float], target, loss: str | Callable | None = None, *,
             collapse: bool = True, with_parameters: bool = True, **options) -> Drawing:
    """The op-level graph (`autograd.draw`) of E for one example, its weights and biases
    styled as parameters; with `collapse` each neuron, softmax layer and the loss is one
    box (`op_groups`). The model's `.grad`s are left as they were."""
    from autograd.drawing.draw import draw

    traces = model.trace(x)
    E = _loss(model, traces, target, loss)
    params = model.parameters()
    groups = op_groups(model, traces, E, with_parameters=with_parameters) if collapse else None
    with _FreshGrads(params):
        E.backward()
        return draw(E, parameters=params, collapse=groups, **options)


def op_stepper(model, x: Sequence[float], target, loss: str | Callable | None = None, *,
               collapse: bool = True, with_parameters: bool = True):
    """The backward pass of E for one example as an `autograd.Stepper`, the weights and
    biases styled as parameters; with `collapse` it steps one neuron (softmax layer,
    loss) box at a time. For the lectures' unit-by-unit view see `nn.backprop_steps`."""
    from autograd.teaching.steps import Stepper

    traces = model.trace(x)
    E = _loss(model, traces, target, loss)
    groups = op_groups(model, traces, E, with_parameters=with_parameters) if collapse else None
    return Stepper(E, parameters=model.parameters(), collapse=groups)
