"""`make demo` / `deltagrad demo`: trains, reaches the accuracy it reports, and writes
every file it promises — loadable, parseable, not empty."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

import nn
from nn.cli import main

from support import needs_dot


@needs_dot
def test_demo_trains_and_writes_its_files(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    accuracy = int(re.search(r"training accuracy (\d+)%", printed).group(1))
    assert accuracy >= 95
    names = ["loss_curve.png", "decision_boundary.png", "network.svg", "neuron.svg", "stepper.html", "model.json"]
    for name in names:
        path = tmp_path / name
        assert path.stat().st_size > 0, name
        assert str(path) in printed, f"the demo did not say it wrote {name}"
    for name in ["loss_curve.png", "decision_boundary.png"]:
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for name in ["network.svg", "neuron.svg"]:
        ET.parse(tmp_path / name)
    assert "δ" in (tmp_path / "stepper.html").read_text(encoding="utf-8")
    model = nn.load(tmp_path / "model.json")  # the saved model reproduces the accuracy
    X, y = nn.data.moons(100, noise=0.1, seed=0)
    assert round(100 * nn.accuracy(model, X, y, "hinge")) == accuracy
    assert json.loads((tmp_path / "model.json").read_text())  # plain JSON


def test_demo_rejects_a_bad_epoch_count(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--epochs", "0"]) == 2
    assert "--epochs" in capsys.readouterr().err
