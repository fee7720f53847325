"""otter-grader itself grades a deltagrad exercise: `otter assign` makes the student's
notebook and the autograder from a master notebook whose test cell asserts
`Exercise.feedback(...).ok`, and `otter run` grades three submissions (a sign slip, the
right number written with a real minus sign, a word). The scores are otter's, and what
the student is shown — the assertion message in otter's results — names the slip in the
lectures' words and holds no engine value."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import nn

otter = pytest.importorskip("otter", reason="otter-grader is not installed (make test installs the 'grading' extra)")
nbformat = pytest.importorskip("nbformat", reason="nbformat is needed to write the notebooks")

ROOT = Path(__file__).resolve().parent.parent
SEED = 7


def _master(path: Path) -> None:
    """The instructor's notebook in otter's format: one question, its solution, its test."""
    v4 = nbformat.v4
    nb = v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        v4.new_raw_cell("# ASSIGNMENT CONFIG\nrequirements: null\nexport_cell: false\ncheck_all_cell: false\n"
                        "run_tests: true\nfiles: []"),
        v4.new_markdown_cell("Work out ∂E/∂w^{(1)}_{1,1} of the handout's network to 3 significant figures."),
        v4.new_code_cell(f"import nn\nex = nn.exercise([2, 2, 1], 'tanh', 'half_sse', seed={SEED})"),
        v4.new_raw_cell("# BEGIN QUESTION\nname: q1\npoints: 1"),
        v4.new_raw_cell("# BEGIN SOLUTION"),
        v4.new_code_cell("dE_dw11 = f\"{ex.solution()['w[1]_{1,1}']:.3g}\"  # SOLUTION"),
        v4.new_raw_cell("# END SOLUTION"),
        v4.new_raw_cell("# BEGIN TESTS"),
        v4.new_code_cell("feedback = ex.feedback({'w[1]_{1,1}': dE_dw11})\nassert feedback.ok, feedback"),
        v4.new_raw_cell("# END TESTS"),
        v4.new_raw_cell("# END QUESTION"),
    ]
    nbformat.write(nb, path)


def _otter(*args: str, cwd: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "otter", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """{submission: otter's results.json} for three students' notebooks."""
    work = tmp_path_factory.mktemp("otter")
    _master(work / "master.ipynb")
    _otter("assign", "master.ipynb", "dist", cwd=work)
    student = nbformat.read(work / "dist" / "student" / "master.ipynb", 4)
    assert "solution()" not in json.dumps(student), "otter assign left the solution in the student's notebook"
    [autograder] = (work / "dist" / "autograder").glob("*.zip")
    right = nn.exercise([2, 2, 1], "tanh", "half_sse", seed=SEED).solution()["w[1]_{1,1}"]
    answers = {"sign": f"'{-right:.3g}'", "right": f"'{right:.3g}'".replace("-", "−"), "word": "'about a tenth'"}
    results = {}
    for name, answer in answers.items():
        submission = copy.deepcopy(student)
        [cell] = [c for c in submission.cells if c.source.startswith("dE_dw11 = ...")]
        cell.source = f"dE_dw11 = {answer}"
        nbformat.write(submission, work / f"{name}.ipynb")
        (work / name).mkdir()
        _otter("run", "-a", str(autograder), "-o", name, "--no-logo", f"{name}.ipynb", cwd=work)
        results[name] = json.loads((work / name / "results.json").read_text(encoding="utf-8"))
    return results, right


def _score(result) -> float:
    return next(t["score"] for t in result["tests"] if t["name"] == "q1")


def _shown(result) -> str:
    return "\n".join(t.get("output", "") for t in result["tests"])


def test_otter_scores_the_submissions(graded):
    results, _ = graded
    assert _score(results["right"]) == 1.0
    assert _score(results["sign"]) == 0 and _score(results["word"]) == 0


def test_what_otter_shows_names_the_slip_and_holds_no_answer(graded):
    results, right = graded
    sign, word = _shown(results["sign"]), _shown(results["word"])
    assert "Likely slip: the size is right but the sign is wrong" in sign
    assert "not a number I can read" in word and "Traceback (most recent call last)" in word  # the assert's, not ours
    assert "TypeError" not in word and "ValueError" not in word
    for text in (sign, word):
        names = re.sub(r"[A-Za-z]\^\{\(\d+\)\}_\{[\d,]+\}|w\[\d\]_\{\d,\d\}|line \d+|Line \d+|\d+\.\d+\.\d+", " ", text)
        numbers = [float(n) for n in re.findall(r"\d+\.\d+(?:e-?\d+)?", names)]
        assert not [n for n in numbers if abs(n - abs(right)) <= 0.01 * abs(right)], text
