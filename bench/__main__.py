"""`python -m bench [--quick] [--out PATH] [--only W1,W3]`: run the benchmarks.

Prints a table of medians and ratios and writes everything measured as JSON
(default bench/results/latest.json). Every measurement runs in its own fresh
process (`bench.worker`), and the rounds alternate between engines (A B C, then
C B A, ...), so slow drift of the machine hits every engine alike.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from autograd.files import write_atomic

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "bench" / "results" / "latest.json"
TIMEOUT_S = 900


def available(module: str | None) -> str | None:
    """None if `module` can be imported, else the reason to print for skipping."""
    if module is None or importlib.util.find_spec(module) is not None:
        return None
    hint = "pip install micrograd==0.1.0" if module == "micrograd" else f"pip install {module}"
    return f"{module} is not installed ({hint}, or `make bench`)"


def measure(spec: dict) -> dict:
    """Run one workload in a fresh interpreter and return its JSON result."""
    cmd = [sys.executable, "-m", "bench.worker", json.dumps(spec)]
    try:
        proc = subprocess.run(
            cmd, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {TIMEOUT_S} s"}
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
        return {"error": f"exit code {proc.returncode}: {last}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_rounds(cases: dict[str, dict], rounds: int) -> dict[str, list[dict]]:
    """Each case once per round, in alternating order; one process per measurement."""
    names = list(cases)
    results: dict[str, list[dict]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names if r % 2 == 0 else reversed(names):
            results[name].append(measure(cases[name]))
            _progress(f"{name} round {r + 1}/{rounds}")
    return results


def _progress(text: str) -> None:
    print(f"  … {text}", file=sys.stderr, flush=True)


def _median(rows: list[dict], key: str) -> float | None:
    values = [row[key] for row in rows if key in row]
    return statistics.median(values) if values else None


def spread(values: list[float]) -> dict | None:
    """Median and min–max of one figure over the rounds (one value per fresh process)."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "rounds": len(values)}


def _spread(rows: list[dict], key: str, scale: float = 1.0) -> dict | None:
    return spread([row[key] * scale for row in rows if key in row])


def installed(engines: dict) -> tuple[list[str], dict[str, str]]:
    """The engines {name: (module, make)} whose module can be imported, and why each other is skipped."""
    found, skipped = [], {}
    for name, (module, _) in engines.items():
        reason = available(module)
        if reason:
            skipped[name] = reason
        else:
            found.append(name)
    return found, skipped


def _errors(rows: list[dict]) -> str | None:
    errs = {row["error"] for row in rows if "error" in row}
    return "; ".join(sorted(errs)) if errs else None


# ---------------------------------------------------------------------------
def bench_w1(quick: bool) -> dict:
    from bench import w1

    engines, skipped = installed(w1.ENGINES)
    check = w1.check_agreement(engines)  # raises if any engine disagrees
    steps = 1 if quick else 3
    cases = {
        name: {"workload": "w1_step", "engine": name, "steps": steps * (10 if name in FAST else 1)}
        for name in engines
    }
    raw = run_rounds(cases, 2 if quick else ROUNDS)
    out = {"check": check, "skipped": skipped, "engines": {}}
    # nn.MLP when it is importable, else the same fused network built in bench/w1.py
    out["deltagrad-nn is"] = "nn.MLP" if w1._nn_mlp(w1.initial_weights()) else "bench/w1.py fused MLP"
    for name, rows in raw.items():
        row = {"ms": _spread(rows, "median_s", 1e3), "error": _errors(rows)}
        row["median_s"] = row["ms"] and row["ms"]["median"] / 1e3
        if any("first_call_extra_s" in r for r in rows):
            row["first_call_extra_ms"] = _spread(rows, "first_call_extra_s", 1e3)
        # ratios within each round (the engines of a round ran back to back)
        for peer, key in (("micrograd", "x_micrograd"), ("hand-floats", "x_floor")):
            if peer in raw and name != peer:
                ratios = []
                for mine, theirs in zip(rows, raw[peer]):
                    if "median_s" in mine and "median_s" in theirs:
                        ratios.append(theirs["median_s"] / mine["median_s"] if key == "x_micrograd"
                                      else mine["median_s"] / theirs["median_s"])
                row[key] = spread(ratios)
        out["engines"][name] = row
    return out


