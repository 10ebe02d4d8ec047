"""GB18030 for HTML pages that declare no charset and are not UTF-8.

Chinese sites still serve GBK pages with a bare ``Content-Type: text/html``. Left alone,
Scrapy guesses with charset-normalizer and Chromium with its own detector; on short pages both
guess wrong (Chromium reads a page holding only 犬 as windows-1252, 麝香 as windows-1251). Both
paths here apply one rule instead: no charset in the header, no BOM, no ``<meta charset>`` and
not valid UTF-8 means GB18030 (a superset of GBK and GB2312).

- Scrapy path: ``GbkFallbackMiddleware.process_response`` re-decodes such responses.
- Chromium path: the middleware gives every Playwright request a page init callback that
  routes document responses through ``declare_gb18030``, which adds the charset to the
  header before Chromium decodes the page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.http import HtmlResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

if TYPE_CHECKING:
    from playwright.async_api import Page, Request as PlaywrightRequest, Route
    from scrapy import Request
    from scrapy.http import Response

FALLBACK = "gb18030"


def undeclared_non_utf8(content_type: str | None, body: bytes) -> bool:
    """True when nothing declares the page's encoding and it does not decode as UTF-8."""
    if content_type and http_content_type_encoding(content_type):
        return False
    if read_bom(body)[0] or html_body_declared_encoding(body):
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


async def declare_gb18030(route: Route, request: PlaywrightRequest) -> None:
    """Playwright route handler: fetch a document, add charset=gb18030 when it needs one."""
    if request.resource_type != "document":
        await route.fallback()
        return
    response = await route.fetch()
    content_type = response.headers.get("content-type", "")
    body = await response.body()
    if content_type.startswith("text/html") and undeclared_non_utf8(content_type, body):
        headers = {**response.headers, "content-type": f"text/html; charset={FALLBACK}"}
        await route.fulfill(response=response, headers=headers, body=body)
    else:
        await route.fulfill(response=response)


async def route_documents(page: Page, request: Request) -> None:
    """scrapy-playwright page init callback; runs after its own ``**`` route, so ours wins."""
    await page.route("**/*", declare_gb18030)


class GbkFallbackMiddleware:
    """Downloader middleware applying the GB18030 rule to both fetch paths."""

    def process_request(self, request: Request) -> None:
        if request.meta.get("playwright"):
            request.meta.setdefault("playwright_page_init_callback", route_documents)
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, HtmlResponse) or "playwright" in response.flags:
            return response
        content_type = response.headers.get(b"Content-Type")
        ctype = content_type.decode("latin-1") if content_type else None
        if undeclared_non_utf8(ctype, response.body):
            return response.replace(encoding=FALLBACK)
        return response
