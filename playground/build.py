"""Build the playground: a static folder that runs deltagrad in the browser.

    python playground/build.py [--out site]        (what `make site` runs)

Everything the page loads is put into the folder, from pinned parts:

    index.html, playground.js, playground.css   the page (playground/), and layout-worker.js (Graphviz)
    playground.py                               its Python side, run by Pyodide
    wheels/deltagrad-*.whl                      built from this checkout's sources (pip wheel)
    wheels/graphviz-*.whl, wheels/tqdm-*.whl    pip download --require-hashes -r playground/wheels.txt
    pyodide/                                    Python compiled to WebAssembly (npm package pyodide)
    viz/viz.js                                  Graphviz compiled to WebAssembly (npm package @viz-js/viz)
    wheels.json                                 which wheels the page installs, and the versions

Node and npm are needed here only (`npm ci` from playground/package-lock.json); the
folder needs nothing but a static file server and fetches nothing from any other host.
Pyodide's package list (pyodide-lock.json) is written with no packages in it: the page
installs only the wheels above, so an import of anything else fails at once instead of
being fetched from Pyodide's CDN.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograd.files import write_atomic

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PAGE = ["index.html", "playground.js", "layout-worker.js", "playground.css", "playground.py"]
PYODIDE = ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip"]
SOURCES = ["pyproject.toml", "README.md", "autograd", "nn"]  # what deltagrad's wheel is built from
MARKER = ".deltagrad-site"  # a folder is only ever emptied when it holds this file


class BuildError(RuntimeError):
    """A step of the build failed; the message says which and what to do."""


def _run(what: str, command: list[str], cwd: Path) -> None:
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError:
        raise BuildError(f"{what}: {command[0]!r} was not found; install it (Node.js 18+ brings npm)") from None
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise BuildError(f"{what} failed ({' '.join(command)}):\n{tail}")


def _fresh_folder(out: Path) -> None:
    if out.exists():
        if not (out / MARKER).exists() and any(out.iterdir()):
            raise BuildError(f"{out} exists and was not made by this script; remove it or pick another --out")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    write_atomic(out / MARKER, "made by playground/build.py; emptied by every build\n", who="build")


def _npm_package(name: str) -> tuple[Path, str]:
    folder = HERE / "node_modules" / name
    version = json.loads((folder / "package.json").read_text())["version"]
    return folder, version


def build(out: Path, *, npm: bool = True, python: str = sys.executable, log=print) -> dict:
    """Build the site into `out` (emptied first); return the manifest written to wheels.json."""
    start = time.perf_counter()
    out = out.resolve()
    _fresh_folder(out)
    timings = {}

    t = time.perf_counter()
    if npm:  # exactly the versions in package-lock.json, into playground/node_modules
        _run("npm ci", ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], HERE)
    elif not (HERE / "node_modules").is_dir():
        raise BuildError("playground/node_modules is missing; run without --no-npm so npm ci installs it")
    timings["npm ci"] = time.perf_counter() - t

    wheels = out / "wheels"
    wheels.mkdir()
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        # from a copy of the sources: no stale build/ folder, nothing written into the checkout
        source = Path(tmp) / "deltagrad"
        source.mkdir()
        for name in SOURCES:
            copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
            copy(ROOT / name, source / name, **({"ignore": shutil.ignore_patterns("__pycache__")}
                                                if (ROOT / name).is_dir() else {}))
        _run("building deltagrad's wheel", [python, "-m", "pip", "wheel", "--quiet", "--no-deps", str(source),
                                            "-w", str(wheels)], source)
    timings["deltagrad wheel"] = time.perf_counter() - t
    t = time.perf_counter()
    _run("downloading the run-time wheels", [python, "-m", "pip", "download", "--quiet", "--no-deps",
                                             "--only-binary=:all:", "--require-hashes",
                                             "-r", str(HERE / "wheels.txt"), "-d", str(wheels)], ROOT)
    timings["pip download"] = time.perf_counter() - t
    names = sorted(p.name for p in wheels.glob("*.whl"))
    own = [n for n in names if n.startswith("deltagrad-")]
    if len(own) != 1 or not all(n.endswith("-py3-none-any.whl") for n in names):
        raise BuildError(f"expected deltagrad's wheel and pure-Python wheels in {wheels}, found {names}")

    pyodide, pyodide_version = _npm_package("pyodide")
    (out / "pyodide").mkdir()
    for name in PYODIDE:
        shutil.copy2(pyodide / name, out / "pyodide" / name)
    lock = json.loads((pyodide / "pyodide-lock.json").read_text())
    lock["packages"] = {}  # the page installs its own wheels; nothing may come from elsewhere
    write_atomic(out / "pyodide" / "pyodide-lock.json", json.dumps(lock, indent=1) + "\n", who="build")

    viz, viz_version = _npm_package("@viz-js/viz")
    (out / "viz").mkdir()
    shutil.copy2(viz / "dist" / "viz.js", out / "viz" / "viz.js")

    for name in PAGE:
        shutil.copy2(HERE / name, out / name)
    write_atomic(out / ".nojekyll", "", who="build")  # GitHub Pages: serve the files as they are

    manifest = {
        "wheels": [own[0]] + [n for n in names if n not in own],
        "pyodide": pyodide_version,
        "python": lock.get("info", {}).get("python", ""),
        "viz": viz_version,
    }
    write_atomic(out / "wheels.json", json.dumps(manifest, indent=1) + "\n", who="build")
    timings["total"] = time.perf_counter() - start
    files = [p for p in out.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    manifest["timings"] = timings
    manifest["bytes"] = size
    log(f"built {out}: {len(files)} files, {size / 1e6:.2f} MB, in {timings['total']:.1f} s "
        f"(npm ci {timings['npm ci']:.1f} s, deltagrad wheel {timings['deltagrad wheel']:.1f} s, "
        f"pip download {timings['pip download']:.1f} s)")
    log(f"  Pyodide {pyodide_version} (Python {manifest['python']}), viz.js {viz_version}, "
        f"wheels: {', '.join(manifest['wheels'])}")
    log(f"  try it: python -m http.server -d {out} 8000  and open http://127.0.0.1:8000/")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the deltagrad playground (a static folder).")
    parser.add_argument("--out", default=str(ROOT / "site"), help="folder to build into (default: site)")
    parser.add_argument("--no-npm", action="store_true", help="use playground/node_modules as it is")
    args = parser.parse_args(argv)
    try:
        build(Path(args.out), npm=not args.no_npm)
    except BuildError as err:
        print(f"make site: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
