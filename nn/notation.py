"""Each lecture's notation, so that the pictures and step texts speak it.

    nn.NOTATIONS["caltech"].pre(1, 2).latex     # 's^{(1)}_{2}'
    nn.NOTATIONS["caltech"].weight(2, 1, 3).text  # 'w₃₁⁽²⁾': from unit 3 into unit 1 (w_ij)
    nn.NOTATIONS["bishop"].weight(2, 1, 3).text   # 'w₁₃⁽²⁾': into unit 1 from unit 3 (w_ji)
    nn.draw(model, x, t, notation="caltech");  nn.backprop_steps(model, x, t, notation="hajij")

A profile names every quantity of a layered network: the network inputs, the
pre-activation and activation of unit j of layer l (l = 1 … L, the output layer is L),
its δ = ∂E/∂(pre-activation), the weight into unit j of layer l from unit k of
layer l − 1, the bias, and the loss. The numbers never depend on the profile — with
one exception that is the lecture's own: where the bias is the weight of a bias input
x_0 = −1 (the Caltech handout's threshold input), that weight is −b_j and its
derivative −δ_j.

Names come with two spellings: `.text` (Unicode, for the diagram and the step texts:
s₂⁽¹⁾) and `.latex` (s^{(1)}_{2}). `Notation.name(kind, l, j, k)` is the one naming
function; the methods below are shorthands for it.

The profiles, and where each lecture writes them:

    webster   a_j, z_j = σ(a_j), a_j = Σ_k w_jk z_k + b_j, δ_j, loss E_i; W^(i), b^(i)
    bishop    a_j, z_j = h(a_j), outputs y_k, w_ji^(l), bias w_j0^(l) from x_0 = 1, z_0 = 1, E_n
    mlp       hidden u_j, h_j = f(u_j), weights v_ji, bias v_j0; outputs z_k, o_k = g(z_k),
              w_kj, w_k0; δ^z_k = ∂E/∂z_k (the lecture's δ_k^z), E
    hajij     a_i = Σ_l u_il z_l, z_i = σ(a_i), output y', δ_i, cost C_0; W^(l), b^(l)
    caltech   s_j^(l), x_j^(l) = φ(s_j^(l)), w_ij^(l) from i to j, bias input x_0 = −1, E_n
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Notation", "Name", "NOTATIONS", "get_notation"]

_SUB = str.maketrans("0123456789aehijklmnoprstuvx,+−-()=", "₀₁₂₃₄₅₆₇₈₉ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ,₊₋₋₍₎₌")
_SUP = str.maketrans("0123456789()hlosuzL+-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾ʰˡᵒˢᵘᶻᴸ⁺⁻")


@dataclass(frozen=True)
class Name:
    """One quantity's name: `text` in Unicode (x₁⁽⁰⁾), `latex` for math mode (x^{(0)}_{1})."""

    text: str
    latex: str

    def __str__(self) -> str:
        return self.text


def _indices(*idx) -> tuple[str, str]:
    """Subscript text and LaTeX for one or two indices: 21 (or 12,3 when one has two digits)."""
    parts = [str(i) for i in idx]
    joined = "".join(parts) if all(len(p) == 1 for p in parts) else ",".join(parts)
    return joined.translate(_SUB), joined


