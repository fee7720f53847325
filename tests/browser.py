"""Headless Debian Chromium for the HTML stepper, driven by Playwright.

Shared by the browser test and `make images` (the README screenshot). A browser is
never downloaded: only the system's /usr/bin/chromium is used, with the flags that
keep it off the network."""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def launch(playwright):
    """A headless Chromium browser from a running `sync_playwright()` context."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


@__import__("contextlib").contextmanager
def serve(folder, probe: str):
    """`python -m http.server` on a free local port serving `folder`, exactly as the README
    tells a reader to serve the site; yields its origin once `probe` (a path) answers."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    import pytest

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                                "--directory", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    origin = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(origin + probe, timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("python -m http.server did not start")
        yield origin
    finally:
        process.terminate()
        process.wait(timeout=10)


def sync_playwright_or_skip():
    """`playwright.sync_api.sync_playwright` for a test, or skip it (with the reason) when
    Playwright or the system Chromium is missing."""
    import os

    import pytest

    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright not installed (pip install 'deltagrad[browser]')")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (the test never downloads a browser)")
    return sync_api.sync_playwright
