"""How large a sweep's frontier grew: the most requests waiting at once, kept in the stats.

``wangjian/frontier_max`` is the largest number of requests the scheduler held (sampled at
every response, which is when a page's links join it), plus the renders waiting in the
spider's pool (``spiders.render_pool``); ``wangjian/frontier_scheduler_max`` the scheduler
alone. Each waiting request costs a few kilobytes, so this is what decides whether a sweep's
memory grows with the catalogue (``spiders.frontier`` orders it so that it does not).
"""

from __future__ import annotations

from scrapy import signals


class FrontierStats:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.most = 0
        self.most_queued = -1  # the scheduler's stat is kept from the first response, 0 or not
        crawler.signals.connect(self._sample, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler) -> FrontierStats:
        return cls(crawler)

    def _sample(self, **_) -> None:
        engine = self.crawler.engine
        scheduler = engine.scheduler if engine is not None else None
        if scheduler is None:
            return
        queued = len(scheduler)
        pool = getattr(self.crawler.spider, "pool", None)
        waiting = len(pool) if pool is not None else 0
        if queued + waiting > self.most:  # stats only when they grow: compares a page
            self.most = queued + waiting
            self.stats.max_value("wangjian/frontier_max", self.most)
        if queued > self.most_queued:
            self.most_queued = queued
            self.stats.max_value("wangjian/frontier_scheduler_max", queued)
