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
import numbers
import os
import re

from autograd.files import TooLarge, read_bounded, write_atomic
from nn.module import MLP

FORMAT = "deltagrad-mlp"
VERSION = 1

# Bounds checked BEFORE anything is allocated, so a hostile or corrupted file costs
# at most a read of MAX_FILE_BYTES, never the memory its claimed shape would take.
# A scalar engine holds each parameter as a Python object (~100 bytes with its graph
# slots) and trains at well under a million parameter updates a second: a model of
# MAX_PARAMETERS is far past anything it can train, and its file is far below
# MAX_FILE_BYTES (about 25 bytes a weight).
MAX_PARAMETERS = 1_000_000
MAX_FILE_BYTES = 64 * 2**20
MAX_DIGITS = 30  # an integer of more digits is no architecture size and no sane weight
# What the JSON parser may build, counted in the raw bytes before it runs: a file of
# MAX_PARAMETERS parameters has at most 3 + 3·layers + units ≤ 2·MAX_PARAMETERS + 3 lists and
# objects (every unit has a weight and a bias) and fewer than 3·MAX_PARAMETERS commas. A file
# past either bound (64 MiB of "[]" is 33 million lists, 1.7 GB once built) is refused while
# it is being read, so building the parsed document costs at most what a real model's does.
MAX_CONTAINERS = 2 * MAX_PARAMETERS + 16
MAX_COMMAS = 3 * MAX_PARAMETERS + 16

FIELDS = ("format", "version", "nin", "sizes", "activation", "output", "layers")
LAYER_FIELDS = ("activation", "weights", "biases")


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
                "weights": [[_float(w.data) for w in n.w] for n in layer.neurons],
                "biases": [_float(n.b.data) for n in layer.neurons],
            }
            for layer in model.layers
        ],
    }


def check_consistent(model: MLP, who: str = "save") -> None:
    """Raise ModelFileError unless the model's recorded architecture (nin, sizes,
    activations) matches its layers, so that what is written can be read back."""
    if not isinstance(model, MLP):
        raise TypeError(f"{who}: only nn.MLP models can be saved, got {type(model).__name__}")
    problem = _architecture_problem(model)
    if problem:
        raise ModelFileError(f"{who}: the model is inconsistent ({problem}); nothing was written. "
                             "Build a new nn.MLP rather than editing sizes or layers by hand")


def _architecture_problem(model: MLP) -> str:
    sizes = model.sizes
    if not isinstance(sizes, list) or not all(isinstance(s, int) and not isinstance(s, bool) for s in sizes):
        return f"sizes is {sizes!r}, not a list of ints"
    if not isinstance(model.layers, list) or len(model.layers) != len(sizes):
        return f"sizes {sizes} lists {len(sizes)} layers but the model has {len(model.layers)}"
    width = model.nin
    for l, (layer, size) in enumerate(zip(model.layers, sizes), start=1):
        if layer.nin != width or layer.nout != size or len(layer.neurons) != size:
            return (f"layer {l} maps {layer.nin} inputs to {len(layer.neurons)} units, but nin and sizes "
                    f"say {width} to {size}")
        for j, neuron in enumerate(layer.neurons, start=1):
            if len(neuron.w) != width:
                return f"layer {l} unit {j} has {len(neuron.w)} weights, not {width}"
        expected = model.output if l == len(sizes) else model.activation
        if layer.activation != expected:
            return f"layer {l} has activation {layer.activation!r} but the model says {expected!r}"
        width = size
    return ""


def save(model: MLP, path) -> None:
    """Write `model` to `path` as JSON, atomically (the old file survives a failed write).

    The model is checked first (its sizes agree with its layers, every weight is a
    finite number), so a save never replaces a good file with one `load` refuses."""
    path = os.fspath(path)
    check_consistent(model)
    problem = _parameter_problem(model)
    if problem:
        raise ModelFileError(f"{path}: could not write the model: {problem}; the previous file, if any, is unchanged")
    try:
        text = json.dumps(to_dict(model), indent=1, allow_nan=False) + "\n"
    except (TypeError, ValueError) as err:  # a weight JSON cannot hold (nan, inf, not a number)
        raise ModelFileError(f"{path}: could not write the model ({err}); the previous file, if any, is unchanged") from err
    write_atomic(path, text, who="save")


