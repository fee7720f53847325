"""deltagrad's networks: neurons, layers and MLPs built from `autograd.Value`s.

    import nn
    model = nn.MLP(2, [4, 1], activation="tanh", output="sigmoid", seed=0)
    y = model([0.5, -1.0])          # list of Values
    model.parameters()              # weights and biases, stable order
"""

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

__all__ = ["Module", "Neuron", "Layer", "MLP", "LayerTrace", "Perceptron", "softmax", "ACTIVATIONS"]
