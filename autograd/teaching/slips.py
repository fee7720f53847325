"""Name the slip behind a wrong derivative: which piece of the chain rule went wrong.

A derivative worked out by hand is the backward pass done on paper,

    δ_j = Σ_{k∈↓j} δ_k ∂k/∂j,

so the classic slips are one wrong piece of that sum, somewhere in the graph:

    "sign"             the right size with the wrong sign (only then: a sign hint needs the size right)
    "loss_factor"      the ½ of E = ½Σ(y − t)², or the 1/K of a mean, forgotten or applied twice
    "wrong_variable"   h' written in the wrong variable: 1 − a_j² or a_j(1 − a_j) for
                       1 − z_j² or z_j(1 − z_j); or a_k where z_k belongs (∂E/∂w_jk = δ_j z_k)
    "local_at_output"  a one-argument op's ∂k/∂j evaluated at its output instead of its
                       input (tanh'(z) for tanh'(a))
    "extra_local"      an extra factor: the output activation's derivative applied again
                       (σ'(a) at a sigmoid output with cross-entropy, where δ = y − t already)
    "missing_local"    one local derivative ∂k/∂j taken as 1 (a factor forgotten: h'(a_j))
    "missing_path"     one term δ_k·∂k/∂j of a sum over ↓j left out (a path forgotten)
    "swapped"          the answer of another derivative of the same sheet (two answers
                       swapped, an index transposed); named by `grade`, which knows the sheet
    "wrong_order"      the two update lines of momentum taken in the slide's printed order;
                       named where an exercise lists it (`check_answer(mistakes={"wrong_order": …})`)

`SlipFinder(root)` computes, for a leaf x, the number each single-edge slip would give
for ∂root/∂x, from the graph's stored local derivatives; `name_slip` returns the first
one that matches a wrong answer (or None when none does).

Changing the local derivative ℓ on ONE edge j → k to ℓ' and re-running the backward
pass changes ∂root/∂x by exactly

    δ_k · (ℓ' − ℓ) · ∂j/∂x

because the derivative is a sum over paths from x to the root of products of local
derivatives, and a path crosses a given edge at most once. So one backward pass (δ_k
for every node) and one forward pass (∂j/∂x for every node) give every single-edge
slip at once; tests/test_teaching_slips.py re-runs the full backward pass for each slip and
checks that it gives the same number.

Each slip has two texts: `text` for the instructor (with the numbers of the slipped
piece) and `hint` for the student (no number). Both name nodes as the lectures do —
a^{(1)}_2, z_1, δ^{(1)}_2, "the ½ of E" — and an unlabelled node by its expression.
"""

from __future__ import annotations

import functools
import math
import re
from operator import attrgetter
from dataclasses import dataclass
from typing import Callable

from autograd import ops
from autograd.graph import Arithmetic, pull_deltas, sweep_forward, topological_order
from autograd.names import fmt, node_expression, node_names
from autograd.rules import split_wsum
from autograd.teaching.judge import agrees
from autograd.value import Value

__all__ = ["Slip", "SlipFinder", "name_slip", "KINDS", "HINTS", "lecture_name", "lecture_delta", "kind_slip"]

# preference order: when two slips give the same number, the first is named
KINDS = ("sign", "loss_factor", "wrong_variable", "local_at_output", "extra_local", "missing_local",
         "missing_path", "swapped", "wrong_order")

# What a student is told for each kind when no node can be named (`kind_slip`).
HINTS = {
    "sign": "the size is right but the sign is wrong",
    "loss_factor": "a constant factor of E (its ½, or the 1/K of a mean) is forgotten or applied twice",
    "wrong_variable": "h′ is written in the wrong variable (1 − a² or a(1 − a) where 1 − z² or z(1 − z) belongs)",
    "local_at_output": "a derivative is taken at the unit's output z instead of its input a",
    "extra_local": "an extra factor: the output's h′ is applied although δ = y − t already includes it",
    "missing_local": "a factor of the chain rule is left out",
    "missing_path": "a term of a sum over ↓j is left out: a path is missing",
    "swapped": "this is the value of another item of the sheet: two answers swapped, or an index transposed",
    "wrong_order": "the two update lines are taken in the slide's printed order (w ← w − v first, then v)",
}

