"""The course as a website (playground/course.py): every notebook a page, every exercise
checked in the page by deltagrad itself in Pyodide.

First under CPython: each notebook's exercise, cut out of the notebook by its cell tags
and run by playground/exercise.py (the file the pages run) with matplotlib, NumPy, IPython
and PyTorch unimportable, says "right" to the notebook's solution and not "right" to its
placeholder or to its known wrong answers; the pages keep the solution out of their
source; outputs are drawn inline. Then the built site in headless Chromium, served on
127.0.0.1: every course page typesets its math, answers its exercise right and wrong, shows
the solution only when asked, and no request leaves the server.

DELTAGRAD_SITE=<folder> uses a site built by `make site` (with the notebooks run);
otherwise the site is built here with the notebooks as stored.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

import pytest

from browser import launch, serve, sync_playwright_or_skip

ROOT = Path(__file__).resolve().parent.parent
PLAYGROUND = ROOT / "playground"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _load(name: str, file: str):
    spec = importlib.util.spec_from_file_location(name, PLAYGROUND / file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


course = _load("playground_course", "course.py")
exercise = _load("playground_exercise", "exercise.py")
pytest.importorskip("markdown_it", reason="the course pages need markdown-it-py (pip install 'deltagrad[site]')")


def notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def solution_code(nb: dict) -> str:
    return "".join(course.source(c) for c in nb["cells"] if "exercise-solution" in course.tags(c))


def wrong_answers(nb: dict) -> list[str]:
    """The notebook's own wrong answers (the slips its check names), from the answer cell's or
    the solution cell's metadata; a sign slip of the solution's number if it has none."""
    found = []
    for cell in nb["cells"]:
        found += cell.get("metadata", {}).get("exercise", {}).get("wrong", [])
    return found


@pytest.fixture
def no_plotting(monkeypatch):
    """What Pyodide in the page does not have: an import of any of these fails."""
    for name in ["matplotlib", "matplotlib.pyplot", "numpy", "IPython", "IPython.display", "torch", "sklearn"]:
        monkeypatch.setitem(sys.modules, name, None)


# ---------------------------------------------------------------------------
# The exercises, cut out of the notebooks, under CPython
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercise_right_wrong_and_unanswered(path, no_plotting):
    nb = notebook(path)
    ex = course.split_exercise(nb)
    assert ex is not None, f"{path.name} has no cell tagged exercise-answer"
    right = exercise.run(ex["setup"], solution_code(nb), ex["check"])
    assert right["ok"] and right["verdict"].startswith("right"), right
    unanswered = exercise.run(ex["setup"], ex["answer"], ex["check"])
    assert not unanswered["ok"] and unanswered["verdict"].startswith("not answered"), unanswered
    wrongs = wrong_answers(nb)
    assert wrongs, f"{path.name}: the exercise's metadata lists no wrong answers to try"
    for answer in wrongs:
        result = exercise.run(ex["setup"], answer, ex["check"])
        assert not result["ok"] and not result["verdict"].startswith("right"), (answer, result)


@pytest.mark.parametrize("answer, start", [
    ("delta_2 = (", "wrong: your answer is not valid Python"),
    ("delta_2 = 1 / 0", "wrong: your answer raised ZeroDivisionError"),
    ("def f(): return f()\ndelta_2 = f()", "wrong: your answer recursed too deep"),
    ("delta_2 = 'a lot'", "wrong"),
])
def test_a_broken_answer_is_a_finding_not_a_crash(answer, start, no_plotting):
    ex = course.split_exercise(notebook(NOTEBOOKS[1]))  # notebook 02: delta_2 = ...
    result = exercise.run(ex["setup"], answer, ex["check"])
    assert result["verdict"].startswith(start) and not result["ok"], result


def solution_figures(nb: dict) -> list[str]:
    """The solution's number as a page could print it (to 6 figures, and in full), when it
    has 3 figures or more (0.2 is in any page); none for a formula."""
    ex = course.split_exercise(nb)
    namespace: dict = {}
    exec(ex["setup"] + "\n" + solution_code(nb), namespace)  # noqa: S102 - the notebook's own cells
    value = namespace[ex["answer"].split("=")[0].strip()]
    if isinstance(value, float) and len(re.sub(r"\D|^0+", "", f"{abs(value):.6g}")) >= 3:
        return [f"{value:.6g}", repr(value)]
    return []


def test_the_page_keeps_the_solution_out_of_its_source(tmp_path):
    """Nothing of the solution (its code, its number to 6 figures) is in a page before the
    student asks; the encoded bundle holds it."""
    lec = course.lectures()
    for path in NOTEBOOKS:
        nb = notebook(path)
        page = course.notebook_page(nb, path.stem, lec, (None, None))
        ex = course.split_exercise(nb)
        visible = re.sub(r'<script type="application/octet-stream" data-bundle>[^<]*</script>', "", page)
        code = solution_code(nb)
        for line in code.splitlines():
            if line.strip() and not line.strip().startswith("#"):
                assert course.escape.html(line.strip()) not in visible, (path.name, line)
        namespace: dict = {}
        exec(ex["setup"] + "\n" + code, namespace)  # noqa: S102 - the notebook's own cells
        name = ex["answer"].split("=")[0].strip()
        value = namespace[name]
        # a number of 3 figures or more (0.2 is in any page): not to 6 figures, not in full
        if isinstance(value, float) and len(re.sub(r"\D|^0+", "", f"{abs(value):.6g}")) >= 3:
            for text in (f"{value:.6g}", repr(value)):
                assert text not in page, (path.name, text)
        bundle = re.search(r"data-bundle>([^<]*)<", page).group(1)
        decoded = json.loads(base64.b64decode(bundle))
        assert course.escape.html(code.splitlines()[0]) in decoded["solution"]


def test_outputs_are_drawn_inline_and_markdown_is_text():
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()
    nb = {"cells": [
        {"cell_type": "markdown", "metadata": {}, "source": "# T\n\n<script>alert(1)</script> and $a_j$\n\n$$\\delta_j$$"},
        {"cell_type": "code", "metadata": {}, "source": "plot()", "outputs": [
            {"output_type": "display_data", "data": {"image/svg+xml": '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x()</script><circle r="1"/></svg>',
                                                      "text/plain": "<Figure>"}},
            {"output_type": "display_data", "data": {"image/png": png}},
            {"output_type": "stream", "name": "stdout", "text": "a < b\n"},
        ]},
    ]}
    page = course.notebook_page(nb, "00_t", course.lectures(), (None, None))
    assert '<circle r="1"/>' in page and "<script>x()" not in page and "<?xml" not in page
    assert f'src="data:image/png;base64,{png}"' in page
    assert "a &lt; b" in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<span class="math">a_j</span>' in page and '<span class="math display">\\delta_j</span>' in page
    assert "<Figure>" not in page  # the picture, not its text


def test_each_page_cites_the_lectures_it_uses():
    lec = course.lectures()
    assert set(lec["cites"]) == {"Webster", "Bishop", "the MLP lecture", "Hajij", "the Caltech handout"}
    page = course.notebook_page(notebook(NOTEBOOKS[11]), NOTEBOOKS[11].stem, lec, (None, None))
    assert "Abu-Mostafa" in page and "s_j^(l)" in page  # the Caltech handout, in full, and its notation


# ---------------------------------------------------------------------------
# The built site in Chromium
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    given = os.environ.get("DELTAGRAD_SITE")
    if given:
        path = Path(given)
        if not (path / "course" / "index.html").is_file():
            pytest.fail(f"DELTAGRAD_SITE={given} has no course/ (run make site)")
        return path
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("node/npm not found: building the site needs them (apt-get install nodejs npm)")
    build = _load("playground_build", "build.py")
    out = tmp_path_factory.mktemp("site")
    build.build(out, log=lambda line: None)
    course.build_course(out, execute_notebooks=False, log=lambda line: None)
    return out


@pytest.fixture(scope="module")
def server(site):
    with serve(site, "/course/index.html") as origin:
        yield origin


@pytest.fixture(scope="module")
def browser_context(server):
    sync_playwright = sync_playwright_or_skip()
    with sync_playwright() as p:
        browser = launch(p)
        try:
            context = browser.new_context()
            context.left, context.problems = [], []

            def route(r):  # every request passes here: only the local server is let through
                if r.request.url.startswith(server + "/") or r.request.url.startswith("data:"):
                    r.continue_()
                else:
                    context.left.append(r.request.url)
                    r.abort()

            context.route("**/*", route)
            yield context
        finally:
            browser.close()


def open_page(context, url: str):
    page = context.new_page()
    page.on("pageerror", lambda e: context.problems.append(f"{url}: {e}"))
    page.goto(url)
    page.wait_for_selector("body[data-state=ready]", timeout=60_000)
    return page


def verdict_for(page, answer: str) -> str:
    page.fill("[data-answer]", answer)
    page.evaluate("document.querySelector('[data-verdict]').textContent = ''")
    page.click("[data-check]")
    page.wait_for_function("document.querySelector('[data-verdict]').textContent.length > 0", timeout=60_000)
    return page.inner_text("[data-verdict]")


def test_index_links_every_notebook_and_stepper(browser_context, server):
    page = open_page(browser_context, server + "/course/index.html")
    links = page.eval_on_selector_all("a", "as => as.map(a => a.getAttribute('href'))")
    assert [f"{p.stem}.html" for p in NOTEBOOKS] == [h for h in links if re.match(r"\d\d_", h)]
    assert {"steppers/neuron.html", "steppers/network-2-4-4-1.html", "steppers/quiz.html"} <= set(links)
    page.close()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_course_page_typesets_and_checks_the_exercise(path, browser_context, server, capsys):
    nb = notebook(path)
    start = time.perf_counter()
    page = open_page(browser_context, f"{server}/course/{path.stem}.html")
    assert page.locator(".katex").count() > 0, "no math typeset"
    assert page.get_attribute("body", "data-math-errors") == "0", page.eval_on_selector_all(
        ".math-error", "es => es.map(e => e.textContent + ' — ' + e.title)")
    assert page.locator("[data-exercise]").count() == 1
    source = page.content()  # the page as served and rendered, outputs included
    for text in solution_figures(nb):
        assert text not in source, text
    # the solution is not in the page until asked for
    assert page.locator("[data-solution]").inner_text() == "" and page.locator("[data-solution]").is_hidden()
    page.wait_for_selector("[data-exercise][data-ready='1']", timeout=120_000)
    ready = time.perf_counter() - start
    assert verdict_for(page, solution_code(nb)).startswith("right")
    for answer in wrong_answers(nb)[:1] + [course.split_exercise(nb)["answer"]]:
        assert not verdict_for(page, answer).startswith("right"), answer
    page.click("[data-show-solution]")
    shown = page.inner_text("[data-solution]")
    assert solution_code(nb).splitlines()[0].strip()[:20] in shown
    for link in [n for n, (_, where) in course.STEPPERS.items() if path.stem in where]:
        assert page.locator(f'a[href="steppers/{link}"]').count() == 1
    with capsys.disabled():
        print(f"\n{path.stem}: page and Python ready in {ready:.1f} s", file=sys.stderr)
    page.close()


def test_an_endless_loop_is_stopped_and_the_page_recovers(browser_context, server, monkeypatch):
    page = open_page(browser_context, f"{server}/course/{NOTEBOOKS[1].stem}.html")
    page.evaluate("window.COURSE_TIME_LIMIT = 3")
    page.wait_for_selector("[data-exercise][data-ready='1']", timeout=120_000)
    assert verdict_for(page, "while True: pass").startswith("stopped")
    page.wait_for_selector("[data-exercise][data-ready='1']", timeout=120_000)  # a fresh worker
    assert verdict_for(page, solution_code(notebook(NOTEBOOKS[1]))).startswith("right")
    page.close()


def test_nothing_left_the_local_server(browser_context):
    assert browser_context.left == [], browser_context.left
    assert browser_context.problems == [], browser_context.problems


def test_trace_help_lists_every_function_of_the_table(capsys):
    """`deltagrad trace --help` lists the derivative table's functions, from the table."""
    from autograd.teaching.expr import FUNCTIONS, calls
    from nn.cli import main

    try:
        code = main(["trace", "--help"])
    except SystemExit as done:  # argparse's way out of --help
        code = done.code
    assert code == 0
    out = capsys.readouterr().out
    assert len(calls()) == len(FUNCTIONS) > 30
    for call in calls():
        assert call in out, call
    assert "leaky_relu(x, slope)" in out and "atan2(y, x)" in out
