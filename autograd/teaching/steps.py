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
HTML page that needs no server and fetches nothing. Page and widget lay the graph
out ONCE and restyle that one drawing per step (`Frames`): the page holds one SVG,
each step's text and the ids to restyle, so its size grows with the graph, not with
its square. With `collapse=`, groups of nodes (a neuron, the loss) are one box and
one step each.

Node names
----------
A step names nodes by their `label`. A node without a label is called ``n<i>``,
where i is its position in `topological_order(root)` (leaves first, the root
last), so the names are the same on every run of the same program. If two nodes
would get the same name (two nodes labelled "x", or a node labelled "n3" besides
the unlabelled node 3), each of them gets ``#<i>`` appended: ``x#0``, ``x#4``.
"""

from __future__ import annotations

import heapq
import html
import os
import re
import warnings
from dataclasses import dataclass, field, replace
from typing import Callable, Mapping, Sequence

from autograd import escape, ops
from autograd.files import write_atomic
from autograd.teaching.judge import rounding_spread
from autograd.teaching.quiz import QUIZ_FIGURES, Quiz
from autograd.names import delta_name, fmt, groups, latex_delta, latex_name, latex_number, node_expression, node_names
from autograd.graph import sweep_reverse, topological_order
from autograd.explain import name_of
from autograd.inputs import as_float
from autograd.value import Value

__all__ = ["Term", "Step", "GroupStep", "backward_steps", "node_names", "node_expression", "formula", "Stepper",
           "View", "BACKWARD_VIEW",
           "Frames", "Frame", "fmt"]


def formula(op: str, parent_index: int, n_parents: int = 1) -> str:
    """The text of ∂node/∂parent from the engine's table (`ops.formula`)."""
    return ops.formula(op, parent_index, n_parents)


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
        j, dj = self.name, delta_name(self.name)
        if self.is_root:
            if self.delta == 1.0:
                return f"{dj} = ∂{j}/∂{j} = 1"
            return f"{dj} = {fmt(self.delta)} (the seed given to backward)"
        symbols = " + ".join(f"{delta_name(t.consumer_name)}·∂{t.consumer_name}/∂{j}" for t in self.terms)
        numbers = " + ".join(f"({fmt(t.consumer_delta)})({fmt(t.local)})" for t in self.terms)
        return f"{dj} = {symbols} = {numbers} = {fmt(self.delta)}"

    def explain(self) -> str:
        """Several lines: the sum, then each term with the rule its ∂k/∂j comes from."""
        lines = [self.text()]
        if self.is_root:
            lines.append(f"  {self.name} is the output: every δ below is ∂{self.name}/∂node.")
        for t in self.terms:
            lines.append(
                f"  {t.consumer_name} ∈ ↓{self.name}: {delta_name(t.consumer_name)} = {fmt(t.consumer_delta)}, "
                f"∂{t.consumer_name}/∂{self.name} = {fmt(t.local)}   ({t.formula})"
            )
        return "\n".join(lines)

    def latex(self) -> str:
        """The same sum as `text()`, as a LaTeX formula (no surrounding $)."""
        j, dj = latex_name(self.name), latex_delta(self.name)
        if self.is_root:
            return rf"{dj} = \frac{{\partial {j}}}{{\partial {j}}} = {latex_number(self.delta)}" \
                if self.delta == 1.0 else rf"{dj} = {latex_number(self.delta)}"
        symbols = " + ".join(
            rf"{latex_delta(t.consumer_name)}\,"
            rf"\frac{{\partial {latex_name(t.consumer_name)}}}{{\partial {j}}}"
            for t in self.terms
        )
        numbers = " + ".join(
            rf"({latex_number(t.consumer_delta)})({latex_number(t.local)})" for t in self.terms
        )
        return rf"{dj} = {symbols} = {numbers} = {latex_number(self.delta)}"

    def _repr_latex_(self) -> str:
        return f"${self.latex()}$"

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<Step {self.index + 1}: {self.text()}>"  # counted from 1, as every page counts


