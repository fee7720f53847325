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
