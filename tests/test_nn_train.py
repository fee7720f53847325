"""nn.fit: it learns the lectures' problems, counts its updates, and rejects bad input."""

import math

import pytest

import nn
from nn import losses


# --- it learns --------------------------------------------------------------------------
def test_xor_reaches_full_accuracy():
    X, y = nn.data.xor()
    model = nn.MLP(2, [4, 1], activation="tanh", output="sigmoid", seed=0)
    hist = nn.fit(model, X, y, "bce", nn.SGD(model.parameters(), lr=0.5, momentum=0.9), epochs=300, progress=False)
    assert nn.accuracy(model, X, y, "bce") == 1.0
    assert hist.accuracy[-1] == 1.0 and hist.loss[-1] < hist.loss[0]


def test_moons_reaches_95_percent():
    X, y = nn.data.moons(100, noise=0.1, seed=0)
    model = nn.MLP(2, [8, 8, 1], activation="tanh", seed=0)
    opt = nn.SGD(model.parameters(), lr=0.1, momentum=0.9)
    nn.fit(model, X, y, "hinge", opt, epochs=120, progress=False)  # 0.99 with seed 0
    assert nn.accuracy(model, X, y, "hinge") >= 0.95


def test_bishop_square_with_1_3_1_tanh_network():
    X, y = nn.data.bishop_curves("square", n=50, seed=0)
    model = nn.MLP(1, [3, 1], activation="tanh", output="identity", seed=0)
    hist = nn.fit(model, X, y, "mse", nn.Adam(model.parameters(), lr=0.05), epochs=300, progress=False)
    mse = sum((p[0] - t[0]) ** 2 for p, t in zip(nn.predict(model, X), y)) / len(X)
    assert mse < 0.01
    assert hist.loss[-1] == pytest.approx(mse, rel=0.5)


def test_softmax_classifier_learns_three_classes():
    X = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.1, 0.1], [0.9, 0.1], [0.1, 0.9]]
    y = [0, 1, 2, 0, 1, 2]
    model = nn.MLP(2, [3], output="softmax", seed=1)
    nn.fit(model, X, y, "cross_entropy", nn.Adam(model.parameters(), lr=0.1), epochs=100, progress=False)
    assert nn.accuracy(model, X, y, "cross_entropy") == 1.0


# --- what one update is -------------------------------------------------------------------
@pytest.mark.parametrize("batch_size, per_epoch", [(None, 1), (1, 7), (3, 3), (7, 1), (100, 1)])
def test_number_of_updates(batch_size, per_epoch):
    X = [[i / 7] for i in range(7)]
    y = [[0.5]] * 7
    model = nn.MLP(1, [2, 1], seed=0)
    opt = nn.SGD(model.parameters(), lr=0.01)
    hist = nn.fit(model, X, y, "mse", opt, epochs=2, batch_size=batch_size, progress=False)
    assert hist.steps == opt.steps == 2 * per_epoch
    assert len(hist.loss) == 2 and hist.accuracy == []


def test_batch_update_is_mean_gradient_plus_l2():
    """One full-batch SGD step equals w − η(mean_n ∂E_n/∂w + 2λw), each term computed separately."""
    X, y = [[0.5, -1.0], [1.5, 0.25], [-0.3, 0.8]], [[1.0], [-1.0], [0.2]]
    lam, eta = 0.1, 0.05
    model = nn.MLP(2, [3, 1], seed=4)
    w0 = [p.data for p in model.parameters()]
    grads = [0.0] * len(w0)
    for x, t in zip(X, y):
        model.zero_grad()
        losses.mse(model(x), t).backward()
        grads = [g + p.grad / len(X) for g, p in zip(grads, model.parameters())]
    nn.fit(model, X, y, "mse", nn.SGD(model.parameters(), lr=eta), epochs=1, l2=lam, shuffle=False, progress=False)
    expected = [w - eta * (g + 2 * lam * w) for w, g in zip(w0, grads)]
    assert [p.data for p in model.parameters()] == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_progress_bar_runs(capsys):
    X, y = nn.data.xor()
    model = nn.MLP(2, [2, 1], seed=0)
    hist = nn.fit(model, X, y, "mse", nn.SGD(model.parameters(), lr=0.1), epochs=2, progress=True)
    assert len(hist.loss) == 2
    assert "epoch" in capsys.readouterr().err


# --- bad input ---------------------------------------------------------------------------
def _model():
    return nn.MLP(2, [2, 1], seed=0)


@pytest.mark.parametrize(
    "X, y, kwargs, match",
    [
        ([[0.0, 1.0]], [[1.0], [0.0]], {}, "X has 1 examples but y has 2"),
        ([], [], {}, "empty"),
        ([[0.0, 1.0], [1.0]], [[1.0], [0.0]], {}, "X\\[1\\] has width 1 .* width 2"),
        ([[0.0, 1.0]], [[1.0]], {"epochs": 0}, "epochs"),
        ([[0.0, 1.0]], [[1.0]], {"batch_size": 0}, "batch_size"),
        ([[0.0, 1.0]], [[1.0]], {"loss": "nope"}, "unknown loss"),
    ],
)
def test_fit_rejects_bad_input(X, y, kwargs, match):
    model = _model()
    args = dict(loss="mse", optimizer=nn.SGD(model.parameters(), lr=0.1), epochs=1, progress=False)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        nn.fit(model, X, y, **args)


def test_divergence_names_epoch_and_suggests_smaller_lr():
    X, y = nn.data.bishop_curves("square", n=20)
    X = [[x[0] * 1e3] for x in X]
    model = nn.MLP(1, [4, 1], activation="relu", seed=0)
    with pytest.raises(ValueError, match=r"epoch \d+.*smaller learning rate"):
        nn.fit(model, X, y, "mse", nn.SGD(model.parameters(), lr=1e3), epochs=50, progress=False)


def test_accuracy_needs_classification_loss():
    with pytest.raises(ValueError, match="not a classification loss"):
        nn.accuracy(_model(), [[0.0, 0.0]], [[0.0]], "mse")


def test_predict_builds_no_graph():
    out = nn.predict(_model(), [[0.1, 0.2], [0.3, 0.4]])
    assert len(out) == 2 and all(isinstance(v, float) for row in out for v in row)


def test_bad_target_is_reported_with_epoch_and_example():
    model = _model()
    with pytest.raises(ValueError, match=r"epoch 1, example 1 .*hinge.*−1 or \+1"):
        nn.fit(model, [[0.0, 0.0], [1.0, 1.0]], [[1.0], [0.5]], "hinge", nn.SGD(model.parameters(), lr=0.1),
               epochs=1, shuffle=False, progress=False)


def test_a_neuron_trains_with_a_classification_loss():
    """A Neuron returns one bare Value, not a list: accuracy is counted all the same."""
    X, y = [[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]], [0, 1, 1, 1]  # OR
    for compile in (True, False):
        model = nn.Neuron(2, activation="sigmoid")
        hist = nn.fit(model, X, y, "bce", nn.SGD(model.parameters(), lr=2.0), epochs=200, progress=False,
                      compile=compile)
        assert hist.accuracy[-1] == 1.0 and nn.accuracy(model, X, y, "bce") == 1.0
