"""The layout keeps its promises: the engine imports without the drawing package, and
no module of autograd/ or nn/ imports a private name of another module, no two modules
import each other, and docs/layout.md names every file."""

from __future__ import annotations

import ast
import math
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BLOCK_GRAPHVIZ = "import sys; sys.modules['graphviz'] = None\n"


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCK_GRAPHVIZ + code], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_the_engine_runs_without_the_graphviz_package():
    done = _run("import autograd\n"
                "x = autograd.Value(2.0, 'x'); y = (x * x).tanh(); y.backward()\n"
                "print(repr(x.grad), len(autograd.Stepper(y).steps))\n")
    assert done.returncode == 0, done.stderr
    grad, steps = done.stdout.split()
    assert float(grad) == 2 * 2.0 * (1 - math.tanh(4.0) ** 2)  # ∂/∂x tanh(x²) = 2x(1 − tanh²(x²))
    assert steps == "3"  # one step per node: x, x·x, tanh


def test_drawing_without_graphviz_says_what_to_install():
    done = _run("import autograd\nautograd.draw(autograd.Value(1.0))\n")
    assert done.returncode != 0
    assert "pip install graphviz" in done.stderr


def _modules():
    for folder in ("autograd", "nn"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path, ".".join(path.relative_to(ROOT).with_suffix("").parts)


def test_no_module_imports_a_private_name_of_another():
    found = []
    for path, _ in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("autograd", "nn"):
                found += [f"{path.relative_to(ROOT)}: {node.module}.{a.name}" for a in node.names
                          if a.name.startswith("_") and not a.name.startswith("__")]
    assert not found, "make these public in their home, or move the code:\n" + "\n".join(found)


def _imports(path: Path, module: str) -> set[str]:
    """The autograd/nn modules `module` imports, at the top or inside a function."""
    package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            for a in node.names:  # `from autograd import rules` imports the module rules, not the package
                found.add(f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base)
    return found


MODULES = {name.removesuffix(".__init__") for _, name in _modules()}


def test_no_import_circles():
    modules = dict((name, path) for path, name in _modules())
    names = MODULES
    graph = {}
    for name, path in modules.items():
        me = name.removesuffix(".__init__")
        graph[me] = {m for m in _imports(path, me) if m in names and m != me
}
    # none allowed: the table (rules.py) does not know the node (value.py), and a model's
    # file format (nn/io.py) attaches `save` to MLP rather than nn/module.py importing it
    allowed: set[frozenset] = set()
    circles = []
    for start in sorted(graph):
        stack, seen = [(start, [start])], set()
        while stack:
            node, path = stack.pop()
            for nxt in sorted(graph.get(node, ())):
                if nxt == start and len(path) > 1 and frozenset(path) not in allowed:
                    circles.append(" → ".join(path + [start]))
                elif nxt not in seen and nxt > start and not nxt.startswith(("autograd.__init__", "nn.__init__")):
                    seen.add(nxt)
                    stack.append((nxt, path + [nxt]))
    assert not circles, "import circles:\n" + "\n".join(circles)


def test_the_layout_page_has_a_line_for_every_file():
    # docs/layout.md is the one-line-per-file map a newcomer reads beside the tree: a file
    # it does not name is a room nobody was told about.
    root = ROOT
    text = (root / "docs" / "layout.md").read_text(encoding="utf-8")
    named = set(re.findall(r"[\w]+\.py", text))
    missing = [str(p.relative_to(root)) for folder in ("autograd", "nn") for p in sorted((root / folder).rglob("*.py"))
               if p.name != "__init__.py" and p.name not in named]
    assert not missing, f"docs/layout.md has no line for {missing}"
