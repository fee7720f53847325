"""Watching training: fit(record=True) keeps the weights each epoch starts from, and
nn.TrainingView replays them in one page."""

from __future__ import annotations

import base64
import html as html_module
import json
import math
import random
import re
import struct

import pytest

import nn
from nn import train, training_view
from nn.module import ACTIVATIONS

from browser import launch, sync_playwright_or_skip


def _mean_loss(model, X, y, loss, weights):
    """The mean per-example loss over (X, y) at `weights`, built by the engine."""
    for p, w in zip(model.parameters(), weights):
        p.data = w
    fn = nn.losses.get(loss)
    return sum(fn(model(x), t).data for x, t in zip(X, y)) / len(X)


# --- fit(record=True) -----------------------------------------------------------------------
@pytest.mark.parametrize("compile", [True, False])
def test_record_keeps_the_weights_each_epoch_starts_from(compile):
    """With whole-batch training the loss of epoch e is the loss at the weights epoch e
    started from, so every recorded snapshot reproduces its epoch's loss."""
    X, y = nn.data.moons(30, noise=0.1, seed=1)
    model = nn.MLP(2, [4, 4, 1], activation="tanh", seed=3)
    start = tuple(p.data for p in model.parameters())
    hist = nn.fit(model, X, y, "hinge", nn.SGD(model.parameters(), lr=0.2), epochs=12, progress=False,
                  record=True, compile=compile)
    final = [p.data for p in model.parameters()]
    assert [e for e, _ in hist.snapshots] == list(range(1, 13)) and hist.record_every == 1
    assert hist.snapshots[0][1] == start
    probe = nn.MLP(2, [4, 4, 1], activation="tanh", seed=99)
    for epoch, weights in hist.snapshots:
        assert len(weights) == model.num_parameters()
        assert _mean_loss(probe, X, y, "hinge", weights) == pytest.approx(hist.loss[epoch - 1], rel=1e-12, abs=1e-15)
    assert list(hist.snapshots[-1][1]) != final  # the last update happened after the last snapshot


def test_record_is_off_by_default_and_must_be_a_bool():
    X, y = nn.data.xor()
    model = nn.MLP(2, [2, 1], seed=0)
    hist = nn.fit(model, X, y, "mse", nn.SGD(model.parameters(), lr=0.1), epochs=2, progress=False)
    assert hist.snapshots == [] and hist.record_every == 0
    with pytest.raises(TypeError, match="record must be True or False"):
        nn.fit(model, X, y, "mse", nn.SGD(model.parameters(), lr=0.1), epochs=2, progress=False, record=1)


def test_record_keeps_every_kth_epoch_past_the_limit(monkeypatch):
    monkeypatch.setattr(train, "RECORD_EPOCHS", 5)
    X, y = nn.data.xor()
    model = nn.MLP(2, [2, 1], seed=0)
    hist = nn.fit(model, X, y, "mse", nn.SGD(model.parameters(), lr=0.1), epochs=23, progress=False, record=True)
    assert hist.record_every == 5  # ⌈23 / 5⌉
    assert [e for e, _ in hist.snapshots] == [1, 6, 11, 16, 21, 23]  # and always the last epoch


def test_record_stride_bounds_the_numbers_kept():
    for epochs, params in [(1, 1), (300, 337), (5000, 337), (10, 10**6), (7, 3 * 10**6), (2000, 1)]:
        k = train.record_stride(epochs, params)
        kept = math.ceil(epochs / k) + 1  # every k-th epoch, and the last
        assert k >= 1
        assert kept <= train.RECORD_EPOCHS + 1
        assert k == 1 or (kept - 1) * params <= train.RECORD_NUMBERS or kept <= 2
    assert train.record_stride(300, 337) == 1  # a 2-16-16-1 network keeps all 300 epochs


def test_record_keeps_what_fit_was_given():
    X, y = nn.data.xor()
    model = nn.MLP(2, [2, 1], output="sigmoid", seed=0)
    loss = nn.losses.get("bce", reduction="sum")
    hist = nn.fit(model, X, y, loss, nn.SGD(model.parameters(), lr=0.1), epochs=3, batch_size=2, l2=0.01,
                  progress=False, record=True)
    assert hist.settings == {"loss": loss, "l2": 0.01, "batch_size": 2, "epochs": 3}


