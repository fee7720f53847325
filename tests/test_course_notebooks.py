"""The course notebooks are committed without outputs, so diffs stay reviewable and
nothing stale is shown to a student; `make test` executes them (nbmake)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def test_the_course_has_its_notebooks():
    names = [p.stem for p in NOTEBOOKS]
    assert len(names) >= 8, names
    assert names == sorted(names) and all(n[:2].isdigit() for n in names)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs", []) == [], f"{path.name} cell {i} has outputs; strip them"
            assert cell.get("execution_count") is None, f"{path.name} cell {i} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_checks_something(path):
    """Each notebook states a lecture formula and checks it with numbers (assert cells)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "assert" in code, f"{path.name} has no assert cell"
    assert "seed" in text.lower() or "lecture" in text.lower(), f"{path.name} cites no lecture"
