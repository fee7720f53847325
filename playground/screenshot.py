"""The docs' pictures of the site: docs/images/playground.png and docs/images/course.png.

    make site && python playground/screenshot.py

Serves site/ on 127.0.0.1 (the same server as `python -m http.server`) and, in headless
Chromium (/usr/bin/chromium: a browser is never downloaded), opens the trace example of
docs/teaching.md at step 4 of the backward pass, types one wrong derivative into the
hand-check form and saves what the page shows; then opens notebook 02's course page at its
exercise, answers it wrong, and saves the exercise with the check's verdict.
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

LINK = "#expr=tanh%28w1*x1%20%2B%20w2*x2%20%2B%20b%29&x1=2&x2=0&w1=-3&w2=1&b=6.88&step=4"
COURSE_PAGE = "course/02_step_through_backprop.html"


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
                course = course_shot(browser, f"http://127.0.0.1:{server.server_port}/{COURSE_PAGE}")
            finally:
                browser.close()
    finally:
        server.shutdown()
    write_atomic(out, png, who="playground screenshot")
    print(f"wrote {out.relative_to(ROOT)} ({len(png) // 1024} KB)")
    course_out = out.parent / "course.png"
    write_atomic(course_out, course, who="course screenshot")
    print(f"wrote {course_out.relative_to(ROOT)} ({len(course) // 1024} KB)")
    return 0


def course_shot(browser, url: str) -> bytes:
    """Notebook 02's page from its exercise's heading to the verdict of a wrong answer."""
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    page.goto(url)
    page.wait_for_selector("[data-exercise][data-ready='1']", timeout=120_000)
    page.fill("[data-answer]", "delta_2 = -0.28  # the output δ's of t = (1, 0), not of t = (0, 1)")
    page.click("[data-check]")
    page.wait_for_function("document.querySelector('[data-verdict]').textContent.length > 0", timeout=60_000)
    heading = page.locator("h2", has_text="Exercise").first
    heading.scroll_into_view_if_needed()
    top = heading.bounding_box()["y"] + page.evaluate("window.scrollY") - 8
    box = page.locator("[data-exercise]").bounding_box()
    bottom = box["y"] + page.evaluate("window.scrollY") + box["height"] + 12
    return page.screenshot(full_page=True, clip={"x": 0, "y": top, "width": 1000, "height": bottom - top})


if __name__ == "__main__":
    sys.exit(main())
