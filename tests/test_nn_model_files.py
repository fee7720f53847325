"""Hostile model files: nn.load refuses them with a ModelFileError naming the file and
the key, before allocating anything their claims would cost; `save` refuses to write
a model that `load` would refuse."""

import json
import os
import re
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
    return (message, peak bytes traced)."""
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match=match) as info:
            nn.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(info.value).startswith(f"{path}: ")
    return str(info.value), peak


# ---------------------------------------------------------------------------
# Claimed shapes: bounded before allocating
# ---------------------------------------------------------------------------
def test_file_claiming_a_billion_inputs_is_refused_at_once(tmp_path):
    doc = _doc()
    doc["nin"] = 10**9
    path = _write(tmp_path, json.dumps(doc))
    assert path.stat().st_size < 1000
    message, peak = _refused(path, r"nin 1000000000 and sizes \[3, 1\] mean 3,000,000,007 parameters")
    # a denial-of-service bound: today's engine would need ~10¹¹ bytes
    assert peak < 4 * 2**20  # nothing of the claimed size was allocated


def test_file_claiming_ten_million_inputs_is_refused(tmp_path):
    doc = _doc()
    doc["nin"] = 10_000_000
    path = _write(tmp_path, json.dumps(doc))
    _, peak = _refused(path, "more than this engine loads")
    assert peak < 4 * 2**20


def test_claimed_width_under_the_bound_is_checked_against_the_weights_present(tmp_path):
    doc = _doc(sizes=(1,))
    doc["nin"] = 400_000  # 400,001 parameters: under the bound, but the file holds 3 numbers
    path = _write(tmp_path, json.dumps(doc))
    message, peak = _refused(path, r"layer 1 unit 1 weights should be a list of 400000 numbers, found 2 "
                                      r"\(at layers\[0\]\.weights\[0\]\)")
    assert peak < 4 * 2**20  # refused before 400,000 Values were made


def test_claimed_number_of_rows_is_checked_before_building(tmp_path):
    doc = _doc()
    doc["sizes"] = [200_000, 1]
    path = _write(tmp_path, json.dumps(doc))
    _, peak = _refused(path, r"layer 1 should have 200000 rows of weights, found 3 \(at layers\[0\]\.weights\)")
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
    _refused(_write(tmp_path, text), r"nests lists or objects too deeply \(at line 1 inside 'weights'\)")


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


@pytest.mark.parametrize("data, shown", [
    ("0.5", "'0.5'"), (True, "True"), (None, "None"), ([0.5], "a list of 1 items"),
    (10**400, "an integer of about 401 digits"), (10**309, "an integer of about 310 digits"),
    (float("inf"), "inf"), (object(), "<object object at"),
])
def test_save_refuses_a_parameter_load_would_refuse_and_keeps_the_old_file(tmp_path, data, shown):
    path = tmp_path / "m.json"
    model = nn.MLP(2, [3, 1], seed=1)
    model.save(path)
    before = path.read_bytes()
    model.layers[1].neurons[0].w[2].data = data
    with pytest.raises(ModelFileError, match=rf"{path}: could not write the model: layers\[1\]\.weights\[0\]\[2\] "
                                             rf"\(layer 2 unit 1 weight 3\) is {re.escape(shown)}"):
        model.save(path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.json"]
    model.layers[1].neurons[0].w[2].data = 3  # an int is a number: written, and read back as 3.0
    model.save(path)
    assert nn.load(path).layers[1].neurons[0].w[2].data == 3.0


# ---------------------------------------------------------------------------
# Strict keys: a key given twice, or a field the format does not have
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("old, new, where", [
    ('"nin": 2,', '"nin": 2, "nin": 3,', r"'nin' appears twice in the object at the top level"),
    ('"biases": [', '"biases": [1, 2, 3], "biases": [', r"'biases' appears twice in the object at layers\[0\]"),
])
def test_a_repeated_key_is_refused_with_where_it_is(tmp_path, old, new, where):
    text = json.dumps(_doc())
    assert old in text
    _refused(_write(tmp_path, text.replace(old, new, 1)), where)


def test_a_repeated_key_deep_inside_is_found(tmp_path):
    doc = _doc()
    doc["layers"][1]["weights"][0] = [{"x": 1}]
    text = json.dumps(doc).replace('{"x": 1}', '{"x": 1, "x": 2}')
    _refused(_write(tmp_path, text), r"'x' appears twice in the object at layers\[1\]\.weights\[0\]\[0\]")


@pytest.mark.parametrize("change, where", [
    (lambda d: d.update(comment="mine"), "unknown field 'comment' at the top level"),
    (lambda d: d["layers"][1].update(dropout=0.5), r"unknown field 'dropout' at layers\[1\]"),
])
def test_an_unknown_field_is_refused_with_where_it_is(tmp_path, change, where):
    doc = _doc()
    change(doc)
    _refused(_write(tmp_path, json.dumps(doc)), where)


# ---------------------------------------------------------------------------
# Bounded work: what the parser would build is counted while the file is read
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("unit", ["[]", "[0],", "{}", "0,"])
def test_sixty_four_mebibytes_of_structure_is_refused_while_reading(tmp_path, unit):
    # 64 MiB of "[]" once built into lists peaked at 1.7 GB before the first check
    body = unit * ((model_io.MAX_FILE_BYTES - 200) // len(unit))
    text = '{"format": "deltagrad-mlp", "version": 1, "x": [' + body.rstrip(",") + "]}"
    path = _write(tmp_path, text)
    assert path.stat().st_size <= model_io.MAX_FILE_BYTES
    message, peak = _refused(path, r"more than [\d,]+ (lists and objects|values) in its first [\d,]+ bytes")
    assert peak < 16 * 2**20, peak  # a few chunks read, never the file, never what it would build


def test_a_real_model_of_many_parameters_still_loads_within_a_bounded_peak(tmp_path):
    model = nn.MLP(200, [200, 10], seed=2)  # 42,210 parameters
    model.save(tmp_path / "m.json")
    tracemalloc.start()
    try:
        back = nn.load(tmp_path / "m.json")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [p.data for p in back.parameters()] == [p.data for p in model.parameters()]
    assert peak < 2000 * len(model.parameters()), peak  # the file, the parse and the Values: ~1 kB a parameter


@pytest.mark.parametrize("encoding, byte, line", [("utf-16", "0xff", 1), ("cp1252", "0xe9", 3)])
def test_a_file_in_another_encoding_is_named_with_its_line(tmp_path, encoding, byte, line):
    lines = json.dumps(_doc(), indent=1).split("\n")
    lines.insert(2, ' "é": 1,')  # an editor's cp1252 é on line 3
    path = tmp_path / "m.json"
    path.write_bytes("\n".join(lines).encode(encoding))
    _refused(path, rf"is not UTF-8 text \(byte {byte} at line {line}\)")


def test_save_writes_any_real_number_as_its_float(tmp_path):
    numpy = pytest.importorskip("numpy", reason="NumPy is optional; its float32 is the case tried here")

    model = nn.MLP(2, [3, 1], seed=1)
    model.layers[0].neurons[0].w[0].data = numpy.float32(0.25)
    model.layers[0].neurons[0].w[1].data = 10**40  # a float in range, written as 1e+40
    model.layers[0].neurons[1].b.data = 3
    model.save(tmp_path / "m.json")
    back = nn.load(tmp_path / "m.json")
    assert back.layers[0].neurons[0].w[0].data == 0.25 and back.layers[0].neurons[0].w[1].data == 1e40
    assert back.layers[0].neurons[1].b.data == 3.0
