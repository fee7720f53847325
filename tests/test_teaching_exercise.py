"""Checked exercises.

The helpers (`autograd.check_answer`, `autograd.check_derivative`) call a right answer
right and a wrong one wrong, and never show the solution. Every notebook carries an
exercise in the convention of notebooks/README.md; for each one, the cells it needs are
run in one kernel with the committed placeholder, the solution from the appendix and
each known wrong answer, and the check must say "not answered yet", "right" and "wrong"."""

from __future__ import annotations

import ast
import html
import json
import math
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, check_answer, check_derivative
from autograd.teaching.exercise import NOT_ANSWERED, RIGHT, WRONG, close

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


# --- the helpers --------------------------------------------------------------------
magnitudes = st.floats(1e-6, 1e6)
signs = st.sampled_from([-1.0, 1.0])
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


@given(magnitudes, signs, st.integers(2, 6))
def test_an_answer_rounded_to_the_digits_asked_is_right(size, sign, digits):
    expected = sign * size
    rounded = float(f"{expected:.{digits}g}")
    assert check_answer(rounded, expected, digits=digits).status == RIGHT


@given(magnitudes, signs, st.integers(2, 6), st.floats(2.6, 1e3), signs)
def test_an_answer_off_in_the_digits_asked_is_wrong_and_the_solution_is_not_shown(size, sign, digits, factor, away):
    expected = sign * size
    rounded = float(f"{size:.{digits - 1}e}")  # (0.996 to 2 figures is 1.0: its last digit is worth 0.1)
    unit = 10.0 ** (math.floor(math.log10(rounded)) - digits + 1)
    answer = expected + away * factor * unit  # more than two units of the last digit asked for
    verdict = check_answer(answer, expected, what="δ", digits=digits)
    assert verdict.status == WRONG and not verdict
    # the only number it shows is the student's own
    assert set(NUMBER.findall(str(verdict))) == {f"{answer:.6g}"}
    shown = html.unescape(re.sub(r"<[^>]*>", "", verdict._repr_html_()))
    assert set(NUMBER.findall(shown)) == {f"{answer:.6g}"}


def test_the_reasons_for_a_wrong_number():
    assert "sign is wrong" in check_answer(-0.5, 0.5).why
    assert "too large" in check_answer(0.9, 0.5).why
    assert "too small" in check_answer(-0.1, -0.5).why
    slip = check_answer(0.25, 0.5, mistakes={"the ½ of E is dropped": 0.25, "never": 0.75})
    assert slip.status == WRONG and "the ½ of E is dropped" in slip.why and "never" not in slip.why
    assert "Hint: look at" in check_answer(0.9, 0.5, hint="look at the bias").why
    # a "mistake" that equals the right value never claims a right answer is a slip
    assert check_answer(0.5, 0.5, mistakes={"same": 0.5}).ok


@pytest.mark.parametrize("placeholder", [..., None])
def test_a_placeholder_is_not_answered_yet(placeholder):
    for verdict in (check_answer(placeholder, 1.0), check_derivative(lambda x: x * x, placeholder, {"x": 1.0}, "x")):
        assert verdict.status == NOT_ANSWERED and not verdict
        assert str(verdict).startswith("not answered yet")


@pytest.mark.parametrize("bad", ["0.5 m", "about 0.5", [0.5], float("inf"), True])
def test_not_a_number_is_wrong_and_says_so(bad):
    verdict = check_answer(bad, 0.5, what="δ_1")
    assert verdict.status == WRONG and "δ_1" in verdict.why and "number" in verdict.why


@pytest.mark.parametrize("text", ["0.5", "≈0.500", "0,5", "1/2", "5×10^-1", "5E-1", "0.5 (3 s.f.)", "(0.5)"])
def test_a_string_is_read_as_grade_reads_it(text):
    assert check_answer(text, 0.5).status == RIGHT


def test_check_answer_and_grade_agree_on_a_rounded_answer():
    # the same judge: -0.915 for -0.915564535 to 3 figures is right in both
    assert check_answer(-0.915, -0.915564535).ok
    assert check_answer("-0.915", -0.915564535).ok


