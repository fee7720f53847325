"""Moving an MLP to PyTorch and back, to check the engine against a production framework.

    seq = nn.to_torch(model)        # torch.nn.Sequential, float64, same weights
    model2 = nn.from_torch(seq)     # back to an nn.MLP

A layer becomes `torch.nn.Linear(nin, nout)` (its `weight[j, k]` is w_jk, `bias[j]`
is b_j) followed by the activation module; identity adds no module. torch is
imported only when these functions are called.
"""

from __future__ import annotations

import math

from nn.module import MLP

# torch.nn.Softplus returns x itself once βx > threshold; the engine always computes
# ln(1 + eˣ), which differs from x by ln(1 + e⁻ˣ) < e⁻ˣ. At torch's default threshold
# 20 that is below 2.1e-9 (relative 1e-10): the same function to float64 checking
# accuracy. A lower threshold makes a visible kink (threshold 1: 2.0 against 2.127).
SOFTPLUS_MIN_THRESHOLD = 20.0


def _torch():
    try:
        import torch
    except ImportError:
        raise ImportError(
            "nn.to_torch / nn.from_torch need PyTorch: pip install torch "
            "(or pip install 'deltagrad[torch]')"
        ) from None
    return torch


def _activation_module(torch, name: str):
    """The torch module computing the same h as the engine (same constants)."""
    modules = {
        "sigmoid": lambda: torch.nn.Sigmoid(),
        "tanh": lambda: torch.nn.Tanh(),
        "relu": lambda: torch.nn.ReLU(),
        "leaky_relu": lambda: torch.nn.LeakyReLU(0.01),  # engine slope 0.01
        "elu": lambda: torch.nn.ELU(alpha=1.0),
        "softplus": lambda: torch.nn.Softplus(),  # beta 1, threshold 20: see SOFTPLUS_MIN_THRESHOLD
        "softmax": lambda: torch.nn.Softmax(dim=-1),
    }
    return modules[name]() if name in modules else None


def to_torch(model: MLP):
    """A float64 `torch.nn.Sequential` computing the same function with copies of the weights."""
    torch = _torch()
    if not isinstance(model, MLP):
        raise TypeError(f"to_torch: expected an nn.MLP, got {type(model).__name__}")
    modules = []
    for layer in model.layers:
        linear = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64))
            linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        modules.append(linear)
        act = _activation_module(torch, layer.activation)
        if act is not None:
            modules.append(act)
    return torch.nn.Sequential(*modules)


def _activation_name(torch, module) -> str | None:
    """The engine's name for a torch activation module, if it matches exactly."""
    nn_ = torch.nn
    if isinstance(module, nn_.Sigmoid):
        return "sigmoid"
    if isinstance(module, nn_.Tanh):
        return "tanh"
    if isinstance(module, nn_.ReLU):
        return "relu"
    if isinstance(module, nn_.LeakyReLU) and module.negative_slope == 0.01:
        return "leaky_relu"
    if isinstance(module, nn_.ELU) and module.alpha == 1.0:
        return "elu"
    if isinstance(module, nn_.Softplus) and module.beta == 1.0 and module.threshold >= SOFTPLUS_MIN_THRESHOLD:
        return "softplus"
    if isinstance(module, nn_.Softmax) and module.dim in (-1, 1):
        return "softmax"
    if isinstance(module, nn_.Identity):
        return "identity"
    return None


def from_torch(seq) -> MLP:
    """An nn.MLP from a Sequential of Linear layers, each optionally followed by one
    supported activation. All hidden layers must share one activation."""
    torch = _torch()
    if not isinstance(seq, torch.nn.Sequential):
        raise TypeError(f"from_torch: expected a torch.nn.Sequential, got {type(seq).__name__}")
    linears, acts = [], []
    for i, module in enumerate(seq):
        if isinstance(module, torch.nn.Linear):
            if module.bias is None:
                raise ValueError(f"from_torch: module {i} (Linear) has no bias; deltagrad neurons always have one (use bias=True)")
            linears.append(module)
            acts.append("identity")
            continue
        name = _activation_name(torch, module)
        if name is None:
            raise ValueError(
                f"from_torch: module {i} ({module!r}) is not supported; use Linear layers and "
                "Sigmoid, Tanh, ReLU, LeakyReLU(0.01), ELU(1.0), Softplus() (beta 1, threshold ≥ 20), "
                "Softmax(dim=-1) or Identity — the engine computes exactly these"
            )
        if not linears or acts[-1] != "identity":
            raise ValueError(f"from_torch: module {i} ({module!r}) must directly follow a Linear layer")
        acts[-1] = name
    if not linears:
        raise ValueError("from_torch: the Sequential has no Linear layer")
    hidden = set(acts[:-1])
    if len(hidden) > 1:
        raise ValueError(f"from_torch: hidden layers use different activations {sorted(hidden)}; an nn.MLP has one hidden activation")
    if "softmax" in hidden:
        raise ValueError("from_torch: softmax is only supported on the output layer")
    for i, lin in enumerate(linears):
        for what, tensor in (("weight", lin.weight), ("bias", lin.bias)):
            bad = (~torch.isfinite(tensor.detach())).nonzero().tolist()
            if bad:
                at = ", ".join(map(str, bad[0]))
                raise ValueError(f"from_torch: Linear layer {i} has {what}[{at}] = "
                                 f"{tensor.detach()[tuple(bad[0])].item()!r}; every weight must be a finite number")
    for i in range(1, len(linears)):
        if linears[i].in_features != linears[i - 1].out_features:
            raise ValueError(f"from_torch: Linear layer {i} takes {linears[i].in_features} inputs but the previous gives {linears[i - 1].out_features}")
    model = MLP(
        linears[0].in_features,
        [lin.out_features for lin in linears],
        activation=acts[0] if len(acts) > 1 else "tanh",
        output=acts[-1],
    )
    for layer, lin in zip(model.layers, linears):
        W = lin.weight.detach().double().tolist()
        b = lin.bias.detach().double().tolist()
        for neuron, row, bj in zip(layer.neurons, W, b):
            for w, v in zip(neuron.w, row):
                w.data = float(v)
            neuron.b.data = float(bj)
    return model