def backward_steps(root: Value, seed: float = 1.0, *, grad=None) -> list[Step]:
    """The backward pass from `root` as a list of Steps, root first; `.grad` is untouched.

    Each δ_j = Σ_{k∈↓j} δ_k ∂k/∂j is summed in the same order as `Value.backward()`
    adds the terms into j.grad (consumers nearest the root first, a consumer's
    parents in argument order), so on a fresh graph every step's delta is exactly
    the `.grad` that `root.backward(seed)` produces. (`grad=` is the older name of `seed=`.)"""
    if not isinstance(root, Value):
        raise TypeError(f"backward_steps: root must be a Value, got {type(root).__name__} {root!r}")
    if grad is not None:
        warnings.warn("backward_steps(grad=...) is now backward_steps(seed=...)", DeprecationWarning, stacklevel=2)
        seed = grad
    seed = as_float(seed, "backward_steps(seed=...)")
    order = topological_order(root)
    names = node_names(root)
    delta = sweep_reverse(order, root, seed, "backward_steps")
    # ↓j with each edge's parent index, consumers in the order the sweep visits them
    below: dict[Value, list[tuple[Value, int, float]]] = {node: [] for node in order}
    for k in reversed(order):
        for i, (j, dk_dj) in enumerate(zip(k.parents, k.local_grads)):
            below[j].append((k, i, dk_dj))
    return [
        Step(index, j, names[j], delta[j],
             tuple(Term(k, delta[k], dk_dj, formula(k.op, i, len(k.parents)), i, names[k]) for k, i, dk_dj in below[j]),
             names[root], node_expression(j, names))
        for index, j in enumerate(reversed(order))
    ]


# ---------------------------------------------------------------------------
# Collapsed groups: one step per box
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class GroupStep:
    """The backward pass through a collapsed group (a neuron, a softmax layer, the
    loss): the δ's of its nodes, in the order backward() finishes them."""

    index: int
    name: str
    members: tuple[Step, ...]  # backward order: the node nearest the root first

    @property
    def node(self) -> Value:
        return self.members[0].node

    @property
    def nodes(self) -> tuple[Value, ...]:
        return tuple(s.node for s in self.members)

    @property
    def delta(self) -> float:
        """δ of the group's node nearest the root (its output)."""
        return self.members[0].delta

    @property
    def terms(self) -> tuple[Term, ...]:
        return tuple(t for s in self.members for t in s.terms)

    @property
    def is_root(self) -> bool:
        return self.index == 0 and self.members[0].is_root

    def text(self) -> str:
        """The box's name, then one line per node: δ[j] = Σ δ[k]·∂k/∂j = ... ."""
        return f"{self.name}:\n" + "\n".join(s.text() for s in self.members)

    def explain(self) -> str:
        return f"{self.name}, {len(self.members)} node(s):\n" + "\n".join(s.explain() for s in self.members)

    def latex(self) -> str:
        return r"\quad ".join(s.latex() for s in self.members)

    def _repr_latex_(self) -> str:
        return f"${self.latex()}$"

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<GroupStep {self.index + 1}: {self.name}, {len(self.members)} nodes>"


def _collapsed(steps: list[Step], collapse, root: Value) -> list:
    """The steps with each group of `collapse` made one GroupStep: a box is stepped as a
    whole once every node outside it that it reads a δ from is done, and every node
    outside it that reads one of its δ's comes later."""

    ids = {node: f"n{i}" for i, node in enumerate(topological_order(root))}
    found = groups(collapse, ids)
    for name, members in found:
        _check_convex(name, members, root)
    owner = {v: m for m, (_, members) in enumerate(found) for v in members}
    # One unit per group and per node outside the groups; a unit can be stepped once every
    # consumer outside it is done (the backward pass of the graph with each box contracted
    # to one node). Among the units ready, the one nearest the root goes first (its longest
    # path from the root: a network's layers in turn), then groups in the order they were
    # given (a layer's neurons 1, 2, 3, ...), then nodes in the order they were computed.
    position = {node: i for i, node in enumerate(ids)}
    unit_of = {s.node: ("g", owner[s.node]) if s.node in owner else ("n", position[s.node]) for s in steps}
    members: dict = {}
    for s in steps:
        members.setdefault(unit_of[s.node], []).append(s)
    waiting = {u: 0 for u in members}
    consumers_of: dict = {u: [] for u in members}  # unit → units that wait for it
    for s in steps:
        for t in s.terms:
            k, j = unit_of[t.consumer], unit_of[s.node]
            if k != j:
                waiting[j] += 1
                consumers_of[k].append(j)
    level = {u: 0 for u in members}  # the longest path from the root, in units
    ready = [(0, u) for u in members if waiting[u] == 0]
    heapq.heapify(ready)
    out: list = []
    while ready:
        _, u = heapq.heappop(ready)
        if u[0] == "n":
            out.append(replace(members[u][0], index=len(out)))
        else:
            out.append(GroupStep(len(out), found[u[1]][0], tuple(members[u])))
        for j in consumers_of[u]:
            waiting[j] -= 1
            level[j] = max(level[j], level[u] + 1)
            if waiting[j] == 0:  # every consumer done: its level is final
                heapq.heappush(ready, (level[j], j))
    return out


