"""The browser's download handler: scrapy-playwright's, with Playwright started only when a
request first needs Chromium, browser contexts recycled, and the renders timed. It is made
by the crawl's handler (``crawler.downloads``) for the first such request.

scrapy-playwright starts Playwright's driver (and any startup browser context, which launches
Chromium) when the engine starts, so a sweep or scan that renders nothing still pays for both
— most of a second, often more than the pages themselves on a re-sweep whose renders are all
reused (``spiders.render_reuse``). Here the engine's start does nothing; the first request
with ``meta["playwright"]`` starts them, under a lock, before it is downloaded.

A browser context keeps what its pages left behind (caches, storage, the renderer's heap), so
one context for a whole sweep grows with it. After ``WANGJIAN_RENDER_CONTEXT_PAGES`` renders
a new context (``default-1``, ``default-2`` …, made like the first: the platform's startup
context settings, then the request's) takes the new pages, and the old one is closed when its
last page is done. A request that names its own ``playwright_context`` keeps it.

Renders are counted apart from plain pages: ``wangjian/render/pages`` downloads through
Chromium, ``wangjian/render/busy_s`` the wall time while at least one was in progress (their
rate is pages over busy time), ``wangjian/render/contexts`` the contexts used.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from typing import Any

from scrapy.http import Request, Response
from scrapy_playwright.handler import DEFAULT_CONTEXT_NAME, ScrapyPlaywrightDownloadHandler

logger = logging.getLogger(__name__)

#: Request meta: the context this handler chose for a render (absent: the request named one).
ROTATED = "wangjian_context"


class LazyPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._start_lock = asyncio.Lock()
        self._started = False
        self.context_pages = crawler.settings.getint("WANGJIAN_RENDER_CONTEXT_PAGES", 0)
        self._generation = 0
        self._issued = 0  # renders given to the current context
        self._open: Counter[str] = Counter()  # renders in progress per rotated context
        self._in_progress = 0
        self._busy_since: float | None = None
        self._busy_s = 0.0

    async def _launch(self) -> None:
        """At engine start: nothing yet (``_start`` does it on first need)."""

    async def _start(self) -> None:
        async with self._start_lock:
            if not self._started:
                await super()._launch()
                self._started = True

    async def _download_request(self, request: Request, spider: Any = None) -> Response:
        await self._start()
        retired = self._current()
        name = self._context_for(request)
        if name is not None and name != retired and not self._open[retired]:
            await self._close_context(retired)  # its last page was done before this one came
        self._enter()
        try:
            return await super()._download_request(request, spider)
        finally:
            self._leave()
            if name is not None:
                await self._done_in(name)

    # -- contexts ---------------------------------------------------------------------------

    def _current(self) -> str:
        if not self._generation:
            return DEFAULT_CONTEXT_NAME
        return f"{DEFAULT_CONTEXT_NAME}-{self._generation}"

    def _context_for(self, request: Request) -> str | None:
        """The context this render goes to, set on its meta; None when it names its own."""
        if request.meta.get("playwright_context") not in (None, request.meta.get(ROTATED)):
            return None
        if self.context_pages and self._issued >= self.context_pages:
            self._generation += 1
            self._issued = 0
        name = self._current()
        self._issued += 1
        self._open[name] += 1
        request.meta["playwright_context"] = request.meta[ROTATED] = name
        if name != DEFAULT_CONTEXT_NAME:  # made like the first one: proxy, storage state
            startup = self.config.startup_context_kwargs.get(DEFAULT_CONTEXT_NAME, {})
            own = request.meta.get("playwright_context_kwargs") or {}
            request.meta["playwright_context_kwargs"] = {**startup, **own}
        if self._issued == 1:
            self.stats.inc_value("wangjian/render/contexts")
        return name

    async def _done_in(self, name: str) -> None:
        """A render in ``name`` is done: close the context once it is retired and idle."""
        self._open[name] -= 1
        if self._open[name] <= 0 and name != self._current():
            await self._close_context(name)

    async def _close_context(self, name: str) -> None:
        self._open.pop(name, None)
        wrapper = self.context_wrappers.get(name)
        if wrapper is None:
            return
        try:
            await wrapper.context.close()  # scrapy-playwright forgets it on its close event
        except Exception as exc:  # noqa: BLE001 - a context already gone is closed enough
            logger.debug("closing browser context %s: %s", name, exc)
        self.stats.inc_value("wangjian/render/contexts_closed")

    # -- timing -----------------------------------------------------------------------------

    def _enter(self) -> None:
        self.stats.inc_value("wangjian/render/pages")
        if self._busy_since is None:
            self._busy_since = time.monotonic()
        self._in_progress += 1

    def _leave(self) -> None:
        self._in_progress -= 1
        if self._in_progress == 0 and self._busy_since is not None:
            self._busy_s += time.monotonic() - self._busy_since
            self._busy_since = None
            self.stats.set_value("wangjian/render/busy_s", round(self._busy_s, 3))

    async def _close(self) -> None:
        if self._started:
            await super()._close()