# `model.save(path)` is `save` as a method of MLP. It is attached here, beside `load` and
# the format, rather than written in nn/module.py: what a network is need not know about
# files, and the two modules do not import each other (nn/__init__.py imports this module,
# so every MLP has the method).
MLP.save = save


def _float(v):
    """A parameter's data as the float the file holds: a real number (an int, a NumPy
    float32) is converted; anything else is left as it is, for `save` to refuse."""
    if isinstance(v, numbers.Real) and not isinstance(v, bool):
        try:
            return float(v)
        except (OverflowError, ValueError, TypeError):
            return v
    return v


def _parameter_problem(model: MLP) -> str:
    """The first parameter whose data `load` would refuse (not a real number with a finite
    float, e.g. "0.5", True, None, [0.5], 10**400, nan), named by its place in the file, or ""."""
    for l, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            named = [(f"layers[{l}].weights[{j}][{k}] (layer {l + 1} unit {j + 1} weight {k + 1})", w)
                     for k, w in enumerate(neuron.w)]
            named.append((f"layers[{l}].biases[{j}] (layer {l + 1} unit {j + 1} bias)", neuron.b))
            for where, p in named:
                v = _float(p.data)
                if not isinstance(v, float) or not math.isfinite(v):
                    return f"{where} is {_describe(p.data)}, not a finite number"
    return ""




def _fail(path: str, problem: str) -> ModelFileError:
    return ModelFileError(f"{path}: {problem}")


class _BigInt(str):
    """An integer literal of more than MAX_DIGITS digits, kept as its text: converting
    it could be slow (or refused by Python's int-string limit) and is never needed."""


def _parse_int(text: str):
    return _BigInt(text) if len(text.lstrip("-")) > MAX_DIGITS else int(text)


def _describe(v) -> str:
    """A value for an error message, short whatever it is (never a deep repr)."""
    if isinstance(v, _BigInt):
        return f"an integer of {len(v.lstrip('-'))} digits"
    if isinstance(v, (list, dict)):
        return f"a {'list' if isinstance(v, list) else 'JSON object'} of {len(v)} items"
    if isinstance(v, str):
        return repr(v) if len(v) <= 40 else repr(v[:39] + "…")
    if isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > 100:
        return f"an integer of about {int(v.bit_length() * math.log10(2)) + 1} digits"  # repr could refuse it
    text = repr(v)
    return text if len(text) <= 60 else text[:59] + "…"


def _numbers(path: str, values, count: int, what: str, key: str) -> list[float]:
    if not isinstance(values, list) or len(values) != count:
        got = len(values) if isinstance(values, list) else _describe(values)
        raise _fail(path, f"{what} should be a list of {count} numbers, found {got} (at {key}); the file is inconsistent")
    out = []
    for i, v in enumerate(values):
        f = math.nan
        if isinstance(v, float) or (isinstance(v, int) and not isinstance(v, bool)):
            f = float(v)  # ints here have at most MAX_DIGITS digits: no overflow
        if not math.isfinite(f):
            raise _fail(path, f"{what} contains {_describe(v)}, which is not a finite number (at {key}[{i}])")
        out.append(f)
    return out


