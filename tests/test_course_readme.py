"""The README's and docs/ pages' example code runs as written, and what it says it prints is what it
prints; every relative link of the documentation leads to a file."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
import shutil
from pathlib import Path

import pytest

from support import DOC_PAGES, docs_text

FRONT_DOOR = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
README = docs_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)


def test_readme_documents_the_two_commands_first():
    first_code = re.search(r"```sh\n(.*?)```", FRONT_DOOR, flags=re.S).group(1)
    assert first_code.splitlines()[0].startswith("make demo")
    assert first_code.splitlines()[1].startswith("make test")


def test_readme_python_examples_run(tmp_path, monkeypatch):
    assert len(BLOCKS) >= 4
    monkeypatch.chdir(tmp_path)  # examples may write files (model.save)
    namespace: dict = {}
    for block in BLOCKS:
        if "to_torch" in block and importlib.util.find_spec("torch") is None:
            continue  # the PyTorch bridge example needs torch (pip install 'deltagrad[torch]')
        if "write_class_handouts" in block and shutil.which("pdflatex") is None:
            continue  # the class's PDFs need pdflatex (make system-deps as root on Debian)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, "README.md", "exec"), namespace)  # the README's own code, not user input
        printed = out.getvalue()
        # comments of the form  print(...)  # <expected output>  must match
        for line in block.splitlines():
            m = re.match(r"print\(steps\.next\(\)\.text\(\)\)\s+# (.*)", line.strip())
            if m:
                assert m.group(1) in printed
    assert (tmp_path / "moons.json").exists()


def test_readme_hand_check_output_is_current():
    block = next(b for b in BLOCKS if "hand_check" in b)
    shown = re.search(r"```\n(hand check at .*?)```", README, flags=re.S).group(1)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "README.md", "exec"), {})
    assert out.getvalue().strip() == shown.strip()


def test_readme_trace_output_is_current(capsys):
    from nn.cli import main

    shown = re.search(r"```\n(backward \(δ.*?)```", README, flags=re.S).group(1)
    assert main(["trace", "tanh(w1*x1 + w2*x2 + b)", "x1=2", "x2=0", "w1=-3", "w2=1", "b=6.88"]) == 0
    assert shown.strip() in capsys.readouterr().out


LINKS = [(page, link) for page in DOC_PAGES
         for link in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8"))
         if not re.match(r"[a-z]+:", link)]


def test_the_docs_show_their_pictures():
    assert sum(link.endswith((".svg", ".png")) for _, link in LINKS) >= 6


@pytest.mark.parametrize("page, link", LINKS, ids=[f"{p.name}:{link}" for p, link in LINKS])
def test_every_relative_link_of_the_docs_leads_to_a_file(page, link):
    target = page.parent / link
    assert target.exists(), f"{page.name} links {link}, which does not exist" + (
        " (run make images)" if "images/" in link else "")


def test_readme_feedback_output_is_current(tmp_path, monkeypatch):
    # the instructors' example prints what the README says it prints
    block = next(b for b in BLOCKS if ".feedback(" in b and "follow_through=True" in b)
    shown = re.match(r"```\n\nprints\n\n```\n(.*?)```", README.split(block, 1)[1], re.S).group(1)  # what it prints
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "README.md", "exec"), {})
    assert out.getvalue() == shown
