"""deltagrad's engine: scalar reverse-mode automatic differentiation.

    from autograd import Value
    x = Value(2.0, "x")
    y = (x * x + 1).tanh()
    y.backward()
    x.grad          # ∂y/∂x

Nothing in this package knows about neurons; `nn` builds networks on top of it.
"""

from autograd.check import GradReport, gradcheck, numeric_grad
from autograd.draw import GraphvizNotFound, LayoutTimeout, draw, render
from autograd.graph import downstream, pull_deltas, upstream
from autograd.handcheck import HandCheck, Tolerance, hand_check
from autograd.grade import Gradebook, grade
from autograd.slips import Slip, SlipFinder, name_slip
from autograd.rules import RULES, DomainError, formula
from autograd.steps import Step, Stepper, Term, backward_steps
from autograd.value import Value, no_grad, topological_order, weighted_sum, zero_grad


def _unary(name: str):
    def apply(x, *args):
        return getattr(x if isinstance(x, Value) else Value(x), name)(*args)

    apply.__name__ = name
    apply.__doc__ = f"{name}(x) for a Value or a number (a number becomes a leaf Value)."
    return apply


exp = _unary("exp")
log = _unary("log")
tanh = _unary("tanh")
sigmoid = _unary("sigmoid")
relu = _unary("relu")
leaky_relu = _unary("leaky_relu")
elu = _unary("elu")
softplus = _unary("softplus")

__all__ = [
    "Value", "weighted_sum", "topological_order", "zero_grad", "no_grad",
    "downstream", "upstream", "pull_deltas", "gradcheck", "numeric_grad", "GradReport",
    "RULES", "formula", "DomainError",
    "exp", "log", "tanh", "sigmoid", "relu", "leaky_relu", "elu", "softplus",
    "backward_steps", "Step", "Term", "Stepper", "hand_check", "HandCheck", "Tolerance",
    "grade", "Gradebook", "Slip", "SlipFinder", "name_slip",
    "draw", "render", "GraphvizNotFound", "LayoutTimeout",
]
