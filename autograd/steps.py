"""Backpropagation one node at a time: the chain-rule sum behind every δ.

The backward pass of `Value.backward()` is, for every node j of the graph (lecture
000, eq. after (3)),

    δ_j = ∂root/∂j = Σ_{k∈↓j} δ_k ∂k/∂j,

visited root first. `backward_steps(root)` returns that pass as a list of `Step`s,
one per node, in exactly the order `backward()` finishes the nodes; each Step lists
its terms δ_k·∂k/∂j (one `Term` per edge j → k) with the numbers and the formula
of ∂k/∂j from the engine's derivative table (`autograd.rules`). It computes its own
deltas and never touches `.grad`.

`Stepper(root)` walks through the steps (next / prev / goto), draws the graph with
the current node highlighted, shows a widget in Jupyter and writes a standalone
HTML page that needs no server and fetches nothing.

Node names
----------
A step names nodes by their `label`. A node without a label is called ``n<i>``,
where i is its position in `topological_order(root)` (leaves first, the root
last), so the names are the same on every run of the same program. If two nodes
would get the same name (two nodes labelled "x", or a node labelled "n3" besides
the unlabelled node 3), each of them gets ``#<i>`` appended: ``x#0``, ``x#4``.
"""

from __future__ import annotations

import html
import math
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from autograd import rules
from autograd.files import write_atomic
from autograd.value import Value, topological_order

__all__ = ["Term", "Step", "backward_steps", "node_names", "node_expression", "formula", "Stepper", "fmt"]


# ---------------------------------------------------------------------------
# Numbers and names as a student reads them
# ---------------------------------------------------------------------------
def fmt(x: float, digits: int = 4) -> str:
    """A number with `digits` significant digits and a real minus sign: −0.4, 1.25e-07."""
    if x == 0.0:
        return "0"  # also for −0.0: the sign of a zero says nothing to a student
    s = f"{x:.{digits}g}"
    return "−" + s[1:] if s.startswith("-") else s


def node_names(root: Value) -> dict[Value, str]:
    """A readable, stable name for every node of root's graph (see the module doc)."""
    order = topological_order(root)
    names = {node: node.label or f"n{i}" for i, node in enumerate(order)}
    counts = Counter(names.values())
    for i, node in enumerate(order):
        if counts[names[node]] > 1:
            names[node] = f"{names[node]}#{i}"
    return names


_SYMBOL = {"+": "+", "-": "−", "*": "·", "/": "/", "**": "^", "%": "mod"}


def node_expression(node: Value, names: Mapping[Value, str]) -> str:
    """How a node was computed from its parents, in their names: "w1·x1", "tanh(n6)".

    A leaf is just its name. Plain numbers folded into the op ("*2") are written out."""
    p = [names[x] for x in node.parents]
    op = node.op
    if not op:
        return names[node]
    if op in _SYMBOL and len(p) == 2:
        return f"{p[0]} {_SYMBOL[op]} {p[1]}"
    if op == "neg":
        return f"−{p[0]}"
    if op == "sum":
        return " + ".join(p) if p else "0"
    if op == "wsum":
        # parents: n weights, n inputs, then the bias (lecture 000: a_j = Σ w_jk z_k + b_j)
        n = len(p) // 2
        terms = [f"{w}·{z}" for w, z in zip(p[:n], p[n : 2 * n])]
        return " + ".join(terms + p[2 * n :]) or "0"
    rule = rules.rule_for(op)
    if rule is not None and rules.is_function(rule):  # "tanh(n3)", "atan2(y, x)", "clamp(n3, −1, 1)"
        constants = rules.parse_op(op)[1]
        return f"{rule.name}({', '.join(p + [fmt(c) for c in constants])})"
    folded = rules.split_constant(op)
    if folded is not None and len(p) == 1:
        rule = folded[0]
        c = fmt(folded[1])
        symbol = _SYMBOL.get(rule.name.replace("c", ""), rule.name)
        if rule.name.startswith("c"):  # the number comes first: "2−" is 2 − a
            return f"{c} {symbol} {p[0]}"
        if rule.name == "+c" and c.startswith("−"):  # x + (−3) reads as x − 3
            return f"{p[0]} − {c[1:]}"
        return f"{p[0]} {symbol} {c}"
    return f"{op}({', '.join(p)})"


def formula(op: str, parent_index: int, n_parents: int = 1) -> str:
    """The text of ∂node/∂parent from the engine's table (`rules.formula`)."""
    return rules.formula(op, parent_index, n_parents)


