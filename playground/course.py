"""Build the course as a website: site/course/, one page per notebook, readable and doable
in a browser with nothing installed and nothing fetched from elsewhere.

    python playground/course.py [--out site] [--no-execute] [--executed DIR]
    (make site runs it after playground/build.py, into the same folder)

    course/index.html             the notebooks in order, the lectures, the step-through pages
    course/<notebook stem>.html   a notebook: its text, its code and its outputs (plots and
                                  drawings inline as SVG or PNG), its math typeset by KaTeX
    course/lectures.html          the lectures cited, in full, and the notation map
    course/steppers/*.html        step-through pages: a neuron, a 2-4-4-1 network, a quiz
    course/katex/                 KaTeX (npm package katex, pinned in playground/package-lock.json)
    course/course.js, course.css, course-worker.js, exercise.py   the page's own parts

Each notebook's exercise becomes an element [data-exercise] with a text box holding the
answer cell's code and a Check button. The check runs in Pyodide (the playground's, from
../pyodide and ../wheels) in a Web Worker: the notebook's cells tagged "exercise-setup",
the student's code (the cell tagged "exercise-answer") and the cells tagged
"exercise-check", through playground/exercise.py; the verdict is the check's own. The
solution (the cells from the one tagged "exercise-solution" and the appendix heading before
it, to the end) is stored base64-encoded and shown only when asked for.

Why not nbconvert: it brings Jinja templates, bleach, mistune and a dozen more packages to
do three things this file does in a few functions: Markdown (markdown-it-py, CommonMark,
with its dollar-math plugin), code cells, and outputs by MIME type. The notebooks are
executed with nbclient (what nbmake runs them with) and the venv's kernel.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import shutil
import sys
import time
from pathlib import Path

from autograd import escape
from autograd.files import write_atomic

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NOTEBOOKS = ROOT / "notebooks"
LECTURES = ROOT / "docs" / "lectures.md"
KATEX = HERE / "node_modules" / "katex" / "dist"
PARTS = ["course.js", "course.css", "course-worker.js", "exercise.py"]  # copied from playground/
TAGS = ("exercise-setup", "exercise-answer", "exercise-check", "exercise-solution")

# The step-through pages, and the notebooks whose pages link to them.
STEPPERS = {
    "neuron.html": ("A tanh neuron, node by node (autograd.Stepper)", ["01_chain_rule_by_hand", "02_step_through_backprop"]),
    "network-2-4-4-1.html": ("A 2-4-4-1 network, unit by unit (nn.backprop_steps)", ["02_step_through_backprop", "07_perceptron_to_mlp"]),
    "quiz.html": ("A quiz: each δ of a 2-2-1 network left blank (to_html(quiz=True))", ["02_step_through_backprop", "13_for_instructors"]),
}


class CourseError(RuntimeError):
    """The course could not be built; the message names the notebook and what to do."""


# ---------------------------------------------------------------------------
# Markdown and math
# ---------------------------------------------------------------------------
def _markdown():
    try:
        from markdown_it import MarkdownIt
        from mdit_py_plugins.dollarmath import dollarmath_plugin
    except ImportError:
        raise CourseError("the course pages need markdown-it-py and mdit-py-plugins: "
                          "pip install 'deltagrad[site]'") from None

    def math(tex: str, options: dict) -> str:
        # typeset in the page by KaTeX; until then (or without JavaScript) the TeX is shown
        kind = "math display" if options.get("display_mode") else "math"
        return f'<span class="{kind}">{escape.html(tex.strip())}</span>'

    # html=False: a notebook's raw HTML in Markdown is shown as text, never as markup
    return (MarkdownIt("commonmark", {"html": False}).enable("table")
            .use(dollarmath_plugin, allow_space=True, allow_digits=False, double_inline=True, renderer=math))


_MD = None


def markdown(text: str) -> str:
    global _MD
    if _MD is None:
        _MD = _markdown()
    return _MD.render(text)


# ---------------------------------------------------------------------------
# Notebooks
# ---------------------------------------------------------------------------
def source(cell: dict) -> str:
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def tags(cell: dict) -> set:
    return set(cell.get("metadata", {}).get("tags", []))


def title_of(nb: dict, stem: str) -> str:
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            m = re.search(r"^#\s+(.+)$", source(cell), re.M)
            if m:
                return m.group(1).strip()
    return stem


def execute(path: Path, timeout: int = 900) -> dict:
    """The notebook run top to bottom in the venv's kernel, in its own folder (as nbmake runs it)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except Exception as err:
        raise CourseError(f"{path.name} failed to run: {str(err).strip().splitlines()[-1] if str(err).strip() else err}") from None
    return json.loads(nbformat.writes(nb))


