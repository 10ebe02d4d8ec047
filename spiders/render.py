"""Request meta that sends a page through Chromium (scrapy-playwright), per a profile rule.

Chromium, like Scrapy's own fetch, reads a page whose certificate does not verify (expired,
self-made, for another name): its evidence is what a regulator wants, and whether the
certificate verified is checked when a lead is captured (``pipelines.tls``).
"""

from __future__ import annotations

from typing import Any

from scrapy_playwright.page import PageMethod

from spiders.profile import RenderRule
from spiders.render_memo import resources_method

#: Request meta of a render: what the plain page showed, kept if the render fails.
PLAIN = "wangjian_plain"

#: Every Chromium context of a crawl: pages behind a certificate that does not verify load.
CONTEXT: dict[str, Any] = {"ignore_https_errors": True}


def render_meta(rule: RenderRule | None) -> dict[str, Any]:
    """Meta for a Chromium fetch; waits for the rule's selector when it names one."""
    methods = []
    if rule is not None and rule.wait_for:
        methods.append(PageMethod("wait_for_selector", rule.wait_for, timeout=rule.timeout_ms))
    methods.append(resources_method())  # what the page fetched, to keep the render by
    # Never from the HTTP cache: a render is of what the platform serves now.
    return {
        "playwright": True,
        "playwright_page_methods": methods,
        # The browser context, when this request is the one that makes it (a platform's
        # startup context gets the same from crawler.scrapy_settings).
        "playwright_context_kwargs": dict(CONTEXT),
        "dont_cache": True,
    }