@dataclass(frozen=True)
class Notation:
    """One lecture's names for the quantities of a layered network (see the module docstring)."""

    key: str
    lecture: str  # the short name of docs/lectures.md
    input: str  # the network inputs: x_i
    pre: str  # pre-activation of a hidden unit
    act: str  # activation of a hidden unit
    out_pre: str  # pre-activation of an output unit
    out: str  # output
    weight: str  # weights into a hidden layer
    out_weight: str  # weights into the output layer
    h: str  # the activation function, as in h'(a_j)
    loss: str  # text; LaTeX from `loss_latex`
    loss_latex: str
    target: str
    into_first: bool  # True: w_jk, the unit the weight goes into first; False: w_ij (the Caltech handout)
    bias_value: float | None  # None: a bias b_j; else the value of the bias input x_0 / z_0
    superscripts: bool  # layer superscripts (l); without them the layer is told by the letters
    delta_by_pre: bool = False  # δ named after its pre-activation: δ^z_k, δ^u_j (the MLP lecture)
    down: str = "k"  # the index the hidden rule sums over: Σ_k w_kj δ_k

    # -- the one naming function ---------------------------------------------------
    def name(self, kind: str, l: int | str | None = None, j: int | str | None = None,
             k: int | str | None = None, L: int | None = None) -> Name:
        """The name of a quantity.

        kind  "input" (x_j; l ignored), "pre", "act", "delta" (unit j of layer l),
              "weight" (into unit j of layer l from unit k of layer l − 1; k = 0 is the
              bias weight), "bias" (unit j of layer l), "bias_input" (x_0 / z_0 feeding
              layer l), "loss", "target" (t_j).
        L     the number of layers, so that the output layer gets the output names
              (without it, layer l is a hidden layer unless l is the string "L").
        Indices may be letters ("j", "k") for formulas."""
        last = L is not None and l == L or l == "L"
        # a lecture without layer superscripts (the MLP lecture: v for the hidden layer, w for the
        # output) writes two layers; deeper networks get (l) on the hidden layers, so names stay unique
        layer = l if self.superscripts or (L is not None and L > 2 and not last) else None
        if kind == "input":  # layer 0's outputs; superscript (0) where they share the activations' letter
            return self._sym(self.input, (j,), 0 if self.input == self.act else None)
        if kind == "loss":
            return Name(self.loss, self.loss_latex)
        if kind == "target":
            return self._sym(self.target, (j,), None)
        if kind in ("pre", "act"):
            symbol = {("pre", False): self.pre, ("act", False): self.act,
                      ("pre", True): self.out_pre, ("act", True): self.out}[kind, bool(last)]
            # an output with its own letter (y_k, o_k, y') needs no layer: Bishop's y_k, not y_k^(2)
            own_letter = kind == "act" and last and self.out != self.act
            return self._sym(symbol, (j,), None if own_letter else layer)
        if kind == "delta":
            if self.delta_by_pre:
                pre = self.out_pre if last else self.pre
                return self._sym("δ", (j,), layer, top=pre)
            return self._sym("δ", (j,), layer)
        if kind == "bias_input":  # unit 0 of layer l − 1: x_0 for the first layer, z_0 after
            return self.unit_input(l, 0)
        if kind == "bias":
            if self.bias_value is None:
                return self._sym("b", (j,), layer)
            return self.name("weight", l, j, 0, L)
        if kind == "weight":
            symbol = self.out_weight if last else self.weight
            pair = (j, k) if self.into_first else (k, j)
            return self._sym(symbol, pair, layer)
        raise ValueError(f"Notation.name: unknown kind {kind!r}; use input, pre, act, delta, weight, bias, "
                         "bias_input, loss or target")

    def _sym(self, symbol: str, idx, l, top: str = "") -> Name:
        idx = tuple(i for i in idx if i is not None)
        sub_text, sub_latex = _indices(*idx) if idx else ("", "")
        show_layer = l is not None
        sup_text = f"({l})".translate(_SUP) if show_layer else ""
        top_text = top.translate(_SUP) if top else ""
        text = f"{symbol}{top_text}{sub_text}{sup_text}"
        sup_parts = [p for p in (top, f"({l})" if show_layer else "") if p]
        latex_symbol = {"δ": r"\delta", "σ": r"\sigma", "φ": r"\varphi"}.get(symbol, symbol)
        latex = latex_symbol
        if sup_parts:
            latex += "^{" + ",".join(sup_parts) + "}"
        if sub_latex:
            latex += "_{" + sub_latex + "}"
        return Name(text, latex)

    # -- shorthands ----------------------------------------------------------------
    def inp(self, i) -> Name:
        return self.name("input", j=i)

    def pre_name(self, l, j, L=None) -> Name:
        return self.name("pre", l, j, L=L)

    def act_name(self, l, j, L=None) -> Name:
        return self.name("act", l, j, L=L)

    def delta(self, l, j, L=None) -> Name:
        return self.name("delta", l, j, L=L)

    def weight_name(self, l, j, k, L=None) -> Name:
        return self.name("weight", l, j, k, L=L)

    def bias(self, l, j, L=None) -> Name:
        return self.name("bias", l, j, L=L)

    def bias_input(self, l) -> Name | None:
        """x_0 or z_0 feeding layer l (None where the lecture writes a bias b_j)."""
        return None if self.bias_value is None else self.name("bias_input", l)

    def unit_input(self, l, k, L=None) -> Name:
        """z_k feeding layer l: a network input for l = 1, else an activation of layer l − 1."""
        return self.inp(k) if l in (1, "1") else self.name("act", _minus1(l), k, L=L)

    # -- the bias as the lecture writes it ------------------------------------------
    def bias_weight(self, b: float) -> float:
        """The value the lecture's bias parameter has for a bias b_j: b_j itself, or the
        weight w_j0 of the bias input (b_j / x_0: −b_j for x_0 = −1)."""
        return b if self.bias_value is None else b / self.bias_value

    def bias_grad(self, delta: float) -> float:
        """∂E/∂(the lecture's bias parameter) = δ_j · x_0 (δ_j when it is b_j)."""
        return delta if self.bias_value is None else delta * self.bias_value

    # -- formulas ------------------------------------------------------------------
    def h_prime(self, l, j, L=None) -> Name:
        """h'(a_j) in the lecture's letters: σ'(a_j), f'(u_j), φ'(s_j^(l)), ..."""
        fn = ("g" if self.key == "mlp" else self.h) if (L is not None and l == L) else self.h
        pre = self.name("pre", l, j, L=L)
        latex_fn = {"σ": r"\sigma", "φ": r"\varphi"}.get(fn, fn)
        return Name(f"{fn}′({pre.text})", f"{latex_fn}'({pre.latex})")

    def hidden_rule(self, l, j, L=None) -> Name:
        """δ_j = h'(a_j) Σ_k w_kj δ_k for unit j of hidden layer l, in the lecture's names."""
        d = self.down
        w = self.name("weight", _plus1(l), d, j, L=L)
        dd = self.name("delta", _plus1(l), d, L=L)
        me = self.name("delta", l, j, L=L)
        hp = self.h_prime(l, j, L)
        return Name(f"{me.text} = {hp.text} Σ_{d} {w.text} {dd.text}",
                    rf"{me.latex} = {hp.latex} \sum_{{{d}}} {w.latex}\, {dd.latex}")

    def weight_rule(self, l, j, k, L=None) -> Name:
        """∂E/∂w_jk = δ_j z_k in the lecture's names."""
        w, d, z = self.name("weight", l, j, k, L=L), self.name("delta", l, j, L=L), self.unit_input(l, k, L)
        E = self.name("loss")
        return Name(f"∂{E.text}/∂{w.text} = {d.text} {z.text}",
                    rf"\frac{{\partial {E.latex}}}{{\partial {w.latex}}} = {d.latex}\, {z.latex}")


