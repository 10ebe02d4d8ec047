"""One encoding rule for HTML pages that declare no charset, in Scrapy and in Chromium.

Chinese sites still serve GBK pages with a bare ``Content-Type: text/html``. Left alone,
Scrapy guesses with charset-normalizer and Chromium with its own detector; on short pages both
guess wrong (Scrapy reads 犀角 as big5hkscs; Chromium reads 麝香 as windows-1251, 玳瑁 as
KOI8-R, and even a UTF-8 page as windows-1252). Both paths here apply one rule instead: when
no charset is in the header, no BOM and no ``<meta charset>``, a body that is valid UTF-8 is
UTF-8 and any other is GB18030 (a superset of GBK and GB2312).

- Scrapy path: ``UndeclaredCharsetMiddleware.process_response`` re-decodes such responses.
- Chromium path: the middleware gives every Playwright request a page init callback that
  routes document responses through ``declare_charset``, which puts the charset in the
  header before Chromium decodes the page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.http import HtmlResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

if TYPE_CHECKING:
    from playwright.async_api import Page, Route
    from playwright.async_api import Request as PlaywrightRequest
    from scrapy import Request
    from scrapy.http import Response

FALLBACK = "gb18030"


def undeclared_encoding(content_type: str | None, body: bytes) -> str | None:
    """The encoding to read an undeclared page with; None when the page declares one."""
    if content_type and http_content_type_encoding(content_type):
        return None
    if read_bom(body)[0] or html_body_declared_encoding(body):
        return None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return FALLBACK
    return "utf-8"


async def declare_charset(route: Route, request: PlaywrightRequest) -> None:
    """Playwright route handler: fetch a document, put the charset in its header if missing."""
    if request.resource_type != "document":
        await route.fallback()
        return
    response = await route.fetch()
    content_type = response.headers.get("content-type", "")
    body = await response.body()
    encoding = undeclared_encoding(content_type, body)
    if content_type.startswith("text/html") and encoding:
        headers = {**response.headers, "content-type": f"text/html; charset={encoding}"}
        await route.fulfill(response=response, headers=headers, body=body)
    else:
        await route.fulfill(response=response)


async def route_documents(page: Page, request: Request) -> None:
    """scrapy-playwright page init callback; runs after its own ``**`` route, so ours wins."""
    await page.route("**/*", declare_charset)


class UndeclaredCharsetMiddleware:
    """Downloader middleware applying the rule to both fetch paths."""

    def process_request(self, request: Request) -> None:
        if request.meta.get("playwright"):
            request.meta.setdefault("playwright_page_init_callback", route_documents)
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, HtmlResponse) or "playwright" in response.flags:
            return response
        content_type = response.headers.get(b"Content-Type")
        ctype = content_type.decode("latin-1") if content_type else None
        encoding = undeclared_encoding(ctype, response.body)
        return response.replace(encoding=encoding) if encoding else response