# h'(a) written with the output z, as the lectures write it (tanh' = 1 − z², σ' = z(1 − z)):
# the form in which a student plugs in the wrong variable.
OUTPUT_FORM = {
    "tanh": (lambda z: 1.0 - z * z, "1 − {}²"),
    "sigmoid": (lambda z: z * (1.0 - z), "{0}(1 − {0})"),
}
# the ops that only scale or collect E's terms: a factor between them and E is the loss's own
_LOSS_CHAIN = ("sum", "neg", "+", "+c", "-c", "*c", "/c")


@dataclass(frozen=True)
class Slip:
    """One slip and the number it gives for ∂root/∂leaf."""

    kind: str  # one of KINDS
    text: str  # the slip in words with the numbers of the slipped piece (for the instructor)
    value: float  # ∂root/∂leaf as the slipped backward pass computes it
    node: str = ""  # j: the node whose sum or factor went wrong (its name in node_names)
    consumer: str = ""  # k: the consumer k ∈ ↓j on the edge that went wrong
    parent_index: int = -1  # j is k.parents[parent_index] (-1 for "sign": no one edge)
    local: float | None = None  # the slipped ∂k/∂j (0 for a left-out path)
    hint: str = ""  # the slip in words without any number (for the student)

    def __post_init__(self):
        if not self.hint:
            object.__setattr__(self, "hint", HINTS.get(self.kind, self.text))

    def __str__(self) -> str:
        return self.text


def kind_slip(kind: str, value: float, text: str = "") -> Slip:
    """A slip known by its kind only (e.g. from an exercise's list of mistakes)."""
    hint = HINTS.get(kind, text)
    return Slip(kind, text or hint, value, hint=hint)


# ---------------------------------------------------------------------------
# Names as the lectures write them
# ---------------------------------------------------------------------------
_SCRIPTED = re.compile(r"^([A-Za-zδ]+)\[(\d+)\]_(?:\{(\d+(?:,\d+)*)\}|(\d+))$")  # w[2]_{1,3}, a[1]_2
_INDEXED = re.compile(r"^([A-Za-z])(\d+)$")  # x1


def lecture_name(label: str) -> str:
    """A label as the lectures write it: a[1]_2 → a^{(1)}_2, w[2]_{1,3} → w^{(2)}_{1,3},
    δ[1]_2 → δ^{(1)}_2, x1 → x_1; any other label as it is."""
    if m := _SCRIPTED.match(label):
        sub = m[3] if m[3] and "," in m[3] else (m[3] or m[4])
        return f"{m[1]}^{{({m[2]})}}_{{{sub}}}" if "," in sub else f"{m[1]}^{{({m[2]})}}_{sub}"
    if m := _INDEXED.match(label):
        return f"{m[1]}_{m[2]}"
    return label


def lecture_delta(label: str, root_name: str = "E") -> str:
    """∂E/∂node as the lectures write it: a[1]_2 (or δ[1]_2 itself) → δ^{(1)}_2; another
    node → ∂E/∂node. (autograd.names.delta_name is the same δ in the engine's text, δ[1]_2.)"""
    if label.startswith("δ"):
        return lecture_name(label)
    if label.startswith("a[") and _SCRIPTED.match(label):
        return lecture_name("δ" + label[1:])
    return f"∂{root_name}/∂{_bracket(lecture_name(label))}"


def lecture_names(root: Value, limit: int = 48) -> dict[Value, str]:
    """Every node's name for a slip text: its label in the lectures' writing, or (for an
    unlabelled node) its expression in its parents' names, e.g. (a^{(2)}_1 − 0.5)^2."""
    internal = node_names(root)
    out: dict[Value, str] = {}
    for node in topological_order(root):
        if node.label or not node.parents:
            out[node] = lecture_name(internal[node])
            continue
        kind = _op_kind(node.op)
        if (kind in ("*c", "/c") and ops.parse_op(node.op)[1][0] == 1.0) or (kind == "sum" and len(node.parents) == 1):
            out[node] = out[node.parents[0]]  # ·1, /1, a sum of one term: the same quantity
            continue
        # brackets where a sum meets a product: w · x + b, but (a − 0.5)^2
        bracket = kind in ops.OPERATORS and kind not in ("+", "+c", "-c")
        text = node_expression(node, {p: _bracket(out[p]) if bracket else out[p] for p in node.parents})
        text = text.replace("− −", "+ ").replace("+ −", "− ")
        out[node] = text if len(text) <= limit else f"a {node.op} node of {len(node.parents)} inputs"
    return out


def _bracket(name: str) -> str:
    """(name) where name is an expression with spaces, unless brackets already hold all of it."""
    if " " not in name:
        return name
    depth = 0
    for i, ch in enumerate(name):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and i < len(name) - 1:
            return f"({name})"  # a bracket closes before the end: "(w · x) + b"
    return name


