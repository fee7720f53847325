"""Optimisers: turn the gradients ∂E/∂w left in `.grad` by backward() into weight updates.

Both change `.data` of the parameters in place and never build graph nodes. The
learning rate `lr` is a number or a schedule, a function `lr(step_index) -> float`
of the number of steps taken so far (0 for the first step). A constant lr must be
positive; a schedule may reach 0 (cosine decay ends there) but never go below it.
"""

from __future__ import annotations

import math
from typing import Callable, Iterable, Union

import autograd
from autograd import Value

LearningRate = Union[float, Callable[[int], float]]


class Optimizer:
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
        self.steps = 0  # number of step() calls so far

    def current_lr(self) -> float:
        """η for the step about to be taken."""
        eta = self.lr(self.steps) if callable(self.lr) else self.lr
        if not _is_number(eta) or not math.isfinite(eta) or eta < 0:
            raise ValueError(f"{type(self).__name__}: the lr schedule gave {eta!r} at step {self.steps}; "
                             "it must give a finite number ≥ 0 (a negative step would climb the loss)")
        return float(eta)

    def zero_grad(self) -> None:
        autograd.zero_grad(self.params)

    def step(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


class SGD(Optimizer):
    """Gradient descent with momentum γ (the MLP lecture):

        v ← γ v + η ∂E/∂w,    w ← w − v

    With γ = 0 this is plain w ← w − η ∂E/∂w."""

    def __init__(self, params: Iterable[Value], lr: LearningRate, momentum: float = 0.0):
        super().__init__(params, lr)
        if not _is_number(momentum) or not 0.0 <= momentum < 1.0:
            raise ValueError(f"SGD: momentum must be a number in [0, 1), got {momentum!r}")
        self.momentum = momentum
        self.velocity = [0.0] * len(self.params)

    def step(self) -> None:
        eta, gamma = self.current_lr(), self.momentum
        for i, p in enumerate(self.params):
            v = gamma * self.velocity[i] + eta * p.grad
            self.velocity[i] = v
            p.data -= v
        self.steps += 1


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): running means of the gradient and its square,
    bias-corrected,

        m ← β₁m + (1 − β₁)g,  s ← β₂s + (1 − β₂)g²,
        w ← w − η m̂ / (√ŝ + ε),  m̂ = m/(1 − β₁ᵗ),  ŝ = s/(1 − β₂ᵗ)."""

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

    def step(self) -> None:
        eta = self.current_lr()
        b1, b2 = self.betas
        t = self.steps + 1
        c1, c2 = 1.0 - b1**t, 1.0 - b2**t
        for i, p in enumerate(self.params):
            g = p.grad
            self.m[i] = b1 * self.m[i] + (1.0 - b1) * g
            self.s[i] = b2 * self.s[i] + (1.0 - b2) * g * g
            p.data -= eta * (self.m[i] / c1) / (math.sqrt(self.s[i] / c2) + self.eps)
        self.steps += 1
