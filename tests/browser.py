"""Headless Chromium for the tests of report.html: the system's Chromium, driven by Playwright.

``.ci/install-chromium.sh`` (run by ``make test``) installs Debian's ``chromium``; Playwright's
own browser download is never used (:data:`FLAGS`: no background network either). Also a
script, for the screenshot the README shows::

    .venv/bin/python tests/browser.py output/report.html docs/report-page.png --search EPINEPHRINE
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = "run `bash .ci/install-chromium.sh` as root (make test does)"
# As root in a container: no sandbox; and no connection Chromium would open by itself.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 1100}


def chromium_path() -> str | None:
    """The first Chromium (or Chrome) on the PATH."""
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless browser (``playwright.sync_api.Browser``) on the system's Chromium."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise FileNotFoundError(f"no Chromium on the PATH: {INSTALL_HINT}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser: Any, html: Path) -> Any:
    """A new page showing ``html`` once its script has built it (``body[data-ready]``)."""
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(html.resolve().as_uri())
    page.wait_for_selector("body[data-ready='true']", timeout=10_000)
    return page


def screenshot(html: Path, png: Path, search: str | None = None) -> None:
    """A full-page PNG of ``html`` (after searching ``search`` and pressing Enter)."""
    with chromium() as browser:
        page = open_page(browser, html)
        if search:
            page.fill("#search", search)
            page.press("#search", "Enter")
        page.screenshot(path=str(png), full_page=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="screenshot of a report.html")
    parser.add_argument("html", type=Path)
    parser.add_argument("png", type=Path)
    parser.add_argument("--search", help="a drug or journal to show (as if typed, then Enter)")
    args = parser.parse_args(argv)
    screenshot(args.html, args.png, args.search)
    return 0


if __name__ == "__main__":
    sys.exit(main())
