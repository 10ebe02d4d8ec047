"""The download handler of a crawl: Scrapy's HTTP/1.1 handler for plain requests, and the
browser's (``crawler.browser``, scrapy-playwright) made on the first request that needs
Chromium.

scrapy-playwright's handler is itself an HTTP/1.1 handler that sends plain requests on, but
importing it imports Playwright (~0.2 s): a scan or sweep that renders nothing, the usual
case once a profile reads a page's JSON endpoint (``render.api``) or reuses its renders,
never loads it here.
"""

from __future__ import annotations

from typing import Any

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.http import Request, Response


class DownloadHandler(HTTP11DownloadHandler):
    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._browser: Any = None

    async def download_request(self, request: Request) -> Response:
        if request.meta.get("playwright"):
            return await self.browser().download_request(request)
        return await super().download_request(request)

    def browser(self) -> Any:
        """The browser's handler (crawler.browser.LazyPlaywrightHandler), made once."""
        if self._browser is None:
            from crawler.browser import LazyPlaywrightHandler

            self._browser = LazyPlaywrightHandler.from_crawler(self._crawler)
        return self._browser

    async def close(self) -> None:
        await super().close()
        if self._browser is not None:
            await self._browser.close()