def _check_convex(name: str, members: Sequence[Value], root: Value) -> None:
    """A group can be one step only if no path leaves it and comes back: otherwise a node
    outside would need a δ from the box, and the box a δ from that node."""
    inside = set(members)
    above: set[Value] = set()  # nodes computed from a member (its consumers, and theirs...)
    for node in topological_order(root):
        if any(p in inside or p in above for p in node.parents) and node not in inside:
            above.add(node)
    for node in members:
        for p in node.parents:
            if p in above:
                raise ValueError(
                    f"Stepper: the group {name!r} of collapse= cannot be one step: the {name_of(p)} is computed "
                    f"from the group and feeds it again. Add that node to the group, or split the group."
                )


# ---------------------------------------------------------------------------
# Walking through the steps
# ---------------------------------------------------------------------------
class Stepper:
    """Step through the backward pass of `root`, one node (or one collapsed box) at a time.

        s = Stepper(loss, parameters=model.parameters())
        s.current.text()      # δ of the root (= 1)
        s.next(); s.draw()    # the graph: current node highlighted, done nodes show δ
        s.to_html("backprop.html")

    parameters  leaves drawn as parameters (weights and biases), see `autograd.draw`.
    collapse    groups of nodes drawn as one box each and stepped as one step
                ((name, nodes) pairs or {name: nodes}; `nn.op_groups` makes a network's).
    """

    def __init__(self, root: Value, seed: float = 1.0, *, parameters=(), collapse=None,
                 view: "View | None" = None, steps: Sequence | None = None):
        """`view` and `steps` let another pass be walked the same way: forward mode's
        `ForwardStepper` gives its own steps (each with a `.tangent`) and `FORWARD_VIEW`."""
        self.root = root
        self.view = view or BACKWARD_VIEW
        self.intro_html = self.view.intro_html  # the HTML page's first paragraph
        self.node_steps: list = list(steps) if steps is not None else backward_steps(root, seed)
        self.parameters = list(parameters)
        self.collapse = collapse
        self.steps: list = _collapsed(self.node_steps, collapse, root) if collapse else list(self.node_steps)
        self.names = {s.node: s.name for s in self.node_steps}  # one name per node, as the steps say
        self.index = 0

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self):
        return iter(self.steps)

    def __getitem__(self, i: int):
        return self.steps[i]

    @property
    def current(self):
        return self.steps[self.index]

    def _index(self, i, who: str) -> int:
        """Step i as a position 0..n−1 (negative i counts from the end, like a list index)."""
        n = len(self.steps)
        if not isinstance(i, int) or isinstance(i, bool):
            raise TypeError(f"Stepper.{who}: the step number must be an int, got {i!r}")
        if not -n <= i < n:
            raise IndexError(f"Stepper.{who}({i}): there are {n} steps, numbered 0 to {n - 1} "
                             f"(or −1 to −{n} from the end)")
        return i % n

    def goto(self, i: int):
        """Jump to step i (negative i counts from the end, like a list index)."""
        self.index = self._index(i, "goto")
        return self.current

    def next(self):
        """Move one step further from the root (stays on the last step at the end)."""
        self.index = min(self.index + 1, len(self.steps) - 1)
        return self.current

    def prev(self):
        """Move one step back towards the root (stays on step 0 at the start)."""
        self.index = max(self.index - 1, 0)
        return self.current

    def values(self, index: int | None = None) -> dict[Value, float]:
        """The view's number (δ, or ṫ) of every node finished up to and including step
        `index` (default: current; negative counts from the end, as in `goto`)."""
        last = self.index if index is None else self._index(index, "values")
        done: dict[Value, float] = {}
        for step in self.steps[: last + 1]:
            for s in getattr(step, "members", (step,)):
                done[s.node] = getattr(s, self.view.attribute)
        return done

    def deltas(self, index: int | None = None) -> dict[Value, float]:
        """δ of every node finished up to and including step `index` (default: current;
        negative counts from the end, as in `goto`)."""
        if self.view.attribute != "delta":
            raise AttributeError(f"this walk shows {self.view.symbol}, not δ; use values(index)")
        return self.values(index)

    def _marks(self, index: int) -> dict:
        """What the picture at step `index` shows on the finished nodes (a keyword of `draw`)."""
        return {self.view.draw_keyword: self.values(index)}

    def _draw_options(self, options: dict) -> dict:
        merged = {"names": self.names, "parameters": self.parameters, "collapse": self.collapse}
        merged.update(options)
        return merged

    # -- pictures ---------------------------------------------------------
    def draw(self, index: int | None = None, **options):
        """The graph at step `index` (default: current) as a graphviz Digraph: the
        current node highlighted, finished nodes showing their δ, the rest greyed out.
        Extra keyword arguments go to `autograd.drawing.draw.draw` (e.g. rankdir="TB")."""
        from autograd.drawing.draw import draw  # imported here: drawing needs the graphviz package

        i = self.index if index is None else self._index(index, "draw")
        nodes = getattr(self.steps[i], "nodes", (self.steps[i].node,))
        return draw(self.root, **self._marks(i), highlight=nodes, **self._draw_options(options))

    def svg(self, index: int | None = None, **options) -> str:
        """The drawing at step `index` rendered by Graphviz's `dot`, as SVG text
        without the XML prolog and DOCTYPE (ready to be put inside an HTML page)."""
        return clean_svg(self.draw(index, **options).pipe(format="svg").decode("utf-8"))

    # -- one drawing, restyled per step -----------------------------------
    def frames(self, **options) -> "Frames":
        """The whole pass as ONE laid-out drawing plus, per step, what to restyle in it:
        the page (`to_html`) and the widget are built from this, so their size grows
        with the graph, not with its square."""
        drawing, rank, frames = self.frame_parts(**options)
        svg = tag_deltas(clean_svg(drawing.pipe(format="svg").decode("utf-8")), drawing.layout.deltas)
        return Frames(svg, rank, frames)

    def frame_parts(self, **options) -> tuple:
        """(drawing, rank, frames): the drawing not laid out yet, and what each step restyles
        in it. `frames()` lays it out here; the playground lays the DOT out in the browser."""
        from autograd.drawing.draw import draw

        # every node finished: the δ of the whole pass (or ṫ, for the ForwardStepper)
        drawing = draw(self.root, **self._marks(len(self.steps) - 1), **self._draw_options(options))
        layout = drawing.layout
        rank: dict[str, int] = {}
        frames = []
        for step in self.steps:
            members = getattr(step, "members", (step,))
            current = []
            for s in members:
                element = layout.element[s.node]
                for part in [element] + layout.parts.get(element, []):
                    rank.setdefault(part, step.index)
                    if part not in current:
                        current.append(part)
            terms = []
            for s in members:
                for t in s.terms:
                    edge = layout.edges.get((t.consumer, t.parent_index))
                    if edge and edge not in terms:
                        terms.append(edge)
            frames.append(Frame(step.index, step.text(), step.explain(), tuple(current), tuple(terms)))
        return drawing, rank, frames

    def widget(self, **options):
        """An ipywidgets UI: ◀ / ▶ buttons, a slider, zoom and the legend switch, the step's
        sum and the graph. The graph is laid out once; each step only restyles it."""
        try:
            import ipywidgets as widgets
        except ImportError:
            raise ImportError(
                "Stepper.widget needs ipywidgets; install the notebook extra: "
                "pip install 'deltagrad[notebook]'"
            ) from None
        frames = self.frames(**options)

        def show(i: int) -> tuple[str, str]:
            self.goto(i)
            step = self.current
            return (f"<p>{escape.html(step.text())}</p><p>${step.latex()}$</p>", frames.svg_at(i))

        return restyling_widget(widgets, len(self), show, start=self.index)

    def to_html(self, path: str | os.PathLike, title: str | None = None,
                max_steps: int = 1000, *, quiz: bool = False, sig_figs: int | None = None,
                rtol: float | None = None, **options) -> str:
        """Write ONE self-contained HTML file: the graph drawn once (inline SVG), each
        step's sum, ◀ / ▶ buttons, arrow keys, zoom and a step counter; a small inline
        script restyles the drawing per step. No server, no script or font from the
        network. Written atomically; returns the path.

        quiz=True leaves each step's result (δ here, ṫ on `ForwardStepper`'s page) blank
        for the student to type and checks it (`autograd.quiz`: 3 significant figures
        unless sig_figs= or rtol= is given)."""
        if title is None:
            title = self.view.title
        if not isinstance(title, str):
            raise TypeError(f"Stepper.to_html: title must be a str (or None), got {type(title).__name__} {title!r}")
        if len(self) > max_steps:
            raise ValueError(
                f"Stepper.to_html: the graph has {len(self)} steps, more than max_steps={max_steps}; "
                "no one steps through that many. Collapse groups of nodes into boxes (collapse=...), "
                "step through a smaller graph, or pass a larger max_steps."
            )
        frames = self.frames(**options)
        page = html_page(title, self.intro_html, frames, self._page_quiz(quiz, sig_figs, rtol))
        return os.fspath(write_atomic(path, page, who="Stepper.to_html"))

    def _page_quiz(self, quiz: bool, sig_figs, rtol):
        """The page's `autograd.teaching.quiz.Quiz` (or None): it asks for every step's δ (or ṫ),
        the root's too; the view may give some (forward mode gives the leaves' ṫ, the seed)."""
        answers = [getattr(s, self.view.attribute, None) for s in self.steps] if quiz else ()
        spreads = ()
        if quiz and self.view.attribute == "delta":
            # how far a right δ lands when the numbers are worked as the page prints them
            # (rounding_spread is for δ_root = 1: the seed scales every δ)
            seed = next((s.delta for s in self.node_steps if s.node is self.root), 1.0)
            spread = rounding_spread(self.root, QUIZ_FIGURES)
            spreads = [abs(seed) * spread[s.node] if getattr(s, "node", None) in spread else None for s in self.steps]
        return quiz_settings(quiz, answers, sig_figs, rtol, symbol=self.view.symbol,
                             given=self.view.given(self.steps) if quiz else (), spreads=spreads)