def test_a_mistake_in_the_exercise_itself_raises_and_names_the_argument():
    with pytest.raises(ValueError, match="digits must be"):
        check_answer(0.5, 0.5, digits=0)
    with pytest.raises(TypeError, match="expected must be a finite number"):
        check_answer(0.5, "0.5")
    with pytest.raises(TypeError, match=r"mistakes\['slip'\] must be"):
        check_answer(0.5, 0.5, mistakes={"slip": None})
    with pytest.raises(ValueError, match="wrt='z' must be one of the names of at"):
        check_derivative(f, lambda x, y: 1.0, {"x": 0.5, "y": 0.3}, "z")
    with pytest.raises(TypeError, match="f must be a function"):
        check_derivative(0.5, lambda x: 1.0, {"x": 0.5}, "x")
    with pytest.raises(ValueError, match="not an argument of f"):  # at names an argument f does not take
        check_derivative(lambda x: x * x, lambda x, y: 1.0, {"x": 0.5, "y": 1.0}, "x")


def test_a_value_node_counts_as_its_number():
    assert check_answer(Value(0.5), 0.5).ok and check_answer(0.5, Value(0.5)).ok


def f(x, y):
    return x * (x * y).exp()


def test_a_derivative_formula_right_everywhere_is_right():
    verdict = check_derivative(f, lambda x, y: (1 + x * y) * math.exp(x * y), {"x": 0.5, "y": 0.3}, "x")
    assert verdict.ok, verdict
    assert "20 random points" in verdict.why


def test_a_wrong_formula_is_wrong_with_its_own_value_not_the_engines():
    wrong = check_derivative(f, lambda x, y: y * math.exp(x * y), {"x": 0.5, "y": 0.3}, "x")  # no product rule
    assert wrong.status == WRONG
    engine = (1 + 0.15) * math.exp(0.15)
    assert f"{0.3 * math.exp(0.15):.6g}" in wrong.why and f"{engine:.4g}" not in wrong.why


def test_a_formula_right_at_the_point_only_is_caught_elsewhere():
    # d/dx x³ = 3x², claimed as 3x at x = 1
    verdict = check_derivative(lambda x: x**3, lambda x: 3 * x, {"x": 1.0}, "x")
    assert verdict.status == WRONG and "right at x = 1, but wrong at" in verdict.why


def test_a_formula_with_the_wrong_arguments_is_wrong_and_says_why():
    verdict = check_derivative(f, lambda x: 1.0, {"x": 0.5, "y": 0.3}, "x")
    assert verdict.status == WRONG and "could not be checked" in verdict.why


# --- every notebook's exercise, answered three ways ----------------------------------
def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def exercises(nb):
    """[(setup cells, answer cell, check cell, solution cell)] in the notebook's order."""
    cells = nb["cells"]
    setup = [c for c in cells if "exercise-setup" in tags(c)]
    answers = [i for i, c in enumerate(cells) if "exercise-answer" in tags(c)]
    solutions = [c for c in cells if "exercise-solution" in tags(c)]
    found = []
    for n, i in enumerate(answers):
        check = cells[i + 1]
        assert "exercise-check" in tags(check), f"cell {i + 1} after an exercise-answer cell must be its exercise-check"
        found.append((setup, cells[i], check, solutions[n] if n < len(solutions) else None))
    return found


def source(cell) -> str:
    return "".join(cell["source"])


def answer_name(cell) -> str:
    """The name the cell assigns last: the answer (a solution may first compute it in steps)."""
    statement = [s for s in ast.parse(source(cell)).body if isinstance(s, ast.Assign)][-1]
    [target] = statement.targets
    return target.id


