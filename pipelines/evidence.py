"""Evidence pipeline: a lead's page captured when it is found, before it is stored.

For every scored item that is a lead, and whose exchange was kept (``PageCapture.served``):
unless the same page (same body) was captured before, render it in Chromium from the bytes
served (``pipelines.screenshot``), write the body, the screenshots, a WARC and the manifest
to the content-addressed store (``store.evidence``) and hand the record on; the store
pipeline files it with the item, in the same transaction. Items that are not leads pass at
once, so the cost grows with leads, not pages. A screenshot that fails loses nothing: the
capture is kept without it and its manifest says why. An https page's certificate is
verified then (``pipelines.tls``: once a server and certificate a crawl), and the capture's
``tls`` says whether it verified.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from pipelines import tls
from pipelines.score import Scored
from pipelines.screenshot import Screenshotter
from rules import clock
from rules.items import PageFailure
from store import db, evidence

logger = logging.getLogger(__name__)


class EvidencePipeline:
    def __init__(
        self,
        stats: Any,
        database_url: str,
        data_dir: Path,
        shooter: Screenshotter,
        proxy: str | None = None,
    ):
        self.stats = stats
        self.database_url = database_url
        self.objects = evidence.Objects(data_dir)
        self.shooter = shooter
        self.proxy = proxy  # the platform's (WANGJIAN_PROXY): certificates are checked through it
        self.engine = None
        self._checked: dict[tuple[str, str | None, str], dict[str, str]] = {}

    @classmethod
    def from_crawler(cls, crawler) -> EvidencePipeline:
        settings = crawler.settings
        url = settings.get("WANGJIAN_DATABASE_URL")
        if not url or not settings.getbool("WANGJIAN_CAPTURE"):
            raise NotConfigured("evidence is captured only for stored leads (WANGJIAN_CAPTURE)")
        launch = dict(settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"))
        timeout = settings.getfloat("WANGJIAN_CAPTURE_TIMEOUT", 15.0)
        shooter = Screenshotter(launch, timeout)
        data_dir = Path(settings.get("WANGJIAN_DATA_DIR"))
        pipeline = cls(crawler.stats, url, data_dir, shooter, settings.get("WANGJIAN_PROXY"))
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        self.engine = db.make_engine(self.database_url)

    async def process_item(self, scored: Scored | PageFailure) -> Scored | PageFailure:
        if not isinstance(scored, Scored) or not scored.verdict.lead:
            return scored
        item = scored.item
        served = item.page.served
        if served is None:  # nothing kept to capture (a page built without its exchange)
            self.stats.inc_value("wangjian/evidence/no_exchange")
            return scored
        platform, kind = item.platform, item.kind
        seen = await asyncio.to_thread(self._captured, platform, kind, item.external_id, served)
        if seen:
            self.stats.inc_value("wangjian/evidence/unchanged")
            return scored
        served = await self._verified(served)
        at = clock.now()
        hits = [h for h in scored.verdict.hits if h.matched]
        shot = await self.shooter.shoot(served, item.page.encoding, [h.matched for h in hits])
        try:
            record = await self._write(served, scored, shot, at)
        except OSError as exc:  # a full disk, an unwritable folder: the lead is still stored
            logger.error("%s: evidence not written: %s", served.url, exc)
            self.stats.inc_value("wangjian/evidence/failed")
            return scored
        self.stats.inc_value("wangjian/evidence/captured")
        self.stats.inc_value("wangjian/evidence/bytes", sum(f.size for f in record.files))
        if shot.png is None:
            self.stats.inc_value("wangjian/evidence/no_screenshot")
        return replace(scored, capture=record)

    async def _verified(self, served):
        """``served`` with its certificate checked (``pipelines.tls``), when it has one."""
        seen = (served.tls or {}).get("sha256")
        if not seen or not served.url.lower().startswith("https:"):
            return served
        host = served.url.split("/", 3)[2].lower()
        key = (host, served.ip, seen)
        if key not in self._checked:
            self._checked[key] = await asyncio.to_thread(
                tls.check, served.url, served.ip, seen, self.proxy
            )
        checked = self._checked[key]
        self.stats.inc_value(f"wangjian/evidence/tls_verified/{checked['verified']}")
        return replace(served, tls={**served.tls, **checked})

    async def _write(self, served, scored: Scored, shot, at: datetime):
        return await asyncio.to_thread(
            evidence.capture,
            self.objects,
            served,
            scored.verdict.hits,
            scored.verdict.categories,
            shot.png,
            shot.marked,
            at,
            shot.notes,
        )

    def _captured(self, platform: str, kind: str, external_id: str, served) -> bool:
        with db.session_scope(self.engine, read_only=True) as s:
            return evidence.captured_page(s, platform, kind, external_id, served.sha256)

    async def spider_closed(self, spider, reason: str) -> None:
        await self.shooter.close()
        if self.engine is not None:
            self.engine.dispose()