@dataclass(frozen=True)
class View:
    """What a walk through a pass shows: its number (`attribute` of each step, drawn as
    `draw_keyword`), its symbol, the page's title and first paragraph, and which steps
    a quiz gives rather than asks."""

    attribute: str
    draw_keyword: str
    symbol: str
    title: str
    intro_html: str
    given: Callable = lambda steps: ()


BACKWARD_VIEW = View("delta", "deltas", "δ", "Backpropagation, step by step",
                     "δ of every node, root first: δ<sub>j</sub> = Σ<sub>k∈↓j</sub> δ<sub>k</sub> ∂k/∂j.\n"
                     "Use the buttons or the ← and → keys.")


# ---------------------------------------------------------------------------
# One drawing plus per-step restyling, shared by the page, the widget and nn's unit stepper
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Frame:
    """One step on the shared drawing: its text, the ids of the drawn elements it is
    about (outlined in red) and of the edges carrying its terms (drawn red)."""

    index: int
    text: str
    explain: str
    current: tuple[str, ...]
    terms: tuple[str, ...]


class Frames:
    """One SVG and the per-step data that restyles it.

    rank[id] is the step at which the element with that id is finished: before it,
    the element is greyed out ("not reached yet") and its δ shows as "?"."""

    def __init__(self, svg: str, rank: Mapping[str, int], frames: Sequence[Frame]):
        self.svg = svg
        self.rank = dict(rank)
        self.frames = list(frames)
        self._pieces = _split_svg(svg)

    def __len__(self) -> int:
        return len(self.frames)

    def state(self, i: int) -> tuple[set[str], set[str], set[str]]:
        """(pending ids, current ids, term edge ids) at step i."""
        pending = {e for e, r in self.rank.items() if r > i}
        return pending, set(self.frames[i].current), set(self.frames[i].terms)

    def svg_at(self, i: int) -> str:
        """The SVG as step i shows it, restyled in Python (for the widget); the page's
        script does the same in the browser (`_SCRIPT`)."""
        pending, current, terms = self.state(i)
        out = []
        for piece in self._pieces:
            if isinstance(piece, str):
                out.append(piece)
            elif piece[0] == "group":
                _, ident, kind, raw = piece
                classes = [kind]
                if ident in pending:
                    classes.append("dg-pending")
                if ident in current:
                    classes.append("dg-current")
                if ident in terms:
                    classes.append("dg-term")
                out.append(f'<g id="{raw}" class="{" ".join(classes)}">')
            else:
                _, owner, attrs, text = piece
                shown = _PENDING.sub("?", text) if owner in pending else text
                out.append(f'<text class="dg-delta"{attrs}>{shown}</text>')
        return _STYLE_SVG + "".join(out)