FAST = {"deltagrad-nn", "deltagrad-fit", "deltagrad-fit-scalar", "torch-vector", "hand-floats"}  # cheap steps: time more of them
ROUNDS = 5  # every figure: median and min–max over this many alternating rounds


def bench_w2(quick: bool) -> dict:
    sizes = [10**3, 10**4] if quick else [10**3, 10**4, 10**5, 10**6]
    cases = {}
    for n in sizes:
        cases[f"deltagrad n={n}"] = {"workload": "w2_chain", "engine": "deltagrad", "n": n}
    for n in sizes[-1:]:  # the least a node costs in pure Python (bench/floor.py), at the target's size
        cases[f"floor n={n}"] = {"workload": "w2_chain", "engine": "floor", "n": n}
    skipped = available("micrograd")
    if not skipped:
        for n in sizes[:2]:  # it already fails at 10³ (2000 nodes deep)
            cases[f"micrograd n={n}"] = {"workload": "w2_chain", "engine": "micrograd", "n": n}
    raw = run_rounds(cases, 1 if quick else ROUNDS)
    out = {"skipped": {"micrograd": skipped} if skipped else {}, "cases": {}}
    for name, rows in raw.items():
        spec = cases[name]
        n = spec["n"]
        row = {"engine": spec["engine"], "n": n, "error": _errors(rows)}
        for part in ("forward", "backward", "free", "collect"):
            s = _median(rows, f"{part}_s")
            row[f"{part}_us_per_link"] = None if s is None else s / n * 1e6
        # build + backward + free, per round: the figure the targets speak of
        row["total_us_per_link"] = spread([
            (r["forward_s"] + r["backward_s"] + r["free_s"]) / n * 1e6 for r in rows if "forward_s" in r
        ])
        out["cases"][name] = row
    return out


def bench_w3(quick: bool) -> dict:
    sizes = [10**4] if quick else [10**5, 10**6]
    engines = ["deltagrad"]
    skipped = available("micrograd")
    if not skipped:
        engines.append("micrograd")
    cases, memory = {}, {}
    for n in sizes:
        for engine in engines:
            for shape in ("pairwise", "nary"):
                if engine == "micrograd" and shape == "nary":
                    continue  # micrograd has no n-ary node; sum() would be a chain
                name = f"{engine} {shape} n={n}"
                spec = {"workload": "w3_wide", "engine": engine, "n": n, "shape": shape}
                cases[name] = {**spec, "memory": False}
                memory[name] = {**spec, "memory": True}
    raw = run_rounds(cases, 1 if quick else ROUNDS)
    # memory (tracemalloc is slow): at the smallest size, in rounds as well
    mem_raw = run_rounds({k: v for k, v in memory.items() if v["n"] == sizes[0]}, 1 if quick else ROUNDS)
    out = {"skipped": {"micrograd": skipped} if skipped else {}, "cases": {}}
    for name, rows in raw.items():
        spec = cases[name]
        same = [k for k in mem_raw if memory[k]["engine"] == spec["engine"] and memory[k]["shape"] == spec["shape"]]
        mrows = mem_raw[same[0]] if same else []
        m = mrows[0] if mrows else {}
        nodes = spec["n"] + (spec["n"] - 1 if spec["shape"] == "pairwise" else 1)
        row = {"engine": spec["engine"], "shape": spec["shape"], "n": spec["n"]}
        row["interior_nodes"] = nodes
        row["error"] = _errors(rows) or m.get("error")
        parts = [_median(rows, f"{p}_s") for p in ("build", "backward", "free")]
        for p, s in zip(("build", "backward", "free"), parts):
            row[f"{p}_us_per_node"] = None if s is None else s / nodes * 1e6
        if None not in parts:
            row["total_us_per_node"] = sum(parts) / nodes * 1e6
        row["total_us"] = spread([(r["build_s"] + r["backward_s"] + r["free_s"]) / nodes * 1e6
                                  for r in rows if "build_s" in r])
        if "graph_bytes" in m:
            mnodes = m["interior_nodes"]
            row["memory_n"] = m["n"]
            row["graph_bytes"] = spread([r["graph_bytes"] / mnodes for r in mrows if "graph_bytes" in r])
            row["peak_bytes"] = spread([r["peak_bytes"] / mnodes for r in mrows if "peak_bytes" in r])
            row["graph_bytes_per_node"] = row["graph_bytes"]["median"]
            row["peak_bytes_per_node"] = row["peak_bytes"]["median"]
            # the whole graph, leaves included, over all its nodes (x_i, w_i and the interior)
            row["whole_peak_bytes"] = spread([r["whole_peak_bytes"] / r["all_nodes"]
                                              for r in mrows if "whole_peak_bytes" in r])
        out["cases"][name] = row
    return out