def split_exercise(nb: dict) -> dict | None:
    """The exercise's parts: {"setup", "answer", "check": code, "solution": cells, "at": the answer
    cell's index, "hidden_from": the first cell of the solution section}; None if it has none."""
    cells = nb["cells"]
    answer = [i for i, c in enumerate(cells) if "exercise-answer" in tags(c)]
    solution = [i for i, c in enumerate(cells) if "exercise-solution" in tags(c)]
    if not answer:
        return None
    if len(answer) != 1 or len(solution) != 1:
        raise CourseError(f"an exercise needs one cell tagged exercise-answer and one exercise-solution "
                          f"(found {len(answer)} and {len(solution)})")
    start = solution[0]
    before = cells[start - 1]
    if before["cell_type"] == "markdown" and re.match(r"#+\s.*(appendix|solution)", source(before), re.I):
        start -= 1  # the appendix's heading and its text belong to the solution
    return {
        "setup": "\n\n".join(source(c) for c in cells if "exercise-setup" in tags(c)),
        "answer": source(cells[answer[0]]),
        "check": "\n\n".join(source(c) for c in cells if "exercise-check" in tags(c)),
        "at": answer[0],
        "hidden_from": start,
    }


# ---------------------------------------------------------------------------
# Cells and outputs
# ---------------------------------------------------------------------------
def _text(data) -> str:
    return "".join(data) if isinstance(data, list) else str(data)


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# An attribute inside a tag that runs code: on…= (onload, onclick, …) or a javascript: link.
_HANDLER = re.compile(r"""(<[^<>]*?)\s+(?:on[a-z]+\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)"""
                      r"""|(?:xlink:)?href\s*=\s*(?:"\s*javascript:[^"]*"|'\s*javascript:[^']*'))""", re.I)


def render_output(output: dict) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        return f'<pre class="output {escape.html(output.get("name", "stdout"))}">{escape.html(_text(output.get("text", "")))}</pre>'
    if kind == "error":
        trace = _ANSI.sub("", "\n".join(output.get("traceback", [])))
        return f'<pre class="output error">{escape.html(trace)}</pre>'
    data = output.get("data", {})
    if "image/svg+xml" in data:
        svg = _text(data["image/svg+xml"])
        svg = re.sub(r"^<\?xml[^>]*>\s*", "", svg)
        svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
        # a drawing, never a program: no script element, no event handler, no javascript: link
        svg = re.sub(r"<script\b.*?</script>", "", svg, flags=re.S | re.I)
        while (cleaner := _HANDLER.sub(r"\1", svg)) != svg:
            svg = cleaner
        return f'<div class="output figure">{svg}</div>'
    if "image/png" in data:
        png = "".join(_text(data["image/png"]).split())
        return f'<div class="output figure"><img alt="a figure of this cell" src="data:image/png;base64,{escape.html(png)}"></div>'
    if "text/markdown" in data:
        return f'<div class="output markdown">{markdown(_text(data["text/markdown"]))}</div>'
    if "text/latex" in data:
        tex = _text(data["text/latex"]).strip().strip("$")
        return f'<div class="output"><span class="math display">{escape.html(tex)}</span></div>'
    if "text/plain" in data:
        return f'<pre class="output">{escape.html(_text(data["text/plain"]))}</pre>'
    return ""  # a widget's state: nothing to show without Jupyter


