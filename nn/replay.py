"""What `fit` replays instead of rebuilding the graph: the network compiled once.

A built-in network (Neuron, Layer, MLP) has no Python control flow on `.data`
(relu's branch is inside its op, which the program re-runs), so its graph has the
same shape for every example and `autograd.compile_batch` turns it into one program:
forward, then the reverse sweep, for each example of a batch, with ∂E/∂w summed over
the batch. Two parts are NOT frozen into it, because their shape depends on numbers:

- the loss. The built-in losses fold the target into their ops (y − t, t·y), so
  mse, half_sse and hinge get one small compiled program per distinct target. bce and
  the cross-entropies also look at the numbers (outputs must be probabilities, terms
  with target 0 are left out, softmax shifts by max(a)): for them each example's loss
  (and a softmax output layer) is built by the engine on leaves holding the
  network's outputs, exactly as `fit` builds it without compiling, and its backward
  pass gives the δ of each output to the program;
- the l2 penalty, a program of its own (Σ_w w², one per batch).

Each gradient is then the same sum as the engine's, added in the same order: the l2
term first, then the examples last to first (the order of `backward()` over the
batch graph). Anything unusual — a value or δ that is not finite, a domain error, a
bad target — makes the batch run again through the engine, so errors are the
engine's and `fit`'s, word for word.
"""

from __future__ import annotations

from typing import Callable, Sequence

from autograd import Value
from autograd.modes.compile import compile as compile_graph, compile_batch
from autograd.inputs import as_float
from nn import losses as _losses
from nn import module as _module


# Losses whose graph depends on the target only, never on the outputs' values.
TARGET_SHAPED = {"mse", "half_sse", "hinge"}
# Regression targets are all different: past this many, the engine builds the loss.
MAX_LOSS_PROGRAMS = 256


def compilable(model, loss) -> bool:
    """Built-in network and built-in loss: the shapes `CompiledLoss` knows are fixed."""
    return type(model) in (_module.Neuron, _module.Layer, _module.MLP) and _builtin_loss(loss)


def _builtin_loss(loss) -> bool:
    return any(loss == name or loss is fn for name, fn in _losses.LOSSES.items())


class CompiledLoss:
    """The per-example loss of `model` compiled once; `batch(...)` replays it."""

    def __init__(self, model, loss_fn: Callable, X: Sequence, params: list[Value], l2: float):
        self.model, self.loss_fn, self.params, self.l2 = model, loss_fn, params, l2
        nin = model.nin
        xs = [Value(0.0, f"x{k + 1}") for k in range(nin)]
        # The graph of one example, on stand-in inputs; a softmax output layer stays
        # out of it (its shift max(a) depends on the numbers).
        self.softmax_layer = None
        if isinstance(model, _module.MLP):
            trace = model.trace(xs)
            last = model.layers[-1]
            if last.activation == "softmax":
                self.softmax_layer, outputs = last, trace[-1].a
            else:
                outputs = trace[-1].z
        elif isinstance(model, _module.Layer):
            a, outputs = model.forward(xs)
            if model.activation == "softmax":
                self.softmax_layer, outputs = model, a
        else:  # a Neuron gives one Value, and so fit hands the loss one Value
            outputs = [model.forward(xs)[1]]
        self.single = isinstance(model, _module.Neuron)
        self.labels = [v.label for v in outputs]
        self.program = compile_batch(outputs, params, xs)
        name = next((k for k, fn in _losses.LOSSES.items() if fn is loss_fn), None)
        self.loss_programs: dict | None = {} if name in TARGET_SHAPED else None
        self.penalty = None
        if l2:
            leaves = [Value(p.data, p.label) for p in params]
            self.penalty = compile_graph(_losses.l2(leaves), leaves)
        # Input rows as tuples of floats, once; a row that is not numbers leaves the
        # batches that hold it to the engine (which raises fit's error for it).
        self.rows: list[tuple[float, ...] | None] = []
        for x in X:
            try:
                self.rows.append(tuple(as_float(v, "x") for v in x) if len(x) == nin else None)
            except (TypeError, ValueError):
                self.rows.append(None)

    def _loss_program(self, target):
        """The loss of one target as a program of the outputs (None: leave it to the engine)."""
        leaves = [Value(0.5, label) for label in self.labels]
        try:
            E = self.loss_fn(leaves[0] if self.single else leaves, target)
        except (TypeError, ValueError, ArithmeticError):
            return None
        return compile_graph(E, leaves)

    @property
    def source(self) -> str:
        return self.program.source

    def batch(self, batch: Sequence[int], y: Sequence, kind: str | None, correct) -> tuple[float, int] | None:
        """One update's loss E (as `fit` computes it) and the number of examples
        classified right; the parameters' `.grad` hold ∂E/∂w. None: use the engine."""
        rows = [self.rows[i] for i in batch]
        if None in rows:
            return None
        params = self.params
        P = [p.data for p in params]
        n = len(batch)
        seed = 1.0 / n  # δ of each example's loss E_n in E = (Σ_n E_n)/n: ∂(s/n)/∂s = 1/n
        losses: dict[int, float] = {}
        right = 0
        order = iter(reversed(batch))  # backward() meets the examples last to first
        loss_fn, labels, softmax_layer = self.loss_fn, self.labels, self.softmax_layer

        programs = self.loss_programs

        def output_deltas(*ys):
            nonlocal right
            i = next(order)
            if programs is not None:
                program = programs.get(_key(y[i]), False)
                if program is False:  # a new target: its program, up to a few hundred of them
                    program = self._loss_program(y[i]) if len(programs) < MAX_LOSS_PROGRAMS else None
                    programs[_key(y[i])] = program
                if program is not None:
                    (E_n,), deltas = program.run(list(ys), [seed])
                    if kind is not None:
                        right += correct(ys[0] if self.single else ys, y[i], kind)
                    losses[i] = E_n
                    return deltas
            leaves = [Value(v, label) for v, label in zip(ys, labels)]
            out = leaves
            if softmax_layer is not None:
                out = _module.softmax(leaves, [nrn._z_label for nrn in softmax_layer.neurons], softmax_layer._lse_label)
            E_n = loss_fn(out[0] if self.single else out, y[i])
            if kind is not None:
                right += correct(out[0] if self.single else out, y[i], kind)
            losses[i] = E_n.data
            E_n.backward(seed)
            return [leaf.grad for leaf in leaves]

        try:
            if self.penalty is not None:
                (R,), start = self.penalty.run(P, [self.l2])  # δ of Σw² is λ in E + λΣw²
            else:
                start = [0.0] * len(P)
            grads = self.program.run(P, start, [rows[k] for k in range(n - 1, -1, -1)], output_deltas)
        except Exception:  # noqa: BLE001 - any surprise: the engine's path says what it is
            return None
        if grads is None:
            return None
        E = sum([losses[i] for i in batch]) / n  # as Value.sum(...) / n computes it
        if self.penalty is not None:
            E = E + R * self.l2
        if E - E:  # not finite: the engine's path raises fit's error
            return None
        for p, g in zip(params, grads):
            p.grad = g
        return E, right


def _key(target) -> str:
    """A key of a target for the loss programs: its type and repr, so that 1, 1.0 and
    True (which the losses treat differently) never share a program."""
    return f"{type(target).__qualname__}:{target!r}"
