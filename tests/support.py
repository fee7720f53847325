"""Skip markers shared by the test modules; each says why it skips."""

from __future__ import annotations

import shutil

import pytest

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None,
    reason="Graphviz `dot` is not installed (apt-get install graphviz); rendering cannot be tested",
)

try:
    import torch  # the oracle of the cross-checks, in float64
except ImportError:  # the torch cross-checks skip, saying why
    torch = None

needs_torch = pytest.mark.skipif(
    torch is None, reason="PyTorch not installed (pip install 'deltagrad[torch]'); the PyTorch cross-checks cannot run"
)


# The documentation: README.md (the front door) and the reference pages in docs/, in the
# order a reader meets them. Their examples run in this order, in one namespace.
ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
DOC_PAGES = [ROOT / "README.md", *(ROOT / "docs" / f"{name}.md" for name in (
    "teaching", "playground", "training", "engine", "modes", "course", "instructors",
    "performance", "install", "layout", "lectures"))]


def docs_text() -> str:
    """README.md and every page of docs/, as one text (each checked page must exist)."""
    missing = sorted(set((ROOT / "docs").glob("*.md")) - set(DOC_PAGES))
    assert not missing, f"add these pages to tests/support.py DOC_PAGES: {missing}"
    return "\n".join(page.read_text(encoding="utf-8") for page in DOC_PAGES)
