"""The performance figures in docs/performance.md and bench/README.md come from one benchmark run.

`python -m bench --docs` keeps that run as bench/last_run.json and writes both
documents from it; rendering the kept run again must give the documents' text exactly,
so no figure can be edited by hand or copied from another run."""

from __future__ import annotations

import json

import pytest

from bench import report
from bench.__main__ import spread


def generated(path) -> str:
    begin, end = report.DOCS[path]
    text = path.read_text(encoding="utf-8")
    assert text.count(begin) == 1 and text.count(end) == 1, f"{path.name}: markers missing"
    return text.split(begin)[1].split(end)[0].strip()


@pytest.mark.skipif(not report.LAST_RUN.exists(), reason="no kept benchmark run yet (python -m bench --docs)")
@pytest.mark.parametrize("path", list(report.DOCS))
def test_documents_show_the_kept_run_exactly(path):
    run = json.loads(report.LAST_RUN.read_text(encoding="utf-8"))
    assert generated(path) == report.RENDER[path](run).strip()


@pytest.mark.skipif(not report.LAST_RUN.exists(), reason="no kept benchmark run yet (python -m bench --docs)")
def test_kept_run_is_a_full_run_with_rounds():
    run = json.loads(report.LAST_RUN.read_text(encoding="utf-8"))
    meta = run["meta"]
    assert not meta["quick"] and meta["rounds"] >= 5
    assert meta["python"] and meta["started"]
    for row in run["W1"]["engines"].values():
        if not row["error"]:
            assert row["ms"]["rounds"] >= 5 and row["ms"]["min"] <= row["ms"]["median"] <= row["ms"]["max"]


def test_a_figure_is_the_median_with_its_spread():
    s = spread([3.0, 1.0, 2.0, 10.0, 4.0])
    assert s == {"median": 3.0, "min": 1.0, "max": 10.0, "rounds": 5}
    assert report.fig(s) == "3.00 (1.00–10.0)"
    assert report.fig(spread([188.0] * 5)) == "188"  # no spread to show


def test_markers_are_replaced_and_nothing_else():
    text = "a\n<!-- b -->\nold\n<!-- e -->\nz\n"
    new = report.replace_between(text, "<!-- b -->", "<!-- e -->", "new", "doc")
    assert new == "a\n<!-- b -->\nnew\n<!-- e -->\nz\n"
    assert report.replace_between(new, "<!-- b -->", "<!-- e -->", "new", "doc") == new
