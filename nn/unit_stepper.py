"""The lectures' backward pass, one unit per step, on the network diagram.

    steps = nn.backprop_steps(model, x, target, "half_sse")
    steps.to_html("units.html")     # one page: the diagram drawn once, one step per unit
    steps.widget()                  # the same in Jupyter

Each step is one unit j: δ_k at the outputs, then δ_j = h'(a_j) Σ_k w_kj δ_k layer by
layer (Bishop (5.56)), with ∂E/∂w_jk = δ_j z_k for its incoming arrows (Bishop (5.53)).
The unit is outlined in red, and so are the arrows j → k that carry the terms w_kj δ_k of
its sum (for an output unit, its arrow into E). Units not reached yet are greyed out and
show "δ = ?", as do the ∂E/∂w of their arrows. A 2-8-8-1 network takes 17 steps.

The page and the widget are built as the op-level stepper's (`autograd.teaching.steps.Frames`):
the diagram is laid out once by `nn.draw`, and each step only restyles it.
"""

from __future__ import annotations

import math
import os

from autograd import escape
from autograd.files import write_atomic
from autograd.graph import pull_deltas
from autograd.teaching.judge import rounding_spread
from autograd.teaching.quiz import QUIZ_FIGURES
from autograd.teaching.steps import Frame, Frames, clean_svg, html_page, quiz_settings, restyling_widget, tag_deltas

__all__ = ["unit_frames", "to_html", "widget", "unit_spreads"]

INTRO_HTML = ("One unit per step, output units first: δ<sub>k</sub> = ∂E/∂a<sub>k</sub>, then "
              "δ<sub>j</sub> = h'(a<sub>j</sub>) Σ<sub>k</sub> w<sub>kj</sub> δ<sub>k</sub> layer by layer, "
              "and ∂E/∂w<sub>jk</sub> = δ<sub>j</sub> z<sub>k</sub> on the arrows into j.\n"
              "Use the buttons or the ← and → keys.")


def _unit_id(layer: int, unit: int) -> str:
    return f"z{layer}_{unit}"  # the node ids of nn.draw


def unit_frames(steps, **options) -> Frames:
    """The diagram of `steps` (a `nn.textbook.BackpropSteps`) drawn once, and per step the
    unit and the arrows to restyle. `options` go to `nn.draw` (edge_labels=, max_units=...)."""
    from nn.draw import draw_network

    if "highlight" in options:
        raise TypeError("unit_frames: each step highlights its own unit; highlight= cannot be given")
    if options.get("legend", True):
        options["legend"] = "steps"
    from nn.losses import get

    if steps.result.notation is not None:
        options.setdefault("notation", steps.result.notation)  # the steps' lecture names the diagram too
    loss = get(steps.result.loss, reduction=steps.result.reduction)  # the loss of the steps, as reduced there
    drawing = draw_network(steps.model, steps.x, steps.target, loss, **options)
    layout = drawing.layout
    drawn = set(layout.deltas)  # every unit and arrow drawn (elided ones are not)
    L = len(steps.result.delta)
    rank: dict[str, int] = {}
    frames = []
    for s in steps.steps:
        unit = _unit_id(s.layer, s.unit)
        current = [unit] if unit in drawn else []
        for element in current:
            rank[element] = s.index
            # the arrows into j carry ∂E/∂w_jk = δ_j z_k, known from this step (taken in
            # drawing order, not from the set, so the page is the same byte for byte every run)
            for edge in layout.deltas:
                if edge.endswith("--" + unit):
                    rank[edge] = s.index
        if s.layer == L:
            terms = [f"{unit}--E"] if unit in drawn or f"{unit}--E" in drawn else []
            if f"{unit}--E" in drawn:  # its ∂E/∂z_k is worked out in this step: "?" before it
                rank[f"{unit}--E"] = s.index
        else:  # the arrows j → k whose w_kj δ_k are the terms of δ_j
            terms = [f"{unit}--{_unit_id(s.layer + 1, k)}" for k, _, _ in s.downstream]
        frames.append(Frame(s.index, s.text(), s.explain(), tuple(current), tuple(terms)))
    svg = tag_deltas(clean_svg(drawing.pipe(format="svg").decode("utf-8")), layout.deltas)
    return Frames(svg, rank, frames)


def to_html(steps, path, title: str | None = None, *, quiz: bool = False, sig_figs: int | None = None,
            rtol: float | None = None, **options) -> str:
    """Write the unit-by-unit page for `steps`; returns the path (written atomically).
    quiz=True: each δ_j is left blank for the student to type (`autograd.teaching.quiz`)."""
    if title is None:
        title = "Backpropagation, unit by unit"
    if not isinstance(title, str):
        raise TypeError(f"to_html: title must be a str (or None), got {type(title).__name__} {title!r}")
    quiz_data = quiz_settings(quiz, [s.delta for s in steps.steps] if quiz else (), sig_figs, rtol,
                              spreads=unit_spreads(steps) if quiz else ())
    page = html_page(title, INTRO_HTML, unit_frames(steps, **options), quiz_data)
    return os.fspath(write_atomic(path, page, who="backprop_steps(...).to_html"))


def unit_spreads(steps) -> list[float | None]:
    """Each unit's rounding spread (`judge.rounding_spread` at the page's 4 printed figures):
    how far a right δ_j lands when the numbers are worked as printed. The engine's graph of
    the same network, input and loss gives the nodes a_j; a unit whose engine δ is not the
    step's (a loss with no engine form here) gets None, the judge's rule without a graph."""
    from nn import losses  # (the network's own loss, as textbook_backprop took it)

    r = steps.result
    try:
        traces = steps.model.trace(steps.x)
        E = losses.get(r.loss, getattr(r, "reduction", None))(traces[-1].z, steps.target)
    except (TypeError, ValueError):
        return [None] * len(steps.steps)
    spread, delta = rounding_spread(E, QUIZ_FIGURES), pull_deltas(E)
    out = []
    for s in steps.steps:
        a = traces[s.layer - 1].a[s.unit - 1]
        same = abs(delta.get(a, math.nan) - s.delta) <= 1e-9 * max(1.0, abs(s.delta))
        out.append(spread.get(a) if same else None)
    return out


def widget(steps, **options):
    """◀ / ▶ buttons, a slider, zoom and the legend switch over the diagram drawn once."""
    try:
        import ipywidgets as widgets
    except ImportError:
        raise ImportError(
            "backprop_steps(...).widget needs ipywidgets; install the notebook extra: "
            "pip install 'deltagrad[notebook]'"
        ) from None
    frames = unit_frames(steps, **options)

    def show(i: int) -> tuple[str, str]:
        s = steps.steps[i]
        return (f"<p>{escape.html(s.text())}</p><p>${s.latex()}$</p>", frames.svg_at(i))

    return restyling_widget(widgets, len(steps.steps), show)
