"""Store pipeline: every scored item and its verdict, written off the reactor thread.

Items go to a ``BatchWriter`` (one thread, small batches, one transaction each) while the
crawl goes on; an item leaves this pipeline, and is counted stored, only once its transaction
has committed, so a crash loses nothing already acknowledged. The sweep row
is opened with the spider and finished on ``spider_closed``, the only hook that knows why the
spider closed: "finished" when it ran out of pages, "interrupted" for any other reason
(Ctrl-C, page limit, engine stop).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from scrapy import signals
from scrapy.exceptions import DropItem
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from pipelines.score import Scored
from pipelines.writer import BatchWriter
from spiders.items import AdItem, ListingItem, ShopItem
from store import db, queries

logger = logging.getLogger(__name__)

UPSERT = {
    ListingItem: queries.upsert_listing,
    ShopItem: queries.upsert_shop,
    AdItem: queries.upsert_ad,
}


class StorePipeline:
    def __init__(self, crawler, database_url: str, profile_path: str | None) -> None:
        self.crawler = crawler
        self.database_url = database_url
        self.profile_path = profile_path
        self.engine = None
        self.sweep = None
        self.writer: BatchWriter | None = None

    @classmethod
    def from_crawler(cls, crawler) -> StorePipeline:
        settings = crawler.settings
        pipeline = cls(
            crawler, settings["WANGJIAN_DATABASE_URL"], settings.get("WANGJIAN_PROFILE_PATH")
        )
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        spider = self.crawler.spider
        profile = spider.profile
        self.engine = db.make_engine(self.database_url)
        db.upgrade(self.engine)
        versions = self.crawler.stats.get_value("wangjian/pack_versions") or {}
        with db.session_scope(self.engine) as s:
            self.sweep = queries.start_sweep(
                s,
                profile.code,
                profile.name,
                profile.base_url,
                self.profile_path or profile.code,
                versions,
            )
        self.crawler.stats.set_value("wangjian/sweep_id", self.sweep.id)
        self.writer = BatchWriter(self.engine, self._write)

    def _write(self, s: Session, scored: Scored) -> None:
        """One item and its verdict, in the writer's open transaction (its thread)."""
        sweep = s.merge(self.sweep, load=False)
        target = UPSERT[type(scored.item)](s, sweep, scored.item)
        s.flush()
        queries.record_verdict(s, sweep, target, scored.verdict)

    async def process_item(self, scored: Scored) -> Scored:
        item = scored.item
        try:
            await asyncio.wrap_future(self.writer.submit(scored))
        except SQLAlchemyError as exc:
            # One item that cannot be written is an error of the sweep, not its end.
            url = getattr(item, "url", None) or item.page.url
            self.crawler.spider.record_error(url, f"{type(exc).__name__}: {exc}", "store")
            raise DropItem(f"not stored: {item.kind} {item.external_id}") from exc
        self.crawler.stats.inc_value(f"wangjian/stored/{item.kind}")
        return scored

    def spider_closed(self, spider, reason: str) -> None:
        if self.sweep is None:
            return
        # Every item has been acknowledged by now (the engine waits for them before closing).
        self.writer.close()
        status = "finished" if reason == "finished" else "interrupted"
        stats = self.crawler.stats.get_stats()
        with db.session_scope(self.engine) as s:
            sweep = s.merge(self.sweep, load=False)
            queries.finish_sweep(s, sweep, status, {**_plain(stats), "close_reason": reason})
        self.engine.dispose()


def _plain(stats: dict[str, Any]) -> dict[str, Any]:
    """Stats as JSON can hold them (datetimes as ISO text)."""
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in stats.items()}
