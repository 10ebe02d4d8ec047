"""Request meta that sends a page through Chromium (scrapy-playwright), per a profile rule."""

from __future__ import annotations

from typing import Any

from scrapy_playwright.page import PageMethod

from spiders.profile import RenderRule


def render_meta(rule: RenderRule | None) -> dict[str, Any]:
    """Meta for a Chromium fetch; waits for the rule's selector when it names one."""
    methods = []
    if rule is not None and rule.wait_for:
        methods.append(PageMethod("wait_for_selector", rule.wait_for, timeout=rule.timeout_ms))
    # Never from the HTTP cache: a render is of what the platform serves now.
    return {"playwright": True, "playwright_page_methods": methods, "dont_cache": True}
