"""Run code a student wrote with bounds: a time limit, a recursion limit, a memory
limit, and a scratch working directory, so that an endless loop, a runaway recursion
or a huge list ends as a finding to report, never as a hung or crashed course tool.

    from autograd.sandbox import run_bounded
    out = run_bounded(student_backward, graph, seconds=5, recursion=2000, memory_mb=512)
    if out.status == "value":
        use(out.value)
    else:
        report(out.message)          # "took longer than 5 s", "RecursionError: …"

The call runs in a child process (forked where the system allows, so `fn` may be any
function, a lambda or a closure; elsewhere it must be picklable). The child:
  - starts in a fresh empty temporary directory (removed afterwards) with HOME pointing
    there, so relative paths and "~" never reach the instructor's files;
  - has sys.setrecursionlimit(recursion);
  - may map at most memory_mb more than it started with (resource.RLIMIT_AS, where the
    system has it: Linux and most Unixes; Windows has no such bound, and `Outcome.limits`
    says so; macOS does not enforce it);
  - is killed when `seconds` of wall time have passed (and by RLIMIT_CPU just after).
Its return value comes back by pickling; what it printed comes back in `Outcome.output`
(the last OUTPUT_LIMIT characters).

Where a system has no processes (Pyodide in a browser, WASI) the call runs in this
process instead: the recursion limit and the scratch folder hold, the time limit is
checked at every line of Python (a loop inside one C call, like sum(range(10**12)), is
not stopped), and memory is not bounded; `Outcome.limits` says "process": False.

These are bounds for honest mistakes, not a security boundary: code that means harm can
still open absolute paths or use the network. Run untrusted uploads in a container.
"""
from __future__ import annotations

import io
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

try:
    import resource  # Unix only
except ImportError:  # Windows: no memory or CPU bound, said in Outcome.limits
    resource = None

__all__ = ["run_bounded", "Outcome", "OUTPUT_LIMIT"]

OUTPUT_LIMIT = 64 * 1024  # characters of printed output kept


@dataclass(frozen=True)
class Outcome:
    """How a bounded call ended.

    status     "value" (it returned), "error" (it raised, or the process died) or "timeout"
    value      what it returned (status "value"), else None
    error      "TypeError: …" — the exception's type and message (status "error")
    error_type the exception's type name ("MemoryError", "RecursionError", …), or "crash"
    traceback  the child's traceback text, for the instructor (not meant for a student)
    output     what it printed (stdout then stderr), at most OUTPUT_LIMIT characters
    seconds    wall time taken
    limits     the bounds that were enforced, e.g. {"seconds": 5, "recursion": 2000, "memory_mb": 512}
    """
    status: str
    value: Any = None
    error: str = ""
    error_type: str = ""
    traceback: str = ""
    output: str = ""
    seconds: float = 0.0
    limits: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "value"

    @property
    def message(self) -> str:
        """One sentence for a report: what went wrong, or "returned"."""
        if self.status == "value":
            return "returned"
        if self.status == "timeout":
            return f"took longer than {self.limits.get('seconds'):g} s and was stopped (an endless loop?)"
        if self.error_type == "MemoryError":
            return f"ran out of memory (limit {self.limits.get('memory_mb')} MB): {self.error}"
        if self.error_type == "RecursionError":
            return f"recursed deeper than {self.limits.get('recursion')} calls: {self.error}"
        return self.error


