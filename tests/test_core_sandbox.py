"""autograd.sandbox.run_bounded: a student's code that loops, recurses, allocates without
end, raises, exits or writes files ends as a finding, and never hangs or harms the caller."""
from __future__ import annotations

import math
import os
import sys

import pytest

from autograd import Value
from autograd.sandbox import Outcome, run_bounded

unix = pytest.mark.skipif(sys.platform == "win32", reason="the memory bound needs resource.RLIMIT_AS (Unix)")


def _backward(x):
    leaf = Value(x, label="x")
    (leaf * 2.0).tanh().backward()
    return leaf.grad


def test_a_value_comes_back_with_what_was_printed():
    out = run_bounded(lambda a, b=0: (print("hello"), a + b)[1], 2, b=3, seconds=20)
    assert out.ok and out.value == 5 and out.output == "hello\n"
    assert run_bounded(_backward, 0.5, seconds=20).value == pytest.approx(2 * (1 - math.tanh(1.0) ** 2), rel=1e-15)


def test_an_endless_loop_is_stopped_at_the_time_limit():
    def spin():
        while True:
            pass

    out = run_bounded(spin, seconds=0.5)
    assert out.status == "timeout" and "longer than 0.5 s" in out.message
    assert out.seconds >= 0.5  # it ran until the limit, and the call came back


def test_a_runaway_recursion_is_a_recursion_error():
    def down(n):
        return down(n + 1)

    out = run_bounded(down, 0, recursion=200, seconds=20)
    assert out.status == "error" and out.error_type == "RecursionError" and "deeper than 200" in out.message


@unix
def test_a_huge_allocation_is_a_memory_error_not_a_dead_machine():
    out = run_bounded(lambda: bytearray(2 * 1024 ** 3), memory_mb=64, seconds=20)
    assert out.status == "error" and out.error_type == "MemoryError", out
    small = run_bounded(lambda: len(bytearray(16 * 1024 ** 2)), memory_mb=64, seconds=20)
    assert small.ok and small.value == 16 * 1024 ** 2  # what fits under the bound still runs


def test_exceptions_and_exits_are_findings():
    out = run_bounded(lambda: {}["w"], seconds=20)
    assert out.status == "error" and out.error == "KeyError: 'w'" and "Traceback" in out.traceback
    assert run_bounded(sys.exit, 3, seconds=20).error_type == "SystemExit"
    died = run_bounded(os._exit, 7, seconds=20)
    assert died.status == "error" and died.error_type == "crash" and "code 7" in died.error


def test_an_unpicklable_result_is_a_finding():
    out = run_bounded(lambda: (lambda: 1), seconds=20)
    assert out.status == "error" and "could not be sent back" in out.error


def test_the_call_works_in_a_scratch_folder_that_is_removed(tmp_path):
    here = os.getcwd()

    def write():
        with open("notes.txt", "w") as f:
            f.write("x")
        return os.getcwd(), os.path.expanduser("~")

    out = run_bounded(write, seconds=20)
    folder, home = out.value
    assert folder != here and home == folder and not os.path.exists(folder)
    assert not os.path.exists(os.path.join(here, "notes.txt")) and os.getcwd() == here


@pytest.mark.parametrize("bad", [{"seconds": 0}, {"seconds": float("inf")}, {"recursion": 10}, {"memory_mb": 1}])
def test_bad_bounds_are_refused_at_once(bad):
    with pytest.raises(ValueError, match="run_bounded"):
        run_bounded(print, **bad)


def test_outcome_is_plain_data():
    assert Outcome("value", value=1).ok and not Outcome("timeout").ok


# -- without processes (Pyodide, WASI): the same bounds but memory, in this process --------
@pytest.fixture
def in_process(monkeypatch):
    from autograd import sandbox

    monkeypatch.setattr(sandbox, "PROCESSES", False)


def test_in_process_value_loop_recursion_and_exception(in_process):
    here, trace, limit = os.getcwd(), sys.gettrace(), sys.getrecursionlimit()
    out = run_bounded(lambda a: (print("hi"), a * 2, os.getcwd())[1:], 21, seconds=5)
    assert out.ok and out.value[0] == 42 and out.value[1] != here and out.output == "hi\n"
    assert out.limits["process"] is False and out.limits["memory_mb"] is None

    def spin():
        try:
            while True:
                pass
        except Exception:  # a student's catch-all does not swallow the time limit
            return "caught"

    stopped = run_bounded(spin, seconds=0.3)
    assert stopped.status == "timeout"

    def down(n):
        return down(n + 1)

    deep = run_bounded(down, 0, recursion=300, seconds=5)
    assert deep.error_type == "RecursionError"
    assert run_bounded(lambda: 1 / 0, seconds=5).error == "ZeroDivisionError: division by zero"
    # everything the call changed is put back
    assert os.getcwd() == here and sys.gettrace() is trace and sys.getrecursionlimit() == limit
