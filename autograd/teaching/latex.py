"""LaTeX for the handouts (network exercises in nn.handout, scalar ones in
autograd.teaching.variants): the paper sizes, text with the engine's symbols, and
the PDF compiled by pdflatex in a scratch folder."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from autograd import escape
from autograd.files import write_atomic

__all__ = ["PAPERS", "PDFLATEX", "check_paper", "latex_pdf", "tex_text", "unicode_declarations", "UNICODE_TEX"]

PAPERS = {"a4": ("a4paper", 21.0, 29.7), "letter": ("letterpaper", 21.59, 27.94)}  # name, width, height in cm


def check_paper(paper: str) -> tuple[str, float, float]:
    """The paper's LaTeX name, width and height (cm); a clear error for an unknown one."""
    if paper not in PAPERS:
        raise ValueError(f"handout: paper must be one of {', '.join(PAPERS)}, got {paper!r}")
    return PAPERS[paper]


# The Unicode of the engine's own texts (the output rule: "½Σ(y − t)²: δ_k = y_k − t_k") as TeX
# prints it: pdflatex's UTF-8 input knows accented letters, not these.
UNICODE_TEX = {"Σ": r"\ensuremath{\Sigma}", "∂": r"\ensuremath{\partial}", "δ": r"\ensuremath{\delta}",
               "−": r"\ensuremath{-}", "²": r"\ensuremath{^2}", "¹": r"\ensuremath{^1}", "·": r"\ensuremath{\cdot}",
               "′": r"\ensuremath{'}", "α": r"\ensuremath{\alpha}", "σ": r"\ensuremath{\sigma}",
               "φ": r"\ensuremath{\varphi}", "∈": r"\ensuremath{\in}", "↓": r"\ensuremath{\downarrow}",
               "↑": r"\ensuremath{\uparrow}", "→": r"\ensuremath{\to}", "≤": r"\ensuremath{\le}",
               "≈": r"\ensuremath{\approx}", "×": r"\ensuremath{\times}", "½": r"\ensuremath{\tfrac12}",
               "…": r"\ldots{}", "—": "---", "–": "--", "ⱼ": r"\ensuremath{_j}", "₁": r"\ensuremath{_1}",
               "⁽": r"\ensuremath{^(}", "⁾": r"\ensuremath{^)}", "Δ": r"\ensuremath{\Delta}",
               "η": r"\ensuremath{\eta}", "λ": r"\ensuremath{\lambda}", "∇": r"\ensuremath{\nabla}"}

_UNICODE_RE = re.compile("|".join(map(re.escape, UNICODE_TEX)))


def tex_text(text) -> str:
    """Text for LaTeX's text mode: escaped (`autograd.escape.tex`), its math symbols as TeX."""
    return _UNICODE_RE.sub(lambda m: UNICODE_TEX[m.group()], escape.tex(text))


def unicode_declarations() -> str:
    """Preamble lines that let pdflatex print UNICODE_TEX's symbols where they come as text."""
    return "\n".join(rf"\DeclareUnicodeCharacter{{{ord(ch):04X}}}{{{tex}}}" for ch, tex in UNICODE_TEX.items())


PDFLATEX = "pdflatex"


def latex_pdf(tex: str, pdf_path: str | os.PathLike, *, timeout: float = 120.0, who: str = "latex_pdf") -> str:
    """Compile LaTeX source to a PDF with pdflatex (in a scratch folder, no shell escape,
    reading and writing files only there); the PDF goes through the atomic writer."""
    exe = shutil.which(PDFLATEX)
    if exe is None:
        raise FileNotFoundError(f"{who}: pdflatex is not installed (apt-get install texlive-latex-base "
                                "texlive-latex-recommended texlive-pictures, or make system-deps as root)")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "handout.tex").write_text(tex, encoding="utf-8")
        # openin_any/openout_any=p: TeX may read and write files in this folder only ("paranoid")
        env = {**os.environ, "openin_any": "p", "openout_any": "p"}
        done = subprocess.run([exe, "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "handout.tex"],
                              cwd=tmp, capture_output=True, timeout=timeout, env=env)
        out = Path(tmp) / "handout.pdf"
        if done.returncode != 0 or not out.exists():
            log = done.stdout.decode("utf-8", "replace")
            error = next((line for line in log.splitlines() if line.startswith("!")), log[-300:])
            raise RuntimeError(f"{who}: pdflatex failed on {os.fspath(pdf_path)!r}: {error}")
        return os.fspath(write_atomic(pdf_path, out.read_bytes(), who=who))
