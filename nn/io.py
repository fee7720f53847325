"""Saving and loading an MLP as a small, readable JSON file.

    {
      "format": "deltagrad-mlp", "version": 1,
      "nin": 2, "sizes": [4, 1], "activation": "tanh", "output": "sigmoid",
      "layers": [
        {"activation": "tanh", "weights": [[w_11, w_12], ...], "biases": [b_1, ...]},
        ...
      ]
    }

`weights[j][k]` is w_jk of that layer (unit j, input k; 0-based here). Floats are
written with Python's repr, so a load gives back exactly the same numbers.
Writes are atomic: the JSON goes to a temporary file in the same directory, which
replaces the old file only once it is complete.
"""

from __future__ import annotations

import json
import math
import os

from autograd.files import write_atomic
from nn.module import MLP

FORMAT = "deltagrad-mlp"
VERSION = 1


class ModelFileError(ValueError):
    """A model file could not be written or read; the message names the file and the problem."""


def to_dict(model: MLP) -> dict:
    """The JSON document for `model` (architecture, activations and every weight)."""
    if not isinstance(model, MLP):
        raise TypeError(f"save: only nn.MLP models can be saved, got {type(model).__name__}")
    return {
        "format": FORMAT,
        "version": VERSION,
        "nin": model.nin,
        "sizes": list(model.sizes),
        "activation": model.activation,
        "output": model.output,
        "layers": [
            {
                "activation": layer.activation,
                "weights": [[w.data for w in n.w] for n in layer.neurons],
                "biases": [n.b.data for n in layer.neurons],
            }
            for layer in model.layers
        ],
    }


def save(model: MLP, path) -> None:
    """Write `model` to `path` as JSON, atomically (the old file survives a failed write)."""
    path = os.fspath(path)
    try:
        text = json.dumps(to_dict(model), indent=1, allow_nan=False) + "\n"
    except (TypeError, ValueError) as err:  # a weight JSON cannot hold (nan, inf, not a number)
        raise ModelFileError(f"{path}: could not write the model ({err}); the previous file, if any, is unchanged") from err
    write_atomic(path, text, who="save")


def _fail(path: str, problem: str) -> ModelFileError:
    return ModelFileError(f"{path}: {problem}")


def _numbers(path: str, values, count: int, what: str) -> list[float]:
    if not isinstance(values, list) or len(values) != count:
        got = len(values) if isinstance(values, list) else type(values).__name__
        raise _fail(path, f"{what} should be a list of {count} numbers, found {got}; the file is inconsistent")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise _fail(path, f"{what} contains {v!r}, which is not a finite number")
    return [float(v) for v in values]


def from_dict(doc, path: str = "<model>") -> MLP:
    """Rebuild an MLP from a document made by `to_dict`, checking every part."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _fail(path, f"not a deltagrad model file (expected \"format\": \"{FORMAT}\")")
    if doc.get("version") != VERSION:
        raise _fail(path, f"file format version {doc.get('version')!r} is not supported (this deltagrad reads version {VERSION}); re-save the model with a matching deltagrad")
    try:
        model = MLP(doc["nin"], doc["sizes"], activation=doc["activation"], output=doc["output"])
    except KeyError as err:
        raise _fail(path, f"missing field {err.args[0]!r}") from None
    except (TypeError, ValueError) as err:
        raise _fail(path, f"bad architecture: {err}") from None
    layers = doc.get("layers")
    if not isinstance(layers, list) or len(layers) != len(model.layers):
        got = len(layers) if isinstance(layers, list) else "none"
        raise _fail(path, f"expected {len(model.layers)} layers (sizes {model.sizes}), found {got}; the file is inconsistent")
    for l, (layer, entry) in enumerate(zip(model.layers, layers), start=1):
        if not isinstance(entry, dict):
            raise _fail(path, f"layer {l} is not an object")
        if entry.get("activation") != layer.activation:
            raise _fail(path, f"layer {l} has activation {entry.get('activation')!r} but the architecture says {layer.activation!r}")
        weights = entry.get("weights")
        if not isinstance(weights, list) or len(weights) != layer.nout:
            got = len(weights) if isinstance(weights, list) else "none"
            raise _fail(path, f"layer {l} should have {layer.nout} rows of weights, found {got}; the file is inconsistent")
        biases = _numbers(path, entry.get("biases"), layer.nout, f"layer {l} biases")
        for j, (neuron, row) in enumerate(zip(layer.neurons, weights), start=1):
            row = _numbers(path, row, layer.nin, f"layer {l} unit {j} weights")
            for w, v in zip(neuron.w, row):
                w.data = v
            neuron.b.data = biases[j - 1]
    return model


def load(path) -> MLP:
    """Read a model written by `save` (or `model.save`); errors are `ModelFileError`s."""
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise _fail(path, "no such file; check the path (models are saved with model.save(path))") from None
    except (OSError, UnicodeDecodeError) as err:
        raise _fail(path, f"cannot be read ({err})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise _fail(path, f"is not valid JSON (truncated or corrupted? {err.msg} at line {err.lineno}, column {err.colno})") from None
    return from_dict(doc, path)
