"""Quiz mode for the stepper pages: the student computes each δ (or ṫ) before seeing it.

`Stepper(root).to_html(path, quiz=True)`, and any other page built by
`autograd.steps.html_page` with a `Quiz`, show each step's chain-rule sum with its
result left blank ("= ?"). The student types δ; the page reads the answer
with the judge's own patterns ("-0.25", "−1/4", "0,25"; never evaluated) and checks it
by the judge's rule (`autograd.teaching.judge.Tolerance`; by default 3 significant
figures): right within the range the chain rule can land in when every number written
down is rounded as the page prints it (4 figures; `judge.rounding_spread`, one number
per step, put into the page). "check the sign" is said only where the judge's
`find_slip` would name the sign slip: the answer is the negative of δ, and δ is not so
near 0 that a rounded right answer could be taken for it. A right answer, or
"show the answer", reveals the result, the worked explanation and the δ in the
drawing; until then the drawing shows "?" for the current step's δ as well.

Forward mode's page (`ForwardStepper(root, seed).to_html(path, quiz=True)`) asks the
same way for each tangent ṫ_j = Σ_{i∈↑j} (∂j/∂i) ṫ_i. Its leaves are *given*, not
asked: a leaf's ṫ is the seed (or 0, held fixed), so those steps are shown solved.

The address `page.html#step=7` opens step 7 (counted from 1, as the page's counter),
and the address follows the steps, so a step can be handed to a student as a link.
Everything is inline: the page works offline and fetches nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from autograd import escape
from autograd.teaching.judge import MAX_LENGTH, READER_PATTERNS, SIGNS, SLIP_WINDOW, SUPERSCRIPTS, Tolerance
from autograd.names import fmt

__all__ = ["Quiz", "blank_result", "QUIZ_SIG_FIGS", "QUIZ_FIGURES"]

READER = {"patterns": READER_PATTERNS, "signs": SIGNS, "superscripts": SUPERSCRIPTS, "max": MAX_LENGTH}
QUIZ_SIG_FIGS = 3  # the page shows the terms to 4 figures: an answer from them is good to about 3
QUIZ_FIGURES = 4  # the page prints every term to 4 figures: the rounding a student works with


def blank_result(text: str, delta: float) -> str:
    """The step's text with its result replaced by "?": the last " = <δ>" in it
    (anything after it, such as the rule in brackets, stays)."""
    shown = f" = {fmt(delta)}"
    at = text.rfind(shown)
    if at < 0:
        return text + " = ?"
    return text[:at] + " = ?" + text[at + len(shown):]


@dataclass(frozen=True)
class Quiz:
    """What a stepper page needs for quiz mode: the tolerance, every step's answer (its δ,
    or its ṫ in forward mode), the symbol the form asks for, and the steps that are given
    (shown solved, with no form) rather than asked."""

    tolerance: Tolerance
    answers: tuple[float, ...]
    symbol: str = "δ"  # one character: the script finds the drawn values by it
    given: frozenset[int] = frozenset()
    spreads: tuple[float | None, ...] = ()  # per step: how far a rounded right method lands (judge.rounding_spread)

    @classmethod
    def make(cls, answers: Sequence[float], sig_figs: int | None = None, rtol: float | None = None,
             atol: float | None = None, who: str = "to_html", symbol: str = "δ",
             given: Iterable[int] = (), spreads: Sequence[float | None] = ()) -> "Quiz":
        if sig_figs is None and rtol is None:
            sig_figs = QUIZ_SIG_FIGS
        return cls(Tolerance.make(rtol, atol, sig_figs, who=who), tuple(float(d) for d in answers),
                   symbol, frozenset(given), tuple(None if s is None else float(s) for s in spreads))

    def spread(self, index: int) -> float | None:
        """Step `index`'s rounding spread (None: not measured, the judge's rule without a graph)."""
        return self.spreads[index] if index < len(self.spreads) else None

    def section(self, index: int, text: str, explain: str, attributes: str = "", inner: str = "") -> str:
        """One step's <section>: the sum with a blank result, the answer form, and the
        worked explanation hidden until the step is solved; a given step, solved."""
        answer = self.answers[index]
        spread = self.spread(index)
        if spread is not None:
            attributes += f' data-spread="{spread!r}"'
        if index in self.given:
            return (
                f'<section class="frame quiz given" data-index="{index}" data-delta="{answer!r}"{attributes} '
                'hidden>\n'
                f'<pre class="equation">{escape.html(text)}</pre>\n'
                '<p class="quiz-given"><em>given: nothing to work out at this step</em></p>\n'
                f'<pre class="explain">{escape.html(explain)}</pre>\n{inner}</section>'
            )
        return (
            f'<section class="frame quiz" data-index="{index}" data-delta="{answer!r}"{attributes} hidden>\n'
            f'<pre class="equation" data-solved="{escape.html(text)}">'
            f"{escape.html(blank_result(text, answer))}</pre>\n"
            f'<form class="quiz-form" autocomplete="off"><label>{escape.html(self.symbol)} = <input class="quiz-answer" '
            'type="text" inputmode="decimal" size="12"></label> <button type="submit">check</button> '
            '<button type="button" class="quiz-reveal">show the answer</button> '
            '<span class="quiz-verdict" aria-live="polite"></span></form>\n'
            f'<pre class="explain" hidden>{escape.html(explain)}</pre>\n{inner}</section>'
        )

    def finish(self, page: str) -> str:
        """The page with the tolerance, the quiz's style and script added before </body>."""
        t = self.tolerance
        data = escape.script_json({"rtol": t.rtol, "atol": t.atol, "sig_figs": t.sig_figs, "rule": t.describe(),
                                   "slip_window": SLIP_WINDOW, "reader": READER}, ensure_ascii=False)
        script = _SCRIPT.replace("δ", self.symbol)  # the drawing writes ṫ where the backward pass has δ
        if self.given:
            script = script.replace(_WIRING, _WIRING + _GIVEN)
        extra = (f"<style>{_CSS}</style>\n"
                 f'<script type="application/json" id="quiz-tolerance">{data}</script>\n'
                 f"<script>{script}</script>\n")
        at = page.rfind("</body>")
        return page[:at] + extra + page[at:]


