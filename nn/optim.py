"""Optimisers: turn the gradients ∂E/∂w left in `.grad` by backward() into weight updates.

Both change `.data` of the parameters in place and never build graph nodes. The
learning rate `lr` is a number or a schedule, a function `lr(step_index) -> float`
of the number of steps taken so far (0 for the first step). A constant lr must be
positive; a schedule may reach 0 (cosine decay ends there) but never go below it.

Each optimiser writes its formula once, in `update(w, g, *state, eta, t, xp)`: the
same lines update one parameter (w, g and its state numbers, `xp` the `math`
module) or every parameter at once (NumPy arrays, `xp` NumPy). `step()` applies it
to each Value in turn; `step_arrays(np, w, g)` to the whole weight vector, which is
how `nn.fit`'s batched path steps (one array operation per line of the formula in
place of one Python loop over thousands of Values: on the 64-32-10 digits network,
2,410 parameters, that loop was most of an epoch). Elementwise IEEE arithmetic is
the same in both, so the two forms give the same numbers, bit for bit.
"""

from __future__ import annotations

import math
from itertools import repeat
from typing import Callable, Iterable, Union

import autograd
from autograd import Value

LearningRate = Union[float, Callable[[int], float]]


class Optimizer:
    """The shared machinery; a subclass names its per-parameter state in `slots` (each a
    list with one number per parameter, an attribute of that name) and writes `update`."""

    slots: tuple[str, ...] = ()

    def __init__(self, params: Iterable[Value], lr: LearningRate):
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: params is empty; pass model.parameters()")
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"{type(self).__name__}: params[{i}] is a {type(p).__name__}, not a Value")
        if not callable(lr) and not (_is_number(lr) and lr > 0 and math.isfinite(lr)):
            raise ValueError(f"{type(self).__name__}: lr must be a positive number or a function of the step, got {lr!r}")
        self.lr = lr
        self.steps = 0  # number of steps taken so far (step() or step_arrays())
        self._arrays: list | None = None  # the state as arrays while step_arrays is in use

    def current_lr(self) -> float:
        """η for the step about to be taken."""
        eta = self.lr(self.steps) if callable(self.lr) else self.lr
        if not _is_number(eta) or not math.isfinite(eta) or eta < 0:
            raise ValueError(f"{type(self).__name__}: the lr schedule gave {eta!r} at step {self.steps}; "
                             "it must give a finite number ≥ 0 (a negative step would climb the loss)")
        return float(eta)

    def zero_grad(self) -> None:
        autograd.zero_grad(self.params)

    def update(self, w, g, *state_eta_t_xp):  # pragma: no cover - abstract
        """update(w, g, *state, eta, t, xp) -> (new w, *new state), all positional: w, its
        gradient g and its state (one entry per name in `slots`), numbers or arrays alike;
        `eta` is the step's learning rate, `t` the step's number (1 for the first), `xp`
        the module of sqrt and friends (`math` or NumPy)."""
        raise NotImplementedError

    def step(self) -> None:
        """One update of every parameter's `.data` from its `.grad`, one Value at a time."""
        self.sync()
        eta, t, params = self.current_lr(), self.steps + 1, self.params
        # map over columns (weights, gradients, each state list): a loop that unpacked each
        # parameter's state itself took twice as long on 2,410 parameters
        rows = map(self.update, [p.data for p in params], [p.grad for p in params],
                   *[getattr(self, name) for name in self.slots], repeat(eta), repeat(t), repeat(math))
        weights, *state = zip(*rows)
        for p, w in zip(params, weights):
            p.data = w
        for name, column in zip(self.slots, state):
            setattr(self, name, list(column))
        self.steps += 1

    def step_arrays(self, np, w, g):
        """The same update for every parameter at once: `w` and `g` are arrays in the order
        of `params`; returns the new `w`. The state stays in arrays (the lists named by
        `slots` are stale) until `sync()`, which `step()` and `nn.fit` call."""
        if self._arrays is None:
            self._arrays = [np.array(getattr(self, name), dtype=float) for name in self.slots]
        w, *self._arrays = self.update(w, g, *self._arrays, self.current_lr(), self.steps + 1, np)
        self.steps += 1
        return w

    def sync(self) -> None:
        """Write the state kept in arrays by `step_arrays` back into its lists."""
        if self._arrays is not None:
            for name, array in zip(self.slots, self._arrays):
                setattr(self, name, array.tolist())
            self._arrays = None


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


class SGD(Optimizer):
    """Gradient descent with momentum γ (the MLP lecture):

        v ← γ v + η ∂E/∂w,    w ← w − v

    With γ = 0 this is plain w ← w − η ∂E/∂w."""

    slots = ("velocity",)

    def __init__(self, params: Iterable[Value], lr: LearningRate, momentum: float = 0.0):
        super().__init__(params, lr)
        if not _is_number(momentum) or not 0.0 <= momentum < 1.0:
            raise ValueError(f"SGD: momentum must be a number in [0, 1), got {momentum!r}")
        self.momentum = momentum
        self.velocity = [0.0] * len(self.params)

    def update(self, w, g, v, eta, t, xp):
        v = self.momentum * v + eta * g
        return w - v, v


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): running means of the gradient and its square,
    bias-corrected,

        m ← β₁m + (1 − β₁)g,  s ← β₂s + (1 − β₂)g²,
        w ← w − η m̂ / (√ŝ + ε),  m̂ = m/(1 − β₁ᵗ),  ŝ = s/(1 − β₂ᵗ)."""

    slots = ("m", "s")

    def __init__(self, params: Iterable[Value], lr: LearningRate = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        super().__init__(params, lr)
        if not (isinstance(betas, (tuple, list)) and len(betas) == 2 and all(_is_number(b) and 0.0 <= b < 1.0 for b in betas)):
            raise ValueError(f"Adam: betas must be two numbers in [0, 1), got {betas!r}")
        b1, b2 = betas
        # ε keeps the step finite where ŝ = 0 (a parameter with no gradient yet)
        if not _is_number(eps) or not (eps > 0 and math.isfinite(eps)):
            raise ValueError(f"Adam: eps must be a small positive number such as 1e-8, got {eps!r}")
        self.betas, self.eps = (b1, b2), eps
        self.m = [0.0] * len(self.params)
        self.s = [0.0] * len(self.params)

    def update(self, w, g, m, s, eta, t, xp):
        b1, b2 = self.betas
        m = b1 * m + (1.0 - b1) * g
        s = b2 * s + (1.0 - b2) * g * g
        return w - eta * (m / (1.0 - b1**t)) / (xp.sqrt(s / (1.0 - b2**t)) + self.eps), m, s
