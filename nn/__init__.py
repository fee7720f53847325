"""deltagrad's networks: neurons, layers and MLPs built from `autograd.Value`s.

    import nn
    X, y = nn.data.moons(100)
    model = nn.MLP(2, [16, 16, 1], activation="tanh", output="identity", seed=0)
    history = nn.fit(model, X, y, "hinge", nn.SGD(model.parameters(), lr=0.1), epochs=50)
    nn.accuracy(model, X, y, "hinge")
"""

from nn import data, losses, optim, textbook
from nn.draw import draw_network as draw  # nn.draw(model, x, target): the network diagram
from nn.draw import op_graph, op_groups, op_stepper
from nn.module import (
    ACTIVATIONS,
    MLP,
    Layer,
    LayerTrace,
    Module,
    Neuron,
    Perceptron,
    softmax,
)
from nn.io import ModelFileError, load, save
from nn.notation import NOTATIONS, Notation
from nn.optim import SGD, Adam
from nn.torch_bridge import from_torch, to_torch
from nn.textbook import backprop_steps, textbook_backprop
from nn.exercise import Assignment, Exercise, assignment, exercise
from nn.train import History, accuracy, fit, predict
from nn.training_view import TrainingView

__all__ = [
    "Module", "Neuron", "Layer", "MLP", "LayerTrace", "Perceptron", "softmax", "ACTIVATIONS",
    "SGD", "Adam", "fit", "predict", "accuracy", "History", "TrainingView",
    "save", "load", "ModelFileError", "to_torch", "from_torch",
    "data", "losses", "optim", "textbook", "draw", "textbook_backprop", "backprop_steps",
    "exercise", "Exercise", "assignment", "Assignment",
    "op_graph", "op_groups", "op_stepper",
    "NOTATIONS", "Notation",
]
