"""HTML files printed to PDF by Chromium (the referral packet's 电子数据提取笔录).

The page is opened from disk with JavaScript off and every request that is not a local file
refused, so printing runs nothing and fetches nothing; CJK text needs the fonts `make`
installs. One browser prints every file of a packet.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from crawler.scrapy_settings import chromium_launch
from crawler.settings import Settings

#: How long one page may take to load and print.
PRINT_TIMEOUT_MS = 60_000


class PrintError(RuntimeError):
    """Chromium could not start or print; the message is one line."""


def pdf_printer(settings: Settings):
    """A ``store.referral.Printer``: prints each (html, pdf) pair, A4 with backgrounds."""

    def print_all(jobs: Sequence[tuple[Path, Path]]) -> None:
        from playwright.sync_api import Error, sync_playwright

        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(**chromium_launch(settings))
                try:
                    context = browser.new_context(java_script_enabled=False, offline=True)
                    context.route("**/*", _local_only)
                    page = context.new_page()
                    page.set_default_timeout(PRINT_TIMEOUT_MS)
                    for html, pdf in jobs:
                        page.goto(Path(html).resolve().as_uri(), wait_until="load")
                        page.pdf(path=str(pdf), format="A4", print_background=True)
                finally:
                    browser.close()
        except Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise PrintError(f"Chromium could not print the records: {first}") from None

    return print_all


def _local_only(route) -> None:
    if route.request.url.startswith("file:"):
        route.continue_()
    else:
        route.abort()
