"""Networks built from `autograd.Value`s: Neuron, Layer, MLP (and the classic Perceptron).

Notation of the lecture notes (Bishop, eq. 5.48–5.49): unit j computes

    a_j = Σ_{k∈↑j} w_jk z_k + b_j        (pre-activation: ONE "wsum" node)
    z_j = h(a_j)                          (activation: one more node)

so after `loss.backward()` every pre-activation node holds δ_j = ∂E/∂a_j in `.grad`,
and `MLP.trace` hands those nodes to whoever wants to read them (the network
diagram, the textbook-backprop comparison).

Labels (what a drawing shows) use the lectures' 1-based indices:

    x1..xD          network inputs
    w[l]_{j,k}      weight into unit j of layer l from input k of that layer
    b[l]_j          bias of unit j of layer l
    a[l]_j, z[l]_j  pre-activation and activation of unit j of layer l

Parameter *names* (`named_parameters`) are Python attribute paths with 0-based
indices, e.g. `layers.1.neurons.3.w.0` is w[2]_{4,1}; they are stable across runs.
A Neuron on its own labels its parameters w1..wn, b and its nodes a, z.
"""

from __future__ import annotations

import math
import numbers
import random
from dataclasses import dataclass
from typing import Callable, Sequence

import autograd
from autograd import Value

# The activation functions h, by name, applied to a pre-activation node a_j.
# (Webster lists them; derivatives are the engine's table, autograd.rules.RULES.)
ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "identity": lambda a: a,  # z = a: no extra node
    "sigmoid": Value.sigmoid,  # (Value's own methods: h(a) is a.h())
    "tanh": Value.tanh,
    "relu": Value.relu,
    "leaky_relu": lambda a: a.leaky_relu(0.01),
    "elu": lambda a: a.elu(1.0),
    "softplus": Value.softplus,
}
# Softmax couples the units of a layer, so it exists only as a layer activation.
LAYER_ACTIVATIONS = tuple(ACTIVATIONS) + ("softmax",)


def check_activation(name: str, where: str, allow_softmax: bool = True) -> str:
    """Return `name` if it is a known activation, else raise a ValueError listing them."""
    valid = LAYER_ACTIVATIONS if allow_softmax else tuple(ACTIVATIONS)
    if not isinstance(name, str) or name not in valid:
        raise ValueError(f"{where}: unknown activation {name!r}; choose one of {', '.join(valid)}")
    return name


class Module:
    """Base class: anything with parameters (Values that training updates)."""

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, Value) pairs in a stable order; names are attribute paths."""
        return []

    def parameters(self) -> list[Value]:
        """The parameters as a list, in the order of `named_parameters`."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's `.grad` to 0 (leaves accumulate across backward passes)."""
        autograd.zero_grad(self.parameters())

    def num_parameters(self) -> int:
        return len(self.named_parameters())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.num_parameters()} parameters)"


def _as_inputs(x: Sequence, nin: int, where: str) -> list[Value]:
    """Check the width of an input vector and turn plain numbers into leaf Values x1..xD."""
    if isinstance(x, (str, bytes)) or not hasattr(x, "__len__"):
        raise TypeError(f"{where}: expected a list of {nin} numbers or Values, got {type(x).__name__}")
    if len(x) != nin:
        raise ValueError(f"{where}: expected an input of width {nin}, got width {len(x)}")
    return [v if isinstance(v, Value) else Value(v, f"x{k + 1}") for k, v in enumerate(x)]


class Neuron(Module):
    """One unit: a = Σ_k w_k z_k + b (one "wsum" node), z = h(a).

    Weights are drawn uniform(−1, 1)/√nin (scaled by fan-in so that a_j starts of
    order 1 whatever the width) from `rng`, a `random.Random`; biases start at 0."""

    def __init__(self, nin: int, activation: str = "tanh", rng: random.Random | None = None):
        if not isinstance(nin, int) or isinstance(nin, bool) or nin < 1:
            raise ValueError(f"Neuron: nin must be a positive int (number of inputs), got {nin!r}")
        self.nin = nin
        self.activation = check_activation(activation, "Neuron", allow_softmax=False)
        rng = rng if rng is not None else random.Random(0)
        scale = 1.0 / math.sqrt(nin)
        self.w: list[Value] = [Value(rng.uniform(-1.0, 1.0) * scale, f"w{k + 1}") for k in range(nin)]
        self.b: Value = Value(0.0, "b")
        self._a_label, self._z_label = "a", "z"

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"w.{k}", w) for k, w in enumerate(self.w)] + [("b", self.b)]

    def forward(self, x: Sequence) -> tuple[Value, Value]:
        """(a, z): the pre-activation node and the activation node (z is a for identity)."""
        return self._forward(_as_inputs(x, self.nin, "Neuron"))

    def _forward(self, x: list[Value]) -> tuple[Value, Value]:
        # x already checked (Layer checks once for all its neurons)
        a = autograd.weighted_sum(self.w, x, self.b)  # a_j = Σ_k w_jk z_k + b_j
        a.label = self._a_label
        z = ACTIVATIONS[self.activation](a)
        if z is not a:
            z.label = self._z_label
        return a, z

    def __call__(self, x: Sequence) -> Value:
        return self.forward(x)[1]

    def __repr__(self) -> str:
        return f"Neuron(nin={self.nin}, activation={self.activation!r})"


