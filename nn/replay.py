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

import math
import numbers
from typing import Callable, Sequence

from autograd import Value
from autograd.modes.batch import batch_program, numpy_or_none
from autograd.modes.program import Graph
from autograd.modes.compile import compile as compile_graph, compile_batch
from autograd.inputs import as_float
from nn import losses as _losses
from nn import module as _module
from nn import optim as _optim


# Losses whose graph depends on the target only, never on the outputs' values.
TARGET_SHAPED = {"mse", "half_sse", "hinge"}
# Regression targets are all different: past this many, the engine builds the loss.
MAX_LOSS_PROGRAMS = 256


def compilable(model, loss) -> bool:
    """Built-in network and built-in loss: the shapes `CompiledLoss` knows are fixed."""
    return type(model) in (_module.Neuron, _module.Layer, _module.MLP) and _builtin_loss(loss)


def _builtin_loss(loss) -> bool:
    return any(loss == name or loss is fn for name, fn in _losses.LOSSES.items())


def network_outputs(model):
    """(stand-in inputs, output nodes, softmax layer or None, one bare output?) of one
    example's graph. A softmax output layer stays out of it (its shift max(a) depends on
    the numbers): the outputs are then its a_k."""
    xs = [Value(0.0, f"x{k + 1}") for k in range(model.nin)]
    softmax_layer = None
    if isinstance(model, _module.MLP):
        trace = model.trace(xs)
        last = model.layers[-1]
        if last.activation == "softmax":
            softmax_layer, outputs = last, trace[-1].a
        else:
            outputs = trace[-1].z
    elif isinstance(model, _module.Layer):
        a, outputs = model.forward(xs)
        if model.activation == "softmax":
            softmax_layer, outputs = model, a
    else:  # a Neuron gives one Value, and so fit hands the loss one Value
        outputs = [model.forward(xs)[1]]
    return xs, outputs, softmax_layer, isinstance(model, _module.Neuron)


class CompiledLoss:
    """The per-example loss of `model` compiled once; `batch(...)` replays it."""

    def __init__(self, model, loss_fn: Callable, X: Sequence, params: list[Value], l2: float):
        self.model, self.loss_fn, self.params, self.l2 = model, loss_fn, params, l2
        nin = model.nin
        xs, outputs, self.softmax_layer, self.single = network_outputs(model)
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


# ---------------------------------------------------------------------------
# The whole batch at once: the network's program over arrays, and the loss over arrays
# ---------------------------------------------------------------------------
def batched(model, loss, X: Sequence, y: Sequence, params: list[Value], l2: float) -> "BatchedLoss | None":
    """A `BatchedLoss` when NumPy is importable and the model and loss are built in, else None."""
    np = numpy_or_none()
    named = _losses.name_and_reduction(loss)
    if np is None or named is None or type(model) not in (_module.Neuron, _module.Layer, _module.MLP):
        return None
    return BatchedLoss(np, model, named, X, y, params, l2)


