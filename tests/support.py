"""Skip markers shared by the test modules; each says why it skips."""

from __future__ import annotations

import shutil

import pytest

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None,
    reason="Graphviz `dot` is not installed (apt-get install graphviz); rendering cannot be tested",
)
