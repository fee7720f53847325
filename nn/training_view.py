"""Watching a network train: the epochs `fit` recorded, on one page with a slider.

    hist = nn.fit(model, X, y, "hinge", opt, epochs=300, record=True)
    view = nn.TrainingView(model, X, y, hist)
    view.to_html("training.html")      # one self-contained page: nothing is fetched
    view.widget()                       # the same page in Jupyter (a cell showing `view` too)

Step N of the page is the N-th recorded epoch e, at the weights epoch e started from
(`History.snapshots`); the address follows the slider (`training.html#step=N`). For
those weights the page shows

- the network diagram: one arrow per weight, blue for w > 0 and orange for w < 0, its
  width |w|; the biases are arrows from a unit clamped at 1, as the lectures absorb
  them (b_j = w_j0);
- the loss curve of the whole run (fit's `History.loss`) with epoch e marked;
- for 2-D inputs the input plane coloured by the network's output (one output: its
  value around the cut between the classes, with that contour drawn; several outputs:
  the argmax class, or one output chosen), for 1-D inputs the curves y_k(x);
- a picked example X[i] (click it, or type i): its forward pass a_j and z_j = h(a_j),
  its loss E_n, and its backward pass δ_j = ∂E_n/∂a_j = h'(a_j) Σ_k w_kj δ_k and
  ∂E_n/∂w_jk = δ_j z_k (Bishop (5.56), (5.53)), on the same drawing.

The page computes all of this in the browser from the recorded weights, with the
activations of nn.module (the engine's `autograd.rules`) and the losses of nn.losses,
written out once more in its script. `engine_point` gives the engine's numbers for the
same step and example; the tests compare the two to 1e-9 in Chromium, for every
activation and every loss. The weights are stored as float64 in base64 (8 bytes in
10⅔ characters), so a 2-16-16-1 network over 300 epochs makes a page of about 1.2 MB.
"""

from __future__ import annotations

import array
import base64
import math
import numbers
import os
import sys
from typing import Sequence

from autograd import escape
from autograd.files import write_atomic
from nn import losses as _losses
from nn.draw import name_of
from nn.module import MLP, Layer, Neuron

__all__ = ["TrainingView"]

MAX_CURVE_POINTS = 2000  # the loss curve keeps every k-th epoch past this many (and the last)
CLASSES_BY_INDEX = ("cross_entropy", "softmax_cross_entropy")  # losses whose target may be a class index


def _architecture(model) -> list[dict]:
    """One entry per layer, in the order of `model.parameters()`: nin, nout, activation."""
    if type(model) is MLP:
        return [{"nin": l.nin, "nout": l.nout, "activation": l.activation} for l in model.layers]
    if type(model) is Layer:
        return [{"nin": model.nin, "nout": model.nout, "activation": model.activation}]
    if type(model) is Neuron:
        return [{"nin": model.nin, "nout": 1, "activation": model.activation}]
    raise TypeError(f"TrainingView: the model must be an nn.MLP, nn.Layer or nn.Neuron (the page recomputes "
                    f"their forward and backward passes from the weights), got {type(model).__name__}")


def _fresh(model):
    """A model of the same architecture, to load a snapshot into (the user's model is left alone)."""
    if type(model) is MLP:
        return MLP(model.nin, model.sizes, activation=model.activation, output=model.output)
    if type(model) is Layer:
        return Layer(model.nin, model.nout, activation=model.activation)
    return Neuron(model.nin, activation=model.activation)


