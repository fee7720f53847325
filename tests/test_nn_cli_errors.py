"""The command line and the trace language when things go wrong: one line on stderr,
exit status 2, never a traceback — for a full or closed standard output, a demo
folder that is a file or read-only, and expressions at the tracer's limits. Also the
names the trace gives: the same name for a node everywhere, and the same reading of
a variable's name in the expression and in name=value."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from autograd.teaching.expr import MAX_OPERATIONS, ExprError, parse, parse_assignments, trace
from nn.cli import main

ROOT = Path(__file__).resolve().parents[1]
posix_only = pytest.mark.skipif(os.name != "posix", reason="needs /dev/full and sh")


def _cli(args, **kwargs):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "nn.cli", *args], env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=120, **kwargs)


def _one_line_error(text):
    return text.startswith("deltagrad: error: ") and text.count("\n") == 1 and "Traceback" not in text


# ---------------------------------------------------------------------------
# Standard output
# ---------------------------------------------------------------------------
@posix_only
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_stdout_on_a_full_device():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "nn.cli", "trace", "x*y", "x=1", "y=2"], env=env,
                              stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr == "deltagrad: error: cannot write to standard output (no space left on device)\n"


@posix_only
def test_stdout_closed():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(["sh", "-c", '"$0" -m nn.cli trace "x*y" x=1 y=2 >&-', sys.executable], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr == ("deltagrad: error: standard output is closed; run deltagrad with its output going "
                           "somewhere (a terminal, a file, or > /dev/null)\n")


@posix_only
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_html_to_a_full_device():
    done = _cli(["trace", "x*y", "x=1", "y=2", "--html", "/dev/full"])
    assert done.returncode == 2 and done.stdout == ""
    assert _one_line_error(done.stderr)
    assert "Stepper.to_html: cannot write '/dev/full': no space left on device" in done.stderr
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


@posix_only
def test_html_to_dev_null_keeps_the_device(tmp_path):
    done = _cli(["trace", "x*y", "x=1", "y=2", "--html", os.devnull])
    assert done.returncode == 0 and "wrote the step-by-step page to /dev/null" in done.stdout
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


# ---------------------------------------------------------------------------
# deltagrad demo --out
# ---------------------------------------------------------------------------
def test_demo_out_is_an_existing_file(tmp_path, capsys):
    path = tmp_path / "notes.txt"
    path.write_text("keep me")
    assert main(["demo", "--out", str(path), "--no-progress"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (f"deltagrad: error: --out {str(path)!r} is a file, not a folder; give the name of a "
                   "folder to write the pictures into\n")
    assert path.read_text() == "keep me"


@posix_only
def test_demo_out_is_a_read_only_folder(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    os.chmod(folder, 0o555)  # refused for root too: the mode bits say read-only
    try:
        assert main(["demo", "--out", str(folder), "--no-progress"]) == 2
    finally:
        os.chmod(folder, 0o755)
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"deltagrad: error: --out {str(folder)!r} is a read-only folder; choose another place\n"
    assert os.listdir(folder) == []


def test_demo_out_under_a_file_cannot_be_created(tmp_path, capsys):
    (tmp_path / "f").write_text("")
    assert main(["demo", "--out", str(tmp_path / "f" / "sub"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"deltagrad: error: --out {str(tmp_path / 'f' / 'sub')!r}: cannot create the folder (")
    assert err.endswith("); choose another place\n") and err.count("\n") == 1


def test_demo_write_failure_is_one_line(tmp_path, capsys, monkeypatch):
    import nn.demo

    def disk_full(out, epochs, progress):
        raise OSError(f"save: cannot write '{out}/model.json': no space left on device")

    monkeypatch.setattr(nn.demo, "run", disk_full)
    assert main(["demo", "--out", str(tmp_path), "--no-progress"]) == 2
    assert capsys.readouterr().err == f"deltagrad: error: save: cannot write '{tmp_path}/model.json': no space left on device\n"


# ---------------------------------------------------------------------------
# The tracer's limits say what they limit
# ---------------------------------------------------------------------------
def test_long_flat_sum_is_refused_by_its_number_of_operations():
    text = "+".join(["x"] * 3000)  # 5,999 characters: under the length limit
    assert len(text) < 10_000
    with pytest.raises(ExprError) as info:
        parse(text)
    assert str(info.value).endswith(f"it has 2999 operations (+ − * / **); at most {MAX_OPERATIONS} are traced "
                                    "— split it into smaller expressions")
    assert "nested" not in str(info.value)


def test_flat_sum_at_the_limit_is_traced():
    text = "+".join(["x"] * (MAX_OPERATIONS + 1))
    assert trace(text, {"x": 0.5}).gradients == {"x": MAX_OPERATIONS + 1}


def test_unary_minuses_are_not_counted_as_operations():
    assert trace("-" * 150 + "x", {"x": 1.0}).gradients == {"x": 1.0}  # 150 nested negations: even
    with pytest.raises(ExprError, match=r"nested too deeply \(more than 200 levels\)"):
        parse("-" * 300 + "x")


# ---------------------------------------------------------------------------
# One reading of names, one name per node
# ---------------------------------------------------------------------------
def test_name_value_is_normalised_like_the_expression(capsys):
    assert parse_assignments(["ﬁ=3"]) == {"fi": 3.0}
    assert main(["trace", "ﬁ*2", "ﬁ=3"]) == 0
    assert "∂f/∂fi = 2" in capsys.readouterr().out
    with pytest.raises(ExprError, match=r"fi is given twice \(fi=3 and 'ﬁ=1'\); give it once"):
        parse_assignments(["fi=3", "ﬁ=1"])


@pytest.mark.parametrize("text, values", [
    ("out*f", {"out": 2.0, "f": 3.0}),
    ("f*out + out2", {"out": 2.0, "f": 3.0, "out2": 1.0}),
    ("n2*x + 1 + x", {"n2": 2.0, "x": 3.0}),  # a variable named like an interior node
])
def test_gradients_list_names_nodes_as_the_steps_do(text, values):
    result = trace(text, values)
    report = result.report()
    root = result.root.label
    assert root not in values  # the output never takes a variable's name
    step_names = {s.name for s in result.steps}
    listed = [line.split(" = ")[0] for line in report.split("gradients:\n")[1].splitlines()]
    assert len(listed) == len(values)
    for line in listed:
        assert line.startswith(f"  ∂{root}/∂")
        assert line.split("/∂", 1)[1] in step_names  # each variable as the steps call it