# --- the page, read in Python --------------------------------------------------------------

def page_data(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="data">(.*?)</script>', page, re.S)[1])


def moons_view(epochs=30, sizes=(8, 8, 1), n=40):
    X, y = nn.data.moons(n, noise=0.1, seed=0)
    model = nn.MLP(2, list(sizes), activation="tanh", seed=0)
    hist = nn.fit(model, X, y, "hinge", nn.SGD(model.parameters(), lr=0.1, momentum=0.9), epochs=epochs,
                  progress=False, record=True)
    return nn.TrainingView(model, X, y, hist), hist


def test_the_page_script_defines_every_activation_of_nn():
    assert set(training_view.PAGE_ACTIVATIONS) == set(ACTIVATIONS)
    for name in ACTIVATIONS:
        assert re.search(rf"\n    {name}: \[", training_view._SCRIPT), f"the page's script has no {name}"


def test_the_page_holds_every_recorded_weight_exactly():
    view, hist = moons_view(epochs=5)
    data = page_data(view.html())
    raw = base64.b64decode(data["weights"])
    weights = struct.unpack(f"<{len(raw) // 8}d", raw)
    flat = [w for _, ws in hist.snapshots for w in ws]
    assert list(weights) == flat  # bit for bit: float64, little-endian
    assert data["epochs"] == [1, 2, 3, 4, 5] and data["lossAt"] == hist.loss
    assert data["X"] == view.X and data["T"] == [[float(v) for v in t] for t in view.Y]


def test_the_page_is_self_contained_and_escapes_its_title():
    view, _ = moons_view(epochs=2)
    view.title = '<script>alert("x")</script> & δ'
    page = view.html()
    assert "<script>alert" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; δ" in page
    stripped = page.replace("http://www.w3.org/2000/svg", "")  # a namespace name, never fetched
    assert "http://" not in stripped and "https://" not in stripped
    assert not re.search(r"<(script|img|link|iframe)[^>]*\s(src|href)=", page)
    assert "url(" not in page and "@import" not in page


def test_one_line_per_parameter_in_the_diagram():
    view, _ = moons_view(epochs=1, sizes=(5, 3, 1))
    svg = view._network_svg()
    params = [int(p) for p in re.findall(r'<line class="w" data-p="(\d+)"', svg)]
    assert params == list(range(view.model.num_parameters()))


def test_a_2_16_16_1_network_over_300_epochs_stays_under_2_mb(tmp_path):
    """The size target, with every weight a full-precision float64 (the worst case for the
    page): the history is made up rather than trained, as its size does not depend on it."""
    model = nn.MLP(2, [16, 16, 1], seed=0)
    X, y = nn.data.moons(200, noise=0.1, seed=0)
    rng = random.Random(0)
    P = model.num_parameters()
    hist = nn.History(loss=[1.0 / e for e in range(1, 301)], accuracy=[0.5] * 300,
                      snapshots=[(e, tuple(rng.gauss(0, 1) for _ in range(P))) for e in range(1, 301)],
                      settings={"loss": "hinge"})
    path = nn.TrainingView(model, X, y, hist).to_html(tmp_path / "view.html")
    size = (tmp_path / "view.html").stat().st_size
    assert path == str(tmp_path / "view.html")
    assert size < 2_000_000, size


def test_the_notebook_shows_the_same_page_in_an_iframe():
    view, _ = moons_view(epochs=2)
    frame = view._repr_html_()
    srcdoc = re.fullmatch(r'<iframe srcdoc="([^"]*)" .*</iframe>', frame, re.S)[1]
    assert html_module.unescape(srcdoc) == view.html()


@pytest.mark.parametrize("change, match", [
    (lambda a: a.update(history=nn.History(loss=[1.0])), "record=True"),
    (lambda a: a.update(loss=lambda out, t: (out[0] - t) ** 2), "losses of nn.losses"),
    (lambda a: a.update(Y=a["Y"][:-1]), "X has 4 examples but Y has 3"),
    (lambda a: a.update(X=[[0.0, 0.0, 1.0]] + a["X"][1:]), r"X\[0\] is not an input of width 2"),
    (lambda a: a.update(X=[[0.0, math.nan]] + a["X"][1:]), r"X\[0\]\[1\] is nan"),
    (lambda a: a.update(Y=[[1.0, 2.0]] + a["Y"][1:]), r"Y\[0\] = \[1.0, 2.0\] is not a target for 1 output"),
    (lambda a: a.update(model=nn.MLP(2, [3, 1])), r"snapshot 0 \(epoch 1\) has 9 weights, but the model has 13"),
    (lambda a: a.update(model=object()), "nn.MLP, nn.Layer or nn.Neuron"),
    (lambda a: a.update(title=3), "title must be a str"),
    (lambda a: a["history"].loss.__setitem__(1, math.inf), "the loss of epoch 2 is inf, not a finite number"),
])
def test_bad_arguments_are_named(change, match):
    X, y = nn.data.xor()
    model = nn.MLP(2, [2, 1], seed=0)
    hist = nn.fit(model, X, y, "mse", nn.SGD(model.parameters(), lr=0.1), epochs=2, progress=False, record=True)
    args = {"model": model, "X": X, "Y": y, "history": hist}
    change(args)
    with pytest.raises((TypeError, ValueError), match=match):
        nn.TrainingView(**args)


# --- the page in Chromium: its numbers are the engine's ----------------------------------------
@pytest.fixture(scope="module")
def browser():
    sync_playwright = sync_playwright_or_skip()
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


def open_page(browser, view, folder, address=""):
    """The view's page loaded in Chromium (file://, so nothing could be fetched anyway);
    the page's script errors are collected in page.errors."""
    path = folder / "view.html"
    view.to_html(path)
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(path.as_uri() + address)
    page.wait_for_selector("body[data-ready='1']")
    return page


def close(a, b, tol=1e-9) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(b))


