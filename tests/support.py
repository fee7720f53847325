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