def _minus1(l):
    """The layer below: 2 → 1, "l" → "l-1" (a letter stays a formula)."""
    if isinstance(l, int):
        return l - 1
    return l[:-2] if l.endswith("+1") else f"{l}-1"


def _plus1(l):
    """The layer above: 1 → 2, "l-1" → "l"."""
    if isinstance(l, int):
        return l + 1
    return l[:-2] if l.endswith("-1") else f"{l}+1"


NOTATIONS: dict[str, Notation] = {
    n.key: n
    for n in [
        # Webster, "Backpropagation: preactivations a_j and activations z_j": a_j = Σ_{k∈↑j} w_jk z_k + b_j,
        # z_j = σ(a_j); an output unit is a unit like any other (z_j); the per-example loss E_i.
        Notation("webster", "Webster", input="x", pre="a", act="z", out_pre="a", out="z", weight="w",
                 out_weight="w", h="σ", loss="Eᵢ", loss_latex="E_i", target="y", into_first=True,
                 bias_value=None, superscripts=True),
        # Bishop (5.48)–(5.49): a_j = Σ_{i=0}^D w_ji^(1) x_i with x_0 = 1, z_j = h(a_j), y_k; E_n = ½ Σ_k (y_k − t_k)².
        Notation("bishop", "Bishop", input="x", pre="a", act="z", out_pre="a", out="y", weight="w",
                 out_weight="w", h="h", loss="Eₙ", loss_latex="E_n", target="t", into_first=True,
                 bias_value=1.0, superscripts=True),
        # The MLP lecture: h_j = f(v_j0 + Σ_i x_i v_ji) with net input u_j; o_k = g(z_k), z_k = w_k0 + Σ_j h_j w_kj.
        Notation("mlp", "the MLP lecture", input="x", pre="u", act="h", out_pre="z", out="o", weight="v",
                 out_weight="w", h="f", loss="E", loss_latex="E", target="t", into_first=True,
                 bias_value=1.0, superscripts=False, delta_by_pre=True),
        # Hajij: a_i = Σ_l u_il z_l, z_i = σ(a_i), the output y', the cost C_0 = (y − y')²; W^(l), b^(l).
        Notation("hajij", "Hajij", input="x", pre="a", act="z", out_pre="a", out="y′", weight="u",
                 out_weight="u", h="σ", loss="C₀", loss_latex="C_0", target="y", into_first=True,
                 bias_value=None, superscripts=True, down="j"),
        # The Caltech handout: s_j^(l) = Σ_{i=0} w_ij^(l) x_i^(l−1), x_j^(l) = φ(s_j^(l)), "the fixed −1 'input'
        # in each layer that represents the threshold term", E_n = (x_1^(L) − y)².
        Notation("caltech", "the Caltech handout", input="x", pre="s", act="x", out_pre="s", out="x",
                 weight="w", out_weight="w", h="φ", loss="Eₙ", loss_latex="E_n", target="y", into_first=False,
                 bias_value=-1.0, superscripts=True, down="j"),
    ]
}


def get_notation(notation) -> Notation | None:
    """A profile from itself or its key ("webster", "bishop", "mlp", "hajij", "caltech"); None stays None."""
    if notation is None or isinstance(notation, Notation):
        return notation
    if isinstance(notation, str) and notation in NOTATIONS:
        return NOTATIONS[notation]
    raise ValueError(f"unknown notation {notation!r}; choose one of {', '.join(NOTATIONS)} (nn.NOTATIONS)")
