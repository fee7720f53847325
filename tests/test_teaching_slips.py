"""Naming slips: each slip's number is what the backward pass gives with that one
piece changed (checked by re-running it); each kind is recognised on op-level graphs
and on networks (tanh, sigmoid, softmax + cross-entropy), from answers computed
independently with the lectures' formulas; nothing is named when nothing fits."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings

from autograd import Value, hand_check, topological_order
from autograd.teaching.judge import Tolerance
from autograd.teaching.slips import KINDS, SlipFinder, name_slip
from dags import programs, run
from nn.exercise import exercise


def rerun(root: Value, leaf: Value, consumer: Value | None = None, index: int = -1, local: float = 0.0) -> float:
    """∂root/∂leaf by a full backward pass over the stored local derivatives, with
    the one on edge (consumer, index) replaced by `local`."""
    delta = {root: 1.0}
    for k in reversed(topological_order(root)):
        d = delta.get(k, 0.0)
        for i, (j, ll) in enumerate(zip(k.parents, k.local_grads)):
            if k is consumer and i == index:
                ll = local
            delta[j] = delta.get(j, 0.0) + d * ll
    return delta.get(leaf, 0.0)


# -- the number of every slip is a re-run backward pass ------------------------
@settings(max_examples=40)
@given(programs())
def test_every_slip_value_is_the_rerun_backward_pass(program):
    leaves_data, steps = program
    leaves = [Value(x, f"x{i}") for i, x in enumerate(leaves_data)]
    root = run(steps, leaves)
    if not root.parents:
        return
    finder = SlipFinder(root)
    by_name = {name: node for node, name in finder.names.items()}
    for leaf in leaves:
        right = rerun(root, leaf)
        for slip in finder.candidates(leaf):
            assert slip.kind in KINDS
            if slip.kind == "sign":
                assert slip.value == pytest.approx(-right, rel=1e-12, abs=1e-15)
                continue
            k = by_name[slip.consumer]
            assert k.parents[slip.parent_index] is by_name[slip.node]
            again = rerun(root, leaf, k, slip.parent_index, slip.local)
            assert slip.value == pytest.approx(again, rel=1e-9, abs=1e-12)
            assert not math.isclose(slip.value, right, rel_tol=0, abs_tol=0)


# -- op-level graphs: each kind, from an answer worked out with plain math ------
def neuron():
    """E = ½(tanh(w·x + b) − t)², x = 2, w = −0.5, b = 0.5, t = 0.5."""
    x, w, b = Value(2.0, "x"), Value(-0.5, "w"), Value(0.5, "b")
    a = w * x + b
    a.label = "a"
    z = a.tanh()
    z.label = "z"
    E = (z - 0.5) ** 2 * 0.5
    E.label = "E"
    return E, w, a.data, z.data


def test_op_graph_sign():
    E, w, a, z = neuron()
    right = (z - 0.5) * (1 - z * z) * 2.0
    slip = name_slip(E, "w", -right)
    assert slip.kind == "sign" and "wrong sign" in slip.text


def test_op_graph_missing_local_forgot_tanh_derivative():
    E, w, a, z = neuron()
    claimed = (z - 0.5) * 1.0 * 2.0  # ∂E/∂w without tanh'(a)
    slip = name_slip(E, "w", claimed)
    assert slip.kind == "missing_local"
    assert (slip.consumer, slip.node) == ("z", "a")
    assert "∂z/∂a as 1" in slip.text


def test_op_graph_local_at_output_tanh_prime_of_z():
    E, w, a, z = neuron()
    claimed = (z - 0.5) * (1 - math.tanh(z) ** 2) * 2.0  # tanh'(z) for tanh'(a)
    slip = name_slip(E, "w", claimed)
    assert slip.kind == "local_at_output"
    assert (slip.consumer, slip.node) == ("z", "a") and "at the output z" in slip.text


def test_op_graph_missing_path_through_a_shared_node():
    # f = u·v + u with u = tanh(x): u has two consumers, so δ_u is a sum of two terms
    x, y = Value(0.7, "x"), Value(-1.3, "y")
    u = x.tanh()
    u.label = "u"
    p = u * y
    p.label = "p"
    f = p + u
    f.label = "f"
    du = 1 - math.tanh(0.7) ** 2
    forgot_p = 1.0 * du  # only the path through f directly
    slip = name_slip(f, "x", forgot_p)
    assert slip.kind == "missing_path" and slip.consumer == "p" and slip.node == "u"
    assert "left out the path through p" in slip.text
    forgot_direct = -1.3 * du  # only the path through p
    slip = name_slip(f, "x", forgot_direct)
    assert slip.kind == "missing_path" and slip.consumer == "f"


def test_a_right_answer_and_an_unexplained_answer_have_no_slip():
    E, w, a, z = neuron()
    right = (z - 0.5) * (1 - z * z) * 2.0
    assert name_slip(E, "w", right) is None
    finder = SlipFinder(E)
    odd = right * 1.37 + 0.011
    assert not any(Tolerance().agrees(odd, s.value) for s in finder.candidates("w"))
    assert finder.explain("w", odd) is None
    assert finder.explain("w", math.nan) is None


def test_unknown_node_name_is_a_clear_error():
    E, *_ = neuron()
    with pytest.raises(KeyError, match="no node named 'q'"):
        SlipFinder(E).candidates("q")


def test_hand_check_prints_the_slip_next_to_wrong():
    def E(w, b):
        z = (w * 2.0 + b).tanh()
        return (z - 0.5) ** 2 * 0.5

    z = math.tanh(-0.5 * 2 + 0.5)
    report = hand_check(E, {"w": (z - 0.5) * 2.0, "b": (z - 0.5) * (1 - z * z)}, at={"w": -0.5, "b": 0.5})
    w_row, b_row = report.rows
    assert w_row.verdict == "WRONG" and w_row.slip.kind == "missing_local"
    assert b_row.ok and b_row.slip is None
    lines = str(report).splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("∂E/∂w"))
    assert lines[at + 1].strip().startswith("likely slip: took ∂")
    assert "likely slip" in report._repr_html_()


# -- networks: slips computed with the lectures' layer-by-layer formulas -------
def _net(sizes, activation, loss, seed=1):
    ex = exercise(sizes, activation, loss, seed=seed)
    f = ex.loss_function()
    leaves = {n: Value(v, n) for n, v in ex.at().items()}
    E = f(**leaves)
    return ex, SlipFinder(E, "E")


@pytest.mark.parametrize("activation,loss", [("tanh", "half_sse"), ("sigmoid", "bce"),
                                             ("tanh", "cross_entropy"), ("sigmoid", "softmax_cross_entropy")])
def test_network_forgot_h_prime_at_a_hidden_unit_is_missing_local(activation, loss):
    K = 1 if loss in ("half_sse", "bce") else 3
    ex, finder = _net([2, 2, K], activation, loss)
    t = ex.textbook
    j, k = 1, 2  # ∂E/∂w[1]_{2,1} ... computed with δ_j = Σ_k w_kj δ_k, no h'(a_j)
    W2, d2 = t.weights[1], t.delta[1]
    delta_no_h = math.fsum(W2[m][k - 1] * d2[m] for m in range(len(d2)))
    claimed = delta_no_h * t.x[j - 1]
    slip = finder.explain(f"w[1]_{{{k},{j}}}", claimed)
    assert slip is not None and slip.kind == "missing_local"
    assert (slip.consumer, slip.node) == (f"z[1]_{k}", f"a[1]_{k}")


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_network_h_prime_at_z_is_local_at_output(activation):
    ex, finder = _net([2, 2, 1], activation, "half_sse")
    t = ex.textbook
    z = t.z[0][0]
    h_of_z = math.tanh(z) if activation == "tanh" else 1 / (1 + math.exp(-z))
    h_prime_at_z = 1 - h_of_z ** 2 if activation == "tanh" else h_of_z * (1 - h_of_z)
    claimed = h_prime_at_z * t.weights[1][0][0] * t.delta[1][0] * t.x[1]  # ∂E/∂w[1]_{1,2}
    slip = finder.explain("w[1]_{1,2}", claimed)
    assert slip.kind == "local_at_output" and slip.consumer == "z[1]_1"


@pytest.mark.parametrize("activation,loss", [("tanh", "half_sse"), ("sigmoid", "bce"), ("tanh", "cross_entropy")])
def test_network_dropped_output_term_is_missing_path(activation, loss):
    ex, finder = _net([2, 2, 2], activation, loss, seed=3)
    t = ex.textbook
    # δ[1]_1 = h'(a) (w_11 δ_1 + w_21 δ_2) with the term of output unit 2 left out
    hp = 1 - t.z[0][0] ** 2 if activation == "tanh" else t.z[0][0] * (1 - t.z[0][0])
    claimed = hp * t.weights[1][0][0] * t.delta[1][0]  # ∂E/∂b[1]_1 = δ[1]_1
    slip = finder.explain("b[1]_1", claimed)
    assert slip.kind == "missing_path"
    assert slip.node == "z[1]_1" and slip.consumer == "a[2]_2"
    assert "left out the path through a^{(2)}_2" in slip.text


@pytest.mark.parametrize("activation,loss", [("tanh", "half_sse"), ("sigmoid", "bce"),
                                             ("tanh", "cross_entropy"), ("tanh", "softmax_cross_entropy")])
def test_network_sign_slip_and_every_candidate_is_named(activation, loss):
    K = 1 if loss in ("half_sse", "bce") else 3
    ex, finder = _net([2, 2, K], activation, loss, seed=5)
    for name, right in ex.solution().items():
        assert finder.explain(name, right) is None
        assert finder.explain(name, -right).kind == "sign"
        for s in finder.candidates(name):
            named = finder.explain(name, s.value)
            assert named is not None and Tolerance().agrees(s.value, named.value)


def test_softmax_cross_entropy_output_slips_cover_the_lse_paths():
    ex, finder = _net([2, 2, 3], "tanh", "cross_entropy", seed=2)
    c = ex.target + 1  # the target class: a_c reaches E directly and through lse
    kinds = {s.kind for s in finder.candidates(f"b[2]_{c}")}
    assert {"sign", "missing_path", "missing_local", "local_at_output"} <= kinds
    # the classic slip: δ_c = −1 (only the direct path: −t_c) instead of y_c − t_c
    slip = finder.explain(f"b[2]_{c}", -1.0)
    assert slip.kind == "missing_path" and slip.node == f"a[2]_{c}"


def test_slips_on_the_calculus_ops_and_a_node_used_twice():
    # E = sin(x)²: sin'(x) taken at sin(x), and one of the two uses of y = sin(x) in y·y
    x = Value(0.7, "x")
    y = x.sin()
    y.label = "y"
    E = y * y
    E.label = "E"
    finder = SlipFinder(E)
    at_output = 2 * math.sin(0.7) * math.cos(math.sin(0.7))
    assert finder.explain("x", at_output).kind == "local_at_output"
    one_use = math.sin(0.7) * math.cos(0.7)  # the product rule with one term forgotten
    slip = finder.explain("x", one_use)
    assert slip.kind == "missing_path" and "one of the 2 uses of y in E" in slip.text