def render_cell(cell: dict) -> str:
    if cell["cell_type"] == "markdown":
        return f'<div class="cell markdown">{markdown(source(cell))}</div>'
    if cell["cell_type"] == "raw":
        return ""
    code = escape.html(source(cell))
    outputs = "".join(render_output(o) for o in cell.get("outputs", []))
    return f'<div class="cell code"><pre class="input"><code>{code}</code></pre>{outputs}</div>'


def encode(text: str) -> str:
    """Base64 of UTF-8: the page decodes it only when asked; no digit of it shows in the source."""
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def exercise_element(ex: dict, solution_html: str) -> str:
    bundle = encode(json.dumps({"setup": ex["setup"], "check": ex["check"], "solution": solution_html}))
    rows = max(2, ex["answer"].count("\n") + 2)
    return (
        '<div class="exercise" data-exercise>'
        '<p class="exercise-how">Your answer, as the notebook\'s answer cell: replace the <code>...</code>, '
        'then press Check. It runs with deltagrad itself, in this page.</p>'
        f'<textarea data-answer rows="{rows}" spellcheck="false" autocomplete="off" '
        f'aria-label="your answer (Python)">{escape.html(ex["answer"])}</textarea>'
        '<div class="exercise-buttons"><button type="button" data-check disabled>Check</button> '
        '<span data-status class="small">starting Python…</span></div>'
        '<pre data-verdict aria-live="polite"></pre>'
        '<button type="button" data-show-solution>Show solution</button>'
        '<div data-solution hidden></div>'
        f'<script type="application/octet-stream" data-bundle>{bundle}</script>'
        '</div>'
    )