def softmax(a: Sequence[Value], labels: Sequence[str] | None = None, lse_label: str = "lse") -> list[Value]:
    """z_k = exp(a_k − lse(a)) with lse(a) = m + ln Σ_i exp(a_i − m), m = max_i a_i.

    Subtracting the (constant) maximum m keeps every exp ≤ 1, so logits of ±1000 do
    not overflow; lse itself is one shared node, so δ flows through it as the
    lectures' ∂z_k/∂a_i = z_k(1[k=i] − z_i) (Webster)."""
    a = list(a)
    if not a:
        raise ValueError("softmax: a is empty; give the list of pre-activation Values a_k to normalise")
    for k, v in enumerate(a):
        if not isinstance(v, Value):
            raise TypeError(f"softmax: a[{k}] is a {type(v).__name__}, not a Value; pass the layer's a_k nodes")
    m = max(v.data for v in a)
    lse = Value.sum([(v - m).exp() for v in a]).log() + m
    lse.label = lse_label
    out = [(v - lse).exp() for v in a]
    for z, label in zip(out, labels or []):
        z.label = label
    return out


class Layer(Module):
    """nout neurons reading the same nin inputs.

    With activation "softmax" the neurons compute only a_k (their own activation is
    "identity") and the layer normalises: z_k = exp(a_k − lse(a))."""

    def __init__(self, nin: int, nout: int, activation: str = "tanh", rng: random.Random | None = None):
        if not isinstance(nout, int) or isinstance(nout, bool) or nout < 1:
            raise ValueError(f"Layer: nout must be a positive int (number of units), got {nout!r}")
        self.activation = check_activation(activation, "Layer")
        self.nin, self.nout = nin, nout
        rng = rng if rng is not None else random.Random(0)
        unit = "identity" if activation == "softmax" else activation
        self.neurons: list[Neuron] = [Neuron(nin, unit, rng) for _ in range(nout)]
        self._lse_label = "lse"  # the shared log-sum-exp node of a softmax layer

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"neurons.{j}.{n}", p) for j, neuron in enumerate(self.neurons) for n, p in neuron.named_parameters()]

    def forward(self, x: Sequence) -> tuple[list[Value], list[Value]]:
        """(a_list, z_list) for the units of this layer."""
        return self._forward(_as_inputs(x, self.nin, "Layer"))

    def _forward(self, x: list[Value]) -> tuple[list[Value], list[Value]]:
        pairs = [neuron._forward(x) for neuron in self.neurons]
        a = [p[0] for p in pairs]
        if self.activation == "softmax":
            labels = [n._z_label for n in self.neurons]
            return a, softmax(a, labels, self._lse_label)
        return a, [p[1] for p in pairs]

    def __call__(self, x: Sequence) -> list[Value]:
        return self.forward(x)[1]  # always a list, even for one unit

    def __repr__(self) -> str:
        return f"Layer(nin={self.nin}, nout={self.nout}, activation={self.activation!r})"


@dataclass
class LayerTrace:
    """What one layer did in a forward pass: its inputs z_k, its a_j and its z_j nodes.

    After backward(), δ_j = ∂E/∂a_j is `a[j].grad`."""

    inputs: list[Value]
    a: list[Value]
    z: list[Value]


