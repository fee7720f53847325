"""One notebook exercise, run the way its notebook runs it: the setup cells, the student's
answer cell, then the check cells; the check's verdict is the feedback.

    run(setup, answer, check) -> {"ok": bool, "verdict": "right: ..." | "wrong: ..." | ...}

The course pages (playground/course.py writes them) run this file in Pyodide, in a Web
Worker the page stops after a time limit; the tests run the same file under CPython. The
verdict is the check's own (the judge's Verdict: `str(verdict)` starts with its status,
"right", "wrong" or "not answered yet"), never a number the student was asked for. The
answer is the student's own Python, run in the student's own browser: the worker is the
sandbox and the time limit its bound; here the recursion depth is bounded too.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import sys

RECURSION_LIMIT = 400  # deep enough for any answer cell, shallow enough to fail fast


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def _split_last_expression(code: str, filename: str):
    """The cell's statements and its last expression (what Jupyter would show), if any."""
    tree = ast.parse(code, filename)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    return compile(tree, filename, "exec"), (compile(last, filename, "eval") if last else None)


def run(setup: str, answer: str, check: str) -> dict:
    """Run the exercise with `answer` as the answer cell; the check's verdict."""
    namespace: dict = {"__name__": "__main__"}
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(setup, "<exercise setup>", "exec"), namespace)  # the notebook's own cells
    except Exception as err:
        return {"ok": False, "verdict": f"error: the exercise could not be set up ({_one_line(err)})"}
    try:
        code = compile(answer, "<your answer>", "exec")
    except SyntaxError as err:
        return {"ok": False, "verdict": f"wrong: your answer is not valid Python ({err.msg}, line {err.lineno})"}
    depth = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(RECURSION_LIMIT + len(_frames()))
        with contextlib.redirect_stdout(io.StringIO()):
            exec(code, namespace)  # the student's own cell, in the student's own browser
    except RecursionError:
        return {"ok": False, "verdict": "wrong: your answer recursed too deep and was stopped"}
    except Exception as err:
        return {"ok": False, "verdict": f"wrong: your answer raised {_one_line(err)}"}
    finally:
        sys.setrecursionlimit(depth)
    printed = io.StringIO()
    try:
        statements, last = _split_last_expression(check, "<exercise check>")
        with contextlib.redirect_stdout(printed):
            exec(statements, namespace)
            verdict = eval(last, namespace) if last else None  # the check cell's own last line
    except Exception as err:  # a check that raises on an answer (e.g. a formula of other names)
        return {"ok": False, "verdict": f"wrong: the check could not use your answer ({_one_line(err)})"}
    if verdict is None:  # a check that prints its verdict
        text = printed.getvalue().strip()
        return {"ok": text.startswith("right"), "verdict": text or "error: the check said nothing"}
    return {"ok": bool(getattr(verdict, "ok", False)), "verdict": str(verdict)}


def _frames() -> list:
    frames, frame = [], sys._getframe()
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    return frames


def run_json(setup: str, answer: str, check: str) -> str:
    """run(), as JSON for the page."""
    return json.dumps(run(setup, answer, check))
