"""nn.to_torch / nn.from_torch: the same network computes the same numbers in PyTorch (float64)."""

import pytest

import nn
from nn import losses

torch = pytest.importorskip("torch", reason="the PyTorch bridge needs torch (pip install 'deltagrad[torch]')")


@pytest.mark.parametrize(
    "activation, output, loss",
    [
        ("tanh", "identity", "mse"),
        ("sigmoid", "sigmoid", "bce"),
        ("relu", "softmax", "cross_entropy"),
        ("leaky_relu", "identity", "softmax_cross_entropy"),
        ("elu", "tanh", "half_sse"),
        ("softplus", "identity", "mse"),
    ],
)
def test_outputs_and_every_gradient_match_pytorch(activation, output, loss):
    nout = 3 if "entropy" in loss else 2
    model = nn.MLP(3, [5, 4, nout], activation=activation, output=output, seed=11)
    seq = nn.to_torch(model)
    x = [0.3, -1.2, 0.7]
    target = 1 if "entropy" in loss else [0.25, 0.75]

    out = model(x)
    E = losses.get(loss)(out, target)
    model.zero_grad()
    E.backward()

    xt = torch.tensor(x, dtype=torch.float64)
    yt = seq(xt)
    if loss == "mse":
        Et = ((yt - torch.tensor(target, dtype=torch.float64)) ** 2).mean()
    elif loss == "half_sse":
        Et = 0.5 * ((yt - torch.tensor(target, dtype=torch.float64)) ** 2).sum()
    elif loss == "bce":
        Et = torch.nn.functional.binary_cross_entropy(yt, torch.tensor(target, dtype=torch.float64))
    elif loss == "cross_entropy":
        Et = -torch.log(yt[target])
    else:
        Et = torch.nn.functional.cross_entropy(yt.unsqueeze(0), torch.tensor([target]))
    Et.backward()

    assert [v.data for v in out] == pytest.approx(yt.tolist(), abs=1e-10)
    assert E.data == pytest.approx(Et.item(), abs=1e-10)
    linears = [m for m in seq if isinstance(m, torch.nn.Linear)]
    for layer, lin in zip(model.layers, linears):
        assert lin.weight.dtype == torch.float64
        for j, neuron in enumerate(layer.neurons):
            assert [w.grad for w in neuron.w] == pytest.approx(lin.weight.grad[j].tolist(), abs=1e-10)
            assert neuron.b.grad == pytest.approx(lin.bias.grad[j].item(), abs=1e-10)


def test_round_trip_gives_identical_model():
    model = nn.MLP(2, [3, 3], activation="elu", output="softmax", seed=2)
    back = nn.from_torch(nn.to_torch(model))
    assert (back.sizes, back.activation, back.output) == ([3, 3], "elu", "softmax")
    assert [p.data for p in back.parameters()] == [p.data for p in model.parameters()]


def test_from_torch_rejects_unsupported_layers():
    with pytest.raises(ValueError, match="module 1 .*Dropout.* not supported"):
        nn.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.1), torch.nn.Linear(2, 1)))
    with pytest.raises(ValueError, match="different activations"):
        nn.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Tanh(), torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1)))
    with pytest.raises(ValueError, match="no bias"):
        nn.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 1, bias=False)))
    with pytest.raises(ValueError, match="must directly follow a Linear"):
        nn.from_torch(torch.nn.Sequential(torch.nn.Tanh(), torch.nn.Linear(2, 1)))


def test_missing_torch_names_the_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("No module named 'torch'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    with pytest.raises(ImportError, match="pip install torch"):
        nn.to_torch(nn.MLP(1, [1]))
