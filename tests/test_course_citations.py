"""The project cites its lectures by name (docs/lectures.md), never by an internal
file name, and points to nothing outside the repository."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def tracked_text_files():
    names = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for name in names:
        path = ROOT / name
        if path.suffix in {".png", ".pdf", ".ico", ".woff", ".woff2"} or not path.is_file():
            continue
        try:
            yield name, path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue


# Built from pieces so that this file does not match itself.
INTERNAL_NAME = re.compile("seed" + r"s?\s*0\d\d|seed" + "s/", re.IGNORECASE)
ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])/(?:work|home|Users|root|tmp/bash)/[\w.-]")


def test_no_internal_lecture_names():
    found = [(n, m.group()) for n, t in tracked_text_files() for m in INTERNAL_NAME.finditer(t)]
    assert found == [], f"cite the lecture by its short name (docs/lectures.md): {found[:10]}"


def test_no_absolute_machine_paths():
    found = [(n, m.group()) for n, t in tracked_text_files() for m in ABSOLUTE_PATH.finditer(t)]
    assert found == [], f"paths outside the repository: {found[:10]}"


def test_bibliography_cites_every_lecture_once():
    text = (ROOT / "docs" / "lectures.md").read_text(encoding="utf-8")
    for short in ["Webster", "Bishop", "the MLP lecture", "Hajij", "the Caltech handout"]:
        assert f"**{short}**" in text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/lectures.md" in readme


def test_the_checks_can_fail():
    assert INTERNAL_NAME.search("as in " + "seed" + " 001 eq. 5.56")
    assert ABSOLUTE_PATH.search("see `/work" + "/shared/x.txt`")
    assert not ABSOLUTE_PATH.search("https://example.org/work/x")
