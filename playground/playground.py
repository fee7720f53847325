"""The Python side of the playground page: deltagrad's own code, run by Pyodide.

The page (playground.js) calls these functions:

    variables_json(expr)                   the expression's variables, or the CLI's error
    trace_json(expr, assignments)          `deltagrad trace` itself: its report or its one-line
                                           error, and every backward Step (JSON)
    drawing_json(), frames_json(svg)       the whole pass drawn once (DOT, laid out in the page's
                                           worker with the CLI's time limit), and per step what
                                           to restyle in it: no step lays the graph out again
    timeout_message(seconds)               the CLI's words when that layout takes too long
    functions_json()                       the functions an expression may call (the help)
    dot(i)                                 the op graph at step i, as DOT source (one picture)
    check_json(expr, assignments, claims)  `hand_check` of derivatives typed by a student
    train_start(), train_more(point)       the "train" preset: `nn.fit` a chunk of epochs at
                                           a time, each time the `nn.TrainingView` page

Nothing here parses or differentiates on its own: the report and the error are what
`nn.cli.main(["trace", ...])` prints, the steps are `autograd.expr.trace`'s, the drawing
is `autograd.draw`'s DOT source (laid out in the page by Graphviz compiled to
WebAssembly), and the verdicts are `autograd.hand_check`'s. The same file runs under
CPython, which is how the tests compare it with the command line.
"""

from __future__ import annotations

import contextlib
import io
import json
import math

from autograd import Stepper, draw, hand_check
from autograd.teaching.judge import read_number
from autograd.drawing.draw import LAYOUT_TIMEOUT, layout_timeout_message
from autograd.teaching.expr import ExprError, calls, function, parse, parse_assignments, trace
from autograd.teaching.steps import RESTYLE_CSS, clean_svg, tag_deltas
from nn import cli

MAX_DRAWN = 500  # nodes: draw()'s own limit; beyond it the page shows the report without a picture
N_RANDOM = 20  # random points for derivatives typed as expressions (hand_check's n_random)

_current: dict = {}  # the last successful trace: its root and steps, for dot(i)


def _error(message: str) -> str:
    """One line, as the CLI prints it."""
    return "deltagrad: error: " + " ".join(str(message).splitlines())


def _run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    return code, out.getvalue(), err.getvalue()


def variables_json(expr: str) -> str:
    """{"variables": [...]} in order of first appearance, or {"error": "deltagrad: error: ..."}."""
    try:
        return json.dumps({"variables": parse(expr)[1]})
    except Exception as err:  # ExprError; anything else still one line, never a traceback
        return json.dumps({"error": _error(err)})


def trace_json(expr: str, assignments_json: str) -> str:
    """Trace `expr` with the name=value texts in `assignments_json` (a JSON list), exactly
    as `deltagrad trace -- EXPR name=value ...` does.

    {"ok": true, "report": <the CLI's stdout>, "root": "f", "variables": [...],
     "gradients": {name: ∂f/∂name}, "steps": [{"index", "name", "delta", "text", "explain"}],
     "drawable": bool, "draw_error": str}
    or {"ok": false, "error": <the CLI's one-line error>}."""
    _current.clear()
    try:
        assignments = [str(a) for a in json.loads(assignments_json)]
        # "--": an expression starting with "-" is the expression, not an option
        code, out, err = _run_cli(["trace", "--", expr, *assignments])
        if code != 0:
            # the CLI's own line (as it is, spaces and all); one line even if it ever printed more
            return json.dumps({"ok": False, "error": " ".join(err.strip().splitlines()) or _error("the trace failed")})
        result = trace(expr, parse_assignments(assignments))  # the same call the CLI made
    except Exception as err:  # never a traceback in the page: one line that says what happened
        return json.dumps({"ok": False, "error": _error(f"{type(err).__name__}: {err}")})
    steps = result.steps
    _current.update(root=result.root, steps=steps)
    drawable, draw_error = True, ""
    if len(steps) > MAX_DRAWN:
        drawable = False
        try:
            draw(result.root)
        except ValueError as err:
            draw_error = str(err)
    return json.dumps({
        "ok": True,
        "report": out.rstrip("\n"),
        "root": result.root.label,
        "variables": list(result.leaves),
        "gradients": {n: _number(g) for n, g in result.gradients.items()},
        "steps": [{"index": s.index, "name": s.name, "delta": _number(s.delta),
                   "text": s.text(), "explain": s.explain()} for s in steps],
        "drawable": drawable,
        "draw_error": draw_error,
    })


