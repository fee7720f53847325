"""`deltagrad trace`: the printed gradients are right (finite differences, PyTorch),
every bad input ends with status 2 and one line on stderr and never a traceback —
for arbitrary text too — and the files asked for are written."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd.teaching.expr import ExprError, build, parse, parse_assignments, trace
from nn.cli import main

from support import needs_dot


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def gradients(out: str) -> dict[str, float]:
    return {m[1]: float(m[2]) for m in re.finditer(r"^  ∂\w+/∂(\w+) = (\S+)$", out, re.M)}


def test_the_neuron_example(capsys):
    b = math.atanh(1 / math.sqrt(2)) + 6  # tanh(a) = 1/√2, so 1 − tanh² = 0.5
    code, out, err = run(capsys, "trace", "tanh(w1*x1 + w2*x2 + b)", "x1=2", "x2=0", "w1=-3", "w2=1", f"b={b!r}")
    assert code == 0 and err == ""
    # gradients by hand: δ_a = 0.5, ∂a/∂x1 = w1, ∂a/∂w1 = x1, ...
    assert gradients(out) == pytest.approx({"w1": 1.0, "x1": -1.5, "w2": 0.0, "x2": 0.5, "b": 0.5})
    assert "f = tanh(n8) = 0.707107" in out
    assert "δ[n8] = δ[f]·∂f/∂n8 = (1)(0.5) = 0.5      ∂tanh(a)/∂a = 1 − tanh(a)²" in out
    assert "δ[x1] = δ[n2]·∂n2/∂x1 = (0.5)(−3) = −1.5" in out


def test_automatic_names_never_rename_a_variable(capsys):
    # the user's n1, n2, n4 are variables; the engine's own names must step around them
    code, out, err = run(capsys, "trace", "tanh(n1*x + n2) * n4", "n1=2", "x=3", "n2=1", "n4=0.5")
    assert code == 0 and err == ""
    assert "#" not in out
    assert set(gradients(out)) == {"n1", "x", "n2", "n4"}  # each variable under its own name
    assert re.search(r"^  n2 = 1$", out, re.M) and re.search(r"^  n4 = 0.5$", out, re.M)
    names = re.findall(r"^  (\S+) = ", out.split("backward")[0], re.M)
    assert len(names) == len(set(names))  # one name per node


@given(st.lists(st.sampled_from(["n0", "n1", "n2", "n3", "n4", "n5", "n6", "f", "out"]), min_size=1, max_size=5,
                unique=True))
def test_no_variable_name_is_ever_taken_by_a_node(variables):
    text = " * ".join(f"tanh({v} + 1)" for v in variables)
    t = trace(text, {v: 0.5 for v in variables})
    report = t.report()
    assert set(re.findall(r"^  ∂\w+/∂(\S+) = ", report, re.M)) == set(variables)
    names = re.findall(r"^  (\S+) = ", report.split("backward")[0], re.M)
    assert len(names) == len(set(names))


EXPRESSIONS = [
    ("x*x*y - 3*y + 1", "x y"),
    ("sigmoid(a*b) * log(b) + exp(-a/2)", "a b"),
    ("softplus(u) ** 2 + relu(u + v - 0.5) + leaky_relu(v, 0.2) + elu(v, 1.5)", "u v"),
    ("2 ** x / (1 + y * y) - -x", "x y"),
]


@settings(max_examples=30)
@given(st.sampled_from(EXPRESSIONS), st.floats(0.3, 2.0), st.floats(0.3, 2.0))
def test_printed_gradients_agree_with_central_differences(expression, p, q):
    text, variables = expression
    names = variables.split()
    values = dict(zip(names, (p, q)))
    result = trace(text, values)
    for name in names:
        h = 1e-6
        up = build(text, {**values, name: values[name] + h})[0].data
        down = build(text, {**values, name: values[name] - h})[0].data
        assert result.gradients[name] == pytest.approx((up - down) / (2 * h), rel=1e-4, abs=1e-6)


def test_printed_gradients_agree_with_pytorch(capsys):
    torch = pytest.importorskip("torch", reason="PyTorch not installed (pip install 'deltagrad[torch]')")
    code, out, _ = run(capsys, "trace", "sigmoid(a*b) * log(b) + exp(-a/2) + elu(a - b, 1.5)", "a=0.7", "b=1.3")
    assert code == 0
    a = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(1.3, dtype=torch.float64, requires_grad=True)
    f = torch.sigmoid(a * b) * torch.log(b) + torch.exp(-a / 2) + torch.nn.functional.elu(a - b, 1.5)
    f.backward()
    assert gradients(out) == pytest.approx({"a": a.grad.item(), "b": b.grad.item()}, rel=1e-9)


BAD = [
    (["x +"], "cannot parse"),
    (["x.real", "x=1"], "attribute access"),
    (["__import__('os')"], "unknown function"),
    (["(lambda: 1)()"], "only the functions"),
    (["x[0]", "x=1"], "indexing"),
    (["x < 1", "x=1"], "comparisons"),
    (["foo(x)", "x=1"], "unknown function 'foo'"),
    (["tanh(x, 2)", "x=1"], "takes one argument"),
    (["leaky_relu(x, y)", "x=1", "y=2"], "must be a number"),
    (["tanh(x=1)", "x=1"], "by position"),
    (["x*y", "x=1"], "no value given for y"),
    (["x", "x=1", "y=2"], "y is given a value but not used"),
    (["x", "x=1", "x=2"], "x is given twice"),
    (["x", "x=abc"], "must be a number"),
    (["x", "x=nan"], "finite"),
    (["x", "x=inf"], "finite"),
    (["x", "x"], "not an assignment"),
    (["x", "1x=2"], "not a variable name"),
    (["tanh*x", "x=1"], "tanh is a function"),
    (["log(x)", "x=-1"], "log is only defined for positive numbers"),
    (["x/y", "x=1", "y=0"], "division by zero"),
    (["exp(x)", "x=1000"], "too large"),
    (["9**9**9**9 * x", "x=1"], "too large"),
    (["x ** 1e300", "x=2"], "**1e+300"),
    (["x ** y", "x=-2", "y=0.5"], "positive base"),
    (["(-8) ** (1/3) * x", "x=1"], "fractional power"),
    (["x * " + "1" * 5000, "x=1"], "cannot parse"),
    (["1 + 2"], "no variables"),
    (["'a' * x", "x=1"], "not a number"),
    (["x*1e200*y*1e200", "x=1", "y=1"], "too large"),
    (["(x*1e200) * (y*1e-200) * 1e200", "x=1", "y=1"], "backward pass overflows"),
    (["(" * 400 + "x" + ")" * 400, "x=1"], "cannot parse"),
    (["-" * 5000 + "x", "x=1"], "cannot parse"),
    (["x" * 10001], "at most 10000"),
    (["x\x00"], "null bytes"),
    (["1if x else 2", "x=1"], "invalid decimal literal"),  # once a SyntaxWarning printed to the terminal
    (["0x1for x", "x=1"], "invalid hexadecimal literal"),
]


@pytest.mark.parametrize("args, message", BAD, ids=[repr(a[0][0][:20]) for a in BAD])
def test_bad_input_exits_2_with_one_clear_line(capsys, args, message):
    code, out, err = run(capsys, "trace", "--", *args)
    assert code == 2, out
    assert out == ""
    assert err.startswith("deltagrad: error: ") and err.count("\n") == 1
    assert message in err
    assert "Traceback" not in err


EXPRESSION_ALPHABET = "xyab0123456789.+-*/() ,e_tanhlogexpsigmoidrelu"


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(), st.text(EXPRESSION_ALPHABET, max_size=40)),
       st.lists(st.sampled_from(["x=1.5", "y=-2", "a=0", "b=1e308", "x=2", "q=", "=3", "x=1e-320"]),
                max_size=4))
def test_any_text_gives_status_0_or_2_and_no_traceback(capsys, text, assignments):
    capsys.readouterr()  # (capsys is shared by the examples: start from empty)
    code = main(["trace", "--", text, *assignments])  # "--": text may start with "-"
    out, err = capsys.readouterr()
    assert code in (0, 2)
    assert "Traceback" not in err and "Traceback" not in out
    if code == 2:
        assert err.startswith("deltagrad: error: ") or err.startswith("usage:")
        assert out == ""
    else:
        assert err == "" and "gradients:" in out


@pytest.mark.parametrize("depth", [400, 1500])
def test_long_chains_need_no_recursion(capsys, depth):
    # a left-deep sum x + x + ... + x: the parser, the evaluator and the report must
    # all cope (status 0, ∂f/∂x = number of terms) or refuse it cleanly (status 2)
    code, out, err = run(capsys, "trace", "x" + "+x" * depth, "x=0.5")
    if code == 0:
        assert gradients(out) == {"x": depth + 1}
    else:
        assert code == 2 and err.startswith("deltagrad: error:") and "nested too deeply" in err
    assert depth == 1500 or code == 0  # 400 terms are well within Python's parser


def test_help_works(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "trace" in out and "demo" in out
    code, out, _ = run(capsys, "trace", "--help")
    assert code == 0 and "name=value" in out and "leaky_relu(x, slope)" in out
    code, _, err = run(capsys)
    assert code == 2 and "usage" in err


def test_parser_reports_variables_in_order():
    assert parse("b + a*b + tanh(c)")[1] == ["b", "a", "c"]
    assert parse_assignments(["x=1", " y = -2.5 "]) == {"x": 1.0, "y": -2.5}
    with pytest.raises(ExprError):
        parse("exp")


@needs_dot
def test_svg_and_html_files_are_written(capsys, tmp_path):
    svg, page = tmp_path / "g.svg", tmp_path / "steps.html"
    code, out, err = run(capsys, "trace", "tanh(w*x + b)", "w=0.5", "x=2", "b=-1", "--svg", str(svg), "--html", str(page))
    assert code == 0, err
    assert svg.read_text().lstrip().startswith(("<?xml", "<svg"))
    shown = svg.read_text().replace("\xa0", " ").replace("&#160;", " ")
    assert "δ 2.000" in shown and "δ -2.000" not in shown  # ∂f/∂w = 1·x = 2, with its sign
    text = page.read_text(encoding="utf-8")
    assert text.count("<section class=\"frame\"") == 6  # w, x, w·x, b, +, tanh
    assert f"wrote the graph to {svg}" in out
    # a folder that does not exist: status 2, nothing printed, nothing written
    code, out, err = run(capsys, "trace", "x", "x=1", "--html", str(tmp_path / "no" / "p.html"))
    assert code == 2 and out == "" and "does not exist" in err
    assert sorted(os.listdir(tmp_path)) == ["g.svg", "steps.html"]  # no temporary files left


def test_installed_script_runs(tmp_path):
    script = shutil.which("deltagrad", path=os.path.dirname(sys.executable))
    if script is None:
        pytest.skip("the deltagrad console script is not installed in this environment (pip install -e .)")
    done = subprocess.run([script, "trace", "x*y + y", "x=3", "y=-2"], capture_output=True, text=True,
                          encoding="utf-8", timeout=60)
    assert done.returncode == 0, done.stderr
    assert "∂f/∂x = -2" in done.stdout and "∂f/∂y = 4" in done.stdout
    done = subprocess.run([script, "trace", "log(x)", "x=-1"], capture_output=True, text=True,
                          encoding="utf-8", timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("deltagrad: error:") and done.stderr.count("\n") == 1


def test_nesting_limit_is_the_same_on_every_python(capsys):
    """Python 3.10's parser accepts 5000 nested minuses, 3.11's does not: the tracer
    sets its own limit so the outcome does not depend on the interpreter."""
    assert run(capsys, "trace", "--", "-" * 150 + "x", "x=1")[0] == 0
    code, out, err = run(capsys, "trace", "--", "-" * 300 + "x", "x=1")
    assert code == 2 and "nested too deeply" in err
    code, out, err = run(capsys, "trace", "tanh(-" * 120 + "x" + ")" * 120, "x=1")  # 240 levels
    assert code == 2 and "nested too deeply" in err
