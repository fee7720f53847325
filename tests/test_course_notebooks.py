"""The course notebooks are committed without outputs, so diffs stay reviewable and
nothing stale is shown to a student; `make test` executes them (nbmake)."""

from __future__ import annotations

import ast
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


def _asserts(source: str) -> list[ast.Assert]:
    """The assert statements of a code cell (IPython's magics and shell lines left out)."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return []
    return [node for node in ast.walk(tree) if isinstance(node, ast.Assert)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_checks_something(path):
    """Each notebook states a lecture formula and checks it with numbers: real assert
    statements in its code cells (not the word in a comment or a string), and a lecture cited."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    asserts = [a for c in nb["cells"] if c["cell_type"] == "code" for a in _asserts("".join(c["source"]))]
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert len(asserts) >= 2, f"{path.name} has {len(asserts)} assert statements; check the lecture's formula with numbers"
    assert "lecture" in text.lower() or any(name in text for name in ("Webster", "Bishop", "Hajij", "Caltech")), \
        f"{path.name} cites no lecture"


def test_the_assert_check_reads_code_not_words():
    assert _asserts("x = 1\nassert x == 1, 'ok'") and not _asserts("# assert nothing\ns = 'assert'")
