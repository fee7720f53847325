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
import tempfile
import time
from pathlib import Path

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


def _errors(rows: list[dict]) -> str | None:
    errs = {row["error"] for row in rows if "error" in row}
    return "; ".join(sorted(errs)) if errs else None


# ---------------------------------------------------------------------------
def bench_w1(quick: bool) -> dict:
    from bench import w1

    engines, skipped = [], {}
    for name, (module, _) in w1.ENGINES.items():
        reason = available(module)
        if reason:
            skipped[name] = reason
        else:
            engines.append(name)
    check = w1.check_agreement(engines)  # raises if any engine disagrees
    steps = 1 if quick else 3
    cases = {
        name: {"workload": "w1_step", "engine": name, "steps": steps * (10 if name in FAST else 1)}
        for name in engines
    }
    raw = run_rounds(cases, 2 if quick else 5)
    out = {"check": check, "skipped": skipped, "engines": {}}
    # nn.MLP when it is importable, else the same fused network built in bench/w1.py
    out["deltagrad-nn is"] = "nn.MLP" if w1._nn_mlp(w1.initial_weights()) else "bench/w1.py fused MLP"
    for name, rows in raw.items():
        out["engines"][name] = {"median_s": _median(rows, "median_s"), "error": _errors(rows)}
    return out


FAST = {"deltagrad-nn", "torch-vector", "hand-floats"}  # cheap steps: time more of them


def bench_w2(quick: bool) -> dict:
    sizes = [10**3, 10**4] if quick else [10**3, 10**4, 10**5, 10**6]
    cases = {}
    for n in sizes:
        cases[f"deltagrad n={n}"] = {"workload": "w2_chain", "engine": "deltagrad", "n": n}
    skipped = available("micrograd")
    if not skipped:
        for n in sizes[:2]:  # it already fails at 10³ (2000 nodes deep)
            cases[f"micrograd n={n}"] = {"workload": "w2_chain", "engine": "micrograd", "n": n}
    raw = run_rounds(cases, 1 if quick else 3)
    out = {"skipped": {"micrograd": skipped} if skipped else {}, "cases": {}}
    for name, rows in raw.items():
        spec = cases[name]
        n = spec["n"]
        row = {"engine": spec["engine"], "n": n, "error": _errors(rows)}
        for part in ("forward", "backward", "free", "collect"):
            s = _median(rows, f"{part}_s")
            row[f"{part}_us_per_link"] = None if s is None else s / n * 1e6
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
    raw = run_rounds(cases, 1 if quick else 3)
    mem = {name: measure(spec) for name, spec in memory.items()}  # deterministic: once
    out = {"skipped": {"micrograd": skipped} if skipped else {}, "cases": {}}
    for name, rows in raw.items():
        spec, m = cases[name], mem[name]
        nodes = spec["n"] + (spec["n"] - 1 if spec["shape"] == "pairwise" else 1)
        row = {"engine": spec["engine"], "shape": spec["shape"], "n": spec["n"]}
        row["interior_nodes"] = nodes
        row["error"] = _errors(rows) or m.get("error")
        parts = [_median(rows, f"{p}_s") for p in ("build", "backward", "free")]
        for p, s in zip(("build", "backward", "free"), parts):
            row[f"{p}_us_per_node"] = None if s is None else s / nodes * 1e6
        if None not in parts:
            row["total_us_per_node"] = sum(parts) / nodes * 1e6
        if "graph_bytes" in m:
            row["graph_bytes_per_node"] = m["graph_bytes"] / nodes
            row["peak_bytes_per_node"] = m["peak_bytes"] / nodes
        out["cases"][name] = row
    return out


def bench_w4(quick: bool) -> dict:
    reason = available("graphviz")
    if reason is None and importlib.util.find_spec("autograd.draw") is None:
        reason = "autograd.draw is not available yet"
    if reason:
        return {"skipped": reason}
    raw = run_rounds({"draw": {"workload": "w4_draw", "repeats": 3 if quick else 10}}, 1)
    row = raw["draw"][0]
    return row if "error" not in row else {"skipped": row["error"]}


