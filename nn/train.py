"""Training loops: `fit`, plus `predict` and `accuracy` helpers.

One update (the MLP lecture, "batch / minibatch / online"):

    E_B = (1/|B|) Σ_{n∈B} E_n  (+ λ Σ_w w²)      one graph for the whole batch B
    E_B.backward()                                  one backward pass: ∂E_B/∂w in w.grad
    optimizer.step()                                w ← w − η ∂E_B/∂w (or momentum, Adam)

batch_size=None uses all N examples per update (1 update per epoch), batch_size=1
is online learning (N updates per epoch), batch_size=k gives ⌈N/k⌉ updates per
epoch (the last batch may be smaller).
"""

from __future__ import annotations

import math
import numbers
import random
from dataclasses import dataclass, field
from typing import Callable, Sequence

import autograd
from autograd import Value
from nn import losses as _losses
from nn import replay as _replay
from nn.optim import Optimizer


@dataclass
class History:
    """What `fit` measured, one entry per epoch.

    `loss` is the mean per-example loss over the epoch (plus the l2 term), averaged
    over its batches as the weights moved; `accuracy` the fraction of examples
    classified correctly during the epoch (only for classification losses, else
    empty); `steps` the total number of parameter updates.

    With `fit(..., record=True)`, `snapshots` holds (epoch, weights): the weights
    (floats, in the order of `model.parameters()`) that epoch e STARTED from — the
    weights its first gradient was computed at, so with whole-batch training
    `loss[e - 1]` is the loss at exactly those weights. The trained weights are the
    model's own. `record_every` is the k of "every k-th epoch" (see `fit`).
    `settings` keeps what fit was given (loss, l2, batch_size, epochs), so a view of
    the history can compute the same loss's δ."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    steps: int = 0
    snapshots: list[tuple[int, tuple[float, ...]]] = field(default_factory=list)
    record_every: int = 0
    settings: dict = field(default_factory=dict)


# record=True keeps at most this many numbers (epochs kept × parameters), about 8 MB
# of floats, and at most RECORD_EPOCHS epochs: past either, every k-th epoch is kept.
RECORD_NUMBERS = 1_000_000
RECORD_EPOCHS = 1000


def record_stride(epochs: int, n_params: int) -> int:
    """The k of record=True: 1 (every epoch) while epochs × parameters stays within
    RECORD_NUMBERS and epochs within RECORD_EPOCHS, else the smallest k that fits."""
    kept = max(1, min(RECORD_EPOCHS, RECORD_NUMBERS // max(1, n_params)))
    return max(1, math.ceil(epochs / kept))


def _classification_kind(loss) -> str | None:
    """Which rule turns outputs into a class, for the built-in classification losses."""
    for name in _losses.CLASSIFICATION:
        named = _losses.name_and_reduction(loss)
        if named is not None and named[0] == name:  # by name, the function, or get(name, reduction=...)
            return name
    return None


def correct(outputs: Sequence, target, kind: str) -> bool:
    """Is this example classified correctly? `outputs` are Values or floats.

    bce: y > ½ ⇔ t > ½ for every output; hinge: sign(y) = t; (softmax_)cross_entropy:
    argmax y = the target class (an index, or the argmax of a one-hot list). A Neuron's
    one output may come bare (a Value or a number), as the Neuron returns it."""
    if isinstance(outputs, (Value, numbers.Real)):
        outputs = [outputs]
    y = [v.data if isinstance(v, Value) else float(v) for v in outputs]
    if kind in ("bce", "hinge"):
        # a bare number (numpy's too: np.int64 is a numbers.Real) is a one-output target
        t = [target] if isinstance(target, numbers.Real) else list(target)
        cut = 0.5 if kind == "bce" else 0.0
        return all((yk > cut) == (tk > cut) for yk, tk in zip(y, t))
    cls = target if isinstance(target, numbers.Integral) else max(range(len(target)), key=lambda k: target[k])
    return max(range(len(y)), key=lambda k: y[k]) == cls


def _check_data(model, X, y, where: str) -> None:
    if len(X) != len(y):
        raise ValueError(f"{where}: X has {len(X)} examples but y has {len(y)} targets; they must match")
    if len(X) == 0:
        raise ValueError(f"{where}: the data set is empty (X and y have no examples)")
    nin = getattr(model, "nin", None)
    if nin is not None:
        for i, x in enumerate(X):
            if len(x) != nin:
                raise ValueError(f"{where}: X[{i}] has width {len(x)} but the model expects inputs of width {nin}")


def _check_target(kind: str, n: int, target, i: int, where: str) -> None:
    """The same target checks as the loss of that kind (width, class range), naming example i."""
    try:
        if kind in ("bce", "hinge"):
            _losses._targets(target, n, kind)
        else:
            _losses._class_target(target, n, kind)
    except (TypeError, ValueError) as err:
        raise type(err)(f"{where}: example {i} (y[{i}] = {_short(target)}): {err}") from None


def _short(x) -> str:
    text = repr(x)
    return text if len(text) <= 60 else text[:59] + "…"


def _check_loss(model, X, y, loss_fn) -> None:
    """Try the loss on example 0: it must return a Value computed from the model's outputs
    (a loss that ignores them, or returns a float, would train nothing)."""
    out = model(X[0])
    try:
        E = loss_fn(out, y[0])
    except (TypeError, ValueError) as err:
        raise type(err)(f"fit: example 0 (y[0] = {_short(y[0])}): {err}") from None
    if not isinstance(E, Value):
        raise TypeError(f"fit: the loss must return a Value built from the outputs, e.g. "
                        f"(out[0] - t[0]) ** 2; it returned {type(E).__name__} {_short(E)}")
    outputs = {id(v) for v in (out if isinstance(out, (list, tuple)) else [out])}
    if not any(id(node) in outputs for node in autograd.topological_order(E)):
        raise ValueError("fit: the loss does not depend on the model's outputs (its Value is not computed "
                         "from them), so training would change nothing; build it from the outputs it is given")


def predict(model, X: Sequence[Sequence[float]]) -> list[list[float]]:
    """The model's outputs for every row of X, as plain floats (no graph is kept); a
    Neuron's one output is a list of one, as a layer's."""
    with autograd.no_grad():
        outputs = [model(x) for x in X]
    return [[out.data] if isinstance(out, Value) else [v.data for v in out] for out in outputs]


def accuracy(model, X, y, loss) -> float:
    """Fraction of examples classified correctly, by the rule of a classification loss
    (name or function: bce, cross_entropy, softmax_cross_entropy, hinge)."""
    kind = _classification_kind(loss)
    if kind is None:
        raise ValueError(f"accuracy: {loss!r} is not a classification loss; use one of {', '.join(sorted(_losses.CLASSIFICATION))}")
    _check_data(model, X, y, "accuracy")
    outputs = predict(model, X)
    for i, (o, t) in enumerate(zip(outputs, y)):
        _check_target(kind, len(o), t, i, "accuracy")
    return sum(correct(o, t, kind) for o, t in zip(outputs, y)) / len(X)


def fit(
    model,
    X: Sequence[Sequence[float]],
    y: Sequence,
    loss: str | Callable,
    optimizer,
    epochs: int,
    batch_size: int | None = None,
    l2: float = 0.0,
    shuffle: bool = True,
    seed: int = 0,
    progress: bool = True,
    compile: bool | str = True,  # noqa: A002 - the name a user looks for
    record: bool = False,
) -> History:
    """Train `model` on (X, y) for `epochs` passes; return a `History`.

    `loss` is a function loss(outputs, target) -> Value for one example or a name
    from nn.losses ("mse", "half_sse", "bce", "cross_entropy",
    "softmax_cross_entropy", "hinge"). `l2` is the weight-decay coefficient λ.
    The order of examples is shuffled every epoch by `random.Random(seed)`.

    With `compile=True` (the default) and a built-in network and loss, the network is
    compiled once into a straight-line program (`autograd.compile`) and each batch is
    replayed at once over arrays, every layer one matrix product (`autograd.modes.batch`;
    needs NumPy, else the next path). `compile="scalar"` replays the program once per
    example; `compile=False` builds every example's graph with the engine, as a
    student's own model and loss always are. All three give the same numbers (to
    rounding) and the same errors: whatever the faster paths cannot do, they hand on.

    `record=True` keeps the weights each epoch starts from in `history.snapshots`
    (what `nn.TrainingView` replays): every epoch while epochs × parameters ≤ 10⁶
    and epochs ≤ 1000, else every k-th epoch (epochs 1, 1 + k, 1 + 2k, ...) with
    the smallest k that fits, and always the last epoch; k is `history.record_every`."""
    loss_fn = _losses.get(loss)
    kind = _classification_kind(loss)
    _check_data(model, X, y, "fit")
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
        raise ValueError(f"fit: epochs must be a positive int, got {epochs!r}")
    if batch_size is not None and (not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1):
        raise ValueError(f"fit: batch_size must be None (whole batch) or a positive int, got {batch_size!r}")
    if not (isinstance(l2, (int, float)) and l2 >= 0 and math.isfinite(l2)):
        raise ValueError(f"fit: l2 must be a non-negative number, got {l2!r}")
    if not isinstance(record, bool):
        raise TypeError(f"fit: record must be True or False, got {record!r}")
    _check_loss(model, X, y, loss_fn)
    params = model.parameters()
    n = len(X)
    size = n if batch_size is None else min(batch_size, n)
    rng = random.Random(seed)
    history = History(settings={"loss": loss, "l2": l2, "batch_size": batch_size, "epochs": epochs})
    every = record_stride(epochs, len(params)) if record else 0
    history.record_every = every

    if compile not in (True, False, "scalar"):
        raise ValueError(f"fit: compile must be True (arrays over the batch), 'scalar' (one example at a "
                         f"time) or False (the engine's graph), got {compile!r}")
    fast = whole = None
    if compile is not False and _replay.compilable(model, loss):
        if compile is True:
            whole = _replay.batched(model, loss, X, y, params, l2)
        fast = _replay.CompiledLoss(model, loss_fn, X, params, l2) if whole is None else None

    epoch_iter = range(1, epochs + 1)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(epoch_iter, desc="training", unit="epoch")
        epoch_iter = bar
    try:
        for epoch in epoch_iter:
            if every and ((epoch - 1) % every == 0 or epoch == epochs):
                history.snapshots.append((epoch, tuple(p.data for p in params)))
            order = list(range(n))
            if shuffle:
                rng.shuffle(order)
            total, right = 0.0, 0
            for start in range(0, n, size):
                batch = order[start : start + size]
                done = whole.batch(batch, kind) if whole is not None else None
                if done is not None:  # the weights may stay in the batched path's array
                    whole.step(optimizer)
                else:
                    if whole is not None:
                        whole.store()  # the paths below read and write the Values
                        if fast is None:  # compiled only when needed
                            fast = _replay.CompiledLoss(model, loss_fn, X, params, l2)
                    if fast is not None:
                        done = fast.batch(batch, y, kind, correct)
                    if done is None:  # the engine builds the batch's graph (and raises its errors)
                        done = _engine_batch(model, X, y, batch, loss_fn, kind, params, l2, epoch)
                    optimizer.step()
                E_data, batch_right = done
                right += batch_right
                history.steps += 1
                total += E_data * len(batch)
            if whole is not None:
                whole.store()  # the epoch's weights in the Values (for record, and for the caller)
            history.loss.append(total / n)
            if kind is not None:
                history.accuracy.append(right / n)
            if bar is not None:
                post = {"loss": f"{history.loss[-1]:.4g}"}
                if kind is not None:
                    post["acc"] = f"{history.accuracy[-1]:.3f}"
                bar.set_postfix(post, refresh=False)  # redrawn at tqdm's own pace, not every epoch
    finally:
        if whole is not None:
            whole.store()
        if isinstance(optimizer, Optimizer):
            optimizer.sync()  # its state back in its lists, should the batched path have kept arrays
        if bar is not None:
            bar.close()
    return history


def _engine_batch(model, X, y, batch, loss_fn, kind, params, l2, epoch) -> tuple[float, int]:
    """One update's graph built by the engine: E_B = (1/|B|) Σ_n E_n (+ λ Σ w²), then
    backward; returns (E_B, number classified right) with ∂E_B/∂w in the `.grad`s."""
    right = 0
    try:
        batch_losses = []
        for i in batch:
            out = model(X[i])
            try:
                batch_losses.append(loss_fn(out, y[i]))
            except (TypeError, ValueError) as err:  # a bad target, or an output out of range
                raise type(err)(f"fit, epoch {epoch}, example {i} (y[{i}] = {y[i]!r}): {err}") from None
            if kind is not None:
                right += correct(out, y[i], kind)
        E = Value.sum(batch_losses) / len(batch)  # mean of per-example losses
        if l2:
            E = E + _losses.l2(params) * l2
    except ArithmeticError as err:  # overflow, 0-division, log of 0: training diverged
        raise _diverged(epoch, err) from None
    if not math.isfinite(E.data):
        raise _diverged(epoch, f"loss = {E.data}")
    for p in params:
        p.grad = 0.0
    E.backward()
    return E.data, right


def _diverged(epoch: int, cause) -> ValueError:
    return ValueError(
        f"fit: the loss became infinite or NaN in epoch {epoch} ({cause}); training diverged — "
        "try a smaller learning rate (or scale the inputs)"
    )
