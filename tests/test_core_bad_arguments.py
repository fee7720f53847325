"""Every bad argument is caught where it enters, with an error naming it and saying
what to do — and the good arguments next to it still work. Grouped by where the
argument goes: training data and losses, optimisers, data sets, networks, the
PyTorch bridge, gradient checks, and the engine's Values."""

import math

import pytest

import nn
from autograd import Value, gradcheck, hand_check
from autograd.check import numeric_grad

np = pytest.importorskip("numpy", reason="numpy labels are what these tests feed in")


def _xor_model(output="sigmoid"):
    return nn.MLP(2, [3, 1], output=output, seed=0)


X4 = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]


# ---------------------------------------------------------------------------
# Labels and targets: fit and accuracy
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("loss, labels, output", [
    ("bce", [0, 1, 1, 0], "sigmoid"),
    ("hinge", [-1, 1, 1, -1], "tanh"),
    ("cross_entropy", [0, 1, 1, 0], "softmax"),
])
def test_numpy_integer_labels_work_like_python_ints(loss, labels, output):
    width = 2 if loss == "cross_entropy" else 1
    plain = nn.MLP(2, [3, width], output=output, seed=0)
    numpy = nn.MLP(2, [3, width], output=output, seed=0)
    y = np.array(labels)
    assert isinstance(y[0], np.integer)
    h1 = nn.fit(plain, X4, labels, loss, nn.SGD(plain.parameters(), lr=0.1), epochs=3, progress=False)
    h2 = nn.fit(numpy, X4, y, loss, nn.SGD(numpy.parameters(), lr=0.1), epochs=3, progress=False)
    assert h2.loss == h1.loss and h2.accuracy == h1.accuracy
    assert nn.accuracy(numpy, X4, y, loss) == nn.accuracy(plain, X4, labels, loss)


def test_accuracy_refuses_targets_wider_than_the_outputs():
    with pytest.raises(ValueError) as info:
        nn.accuracy(_xor_model("tanh"), X4, [[1, 1]] * 4, "hinge")
    assert str(info.value) == ("accuracy: example 0 (y[0] = [1, 1]): hinge: target has length 2 but the "
                               "model gives 1 outputs; give one target per output")


def test_accuracy_refuses_a_class_index_out_of_range():
    with pytest.raises(ValueError) as info:
        nn.accuracy(_xor_model(), X4, [0, 0, 5, 0], "cross_entropy")
    assert str(info.value) == ("accuracy: example 2 (y[2] = 5): cross_entropy: class index target 5 is "
                               "outside 0..0 (1 outputs)")


def test_fit_refuses_a_loss_that_is_not_a_value():
    model = _xor_model()
    before = [p.data for p in model.parameters()]
    with pytest.raises(TypeError, match=r"fit: the loss must return a Value built from the outputs.*; "
                                        r"it returned float 1\.0"):
        nn.fit(model, X4, [0, 1, 1, 0], lambda o, t: 1.0, nn.SGD(model.parameters(), lr=0.1),
               epochs=2, progress=False)
    assert [p.data for p in model.parameters()] == before


def test_fit_refuses_a_loss_that_ignores_the_outputs():
    model = _xor_model()
    with pytest.raises(ValueError, match=r"fit: the loss does not depend on the model's outputs"):
        nn.fit(model, X4, [0, 1, 1, 0], lambda o, t: Value(2.0) * 3, nn.SGD(model.parameters(), lr=0.1),
               epochs=2, progress=False)


def test_fit_accepts_a_custom_loss_built_from_the_outputs():
    model = _xor_model("identity")
    history = nn.fit(model, X4, [[0], [1], [1], [0]], lambda o, t: (o[0] - t[0]) ** 2,
                     nn.SGD(model.parameters(), lr=0.1), epochs=5, progress=False)
    assert len(history.loss) == 5 and history.loss[-1] < history.loss[0]


def test_fit_names_a_bad_first_target_before_training():
    model = _xor_model()
    with pytest.raises(ValueError, match=r"fit: example 0 \(y\[0\] = \[0, 1\]\): bce: target has length 2"):
        nn.fit(model, X4, [[0, 1]] * 4, "bce", nn.SGD(model.parameters(), lr=0.1), epochs=1, progress=False)


# ---------------------------------------------------------------------------
# Perceptron
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("lr", [math.nan, math.inf, 0.0, -1.0, "1"])
def test_perceptron_refuses_a_bad_learning_rate(lr):
    p = nn.Perceptron(2)
    w = list(p.w)
    with pytest.raises(ValueError, match=r"Perceptron.fit: lr must be a positive finite number, got "):
        p.fit(X4, [-1, 1, 1, 1], lr=lr)
    assert p.w == w


def test_perceptron_refuses_nan_inputs_naming_the_entry():
    with pytest.raises(ValueError) as info:
        nn.Perceptron(2).fit([[0.0, 0.0], [1.0, math.nan]], [-1, 1])
    assert str(info.value) == "Perceptron.fit: X[1][1] is nan, not a finite number"


# ---------------------------------------------------------------------------
# Optimisers
# ---------------------------------------------------------------------------
def _params():
    return [Value(1.0, "w")]


