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
