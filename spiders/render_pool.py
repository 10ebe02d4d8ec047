"""The Chromium pool of a crawl: renders in a download slot of their own, a few at a time.

Scrapy's engine stops taking requests from the scheduler once ``CONCURRENT_REQUESTS`` are in
the downloader, and a request waiting in a slot's queue counts as in the downloader. Renders
in their own slot (``RENDER_SLOT``, concurrency ``WANGJIAN_RENDER_CONCURRENCY`` through
``DOWNLOAD_SLOTS``) no longer share the platform's slot with plain fetches, but a backlog of
them queued there would still fill the engine's count and hold every plain fetch back behind
the slowest renders. So the pool hands the engine at most ``slots`` renders at a time; the
others wait here, in the order they came, and each one leaving the downloader (answered,
failed or dropped) lets the next one go, at a priority that puts it ahead of everything in
the scheduler: a render waits only for a render, never for the rest of the frontier.

With a shared (distributed) frontier a render may be downloaded by another worker, which
this one would never see leave: there the pool only tags the slot and holds nothing back.
"""

from __future__ import annotations

from collections import deque

from scrapy import signals
from scrapy.http import Request

#: The download slot of every Chromium render (``crawler.scrapy_settings`` configures it).
RENDER_SLOT = "wangjian-render"
#: Request meta: the pool released this request and counts it until it leaves the downloader.
POOLED = "wangjian_pooled"


class RenderPool:
    def __init__(self, crawler, slots: int, priority: int) -> None:
        """``slots`` renders with the engine at once (0: no limit); released renders get
        ``priority``."""
        self.crawler = crawler
        self.slots = slots
        self.priority = priority
        self.waiting: deque[Request] = deque()
        self.out = 0
        self.most_waiting = 0
        if slots:
            crawler.signals.connect(self._left, signal=signals.request_left_downloader)
            crawler.signals.connect(self._left, signal=signals.request_dropped)
            crawler.signals.connect(self._idle, signal=signals.spider_idle)

    def offer(self, request: Request) -> Request | None:
        """``request`` in the render slot: returned when it may go now, else kept for later."""
        request = request.replace(
            priority=self.priority, meta={**request.meta, "download_slot": RENDER_SLOT}
        )
        if not self.slots:
            return request
        if self.out < self.slots:
            return self._release(request)
        self.waiting.append(request)
        self.most_waiting = max(self.most_waiting, len(self.waiting))
        self.crawler.stats.max_value("wangjian/render/waiting_max", len(self.waiting))
        return None

    def __len__(self) -> int:
        return len(self.waiting)

    def _release(self, request: Request) -> Request:
        self.out += 1
        request.meta[POOLED] = True
        return request

    def _left(self, request: Request, spider=None, **_) -> None:
        if not request.meta.pop(POOLED, False):
            return
        self.out = max(0, self.out - 1)
        self._next()

    def _next(self) -> None:
        while self.waiting and self.out < self.slots:
            self.crawler.engine.crawl(self._release(self.waiting.popleft()))

    def _idle(self, spider=None) -> None:
        """Nothing in flight: whatever the count says, every slot is free (a request a
        middleware swallowed before the downloader never left it)."""
        if self.waiting:
            self.out = 0
            self._next()