class BatchedLoss:
    """One update's E and ∂E/∂w for a whole batch: the network's compiled program with
    every variable an array over the batch's examples (a layer one matrix product),
    then the loss over arrays. The loss's δ of each output are the lectures' formulas,
    checked against the engine's losses in tests/test_nn_batch.py:

        mse          E = (1/K) Σ_k (y_k − t_k)²                    δ_k = 2(y_k − t_k)/K
        half_sse     E = ½ Σ_k (y_k − t_k)²                        δ_k = y_k − t_k
        hinge        E = (1/K) Σ_k max(0, 1 − t_k y_k)             δ_k = −t_k/K where 1 − t_k y_k > 0
        bce          E = −(1/K) Σ_k [t ln y + (1 − t) ln(1 − y)]   δ_k = −(t_k/y_k − (1 − t_k)/(1 − y_k))/K
        cross_entropy  E = −Σ_k t_k ln y_k                         δ_k = −t_k/y_k
        softmax_cross_entropy  E = −Σ_k t_k (a_k − lse(a))          δ_k = softmax(a)_k Σ_i t_i − t_k

    ("mean" divides by K, "sum" does not), and a softmax output layer z = softmax(a) passes
    δ_a_j = z_j (δ_z_j − Σ_k z_k δ_z_k) back to its a. Anything unusual — a value or δ
    that is not finite, an output out of a loss's range, a target the loss refuses, a row
    of X that is not numbers — returns None, and `fit` takes the scalar path, whose
    errors are the engine's."""

    def __init__(self, np, model, named: tuple[str, str], X, y, params: list[Value], l2: float):
        self.np, self.params, self.l2 = np, params, l2
        self.loss, self.reduction = named
        xs, outputs, self.softmax_layer, self.single = network_outputs(model)
        self.K = len(outputs)
        graph = Graph(outputs, [*params, *xs])
        shared = [True] * len(params) + [False] * len(xs)
        # ∂E/∂w only, no ∂E/∂x; the weights come in as one vector and the inputs as one matrix
        self.function, self.source = batch_program(graph, shared, np, wanted=shared, packed=True)
        M = _matrix(np, X, model.nin)  # None: a row is not numbers
        self.XT = None if M is None else np.ascontiguousarray(M.T)  # one column per example
        self.T = _target_matrix(np, self.loss, y, self.K)  # None: a target the loss refuses
        self.V = np.zeros(len(graph.inputs))  # the program's V: the weights first (the inputs' entries unread)
        # The weights stay in one array from batch to batch while the optimiser can step them
        # there (`step`); `store()` writes them (and the last ∂E/∂w) back into the Values.
        self.W = None  # None: read them from the Values at the next batch
        self.G = None  # the last batch's ∂E/∂w, in the order of params
        self._steppers: dict[int, tuple] = {}

    def batch(self, batch: Sequence[int], kind: str | None) -> tuple[float, int] | None:
        """(E, number classified right) for these examples, ∂E/∂w in `self.G`; None: use the scalar path."""
        if self.XT is None or self.T is None:
            return None
        np = self.np
        index = np.asarray(batch)
        n = len(index)
        X, T = self.XT[:, index], self.T[:, index]
        done = {}

        def output_deltas(Y):  # Y: K × n, one row per output
            out = Y
            if self.softmax_layer is not None:
                shifted = np.exp(Y - Y.max(axis=0))
                out = shifted / shifted.sum(axis=0)
            E, dout = _loss_arrays(np, self.loss, self.reduction, out, T)
            if E is None:
                raise ValueError("leave it to the engine")  # an output out of the loss's range
            if self.softmax_layer is not None:
                # ∂z_k/∂a_j = z_k(1[k=j] − z_j) (Webster): δ_a_j = z_j (δ_z_j − Σ_k z_k δ_z_k)
                dout = out * (dout - (out * dout).sum(axis=0))
            done["E"], done["out"] = E, out
            return dout / n  # E_B = (1/n) Σ_n E_n: each example's δ times 1/n

        if self.W is None:
            self.W = np.array([p.data for p in self.params], dtype=float)
        W = self.W
        self.V[: len(W)] = W
        try:
            with np.errstate(all="ignore"):
                result = self.function(self.V, X, n, output_deltas)
        except (ArithmeticError, ValueError):
            return None
        if result is None:
            return None
        grads = result[1][: len(W)]  # G: the parameters' δ first (the inputs' and constants' after)
        E = float(np.sum(done["E"])) / n
        if self.l2:
            E = E + float(np.dot(W, W)) * self.l2  # λ Σ w² (to rounding: the sum in another order)
        if not math.isfinite(E):
            return None
        if self.l2:
            grads = grads + (2.0 * self.l2) * W  # ∂(λ Σ w²)/∂w = 2λw
        self.G = grads
        right = _right(np, kind, done["out"], T) if kind is not None else 0
        return E, right

    def step(self, optimizer) -> None:
        """The optimiser's step from the last batch's ∂E/∂w: on the weight array itself when it
        has an array form (`nn.optim.Optimizer.step_arrays`) for these parameters, else
        through the Values (written back, stepped, read again at the next batch)."""
        which = self._stepper(optimizer)
        if which is None:
            self.store()
            optimizer.step()
        elif which is Ellipsis:  # its parameters are the model's, in order
            self.W = optimizer.step_arrays(self.np, self.W, self.G)
        else:
            self.W[which] = optimizer.step_arrays(self.np, self.W[which], self.G[which])

    def _stepper(self, optimizer):
        """How `step` reaches the optimiser's parameters in W: Ellipsis (all, in order), an index
        array (a subset), or None (no array form, or a parameter that is not the model's)."""
        key = id(optimizer)
        if key not in self._steppers:
            how = None
            if array_form(optimizer):
                position = {id(p): i for i, p in enumerate(self.params)}
                where = [position.get(id(p)) for p in optimizer.params]
                if where == list(range(len(self.params))):
                    how = Ellipsis
                elif None not in where and len(set(where)) == len(where):  # each once: one update each
                    how = self.np.array(where, dtype=int)
            self._steppers[key] = (optimizer, how)  # (the optimiser kept: its id stays its own)
        return self._steppers[key][1]

    def store(self) -> None:
        """Write the weights kept in the array (and the last ∂E/∂w) back into the Values."""
        if self.W is None:
            return
        for p, w in zip(self.params, self.W.tolist()):
            p.data = w
        if self.G is not None:
            for p, g in zip(self.params, self.G.tolist()):
                p.grad = g
        self.W = None