@pytest.mark.parametrize("eps", [0, 0.0, -1e-8, math.nan, math.inf, "1e-8", None])
def test_adam_eps_must_be_positive(eps):
    with pytest.raises(ValueError, match=r"Adam: eps must be a small positive number such as 1e-8, got "):
        nn.Adam(_params(), eps=eps)


def test_adam_with_zero_gradient_takes_no_step():
    w = _params()
    opt = nn.Adam(w, lr=0.1)
    opt.step()  # grad 0: m̂ = 0, ŝ = 0, the step is 0/(0 + ε) = 0
    assert w[0].data == 1.0


@pytest.mark.parametrize("momentum", ["a", None, -0.1, 1.0, math.nan, True])
def test_sgd_momentum_must_be_a_number_in_range(momentum):
    with pytest.raises(ValueError, match=r"SGD: momentum must be a number in \[0, 1\), got "):
        nn.SGD(_params(), lr=0.1, momentum=momentum)


@pytest.mark.parametrize("betas", [(0.9,), (0.9, "a"), (1.0, 0.9), None])
def test_adam_betas_checked(betas):
    with pytest.raises(ValueError, match=r"Adam: betas must be two numbers in \[0, 1\)"):
        nn.Adam(_params(), betas=betas)


def test_negative_learning_rate_from_a_schedule_is_refused():
    w = _params()
    w[0].grad = 1.0
    opt = nn.SGD(w, lr=lambda step: 0.1 - 0.2 * step)
    opt.step()  # 0.1
    assert w[0].data == pytest.approx(0.9)
    with pytest.raises(ValueError) as info:
        opt.step()  # −0.1
    assert str(info.value) == ("SGD: the lr schedule gave -0.1 at step 1; it must give a finite number ≥ 0 "
                               "(a negative step would climb the loss)")
    assert w[0].data == pytest.approx(0.9)


def test_schedule_may_reach_zero():
    w = _params()
    w[0].grad = 1.0
    opt = nn.SGD(w, lr=lambda step: 0.0)
    opt.step()
    assert w[0].data == 1.0


# ---------------------------------------------------------------------------
# Data sets
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("noise", [math.nan, math.inf, -0.1, "0.1"])
def test_moons_noise_must_be_finite_and_non_negative(noise):
    with pytest.raises(ValueError, match=r"moons: noise must be a finite number ≥ 0 \(a standard deviation\), got "):
        nn.data.moons(10, noise=noise)


@pytest.mark.parametrize("n", [-5, 0, 2.5, True])
def test_digits_n_must_be_positive(n):
    pytest.importorskip("sklearn", reason="the digits ship with scikit-learn")
    with pytest.raises(ValueError) as info:
        nn.data.digits(n=n)
    assert str(info.value) == f"digits: n must be None (all 1797 examples) or a positive int, got {n!r}"


def test_digits_n_keeps_that_many():
    pytest.importorskip("sklearn", reason="the digits ship with scikit-learn")
    X, y = nn.data.digits(n=5)
    assert len(X) == len(y) == 5


# ---------------------------------------------------------------------------
# Networks
# ---------------------------------------------------------------------------
def test_mlp_sizes_must_be_a_list():
    with pytest.raises(TypeError) as info:
        nn.MLP(2, 3)
    assert str(info.value) == ("MLP: sizes must be a list of layer widths, e.g. MLP(2, [4, 1]); got 3 "
                               "(one layer of 3 units is [3])")


@pytest.mark.parametrize("sizes, bad", [([4, 0], "sizes[1] must be a positive int (a layer width), got 0"),
                                        ([4, "1"], "sizes[1] must be a positive int (a layer width), got '1'"),
                                        ([2.0], "sizes[0] must be a positive int (a layer width), got 2.0")])
def test_mlp_sizes_entries_named(sizes, bad):
    with pytest.raises(ValueError) as info:
        nn.MLP(2, sizes)
    assert str(info.value) == "MLP: " + bad


def test_softmax_of_nothing():
    with pytest.raises(ValueError) as info:
        nn.softmax([])
    assert str(info.value) == "softmax: a is empty; give the list of pre-activation Values a_k to normalise"
    with pytest.raises(TypeError, match=r"softmax: a\[1\] is a float, not a Value"):
        nn.softmax([Value(1.0), 2.0])
    with pytest.raises(ValueError, match="log_softmax: outputs is empty"):
        nn.losses.log_softmax([])


# ---------------------------------------------------------------------------
# The PyTorch bridge
# ---------------------------------------------------------------------------
def test_from_torch_refuses_a_softplus_it_cannot_reproduce():
    torch = pytest.importorskip("torch", reason="the bridge needs PyTorch")
    for module in (torch.nn.Softplus(threshold=1.0), torch.nn.Softplus(beta=2.0)):
        seq = torch.nn.Sequential(torch.nn.Linear(1, 1).double(), module)
        with pytest.raises(ValueError, match=r"from_torch: module 1 \(Softplus.*\) is not supported;.*threshold ≥ 20"):
            nn.from_torch(seq)


