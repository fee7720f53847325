"""nn.io: save → load gives the same model; every broken file gives a ModelFileError."""

import json
import os

import pytest

import nn
from nn.io import ModelFileError


def _model():
    return nn.MLP(3, [4, 3, 2], activation="relu", output="softmax", seed=5)


def test_round_trip_identical_predictions_and_weights(tmp_path):
    model = _model()
    path = tmp_path / "m.json"
    model.save(path)
    back = nn.load(path)
    assert (back.nin, back.sizes, back.activation, back.output) == (3, [4, 3, 2], "relu", "softmax")
    assert [p.data for p in back.parameters()] == [p.data for p in model.parameters()]  # exact floats
    X = [[0.1, -0.5, 2.0], [1.0, 1.0, -3.0]]
    assert nn.predict(back, X) == nn.predict(model, X)
    assert json.loads(path.read_text())["format"] == "deltagrad-mlp"


def _write(tmp_path, text):
    path = tmp_path / "bad.json"
    path.write_text(text)
    return path


def _doc():
    return nn.io.to_dict(_model())


def _corrupt(change):
    doc = _doc()
    change(doc)
    return json.dumps(doc)


@pytest.mark.parametrize(
    "text, match",
    [
        (json.dumps(_doc())[:-40], "not valid JSON"),
        ("", "not valid JSON"),
        (json.dumps({"hello": 1}), "not a deltagrad model file"),
        (_corrupt(lambda d: d.update(version=99)), "version 99 is not supported"),
        (_corrupt(lambda d: d.pop("sizes")), "missing field 'sizes'"),
        (_corrupt(lambda d: d.update(activation="swish")), "bad architecture.*swish"),
        (_corrupt(lambda d: d["layers"].pop()), "expected 3 layers"),
        (_corrupt(lambda d: d["layers"][1]["weights"][0].pop()), "layer 2 unit 1 weights should be a list of 4"),
        (_corrupt(lambda d: d["layers"][0]["weights"].pop()), "layer 1 should have 4 rows"),
        (_corrupt(lambda d: d["layers"][2]["biases"].append(0.0)), "layer 3 biases should be a list of 2"),
        (_corrupt(lambda d: d["layers"][0]["biases"].__setitem__(0, "x")), "not a finite number"),
        (_corrupt(lambda d: d["layers"][2].update(activation="tanh")), "layer 3 has activation 'tanh'"),
    ],
)
def test_corrupt_files_raise_model_file_error_naming_file(tmp_path, text, match):
    path = _write(tmp_path, text)
    with pytest.raises(ModelFileError, match=match) as info:
        nn.load(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="no such file"):
        nn.load(tmp_path / "nope.json")


def test_failed_write_leaves_old_file_intact(tmp_path):
    path = tmp_path / "m.json"
    model = _model()
    model.save(path)
    before = path.read_bytes()
    # A parameter that JSON cannot encode makes json.dump fail halfway through the file.
    model.layers[-1].neurons[-1].b.data = object()
    with pytest.raises(ModelFileError, match="could not write"):
        model.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.json"]  # no temporary file left behind


def test_save_refuses_non_finite_weight(tmp_path):
    model = _model()
    model.parameters()[0].data = float("nan")
    with pytest.raises(ModelFileError, match="m.json"):
        model.save(tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()
