"""nn.module: the network structure (Neuron, Layer, MLP, trace, Perceptron)."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import nn
from nn.module import ACTIVATIONS


def set_221(model):
    """Weights of a 2-2-1 network, set by hand (used by the worked example below)."""
    (n1, n2), (o,) = model.layers[0].neurons, model.layers[1].neurons
    for p, v in zip(n1.w + [n1.b], [0.5, -1.0, 0.1]):
        p.data = v
    for p, v in zip(n2.w + [n2.b], [2.0, 0.25, -0.5]):
        p.data = v
    for p, v in zip(o.w + [o.b], [1.5, -2.0, 0.3]):
        p.data = v


# --- forward and backward of a hand-computed network --------------------------------
def test_forward_and_deltas_of_hand_computed_2_2_1_network():
    model = nn.MLP(2, [2, 1], activation="tanh", output="identity")
    set_221(model)
    # Worked by hand for x = (1, 2):
    #   a1 = 0.5·1 − 1·2 + 0.1 = −1.4      z1 = tanh(−1.4) = −0.8853516482...
    #   a2 = 2·1 + 0.25·2 − 0.5 = 2.0      z2 = tanh(2)    =  0.9640275800...
    #   y  = 1.5·z1 − 2·z2 + 0.3 = −1.3280275 − 1.9280552 + 0.3 = −2.9560826...
    z1, z2 = math.tanh(-1.4), math.tanh(2.0)
    y_hand = 1.5 * z1 - 2.0 * z2 + 0.3
    assert y_hand == pytest.approx(-2.9560826, abs=1e-6)
    tr = model.trace([1.0, 2.0])
    assert [a.data for a in tr[0].a] == pytest.approx([-1.4, 2.0])
    assert [z.data for z in tr[0].z] == pytest.approx([z1, z2])
    (y,) = tr[1].z
    assert y.data == pytest.approx(y_hand, abs=1e-12)
    assert y is tr[1].a[0]  # identity output: z is a itself
    # E = ½(y − t)², t = 1. Textbook deltas: δ_out = y − t; δ_j = (1 − z_j²) v_j δ_out.
    t = 1.0
    E = 0.5 * (y - t) ** 2
    E.backward()
    d_out = y_hand - t
    d1, d2 = (1 - z1**2) * 1.5 * d_out, (1 - z2**2) * -2.0 * d_out
    assert tr[1].a[0].grad == pytest.approx(d_out)
    assert [a.grad for a in tr[0].a] == pytest.approx([d1, d2])
    n1 = model.layers[0].neurons[0]
    assert [w.grad for w in n1.w] == pytest.approx([d1 * 1.0, d1 * 2.0])  # ∂E/∂w_jk = δ_j z_k
    assert n1.b.grad == pytest.approx(d1)
    assert [w.grad for w in model.layers[1].neurons[0].w] == pytest.approx([d_out * z1, d_out * z2])


def test_pre_activation_is_one_wsum_node_and_z_one_more():
    model = nn.MLP(3, [2, 1], activation="sigmoid", output="sigmoid")
    tr = model.trace([0.1, 0.2, 0.3])
    a, z = tr[0].a[0], tr[0].z[0]
    assert a.op == "wsum" and z.op == "sigmoid" and z.parents == (a,)
    n = model.layers[0].neurons[0]
    assert a.parents == tuple(n.w) + tuple(tr[0].inputs) + (n.b,)
    assert [x.label for x in tr[0].inputs] == ["x1", "x2", "x3"]
    assert (a.label, z.label, n.w[2].label, n.b.label) == ("a[1]_1", "z[1]_1", "w[1]_{1,3}", "b[1]_1")
    assert tr[1].inputs == tr[0].z


# --- parameters -------------------------------------------------------------------------
@settings(max_examples=20)
@given(nin=st.integers(1, 4), sizes=st.lists(st.integers(1, 4), min_size=1, max_size=3))
def test_parameter_count_and_stable_names(nin, sizes):
    m1, m2 = nn.MLP(nin, sizes, seed=3), nn.MLP(nin, sizes, seed=3)
    widths = [nin] + sizes
    assert len(m1.parameters()) == sum((widths[i] + 1) * widths[i + 1] for i in range(len(sizes)))
    names = [n for n, _ in m1.named_parameters()]
    assert names == [n for n, _ in m2.named_parameters()]
    assert len(set(names)) == len(names)
    assert [p.data for p in m1.parameters()] == [p.data for p in m2.parameters()]
    assert m1.parameters() == [p for _, p in m1.named_parameters()]


def test_named_parameter_scheme():
    m = nn.MLP(2, [5, 4, 1])
    named = dict(m.named_parameters())
    assert named["layers.1.neurons.3.w.0"] is m.layers[1].neurons[3].w[0]
    assert named["layers.1.neurons.3.b"] is m.layers[1].neurons[3].b
    assert named["layers.1.neurons.3.w.0"].label == "w[2]_{4,1}"


def test_init_scaled_by_fan_in_and_reproducible_without_global_rng():
    import random

    random.seed(1)
    m = nn.MLP(16, [8, 1], seed=7)
    random.seed(2)
    assert [p.data for p in m.parameters()] == [p.data for p in nn.MLP(16, [8, 1], seed=7).parameters()]
    assert all(abs(w.data) <= 1 / 4 for w in m.layers[0].neurons[0].w)
    assert all(n.b.data == 0.0 for layer in m.layers for n in layer.neurons)
    assert [p.data for p in nn.MLP(16, [8, 1], seed=8).parameters()] != [p.data for p in m.parameters()]


def test_zero_grad_and_repr():
    m = nn.MLP(2, [2, 1])
    m([1.0, 1.0])[0].backward()
    assert any(p.grad != 0 for p in m.parameters())
    m.zero_grad()
    assert all(p.grad == 0 for p in m.parameters())
    assert "MLP(nin=2, sizes=[2, 1]" in repr(m) and "9 parameters" in repr(m)


# --- activations ------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@settings(max_examples=15)
@given(x=st.lists(st.floats(-2, 2).filter(lambda v: abs(v) > 1e-3), min_size=2, max_size=2))
def test_every_activation_gradchecks_through_a_neuron(name, x):
    neuron = nn.Neuron(2, name, rng=__import__("random").Random(1))
    neuron.b.data = 0.05  # keep a away from the relu kink at 0 for generic x

    def f(x1, x2):
        a, z = neuron.forward([x1, x2])
        if abs(a.data) < 1e-4:
            return z * 0.0  # right at a kink the numeric derivative is meaningless
        return z

    assert autograd.gradcheck(f, x)


@settings(max_examples=30)
@given(a=st.lists(st.floats(-5, 5), min_size=1, max_size=4), k=st.integers(0, 3))
def test_softmax_layer_matches_formula_and_gradchecks(a, k):
    k %= len(a)
    vals = [autograd.Value(v) for v in a]
    z = nn.softmax(vals)
    m = max(a)
    expected = [math.exp(v - m) / sum(math.exp(u - m) for u in a) for v in a]
    assert [v.data for v in z] == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert autograd.gradcheck(lambda *v: nn.softmax(list(v))[k], a)


def test_softmax_stable_at_plus_minus_1000():
    z = nn.softmax([autograd.Value(1000.0), autograd.Value(-1000.0), autograd.Value(1000.0)])
    assert [v.data for v in z] == pytest.approx([0.5, 0.0, 0.5])
    z[0].backward()
    assert all(math.isfinite(v.grad) for v in z)


def test_softmax_output_layer_sums_to_one():
    m = nn.MLP(2, [3, 4], output="softmax", seed=2)
    out = m([0.3, -0.7])
    assert len(out) == 4 and sum(v.data for v in out) == pytest.approx(1.0)
    assert m.layers[-1].activation == "softmax"
    lse = out[0].parents[0].parents[1]  # z_k = exp(a_k − lse)
    assert lse.label == "lse[2]" and all(z.parents[0].parents[1] is lse for z in out)


# --- errors -------------------------------------------------------------------------------
def test_wrong_input_width_names_both_widths():
    with pytest.raises(ValueError, match="width 3, got width 2"):
        nn.MLP(3, [1])([1.0, 2.0])


@pytest.mark.parametrize("kwargs", [dict(activation="swish"), dict(output="softmaxx"), dict(activation="softmax")])
def test_unknown_activation_lists_valid_names(kwargs):
    with pytest.raises(ValueError, match="tanh"):
        nn.MLP(2, [2, 1], **kwargs)


def test_layer_call_always_returns_list():
    out = nn.Layer(2, 1, "tanh")([0.1, 0.2])
    assert isinstance(out, list) and len(out) == 1


# --- perceptron ----------------------------------------------------------------------------
def test_perceptron_rule_by_hand():
    p = nn.Perceptron(2)
    p.w, p.b = [0.0, 0.0], 0.0
    # x = (1, 1), t = −1: score 0 ≤ 0 counts as a mistake → w = (−1, −1), b = −1
    # x = (2, 0), t = +1: score −3 → mistake → w = (1, −1), b = 0
    mistakes = p.fit([[1.0, 1.0], [2.0, 0.0]], [-1, 1], epochs=1, lr=1.0)
    assert mistakes == [2] and p.w == [1.0, -1.0] and p.b == 0.0


def test_perceptron_separates_linearly_separable_data():
    import random

    rng = random.Random(0)
    X = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(60)]
    X = [x for x in X if abs(x[0] + 2 * x[1] - 0.2) > 0.1]
    y = [1 if x[0] + 2 * x[1] - 0.2 > 0 else -1 for x in X]
    p = nn.Perceptron(2, seed=1)
    mistakes = p.fit(X, y, epochs=200, lr=0.5)
    assert mistakes[-1] == 0 and len(mistakes) == 200
    assert all(p.predict(x) == t for x, t in zip(X, y))