def test_from_torch_softplus_default_agrees():
    torch = pytest.importorskip("torch", reason="the bridge needs PyTorch")
    lin = torch.nn.Linear(1, 1).double()
    with torch.no_grad():
        lin.weight.fill_(1.0)
        lin.bias.fill_(0.0)
    seq = torch.nn.Sequential(lin, torch.nn.Softplus(threshold=25.0))
    model = nn.from_torch(seq)
    for x in (-3.0, 0.0, 2.0, 19.0, 30.0):
        ours = nn.predict(model, [[x]])[0][0]
        theirs = seq(torch.tensor([[x]], dtype=torch.float64)).item()
        assert abs(ours - theirs) <= 2.1e-9 * max(1.0, abs(x))


@pytest.mark.parametrize("what, value", [("weight", math.nan), ("bias", math.inf)])
def test_from_torch_refuses_non_finite_weights(what, value):
    torch = pytest.importorskip("torch", reason="the bridge needs PyTorch")
    lin = torch.nn.Linear(2, 3).double()
    with torch.no_grad():
        getattr(lin, what).view(-1)[1] = value
    at = "0, 1" if what == "weight" else "1"
    with pytest.raises(ValueError) as info:
        nn.from_torch(torch.nn.Sequential(lin))
    assert str(info.value) == (f"from_torch: Linear layer 0 has {what}[{at}] = {value!r}; "
                               "every weight must be a finite number")


# ---------------------------------------------------------------------------
# Gradient checks
# ---------------------------------------------------------------------------
def test_gradcheck_near_a_domain_edge_stays_inside_it():
    report = gradcheck(lambda a: a.log(), [1e-7])
    row = report.rows[0]
    assert report.ok and row.engine == pytest.approx(1e7)
    assert 0 < row.step < 1e-7  # both x ± step are > 0: f was only evaluated where it is defined
    assert abs(row.numeric - 1e7) / 1e7 < 1e-4
    assert gradcheck(lambda a: a.log(), [1.0]).rows[0].step == 1e-6  # away from the edge: the step asked for


def test_gradcheck_says_when_no_step_works():
    # f is defined at 0 (there it is a + 1) and nowhere near it: log(−a²) < 0 for every a ≠ 0
    with pytest.raises(ValueError, match=r"gradcheck: f is not defined on both sides of input 0 = 0\.0"):
        gradcheck(lambda a: (-(a * a)).log() if a.data != 0 else a + 1, [0.0])


@pytest.mark.parametrize("eps", [0, 0.0, -1e-6, math.nan, math.inf, True, "1e-6"])
def test_gradcheck_and_hand_check_refuse_a_bad_eps(eps):
    message = r"eps must be a small positive number such as 1e-6 \(the finite-difference step\), got "
    with pytest.raises(ValueError, match="gradcheck: " + message):
        gradcheck(lambda a: a.tanh(), [0.3], eps=eps)
    with pytest.raises(ValueError, match="hand_check: " + message):
        hand_check(lambda a: a.tanh(), {"a": lambda a: 1 - math.tanh(a) ** 2}, {"a": 0.3}, eps=eps)
    with pytest.raises(ValueError, match="numeric_grad: " + message):
        numeric_grad(lambda a: a.tanh(), [0.3], 0, eps=eps)


# ---------------------------------------------------------------------------
# Values: numbers, sums, labels
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("digits", [400, 5000])
def test_value_of_a_huge_integer(digits):
    with pytest.raises(ValueError) as info:
        Value(10**digits)
    assert str(info.value) == (f"Value(<an integer of about {digits + 1} digits>): too large for a float "
                               "(at most about 1.8e308)")


def test_value_times_a_huge_integer_names_the_operand():
    with pytest.raises(ValueError, match=r"operand of '\*' combined with a Value: too large for a float"):
        Value(2.0) * 10**400


def test_value_sum_of_a_number():
    with pytest.raises(TypeError) as info:
        Value.sum(5)
    assert str(info.value) == ("Value.sum: values must be a list of Values (and numbers), e.g. "
                               "Value.sum([a, b, c]); got int 5")
    assert Value.sum((Value(1.0), 2.0)).data == 3.0  # any iterable still works


@pytest.mark.parametrize("label, problem", [
    ("a\x00b", "contains a NUL character"),
    ("x\ud800", "contains a lone surrogate"),
])
def test_label_that_cannot_be_drawn_is_refused_at_construction(label, problem):
    with pytest.raises(ValueError) as info:
        Value(1.0, label)
    assert str(info.value).startswith(f"Value label {label!r} {problem}")
    assert str(info.value).endswith("(making Value(1.0))")


def test_label_set_later_is_checked_and_names_the_node():
    x = Value(2.0, "x")
    y = x * 2
    with pytest.raises(TypeError) as info:
        y.label = 5
    assert str(info.value) == "Value label must be a str, got int 5 (setting the label of unlabelled node made by '*2')"
    with pytest.raises(ValueError) as info:
        x.label = "bad\x00"
    assert str(info.value).endswith("(setting the label of node 'x')")
    assert x.label == "x" and y.label == ""  # unchanged
    x.label = "σ ∂ é → fine"
    assert x.label == "σ ∂ é → fine"