def functions_json() -> str:
    """Every function an expression may call, from the derivative table (the page's help)."""
    return json.dumps(calls())


def drawing_json() -> str:
    """The last trace's whole backward pass as ONE drawing to lay out (every node's δ in it):
    {"dot": DOT source, "timeout": seconds the layout may take (the CLI's limit)}. The page lays
    it out once, in a worker, then `frames_json` says what each step restyles in it."""
    stepper = Stepper(_current["root"])
    if [s.name for s in stepper.steps] != [s.name for s in _current["steps"]]:
        raise RuntimeError("the drawing's steps are not the trace's")  # one backward pass for both
    drawing, rank, frames = stepper.frame_parts(max_nodes=MAX_DRAWN)
    _current["drawing"] = (drawing.source, drawing.layout, rank, frames)
    return json.dumps({"dot": drawing.source, "timeout": LAYOUT_TIMEOUT})


def frames_json(svg: str) -> str:
    """The laid-out drawing, its δ texts marked, and per step the ids to restyle:
    {"svg", "css", "rank": {id: step where it is finished}, "frames": [{"current", "terms"}]}."""
    _, layout, rank, frames = _current["drawing"]
    return json.dumps({"svg": tag_deltas(clean_svg(svg), layout.deltas), "css": RESTYLE_CSS, "rank": rank,
                       "frames": [{"current": list(f.current), "terms": list(f.terms)} for f in frames]})


def timeout_message(seconds: float = LAYOUT_TIMEOUT) -> str:
    """What the CLI says when Graphviz takes longer than its limit on this drawing."""
    return layout_timeout_message(_current["drawing"][0], float(seconds))


def dot(index: int) -> str:
    """DOT source of the op graph at backward step `index` of the last trace: the nodes
    finished so far show their δ, the current one is highlighted, the rest are grey."""
    steps = _current["steps"]
    i = max(0, min(int(index), len(steps) - 1))
    deltas = {s.node: s.delta for s in steps[: i + 1]}
    return draw(_current["root"], deltas=deltas, highlight=(steps[i].node,), max_nodes=MAX_DRAWN).source


def check_json(expr: str, assignments_json: str, claims_json: str) -> str:
    """A student's derivatives {name: text} checked by `hand_check` at the traced point.

    A claim is a number or an expression in the same language as the function
    (e.g. "x*(1 - tanh(w*x + b)**2)"); an expression is also tried at N_RANDOM random
    points near the point. Blank claims are skipped.
    {"ok": bool, "feedback": HandCheck.feedback(), "rows": [{"name", "verdict"}]} or {"error": "..."}:
    the judge's words per derivative, never the engine's value or the finite difference
    (the table `str(HandCheck)` shows them beside the claim; a student's page does not)."""
    try:
        point = parse_assignments([str(a) for a in json.loads(assignments_json)])
        f = function(expr)
        root = "out" if "f" in f.variables else "f"
        claims = {}
        for name, text in json.loads(claims_json).items():
            text = str(text).strip()
            if not text:
                continue
            if name not in f.variables:
                raise ExprError(f"{name} is not a variable of the expression "
                                f"(the variables are {', '.join(f.variables)})")
            claims[name] = _claim(root, name, text, f.variables)
        if not claims:
            raise ExprError(f"type at least one derivative, e.g. ∂{root}/∂{f.variables[0]}")
        table = hand_check(f, claims, at=point, n_random=N_RANDOM)
    except Exception as err:  # ExprError, hand_check's ValueError/TypeError, a domain error
        return json.dumps({"error": _error(err)})
    text = table.feedback()
    if root != "f":  # hand_check calls the function f; the trace calls it out when f is a variable
        text = text.replace("∂f/∂", f"∂{root}/∂")
    return json.dumps({"ok": table.ok, "feedback": text,
                       "rows": [{"name": r.name, "verdict": r.verdict} for r in table.rows]})