def bench_w4(quick: bool) -> dict:
    reason = available("graphviz")
    if reason:
        return {"skipped": reason}
    raw = run_rounds({"draw": {"workload": "w4_draw", "repeats": 3 if quick else 10}}, 1 if quick else ROUNDS)
    rows = raw["draw"]
    if any("error" in r for r in rows):
        return {"skipped": _errors(rows)}
    return {"nodes": rows[0]["nodes"], "dot_ms": _spread(rows, "dot_s", 1e3), "svg_ms": _spread(rows, "svg_s", 1e3),
            "dot_s": _median(rows, "dot_s"), "svg_s": _median(rows, "svg_s")}


def bench_w56(task: str, quick: bool) -> dict:
    """W5 or W6: one epoch per engine, the ratio to vectorised PyTorch taken within each round."""
    from bench import w56

    engines, skipped = installed(w56.ENGINES)
    if "deltagrad-fit" not in engines:
        return {"skipped": skipped.get("deltagrad-fit", "no engine available")}
    check = w56.check_agreement(task, engines)  # raises if an engine ends the epoch elsewhere
    epochs = 2 if quick else 5
    cases = {name: {"workload": "w56_epoch", "task": task, "engine": name,
                    "epochs": epochs * (3 if name == "torch-vector" else 1)} for name in engines}
    raw = run_rounds(cases, 2 if quick else ROUNDS)
    out = {"check": check, "skipped": skipped, "engines": {}, "task": w56.TASKS[task]}
    for name, rows in raw.items():
        row = {"ms": _spread(rows, "median_s", 1e3), "error": _errors(rows),
               "first_call_extra_ms": _spread(rows, "first_call_extra_s", 1e3)}
        if "torch-vector" in raw and name != "torch-vector":
            row["x_torch"] = spread([mine["median_s"] / theirs["median_s"] for mine, theirs in zip(rows, raw["torch-vector"])
                                     if "median_s" in mine and "median_s" in theirs])
        out["engines"][name] = row
    return out


# ---------------------------------------------------------------------------
def print_table(res: dict) -> None:
    from bench import report

    print()
    print(report.bench_table(res))


def write_json(path: Path, data: dict) -> None:
    """Atomic (autograd.files.write_atomic): a half-written file never replaces the last good one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(data, indent=1), who="bench")


def _commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                             capture_output=True, text=True, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


WORKLOADS = {"W1": bench_w1, "W2": bench_w2, "W3": bench_w3, "W4": bench_w4,
             "W5": lambda quick: bench_w56("W5", quick), "W6": lambda quick: bench_w56("W6", quick)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few rounds: a smoke run")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON file (default {DEFAULT_OUT.relative_to(ROOT)})")
    parser.add_argument("--only", default=",".join(WORKLOADS), help="comma-separated subset, e.g. W1,W3")
    parser.add_argument("--docs", action="store_true",
                        help="then rewrite docs/performance.md's summary and bench/README.md's results from this run")
    args = parser.parse_args(argv)
    chosen = [w.strip().upper() for w in args.only.split(",") if w.strip()]
    unknown = [w for w in chosen if w not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(WORKLOADS)}")
    results: dict = {
        "meta": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "rounds": 2 if args.quick else ROUNDS,
            "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
            "machine": platform.machine(),
            "processor": platform.processor(),
            "cpus": os.cpu_count(),
            "commit": _commit(),
            "quick": args.quick,
            "started": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        }
    }
    for w in chosen:
        print(f"{w} …", file=sys.stderr, flush=True)
        results[w] = WORKLOADS[w](args.quick)
        write_json(args.out, results)  # keep what we have if a later workload fails
    if hasattr(os, "getloadavg"):
        results["meta"]["load_average_end"] = list(os.getloadavg())
    write_json(args.out, results)
    print_table(results)
    print(f"\nwritten {args.out}")
    if args.docs:
        if args.quick or set(chosen) != set(WORKLOADS):
            parser.error("--docs needs a full run (no --quick, no --only): the documents show every workload")
        from bench import report

        for path in report.update_docs(results, run_json=args.out):
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
