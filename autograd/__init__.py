"""deltagrad's engine: scalar reverse-mode automatic differentiation.

    from autograd import Value
    x = Value(2.0, "x")
    y = (x * x + 1).tanh()
    y.backward()
    x.grad          # ∂y/∂x

Nothing in this package knows about neurons; `nn` builds networks on top of it.
"""

# the core: the node, the table of derivatives, the walks over a graph
from autograd.value import Value, no_grad, weighted_sum, zero_grad
from autograd.rules import RULES, DomainError, split_wsum
from autograd.ops import formula
from autograd.graph import downstream, pull_deltas, topological_order, upstream
from autograd.check import GradReport, gradcheck, numeric_grad
from autograd.defining import define, undefine
# the modes
from autograd.modes.forward import ForwardStep, ForwardStepper, count_edges, forward_steps, forward_tangents, jacobian
from autograd.modes.higher import MissingDerivative, grad, hessian, hvp
from autograd.modes.compile import Compiled, compile  # noqa: A004 - autograd.compile(root, inputs)
# teaching
from autograd.teaching.steps import Step, Stepper, Term, backward_steps
from autograd.teaching.handcheck import HandCheck, Tolerance, hand_check
from autograd.teaching.exercise import Verdict, check_answer, check_derivative
from autograd.teaching.grade import Gradebook, grade
from autograd.teaching.slips import Slip, SlipFinder, name_slip
from autograd.teaching.variants import ScalarAssignment, ScalarExercise, assignment, exercise
from autograd.teaching.check_engine import EngineFailure, EngineReport, check_engine

from autograd import ops

# Every function of the derivative table, for a float (giving a float) or a Value
# (giving a node): exp, log, tanh, sin, sqrt, atan2, maximum, clamp, ... and the
# NumPy spellings arcsin, arccos, ... (`ops.FUNCTIONS`; `define` adds more).
globals().update(ops.FUNCTIONS)


# Drawing needs the graphviz package, so it is imported on first use: `import autograd`
# works without it, and `autograd.draw(...)` gives the clear install message when it is missing.
_DRAWING = ("draw", "render", "GraphvizNotFound", "LayoutTimeout")


def __getattr__(name: str):
    if name in _DRAWING:
        from autograd.drawing import draw as drawing

        return getattr(drawing, name)
    # ops an instructor defined after this package was imported: autograd.swish
    if name in ops.FUNCTIONS:
        return ops.FUNCTIONS[name]
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")


__all__ = [
    "Value", "weighted_sum", "topological_order", "zero_grad", "no_grad",
    "downstream", "upstream", "pull_deltas", "gradcheck", "numeric_grad", "GradReport",
    "RULES", "formula", "DomainError", "define", "undefine", "split_wsum",
    *(name for name in ops.FUNCTIONS if name != "abs"),  # a star-import keeps Python's abs
    "backward_steps", "Step", "Term", "Stepper", "hand_check", "HandCheck", "Tolerance",
    "grade", "Gradebook", "Slip", "SlipFinder", "name_slip",
    "draw", "render", "GraphvizNotFound", "LayoutTimeout", "Compiled",
    "forward_tangents", "forward_steps", "ForwardStep", "ForwardStepper", "jacobian", "count_edges",
    "grad", "hessian", "hvp", "MissingDerivative",
    "check_answer", "check_derivative", "Verdict",
    "exercise", "assignment", "ScalarExercise", "ScalarAssignment",
    "check_engine", "EngineReport", "EngineFailure",
]
# `autograd.compile` is left out of __all__: `from autograd import *` must not hide
# Python's own compile().