def _index(v) -> bool:
    """An int (NumPy's too), not a bool."""
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _finite(v, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
        raise ValueError(f"TrainingView: {where} is {v!r}, not a finite number")
    return float(v)


def _target_vector(t, K: int, loss: str, i: int) -> list[float]:
    """The target of example i as K numbers: a class index becomes its one-hot list."""
    if loss in CLASSES_BY_INDEX and isinstance(t, numbers.Integral) and not isinstance(t, bool):
        if not 0 <= t < K:
            raise ValueError(f"TrainingView: Y[{i}] = {t!r} is not a class index 0..{K - 1} ({K} outputs)")
        return [1.0 if k == t else 0.0 for k in range(K)]
    if isinstance(t, numbers.Real) and not isinstance(t, bool):
        t = [t]
    if isinstance(t, (str, bytes)) or not hasattr(t, "__len__") or len(t) != K:
        raise ValueError(f"TrainingView: Y[{i}] = {t!r} is not a target for {K} output(s); give {K} number(s)"
                         + (" or a class index" if loss in CLASSES_BY_INDEX else ""))
    return [_finite(v, f"Y[{i}][{k}]") for k, v in enumerate(t)]


def _colour_scale(loss: str, output: str, column: list[float]) -> tuple[float, float]:
    """(cut, half): an output y is drawn by u = (y − cut)/half, the colour's side and strength.
    Probabilities are cut at ½, the hinge's ±1 and logits at 0, regression targets at the
    middle of their range."""
    if output in ("sigmoid", "softmax") or loss == "bce":
        return 0.5, 0.5
    if loss == "hinge":
        return 0.0, 1.0
    if loss in CLASSES_BY_INDEX:  # logits
        return 0.0, 2.0
    lo, hi = min(column), max(column)
    return (lo + hi) / 2, ((hi - lo) / 2) or 1.0


def _float64_base64(values: Sequence[float]) -> str:
    """The numbers as little-endian float64 bytes in base64 (what the page's DataView reads)."""
    data = array.array("d", values)
    if sys.byteorder == "big":
        data.byteswap()
    return base64.b64encode(data.tobytes()).decode("ascii")


class TrainingView:
    """The recorded epochs of `nn.fit(..., record=True)` as one scrubbable page.

    `model` is the trained network (an nn.MLP, nn.Layer or nn.Neuron: only its architecture
    is read), (X, Y) the data it was trained on, `history` what fit returned. `loss`
    defaults to the loss fit was given; it must be one of nn.losses (with its reduction),
    whose δ the page computes."""

    def __init__(self, model, X: Sequence[Sequence[float]], Y: Sequence, history, loss=None,
                 title: str | None = None):
        self.layers = _architecture(model)
        self.model = model
        snapshots = list(getattr(history, "snapshots", None) or [])
        if not snapshots:
            raise ValueError("TrainingView: the history has no recorded weights; train with "
                             "nn.fit(..., record=True) to keep each epoch's weights")
        if loss is None:
            loss = getattr(history, "settings", {}).get("loss")
        named = _losses.name_and_reduction(loss)
        if named is None:
            raise ValueError(f"TrainingView: the page computes δ for the losses of nn.losses "
                             f"({', '.join(_losses.LOSSES)}), not for {loss!r}; pass loss= one of them")
        self.loss, self.reduction = named
        self.loss_fn = _losses.get(self.loss, reduction=self.reduction)
        if title is not None and not isinstance(title, str):
            raise TypeError(f"TrainingView: title must be a str (or None), got {type(title).__name__} {title!r}")
        self.title = title if title is not None else "Training, epoch by epoch"

        n_params = sum(l["nout"] * (l["nin"] + 1) for l in self.layers)
        if n_params != model.num_parameters():  # an architecture this module does not know how to read
            raise TypeError(f"TrainingView: {type(model).__name__} has {model.num_parameters()} parameters, "
                            f"but its layers account for {n_params}")
        self.nin, self.K = self.layers[0]["nin"], self.layers[-1]["nout"]
        if len(X) != len(Y):
            raise ValueError(f"TrainingView: X has {len(X)} examples but Y has {len(Y)} targets; they must match")
        if len(X) == 0:
            raise ValueError("TrainingView: the data set is empty; give the (X, Y) the model was trained on")
        self.X = []
        for i, x in enumerate(X):
            if isinstance(x, (str, bytes)) or not hasattr(x, "__len__") or len(x) != self.nin:
                raise ValueError(f"TrainingView: X[{i}] is not an input of width {self.nin}: {x!r}")
            self.X.append([_finite(v, f"X[{i}][{k}]") for k, v in enumerate(x)])
        self.Y = list(Y)
        self.T = [_target_vector(t, self.K, self.loss, i) for i, t in enumerate(self.Y)]

        losses = list(history.loss)
        accuracy = list(getattr(history, "accuracy", []) or [])
        self.epochs, self.weights = [], []
        for s, (epoch, weights) in enumerate(snapshots):
            if not isinstance(epoch, int) or not 1 <= epoch <= len(losses):
                raise ValueError(f"TrainingView: snapshot {s} is of epoch {epoch!r}, but the history "
                                 f"has the losses of epochs 1..{len(losses)}")
            if len(weights) != n_params:
                raise ValueError(f"TrainingView: snapshot {s} (epoch {epoch}) has {len(weights)} weights, but "
                                 f"the model has {n_params} parameters; is this the model that was trained?")
            self.epochs.append(epoch)
            self.weights.append([_finite(w, f"weight {k} of epoch {epoch}") for k, w in enumerate(weights)])
        self.loss_history = [_finite(v, f"the loss of epoch {e}") for e, v in enumerate(losses, start=1)]
        self.accuracy_history = [_finite(v, f"the accuracy of epoch {e}") for e, v in enumerate(accuracy, start=1)]
        self.l2 = getattr(history, "settings", {}).get("l2", 0.0) or 0.0

    def __len__(self) -> int:
        return len(self.epochs)

    # -- the engine's numbers, for the tests and for a notebook --------------------------
    def engine_point(self, step: int, i: int) -> dict:
        """What the page shows for example X[i] at step `step` (1..len(self)), computed by
        the engine: the loss E_n (without the l2 term) and ∂E_n/∂w from `E_n.backward()` on a
        fresh model holding that step's weights. Keys: epoch, a and z and delta (one list
        per layer; z[0] is the input), outputs, loss, grads (in the order of parameters())."""
        if not _index(step) or not 1 <= step <= len(self):
            raise ValueError(f"engine_point: step must be 1..{len(self)}, got {step!r}")
        if not _index(i) or not 0 <= i < len(self.X):
            raise ValueError(f"engine_point: i must index X (0..{len(self.X) - 1}), got {i!r}")
        step, i = int(step), int(i)
        model = _fresh(self.model)
        params = model.parameters()
        for p, w in zip(params, self.weights[step - 1]):
            p.data = w
        x = self.X[i]
        if type(model) is MLP:
            traces = model.trace(x)
            a_nodes, z_nodes = [t.a for t in traces], [t.z for t in traces]
            out = z_nodes[-1]
        else:
            a, z = model.forward(x)
            a_nodes, z_nodes = ([a], [z]) if type(model) is Layer else ([[a]], [[z]])
            out = z  # a Layer gives a list, a Neuron one Value: the loss is handed what fit handed it
        E = self.loss_fn(out, self.Y[i])
        E.backward()
        return {
            "epoch": self.epochs[step - 1],
            "a": [[v.data for v in layer] for layer in a_nodes],
            "z": [list(x)] + [[v.data for v in layer] for layer in z_nodes],
            "delta": [[v.grad for v in layer] for layer in a_nodes],  # δ_j = ∂E_n/∂a_j
            "outputs": [v.data for v in z_nodes[-1]],
            "loss": E.data,
            "grads": [p.grad for p in params],
        }

    # -- the page ------------------------------------------------------------------------
    def _names(self) -> dict:
        """Every quantity's one name (`nn.draw.name_of`), for the page's tables and hover line."""
        params, units = [], []
        for l, layer in enumerate(self.layers, start=1):
            units.append([[name_of(s, l, j) for s in ("a", "z", "δ")] for j in range(1, layer["nout"] + 1)])
            for j in range(1, layer["nout"] + 1):
                params += [name_of("w", l, j, k) for k in range(1, layer["nin"] + 1)] + [name_of("b", l, j)]
        return {"params": params, "units": units, "inputs": [name_of("x", j=k) for k in range(1, self.nin + 1)]}

    def _data(self) -> dict:
        every = max(1, math.ceil(len(self.loss_history) / MAX_CURVE_POINTS))
        curve = [e for e in range(1, len(self.loss_history) + 1, every)]
        if curve[-1] != len(self.loss_history):
            curve.append(len(self.loss_history))
        output = self.layers[-1]["activation"]
        scales = [_colour_scale(self.loss, output, [t[k] for t in self.T]) for k in range(self.K)]
        return {
            "layers": self.layers, "loss": self.loss, "reduction": self.reduction, "l2": self.l2,
            "names": self._names(), "X": self.X, "T": self.T,
            "epochs": self.epochs,
            "lossAt": [self.loss_history[e - 1] for e in self.epochs],
            "accuracyAt": [self.accuracy_history[e - 1] for e in self.epochs] if self.accuracy_history else None,
            "curve": {"epochs": curve, "loss": [self.loss_history[e - 1] for e in curve]},
            "cut": [c for c, _ in scales], "half": [h for _, h in scales],
            "weights": _float64_base64([w for step in self.weights for w in step]),
        }

    def _network_svg(self) -> str:
        """The diagram, laid out once: inputs on the left, a column per layer, a bias unit
        "1" above each column but the last; the page only restyles its arrows and units."""
        widths = [self.nin] + [l["nout"] for l in self.layers]
        rows = max(widths) + 2  # the bias unit, a gap, the widest column
        dy = 26 if rows <= 20 else max(8, 520 // rows)
        r = min(9, dy * 0.38)
        gap, left, top = 170, 60, 24
        width, height = left + gap * len(self.layers) + 70, top + dy * rows + 10

        def pos(c: int, j: int) -> tuple[float, float]:  # j = 0 is the bias unit
            extra = (rows - 2 - widths[c]) * dy / 2  # columns are centred under their bias unit
            return left + gap * c, top + (0 if j == 0 else extra + (j + 1) * dy)

        lines, circles, texts = [], [], []
        p = 0
        for l, layer in enumerate(self.layers, start=1):
            for j in range(1, layer["nout"] + 1):
                x2, y2 = pos(l, j)
                for k in list(range(1, layer["nin"] + 1)) + [0]:  # the weights, then the bias (as parameters())
                    x1, y1 = pos(l - 1, k)
                    lines.append(f'<line class="w" data-p="{p}" x1="{x1:.1f}" y1="{y1:.1f}" '
                                 f'x2="{x2:.1f}" y2="{y2:.1f}"/>')
                    p += 1
        for c, n in enumerate(widths):
            if c < len(self.layers):
                x, y = pos(c, 0)
                circles.append(f'<circle class="bias" cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"/>')
                if rows <= 21:  # a label only where the circle can hold it
                    texts.append(f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle">1</text>')
            for j in range(1, n + 1):
                x, y = pos(c, j)
                kind = "in" if c == 0 else ("out" if c == len(self.layers) else "hid")
                circles.append(f'<circle class="u {kind}" data-l="{c}" data-j="{j - 1}" '
                               f'cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"/>')
                if c == 0 and rows <= 21:
                    texts.append(f'<text x="{x - r - 4:.1f}" y="{y + 4:.1f}" text-anchor="end">'
                                 f'{escape.html(name_of("x", j=j))}</text>')
                if c == len(self.layers) and rows <= 21:
                    texts.append(f'<text x="{x + r + 4:.1f}" y="{y + 4:.1f}">y{j}</text>')
        return (f'<svg id="network" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
                f'<g id="netedges">{"".join(lines)}</g><g id="netunits">{"".join(circles)}</g>'
                f'<g class="labels">{"".join(texts)}</g></svg>')

    def _start(self, step: int | None, point: int | None) -> dict:
        """Where the page opens when its address names no step: step 1..len(self) (−1 the
        last, as a Python index counts) and the picked example X[point], or none."""
        if step is None:
            step = 1
        if not _index(step) or not (1 <= step <= len(self) or -len(self) <= step <= -1):
            raise ValueError(f"TrainingView: step must be 1..{len(self)} (or −1 for the last), got {step!r}")
        if point is not None and (not _index(point) or not 0 <= point < len(self.X)):
            raise ValueError(f"TrainingView: point must index X (0..{len(self.X) - 1}), got {point!r}")
        return {"step": int(step) if step > 0 else len(self) + 1 + int(step), "point": -1 if point is None else int(point)}

    def html(self, step: int | None = None, point: int | None = None) -> str:
        """The page as a string (what `to_html` writes), opening at `step` with example
        X[point] picked unless its address says otherwise (#step=N&point=i)."""
        data = self._data()
        data["start"] = self._start(step, point)
        data = escape.script_json(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        plane = ("plane" if self.nin == 2 else "line" if self.nin == 1 else "none")
        return _PAGE.format(title=escape.html(self.title), n=len(self), data=data, network=self._network_svg(),
                            plane=plane, css=_CSS, script=_SCRIPT, last=len(self.X) - 1)

    def to_html(self, path, step: int | None = None, point: int | None = None) -> str:
        """Write the page to `path` (atomically); returns the path. `step`, `point`: as `html`."""
        return os.fspath(write_atomic(path, self.html(step, point), who="TrainingView.to_html"))

    def _iframe(self, height: int = 900) -> str:
        return (f'<iframe srcdoc="{escape.html(self.html())}" style="width:100%;height:{height}px;border:0" '
                f'title="{escape.html(self.title)}"></iframe>')

    def _repr_html_(self) -> str:
        """Jupyter shows the page itself, in an iframe of its own."""
        return self._iframe()

    def widget(self, height: int = 900):
        """The page as an ipywidgets.HTML (an iframe holding the page), to place in a layout."""
        try:
            import ipywidgets as widgets
        except ImportError:
            raise ImportError("TrainingView.widget needs ipywidgets; install the notebook extra: "
                              "pip install 'deltagrad[notebook]' (or show the view itself in a cell)") from None
        return widgets.HTML(self._iframe(height), layout=widgets.Layout(width="100%"))

    def __repr__(self) -> str:
        return (f"TrainingView({len(self)} recorded epochs of {self.epochs[0]}..{self.epochs[-1]}, "
                f"{len(self.X)} examples, loss {self.loss!r})")


# The activations the page's script defines (its table H); a test keeps them those of nn.module.
PAGE_ACTIVATIONS = ("identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus")

_CSS = """
body { font-family: sans-serif; margin: 1.2em; }
nav { display: flex; gap: 0.8em; align-items: center; margin-bottom: 0.8em; flex-wrap: wrap; }
button { font-size: 1.05em; padding: 0.15em 0.7em; }
#slider { width: 22em; }
#views { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }
.column { display: flex; flex-direction: column; gap: 1em; }
figure { margin: 0; border: 1px solid #ddd; padding: 0.5em; }
figcaption { font-size: 0.85em; color: #444; max-width: 30em; }
#planebox { position: relative; width: 340px; height: 340px; }
#planebox canvas, #planebox svg { position: absolute; left: 0; top: 0; width: 340px; height: 340px; }
#network { width: 600px; max-width: 95vw; height: auto; max-height: 70vh; }
#network circle { stroke: #555; stroke-width: 1; fill: #ffffff; }
#network circle.in { fill: #cfe2f3; }
#network circle.out { fill: #fff2cc; }
#network circle.bias { fill: #eeeeee; }
#network text { font-size: 11px; fill: #333; pointer-events: none; }
#network .hover { stroke: #d62728 !important; }
.pt { stroke: #222; stroke-width: 1; cursor: pointer; }
.pt.picked { stroke: #d62728; stroke-width: 3; }
#hover { font-family: monospace; min-height: 1.3em; }
#point table { border-collapse: collapse; font-size: 0.85em; }
#point td, #point th { padding: 0 0.6em; text-align: right; font-family: monospace; }
#point th { text-align: left; }
.tablebox { max-height: 18em; overflow: auto; }
"""

_SCRIPT = r"""
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("data").textContent);
  var layers = D.layers, L = layers.length, S = D.epochs.length, K = layers[L - 1].nout, N = D.X.length;
  var start = [], P = 0;  // where each layer's parameters begin: per unit w_j1..w_jn, then b_j
  for (var l = 0; l < L; l++) { start.push(P); P += layers[l].nout * (layers[l].nin + 1); }

  // The recorded weights: S rows of P little-endian float64, in base64.
  var bytes = atob(D.weights), dv = new DataView(new ArrayBuffer(bytes.length));
  for (var b = 0; b < bytes.length; b++) dv.setUint8(b, bytes.charCodeAt(b));
  var W = new Float64Array(S * P);
  for (var q = 0; q < S * P; q++) W[q] = dv.getFloat64(8 * q, true);

  // The activations h and their derivatives h'(a) (given z = h(a)), as autograd.rules computes
  // them, with the same care where a formula would cancel: 1 − z² past |a| = 4, 1 − σ past a = 2.
  function sigmoid(a) { if (a >= 0) return 1 / (1 + Math.exp(-a)); var e = Math.exp(a); return e / (1 + e); }
  function tanhSlope(a, z) {
    if (a >= -4 && a <= 4) return 1 - z * z;
    if (a > 20 || a < -20) return 4 * Math.exp(-2 * Math.abs(a));
    var s = 1 / Math.cosh(a); return s * s;
  }
  var H = {
    identity: [function (a) { return a; }, function () { return 1; }],
    sigmoid: [sigmoid, function (a, z) { return a < 2 ? z * (1 - z) : z * sigmoid(-a); }],
    tanh: [Math.tanh, tanhSlope],
    relu: [function (a) { return a > 0 ? a : 0; }, function (a) { return a > 0 ? 1 : 0; }],
    leaky_relu: [function (a) { return a > 0 ? a : 0.01 * a; }, function (a) { return a > 0 ? 1 : 0.01; }],
    elu: [function (a) { return a > 0 ? a : Math.expm1(a); }, function (a) { return a > 0 ? 1 : Math.exp(a); }],
    softplus: [function (a) { return Math.max(a, 0) + Math.log1p(Math.exp(-Math.abs(a))); },
               function (a) { return sigmoid(a); }]
  };
  function lse(a) { var m = -Infinity, s = 0, k; for (k = 0; k < a.length; k++) m = Math.max(m, a[k]);
    for (k = 0; k < a.length; k++) s += Math.exp(a[k] - m); return Math.log(s) + m; }
  function softmax(a) { var c = lse(a); return a.map(function (v) { return Math.exp(v - c); }); }

  // Forward pass at step s: a_j = Σ_k w_jk z_k + b_j, z_j = h(a_j). z[0] is the input.
  function forward(s, x) {
    var off = s * P, z = x, A = [], Z = [x];
    for (var l = 0; l < L; l++) {
      var lay = layers[l], a = new Array(lay.nout);
      for (var j = 0; j < lay.nout; j++) {
        var t = 0;
        for (var k = 0; k < lay.nin; k++) t += W[off++] * z[k];
        a[j] = t + W[off++];
      }
      z = lay.activation === "softmax" ? softmax(a) : a.map(H[lay.activation][0]);
      A.push(a); Z.push(z);
    }
    return { a: A, z: Z };
  }

  // E_n and ∂E_n/∂y_k for one example, as nn.losses builds them (r: the 1/K of "mean").
  function lossAndGrad(y, t) {
    var r = D.reduction === "mean" ? 1 / K : 1, E = 0, g = new Array(K).fill(0), k, d;
    if (D.loss === "mse" || D.loss === "half_sse") {
      var c = D.loss === "mse" ? 1 : 0.5;  // E = c Σ (y − t)², ∂E/∂y = 2c (y − t)
      for (k = 0; k < K; k++) { d = y[k] - t[k]; E += d * d; g[k] = 2 * c * d * r; }
      E *= c * r;
    } else if (D.loss === "bce") {  // −[t ln y + (1 − t) ln(1 − y)], terms with a zero coefficient left out
      for (k = 0; k < K; k++) {
        if (t[k] > 0) { E -= t[k] * Math.log(y[k]); g[k] -= t[k] / y[k]; }
        if (t[k] < 1) { E -= (1 - t[k]) * Math.log(1 - y[k]); g[k] += (1 - t[k]) / (1 - y[k]); }
        g[k] *= r;
      }
      E *= r;
    } else if (D.loss === "cross_entropy") {  // −Σ t ln y
      for (k = 0; k < K; k++) if (t[k] !== 0) { E -= t[k] * Math.log(y[k]); g[k] = -t[k] / y[k] * r; }
      E *= r;
    } else if (D.loss === "softmax_cross_entropy") {  // −Σ t (a − lse(a)): ∂E/∂a_k = softmax(a)_k Σt − t_k
      var c2 = lse(y), st = 0;
      for (k = 0; k < K; k++) { st += t[k]; if (t[k] !== 0) E -= t[k] * (y[k] - c2); }
      for (k = 0; k < K; k++) g[k] = (Math.exp(y[k] - c2) * st - t[k]) * r;
      E *= r;
    } else if (D.loss === "hinge") {  // max(0, 1 − t y)
      for (k = 0; k < K; k++) { d = 1 - t[k] * y[k]; if (d > 0) { E += d; g[k] = -t[k] * r; } }
      E *= r;
    }
    return { E: E, g: g };
  }

  // Backward pass for example i at step s: δ_k at the outputs, δ_j = h'(a_j) Σ_k w_kj δ_k
  // below (Bishop (5.56)), ∂E_n/∂w_jk = δ_j z_k and ∂E_n/∂b_j = δ_j (Bishop (5.53)).
  function point(s, i) {
    var f = forward(s, D.X[i]), y = f.z[L], lg = lossAndGrad(y, D.T[i]), g = lg.g, delta = new Array(L);
    var last = layers[L - 1], j, k, l;
    if (last.activation === "softmax") {  // ∂z_k/∂a_i = z_k(1[k=i] − z_i)
      var dot = 0; for (k = 0; k < K; k++) dot += g[k] * y[k];
      delta[L - 1] = y.map(function (yk, k) { return yk * (g[k] - dot); });
    } else {
      delta[L - 1] = f.a[L - 1].map(function (a, j) { return H[last.activation][1](a, y[j]) * g[j]; });
    }
    for (l = L - 2; l >= 0; l--) {
      var up = layers[l + 1], sum = new Array(layers[l].nout).fill(0);
      for (k = 0; k < up.nout; k++)
        for (j = 0; j < up.nin; j++) sum[j] += W[s * P + start[l + 1] + k * (up.nin + 1) + j] * delta[l + 1][k];
      delta[l] = f.a[l].map(function (a, j) { return H[layers[l].activation][1](a, f.z[l + 1][j]) * sum[j]; });
    }
    var grads = new Array(P), p = 0;
    for (l = 0; l < L; l++)
      for (j = 0; j < layers[l].nout; j++) {
        for (k = 0; k < layers[l].nin; k++) grads[p++] = delta[l][j] * f.z[l][k];
        grads[p++] = delta[l][j];
      }
    return { epoch: D.epochs[s], a: f.a, z: f.z, delta: delta, outputs: y, loss: lg.E, grads: grads };
  }

  // A number to 4 significant digits with a real minus sign, as autograd.names.fmt prints it.
  function fmt(x) {
    if (x === 0) return "0";
    if (!isFinite(x)) return String(x);
    var r = Number(x.toPrecision(4)), e, s;
    // toPrecision rounds a tie up, Python's "%.4g" to even: 1234.5 → 1234 (the digits are exact here)
    var exact = Math.abs(x).toExponential(29).split("e"), digits = exact[0].replace(".", "");
    if (digits[4] === "5" && /^0*$/.test(digits.slice(5)) && Number(digits[3]) % 2 === 0)
      r = Math.sign(x) * Number(digits[0] + "." + digits.slice(1, 4) + "e" + exact[1]);
    e = Math.floor(Math.log10(Math.abs(r)));
    if (e < -4 || e >= 4) s = r.toExponential(3).replace(/\.?0+e/, "e").replace(/e([+-])(\d)$/, "e$10$2");
    else { s = r.toFixed(Math.max(0, 3 - e)); if (s.indexOf(".") >= 0) s = s.replace(/\.?0+$/, ""); }
    return s.replace(/^-/, "\u2212");  // a real minus sign in front; the exponent keeps its "-"
  }
  function esc(t) { return String(t).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }
  function cell(v) { return '<td data-v="' + v + '">' + fmt(v) + "</td>"; }

  // Colours: blue for > 0, orange for < 0, white at 0 (u in [−1, 1]); classes take a palette.
  var BLUE = [31, 119, 180], ORANGE = [255, 127, 14];
  var PALETTE = [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
                 [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207]];
  function mix(c, u) { u = Math.max(0, Math.min(1, u));
    return [255 + (c[0] - 255) * u, 255 + (c[1] - 255) * u, 255 + (c[2] - 255) * u]; }
  function diverge(u) { return u >= 0 ? mix(BLUE, u) : mix(ORANGE, -u); }
  function rgb(c) { return "rgb(" + Math.round(c[0]) + "," + Math.round(c[1]) + "," + Math.round(c[2]) + ")"; }
  function argmax(v) { var m = 0; for (var k = 1; k < v.length; k++) if (v[k] > v[m]) m = k; return m; }

  var slider = document.getElementById("slider"), stepNo = D.start.step - 1, picked = D.start.point, playing = null;
  if (picked >= 0) document.getElementById("example").value = String(picked);
  var mode = "forward", colourBy = K > 1 ? "class" : "0";
  var edges = document.querySelectorAll("#network line.w"), units = {};
  document.querySelectorAll("#network circle.u").forEach(function (c) {
    units[c.getAttribute("data-l") + "_" + c.getAttribute("data-j")] = c; });
  var pmeta = [];  // parameter p: its layer, unit j and input k (k = nin for the bias)
  for (var l2 = 0; l2 < L; l2++) for (var j2 = 0; j2 < layers[l2].nout; j2++)
    for (var k2 = 0; k2 <= layers[l2].nin; k2++) pmeta.push([l2, j2, k2]);
  var wmax = 0; for (var w = 0; w < W.length; w++) wmax = Math.max(wmax, Math.abs(W[w]));
  var current = null;  // point(stepNo, picked), when a point is picked

  // -- the input plane (2-D inputs), or the curves y(x) (1-D inputs) -------------------------
  var kind = document.body.getAttribute("data-plane"), G = 56, SIZE = 340;
  var lo = [], hi = [];
  for (var d = 0; d < Math.min(2, D.X[0].length); d++) {
    var mn = Infinity, mx = -Infinity;
    D.X.forEach(function (x) { mn = Math.min(mn, x[d]); mx = Math.max(mx, x[d]); });
    var pad = (mx - mn) * 0.1 || 1; lo.push(mn - pad); hi.push(mx + pad);
  }
  if (kind === "line") {  // vertical axis: the targets' range, padded
    var tl = Infinity, th = -Infinity;
    D.T.forEach(function (t) { t.forEach(function (v) { tl = Math.min(tl, v); th = Math.max(th, v); }); });
    var tp = (th - tl) * 0.25 || 1; lo.push(tl - tp); hi.push(th + tp);
  }
  function px(x) { return (x[0] - lo[0]) / (hi[0] - lo[0]) * SIZE; }
  function py(v) { return SIZE - (v - lo[1]) / (hi[1] - lo[1]) * SIZE; }
  var canvas = kind === "none" ? null : document.getElementById("plane");
  var overlay = kind === "none" ? null : document.getElementById("points");
  document.getElementById("planefig").hidden = kind === "none";
  document.getElementById("planecaption").firstChild.textContent = kind === "line" ?
    "The network's outputs y_k(x) at this step (lines) and the targets (dots)." :
    "The input plane coloured by the network's output at this step: one output blue above its cut, orange below, " +
    "the cut drawn as a line (the decision boundary); the class: the argmax of the outputs. The examples are " +
    "coloured by their targets. Colour by: ";
  if (kind === "line") document.getElementById("colourby").hidden = true;
  var ctx = canvas ? canvas.getContext("2d") : null, dots = [];
  function pointColour(i) {
    var t = D.T[i];
    if (kind === "line") return rgb(PALETTE[0]);
    if (colourBy === "class") return rgb(PALETTE[argmax(t) % 10]);
    var k = Number(colourBy); return rgb(diverge((t[k] - D.cut[k]) / D.half[k]));
  }
  if (overlay) {
    var svg = [];
    for (var i = 0; i < N; i++) {
      var yv = kind === "line" ? py(D.T[i][0]) : py(D.X[i][1]);
      svg.push('<circle class="pt" data-i="' + i + '" cx="' + px(D.X[i]).toFixed(1) + '" cy="' +
               yv.toFixed(1) + '" r="4"/>');
    }
    overlay.innerHTML = svg.join("");
    dots = overlay.querySelectorAll("circle.pt");
  }
  function colourPoints() { for (var i = 0; i < dots.length; i++) dots[i].setAttribute("fill", pointColour(i)); }
  function drawPlane() {
    if (!ctx) return;
    var dpr = 2; canvas.width = SIZE * dpr; canvas.height = SIZE * dpr; ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, SIZE, SIZE);
    if (kind === "line") {  // y_k(x) at this step, one curve per output
      for (var k = 0; k < K; k++) {
        ctx.beginPath(); ctx.strokeStyle = rgb(PALETTE[k % 10]); ctx.lineWidth = 2;
        for (var c = 0; c <= 200; c++) {
          var x0 = lo[0] + (hi[0] - lo[0]) * c / 200, y0 = forward(stepNo, [x0]).z[L][k];
          if (c === 0) ctx.moveTo(c / 200 * SIZE, py(y0)); else ctx.lineTo(c / 200 * SIZE, py(y0));
        }
        ctx.stroke();
      }
      return;
    }
    // One output: its value around the cut, and the contour y_k = cut. Classes: the argmax
    // class, and for each class k the contour of its margin y_k − max_{i≠k} y_i = 0.
    var img = ctx.createImageData(G, G), single = colourBy !== "class", kk = single ? Number(colourBy) : 0;
    var fields = single ? [new Float64Array(G * G)] : [];
    for (var k = 0; !single && k < K; k++) fields.push(new Float64Array(G * G));
    for (var r = 0; r < G; r++) for (var c2 = 0; c2 < G; c2++) {
      var x = [lo[0] + (hi[0] - lo[0]) * (c2 + 0.5) / G, hi[1] - (hi[1] - lo[1]) * (r + 0.5) / G];
      var y = forward(stepNo, x).z[L], col, at = r * G + c2;
      if (single) { fields[0][at] = y[kk] - D.cut[kk]; col = diverge(0.5 * fields[0][at] / D.half[kk]); }
      else {
        var m = argmax(y); col = mix(PALETTE[m % 10], 0.35);
        for (k = 0; k < K; k++) { var other = -Infinity;
          for (var i = 0; i < K; i++) if (i !== k) other = Math.max(other, y[i]);
          fields[k][at] = y[k] - other; }
      }
      img.data.set([col[0], col[1], col[2], 255], 4 * at);
    }
    var off = document.createElement("canvas"); off.width = G; off.height = G;
    off.getContext("2d").putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true; ctx.drawImage(off, 0, 0, SIZE, SIZE);
    ctx.beginPath(); ctx.strokeStyle = "#222"; ctx.lineWidth = 1.5;
    fields.forEach(contour);
    ctx.stroke();
  }
  function contour(vals) {  // the line vals = 0 by marching squares over the grid's cell centres
    var cellSize = SIZE / G, corner = [[0, 0], [0, 1], [1, 1], [1, 0]];
    for (var r = 0; r < G - 1; r++) for (var c = 0; c < G - 1; c++) {
      var v = [vals[r * G + c], vals[r * G + c + 1], vals[(r + 1) * G + c + 1], vals[(r + 1) * G + c]], pts = [];
      for (var e = 0; e < 4; e++) {
        var a = v[e], b = v[(e + 1) % 4];
        if ((a > 0) !== (b > 0)) {  // the line crosses this side: where, by linear interpolation
          var f = a / (a - b), p0 = corner[e], p1 = corner[(e + 1) % 4];
          pts.push([(c + 0.5 + p0[1] + (p1[1] - p0[1]) * f) * cellSize, (r + 0.5 + p0[0] + (p1[0] - p0[0]) * f) * cellSize]);
        }
      }
      for (var s = 0; s + 1 < pts.length; s += 2) { ctx.moveTo(pts[s][0], pts[s][1]); ctx.lineTo(pts[s + 1][0], pts[s + 1][1]); }
    }
  }

  // -- the loss curve --------------------------------------------------------------------------
  var CW = 340, CH = 180, M = 56, ce = D.curve.epochs, cl = D.curve.loss;
  var positive = cl.every(function (v) { return v > 0; });
  var cmin = Math.min.apply(null, cl), cmax = Math.max.apply(null, cl);
  var logScale = positive && cmax / cmin > 20;
  function ly(v) { var a = logScale ? Math.log(v) : v, a0 = logScale ? Math.log(cmin) : cmin, a1 = logScale ? Math.log(cmax) : cmax;
    return CH - 20 - (a1 > a0 ? (a - a0) / (a1 - a0) : 0.5) * (CH - 30); }
  var lastEpoch = ce[ce.length - 1];
  function lx(e) { return M + (lastEpoch > 1 ? (e - 1) / (lastEpoch - 1) : 0.5) * (CW - M - 8); }
  (function () {
    var pts = ce.map(function (e, i) { return lx(e).toFixed(1) + "," + ly(cl[i]).toFixed(1); }).join(" ");
    document.getElementById("curve").innerHTML =
      '<polyline points="' + pts + '" fill="none" stroke="#1f77b4" stroke-width="1.5"/>' +
      '<line id="marker" y1="8" y2="' + (CH - 20) + '" stroke="#d62728"/><circle id="markerdot" r="4" fill="#d62728"/>' +
      '<text x="' + (M - 4) + '" y="' + (ly(cmax) + 4) + '" text-anchor="end">' + fmt(cmax) + "</text>" +
      '<text x="' + (M - 4) + '" y="' + (ly(cmin) + 4) + '" text-anchor="end">' + fmt(cmin) + "</text>" +
      '<text x="' + M + '" y="' + (CH - 4) + '">epoch 1</text>' +
      '<text x="' + (CW - 8) + '" y="' + (CH - 4) + '" text-anchor="end">' + lastEpoch + "</text>" +
      '<text x="' + (CW / 2) + '" y="' + (CH - 4) + '" text-anchor="middle">' + (logScale ? "loss (log scale)" : "loss") + "</text>";
  })();

  // -- the network diagram -----------------------------------------------------------------------
  function drawNetwork() {
    var off = stepNo * P, values, scale, p;
    if (mode === "backward" && current) { values = current.grads; scale = 0;
      for (p = 0; p < P; p++) scale = Math.max(scale, Math.abs(values[p])); }
    else { values = W.subarray(off, off + P); scale = wmax; }
    for (p = 0; p < P; p++) {
      var v = values[p], u = scale > 0 ? Math.abs(v) / scale : 0;
      edges[p].style.stroke = rgb(v >= 0 ? BLUE : ORANGE);
      edges[p].style.strokeWidth = (0.3 + 4 * u).toFixed(2);
      edges[p].style.strokeOpacity = (0.25 + 0.75 * u).toFixed(2);
    }
    var legend = document.getElementById("netlegend");
    if (mode === "backward" && current) legend.textContent = scale === 0 ?
      "every ∂E_n/∂w and δ_j is 0 for X[" + picked + "]: its loss does not change with the weights here" :
      "arrows: ∂E_n/∂w = δ_j z_k for X[" + picked + "] (blue > 0, orange < 0), width ∝ |∂E_n/∂w| (largest " +
      fmt(scale) + "); units: δ_j = ∂E_n/∂a_j";
    else legend.textContent = "arrows: the weights w (blue > 0, orange < 0), width ∝ |w| (largest over the run " +
      fmt(wmax) + ")" + (current ? "; units: z_j = h(a_j) for X[" + picked + "]" : "");
    for (var key in units) {
      var c = units[key], parts = key.split("_"), l = Number(parts[0]), j = Number(parts[1]), fill = "";
      if (current) {
        if (mode === "backward" && l > 0) { var dl = current.delta[l - 1], dm = 0;
          dl.forEach(function (v) { dm = Math.max(dm, Math.abs(v)); });
          fill = rgb(diverge(dm > 0 ? dl[j] / dm : 0)); }
        else { var zl = current.z[l], zm = 0; zl.forEach(function (v) { zm = Math.max(zm, Math.abs(v)); });
          fill = rgb(diverge(zm > 0 ? zl[j] / zm : 0)); }
      }
      c.style.fill = fill;
    }
  }
  function describe(target) {  // the hover line: one unit's or one arrow's numbers
    if (!target) return "";
    var n = D.names;
    if (target.classList.contains("w")) {
      var p = Number(target.getAttribute("data-p")), m = pmeta[p], w = W[stepNo * P + p];
      var text = n.params[p] + " = " + fmt(w);
      if (current) {
        var dj = current.delta[m[0]][m[1]], zk = m[2] < layers[m[0]].nin ? current.z[m[0]][m[2]] : 1;
        var zname = m[2] === layers[m[0]].nin ? "1" : m[0] === 0 ? n.inputs[m[2]] : n.units[m[0] - 1][m[2]][1];
        text += ";  ∂E_n/∂" + n.params[p] + " = " + n.units[m[0]][m[1]][2] + " · " + zname + " = (" + fmt(dj) +
          ")(" + fmt(zk) + ") = " + fmt(current.grads[p]);
      }
      return text;
    }
    if (target.classList.contains("u")) {
      var l = Number(target.getAttribute("data-l")), j = Number(target.getAttribute("data-j"));
      if (l === 0) return n.inputs[j] + (current ? " = " + fmt(current.z[0][j]) : "");
      var u = n.units[l - 1][j];
      if (!current) return u[0] + ", " + u[1] + " (" + layers[l - 1].activation + "): pick an example to see them";
      return u[0] + " = " + fmt(current.a[l - 1][j]) + ",  " + u[1] + " = " + fmt(current.z[l][j]) + ",  " + u[2] +
        " = ∂E_n/∂" + u[0] + " = " + fmt(current.delta[l - 1][j]);
    }
    return "";
  }
  // Hovering: the unit under the pointer, else the nearest arrow within a few pixels (most
  // arrows are thinner than a pointer can hit).
  var hovered = null, net = document.getElementById("network");
  function nearest(e) {
    var m = net.getScreenCTM(); if (!m) return null;
    var at = new DOMPoint(e.clientX, e.clientY).matrixTransform(m.inverse()), best = null, bd = 36 / (m.a * m.a);
    if (e.target.classList && e.target.classList.contains("u")) return e.target;
    for (var p = 0; p < edges.length; p++) {
      var l = edges[p], x1 = l.x1.baseVal.value, y1 = l.y1.baseVal.value, dx = l.x2.baseVal.value - x1,
          dy = l.y2.baseVal.value - y1, t = Math.max(0, Math.min(1, ((at.x - x1) * dx + (at.y - y1) * dy) / (dx * dx + dy * dy))),
          ex = x1 + t * dx - at.x, ey = y1 + t * dy - at.y;
      if (ex * ex + ey * ey < bd) { bd = ex * ex + ey * ey; best = l; }
    }
    return best;
  }
  net.addEventListener("mousemove", function (e) {
    var found = nearest(e);
    if (found === hovered) return;
    if (hovered) hovered.classList.remove("hover");
    hovered = found;
    if (hovered) hovered.classList.add("hover");
    document.getElementById("hover").textContent = describe(hovered);
  });

  // -- the picked example's numbers ----------------------------------------------------------------
  function showPoint() {
    var info = document.getElementById("pointinfo"), tu = document.getElementById("units"), tp = document.getElementById("params");
    for (var d = 0; d < dots.length; d++) dots[d].classList.toggle("picked", d === picked);
    if (!current) { info.textContent = "Click an example in the plane, or type its index, to see its forward and backward pass.";
      tu.innerHTML = ""; tp.innerHTML = ""; return; }
    var n = D.names, l, j, rows = [];
    info.innerHTML = "X[" + picked + "] = (" + D.X[picked].map(fmt).join(", ") + "),  t = (" + D.T[picked].map(fmt).join(", ") +
      "),  y = (" + current.outputs.map(fmt).join(", ") + "),  <span id=\"pointloss\" data-v=\"" + current.loss + "\">E_n = " +
      fmt(current.loss) + "</span> (this example's loss" + (D.l2 ? ", without the l2 term" : "") + ")";
    rows.push("<tr><th>unit</th><th>a_j</th><th>z_j = h(a_j)</th><th>δ_j = ∂E_n/∂a_j</th></tr>");
    for (l = 0; l < L; l++) for (j = 0; j < layers[l].nout; j++)
      rows.push('<tr data-l="' + (l + 1) + '" data-j="' + j + '"><th>layer ' + (l + 1) + ", unit " + (j + 1) + "</th>" +
                cell(current.a[l][j]) + cell(current.z[l + 1][j]) + cell(current.delta[l][j]) + "</tr>");
    tu.innerHTML = rows.join("");
    rows = ["<tr><th>parameter</th><th>w</th><th>∂E_n/∂w</th></tr>"];
    for (var p = 0; p < P; p++)
      rows.push('<tr data-p="' + p + '"><th>' + esc(n.params[p]) + "</th>" + cell(W[stepNo * P + p]) +
                cell(current.grads[p]).replace("<td", '<td class="grad"') + "</tr>");
    tp.innerHTML = rows.join("");
  }

  // -- one step ----------------------------------------------------------------------------------------
  function show(s, keepHash) {
    stepNo = Math.max(0, Math.min(S - 1, s));
    slider.value = String(stepNo + 1);
    var e = D.epochs[stepNo];
    document.getElementById("counter").textContent = "step " + (stepNo + 1) + " of " + S;
    document.getElementById("epoch").textContent = String(e);
    var lossEl = document.getElementById("loss");
    lossEl.textContent = fmt(D.lossAt[stepNo]); lossEl.setAttribute("data-v", String(D.lossAt[stepNo]));
    document.getElementById("accuracy").textContent = D.accuracyAt ? ",  accuracy " + Math.round(100 * D.accuracyAt[stepNo]) + " %" : "";
    document.getElementById("marker").setAttribute("x1", lx(e)); document.getElementById("marker").setAttribute("x2", lx(e));
    document.getElementById("markerdot").setAttribute("cx", lx(e)); document.getElementById("markerdot").setAttribute("cy", ly(D.lossAt[stepNo]));
    current = picked >= 0 ? point(stepNo, picked) : null;
    drawPlane(); drawNetwork(); showPoint();
    if (hovered) document.getElementById("hover").textContent = describe(hovered);
    document.body.setAttribute("data-step", String(stepNo + 1));
    if (!keepHash) {
      var h = "#step=" + (stepNo + 1) + (picked >= 0 ? "&point=" + picked : "") + (mode === "backward" ? "&mode=backward" : "");
      if (location.hash !== h) try { history.replaceState(null, "", h); } catch (err) { /* an iframe's srcdoc */ }
    }
  }
  function pick(i) {
    picked = i >= 0 && i < N ? i : -1;
    document.getElementById("example").value = picked >= 0 ? String(picked) : "";
    show(stepNo);
  }
  function readHash(event) {  // at load (no event) the address is then written out in full
    var s = /(?:^#|&)step=(\d+)/.exec(location.hash), p = /(?:^#|&)point=(\d+)/.exec(location.hash);
    if (p) { picked = Number(p[1]) < N ? Number(p[1]) : -1; document.getElementById("example").value = picked >= 0 ? p[1] : ""; }
    mode = /(?:^#|&)mode=backward/.test(location.hash) ? "backward" : "forward";
    document.querySelector("input[name=mode][value=" + mode + "]").checked = true;
    show(s ? Number(s[1]) - 1 : stepNo, Boolean(event));
  }
  slider.addEventListener("input", function () { show(Number(slider.value) - 1); });
  document.getElementById("prev").addEventListener("click", function () { show(stepNo - 1); });
  document.getElementById("next").addEventListener("click", function () { show(stepNo + 1); });
  document.getElementById("play").addEventListener("click", function (e) {
    if (playing) { clearInterval(playing); playing = null; e.target.textContent = "▶ play"; return; }
    if (stepNo === S - 1) show(0);
    e.target.textContent = "❚❚ pause";
    playing = setInterval(function () { if (stepNo >= S - 1) { e.target.click(); return; } show(stepNo + 1); }, 80);
  });
  document.getElementById("example").addEventListener("change", function (e) {
    pick(e.target.value === "" ? -1 : Math.floor(Number(e.target.value))); });
  document.querySelectorAll("input[name=mode]").forEach(function (r) {
    r.addEventListener("change", function () { mode = r.value; show(stepNo); }); });
  var colourSelect = document.getElementById("colourby");
  if (colourSelect) {
    var opts = K > 1 ? ['<option value="class">class (argmax y_k)</option>'] : [];
    for (var k = 0; k < K; k++) opts.push('<option value="' + k + '">output y' + (k + 1) + "</option>");
    colourSelect.innerHTML = opts.join(""); colourSelect.value = colourBy;
    colourSelect.addEventListener("change", function () { colourBy = colourSelect.value; colourPoints(); drawPlane(); });
  }
  if (overlay) overlay.addEventListener("click", function (e) {  // the nearest example to the click
    var box = overlay.getBoundingClientRect(), x = (e.clientX - box.left) * SIZE / box.width,
        y = (e.clientY - box.top) * SIZE / box.height, best = -1, bd = Infinity;
    for (var i = 0; i < dots.length; i++) {
      var dx = dots[i].cx.baseVal.value - x, dy = dots[i].cy.baseVal.value - y;
      if (dx * dx + dy * dy < bd) { bd = dx * dx + dy * dy; best = i; }
    }
    pick(best);
  });
  document.addEventListener("keydown", function (e) {
    if (e.target && e.target.tagName === "INPUT" && e.target.type !== "radio") return;
    if (e.key === "ArrowRight") { show(stepNo + 1); e.preventDefault(); }
    if (e.key === "ArrowLeft") { show(stepNo - 1); e.preventDefault(); }
  });
  window.addEventListener("hashchange", readHash);
  window.trainingView = { point: function (step, i) { return point(step - 1, i); }, show: function (step) { show(step - 1); },
                          pick: pick, fmt: fmt, steps: S };
  window.trainingView.readyAt = performance.now();  // ms since navigation began: the time to open
  colourPoints();
  readHash();
  document.body.setAttribute("data-ready", "1");
})();
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>{css}</style>
</head>
<body data-plane="{plane}">
<h1>{title}</h1>
<p>Each step is one recorded epoch, at the weights that epoch started from. Drag the slider (or use ← and →);
the address follows it (<code>#step=N</code>, with <code>&amp;point=i</code> for a picked example). Pick an example to follow its forward pass
(a<sub>j</sub>, z<sub>j</sub> = h(a<sub>j</sub>)) and its backward pass (δ<sub>j</sub> = ∂E<sub>n</sub>/∂a<sub>j</sub>
= h'(a<sub>j</sub>) Σ<sub>k</sub> w<sub>kj</sub> δ<sub>k</sub>, ∂E<sub>n</sub>/∂w<sub>jk</sub> = δ<sub>j</sub> z<sub>k</sub>)
through the network at that step.</p>
<nav>
  <button id="prev" type="button">◀ prev</button>
  <input id="slider" type="range" min="1" max="{n}" value="1" aria-label="step">
  <button id="next" type="button">next ▶</button>
  <button id="play" type="button">▶ play</button>
  <span id="counter">step 1 of {n}</span>
  <span id="stepinfo">epoch <span id="epoch"></span>: loss <span id="loss"></span><span id="accuracy"></span></span>
</nav>
<div id="views">
<div class="column">
<figure id="planefig">
  <div id="planebox"><canvas id="plane" width="340" height="340"></canvas>
  <svg id="points" viewBox="0 0 340 340" xmlns="http://www.w3.org/2000/svg"></svg></div>
  <figcaption id="planecaption"><span></span><select id="colourby" aria-label="colour by"></select></figcaption>
</figure>
<figure>
  <svg id="curve" viewBox="0 0 340 180" width="340" height="180" xmlns="http://www.w3.org/2000/svg"
   font-size="11" font-family="sans-serif"></svg>
  <figcaption>The loss fit measured in each epoch (its History.loss), the current epoch marked.</figcaption>
</figure>
</div>
<figure>
  {network}
  <figcaption><span id="netlegend"></span><br>
  <label><input type="radio" name="mode" value="forward" checked> forward: w and z</label>
  <label><input type="radio" name="mode" value="backward"> backward: ∂E<sub>n</sub>/∂w and δ</label></figcaption>
  <div id="hover"></div>
</figure>
</div>
<section id="point">
  <p><label>example X[<input id="example" type="number" min="0" max="{last}" style="width:5em">]</label>
  <span id="pointinfo"></span></p>
  <details open><summary>every unit: a<sub>j</sub>, z<sub>j</sub>, δ<sub>j</sub></summary>
  <div class="tablebox"><table id="units"></table></div></details>
  <details><summary>every parameter: w and ∂E<sub>n</sub>/∂w</summary>
  <div class="tablebox"><table id="params"></table></div></details>
</section>
<script type="application/json" id="data">{data}</script>
<script>{script}</script>
</body>
</html>
"""