def array_form(optimizer) -> bool:
    """Does `optimizer` step its parameters as arrays the same way as one by one? A built-in
    optimiser does; a subclass that overrides `step` must override `step_arrays` too."""
    if not isinstance(optimizer, _optim.Optimizer):
        return False
    cls = type(optimizer)

    def owner(name):
        return next(c for c in cls.__mro__ if name in c.__dict__)

    return issubclass(owner("step_arrays"), owner("step"))


def _matrix(np, X, nin: int):
    try:
        M = np.array([[float(v) for v in x] for x in X], dtype=float)
    except (TypeError, ValueError):
        return None
    if M.shape != (len(X), nin) or not np.all(np.isfinite(M)):
        return None
    return M


def _target_matrix(np, loss: str, y, K: int):
    """The targets as a K × N matrix (class indices one-hot), or None if the loss would refuse one."""
    rows = []
    for t in y:
        if loss in ("cross_entropy", "softmax_cross_entropy") and isinstance(t, numbers.Integral) and not isinstance(t, bool):
            if not 0 <= t < K:
                return None
            rows.append([1.0 if k == t else 0.0 for k in range(K)])
            continue
        if isinstance(t, numbers.Real) and not isinstance(t, bool):
            t = [t]
        if isinstance(t, (str, bytes)) or not hasattr(t, "__iter__"):
            return None
        t = list(t)
        if len(t) != K or any(isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v) for v in t):
            return None
        rows.append([float(v) for v in t])
    T = np.array(rows, dtype=float).T
    if loss == "hinge" and not np.all(np.abs(T) == 1.0):
        return None
    if loss == "bce" and not np.all((T >= 0.0) & (T <= 1.0)):
        return None
    if loss in ("cross_entropy", "softmax_cross_entropy") and (np.any(T < 0) or np.any(np.abs(T.sum(axis=0) - 1.0) > 1e-9)):
        return None
    return T


def _loss_arrays(np, loss: str, reduction: str, Y, T):
    """(E_n for each example, ∂E_n/∂y_k as a K × n matrix), or (None, None) where the engine's
    loss would refuse an output (bce and cross_entropy need probabilities)."""
    K = Y.shape[0]
    scale = 1.0 / K if reduction == "mean" else 1.0
    if loss in ("mse", "half_sse"):
        r = Y - T
        half = 0.5 if loss == "half_sse" else 1.0
        return half * scale * (r * r).sum(axis=0), 2.0 * half * scale * r
    if loss == "hinge":
        margin = 1.0 - T * Y
        return scale * np.maximum(margin, 0.0).sum(axis=0), np.where(margin > 0.0, -T, 0.0) * scale
    if loss == "bce":
        if not np.all((Y > 0.0) & (Y < 1.0)):
            return None, None
        # terms with a zero coefficient are left out, as the engine's bce leaves them out
        pos = np.where(T > 0.0, T * np.log(np.where(T > 0.0, Y, 1.0)), 0.0)
        neg = np.where(T < 1.0, (1.0 - T) * np.log(np.where(T < 1.0, 1.0 - Y, 1.0)), 0.0)
        return -scale * (pos + neg).sum(axis=0), -scale * (np.where(T > 0.0, T / Y, 0.0) - np.where(T < 1.0, (1.0 - T) / (1.0 - Y), 0.0))
    if loss == "cross_entropy":
        if not np.all((T == 0.0) | ((Y > 0.0) & (Y <= 1.0))):
            return None, None
        safe = np.where(T != 0.0, Y, 1.0)
        return -scale * (T * np.log(safe)).sum(axis=0), -scale * np.where(T != 0.0, T / safe, 0.0)
    if loss == "softmax_cross_entropy":
        a = Y  # the outputs read as logits (after a softmax layer too, as the engine reads them)
        m = a.max(axis=0)
        lse = m + np.log(np.exp(a - m).sum(axis=0))
        E = -scale * (T * (a - lse)).sum(axis=0)
        soft = np.exp(a - lse)
        return E, scale * (soft * T.sum(axis=0) - T)
    raise ValueError(f"no array form for the loss {loss!r}")


def _right(np, kind: str, out, T) -> int:
    """How many examples are classified right, by `nn.train.correct`'s rules over arrays."""
    if kind in ("bce", "hinge"):
        cut = 0.5 if kind == "bce" else 0.0
        return int(np.all((out > cut) == (T > cut), axis=0).sum())
    return int((np.argmax(out, axis=0) == np.argmax(T, axis=0)).sum())