def _size(path: str, v, key: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise _fail(path, f"bad architecture: {key} is {_describe(v)}, not a positive int")
    return v


def from_dict(doc, path: str = "<model>") -> MLP:
    """Rebuild an MLP from a document made by `to_dict`, checking every part.

    Every shape is checked against the weights actually present, and the number of
    parameters against MAX_PARAMETERS, before the model is built."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _fail(path, f"not a deltagrad model file (expected \"format\": \"{FORMAT}\")")
    unknown = [k for k in doc if k not in FIELDS]
    if unknown:
        raise _fail(path, f"unknown field {_describe(unknown[0])} at the top level; a model file has only "
                          f"{', '.join(FIELDS)}")
    if doc.get("version") != VERSION:
        raise _fail(path, f"file format version {_describe(doc.get('version'))} is not supported (this deltagrad reads version {VERSION}); re-save the model with a matching deltagrad")
    for key in ("nin", "sizes", "activation", "output"):
        if key not in doc:
            raise _fail(path, f"missing field {key!r}")
    nin = _size(path, doc["nin"], "nin")
    sizes = doc["sizes"]
    if not isinstance(sizes, list) or not sizes:
        raise _fail(path, f"bad architecture: sizes is {_describe(sizes)}, not a non-empty list of layer widths")
    sizes = [_size(path, s, f"sizes[{l}]") for l, s in enumerate(sizes)]
    widths = [nin] + sizes
    count = sum((widths[l] + 1) * sizes[l] for l in range(len(sizes)))  # weights and biases
    if count > MAX_PARAMETERS:
        raise _fail(path, f"bad architecture: nin {nin} and sizes {_short_list(sizes)} mean {count:,} parameters, "
                          f"more than this engine loads ({MAX_PARAMETERS:,}); the file is corrupted or not for deltagrad")
    layers = doc.get("layers")
    if not isinstance(layers, list) or len(layers) != len(sizes):
        got = len(layers) if isinstance(layers, list) else "none"
        raise _fail(path, f"expected {len(sizes)} layers (sizes {_short_list(sizes)}), found {got}; the file is inconsistent")
    # shapes first, against what is present: nothing is allocated for a claim the file does not back
    for l, entry in enumerate(layers):
        if not isinstance(entry, dict):
            raise _fail(path, f"layer {l + 1} (layers[{l}]) is {_describe(entry)}, not a JSON object")
        unknown = [k for k in entry if k not in LAYER_FIELDS]
        if unknown:
            raise _fail(path, f"unknown field {_describe(unknown[0])} at layers[{l}]; a layer has only "
                              f"{', '.join(LAYER_FIELDS)}")
        weights = entry.get("weights")
        if not isinstance(weights, list) or len(weights) != sizes[l]:
            got = len(weights) if isinstance(weights, list) else "none"
            raise _fail(path, f"layer {l + 1} should have {sizes[l]} rows of weights, found {got} (at layers[{l}].weights); the file is inconsistent")
        for j, row in enumerate(weights):
            if not isinstance(row, list) or len(row) != widths[l]:
                got = len(row) if isinstance(row, list) else _describe(row)
                raise _fail(path, f"layer {l + 1} unit {j + 1} weights should be a list of {widths[l]} numbers, "
                                  f"found {got} (at layers[{l}].weights[{j}]); the file is inconsistent")
    for key in ("activation", "output"):
        if not isinstance(doc[key], str):
            raise _fail(path, f"bad architecture: {key} is {_describe(doc[key])}, not an activation name")
    try:
        model = MLP(nin, sizes, activation=doc["activation"], output=doc["output"])
    except (TypeError, ValueError) as err:
        raise _fail(path, f"bad architecture: {err}") from None
    for l, (layer, entry) in enumerate(zip(model.layers, layers), start=1):
        if entry.get("activation") != layer.activation:
            raise _fail(path, f"layer {l} has activation {_describe(entry.get('activation'))} but the architecture says {layer.activation!r}")
        biases = _numbers(path, entry.get("biases"), layer.nout, f"layer {l} biases", f"layers[{l - 1}].biases")
        for j, (neuron, row) in enumerate(zip(layer.neurons, entry["weights"]), start=1):
            row = _numbers(path, row, layer.nin, f"layer {l} unit {j} weights", f"layers[{l - 1}].weights[{j - 1}]")
            for w, v in zip(neuron.w, row):
                w.data = v
            neuron.b.data = biases[j - 1]
    return model


def _short_list(sizes: list[int]) -> str:
    return str(sizes) if len(sizes) <= 8 else f"[{', '.join(map(str, sizes[:8]))}, … ({len(sizes)} layers)]"


# JSON tokens that matter for nesting: strings (maybe object keys) and brackets.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"\s*:?|[\[\]{}]')


def _too_deep(text: str, limit: int = 100) -> str:
    """Where `text` first nests deeper than `limit`: the line and the last key before it.
    (Only called once the JSON parser has given up, so its cost does not matter.)"""
    depth, key = 0, None
    for m in _TOKEN.finditer(text):
        token = m.group()
        if token[0] == '"':
            if token.endswith(":"):
                key = token[1 : token.rindex('"')]
        elif token in "[{":
            depth += 1
            if depth > limit:
                line = text.count("\n", 0, m.start()) + 1
                where = f" inside {key!r}" if key is not None else ""
                return f"at line {line}{where}"
        else:
            depth -= 1
    return "somewhere"


class _Repeated(dict):
    """A JSON object in which a key appeared more than once (`repeated` is the first)."""
    repeated: str = ""


def _strict_objects(found: list):
    """An object_pairs_hook for json.loads: a dict, marked (and noted in `found`) when a key
    repeats, where json.loads alone would keep the last one silently."""
    def objects(pairs: list) -> dict:
        obj = dict(pairs)
        if len(obj) == len(pairs):
            return obj
        seen: set = set()
        marked = _Repeated(obj)
        marked.repeated = next(k for k, _ in pairs if k in seen or seen.add(k))
        found.append(marked)
        return marked
    return objects


def _find_repeated(doc) -> tuple[str, str]:
    """(path, key) of the first object with a repeated key, walking the parsed document."""
    stack = [(doc, "")]
    while stack:
        node, where = stack.pop()
        if isinstance(node, _Repeated):
            return where, node.repeated
        if isinstance(node, dict):
            stack.extend((v, f"{where}.{k}" if where else str(k)) for k, v in reversed(node.items())
                         if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend((v, f"{where}[{i}]") for i, v in reversed(list(enumerate(node)))
                         if isinstance(v, (dict, list)))
    return "", ""


def _read_bounded(path: str) -> str:
    """The file's text, read in chunks that are counted as they come (autograd.files.read_bounded:
    never more than MAX_FILE_BYTES + 1 bytes): more than MAX_FILE_BYTES, MAX_CONTAINERS brackets
    or MAX_COMMAS commas is refused at once, before any parsing."""
    counted = {"bytes": 0, "containers": 0, "commas": 0}

    def count(chunk: bytes) -> None:
        counted["bytes"] += len(chunk)
        counted["containers"] += chunk.count(b"[") + chunk.count(b"{")
        counted["commas"] += chunk.count(b",")
        if counted["containers"] > MAX_CONTAINERS or counted["commas"] > MAX_COMMAS:
            what = (f"more than {MAX_CONTAINERS:,} lists and objects" if counted["containers"] > MAX_CONTAINERS
                    else f"more than {MAX_COMMAS:,} values")
            raise _fail(path, f"holds {what} in its first {counted['bytes']:,} bytes, more than a model of "
                              f"{MAX_PARAMETERS:,} parameters has; it is corrupted or not a deltagrad model")

    try:
        data = read_bounded(path, MAX_FILE_BYTES, who="load", check=count,
                            what=f"a model file of at most {MAX_PARAMETERS:,} parameters")
    except TooLarge as err:
        if err.size is not None:
            raise _fail(path, f"is {err.size:,} bytes, more than a model file of at most {MAX_PARAMETERS:,} "
                              f"parameters takes ({MAX_FILE_BYTES:,} bytes); it is not a deltagrad model") from None
        raise _fail(path, f"holds more than {MAX_FILE_BYTES:,} bytes; it is not a deltagrad model") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise _fail(path, f"is not UTF-8 text (byte 0x{data[err.start]:02x} at line {line}); a model file is "
                          "the JSON that save writes, in UTF-8") from None


def load(path) -> MLP:
    """Read a model written by `save` (or `model.save`); errors are `ModelFileError`s.

    A file larger than MAX_FILE_BYTES is refused before it is read; one with more lists
    or values than a model of MAX_PARAMETERS parameters has is refused while it is read
    (before the JSON parser builds anything); a key given twice, or a field this format
    does not have, is refused with where it is."""
    path = os.fspath(path)
    try:
        text = _read_bounded(path)
    except FileNotFoundError:
        raise _fail(path, "no such file; check the path (models are saved with model.save(path))") from None
    except (OSError, UnicodeDecodeError) as err:
        raise _fail(path, f"cannot be read ({err})") from None
    try:
        repeated: list = []
        doc = json.loads(text, parse_int=_parse_int, object_pairs_hook=_strict_objects(repeated))
    except json.JSONDecodeError as err:
        raise _fail(path, f"is not valid JSON (truncated or corrupted? {err.msg} at line {err.lineno}, column {err.colno})") from None
    except (RecursionError, MemoryError):
        raise _fail(path, f"nests lists or objects too deeply ({_too_deep(text)}); a model file nests 4 levels "
                          "(file, layers, weights, rows) — it is corrupted or not a deltagrad model") from None
    del text
    where, key = _find_repeated(doc) if repeated else ("", "")
    if key:
        raise _fail(path, f"the key {_describe(key)} appears twice in the object at {where or 'the top level'}; "
                          "a model file names each field once (which one was meant?)")
    return from_dict(doc, path)