def _latex_name(name: str) -> str:
    """A node name as LaTeX text: \\text{...} with the special characters escaped."""
    special = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "#": r"\#",
               "$": r"\$", "%": r"\%", "&": r"\&", "^": r"\^{}", "~": r"\~{}"}
    return r"\text{" + "".join(special.get(ch, ch) for ch in name) + "}"


def _latex_number(x: float) -> str:
    s = f"{x:.4g}" if x != 0.0 else "0"
    if "e" in s:
        mantissa, exponent = s.split("e")
        s = rf"{mantissa}\times 10^{{{int(exponent)}}}"
    return s


# ---------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Term:
    """One term δ_k·∂k/∂j of the sum for δ_j: the edge from j to its consumer k ∈ ↓j."""

    consumer: Value  # k
    consumer_delta: float  # δ_k, already final when j is visited
    local: float  # ∂k/∂j, stored on k when k was made
    formula: str  # the rule for ∂k/∂j, e.g. "∂tanh(a)/∂a = 1 − tanh(a)²"
    parent_index: int  # j is k.parents[parent_index]
    consumer_name: str

    @property
    def value(self) -> float:
        return self.consumer_delta * self.local


@dataclass(frozen=True, eq=False)
class Step:
    """The backward pass at one node j: δ_j and the chain-rule terms that make it."""

    index: int  # position in the backward order (0 = the root)
    node: Value  # j
    name: str
    delta: float  # δ_j = ∂root/∂j (times the seed)
    terms: tuple[Term, ...]  # one per edge j → k, k ∈ ↓j; empty for the root
    root_name: str
    expression: str = field(default="")  # how j was computed, e.g. "w1·x1"

    @property
    def is_root(self) -> bool:
        return not self.terms and self.index == 0

    def text(self) -> str:
        """One line: δ[j] = Σ δ[k]·∂k/∂j = (δ_k)(∂k/∂j) + ... = δ_j."""
        j = self.name
        if self.is_root:
            if self.delta == 1.0:
                return f"δ[{j}] = ∂{j}/∂{j} = 1"
            return f"δ[{j}] = {fmt(self.delta)} (the seed given to backward)"
        symbols = " + ".join(f"δ[{t.consumer_name}]·∂{t.consumer_name}/∂{j}" for t in self.terms)
        numbers = " + ".join(f"({fmt(t.consumer_delta)})({fmt(t.local)})" for t in self.terms)
        return f"δ[{j}] = {symbols} = {numbers} = {fmt(self.delta)}"

    def explain(self) -> str:
        """Several lines: the sum, then each term with the rule its ∂k/∂j comes from."""
        lines = [self.text()]
        if self.is_root:
            lines.append(f"  {self.name} is the output: every δ below is ∂{self.name}/∂node.")
        for t in self.terms:
            lines.append(
                f"  {t.consumer_name} ∈ ↓{self.name}: δ[{t.consumer_name}] = {fmt(t.consumer_delta)}, "
                f"∂{t.consumer_name}/∂{self.name} = {fmt(t.local)}   ({t.formula})"
            )
        return "\n".join(lines)

    def latex(self) -> str:
        """The same sum as `text()`, as a LaTeX formula (no surrounding $)."""
        j = _latex_name(self.name)
        if self.is_root:
            return rf"\delta_{{{j}}} = \frac{{\partial {j}}}{{\partial {j}}} = {_latex_number(self.delta)}" \
                if self.delta == 1.0 else rf"\delta_{{{j}}} = {_latex_number(self.delta)}"
        symbols = " + ".join(
            rf"\delta_{{{_latex_name(t.consumer_name)}}}\,"
            rf"\frac{{\partial {_latex_name(t.consumer_name)}}}{{\partial {j}}}"
            for t in self.terms
        )
        numbers = " + ".join(
            rf"({_latex_number(t.consumer_delta)})({_latex_number(t.local)})" for t in self.terms
        )
        return rf"\delta_{{{j}}} = {symbols} = {numbers} = {_latex_number(self.delta)}"

    def _repr_latex_(self) -> str:
        return f"${self.latex()}$"

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<Step {self.index}: {self.text()}>"


