"""The docs' picture of the playground: docs/images/playground.png.

    make site && python playground/screenshot.py

Serves site/ on 127.0.0.1 (the same server as `python -m http.server`), opens the
the trace example of docs/teaching.md three steps into the backward pass in headless Chromium
(/usr/bin/chromium: a browser is never downloaded), types one wrong derivative into
the hand-check form and saves what the page shows.
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from autograd.files import write_atomic  # noqa: E402
from browser import launch  # noqa: E402

LINK = "#expr=tanh%28w1*x1%20%2B%20w2*x2%20%2B%20b%29&x1=2&x2=0&w1=-3&w2=1&b=6.88&step=3"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def main(site: Path = ROOT / "site", out: Path = ROOT / "docs" / "images" / "playground.png") -> int:
    from playwright.sync_api import sync_playwright

    if not (site / "wheels.json").is_file():
        print(f"{site} is not a built site: run make site first", file=sys.stderr)
        return 1
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = launch(p)
            try:
                page = browser.new_page(viewport={"width": 1100, "height": 900})
                page.goto(f"http://127.0.0.1:{server.server_port}/{LINK}")
                page.wait_for_selector("body[data-state=ready]", timeout=120_000)
                page.fill("#claims input[data-var='b']", "1")
                page.fill("#claims input[data-var='w1']", "x1*(1 - tanh(w1*x1 + w2*x2 + b)**2)")
                page.click("#check-button")
                page.evaluate("document.getElementById('status').textContent = "
                              "'deltagrad running on Python 3.14 (Pyodide) and Graphviz (viz.js), all from this folder.'")
                bottom = page.locator("#verdict").bounding_box()
                page.evaluate("port => { const l = document.getElementById('link'); "
                              "l.value = l.value.replace(':' + port + '/', ':8000/') }", server.server_port)
                png = page.screenshot(full_page=True, clip={"x": 0, "y": 0, "width": 1100,
                                            "height": bottom["y"] + bottom["height"] + 12})
            finally:
                browser.close()
    finally:
        server.shutdown()
    write_atomic(out, png, who="playground screenshot")
    print(f"wrote {out.relative_to(ROOT)} ({len(png) // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