class MLP(Module):
    """A multilayer perceptron: `nin` inputs, then layers of widths `sizes`.

    Hidden layers use `activation`, the last layer `output` (identity for
    regression, sigmoid for binary, softmax for multi-class: Bishop, "Network training").
    Initial weights come from `random.Random(seed)`, so a seed fixes the network.
    `model.save(path)` and `nn.load(path)` live in nn/io.py, beside the file format."""

    def __init__(
        self,
        nin: int,
        sizes: Sequence[int],
        activation: str = "tanh",
        output: str = "identity",
        seed: int = 0,
    ):
        if not isinstance(nin, int) or isinstance(nin, bool) or nin < 1:
            raise ValueError(f"MLP: nin must be a positive int (input width), got {nin!r}")
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
            hint = f" (one layer of {sizes} units is [{sizes}])" if isinstance(sizes, int) else ""
            raise TypeError(f"MLP: sizes must be a list of layer widths, e.g. MLP(2, [4, 1]); got {sizes!r}{hint}")
        sizes = list(sizes)
        if not sizes:
            raise ValueError("MLP: sizes must list at least one layer width, e.g. MLP(2, [4, 1])")
        for l, size in enumerate(sizes):
            if not isinstance(size, int) or isinstance(size, bool) or size < 1:
                raise ValueError(f"MLP: sizes[{l}] must be a positive int (a layer width), got {size!r}")
        self.nin, self.sizes, self.seed = nin, sizes, seed
        self.activation = check_activation(activation, "MLP activation", allow_softmax=False)
        self.output = check_activation(output, "MLP output")
        rng = random.Random(seed)
        widths = [nin] + sizes
        self.layers: list[Layer] = [
            Layer(widths[l], widths[l + 1], self.output if l == len(sizes) - 1 else self.activation, rng)
            for l in range(len(sizes))
        ]
        self._relabel()

    def _relabel(self) -> None:
        """Give every parameter its lecture label w[l]_{j,k}, b[l]_j (1-based)."""
        for l, layer in enumerate(self.layers, start=1):
            layer._lse_label = f"lse[{l}]"
            for j, neuron in enumerate(layer.neurons, start=1):
                for k, w in enumerate(neuron.w, start=1):
                    w.label = f"w[{l}]_{{{j},{k}}}"
                neuron.b.label = f"b[{l}]_{j}"
                neuron._a_label, neuron._z_label = f"a[{l}]_{j}", f"z[{l}]_{j}"

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"layers.{l}.{n}", p) for l, layer in enumerate(self.layers) for n, p in layer.named_parameters()]

    def trace(self, x: Sequence) -> list[LayerTrace]:
        """Forward pass keeping every layer's inputs, a_j and z_j nodes, in layer order."""
        z = _as_inputs(x, self.nin, "MLP")
        traces = []
        for layer in self.layers:
            a, out = layer._forward(z)
            traces.append(LayerTrace(inputs=z, a=a, z=out))
            z = out
        return traces

    def __call__(self, x: Sequence) -> list[Value]:
        z = _as_inputs(x, self.nin, "MLP")
        for layer in self.layers:  # as trace(x), keeping only the last layer's z
            z = layer._forward(z)[1]
        return z

    def __repr__(self) -> str:
        lines = [f"MLP(nin={self.nin}, sizes={self.sizes}, activation={self.activation!r}, output={self.output!r})"]
        for l, layer in enumerate(self.layers, start=1):
            lines.append(f"  layer {l}: {layer!r}")
        lines.append(f"  {self.num_parameters()} parameters")
        return "\n".join(lines)


class Perceptron:
    """Rosenblatt's perceptron on plain floats (Hajij): y = sign(wᵀx + b) ∈ {−1, +1}.

    Training minimises error(w, b) = −Σ_{i∈M} t_i (wᵀx_i + b) over the misclassified
    set M, one point at a time: ∂error/∂w = −t_i x_i and ∂error/∂b = −t_i, so

        w ← w + η t_i x_i,    b ← b + η t_i

    (Hajij prints the gradient without its minus sign and the bias step as
    b − q x_i; those are slips.) A point on the boundary counts as misclassified,
    so training starts even from w = 0."""

    def __init__(self, nin: int, seed: int = 0):
        if not isinstance(nin, int) or isinstance(nin, bool) or nin < 1:
            raise ValueError(f"Perceptron: nin must be a positive int, got {nin!r}")
        rng = random.Random(seed)
        self.nin = nin
        self.w = [rng.uniform(-1.0, 1.0) for _ in range(nin)]  # "assign the weights randomly"
        self.b = 0.0

    def score(self, x: Sequence[float]) -> float:
        if len(x) != self.nin:
            raise ValueError(f"Perceptron: expected an input of width {self.nin}, got width {len(x)}")
        return sum(w * xi for w, xi in zip(self.w, x)) + self.b

    def predict(self, x: Sequence[float]) -> int:
        return 1 if self.score(x) >= 0.0 else -1

    def fit(self, X: Sequence[Sequence[float]], y: Sequence[float], epochs: int = 10, lr: float = 1.0) -> list[int]:
        """Cycle through the data `epochs` times; return the number of mistakes per epoch
        (a run of zeros once the data are separated)."""
        if len(X) != len(y):
            raise ValueError(f"Perceptron.fit: X has {len(X)} rows but y has {len(y)} labels")
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not (lr > 0 and math.isfinite(lr)):
            raise ValueError(f"Perceptron.fit: lr must be a positive finite number, got {lr!r}")
        if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
            raise ValueError(f"Perceptron.fit: epochs must be a positive int, got {epochs!r}")
        for i, x in enumerate(X):
            if len(x) != self.nin:
                raise ValueError(f"Perceptron.fit: X[{i}] has width {len(x)}, expected {self.nin}")
            for k, xk in enumerate(x):
                if isinstance(xk, bool) or not isinstance(xk, numbers.Real) or not math.isfinite(xk):
                    raise ValueError(f"Perceptron.fit: X[{i}][{k}] is {xk!r}, not a finite number")
        labels = [t[0] if isinstance(t, (list, tuple)) else t for t in y]
        if any(t not in (-1, 1) for t in labels):
            raise ValueError("Perceptron.fit: labels y must be −1 or +1 (use nn.data targets='pm1')")
        mistakes = []
        for _ in range(epochs):
            count = 0
            for x, t in zip(X, labels):
                if t * self.score(x) <= 0.0:  # misclassified (or on the boundary)
                    self.w = [w + lr * t * xi for w, xi in zip(self.w, x)]
                    self.b += lr * t
                    count += 1
            mistakes.append(count)
        return mistakes

    def __repr__(self) -> str:
        return f"Perceptron(nin={self.nin})"
