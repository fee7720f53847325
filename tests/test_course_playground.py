"""The playground: deltagrad itself running in the browser (Pyodide + viz.js).

First its Python side (playground/playground.py) under CPython: it must give exactly
what `deltagrad trace` prints, its one-line errors, and hand_check's verdicts. Then
the built site in headless Chromium, served by `python -m http.server` on 127.0.0.1:
the README's link reproduces the CLI's gradients digit for digit, the stepper moves,
a wrong hand-check claim is marked WRONG, bad input shows the CLI's one line, and no
request leaves the local server. Load time and download size are measured and printed.

The browser part needs npm (to build the site) and /usr/bin/chromium; it skips and says
why when either is missing. DELTAGRAD_SITE=<folder> uses a site built by `make site`.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import re
import shlex
import shutil
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

from autograd.teaching.expr import trace
from nn.cli import main as cli_main

from browser import launch, serve, sync_playwright_or_skip

ROOT = Path(__file__).resolve().parent.parent
PLAYGROUND = ROOT / "playground"
MAX_DOWNLOAD = 15_500_000  # bytes: the budget for everything the page loads (Pyodide is 14 MB of it)
MEASURED: list[str] = []  # build time, load time, sizes: printed even when pytest captures output


def measured(capsys, line: str) -> None:
    with capsys.disabled():
        print("\n" + line, file=sys.stderr)

spec = importlib.util.spec_from_file_location("playground_glue", PLAYGROUND / "playground.py")
glue = importlib.util.module_from_spec(spec)
spec.loader.exec_module(glue)

BAD_INPUTS = [
    ('__import__("os")', []),
    ("x.y", ["x=1"]),
    ("tanh(w*x", ["w=1", "x=2"]),
    ("tanh(w*x  +", []),  # the message quotes it with both spaces
    ("log(x)", ["x=-1"]),
    ("x*y", ["x=1"]),
    ("x*y", ["x=1", "y=2", "z=3"]),
    ("x", ["x=abc"]),
    ("", []),
    ("exp(exp(exp(x)))", ["x=10"]),
    ("[x for x in y]", []),
]


def cli(expr: str, values: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli_main(["trace", "--", expr, *values])
    return code, out.getvalue(), err.getvalue()


def gradient_lines(report: str) -> list[str]:
    return [line for line in report.splitlines() if re.match(r"^  ∂\w+/∂\w+ = ", line)]


# ---------------------------------------------------------------------------
# The page's Python side, under CPython
# ---------------------------------------------------------------------------
def test_glue_report_is_the_cli_output():
    for expr, values in [("tanh(w1*x1 + w2*x2 + b)", ["x1=2", "x2=0", "w1=-3", "w2=1", "b=6.88"]),
                         ("-x*y", ["x=1", "y=2"]),  # starts with "-": still the expression
                         ("x*x*x + f", ["x=0.5", "f=2"])]:  # a variable called f: the output is "out"
        code, out, err = cli(expr, values)
        result = json.loads(glue.trace_json(expr, json.dumps(values)))
        assert code == 0 and result["ok"], (expr, err)
        assert result["report"] == out.rstrip("\n")
        t = trace(expr, {v.split("=")[0]: float(v.split("=")[1]) for v in values})
        assert result["gradients"] == t.gradients
        assert [s["text"] for s in result["steps"]] == [s.text() for s in t.steps]


@pytest.mark.parametrize("expr,values", BAD_INPUTS)
def test_glue_errors_are_the_cli_one_line_errors(expr, values):
    code, out, err = cli(expr, values)
    result = json.loads(glue.trace_json(expr, json.dumps(values)))
    assert code == 2 and out == ""
    assert not result["ok"] and result["error"] == err.strip()
    assert "\n" not in result["error"] and result["error"].startswith("deltagrad: error: ")


def test_glue_dot_highlights_the_step_and_greys_the_rest():
    result = json.loads(glue.trace_json("tanh(w*x + b)", json.dumps(["w=-3", "x=2", "b=6.88"])))
    n = len(result["steps"])
    for i in range(n):
        source = glue.dot(i)
        boxes = [line for line in source.splitlines() if re.match(r"\s*n\d+ \[label=\"\{", line)]
        assert len(boxes) == n
        shown = [line for line in boxes if not re.search(r"δ\s\?", line)]
        assert len(shown) == i + 1  # the nodes finished so far show their δ
        current = result["steps"][i]
        (marked,) = [line for line in boxes if "#d62728" in line]
        assert f'label="{{{current["name"]} |' in marked
        assert re.search(rf"δ\s{re.escape(format(current['delta'], '#.4g'))}", marked) or current["delta"] == 0


def test_glue_hand_check_is_hand_check():
    values = json.dumps(["x1=2", "x2=0", "w1=-3", "w2=1", "b=6.88"])
    expr = "tanh(w1*x1 + w2*x2 + b)"
    claims = {"w1": "x1*(1 - tanh(w1*x1 + w2*x2 + b)**2)", "b": "1", "x1": "", "x2": "1 - 0.5**2"}
    result = json.loads(glue.check_json(expr, values, json.dumps(claims)))
    assert not result["ok"]
    assert {r["name"]: r["verdict"] for r in result["rows"]} == {"w1": "right", "b": "WRONG", "x2": "WRONG"}
    assert "∂f/∂b: wrong" in result["feedback"] and "tried at 20 random points" in result["feedback"]
    # the student's page shows the judge's words, never the engine's value or the finite difference
    assert "0.2612" not in result["feedback"] and "engine" not in result["feedback"]
    # the right claims alone pass, also at the random points
    right = {"w1": claims["w1"], "b": "1 - tanh(w1*x1 + w2*x2 + b)**2"}
    assert json.loads(glue.check_json(expr, values, json.dumps(right)))["ok"]
    # a claim outside the whitelist is refused in one line, naming the derivative
    bad = json.loads(glue.check_json(expr, values, json.dumps({"b": '__import__("os")'})))
    assert bad["error"].startswith("deltagrad: error: ∂f/∂b: unknown function") and "\n" not in bad["error"]
    none = json.loads(glue.check_json(expr, values, json.dumps({"b": " "})))
    assert "type at least one derivative" in none["error"]


def test_expression_function_is_the_traced_expression():
    from autograd import Value
    from autograd.teaching.expr import ExprError, function

    text = "x*exp(w*x) + log(x) - softplus(-w)/3"
    point = {"x": 0.5, "w": 2.0}
    f = function(text)
    t = trace(text, point)
    assert f.variables == ("x", "w")
    assert f(**point, unused=1.0) == pytest.approx(t.root.data, rel=1e-15)  # plain floats
    root = f(**{n: Value(v, n) for n, v in point.items()})
    assert isinstance(root, Value) and root.data == t.root.data
    assert function("1 - 0.5**2")() == 0.75  # a constant is allowed here, unlike in a trace
    with pytest.raises(ExprError, match="log is only defined for positive"):
        f(x=-1.0, w=1.0)
    with pytest.raises(ExprError, match="no value given for w"):
        f(x=1.0)
    with pytest.raises(ExprError, match="unknown function '__import__'"):
        function('__import__("os")')


def test_glue_draws_once_what_the_stepper_draws():
    """The page lays out drawing_json's DOT once; frames_json then gives the same tagged SVG,
    ranks and per-step ids as Stepper.frames() (the stepper page's), for every step."""
    graphviz = pytest.importorskip("graphviz")
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    from autograd import Stepper

    result = json.loads(glue.trace_json("x*exp(w*x) + log(x)", json.dumps(["x=0.5", "w=2"])))
    drawing = json.loads(glue.drawing_json())
    assert drawing["timeout"] == 20.0
    svg = graphviz.Source(drawing["dot"]).pipe(format="svg").decode("utf-8")
    data = json.loads(glue.frames_json(svg))
    frames = Stepper(glue._current["root"]).frames()
    assert data["svg"] == frames.svg and data["rank"] == frames.rank
    assert [(f["current"], f["terms"]) for f in data["frames"]] == [(list(f.current), list(f.terms)) for f in frames.frames]
    assert len(data["frames"]) == len(result["steps"])
    assert glue.timeout_message(0.5).startswith("Graphviz was stopped after 0.5 s laying out this picture")


def test_glue_training_is_one_fit_run():
    """The train preset trains in chunks, for the page to show each one; the optimizer
    carries over, so the run is exactly one nn.fit over all the epochs."""
    import nn

    assert json.loads(glue.train_start()) == {"epochs": glue.TRAIN_EPOCHS}
    chunks = []
    while not chunks or not chunks[-1]["done"]:
        chunks.append(json.loads(glue.train_more(3)))
    assert [c["epoch"] for c in chunks] == list(range(glue.TRAIN_CHUNK, glue.TRAIN_EPOCHS + 1, glue.TRAIN_CHUNK))
    X, y, model, opt = glue.train_setup()
    whole = nn.fit(model, X, y, "hinge", opt, epochs=glue.TRAIN_EPOCHS, shuffle=False, progress=False, record=True)
    run = glue._training["history"]
    assert (run.loss, run.accuracy, run.snapshots) == (whole.loss, whole.accuracy, whole.snapshots)
    assert chunks[-1]["loss"] == whole.loss[-1]
    view = nn.TrainingView(model, X, y, whole, title="nn.fit on moons, 2-8-8-1, in your browser")
    assert chunks[-1]["page"] == view.html(step=-1, point=3)  # the newest epoch, the example kept


def test_glue_refuses_to_draw_a_graph_too_big_but_still_traces():
    expr = network_expression([2, 8, 8, 1])
    values = network_values([2, 8, 8, 1])
    result = json.loads(glue.trace_json(expr, json.dumps(values)))
    code, out, _ = cli(expr, values)
    assert result["ok"] and code == 0 and result["report"] == out.rstrip("\n")
    assert not result["drawable"] and "max_nodes=500" in result["draw_error"]


def test_the_site_is_built_from_exact_pins():
    """Every run-time dependency of deltagrad has a pinned, hashed wheel in wheels.txt that
    satisfies pyproject.toml's range, and the npm packages are pinned exactly and locked."""
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in Python 3.11+")
    from packaging.requirements import Requirement

    needed = [Requirement(r) for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]]
    pinned = {}
    for line in (PLAYGROUND / "wheels.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            spec, _, digest = line.partition(" --hash=sha256:")
            name, _, version = spec.partition("==")
            assert version and re.fullmatch(r"[0-9a-f]{64}", digest.strip()), line
            pinned[name.lower()] = version
    assert set(pinned) == {r.name.lower() for r in needed}
    for r in needed:
        assert r.specifier.contains(pinned[r.name.lower()]), (r, pinned[r.name.lower()])
    package = json.loads((PLAYGROUND / "package.json").read_text())
    lock = json.loads((PLAYGROUND / "package-lock.json").read_text())
    for name, version in package["dependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), (name, version)  # exact, no ^ or ~
        assert lock["packages"][f"node_modules/{name}"]["version"] == version


# ---------------------------------------------------------------------------
# A network written out as one expression (no let-bindings: each hidden unit of layer
# l is written again for every unit of layer l + 1 that reads it; the weights are shared
# variables, so the gradient of each weight sums over all its copies)
# ---------------------------------------------------------------------------
def network_expression(sizes: list[int]) -> str:
    units = [f"x{i}" for i in range(1, sizes[0] + 1)]
    for l, width in enumerate(sizes[1:], start=1):
        out = []
        for j in range(1, width + 1):
            terms = " + ".join(f"w{l}_{j}_{k}*{z}" for k, z in enumerate(units, start=1))
            a = f"{terms} + b{l}_{j}"
            out.append(a if l == len(sizes) - 1 else f"tanh({a})")
        units = out
    return f"0.5*({units[0]} - t)**2"


def network_values(sizes: list[int]) -> list[str]:
    values = [f"x{i}={0.5 * i - 1:g}" for i in range(1, sizes[0] + 1)]
    for l in range(1, len(sizes)):
        for j in range(1, sizes[l] + 1):
            values += [f"w{l}_{j}_{k}={((7 * j + 3 * k + l) % 11 - 5) / 10:g}" for k in range(1, sizes[l - 1] + 1)]
            values.append(f"b{l}_{j}={(j % 3 - 1) / 10:g}")
    return values + ["t=1"]


# ---------------------------------------------------------------------------
# The built site in Chromium
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    given = os.environ.get("DELTAGRAD_SITE")
    if given:
        path = Path(given)
        if not (path / "wheels.json").is_file():
            pytest.fail(f"DELTAGRAD_SITE={given} is not a built site (no wheels.json); run make site")
        return path
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("node/npm not found: building the site needs them (apt-get install nodejs npm)")
    spec = importlib.util.spec_from_file_location("playground_build", PLAYGROUND / "build.py")
    site_build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(site_build)
    out = tmp_path_factory.mktemp("site")
    start = time.perf_counter()
    manifest = site_build.build(out, log=lambda line: None)
    MEASURED.append(f"playground build: {time.perf_counter() - start:.1f} s, {manifest['bytes'] / 1e6:.2f} MB "
                    f"({', '.join(f'{k} {v:.1f} s' for k, v in manifest['timings'].items() if k != 'total')})")
    return out


@pytest.fixture(scope="module")
def server(site):
    """`python -m http.server`, exactly as the README tells a reader to serve the site."""
    with serve(site, "/wheels.json") as origin:
        yield origin


def readme_example() -> tuple[list[str], str]:
    """docs/teaching.md's `deltagrad trace` command (its arguments) and its playground link."""
    readme = (ROOT / "docs" / "teaching.md").read_text(encoding="utf-8")
    command = next(line for line in readme.splitlines() if line.startswith("deltagrad trace "))
    args = [a for a in shlex.split(command)[2:]]
    args = args[: next((i for i, a in enumerate(args) if a.startswith("--")), len(args))]
    links = re.findall(r"\]\(http://127\.0\.0\.1:8000/(#expr=[^)\s]+)\)", readme)
    assert links, "docs/teaching.md links the trace example in the playground"
    return args, links[0]


@pytest.fixture(scope="module")
def page(server):
    sync_playwright = sync_playwright_or_skip()
    _, link = readme_example()
    with sync_playwright() as p:
        browser = launch(p)
        try:
            context = browser.new_context()
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
            page = context.new_page()
            page.requests, page.left, page.bytes, page.problems = [], [], 0, []

            def route(r):  # every request passes here: only the local server is let through
                if r.request.url.startswith(server + "/") or r.request.url.startswith("data:"):
                    r.continue_()
                else:
                    page.left.append(r.request.url)
                    r.abort()

            def finished(request):  # the bytes the server sent (python -m http.server sends no gzip)
                response = request.response()
                page.bytes += int(response.headers.get("content-length", 0)) if response else 0

            context.route("**/*", route)
            page.on("request", lambda r: page.requests.append(r.url))
            page.on("requestfinished", finished)
            page.on("pageerror", lambda e: page.problems.append(str(e)))
            page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
            cdp = browser.new_browser_cdp_session()
            before = _cpu_seconds(cdp)
            start = time.perf_counter()
            page.goto(server + "/" + link)
            page.wait_for_selector("body[data-state=ready], body[data-state=failed]", timeout=120_000)
            page.load_seconds = time.perf_counter() - start
            page.load_bytes = page.bytes  # what the page loads to be ready (a stopped layout worker reloads viz.js)
            # wall time depends on what else the machine runs; the CPU time much less
            after = _cpu_seconds(cdp)
            page.load_cpu = sum(t - before.get(p, 0.0) for p, t in after.items())
            assert page.get_attribute("body", "data-state") == "ready", page.inner_text("#status")
            page.origin = server
            yield page
        finally:
            browser.close()


def _cpu_seconds(cdp) -> dict:
    """CPU seconds used so far by each of Chromium's processes."""
    return {(p["type"], p["id"]): p["cpuTime"] for p in cdp.send("SystemInfo.getProcessInfo")["processInfo"]}


def go(page, fragment: str) -> None:
    """Open a link on the loaded page (a hash change: Python stays loaded)."""
    page.evaluate("f => { location.hash = f }", fragment)
    expr = next(v for k, v in urllib.parse.parse_qsl(fragment[1:], keep_blank_values=True) if k == "expr")
    page.wait_for_function("e => document.getElementById('expr').value === e", arg=expr)


def test_readme_link_shows_the_gradients_the_cli_prints(page, capsys):
    args, link = readme_example()
    pairs = [p.split("=", 1) for p in link[1:].split("&")]
    decoded = [(k, urllib.parse.unquote(v)) for k, v in pairs]
    # the link is the README's command: the same expression and the same values, in order
    assert decoded[0] == ("expr", args[0]) and [f"{k}={v}" for k, v in decoded[1:] if k != "step"] == args[1:]
    code, out, err = cli(args[0], args[1:])
    assert code == 0, err
    report = page.inner_text("#report")
    assert gradient_lines(report) == gradient_lines(out) and len(gradient_lines(out)) == 5
    assert report == out.rstrip("\n")  # the whole report, forward values and every step too
    assert page.is_hidden("#error")
    page.wait_for_selector("#graph[data-state=drawn]", timeout=60_000)  # laid out in a worker, after the report
    assert page.locator("#graph svg").count() == 1
    for line in MEASURED:
        measured(capsys, line)
    measured(capsys, f"playground load: {page.load_seconds:.1f} s to ready (page's own clock "
                   f"{page.evaluate('window.playgroundLoad.seconds'):.1f} s), {page.load_cpu:.1f} s of CPU in "
                   f"Chromium's processes, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def test_stepping_forward_and_back(page):
    args, link = readme_example()
    go(page, link)
    t = trace(args[0], {a.split("=")[0]: float(a.split("=")[1]) for a in args[1:]})
    n = len(t.steps)

    def shown() -> tuple[str, str]:
        return page.inner_text("#step-label"), page.inner_text("#step-text")

    def expect(i: int) -> None:  # step i of the trace: the page counts from 1
        assert shown() == (f"step {i + 1} of {n}", t.steps[i].explain())
        assert page.url.endswith(f"&step={i + 1}")
        # the SVG laid out once by viz.js, restyled: the current node outlined in red, the unreached ones grey
        page.wait_for_selector("#graph[data-state=drawn]")
        svg = page.inner_html("#graph")
        texts = page.locator("#graph g.node.dg-current text").all_text_contents()
        assert t.steps[i].name in texts, (i, texts)  # the box's first field is the node's name
        assert len(re.findall(r"δ(?:\s|&#160;|&nbsp;)\?", svg)) == n - i - 1

    expect(0)
    page.click("#next")
    expect(1)
    page.focus("body")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(3)
    page.click("#prev")
    expect(2)
    page.keyboard.press("ArrowLeft")
    expect(1)
    page.click("#last")
    expect(n - 1)
    assert page.is_disabled("#next") and page.is_disabled("#last") and page.is_enabled("#prev")
    page.keyboard.press("ArrowRight")  # past the end: stays on the last step
    expect(n - 1)
    page.keyboard.press("Home")
    expect(0)
    # the link carries the step: opening it again lands on that step
    page.click("#next")
    page.click("#next")
    link_with_step = page.input_value("#link")
    assert link_with_step == page.url and link_with_step.endswith("&step=3")  # step 3, counted from 1
    page.click("#copy-link")
    assert page.evaluate("navigator.clipboard.readText()") == link_with_step
    go(page, link)  # back to step 0 ...
    page.goto(link_with_step)  # ... and the copied link brings step 2 back
    page.wait_for_function("() => document.getElementById('step-label').textContent.startsWith('step 3 ')")
    expect(2)


def test_wrong_hand_check_claim_is_marked_wrong(page):
    args, link = readme_example()
    go(page, link)
    claims = {"b": "1", "w1": "x1*(1 - tanh(w1*x1 + w2*x2 + b)**2)"}
    for name, text in claims.items():
        page.fill(f"#claims input[data-var='{name}']", text)
    page.click("#check-button")
    verdict = page.inner_text("#verdict")
    # the page sends a claim per variable, in the expression's order; blank ones are skipped
    in_order = {name: claims.get(name, "") for name in json.loads(glue.variables_json(args[0]))["variables"]}
    expected = json.loads(glue.check_json(args[0], json.dumps(args[1:]), json.dumps(in_order)))
    assert verdict == expected["feedback"]
    rows = {line.split(":")[0]: line.split(":")[1].split(".")[0].strip() for line in verdict.splitlines()
            if line.startswith("∂f/∂")}
    assert rows == {"∂f/∂b": "wrong", "∂f/∂w1": "right"}
    trace = json.loads(glue.trace_json(args[0], json.dumps(args[1:])))
    engine = [float(v) for v in re.findall(r"^  ∂f/∂\w+ = (\S+)$", trace["report"], flags=re.M)]
    assert engine and not any(f"{abs(v):#.3g}" in verdict for v in engine if v)  # no engine value shown


def enter(page, expr: str, values: list[str]) -> list[str]:
    """Type the expression, trace, type the values into the inputs that appear, trace
    again; return the values the page had to send (those of the expression's variables)."""
    page.fill("#expr", expr)
    page.click("#trace")
    given = dict(v.split("=", 1) for v in values)
    names = json.loads(glue.variables_json(expr)).get("variables", [])
    for name in names:
        page.fill(f"#values input[data-var='{name}']", given.get(name, ""))
    if names:
        page.click("#trace")
    assert page.locator("#values input").count() == len(names)
    return [f"{n}={given[n]}" for n in names if n in given]


@pytest.mark.parametrize("expr,values", [b for b in BAD_INPUTS if "z=3" not in b[1]])
def test_bad_input_shows_the_cli_one_line_error(page, expr, values):
    sent = enter(page, expr, values)
    code, _, err = cli(expr, sent)
    assert code == 2
    shown = page.inner_text("#error")
    assert page.is_visible("#error") and shown == err.strip() and "\n" not in shown
    assert page.is_hidden("#stepper") and page.inner_text("#report") == ""
    assert page.locator("#graph svg").count() == 0
    assert "Traceback" not in page.inner_text("body")


def test_a_link_with_a_value_for_no_variable_shows_the_cli_error(page):
    go(page, "#expr=x*y&x=1&y=2&z=3")  # only a link can give it: the inputs follow the expression
    code, _, err = cli("x*y", ["x=1", "y=2", "z=3"])
    assert code == 2 and page.inner_text("#error") == err.strip()
    assert [page.input_value(f"#values input[data-var='{n}']") for n in "xy"] == ["1", "2"]


def test_variables_called_expr_and_step_survive_the_link(page):
    go(page, "#expr=expr*step&expr=2&step=3&step=1")
    code, out, _ = cli("expr*step", ["expr=2", "step=3"])
    assert code == 0 and page.inner_text("#report") == out.rstrip("\n")
    assert page.inner_text("#step-label").startswith("step 1 ")
    assert page.url.endswith("#expr=expr*step&expr=2&step=3&step=1")


def test_import_is_refused_in_one_line(page):
    enter(page, '__import__("os")', [])
    from autograd.teaching.expr import FUNCTIONS  # the engine's table: exp, log, ..., sin, sqrt, clamp

    assert page.inner_text("#error") == ("deltagrad: error: unknown function '__import__'; the functions are "
                                         + ", ".join(FUNCTIONS))


def test_presets_agree_with_the_cli(page):
    options = page.locator("#preset option").all_inner_texts()[1:]
    assert len(options) >= 4
    for i in range(len(options)):
        if options[i].startswith("Train:"):  # trains a network (test_the_train_preset_...), no expression
            continue
        page.select_option("#preset", str(i))
        fragment = urllib.parse.urlsplit(page.url).fragment
        pairs = [p.split("=", 1) for p in fragment.split("&")]
        expr = urllib.parse.unquote(pairs[0][1])
        values = [f"{k}={urllib.parse.unquote(v)}" for k, v in pairs[1:] if k != "step"]
        code, out, err = cli(expr, values)
        assert code == 0, (options[i], err)
        assert page.inner_text("#report") == out.rstrip("\n"), options[i]


def test_a_real_sized_network(page, capsys):
    for sizes in ([2, 8, 1], [2, 8, 8, 1]):
        expr, values = network_expression(sizes), network_values(sizes)
        fragment = "#expr=" + urllib.parse.quote(expr, safe="") + "".join(
            "&" + v.split("=")[0] + "=" + urllib.parse.quote(v.split("=")[1]) for v in values)
        start = time.perf_counter()
        go(page, fragment)
        traced = time.perf_counter() - start
        code, out, _ = cli(expr, values)
        assert code == 0 and page.inner_text("#report") == out.rstrip("\n")
        nodes = len(trace(expr, dict((v.split("=")[0], float(v.split("=")[1])) for v in values)).steps)
        if nodes <= glue.MAX_DRAWN:
            page.wait_for_selector("#graph[data-state=drawn]", timeout=120_000)
        layouts = page.get_attribute("body", "data-layouts")
        start = time.perf_counter()
        page.click("#last")
        stepped = time.perf_counter() - start
        assert page.get_attribute("body", "data-layouts") == layouts  # a step restyles, never lays out
        drawn = page.locator("#graph g.node:not(#legend)").count()
        if nodes <= glue.MAX_DRAWN:
            assert drawn == 2 * nodes - len(values)  # a box per Value and an ellipse per op
        else:
            assert drawn == 0 and "max_nodes=500" in page.inner_text("#graph-note")
        measured(capsys, f"playground {'-'.join(map(str, sizes))} network: {nodes} nodes, {len(expr)} characters; "
                       f"trace + first drawing {traced:.2f} s, last step {stepped:.2f} s, {drawn} SVG nodes")


def test_value_boxes_appear_as_the_expression_is_typed(page):
    """A new expression's variables get their boxes before Trace is pressed, so the first
    Trace can succeed; values typed before are kept by name."""
    go(page, "#expr=x*y&x=1&y=2")
    page.fill("#expr", "")
    page.type("#expr", "x*w + tanh(b)")
    page.wait_for_function("() => document.querySelectorAll('#values input').length === 3")
    assert [page.get_attribute(e, "data-var") for e in ["#values label:nth-child(1) input",
            "#values label:nth-child(2) input", "#values label:nth-child(3) input"]] == ["x", "w", "b"]
    assert page.input_value("#values input[data-var='x']") == "1"
    page.fill("#values input[data-var='w']", "2")
    page.fill("#values input[data-var='b']", "0.5")
    page.click("#trace")
    page.wait_for_function("() => !document.getElementById('stepper').hidden")
    assert page.is_hidden("#error")
    code, out, _ = cli("x*w + tanh(b)", ["x=1", "w=2", "b=0.5"])
    assert code == 0 and page.inner_text("#report") == out.rstrip("\n")


def test_help_lists_every_function_of_the_table(page):
    from autograd.teaching.expr import FUNCTIONS, calls

    listed = page.inner_text("#functions")
    assert len(calls()) == len(FUNCTIONS)
    assert listed == ", ".join(calls())


def test_long_report_lines_wrap(page):
    expr = "+".join(f"w{k}*x{k}" for k in range(40))
    values = [f"w{k}=0.5" for k in range(40)] + [f"x{k}=2" for k in range(40)]
    go(page, "#expr=" + urllib.parse.quote(expr, safe="") + "".join("&" + v for v in values))
    page.wait_for_function("() => !document.getElementById('report-section').hidden")
    assert page.evaluate("(() => { const r = document.getElementById('report'); "
                         "return r.scrollWidth <= r.clientWidth + 1; })()")


def test_a_slow_layout_is_stopped_and_the_page_keeps_stepping(page):
    """60 nested tanh (181 nodes, under the 500-node limit) once took a minute per step on
    the page's thread. Now Graphviz runs once, in a worker: stepping answers at once while
    it works, and past the limit it is stopped with the CLI's message."""
    expr = "x"
    for _ in range(60):
        expr = f"tanh({expr} * 1.01 + x)"
    page.evaluate("window.PLAYGROUND_LAYOUT_TIMEOUT = 600")  # time enough: the layout is still running
    try:
        go(page, "#expr=" + urllib.parse.quote(expr, safe="") + "&x=0.5")
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        page.wait_for_function("() => document.getElementById('step-label').textContent.startsWith('step 6 ')")
        # five steps answered while Graphviz is still at work: no layout on the page's thread
        assert page.get_attribute("#graph", "data-state") == "laying-out"
        page.evaluate("window.PLAYGROUND_LAYOUT_TIMEOUT = 0.05")  # a limit it cannot meet
        go(page, "#expr=" + urllib.parse.quote(expr + " + x", safe="") + "&x=0.5")
        page.wait_for_selector("#graph[data-state=failed]", timeout=60_000)
        note = page.inner_text("#graph-note")
        assert note.startswith("Graphviz was stopped after 0.05 s laying out this picture") and "collapse" in note
    finally:
        page.evaluate("delete window.PLAYGROUND_LAYOUT_TIMEOUT")
    page.keyboard.press("ArrowRight")  # the page still steps, and a small graph still draws
    go(page, "#expr=x*y&x=1&y=2")
    page.wait_for_selector("#graph[data-state=drawn]", timeout=60_000)


def test_the_train_preset_runs_fit_and_shows_the_view(page, capsys):
    """nn.fit runs in Pyodide and the training view shows each chunk as it comes; at the end
    its numbers are CPython's (to rounding: the two libm's may differ in the last bit)."""
    import nn

    train = next(o for o in page.locator("#preset option").all_inner_texts() if o.startswith("Train:"))
    start = time.perf_counter()
    page.select_option("#preset", label=train)
    page.wait_for_function("document.getElementById('train-status').textContent.includes('done')", timeout=120_000)
    measured(capsys, f"playground train preset: {glue.TRAIN_EPOCHS} epochs of a 2-8-8-1 network on 100 moons "
                     f"in {time.perf_counter() - start:.1f} s, shown every {glue.TRAIN_CHUNK} epochs")
    assert urllib.parse.urlsplit(page.url).fragment == "train"
    view = page.frame_locator("#train-view")
    view.locator("body[data-ready='1']").wait_for()
    steps = glue.TRAIN_EPOCHS
    assert view.locator("#counter").text_content() == f"step {steps} of {steps}"
    X, y, model, opt = glue.train_setup()
    whole = nn.fit(model, X, y, "hinge", opt, epochs=steps, shuffle=False, progress=False, record=True)
    assert abs(float(view.locator("#loss").get_attribute("data-v")) - whole.loss[-1]) <= 1e-9 * whole.loss[-1]
    view.locator("#slider").fill("40")
    view.locator("#points circle.pt[data-i='12']").click()
    engine = nn.TrainingView(model, X, y, whole).engine_point(40, 12)
    shown = [float(v) for v in view.locator("#params td.grad").evaluate_all("tds => tds.map(t => t.dataset.v)")]
    assert len(shown) == model.num_parameters()
    assert all(abs(u - v) <= 1e-9 * max(1.0, abs(v)) for u, v in zip(shown, engine["grads"]))
    go(page, readme_example()[1])  # back to tracing: the training view goes away
    assert page.is_hidden("#train") and page.is_visible("#stepper")


def test_opened_as_a_file_it_says_how_to_serve_it(page, site):
    context = page.context.browser.new_context()  # without the route that lets only the server through
    try:
        other = context.new_page()
        other.goto((site / "index.html").resolve().as_uri())
        assert "must be served over HTTP" in other.inner_text("#status")
    finally:
        context.close()


def test_nothing_left_the_local_server(page, capsys):
    """Runs last: every request of every test above went to the local server."""
    assert page.requests and page.left == []
    assert all(u.startswith(page.origin + "/") or u.startswith("data:") for u in page.requests), \
        [u for u in page.requests if not u.startswith(page.origin + "/")]
    assert page.problems == [], page.problems
    measured(capsys, f"playground download: {page.load_bytes / 1e6:.2f} MB to load ({page.bytes / 1e6:.2f} MB "
                   f"in {len(page.requests)} requests over all the tests); "
                   f"load {page.load_seconds:.1f} s ({page.load_cpu:.1f} s CPU)")
    assert page.load_bytes <= MAX_DOWNLOAD