def backward_steps(root: Value, grad: float = 1.0) -> list[Step]:
    """The backward pass from `root` as a list of Steps, root first; `.grad` is untouched.

    Each δ_j = Σ_{k∈↓j} δ_k ∂k/∂j is summed in the same order as `Value.backward()`
    adds the terms into j.grad (consumers nearest the root first, a consumer's
    parents in argument order), so on a fresh graph every step's delta is exactly
    the `.grad` that `root.backward(grad)` produces."""
    if not isinstance(root, Value):
        raise TypeError(f"backward_steps: root must be a Value, got {type(root).__name__} {root!r}")
    seed = float(grad)
    if not math.isfinite(seed):
        raise ValueError(f"backward_steps: the seed grad={grad!r} is not a finite number")
    order = topological_order(root)
    names = node_names(root)
    # ↓j with each edge's parent index, consumers in the order backward() visits them
    below: dict[Value, list[tuple[Value, int, float]]] = {node: [] for node in order}
    for k in reversed(order):
        for i, (j, dk_dj) in enumerate(zip(k.parents, k.local_grads)):
            below[j].append((k, i, dk_dj))
    delta: dict[Value, float] = {}
    steps: list[Step] = []
    for index, j in enumerate(reversed(order)):
        terms = tuple(
            Term(k, delta[k], dk_dj, formula(k.op, i, len(k.parents)), i, names[k])
            for k, i, dk_dj in below[j]
        )
        if j is root:
            d = seed
        else:
            d = 0.0
            for t in terms:
                d += t.consumer_delta * t.local  # δ_j += δ_k · ∂k/∂j, as in backward()
        delta[j] = d
        steps.append(Step(index, j, names[j], d, terms, names[root], node_expression(j, names)))
    return steps


# ---------------------------------------------------------------------------
# Walking through the steps
# ---------------------------------------------------------------------------
class Stepper:
    """Step through the backward pass of `root`, one node at a time.

        s = Stepper(loss)
        s.current.text()      # δ of the root (= 1)
        s.next(); s.draw()    # the graph: current node highlighted, done nodes show δ
        s.to_html("backprop.html")
    """

    intro_html = ("δ of every node, root first: δ<sub>j</sub> = Σ<sub>k∈↓j</sub> δ<sub>k</sub> ∂k/∂j.\n"
                  "Use the buttons or the ← and → keys.")  # the HTML page's first paragraph

    def __init__(self, root: Value, grad: float = 1.0):
        self.root = root
        self.steps: list[Step] = backward_steps(root, grad)
        self.index = 0

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self):
        return iter(self.steps)

    def __getitem__(self, i: int) -> Step:
        return self.steps[i]

    @property
    def current(self) -> Step:
        return self.steps[self.index]

    def goto(self, i: int) -> Step:
        """Jump to step i (negative i counts from the end, like a list index)."""
        n = len(self.steps)
        if not isinstance(i, int) or isinstance(i, bool):
            raise TypeError(f"Stepper.goto: the step number must be an int, got {i!r}")
        if not -n <= i < n:
            raise IndexError(f"Stepper.goto({i}): there are {n} steps, numbered 0 to {n - 1}")
        self.index = i % n
        return self.current

    def next(self) -> Step:
        """Move one step further from the root (stays on the last step at the end)."""
        self.index = min(self.index + 1, len(self.steps) - 1)
        return self.current

    def prev(self) -> Step:
        """Move one step back towards the root (stays on step 0 at the start)."""
        self.index = max(self.index - 1, 0)
        return self.current

    def deltas(self, index: int | None = None) -> dict[Value, float]:
        """δ of every node finished up to and including step `index` (default: current)."""
        last = self.index if index is None else index
        return {s.node: s.delta for s in self.steps[: last + 1]}

    # -- pictures ---------------------------------------------------------
    def draw(self, index: int | None = None, **options):
        """The graph at step `index` (default: current) as a graphviz Digraph: the
        current node highlighted, finished nodes showing their δ, the rest greyed out.
        Extra keyword arguments go to `autograd.draw.draw` (e.g. rankdir="TB")."""
        from autograd.draw import draw  # imported here: drawing needs the graphviz package

        i = self.index if index is None else index
        # The steps call an unlabelled interior node "n7"; lend it that label while the
        # DOT source is built so the picture uses the same names, then give it back.
        # (Unlabelled leaves keep a blank label: the drawing styles them as constants.)
        names = {s.node: s.name for s in self.steps}
        lent = [node for node in names if node.op and not node.label]
        try:
            for node in lent:
                node.label = names[node]
            return draw(self.root, **self._marks(i), highlight=(self.steps[i].node,), **options)
        finally:
            for node in lent:
                node.label = ""

    def _marks(self, index: int) -> dict:
        """What the picture at step `index` shows on the finished nodes (a keyword of `draw`)."""
        return {"deltas": self.deltas(index)}

    def svg(self, index: int | None = None, **options) -> str:
        """The drawing at step `index` rendered by Graphviz's `dot`, as SVG text
        without the XML prolog and DOCTYPE (ready to be put inside an HTML page)."""
        return _clean_svg(self.draw(index, **options).pipe(format="svg").decode("utf-8"))

    def widget(self, **options):
        """An ipywidgets UI: a slider and ◀ / ▶ buttons, the graph and the step's sum."""
        try:
            import ipywidgets as widgets
        except ImportError:
            raise ImportError(
                "Stepper.widget needs ipywidgets; install the notebook extra: "
                "pip install 'deltagrad[notebook]'"
            ) from None
        slider = widgets.IntSlider(value=self.index, min=0, max=len(self) - 1, description="step")
        back = widgets.Button(description="◀ prev", tooltip="previous step (towards the root)")
        forward = widgets.Button(description="next ▶", tooltip="next step (towards the inputs)")
        picture = widgets.HTML()
        equation = widgets.HTMLMath()

        def show(change=None) -> None:
            self.goto(slider.value)
            picture.value = self.svg(**options)
            equation.value = f"<p>{html.escape(self.current.text())}</p><p>${self.current.latex()}$</p>"

        back.on_click(lambda _: setattr(slider, "value", max(slider.value - 1, 0)))
        forward.on_click(lambda _: setattr(slider, "value", min(slider.value + 1, len(self) - 1)))
        slider.observe(show, names="value")
        show()
        return widgets.VBox([widgets.HBox([back, slider, forward]), equation, picture])

    def to_html(self, path: str | os.PathLike, title: str = "Backpropagation, step by step",
                max_steps: int = 300, **options) -> str:
        """Write ONE self-contained HTML file: every step's graph (SVG, inline) and
        sum, ◀ / ▶ buttons, arrow keys and a step counter. No server, no script or
        font from the network. Written atomically; returns the path."""
        if len(self) > max_steps:
            raise ValueError(
                f"Stepper.to_html: the graph has {len(self)} steps (one per node), more than "
                f"max_steps={max_steps}; every step is a full picture, so the page would be huge. "
                "Step through a smaller graph, or pass a larger max_steps."
            )
        frames = []
        for step in self.steps:
            frames.append(
                f'<section class="frame" data-index="{step.index}" hidden>\n'
                f'<pre class="equation">{html.escape(step.text())}</pre>\n'
                f'<pre class="explain">{html.escape(step.explain())}</pre>\n'
                f'<div class="graph">{self.svg(step.index, **options)}</div>\n</section>'
            )
        page = _PAGE.format(title=html.escape(title), n=len(self), frames="\n".join(frames),
                            intro=self.intro_html)
        return os.fspath(write_atomic(path, page, who="Stepper.to_html"))