_PENDING = re.compile(r"\S+$")  # the number at the end of "δ 0.5000", "∂E/∂w = 0.1": "?" until reached


def tag_deltas(svg: str, deltas: Mapping[str, Sequence[str]]) -> str:
    """Mark the <text> elements that show a δ (those of `deltas[id]` inside the node or
    edge group with that id) with class "dg-delta", so a step can hide the ones not
    reached yet (their number becomes "?")."""

    def tag(match: re.Match) -> str:
        ident, body = match[1], match[3]
        wanted = set(deltas.get(html.unescape(ident), ()))
        if not wanted:
            return match[0]

        def text(t: re.Match) -> str:
            return (f'<text class="dg-delta"{t[1]}>{t[2]}</text>'
                    if html.unescape(t[2]) in wanted else t[0])

        return match[0][: match.start(3) - match.start(0)] + re.sub(r"<text([^>]*)>([^<]*)</text>", text, body) \
            + "</g>"

    return re.sub(r'<g id="([^"]+)" class="(node|edge)">(.*?)</g>', tag, svg, flags=re.S)


def _split_svg(svg: str) -> list:
    """The SVG cut at every node/edge group's opening tag and every δ text, so that a
    step is drawn by joining the pieces with the step's classes and δ's."""
    pieces: list = []
    owner = ""
    pos = 0
    pattern = re.compile(r'<g id="([^"]+)" class="(node|edge)">|<text class="dg-delta"([^>]*)>([^<]*)</text>')
    for m in pattern.finditer(svg):
        pieces.append(svg[pos:m.start()])
        if m[1] is not None:
            owner = html.unescape(m[1])
            pieces.append(("group", owner, m[2], m[1]))
        else:
            pieces.append(("delta", owner, m[3], m[4]))
        pos = m.end()
    pieces.append(svg[pos:])
    return pieces