def assert_point_agrees(js: dict, engine: dict, where: str) -> None:
    assert js["epoch"] == engine["epoch"]
    assert close(js["loss"], engine["loss"]), f"{where}: E_n {js['loss']} != {engine['loss']}"
    for key in ("a", "z", "delta"):
        for l, (mine, theirs) in enumerate(zip(js[key], engine[key], strict=True)):
            for j, (u, v) in enumerate(zip(mine, theirs, strict=True)):
                assert close(u, v), f"{where}: {key}[{l}][{j}] = {u}, the engine's {v}"
    for p, (u, v) in enumerate(zip(js["grads"], engine["grads"], strict=True)):
        assert close(u, v), f"{where}: ∂E_n/∂w of parameter {p} = {u}, the engine's {v}"


def random_targets(rng, kind: str, K: int, n: int):
    if kind == "regression":
        return [[rng.uniform(-1, 1) for _ in range(K)] for _ in range(n)]
    if kind == "probability":
        return [[rng.choice([0.0, 1.0, 0.3]) for _ in range(K)] for _ in range(n)]
    if kind == "pm1":
        return [[rng.choice([-1.0, 1.0]) for _ in range(K)] for _ in range(n)]
    if kind == "index":
        return [rng.randrange(K) for _ in range(n)]
    if kind == "onehot":
        return [[1.0 if k == c else 0.0 for k in range(K)] for c in (rng.randrange(K) for _ in range(n))]
    raise AssertionError(kind)