# ---------------------------------------------------------------------------
def _fmt(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def _print_cases(workload: dict, width: int, cells) -> None:
    """One table line per case (or why it failed), then the engines that were skipped."""
    for name, row in workload["cases"].items():
        if row["error"]:
            print(f"    {name:{width}} fails: {row['error'][:70]}")
        else:
            print(f"    {name:{width}} {cells(row)}")
    for name, why in workload["skipped"].items():
        print(f"    {name} skipped: {why}")


def print_table(res: dict) -> None:
    if "W1" in res:
        w = res["W1"]
        e = w["engines"]
        mg = e.get("micrograd", {}).get("median_s")
        floor = e.get("hand-floats", {}).get("median_s")
        print("\nW1  training step, MLP 2-16-16-1, 100 moons points (median per step)")
        print(f"    check: all engines agree with hand backprop to {max(w['check']['max_abs_diff'].values(), default=0):.1e}")
        print(f"    {'engine':18} {'ms/step':>10} {'× faster than micrograd':>24} {'× the floor':>12}")
        for name, row in e.items():
            s = row["median_s"]
            speed = _fmt(mg / s, 1) if mg and s else "—"
            over = _fmt(s / floor, 1) if floor and s else "—"
            print(f"    {name:18} {_fmt(s and s * 1e3, 3):>10} {speed:>24} {over:>12}"
                  + (f"  ERROR {row['error']}" if row["error"] else ""))
        for name, why in w["skipped"].items():
            print(f"    {name:18} skipped: {why}")
    if "W2" in res:
        print("\nW2  deep chain x → x·1.0001 + 0 (µs per link, median)")
        print(f"    {'case':22} {'forward':>9} {'backward':>9} {'free':>9} {'total':>9} {'gc.collect':>11}")
        def w2_cells(row):
            parts = [row[f"{p}_us_per_link"] for p in ("forward", "backward", "free")]
            cells = " ".join(f"{_fmt(p):>9}" for p in parts)
            return f"{cells} {_fmt(sum(parts)):>9} {_fmt(row['collect_us_per_link']):>11}"

        _print_cases(res["W2"], 22, w2_cells)
    if "W3" in res:
        print("\nW3  Σ x_i·w_i over N terms (per interior node; bytes: graph / peak with backward)")
        print(f"    {'case':28} {'build':>7} {'bwd':>7} {'free':>7} {'total µs':>9} {'B/node':>7} {'peak':>7}")
        def w3_cells(row):
            cells = " ".join(f"{_fmt(row[f'{p}_us_per_node']):>7}" for p in ("build", "backward", "free"))
            return (f"{cells} {_fmt(row.get('total_us_per_node')):>9} "
                    f"{_fmt(row.get('graph_bytes_per_node'), 0):>7} {_fmt(row.get('peak_bytes_per_node'), 0):>7}")

        _print_cases(res["W3"], 28, w3_cells)
    if "W4" in res:
        w = res["W4"]
        print("\nW4  drawing")
        if "skipped" in w:
            print(f"    skipped: {w['skipped']}")
        else:
            print(f"    {w['nodes']} nodes: DOT source {w['dot_s'] * 1e3:.2f} ms, SVG {w['svg_s'] * 1e3:.1f} ms")


def write_json(path: Path, data: dict) -> None:
    """Atomic: a half-written file never replaces the last good one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=1)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                             capture_output=True, text=True, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


WORKLOADS = {"W1": bench_w1, "W2": bench_w2, "W3": bench_w3, "W4": bench_w4}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few rounds: a smoke run")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON file (default {DEFAULT_OUT.relative_to(ROOT)})")
    parser.add_argument("--only", default=",".join(WORKLOADS), help="comma-separated subset, e.g. W1,W3")
    args = parser.parse_args(argv)
    chosen = [w.strip().upper() for w in args.only.split(",") if w.strip()]
    unknown = [w for w in chosen if w not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(WORKLOADS)}")
    results: dict = {
        "meta": {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "processor": platform.processor(),
            "cpus": os.cpu_count(),
            "commit": _commit(),
            "quick": args.quick,
            "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
    }
    for w in chosen:
        print(f"{w} …", file=sys.stderr, flush=True)
        results[w] = WORKLOADS[w](args.quick)
        write_json(args.out, results)  # keep what we have if a later workload fails
    print_table(results)
    print(f"\nwritten {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
