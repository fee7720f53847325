"""Threads: `no_grad` is per thread, and graphs built and backpropagated in separate
threads give exactly the single-thread numbers."""

from __future__ import annotations

import math
import random
import threading
from concurrent.futures import ThreadPoolExecutor

from autograd import Value, no_grad, weighted_sum

THREADS = 6


def network_gradients(seed: int) -> list[float]:
    """A small 3-8-8-1 tanh network's squared error and all its parameter gradients,
    using ops from the whole table, so a thread does real work."""
    rng = random.Random(seed)
    x = [Value(rng.uniform(-1, 1)) for _ in range(3)]
    params = []
    z = x
    for width in (8, 8, 1):
        layer = []
        for _ in range(width):
            w = [Value(rng.uniform(-1, 1)) for _ in z]
            b = Value(rng.uniform(-0.5, 0.5))
            params += [*w, b]
            layer.append(weighted_sum(w, z, b).tanh())
        z = layer
    y = z[0]
    out = (y.sin() + y.atan2(1.5) - 0.3) ** 2 + (y * y + 1).sqrt() + y.clamp(-0.5, 0.5)
    out.backward()
    return [out.data] + [p.grad for p in params]


def test_graphs_in_separate_threads_give_the_single_thread_numbers():
    seeds = list(range(24))
    alone = [network_gradients(s) for s in seeds]
    start = threading.Barrier(THREADS)

    def work(seed):
        if seed < THREADS:
            start.wait()  # the first rounds run truly at once
        return network_gradients(seed)

    with ThreadPoolExecutor(THREADS) as pool:
        together = list(pool.map(work, seeds))
    assert together == alone  # bit for bit


def test_no_grad_in_one_thread_never_switches_recording_in_another():
    """Two threads overlap their no_grad blocks in the order that, with one global
    flag, left recording off for everyone: A enters, B enters, A leaves, B leaves."""
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def thread_a():
        with no_grad():
            a_in.set()
            b_in.wait()
        a_out.set()
        x = Value(1.0)
        seen["a_after"] = (x * 2).parents == (x,)

    def thread_b():
        a_in.wait()
        with no_grad():
            b_in.set()
            a_out.wait()
            x = Value(1.0)
            seen["b_inside"] = (x * 2).parents == ()
        x = Value(1.0)
        seen["b_after"] = (x * 2).parents == (x,)

    def thread_c():  # never in no_grad, while the others are
        a_in.wait()
        x = Value(1.0)
        seen["c_during"] = (x * 2).parents == (x,)

    threads = [threading.Thread(target=f) for f in (thread_a, thread_b, thread_c)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert seen == {"a_after": True, "b_inside": True, "b_after": True, "c_during": True}
    x = Value(1.0)
    assert (x * 2).parents == (x,)  # and the main thread records too


def test_many_threads_toggling_no_grad_leave_every_graph_whole():
    def work(seed):
        rng = random.Random(seed)
        for _ in range(200):
            if rng.random() < 0.5:
                with no_grad():
                    y = Value(rng.random()) * 3
                    assert y.parents == ()
            x = Value(rng.random())
            y = (x * 3).sin()
            assert y.parents and y.parents[0].parents == (x,)
            y.backward()
            assert math.isclose(x.grad, 3 * math.cos(3 * x.data), rel_tol=1e-15)
        return True

    with ThreadPoolExecutor(THREADS) as pool:
        assert all(pool.map(work, range(THREADS * 2)))