# The sweeps' floats added exactly (math.fsum), a zero tangent passing nothing on (so an
# infinite ∂j/∂i times a tangent of 0 gives no nan): a slip's value is then the same number
# however its terms are ordered. Nothing is checked for overflow: a slip is only a candidate.
EXACT = Arithmetic(attrgetter("local_grads"), lambda local, t: local * t if t else 0.0,
                   lambda j, terms, start: math.fsum([start, *terms]))


class SlipFinder:
    """The slips of one graph: δ of every node once, then `candidates(leaf)` per leaf.

    `root_name` is how the texts call the root (default: its node name)."""

    def __init__(self, root: Value, root_name: str | None = None):
        if not isinstance(root, Value):
            raise TypeError(f"SlipFinder: root must be a Value, got {type(root).__name__} {root!r}")
        self.root = root
        self.order = topological_order(root)
        self.names = node_names(root)
        self.shown = lecture_names(root)
        self.root_name = root_name or self.names[root]
        self.shown[root] = self.root_name
        self.delta = pull_deltas(root)  # δ_k = ∂root/∂k; never touches .grad
        fan_out: dict[Value, int] = {}
        for k in self.order:
            for j in k.parents:
                fan_out[j] = fan_out.get(j, 0) + 1
        self.fan_out = fan_out  # |↓j| counted by edges: a sum has ≥ 2 terms
        self.network = any(k.op == "wsum" for k in self.order)  # units a_j = Σ w z + b: a network
        # the nodes after the last layer: no weighted sum between them and E (the loss and
        # the output activation); a scaling node there is the loss's own factor
        self.after_layers: dict[Value, bool] = {}
        self.loss_chain: dict[Value, bool] = {}
        children: dict[Value, list[Value]] = {}
        for k in self.order:
            for j in k.parents:
                children.setdefault(j, []).append(k)
        for j in reversed(self.order):
            down = children.get(j, [])
            self.after_layers[j] = j is root or all(self.after_layers[k] and k.op != "wsum" for k in down)
            self.loss_chain[j] = j is root or all(self.loss_chain[k] and _op_kind(k.op) in _LOSS_CHAIN
                                                  for k in down)

    def leaf(self, name: str) -> Value:
        """The node called `name` in the texts (a leaf's label)."""
        for node in self.order:
            if self.names[node] == name:
                return node
        raise KeyError(f"SlipFinder: no node named {name!r} in the graph of {self.root_name}")

    def tangent(self, leaf: Value) -> dict[Value, float]:
        """∂j/∂leaf for every node j: the forward sweep of autograd/graph.py seeded 1 at
        `leaf`, which may be an interior node too (a δ row: ∂j/∂a[1]_2; nothing upstream of
        it is seeded, so its tangent is 1), each sum added exactly (`EXACT`)."""
        return sweep_forward(self.order, {leaf: 1.0}, "SlipFinder", EXACT)

    def d_name(self, node: Value) -> str:
        """How the texts call ∂root/∂node: δ^{(1)}_2 for a pre-activation, else ∂E/∂node."""
        if node.label:
            return lecture_delta(self.names[node], self.root_name)
        return f"∂{self.root_name}/∂{_bracket(self.shown[node])}"

    def candidates(self, leaf: Value | str) -> list[Slip]:
        """Every single slip that changes ∂root/∂leaf, with the number it gives, in
        preference order (KINDS, then edges nearest the root first)."""
        if isinstance(leaf, str):
            leaf = self.leaf(leaf)
        if leaf not in self.names:
            return []  # not in the graph: ∂root/∂leaf = 0 whatever is slipped
        t = self.tangent(leaf)
        right = self.delta.get(leaf, 0.0)
        r, x = self.root_name, self.shown[leaf]
        found: dict[str, list[Slip]] = {kind: [] for kind in KINDS}
        inside: dict[str, list[Slip]] = {kind: [] for kind in KINDS}
        if right != 0.0:
            found["sign"].append(Slip("sign", f"right size, wrong sign: {self.d_name(leaf)} is {fmt(right)}",
                                      -right, self.names[leaf], hint=HINTS["sign"]))
        for k in reversed(self.order):  # consumers nearest the root first
            d_k = self.delta[k]
            if not d_k or not k.parents:
                continue
            for i, (j, local) in enumerate(zip(k.parents, k.local_grads)):
                if not t[j]:
                    continue  # the edge is on no path from the leaf
                kn, jn = self.shown[k], self.shown[j]
                why = ops.formula(k.op, i, len(k.parents))
                # an edge inside the loss (log, exp, the lse of a softmax) is not a piece the
                # lectures' method writes down: its slips come after the lectures' ones
                where = inside if self._inside_loss(k) else found

                def slip(kind: str, new_local: float, text: str, hint: str, where=where) -> None:
                    value = right + d_k * (new_local - local) * t[j]
                    if math.isfinite(value) and value != right:
                        where[kind].append(Slip(kind, text, value, self.names[j], self.names[k], i, new_local, hint))

                if self.fan_out.get(j, 0) >= 2:
                    uses = k.parents.count(j)  # x·x: each use of x is its own term
                    which = f" (one of the {uses} uses of {jn} in {kn})" if uses > 1 else ""
                    slip("missing_path", 0.0,
                         f"left out the path through {kn}: the term {self.d_name(k)}·∂{_bracket(kn)}/∂{_bracket(jn)}"
                         f"{which} of the sum for {self.d_name(j)}",
                         f"a path is missing: the sum for {self.d_name(j)} leaves out the term through {kn}{which}")
                factor = self._loss_factor(k)
                if factor is not None:
                    slip("loss_factor", 1.0, f"forgot {factor}: took it as 1 instead of {fmt(local)}",
                         f"{factor} is forgotten")
                    slip("loss_factor", local * local, f"applied {factor} twice: {fmt(local * local)} instead of "
                         f"{fmt(local)}", f"{factor} is applied twice")
                    continue
                if local != 1.0:
                    slip("missing_local", 1.0,
                         f"took ∂{_bracket(kn)}/∂{_bracket(jn)} as 1 instead of {fmt(local)} ({why}): "
                         "a factor of the chain rule left out",
                         self._missing_local_hint(k, j))
                self._one_operand_slips(k, j, i, local, slip)
                self._input_slips(k, j, i, local, slip)
        return [s for kind in KINDS for s in found[kind]] + [s for kind in KINDS for s in inside[kind]]

    def is_lecture_slip(self, slip: Slip) -> bool:
        """Is this a slip of a piece the lectures' method writes down (a unit's h', a term
        of δ_j's sum, δ_j z_k, the loss's factor, the sign), rather than one inside the loss?"""
        if slip.parent_index < 0:
            return True
        k = next((n for n in self.order if self.names[n] == slip.consumer), None)
        if k is None or self._loss_factor(k) is not None or k.op == "wsum":
            return True
        if self._inside_loss(k):
            return False
        if self.after_layers.get(k):  # the output's own h': the lectures' δ_k = y_k − t_k never takes it
            return slip.kind in ("extra_local", "missing_local")
        return True

    def _inside_loss(self, k: Value) -> bool:
        """k is a node of the loss itself: after the last layer's a_k = Σ w z + b and its h."""
        return bool(self.after_layers.get(k)) and k.op != "wsum" and not _is_activation(k) \
            and self._loss_factor(k) is None

    # -- the slips of one edge, by kind ---------------------------------------------
    def _missing_local_hint(self, k: Value, j: Value) -> str:
        if _is_activation(k) and j.label:
            return f"the factor h′({self.shown[j]}) of {self.d_name(j)} is left out"
        if k.op == "wsum":
            weights, inputs, _ = split_wsum(k.parents)
            if j in weights:  # ∂a_j/∂w_jk = z_k
                return f"the factor {self.shown[inputs[weights.index(j)]]} of ∂{self.root_name}/∂{self.shown[j]} is left out"
            if j in inputs:  # ∂a_k/∂z_j = w_kj
                return f"the weight {self.shown[weights[inputs.index(j)]]} of the sum for {self.d_name(j)} is left out"
        if self.after_layers.get(k, False):
            return f"a factor of the loss's derivative ∂{self.root_name}/∂y is left out"
        return f"the factor ∂{_bracket(self.shown[k])}/∂{_bracket(self.shown[j])} of the chain rule is left out"

    def _loss_factor(self, k: Value) -> str | None:
        """"the ½ of E" when k scales E by a constant (a *0.5, /K node on E's own chain)."""
        kind = _op_kind(k.op)
        if kind not in ("*c", "/c") or not self.loss_chain.get(k, False):
            return None
        c = ops.parse_op(k.op)[1][0]
        if kind == "/c":
            return f"the 1/{fmt(c)} of {self.root_name} (its mean over the outputs)"
        if c == 0.5:
            return f"the ½ of {self.root_name}"
        return f"the factor {fmt(c)} of {self.root_name}"

    def _one_operand_slips(self, k, j, i, local, slip) -> None:
        """An activation's h′ taken at its output, written in the wrong variable, or applied twice."""
        if len(k.parents) != 1 or k.op not in ops.UNARY:  # a function of one operand
            return
        kn, jn = self.shown[k], self.shown[j]
        why = ops.formula(k.op, i, 1)
        try:
            _, (at_output,) = ops.UNARY[k.op](k.data)
        except (ArithmeticError, ValueError, TypeError):
            # e.g. log's derivative at a negative output, or a rule that also
            # takes a constant (elu's α): no such slip
            at_output = None
        if at_output is not None:
            slip("local_at_output", at_output,
                 f"evaluated ∂{kn}/∂{jn} ({why}) at the output {kn} = {fmt(k.data)} "
                 f"instead of the input {jn} = {fmt(j.data)}: {fmt(at_output)} instead of {fmt(local)}",
                 f"h′ is taken at the output {kn} instead of the input {jn}")
        if k.op in OUTPUT_FORM:
            form, written = OUTPUT_FORM[k.op]
            slip("wrong_variable", form(j.data),
                 f"wrote h′ = {written.format(kn)} with {jn} for {kn}: {written.format(jn)} = {fmt(form(j.data))} "
                 f"instead of {fmt(local)}",
                 f"h′ is written in the wrong variable: {written.format(jn)} where {written.format(kn)} belongs")
        if _is_activation(k) and self.after_layers.get(k, False) and local not in (0.0, 1.0):
            slip("extra_local", local * local,
                 f"applied ∂{kn}/∂{jn} = {fmt(local)} twice at the output (an extra factor {fmt(local)})",
                 f"an extra factor h′({jn}) at the output: {self.d_name(j)} already includes it")

    def _input_slips(self, k, j, i, local, slip) -> None:
        """a_k where z_k belongs: ∂a_j/∂w_jk = z_k taken as a_k (the unit's pre-activation)."""
        if k.op != "wsum":
            return
        weights, inputs, _ = split_wsum(tuple(range(len(k.parents))))
        if i not in weights:
            return  # the edge of an input z_k or the bias: its local derivative is a weight or 1
        z = k.parents[inputs[weights.index(i)]]  # the input that multiplies this weight
        if not (_is_activation(z) and z.parents and z.label):
            return
        a = z.parents[0]
        kn, zn, an = self.shown[k], self.shown[z], self.shown[a]
        slip("wrong_variable", a.data,
             f"used {an} = {fmt(a.data)} where {zn} = {fmt(z.data)} belongs in ∂{kn}/∂{self.shown[j]}",
             f"the wrong variable: {an} where {zn} belongs")

    def explain(self, leaf: Value | str, claimed: float,
                agrees: Callable[[float, float], bool] | None = None) -> Slip | None:
        """The first slip whose number agrees with `claimed` (None if none does, or if
        the claim is right). `agrees(claimed, value)` is the grading tolerance."""
        if agrees is None:
            agrees = _default_agrees
        if isinstance(leaf, str):
            leaf = self.leaf(leaf)
        if not isinstance(claimed, (int, float)) or not math.isfinite(claimed):
            return None
        if agrees(claimed, self.delta.get(leaf, 0.0)):
            return None
        for s in self.candidates(leaf):
            if agrees(claimed, s.value):
                return s
        return None


@functools.lru_cache(maxsize=4096)
def _op_kind(op: str) -> str:
    """The rule name behind an op string ("*0.5" → "*c"), or the op itself."""
    rule = ops.rule_for(op) if op else None
    return rule.name if rule is not None else op


ACTIVATIONS = ("tanh", "sigmoid", "relu", "leaky_relu", "elu", "softplus", "identity")


def _is_activation(node: Value) -> bool:
    """A unit's h: one operand, one of the lectures' activations."""
    return len(node.parents) == 1 and _op_kind(node.op) in ACTIVATIONS


def _default_agrees(claimed: float, value: float) -> bool:
    return agrees(claimed, value)


def name_slip(root: Value, leaf: Value | str, claimed: float,
              agrees: Callable[[float, float], bool] | None = None) -> Slip | None:
    """The slip that explains `claimed` as a value of ∂root/∂leaf, or None."""
    return SlipFinder(root).explain(leaf, claimed, agrees)