def _address_space() -> int:
    """The bytes of address space this process maps now (VmSize in /proc/self/status on
    Linux; elsewhere the peak resident size, a lower estimate)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB elsewhere


def _child(conn, fn, args, kwargs, recursion, memory_mb, seconds, scratch):
    """The child process: set the bounds, run fn, send back what happened."""
    os.chdir(scratch)
    os.environ["HOME"] = scratch
    tempfile.tempdir = scratch
    if resource is not None:
        if memory_mb is not None:
            # A forked child already maps all its parent had (with PyTorch loaded that is
            # gigabytes of address space): the bound is what the call may add to that.
            limit = _address_space() + int(memory_mb) * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        cpu = int(seconds) + 2  # a backstop: the parent stops it at `seconds` of wall time
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    sys.setrecursionlimit(recursion)
    printed = io.StringIO()
    sys.stdout = sys.stderr = printed
    try:
        value = fn(*args, **kwargs)
        message = ("value", value)
    except BaseException as e:  # noqa: BLE001 - any exception of the student's code is a finding
        message = ("error", type(e).__name__, f"{type(e).__name__}: {e}", traceback.format_exc())
    text = printed.getvalue()[-OUTPUT_LIMIT:]
    sys.setrecursionlimit(max(recursion, 1000))  # pickling a deep result needs some room
    try:
        conn.send((message, text))
    except BaseException as e:  # noqa: BLE001 - e.g. a result that cannot be pickled
        conn.send((("error", type(e).__name__,
                    f"the result could not be sent back ({type(e).__name__}: {e})", ""), text))
    conn.close()


# Pyodide and WASI have no processes: there the call runs in-process (`_run_here`).
PROCESSES = sys.platform not in ("emscripten", "wasi")


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


class _OutOfTime(BaseException):
    """Raised inside the call by the line tracer once its time is up (a BaseException, so
    the student's own `except Exception` does not swallow it)."""


def _run_here(fn, args, kwargs, seconds, recursion, limits) -> Outcome:
    """The bounded call without a child process: recursion limit, scratch folder, and a
    time limit checked by a tracer at every line and call of Python code."""
    deadline = time.perf_counter() + seconds

    def tracer(frame, event, arg):
        if time.perf_counter() > deadline:
            raise _OutOfTime
        return tracer

    scratch = tempfile.mkdtemp(prefix="deltagrad-bounded-")
    here, old_limit, old_trace = os.getcwd(), sys.getrecursionlimit(), sys.gettrace()
    old_out, old_err = sys.stdout, sys.stderr
    printed = io.StringIO()
    start = time.perf_counter()
    try:
        os.chdir(scratch)
        sys.stdout = sys.stderr = printed
        # the caller's own frames count towards the limit: the call gets `recursion` more
        sys.setrecursionlimit(recursion + len(traceback.extract_stack()) + 50)
        sys.settrace(tracer)
        try:
            value = fn(*args, **kwargs)
        finally:
            sys.settrace(old_trace)
        return Outcome("value", value=value, output=printed.getvalue()[-OUTPUT_LIMIT:],
                       seconds=time.perf_counter() - start, limits=limits)
    except _OutOfTime:
        return Outcome("timeout", output=printed.getvalue()[-OUTPUT_LIMIT:],
                       seconds=time.perf_counter() - start, limits=limits)
    except BaseException as e:  # noqa: BLE001 - any exception of the student's code is a finding
        return Outcome("error", error=f"{type(e).__name__}: {e}", error_type=type(e).__name__,
                       traceback=traceback.format_exc(), output=printed.getvalue()[-OUTPUT_LIMIT:],
                       seconds=time.perf_counter() - start, limits=limits)
    finally:
        sys.settrace(old_trace)
        sys.stdout, sys.stderr = old_out, old_err
        sys.setrecursionlimit(old_limit)
        os.chdir(here)
        shutil.rmtree(scratch, ignore_errors=True)


def run_bounded(fn: Callable, *args, seconds: float = 10.0, recursion: int = 10_000,
                memory_mb: int | None = 1024, **kwargs) -> Outcome:
    """Call fn(*args, **kwargs) in a child process with a wall-time limit of `seconds`,
    a recursion limit and an address-space limit of `memory_mb` (None: no memory limit),
    in a scratch working directory. Returns an Outcome; never raises for anything the
    call does (a bad bound, like seconds <= 0, raises ValueError at once)."""
    if not callable(fn):
        raise TypeError(f"run_bounded: fn must be callable, got {type(fn).__name__}")
    if not (isinstance(seconds, (int, float)) and 0 < seconds < float("inf")):
        raise ValueError(f"run_bounded: seconds must be a positive number, got {seconds!r}")
    if not (isinstance(recursion, int) and recursion >= 50):
        raise ValueError(f"run_bounded: recursion must be an int of at least 50, got {recursion!r}")
    if memory_mb is not None and not (isinstance(memory_mb, int) and memory_mb >= 32):
        raise ValueError(f"run_bounded: memory_mb must be None or an int of at least 32, got {memory_mb!r}")
    if not PROCESSES:
        return _run_here(fn, args, kwargs, seconds, recursion,
                         {"seconds": seconds, "recursion": recursion, "memory_mb": None, "process": False})
    limits = {"seconds": seconds, "recursion": recursion,
              "memory_mb": memory_mb if resource is not None else None, "process": True}
    ctx = _context()
    receive, send = ctx.Pipe(duplex=False)
    scratch = tempfile.mkdtemp(prefix="deltagrad-bounded-")
    start = time.perf_counter()
    process = ctx.Process(target=_child, args=(send, fn, args, kwargs, recursion, memory_mb, seconds, scratch),
                          daemon=True)
    try:
        process.start()
        send.close()  # the child holds the sending end; EOF here means it died
        try:
            ready = receive.poll(seconds)
            reply = receive.recv() if ready else None
        except (EOFError, OSError):
            reply = None
            ready = True
        elapsed = time.perf_counter() - start
        if not ready:
            return Outcome("timeout", seconds=elapsed, limits=limits)
        if reply is None:
            process.join(1.0)
            code = process.exitcode
            why = (f"the process was killed by signal {-code}" if code is not None and code < 0
                   else f"the process exited with code {code}")
            if resource is not None and code is not None and -code in (9, 24):  # SIGKILL, SIGXCPU
                why += " (a CPU or memory limit)"
            return Outcome("error", error=f"crashed: {why}", error_type="crash", seconds=elapsed, limits=limits)
        message, output = reply
        if message[0] == "value":
            return Outcome("value", value=message[1], output=output, seconds=elapsed, limits=limits)
        _, kind, error, trace = message
        return Outcome("error", error=error, error_type=kind, traceback=trace, output=output,
                       seconds=elapsed, limits=limits)
    finally:
        receive.close()
        if process.is_alive():
            process.kill()
        process.join(5.0)
        shutil.rmtree(scratch, ignore_errors=True)