# (model, loss, reduction, kind of target): every activation (hidden and output) and every
# loss with both reductions, each on a page of its own; D = 1, 2 and 3 inputs.
CASES = [
    (lambda: nn.MLP(2, [4, 2], activation="tanh"), "mse", "mean", "regression"),
    (lambda: nn.MLP(2, [4, 1], activation="relu", output="sigmoid"), "mse", "sum", "probability"),
    (lambda: nn.MLP(1, [5, 1], activation="sigmoid"), "half_sse", "sum", "regression"),
    (lambda: nn.MLP(2, [3, 3, 2], activation="leaky_relu", output="tanh"), "half_sse", "mean", "regression"),
    (lambda: nn.MLP(2, [4, 1], activation="elu", output="sigmoid"), "bce", "mean", "probability"),
    (lambda: nn.MLP(3, [4, 2], activation="softplus", output="sigmoid"), "bce", "sum", "probability"),
    (lambda: nn.MLP(2, [4, 3], activation="tanh", output="softmax"), "cross_entropy", "sum", "index"),
    (lambda: nn.MLP(2, [4, 3], activation="relu", output="softmax"), "cross_entropy", "mean", "onehot"),
    (lambda: nn.MLP(2, [4, 3], activation="leaky_relu"), "softmax_cross_entropy", "sum", "index"),
    (lambda: nn.MLP(2, [4, 3], activation="identity"), "softmax_cross_entropy", "mean", "onehot"),
    (lambda: nn.MLP(2, [4, 4, 1], activation="tanh"), "hinge", "mean", "pm1"),
    (lambda: nn.MLP(2, [4, 2], activation="softplus", output="tanh"), "hinge", "sum", "pm1"),
    (lambda: nn.MLP(2, [4, 1], activation="elu", output="relu"), "mse", "mean", "regression"),
    (lambda: nn.MLP(2, [4, 1], activation="sigmoid", output="leaky_relu"), "mse", "mean", "regression"),
    (lambda: nn.MLP(1, [4, 1], activation="relu", output="elu"), "mse", "sum", "regression"),
    (lambda: nn.MLP(2, [4, 1], activation="identity", output="softplus"), "half_sse", "sum", "regression"),
    (lambda: nn.Neuron(2, activation="sigmoid"), "bce", "mean", "probability"),
    (lambda: nn.Layer(3, 3, activation="softmax"), "cross_entropy", "sum", "index"),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_every_step_and_example_agrees_with_the_engine(browser, tmp_path, case):
    make, loss, reduction, kind = CASES[case]
    rng = random.Random(case)
    model = make()
    K = model.nout if hasattr(model, "nout") else model.sizes[-1] if hasattr(model, "sizes") else 1
    X = [[rng.uniform(-2, 2) for _ in range(model.nin)] for _ in range(9)]
    Y = random_targets(rng, kind, K, len(X))
    if isinstance(model, nn.Neuron):
        Y = [t[0] for t in Y]
    hist = nn.fit(model, X, Y, nn.losses.get(loss, reduction=reduction), nn.SGD(model.parameters(), lr=0.3),
                  epochs=4, progress=False, record=True)
    view = nn.TrainingView(model, X, Y, hist)
    page = open_page(browser, view, tmp_path)
    found = page.evaluate("() => { var out = []; for (var s = 1; s <= trainingView.steps; s++) { var row = [];"
                          f" for (var i = 0; i < {len(X)}; i++) row.push(trainingView.point(s, i)); out.push(row); }}"
                          " return out; }")
    for s, row in enumerate(found, start=1):
        for i, js in enumerate(row):
            assert_point_agrees(js, view.engine_point(s, i), f"{loss}/{reduction}, step {s}, X[{i}]")
    assert page.errors == []
    page.close()


def test_slider_address_loss_and_a_picked_point_in_chromium(browser, tmp_path):
    """The page a student uses: #step=N opens step N, the slider and ← → move it and the
    address follows, the loss shown is fit's, and a clicked example's ∂E_n/∂w (the table
    under the drawing) is the engine's at that step."""
    view, hist = moons_view(epochs=30)
    page = open_page(browser, view, tmp_path, "#step=7")
    assert page.input_value("#slider") == "7" and page.text_content("#counter") == "step 7 of 30"
    assert float(page.get_attribute("#loss", "data-v")) == hist.loss[6]  # epoch 7's, exactly

    page.fill("#slider", "12")  # dragging it: the value changes and "input" fires
    assert page.url.endswith("#step=12") and page.get_attribute("body", "data-step") == "12"
    assert float(page.get_attribute("#loss", "data-v")) == hist.loss[11]
    page.keyboard.press("ArrowRight")
    assert page.url.endswith("#step=13") and page.input_value("#slider") == "13"

    i = 17
    page.click(f"#points circle.pt[data-i='{i}']")
    assert page.url.endswith(f"#step=13&point={i}")
    engine = view.engine_point(13, i)
    shown = [float(v) for v in page.eval_on_selector_all("#params td.grad", "tds => tds.map(t => t.dataset.v)")]
    assert len(shown) == model_size(view) and all(close(u, v) for u, v in zip(shown, engine["grads"]))
    assert close(float(page.get_attribute("#pointloss", "data-v")), engine["loss"])
    deltas = page.eval_on_selector_all("#units tr[data-l] td:nth-child(4)", "tds => tds.map(t => t.dataset.v)")
    assert all(close(float(u), v) for u, v in zip(deltas, [d for layer in engine["delta"] for d in layer], strict=True))

    # backward on the drawing: the widest arrow is the weight with the largest |∂E_n/∂w|
    page.check("input[name=mode][value=backward]")
    widths = page.eval_on_selector_all("#network line.w", "ls => ls.map(l => parseFloat(l.style.strokeWidth))")
    biggest = max(range(len(engine["grads"])), key=lambda p: abs(engine["grads"][p]))
    assert widths.index(max(widths)) == biggest

    # the plane at this step: blue where the network says +1, orange where it says −1
    colours = page.evaluate("""() => { var c = document.getElementById("plane"), g = c.getContext("2d"), out = [];
        document.querySelectorAll("#points circle.pt").forEach(function (p) {
          out.push(Array.from(g.getImageData(p.cx.baseVal.value * 2, p.cy.baseVal.value * 2, 1, 1).data)); });
        return out; }""")
    checked = 0
    for n, rgba in enumerate(colours):
        y = view.engine_point(13, n)["outputs"][0]
        if abs(y) > 0.3:  # away from the boundary, where the coarse grid could blur it
            assert (rgba[2] > rgba[0]) == (y > 0), f"X[{n}]: y = {y}, pixel {rgba}"
            checked += 1
    assert checked >= 20

    # hovering near an arrow names it and shows its ∂E_n/∂w = δ_j z_k with the numbers
    from autograd.names import fmt
    p = view.model.num_parameters() - 5  # an arrow into the output unit: w[3]_{1,5}
    ends = page.evaluate("""p => { var l = document.querySelector('#network line.w[data-p="' + p + '"]'),
        m = l.ownerSVGElement.getScreenCTM(), a = new DOMPoint(l.x1.baseVal.value, l.y1.baseVal.value).matrixTransform(m),
        b = new DOMPoint(l.x2.baseVal.value, l.y2.baseVal.value).matrixTransform(m); return [a.x, a.y, b.x, b.y]; }""", p)
    page.mouse.move(ends[0] + 0.4 * (ends[2] - ends[0]), ends[1] + 0.4 * (ends[3] - ends[1]) + 1)
    hover = page.text_content("#hover")
    assert hover.startswith("w[3]_{1,5} = ") and "∂E_n/∂w[3]_{1,5} = δ[3]_1 · z[2]_5 = " in hover
    assert hover.endswith(" = " + fmt(engine["grads"][p]))

    page.goto(page.url.split("#")[0] + "#step=30&point=3")  # a link opens that step and example
    page.wait_for_function("document.body.dataset.step === '30'")
    assert page.input_value("#example") == "3" and page.errors == []
    page.close()


def test_a_bounded_recording_steps_through_every_kth_epoch_in_chromium(browser, tmp_path, monkeypatch):
    """Past the recording limit fit keeps epochs 1, 1 + k, 1 + 2k, ... and the last: step N of
    the page is the N-th of those, its epoch, its loss and a picked point's ∂E_n/∂w the engine's."""
    monkeypatch.setattr(train, "RECORD_EPOCHS", 5)
    X, y = nn.data.moons(20, noise=0.1, seed=2)
    model = nn.MLP(2, [4, 4, 1], activation="tanh", seed=1)
    hist = nn.fit(model, X, y, "hinge", nn.SGD(model.parameters(), lr=0.1), epochs=23, progress=False, record=True)
    assert [e for e, _ in hist.snapshots] == [1, 6, 11, 16, 21, 23]
    view = nn.TrainingView(model, X, y, hist)
    page = open_page(browser, view, tmp_path, "#step=3&point=4")
    assert page.text_content("#counter") == "step 3 of 6" and page.text_content("#epoch") == "11"
    assert float(page.get_attribute("#loss", "data-v")) == hist.loss[10]  # epoch 11's, exactly
    engine = view.engine_point(3, 4)
    assert engine["epoch"] == 11
    shown = [float(v) for v in page.eval_on_selector_all("#params td.grad", "tds => tds.map(t => t.dataset.v)")]
    assert len(shown) == model.num_parameters() and all(close(u, v) for u, v in zip(shown, engine["grads"]))
    page.fill("#slider", "6")  # the last step is the last epoch, kept whatever k is
    assert page.text_content("#epoch") == "23" and float(page.get_attribute("#loss", "data-v")) == hist.loss[22]
    assert page.errors == []
    page.close()


def model_size(view) -> int:
    return view.model.num_parameters()


def test_pages_without_a_plane_and_with_classes_open_cleanly(browser, tmp_path):
    """1-D inputs draw y(x), more than 2 hide the plane, several outputs colour by class."""
    X3 = [[i / 10, (i % 3) / 3, -i / 7] for i in range(12)]
    for X, sizes, output, loss, Y in [
        ([[i / 10] for i in range(12)], [4, 1], "identity", "mse", [[math.sin(i / 3)] for i in range(12)]),
        (X3, [4, 2], "identity", "mse", [[x[0], x[1]] for x in X3]),
        ([[math.cos(i), math.sin(i)] for i in range(12)], [5, 3], "softmax", "cross_entropy", [i % 3 for i in range(12)]),
    ]:
        model = nn.MLP(len(X[0]), sizes, output=output, seed=1)
        hist = nn.fit(model, X, Y, loss, nn.SGD(model.parameters(), lr=0.1), epochs=3, progress=False, record=True)
        page = open_page(browser, nn.TrainingView(model, X, Y, hist), tmp_path)
        plane = page.get_attribute("body", "data-plane")
        assert plane == {1: "line", 2: "plane", 3: "none"}[len(X[0])]
        assert page.is_hidden("#planefig") == (plane == "none")
        if plane == "plane":
            assert page.input_value("#colourby") == "class"
        page.fill("#example", "2")
        page.dispatch_event("#example", "change")
        assert page.url.endswith("#step=1&point=2") and page.errors == []
        page.close()


def test_the_widget_is_the_same_page():
    widgets = pytest.importorskip("ipywidgets", reason="ipywidgets not installed (pip install 'deltagrad[notebook]')")
    view, _ = moons_view(epochs=2)
    w = view.widget(height=700)
    assert isinstance(w, widgets.HTML) and w.value == view._iframe(700) and "height:700px" in w.value


def test_the_notebook_iframe_runs_the_page_in_chromium(browser, tmp_path):
    """What Jupyter shows: the page inside an iframe's srcdoc, where the address cannot follow
    the slider (about:srcdoc) but everything else works."""
    view, hist = moons_view(epochs=5)
    (tmp_path / "notebook.html").write_text("<!DOCTYPE html><body>" + view._repr_html_() + "</body>", encoding="utf-8")
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((tmp_path / "notebook.html").as_uri())
    frame = page.frame_locator("iframe")
    frame.locator("body[data-ready='1']").wait_for()
    frame.locator("#slider").fill("4")
    assert float(frame.locator("#loss").get_attribute("data-v")) == hist.loss[3]
    assert frame.locator("#counter").text_content() == "step 4 of 5" and errors == []
    page.close()


def test_saturated_units_keep_their_digits_as_the_engine_does(browser, tmp_path):
    """Far out on a tanh or a sigmoid, h'(a) is tiny and 1 − z² would cancel; the page takes
    the engine's formulas there, so even these δ agree to 1e-12 relative."""
    model = nn.MLP(1, [4, 1], activation="tanh", output="sigmoid")
    # a[1]_j = w·x: 3x (1 − z² region), 6x and −12x (1/cosh²), 25x (4e^(−2|a|)); the output
    # a ≈ 32 (σ(a)σ(−a), where 1 − σ(a) keeps 2 digits)
    weights = (3.0, 0.0, 6.0, 0.0, -12.0, 0.0, 25.0, 0.0, 1.0, 1.0, 1.0, 1.0, 30.0)
    hist = nn.History(loss=[0.0], snapshots=[(1, weights)], settings={"loss": "mse"})
    for x, t in [([1.0], [0.0]), ([0.5], [1.0])]:
        view = nn.TrainingView(model, [x], [t], hist)
        page = open_page(browser, view, tmp_path)
        js, engine = page.evaluate("trainingView.point(1, 0)"), view.engine_point(1, 0)
        for u, v in zip([d for layer in js["delta"] for d in layer] + js["grads"],
                        [d for layer in engine["delta"] for d in layer] + engine["grads"], strict=True):
            assert v != 0 and abs(u - v) <= 1e-12 * abs(v), (u, v)
        page.close()


def test_the_page_can_open_at_a_given_step_and_example(browser, tmp_path):
    view, hist = moons_view(epochs=6)
    with pytest.raises(ValueError, match=r"step must be 1..6 \(or −1 for the last\), got 7"):
        view.html(step=7)
    with pytest.raises(ValueError, match=r"point must index X \(0..39\), got 40"):
        view.html(point=40)
    (tmp_path / "start.html").write_text(view.html(step=-1, point=3), encoding="utf-8")
    page = browser.new_page()
    page.goto((tmp_path / "start.html").as_uri())
    page.wait_for_selector("body[data-ready='1']")
    assert page.input_value("#slider") == "6" and page.url.endswith("#step=6&point=3")
    assert close(float(page.get_attribute("#pointloss", "data-v")), view.engine_point(6, 3)["loss"])
    page.goto((tmp_path / "start.html").as_uri() + "#step=2")  # the address wins
    page.wait_for_selector("body[data-ready='1']")
    assert page.input_value("#slider") == "2"
    page.close()


def test_numpy_data_and_indices_are_accepted():
    np = pytest.importorskip("numpy", reason="NumPy is optional; this checks that the view takes its arrays")
    X, y = nn.data.moons(20, noise=0.1, seed=0)
    model = nn.MLP(2, [3, 1], seed=0)
    hist = nn.fit(model, X, y, "hinge", nn.SGD(model.parameters(), lr=0.1), epochs=3, progress=False, record=True)
    view = nn.TrainingView(model, np.array(X), np.array(y), hist)
    assert view.engine_point(np.int64(2), np.int64(5)) == nn.TrainingView(model, X, y, hist).engine_point(2, 5)
    assert page_data(view.html(step=np.int64(3)))["start"] == {"step": 3, "point": -1}


def test_the_page_prints_numbers_as_autograd_names_fmt_does(browser, tmp_path):
    from autograd.names import fmt

    view, _ = moons_view(epochs=1)
    page = open_page(browser, view, tmp_path)
    numbers = [0.0, -0.0, 1.0, -0.5, 0.25, 2.0 / 3, -1234.5, 1235.5, 0.12345, 12345.678, 1e-5, -1.25e-7, 9.99951, 0.000123456,
               1e300, -3.14159e-300, 99995.0, 0.1 + 0.2]
    rng = random.Random(0)
    numbers += [rng.uniform(-1, 1) * 10 ** rng.randint(-9, 9) for _ in range(2000)]
    numbers += [(k + 0.5) * 2.0 ** rng.randint(-6, 6) for k in rng.sample(range(1000, 10000), 300)]  # exact ties
    shown = page.evaluate("xs => xs.map(trainingView.fmt)", numbers)
    assert shown == [fmt(x) for x in numbers]
    page.close()