def _clean_svg(svg: str) -> str:
    """Drop the `<?xml ...?>` prolog and the `<!DOCTYPE ...>` (whose DTD address is
    a URL): an SVG inside HTML needs neither, and the page must name no URL."""
    svg = re.sub(r"<\?xml[^>]*\?>", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>", "", svg, flags=re.S)
    return svg.strip()


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
  body {{ font-family: sans-serif; margin: 1.5em; }}
  nav {{ display: flex; gap: 1em; align-items: center; margin-bottom: 1em; }}
  button {{ font-size: 1.1em; padding: 0.2em 0.8em; }}
  pre.equation {{ font-size: 1.15em; background: #f4f4f8; padding: 0.5em; white-space: pre-wrap; }}
  pre.explain {{ color: #444; white-space: pre-wrap; }}
  .graph svg {{ max-width: 100%; height: auto; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p>{intro}</p>
<nav>
  <button id="prev" type="button">◀ prev</button>
  <span id="counter">step 1 of {n}</span>
  <button id="next" type="button">next ▶</button>
</nav>
<div id="frames">
{frames}
</div>
<script>
(function () {{
  var frames = document.querySelectorAll("section.frame");
  var counter = document.getElementById("counter");
  var current = 0;
  function show(i) {{
    current = Math.max(0, Math.min(frames.length - 1, i));
    for (var k = 0; k < frames.length; k++) frames[k].hidden = (k !== current);
    counter.textContent = "step " + (current + 1) + " of " + frames.length;
    document.body.setAttribute("data-step", String(current));
  }}
  document.getElementById("prev").addEventListener("click", function () {{ show(current - 1); }});
  document.getElementById("next").addEventListener("click", function () {{ show(current + 1); }});
  document.addEventListener("keydown", function (e) {{
    if (e.key === "ArrowRight") {{ show(current + 1); e.preventDefault(); }}
    if (e.key === "ArrowLeft") {{ show(current - 1); e.preventDefault(); }}
  }});
  show(0);
}})();
</script>
</body>
</html>
"""
