"""Hostile model files: nn.load refuses them with a ModelFileError naming the file and
the key, before allocating anything their claims would cost; `save` refuses to write
a model that `load` would refuse."""

import json
import time
import tracemalloc

import pytest

import nn
from nn import io as model_io
from nn.io import ModelFileError


def _doc(nin=2, sizes=(3, 1)):
    return model_io.to_dict(nn.MLP(nin, list(sizes), seed=1))


def _write(tmp_path, text, name="hostile.json"):
    path = tmp_path / name
    path.write_text(text)
    return path


def _refused(path, match):
    """load(path) raises a ModelFileError matching `match` and naming the file;
    return (message, seconds, peak bytes traced)."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ModelFileError, match=match) as info:
            nn.load(path)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(info.value).startswith(f"{path}: ")
    return str(info.value), seconds, peak


# ---------------------------------------------------------------------------
# Claimed shapes: bounded before allocating
# ---------------------------------------------------------------------------
def test_file_claiming_a_billion_inputs_is_refused_at_once(tmp_path):
    doc = _doc()
    doc["nin"] = 10**9
    path = _write(tmp_path, json.dumps(doc))
    assert path.stat().st_size < 1000
    message, seconds, peak = _refused(path, r"nin 1000000000 and sizes \[3, 1\] mean 3,000,000,007 parameters")
    # a denial-of-service bound, not a speed claim: today's engine would need ~10¹¹ bytes
    assert seconds < 2.0
    assert peak < 4 * 2**20  # nothing of the claimed size was allocated


def test_file_claiming_ten_million_inputs_is_refused(tmp_path):
    doc = _doc()
    doc["nin"] = 10_000_000
    path = _write(tmp_path, json.dumps(doc))
    _, seconds, peak = _refused(path, "more than this engine loads")
    assert seconds < 2.0 and peak < 4 * 2**20


def test_claimed_width_under_the_bound_is_checked_against_the_weights_present(tmp_path):
    doc = _doc(sizes=(1,))
    doc["nin"] = 400_000  # 400,001 parameters: under the bound, but the file holds 3 numbers
    path = _write(tmp_path, json.dumps(doc))
    message, _, peak = _refused(path, r"layer 1 unit 1 weights should be a list of 400000 numbers, found 2 "
                                      r"\(at layers\[0\]\.weights\[0\]\)")
    assert peak < 4 * 2**20  # refused before 400,000 Values were made


def test_claimed_number_of_rows_is_checked_before_building(tmp_path):
    doc = _doc()
    doc["sizes"] = [200_000, 1]
    path = _write(tmp_path, json.dumps(doc))
    _, _, peak = _refused(path, r"layer 1 should have 200000 rows of weights, found 3 \(at layers\[0\]\.weights\)")
    assert peak < 4 * 2**20


def test_oversized_file_is_refused_before_reading(tmp_path, monkeypatch):
    path = _write(tmp_path, json.dumps(_doc()))
    monkeypatch.setattr(model_io, "MAX_FILE_BYTES", 100)
    _refused(path, r"is \d+ bytes, more than a model file of at most 1,000,000 parameters takes \(100 bytes\)")


@pytest.mark.parametrize("field, value, match", [
    ("nin", 0, r"bad architecture: nin is 0, not a positive int"),
    ("nin", "2", r"bad architecture: nin is '2', not a positive int"),
    ("nin", True, r"bad architecture: nin is True, not a positive int"),
    ("sizes", [3, -1], r"bad architecture: sizes\[1\] is -1, not a positive int"),
    ("sizes", [], r"bad architecture: sizes is a list of 0 items, not a non-empty list"),
    ("activation", ["tanh"], r"bad architecture: activation is a list of 1 items, not an activation name"),
])
def test_bad_architecture_fields_are_named(tmp_path, field, value, match):
    doc = _doc()
    doc[field] = value
    _refused(_write(tmp_path, json.dumps(doc)), match)


# ---------------------------------------------------------------------------
# Deep nesting and huge integers
# ---------------------------------------------------------------------------
def test_hundred_thousand_nested_lists(tmp_path):
    text = json.dumps(_doc()).replace('"weights": [', '"weights": ' + "[" * 100_000, 1)
    message, seconds, _ = _refused(_write(tmp_path, text),
                                   r"nests lists or objects too deeply \(at line 1 inside 'weights'\)")
    assert seconds < 2.0


def test_nesting_under_the_parser_limit_is_a_shape_error(tmp_path):
    doc = _doc()
    nested = 0.5
    for _ in range(500):
        nested = [nested]
    doc["layers"][0]["weights"][0][1] = nested
    _refused(_write(tmp_path, json.dumps(doc)),
             r"layer 1 unit 1 weights contains a list of 1 items, which is not a finite number \(at layers\[0\]\.weights\[0\]\[1\]\)")


@pytest.mark.parametrize("digits", [400, 5000])
def test_huge_integer_weight(tmp_path, digits):
    # the first bias (keeping the count) becomes a huge integer literal
    loaded = _doc()
    loaded["layers"][0]["biases"][0] = "HUGE"
    text = json.dumps(loaded).replace('"HUGE"', "9" * digits)
    _refused(_write(tmp_path, text),
             rf"layer 1 biases contains an integer of {digits} digits, which is not a finite number \(at layers\[0\]\.biases\[0\]\)")


def test_huge_integer_size(tmp_path):
    text = json.dumps(_doc()).replace('"nin": 2', '"nin": ' + "1" * 5000, 1)
    _refused(_write(tmp_path, text), "bad architecture: nin is an integer of 5000 digits, not a positive int")


def test_round_trip_still_exact(tmp_path):
    model = nn.MLP(3, [5, 2], activation="relu", output="softmax", seed=3)
    model.save(tmp_path / "m.json")
    back = nn.load(tmp_path / "m.json")
    assert [p.data for p in back.parameters()] == [p.data for p in model.parameters()]


# ---------------------------------------------------------------------------
# save checks the model first
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("break_it, match", [
    (lambda m: m.sizes.append(5), r"sizes \[3, 1, 5\] lists 3 layers but the model has 2"),
    (lambda m: m.sizes.__setitem__(0, 4), r"layer 1 maps 2 inputs to 3 units, but nin and sizes say 2 to 4"),
    (lambda m: setattr(m, "nin", 7), r"layer 1 maps 2 inputs to 3 units, but nin and sizes say 7 to 3"),
    (lambda m: m.layers[0].neurons[1].w.pop(), r"layer 1 unit 2 has 1 weights, not 2"),
    (lambda m: setattr(m, "output", "sigmoid"), r"layer 2 has activation 'identity' but the model says 'sigmoid'"),
])
def test_save_refuses_an_inconsistent_model_and_keeps_the_old_file(tmp_path, break_it, match):
    path = tmp_path / "m.json"
    model = nn.MLP(2, [3, 1], seed=1)
    model.save(path)
    before = path.read_bytes()
    break_it(model)
    with pytest.raises(ModelFileError, match=r"save: the model is inconsistent \(" + match):
        model.save(path)
    assert path.read_bytes() == before
    nn.load(path)  # still a good file