def _claim(root: str, name: str, text: str, variables):
    """A typed derivative: a float, or a function of the point (the expression language)."""
    reading = read_number(text)  # the judge's reader: 0,25, −1/4, 2.5×10^-1, ≈0.25 as everywhere else
    if reading.status == "ok":
        return reading.value
    try:
        g = function(text)
    except ExprError as err:
        raise ExprError(f"∂{root}/∂{name}: {err}") from None
    if not g.variables:  # a constant expression such as "1 - 0.5**2"
        return float(g())
    unknown = [v for v in g.variables if v not in variables]
    if unknown:
        raise ExprError(f"∂{root}/∂{name} uses {', '.join(unknown)}, which the expression does not have")
    return g


def _number(x: float):
    """JSON has no inf/nan; the trace refuses them anyway, but never send invalid JSON."""
    return x if math.isfinite(x) else str(x)


# ---------------------------------------------------------------------------
# The "train" preset: nn.fit run here, watched in nn.TrainingView as it goes
# ---------------------------------------------------------------------------
# Whole-batch training (so the order of the examples changes no number) of a 2-8-8-1
# network on 100 moons, in chunks of TRAIN_CHUNK epochs, so that the page can show the
# view between chunks. The optimizer (its momentum) carries over from chunk to chunk, so
# the run is the same as one nn.fit(..., epochs=TRAIN_EPOCHS): a test checks it.
TRAIN_EPOCHS = 150
TRAIN_CHUNK = 10
_training: dict = {}


def train_setup():
    """The preset's data, network and optimizer, fresh."""
    import nn

    X, y = nn.data.moons(100, noise=0.1, seed=0)
    model = nn.MLP(2, [8, 8, 1], activation="tanh", seed=0)
    return X, y, model, nn.SGD(model.parameters(), lr=0.1, momentum=0.9)


def train_start() -> str:
    """Start the preset's run: {"epochs": the number it will train}."""
    import nn

    X, y, model, opt = train_setup()
    _training.clear()
    _training.update(X=X, y=y, model=model, opt=opt, done=0, history=nn.History())
    return json.dumps({"epochs": TRAIN_EPOCHS})


def train_more(point: int = -1) -> str:
    """Train the next chunk of epochs; {"page": the training view at its last step (with
    example X[point] picked), "epoch", "loss", "done"}, or {"error": "..."}."""
    import nn

    t = _training
    try:
        n = min(TRAIN_CHUNK, TRAIN_EPOCHS - t["done"])
        part = nn.fit(t["model"], t["X"], t["y"], "hinge", t["opt"], epochs=n, shuffle=False,
                      progress=False, record=True)
        history = t["history"]
        history.loss += part.loss
        history.accuracy += part.accuracy
        history.snapshots += [(epoch + t["done"], w) for epoch, w in part.snapshots]
        history.settings = part.settings
        t["done"] += n
        view = nn.TrainingView(t["model"], t["X"], t["y"], history, title="nn.fit on moons, 2-8-8-1, in your browser")
        page = view.html(step=-1, point=point if 0 <= point < len(t["X"]) else None)
    except Exception as err:  # one line in the page, never a traceback
        return json.dumps({"error": _error(f"{type(err).__name__}: {err}")})
    return json.dumps({"page": page, "epoch": t["done"], "loss": history.loss[-1],
                       "done": t["done"] >= TRAIN_EPOCHS})
