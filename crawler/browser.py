"""The download handler of a crawl: scrapy-playwright's, with Playwright started only when a
request first needs Chromium.

scrapy-playwright starts Playwright's driver (and any startup browser context, which launches
Chromium) when the engine starts, so a sweep or scan that renders nothing still pays for both
— most of a second, often more than the pages themselves on a re-sweep whose renders are all
reused (``spiders.render_reuse``). Here the engine's start does nothing; the first request
with ``meta["playwright"]`` starts them, under a lock, before it is downloaded.
"""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy.http import Request, Response
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler


class LazyPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._start_lock = asyncio.Lock()
        self._started = False

    async def _launch(self) -> None:
        """At engine start: nothing yet (``_start`` does it on first need)."""

    async def _start(self) -> None:
        async with self._start_lock:
            if not self._started:
                await super()._launch()
                self._started = True

    async def _download_request(self, request: Request, spider: Any = None) -> Response:
        await self._start()
        return await super()._download_request(request, spider)

    async def _close(self) -> None:
        if self._started:
            await super()._close()