def run(cells, cwd):
    """Execute code cells in one fresh kernel; return each cell's text output."""
    nbformat = pytest.importorskip("nbformat", reason="nbformat is needed to run notebook cells (make test installs it)")
    nbclient = pytest.importorskip("nbclient", reason="nbclient is needed to run notebook cells (make test installs it)")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(text) for text in cells]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    out = []
    for cell in nb.cells:
        text = []
        for o in cell.outputs:
            if o.output_type == "stream":
                text.append(o.text)
            elif "data" in o and "text/plain" in o.data:
                text.append(o.data["text/plain"])
        out.append("".join(text))
    return out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_notebook_has_a_checked_exercise_with_its_solution_hidden(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    found = exercises(nb)
    assert found, f"{path.name}: no cell tagged exercise-answer (see notebooks/README.md)"
    last_markdown = max(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "markdown")
    for setup, answer, check, solution in found:
        assert solution is not None, f"{path.name}: no exercise-solution cell for {source(answer)!r}"
        assert solution["metadata"].get("jupyter", {}).get("source_hidden") is True, \
            f"{path.name}: the solution cell must be collapsed (metadata jupyter.source_hidden)"
        assert nb["cells"].index(solution) > nb["cells"].index(check), f"{path.name}: the solution goes in the appendix"
        assert nb["cells"].index(solution) > last_markdown or "Solution" in source(nb["cells"][last_markdown])
        name = answer_name(answer)
        assert answer_name(solution) == name, f"{path.name}: the solution must set {name}, as the answer cell does"
        assert "..." in source(answer) or "None" in source(answer), f"{path.name}: commit the answer cell with a placeholder"
        assert solution["metadata"].get("exercise", {}).get("wrong"), f"{path.name}: give a wrong answer to test"
        assert name in source(check)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_exercise_check_says_not_answered_right_and_wrong(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    found = exercises(nb)
    if not found:
        pytest.fail(f"{path.name}: no exercise")
    cells, expect = [], []
    for setup, answer, check, solution in found:
        name = answer_name(answer)
        cells += [source(c) for c in setup]
        expect += [None] * len(setup)
        tries = [(source(answer), NOT_ANSWERED), (source(solution), RIGHT)]
        tries += [(wrong, WRONG) for wrong in solution["metadata"]["exercise"]["wrong"]]
        for text, status in tries:
            cells += [text, source(check)]
            expect += [None, (status, name)]
            # what the right answer is, as a number when it is one (to check it is never shown)
        cells += [source(solution), f"print(repr({name}) if isinstance({name}, (int, float)) else '')"]
        expect += [None, ("solution", name)]
    outputs = run(cells, path.parent)
    shown = {}
    for (out, want) in zip(outputs, expect):
        if want is None:
            continue
        status, name = want
        if status == "solution":
            if out.strip():
                value = float(out)
                for text in shown.pop(name):
                    # no number in a verdict that is not "right" is the solution, to the digits a student would write
                    leaked = [n for n in NUMBER.findall(text) if close(float(n), value)]
                    assert not leaked, f"{path.name}: the check shows the solution {value:.3g}: {text}"
            continue
        assert out.startswith(status + ":"), f"{path.name}: expected the check to say {status!r}, it said {out!r}"
        if status != RIGHT:
            shown.setdefault(name, []).append(out)


LATER = [p for p in NOTEBOOKS if p.name[:2] in ("09", "10", "11", "12", "13")]


@pytest.mark.parametrize("path", LATER, ids=lambda p: p.name)
def test_nothing_above_an_exercise_prints_its_answer(path):
    # every code cell above the answer cell, run as the student runs it, then the solution:
    # no number the cells printed is the answer to 3 figures (either sign)
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = nb["cells"]
    first = min(i for i, c in enumerate(cells) if "exercise-answer" in tags(c))
    above = [source(c) for c in cells[:first] if c["cell_type"] == "code"]
    found = exercises(nb)
    solution, name = found[0][3], answer_name(found[0][1])
    outputs = run(above + [source(solution), f"print(repr({name}) if isinstance({name}, (int, float)) else '')"],
                  path.parent)
    if not outputs[-1].strip():
        return  # the answer is a formula, not a number
    value = float(outputs[-1])
    printed = [float(n) for out in outputs[:-2] for n in NUMBER.findall(out)]
    assert not [n for n in printed if close(abs(n), abs(value))], f"{path.name} prints the answer {value:.3g}"