# ---------------------------------------------------------------------------
# The lectures: citations and notation, from docs/lectures.md
# ---------------------------------------------------------------------------
def lectures() -> dict:
    """{"short name": "full citation"} and the notation map's rows, from docs/lectures.md."""
    text = LECTURES.read_text(encoding="utf-8")
    cites, notation = {}, []
    tables = [[line for line in block.splitlines() if line.startswith("|")]
              for block in re.split(r"\n\s*\n", text)]
    tables = [t for t in tables if t]
    for line in tables[0][2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        cites[cells[0].strip("*")] = cells[1]
    header = [c.strip() for c in tables[1][0].strip("|").split("|")]
    for line in tables[1][2:]:
        notation.append([c.strip() for c in line.strip("|").split("|")])
    return {"cites": cites, "header": header, "notation": notation}


def cited(nb: dict, cites: dict) -> list[str]:
    text = " ".join(source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    found = []
    for short in cites:
        word = short.replace("the ", "", 1)
        if re.search(r"\b" + re.escape(word) + r"\b", text, re.I):
            found.append(short)
    return found


NOTATION_ROWS = ("pre-activation", "activation", "error signal", "hidden rule", "weight derivative")


def notation_box(nb: dict, lec: dict, stem: str) -> str:
    """The notebook's notation: the project's (a_j, z_j, δ_j, ↑j, ↓j) and that of each lecture it cites."""
    names = cited(nb, lec["cites"])
    rows = [r for r in lec["notation"] if r[0] in NOTATION_ROWS]
    cols = [lec["header"].index(n) for n in names if n in lec["header"]]
    head = "".join(f"<th>{escape.html(lec['header'][c])}</th>" for c in cols)
    body = "".join("<tr><th>" + escape.html(r[0]) + "</th>" + "".join(f"<td>{markdown(r[c]).strip()[3:-4]}</td>"
                                                                 for c in cols) + "</tr>" for r in rows)
    table = f'<table class="notation"><tr><th></th>{head}</tr>{body}</table>' if cols else ""
    cites = "".join(f"<li><b>{escape.html(n)}</b>: {markdown(lec['cites'][n]).strip()[3:-4]}</li>" for n in names)
    return (
        '<aside class="notation-box" id="notation"><h2>Notation and lectures</h2>'
        '<p>deltagrad writes <span class="math">a_j</span> for a unit\'s pre-activation, '
        '<span class="math">z_j = h(a_j)</span> for its activation, '
        '<span class="math">\\delta_j = \\partial E/\\partial a_j</span> for its error signal, '
        '<span class="math">\\uparrow j</span> for the units feeding <span class="math">j</span> and '
        '<span class="math">\\downarrow j</span> for the units it feeds: '
        '<span class="math">\\delta_j = h\'(a_j) \\sum_{k \\in \\downarrow j} w_{kj} \\delta_k</span>.</p>'
        + (f"<p>This notebook cites:</p><ul>{cites}</ul>" if cites else "")
        + (f"<details><summary>The same quantities in the notation of each lecture it cites</summary>{table}"
           "</details>" if table else "")
        + '<p><a href="lectures.html">All the lectures and the full notation map</a></p></aside>'
    )


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------
HEAD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{up}katex/katex.min.css">
<link rel="stylesheet" href="{up}course.css">
<script defer src="{up}katex/katex.min.js"></script>
<script type="module" src="{up}course.js"></script>
</head>
<body data-state="loading">
<nav class="top"><a href="{up}index.html">The course</a> · <a href="{up}lectures.html">Lectures</a> · <a href="{up}../index.html">Playground</a></nav>
"""
TAIL = """<footer><p>deltagrad's course, rendered from the notebooks in <code>notebooks/</code> after running them.
Everything on this page comes from this site; nothing is fetched from elsewhere.</p></footer>
</body>
</html>
"""


def notebook_page(nb: dict, stem: str, lec: dict, prev_next: tuple) -> str:
    cells = nb["cells"]
    ex = split_exercise(nb)
    hidden_from = ex["hidden_from"] if ex else len(cells)
    parts = []
    for i, cell in enumerate(cells[:hidden_from]):
        if ex and i == ex["at"]:
            solution = "".join(render_cell(c) for c in cells[hidden_from:])
            parts.append(exercise_element(ex, solution))
        else:
            parts.append(render_cell(cell))
    links = [f'<li><a href="steppers/{name}">{escape.html(what)}</a></li>'
             for name, (what, where) in STEPPERS.items() if stem in where]
    steppers = (f'<aside class="steppers"><h2>Step through it</h2><ul>{"".join(links)}</ul></aside>'
                if links else "")
    prev, nxt = prev_next
    nav = '<nav class="pages">' + (f'<a href="{escape.html(prev[0])}.html">← {escape.html(prev[1])}</a>' if prev else "<span></span>") + \
          (f'<a href="{escape.html(nxt[0])}.html">{escape.html(nxt[1])} →</a>' if nxt else "") + "</nav>"
    return (HEAD.format(title=escape.html(title_of(nb, stem)), up="") + "<main>" + "".join(parts) + steppers
            + notation_box(nb, lec, stem) + nav + "</main>" + TAIL)


def index_page(entries: list, lec: dict) -> str:
    items = "".join(f'<li><a href="{escape.html(stem)}.html">{escape.html(title)}</a>{" — exercise in the page" if has else ""}</li>'
                    for stem, title, has in entries)
    steppers = "".join(f'<li><a href="steppers/{n}">{escape.html(w)}</a></li>' for n, (w, _) in STEPPERS.items())
    return (HEAD.format(title="deltagrad: the course", up="")
            + "<main><h1>deltagrad: backpropagation, the course</h1>"
            "<p>Thirteen notebooks, read here with their outputs; each exercise can be checked in the page, "
            "with deltagrad itself running in your browser (Python compiled to WebAssembly).</p>"
            f"<ul class=\"notebooks\">{items}</ul><h2>Step through it</h2><ul>{steppers}</ul>"
            '<p><a href="lectures.html">The lectures the course teaches from</a> · '
            '<a href="../index.html">The playground: step through any expression</a></p></main>' + TAIL)


def lectures_page() -> str:
    text = LECTURES.read_text(encoding="utf-8")
    return HEAD.format(title="The lectures deltagrad teaches from", up="") + "<main>" + markdown(text) + "</main>" + TAIL


# ---------------------------------------------------------------------------
# Step-through pages
# ---------------------------------------------------------------------------
def write_steppers(folder: Path) -> None:
    import nn
    from autograd import Stepper, Value
    from nn.losses import half_sse

    folder.mkdir(parents=True, exist_ok=True)
    x1, x2, w1, w2, b = (Value(v, n) for v, n in [(2.0, "x1"), (0.0, "x2"), (-3.0, "w1"), (1.0, "w2"), (6.8813735870195432, "b")])
    z = (x1 * w1 + x2 * w2 + b).tanh()
    z.label = "z"
    Stepper(z).to_html(folder / "neuron.html", title="A tanh neuron, node by node")
    model = nn.MLP(2, [4, 4, 1], activation="tanh", output="identity", seed=1)
    nn.backprop_steps(model, [0.5, -0.5], [0.2], loss=half_sse).to_html(folder / "network-2-4-4-1.html")
    small = nn.MLP(2, [2, 1], activation="tanh", output="identity", seed=3)
    nn.backprop_steps(small, [1.0, -0.5], [0.5], loss=half_sse).to_html(folder / "quiz.html", quiz=True)


# ---------------------------------------------------------------------------
# The build
# ---------------------------------------------------------------------------
def build_course(out: Path, *, execute_notebooks: bool = True, executed: Path | None = None,
                 notebooks: list[Path] | None = None, log=print) -> dict:
    """Write out/course/ (out is the playground's folder, for ../pyodide and ../wheels)."""
    start = time.perf_counter()
    if not (KATEX / "katex.min.js").exists():
        raise CourseError("playground/node_modules/katex is missing; run playground/build.py (npm ci) first")
    course = out / "course"
    if course.exists():
        shutil.rmtree(course)
    course.mkdir(parents=True)
    shutil.copytree(KATEX, course / "katex", ignore=shutil.ignore_patterns("*.ttf", "*.woff", "contrib", "*.mjs",
                                                                           "katex.js", "katex.css"))
    for name in PARTS:
        shutil.copy2(HERE / name, course / name)
    lec = lectures()
    paths = sorted(notebooks or NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    loaded, seconds = [], {}
    for path in paths:
        t = time.perf_counter()
        cached = executed / path.name if executed else None
        if cached and cached.exists() and cached.stat().st_mtime >= path.stat().st_mtime:
            nb = json.loads(cached.read_text(encoding="utf-8"))
        elif execute_notebooks:
            nb = execute(path)
            if cached:
                cached.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(cached, json.dumps(nb, ensure_ascii=False), who="course")
        else:
            nb = json.loads(path.read_text(encoding="utf-8"))
        seconds[path.stem] = time.perf_counter() - t
        loaded.append((path.stem, nb))
    titles = [(stem, title_of(nb, stem)) for stem, nb in loaded]
    entries = []
    for k, (stem, nb) in enumerate(loaded):
        prev_next = (titles[k - 1] if k else None, titles[k + 1] if k + 1 < len(titles) else None)
        try:
            page = notebook_page(nb, stem, lec, prev_next)
        except CourseError as err:
            raise CourseError(f"{stem}.ipynb: {err}") from None
        write_atomic(course / f"{stem}.html", page, who="course")
        entries.append((stem, titles[k][1], split_exercise(nb) is not None))
    write_atomic(course / "index.html", index_page(entries, lec), who="course")
    write_atomic(course / "lectures.html", lectures_page(), who="course")
    write_steppers(course / "steppers")
    files = [p for p in course.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    total = time.perf_counter() - start
    log(f"built {course}: {len(entries)} notebook pages, {len(files)} files, {size / 1e6:.2f} MB, in {total:.1f} s")
    return {"pages": [e[0] for e in entries], "bytes": size, "seconds": total, "notebooks": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the course pages into SITE/course/.")
    parser.add_argument("--out", default=str(ROOT / "site"), help="the playground's folder (default: site)")
    parser.add_argument("--no-execute", action="store_true", help="render the notebooks as stored, unexecuted")
    parser.add_argument("--executed", default=None, help="a folder to keep the executed notebooks in and reuse")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if not (out / "wheels.json").exists():
        print(f"course: {out} has no playground (wheels.json); run playground/build.py --out {out} first",
              file=sys.stderr)
        return 1
    try:
        build_course(out, execute_notebooks=not args.no_execute,
                     executed=Path(args.executed) if args.executed else None)
    except CourseError as err:
        print(f"course: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