_CSS = """
form.quiz-form { margin: 0.4em 0 0.8em; }
form.quiz-form input { font-size: 1.1em; padding: 0.15em 0.4em; }
.quiz-verdict.right { color: #2a7d2a; font-weight: bold; }
.quiz-verdict.wrong { color: #c0392b; }
"""

# The answers are read with the judge's own patterns (READER, put into the page) by the steps of
# autograd.teaching.judge.read_number, checked by Tolerance.agrees (with the step's spread) and
# given the sign hint by find_slip (with the one slip a page knows, −δ), all in JavaScript
# (tests/test_teaching_quiz.py runs both on the same strings and numbers in a browser).
_SCRIPT = r"""
(function () {
  var tol = JSON.parse(document.getElementById("quiz-tolerance").textContent);
  var rankEl = document.getElementById("rank");
  var rank = rankEl ? JSON.parse(rankEl.textContent) : {};
  var frames = document.querySelectorAll("section.frame");
  var solved = {};
  // autograd.teaching.judge.read_number, step by step, with the judge's own patterns (tol.reader)
  var R = tol.reader, P = R.patterns, SPACE = new RegExp(P.space, "g");
  var FIGURES = new RegExp(P.figures, "i"), NUMBER = new RegExp(P.number), POWER = new RegExp(P.power);
  var FRACTION = new RegExp(P.fraction), APPROX = new RegExp(P.approx);
  function exponent(m, from) { for (var g = from; g < m.length; g++) if (m[g] !== undefined) return m[g]; return "0"; }
  function value(s) {
    var m;
    if ((m = NUMBER.exec(s))) return Number(m[1] + m[2].replace(",", ".") + "e" + exponent(m, 3));
    if ((m = POWER.exec(s))) return Number(m[1] + "1e" + exponent(m, 2));
    if ((m = FRACTION.exec(s))) { var b = Number(m[2]); return b === 0 ? null : Number(m[1]) / b; }
    return null;
  }
  function parse(text) {  // the number, or null where read_number says missing or unreadable
    var t = String(text), s = "", up = false;
    if (Array.from(t).length > 4 * R.max) return null;
    for (var ch of t) {
      ch = R.signs[ch] || ch;
      if (R.superscripts[ch] !== undefined) { if (!up) s += "^"; s += R.superscripts[ch]; up = true; }
      else { s += ch; up = false; }
    }
    if (!s.replace(SPACE, "")) return null;
    var figures = null, m = FIGURES.exec(s);
    if (m) { figures = Number(m[1] || m[2]); s = s.slice(0, m.index); }
    s = s.replace(SPACE, "").replace(APPROX, "");
    if (!s || Array.from(s).length > R.max) return null;
    if (s.charAt(0) === "(" && s.charAt(s.length - 1) === ")") s = s.slice(1, -1);
    var x = value(s);
    return (x === null || !isFinite(x) || figures === 0) ? null : x;
  }
  function halfUnit(x, k) {  // judge.half_unit
    x = Math.abs(x);
    return (x === 0 || !Number.isFinite(x)) ? 0 : 0.5 * Math.pow(10, Math.floor(Math.log10(x)) - k + 1);
  }
  function measured(s) { return typeof s === "number" && Number.isFinite(s); }
  function agrees(c, e, spread) {  // judge.Tolerance.agrees
    if (!Number.isFinite(c) || !Number.isFinite(e)) return false;  // no coercion: null is not 0
    if (tol.sig_figs === null) return Math.abs(c - e) <= tol.atol + tol.rtol * Math.abs(e) + (measured(spread) ? spread : 0);
    if (Math.abs(c - e) <= tol.atol) return true;
    if (measured(spread)) {  // the right method lands within ±spread; the answer is then rounded
      var width = spread + halfUnit(Math.abs(e) + spread, tol.sig_figs);
      return Math.abs(c - e) <= width * (1 + 1e-9) + 4 * Number.EPSILON * Math.abs(e);
    }
    var k = tol.sig_figs, r = Number(e.toExponential(k - 1));
    var ulp = Math.pow(10, Math.floor(Math.log10(Math.abs(r))) - k + 1);
    var slack = 1e-9 * ulp + 4 * Number.EPSILON * Math.max(Math.abs(c), Math.abs(r));
    return Math.abs(c - r) <= ulp + slack;
  }
  function width(e, spread) {  // judge.Tolerance.width
    if (tol.sig_figs === null) return tol.atol + tol.rtol * Math.abs(e) + (measured(spread) ? spread : 0);
    if (!measured(spread)) return Math.max(tol.atol, 3 * halfUnit(e, tol.sig_figs));
    return Math.max(tol.atol, spread + halfUnit(Math.abs(e) + spread, tol.sig_figs));
  }
  function signSlip(c, e, spread) {  // judge.find_slip with the sign slip, −e, as the one candidate
    var s = -e;
    if (!Number.isFinite(c) || !Number.isFinite(s)) return false;
    if (Math.abs(s - e) <= width(e, spread) + width(s, spread)) return false;  // −e is a rounded e: no evidence
    return Math.abs(c - s) <= tol.slip_window * width(s, spread);
  }
  function step() { return Number(document.body.getAttribute("data-step") || 0); }
  function deltaTexts(el) {  // the δ's an element of the drawing shows ("δ 0.5", "δ0.5", tagged dg-delta)
    var out = [], ts = el.querySelectorAll("text");
    for (var t = 0; t < ts.length; t++) {
      if (ts[t].getAttribute("data-q") === null)
        ts[t].setAttribute("data-q", ts[t].getAttribute("data-v") || ts[t].textContent);
      if (ts[t].classList.contains("dg-delta") || /^δ/.test(ts[t].getAttribute("data-q"))) out.push(ts[t]);
    }
    return out;
  }
  function drawn(i) {  // a δ in the drawing shows once its step is solved (or passed): "?" until then
    for (var id in rank) {
      var el = document.getElementById(id);
      if (!el) continue;
      var hide = rank[id] > i || (rank[id] === i && !solved[i]);
      var texts = deltaTexts(el);
      for (var t = 0; t < texts.length; t++) {
        var v = texts[t].getAttribute("data-q");
        texts[t].textContent = hide ? v.replace(/[^ δ=]+$/, "?") : v;
      }
    }
  }
  function reveal(i) {
    solved[i] = true;
    var f = frames[i], eq = f.querySelector("pre.equation");
    eq.textContent = eq.getAttribute("data-solved");
    f.querySelector("pre.explain").hidden = false;
    drawn(i);
  }
  function update() {
    var i = step();
    drawn(i);
    try { history.replaceState(null, "", "#step=" + (i + 1)); } catch (e) { /* a sandboxed page */ }
  }
  for (var n = 0; n < frames.length; n++) (function (i, f) {
    var form = f.querySelector("form.quiz-form"), input = f.querySelector("input.quiz-answer");
    var verdict = f.querySelector(".quiz-verdict"), delta = Number(f.getAttribute("data-delta"));
    var spread = f.hasAttribute("data-spread") ? Number(f.getAttribute("data-spread")) : null;
    input.addEventListener("keydown", function (e) { e.stopPropagation(); });  // arrows move the caret
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var x = parse(input.value);
      if (x === null) { verdict.className = "quiz-verdict wrong";
        verdict.textContent = "not a number: write it as -0.25, \u22121/4 or 0,25"; return; }
      if (agrees(x, delta, spread)) { verdict.className = "quiz-verdict right"; verdict.textContent = "right"; reveal(i); return; }
      verdict.className = "quiz-verdict wrong";
      verdict.textContent = "not right yet" + (signSlip(x, delta, spread) ? ": check the sign" : "") + " (" + tol.rule + ")";
    });
    f.querySelector(".quiz-reveal").addEventListener("click", function () {
      verdict.className = "quiz-verdict"; verdict.textContent = "the answer is shown"; reveal(i); });
  })(n, frames[n]);
  function goto(i) {  // through the page's own buttons, so its drawing follows
    i = Math.max(0, Math.min(frames.length - 1, i));
    for (var guard = 0; step() !== i && guard < 2 * frames.length; guard++)
      document.getElementById(step() < i ? "next" : "prev").click();
  }
  function fromHash() {
    var m = /step=(\d+)/.exec(location.hash);
    if (m) goto(Number(m[1]) - 1);
  }
  new MutationObserver(update).observe(document.body, {attributes: true, attributeFilter: ["data-step"]});
  window.addEventListener("hashchange", fromHash);
  fromHash();
  update();
  window.deltagradQuiz = {parse: parse, agrees: agrees, width: width, signSlip: signSlip, goto: goto};
})();
"""


# Given steps start solved and have no form to wire. Only a page with given steps carries
# this line: the backward pages have none, and their script stays as it is written above.
_WIRING = "  for (var n = 0; n < frames.length; n++) (function (i, f) {\n"
_GIVEN = '    if (f.classList.contains("given")) { solved[i] = true; return; }  // shown solved: nothing to ask\n'
assert _WIRING in _SCRIPT, "autograd.quiz: _WIRING must quote the script's loop over the frames"
