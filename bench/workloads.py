"""The measurements themselves. Each function runs inside its own fresh process
(see `bench.worker`) and returns a JSON-able dict of raw numbers.

W1  one training step of micrograd's moons demo           (bench/w1.py)
W2  a deep chain x → x·1.0001 + 0, N links                 forward / backward / free
    (beside deltagrad: bench/floor.py, the least a node can cost in pure Python)
W3  Σ_i x_i·w_i over N terms, as a pairwise tree of + or one n-ary `Value.sum`
W4  drawing a ~200-node graph: DOT source and SVG
W5  one epoch of nn.fit, 2-64-64-1 on 2,000 points, full batch, beside PyTorch   (bench/w56.py)
W6  one epoch of nn.fit, 8×8 digits 64-32-10, mini-batches of 32, beside PyTorch (bench/w56.py)
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
import tracemalloc

clock = time.perf_counter


def _value_class(engine: str):
    if engine == "micrograd":
        from micrograd.engine import Value
    elif engine == "floor":
        from bench.floor import Value
    else:
        from autograd import Value
    return Value


# ---------------------------------------------------------------------------
def w1_step(engine: str, steps: int, warmup: int = 1) -> dict:
    """Median seconds of one forward + backward + SGD step."""
    from bench import w1

    model = w1.ENGINES[engine][1](w1.initial_weights())
    if hasattr(model, "timed_steps"):  # nn.fit: one call, timed step by step
        times, first_extra = model.timed_steps(steps)
        return {"median_s": statistics.median(times), "times_s": times, "first_call_extra_s": first_extra}
    for _ in range(warmup):
        model.step()
    times = []
    for _ in range(steps):
        t0 = clock()
        model.step()
        times.append(clock() - t0)
    return {"median_s": statistics.median(times), "times_s": times}


# ---------------------------------------------------------------------------
def w2_chain(engine: str, n: int) -> dict:
    """A chain of n links y ← y·1.0001 + 0 (2n nodes, 2n deep).

    Freeing is timed as `del` (reference counting), then one `gc.collect()` apart:
    deltagrad's graph is gone after the `del`, micrograd's closures make cycles that
    only the collector frees (its fixed cost of scanning the whole heap shows at small n)."""
    Value = _value_class(engine)
    x = Value(1.0)
    t0 = clock()
    y = x
    for _ in range(n):
        y = y * 1.0001 + 0
    t1 = clock()
    error = None
    try:
        y.backward()
    except RecursionError as err:
        error = f"RecursionError: {err}"
    t2 = clock()
    del y
    t3 = clock()
    collected = gc.collect()
    t4 = clock()
    out = {
        "n": n,
        "forward_s": t1 - t0,
        "backward_s": t2 - t1,
        "free_s": t3 - t2,
        "collect_s": t4 - t3,
        "cycle_objects_collected": collected,
        "recursion_limit": sys.getrecursionlimit(),
    }
    if error:
        out["error"] = error
    elif engine != "micrograd":
        # ∂y/∂x = 1.0001^n: a cheap check that backward really ran over the chain.
        expected = 1.0001**n
        if abs(x.grad - expected) > 1e-6 * expected:
            raise AssertionError(f"W2 {engine}: x.grad = {x.grad}, expected {expected}")
    return out


# ---------------------------------------------------------------------------
def _pairwise(values: list):
    """Σ values as a balanced tree of binary + (depth log₂ N, no recursion needed)."""
    while len(values) > 1:
        paired = [values[i] + values[i + 1] for i in range(0, len(values) - 1, 2)]
        if len(values) % 2:
            paired.append(values[-1])
        values = paired
    return values[0]


def _leaves(Value, n: int):
    xs = [Value(float(i % 7) + 1.0) for i in range(n)]
    ws = [Value(0.5 + (i % 5) * 0.1) for i in range(n)]
    return xs, ws


def _build(Value, xs, ws, shape: str):
    products = [x * w for x, w in zip(xs, ws)]
    if shape == "nary":
        return Value.sum(products)
    return _pairwise(products)


def w3_wide(engine: str, n: int, shape: str, memory: bool) -> dict:
    """Build Σ x_i·w_i, backpropagate, free. Interior nodes: n products plus n − 1
    additions (pairwise) or 1 sum node (nary). Leaves are made before timing.

    With memory=True (its own process, since tracemalloc slows everything down) the
    result is traced from before the leaves are made to the end of backward:
    `graph_bytes` and `peak_bytes` leave the leaves out (graph, then graph plus
    backward's bookkeeping, per interior node), `whole_peak_bytes` counts everything,
    to be divided by all 4N − 1 nodes."""
    Value = _value_class(engine)
    interior = n + (n - 1 if shape == "pairwise" else 1)
    if memory:
        gc.collect()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        xs, ws = _leaves(Value, n)
        leaves = tracemalloc.get_traced_memory()[0] - base
        root = _build(Value, xs, ws, shape)
        built = tracemalloc.get_traced_memory()[0] - base - leaves
        root.backward()
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        return {
            "n": n,
            "shape": shape,
            "interior_nodes": interior,
            "all_nodes": interior + 2 * n,
            "leaf_bytes": leaves,
            "graph_bytes": built,
            "peak_bytes": peak - leaves,
            "whole_peak_bytes": peak,
        }
    xs, ws = _leaves(Value, n)
    gc.collect()
    t0 = clock()
    root = _build(Value, xs, ws, shape)
    t1 = clock()
    root.backward()
    t2 = clock()
    del root
    gc.collect()
    t3 = clock()
    return {
        "n": n,
        "shape": shape,
        "interior_nodes": interior,
        "build_s": t1 - t0,
        "backward_s": t2 - t1,
        "free_s": t3 - t2,
    }


# ---------------------------------------------------------------------------
def w4_draw(repeats: int) -> dict:
    """DOT source and SVG of a graph of about 200 nodes (a 2-8-4-1 tanh net's loss)."""
    from autograd import Value, draw, topological_order, weighted_sum

    # A small fused network's squared error: about 200 nodes with the weights.
    import random

    rng = random.Random(0)
    x = [Value(rng.uniform(-1, 1), f"x{i}") for i in range(2)]
    z = x
    for layer, width in enumerate((8, 8, 4, 1)):
        z = [
            weighted_sum(
                [Value(rng.uniform(-1, 1), f"w{layer}{j}{k}") for k in range(len(z))],
                z,
                Value(0.0, f"b{layer}{j}"),
            ).tanh()
            for j in range(width)
        ]
    root = (z[0] - 1.0) ** 2
    root.backward()
    nodes = len(topological_order(root))
    dot_times, svg_times = [], []
    for _ in range(repeats):
        t0 = clock()
        graph = draw(root)
        source = graph.source
        t1 = clock()
        svg = graph.pipe(format="svg")
        t2 = clock()
        dot_times.append(t1 - t0)
        svg_times.append(t2 - t1)
    return {
        "nodes": nodes,
        "dot_chars": len(source),
        "svg_bytes": len(svg),
        "dot_s": statistics.median(dot_times),
        "svg_s": statistics.median(svg_times),
    }


# ---------------------------------------------------------------------------
def w56_epoch(task: str, engine: str, epochs: int) -> dict:
    """Median seconds of one epoch of W5 or W6 (bench/w56.py), the first epoch left out
    (it compiles); its extra time is reported apart."""
    from bench import w56

    times, first_extra = w56.ENGINES[engine][1](task).epochs(epochs + 1)
    return {"median_s": statistics.median(times), "times_s": times, "first_call_extra_s": first_extra}