def clean_svg(svg: str) -> str:
    """Drop the `<?xml ...?>` prolog and the `<!DOCTYPE ...>` (whose DTD address is
    a URL): an SVG inside HTML needs neither, and the page must name no URL."""
    svg = re.sub(r"<\?xml[^>]*\?>", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>", "", svg, flags=re.S)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)  # Graphviz's comments: the node names again
    return svg.strip()


# The restyling, as CSS: rules beat the drawing's own presentation attributes (public: the
# playground restyles its drawing with the same rules).
RESTYLE_CSS = """
.dg-pending polygon, .dg-pending path, .dg-pending ellipse, .dg-pending polyline
  { stroke: #b0b0b0; fill: #ffffff; stroke-dasharray: 4 2; }
.dg-pending text { fill: #b0b0b0; }
.dg-current polygon, .dg-current path, .dg-current ellipse, .dg-current polyline
  { stroke: #d62728; stroke-width: 3px; }
.dg-term path { stroke: #d62728; stroke-width: 2.5px; }
.dg-term polygon { stroke: #d62728; fill: #d62728; }
.dg-nolegend #legend { display: none; }
"""
_STYLE_SVG = f"<style>{RESTYLE_CSS}</style>"


def restyling_widget(widgets, n: int, show, start: int = 0):
    """The ipywidgets UI shared by the op-level and the unit-level steppers: `show(i)`
    gives (equation HTML, SVG) for step i. Zoom scales the picture inside a box that
    scrolls (pan); at 100 % the picture fits the width of its container."""
    slider = widgets.IntSlider(value=start + 1, min=1, max=n, description="step")  # counted from 1, as the pages
    back = widgets.Button(description="◀ prev", tooltip="previous step (towards the root)")
    forward = widgets.Button(description="next ▶", tooltip="next step (towards the inputs)")
    zoom = widgets.IntSlider(value=100, min=25, max=400, step=25, description="zoom %")
    legend = widgets.Checkbox(value=True, description="legend")
    picture = widgets.HTML(layout=widgets.Layout(width="100%"))
    equation = widgets.HTMLMath()

    def update(change=None) -> None:
        eq, svg = show(slider.value - 1)
        equation.value = eq
        hide = "" if legend.value else " dg-nolegend"
        picture.value = (f'<div class="dg-view{hide}" style="max-width:100%;max-height:75vh;overflow:auto">'
                         f'<div style="width:{zoom.value}%">'
                         + svg.replace("<svg ", '<svg style="width:100%;max-width:none;height:auto'
                                       + (';max-height:70vh" ' if zoom.value == 100 else '" '), 1)
                         + "</div></div>")

    back.on_click(lambda _: setattr(slider, "value", max(slider.value - 1, 1)))
    forward.on_click(lambda _: setattr(slider, "value", min(slider.value + 1, n)))
    for control in (slider, zoom, legend):
        control.observe(update, names="value")
    update()
    return widgets.VBox([widgets.HBox([back, slider, forward]), widgets.HBox([zoom, legend]), equation, picture])


def quiz_settings(quiz: bool, answers, sig_figs, rtol, symbol: str = "δ", given=(), spreads=()):
    """The `autograd.teaching.quiz.Quiz` of a page, or None without quiz mode: `answers` holds
    each step's δ (or ṫ, with symbol="ṫ"); the steps in `given` are shown solved; `spreads`,
    each step's rounding spread (`judge.rounding_spread`; none: the judge's rule without a graph)."""
    if not quiz:
        if sig_figs is not None or rtol is not None:
            raise ValueError("to_html: sig_figs= and rtol= set the quiz's tolerance; give them with quiz=True")
        return None
    if any(d is None for d in answers):
        raise ValueError(f"to_html: quiz mode asks for each step's {symbol}, and these steps have none")
    return Quiz.make(answers, sig_figs=sig_figs, rtol=rtol, symbol=symbol, given=given, spreads=spreads)


def html_page(title: str, intro_html: str, frames: Frames, quiz=None) -> str:
    """The standalone page: the drawing once, one small <section> of text per step,
    the per-step ids as JSON and the script that restyles the drawing."""
    sections = []
    for f in frames.frames:
        if quiz is not None:  # quiz mode (autograd.quiz): the result stays blank until found
            sections.append(quiz.section(f.index, f.text, f.explain,
                                         f' data-current="{escape.html(" ".join(f.current))}"'
                                         f' data-terms="{escape.html(" ".join(f.terms))}"'))
            continue
        sections.append(
            f'<section class="frame" data-index="{f.index}" data-current="{escape.html(" ".join(f.current))}" '
            f'data-terms="{escape.html(" ".join(f.terms))}" hidden>\n'
            f'<pre class="equation">{escape.html(f.text)}</pre>\n'
            f'<pre class="explain">{escape.html(f.explain)}</pre>\n</section>'
        )
    data = escape.script_json(frames.rank, ensure_ascii=False, separators=(",", ":"))
    page = _PAGE.format(title=escape.html(title), intro=intro_html, n=len(frames), css=RESTYLE_CSS,
                        frames="\n".join(sections), svg=frames.svg, rank=data, script=_SCRIPT)
    return page if quiz is None else quiz.finish(page)


_SCRIPT = """
(function () {
  var frames = document.querySelectorAll("section.frame");
  var rank = JSON.parse(document.getElementById("rank").textContent);
  var view = document.getElementById("view"), sizer = document.getElementById("sizer");
  var counter = document.getElementById("counter"), svg = sizer.querySelector("svg");
  var ids = Object.keys(rank), current = 0, fit = true;
  var deltas = document.querySelectorAll("#graph text.dg-delta");
  for (var d = 0; d < deltas.length; d++) deltas[d].setAttribute("data-v", deltas[d].textContent);
  function ownerOf(t) { var g = t.parentNode; while (g && g.getAttribute("class") === null) g = g.parentNode; return g; }
  function mark(list, cls, on) {
    for (var k = 0; k < list.length; k++) { var el = document.getElementById(list[k]); if (el) el.classList.toggle(cls, on); }
  }
  function words(el, name) { var v = el.getAttribute(name); return v ? v.split(" ") : []; }
  // The drawing's own size: Graphviz gives it in points (the viewBox), 1 pt = 4/3 px.
  function natural() { var b = svg.viewBox.baseVal; return {w: b.width * 4 / 3, h: b.height * 4 / 3}; }
  function scale() {  // the true scale the drawing is shown at (1 = its own size)
    var r = svg.getBoundingClientRect(), n = natural();
    return Math.min(r.width / n.w, r.height / n.h);
  }
  function label() { document.getElementById("zoomlevel").textContent = Math.round(scale() * 100) + " %"; }
  function keepInView() {  // the current step's element, scrolled into the middle if it is not in view
    var list = words(frames[current], "data-current"), el = list.length && document.getElementById(list[0]);
    if (!el || fit) return;
    var r = el.getBoundingClientRect(), v = view.getBoundingClientRect();
    if (r.left < v.left || r.right > v.right) view.scrollLeft += (r.left + r.right) / 2 - (v.left + v.right) / 2;
    if (r.top < v.top || r.bottom > v.bottom) view.scrollTop += (r.top + r.bottom) / 2 - (v.top + v.bottom) / 2;
  }
  function show(i, keepHash) {
    var old = frames[current];
    mark(words(old, "data-current"), "dg-current", false);
    mark(words(old, "data-terms"), "dg-term", false);
    current = Math.max(0, Math.min(frames.length - 1, i));
    for (var k = 0; k < frames.length; k++) frames[k].hidden = (k !== current);
    for (var e = 0; e < ids.length; e++) {
      var el = document.getElementById(ids[e]);
      if (el) el.classList.toggle("dg-pending", rank[ids[e]] > current);
    }
    for (var t = 0; t < deltas.length; t++) {
      var g = ownerOf(deltas[t]);
      var v = deltas[t].getAttribute("data-v");
      deltas[t].textContent = g.classList.contains("dg-pending") ? v.replace(/\\S+$/, "?") : v;
    }
    mark(words(frames[current], "data-current"), "dg-current", true);
    mark(words(frames[current], "data-terms"), "dg-term", true);
    counter.textContent = "step " + (current + 1) + " of " + frames.length;
    document.body.setAttribute("data-step", String(current));
    // the address names the step, counted from 1 as the counter: page.html#step=3
    if (!keepHash) try { history.replaceState(null, "", "#step=" + (current + 1)); } catch (err) { /* sandboxed */ }
    keepInView();
  }
  function setZoom(z) {  // z: the true scale; "fit" shows the whole drawing in the window
    var n = natural();
    z = Math.max(0.1, Math.min(8, z));
    fit = false;
    sizer.classList.remove("fit");
    sizer.style.width = (z * n.w) + "px";
    label();
    keepInView();
  }
  function setFit() { fit = true; sizer.classList.add("fit"); sizer.style.width = "100%"; label(); }
  function fromHash() {
    var m = /(?:^#|&)step=(\\d+)/.exec(location.hash);
    if (m) show(Number(m[1]) - 1, true);
  }
  document.getElementById("prev").addEventListener("click", function () { show(current - 1); });
  document.getElementById("next").addEventListener("click", function () { show(current + 1); });
  document.getElementById("zoomin").addEventListener("click", function () { setZoom(scale() * 1.25); });
  document.getElementById("zoomout").addEventListener("click", function () { setZoom(scale() / 1.25); });
  document.getElementById("zoomfit").addEventListener("click", setFit);
  document.getElementById("legendtoggle").addEventListener("change", function (e) {
    view.classList.toggle("dg-nolegend", !e.target.checked); });
  var drag = null;  // pan: drag the picture with the mouse
  view.addEventListener("mousedown", function (e) { drag = [e.clientX, e.clientY, view.scrollLeft, view.scrollTop]; });
  window.addEventListener("mouseup", function () { drag = null; });
  window.addEventListener("mousemove", function (e) {
    if (drag) { view.scrollLeft = drag[2] - (e.clientX - drag[0]); view.scrollTop = drag[3] - (e.clientY - drag[1]); } });
  document.addEventListener("keydown", function (e) {
    if (e.target.closest && e.target.closest("input, textarea")) return;
    if (e.key === "ArrowRight") { show(current + 1); e.preventDefault(); }
    if (e.key === "ArrowLeft") { show(current - 1); e.preventDefault(); }
  });
  window.addEventListener("hashchange", fromHash);
  setFit();
  if (/(?:^#|&)step=\\d+/.test(location.hash)) fromHash(); else show(0);
  // A big graph, shrunk below half its size to fit, opens at its own size on the current step.
  if (scale() < BIG) setZoom(1);
  document.body.setAttribute("data-zoom-ready", "1");
})();
""".replace("BIG", "0.5")

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
  body {{ font-family: sans-serif; margin: 1.5em; }}
  nav {{ display: flex; gap: 1em; align-items: center; margin-bottom: 1em; flex-wrap: wrap; }}
  button {{ font-size: 1.1em; padding: 0.2em 0.8em; }}
  pre.equation {{ font-size: 1.15em; background: #f4f4f8; padding: 0.5em; white-space: pre-wrap; }}
  pre.explain {{ color: #444; white-space: pre-wrap; }}
  #view {{ max-width: 100%; max-height: 80vh; overflow: auto; border: 1px solid #ddd; cursor: grab; }}
  #sizer {{ width: 100%; }}
  #sizer svg {{ width: 100%; max-width: none; height: auto; }}
  #sizer.fit svg {{ max-height: 78vh; }}
{css}
</style>
</head>
<body>
<h1>{title}</h1>
<p>{intro}</p>
<nav>
  <button id="prev" type="button">◀ prev</button>
  <span id="counter">step 1 of {n}</span>
  <button id="next" type="button">next ▶</button>
  <span>zoom <button id="zoomout" type="button">−</button> <span id="zoomlevel">100 %</span>
  <button id="zoomin" type="button">+</button> <button id="zoomfit" type="button">fit</button></span>
  <label><input id="legendtoggle" type="checkbox" checked> legend</label>
</nav>
<div id="frames">
{frames}
</div>
<div id="view"><div id="sizer" class="fit"><div id="graph">
{svg}
</div></div></div>
<script type="application/json" id="rank">{rank}</script>
<script>{script}</script>
</body>
</html>
"""
