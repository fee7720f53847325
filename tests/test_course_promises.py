"""The README's promises point at the tests that keep them: every `tests/<file>.py::<test>`
the README names exists, so a promise never points at a test that was renamed or removed."""

from __future__ import annotations

import ast
import re

from support import ROOT


def test_every_test_the_readme_names_exists():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = re.findall(r"tests/(\w+\.py)::(\w+)", readme)
    assert len(named) >= 6  # the three promises, each with its tests
    for file, test in named:
        tree = ast.parse((ROOT / "tests" / file).read_text(encoding="utf-8"))
        tests = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        assert test in tests, f"README names tests/{file}::{test}, which does not exist"
