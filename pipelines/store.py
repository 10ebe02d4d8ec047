"""Store pipeline: every scored item and its verdict, written off the reactor thread.

Items go to a ``BatchWriter`` (one thread, batches of what queued meanwhile, one transaction
each, written with set-based statements by ``store.batch``) while the crawl goes on; an item
leaves this pipeline, and is counted stored, only once its transaction has committed, so a
crash loses nothing already acknowledged. ``wangjian/store/batches`` and
``wangjian/store/batch_items`` say how many batches held how many items.

What the sweep row says (platform, profile, kind, pack versions) comes from the
``WANGJIAN_SWEEP`` setting, so the pipeline works with any spider that yields the items. The
row is opened with the spider and finished on ``spider_closed``, the only hook that knows why
the spider closed; the failures seen (pages not fetched or read, items not stored) are kept
on it. In a distributed sweep the ``WANGJIAN_SWEEP_FINISH`` hook (``crawler.distributed``)
decides: only the last worker to leave finishes the row, with every worker's counts. The
database must be at the newest revision (``crawler.run`` upgrades it first).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from scrapy import signals
from scrapy.exceptions import DropItem, NotConfigured
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from pipelines.score import Scored
from pipelines.writer import BatchWriter
from rules.items import PageFailure
from store import db, evidence, queries
from store.batch import SweepBatches
from store.models import Sweep, SweepStatus

logger = logging.getLogger(__name__)

#: Failures listed on the sweep row; more are only counted.
MAX_LISTED_FAILURES = 200


class NotStored(DropItem):
    """An item whose write failed: an error of the sweep, not its end."""

    def __init__(self, failure: PageFailure) -> None:
        self.failure = failure
        super().__init__(f"not stored: {failure.url}: {failure.message}")


class StorePipeline:
    def __init__(
        self,
        stats: Any,
        database_url: str,
        sweep: dict[str, Any],
        data_dir: str | None = None,
        actor: str | None = None,
    ) -> None:
        self.stats = stats
        self.data_dir = data_dir
        self.actor = actor
        self.database_url = database_url
        self.sweep_info = sweep
        self.engine = None
        self.sweep = None
        self.writer: BatchWriter | None = None
        self.batches: SweepBatches | None = None
        self.failures: list[dict[str, str]] = []
        self.finish_hook: Any = None

    @classmethod
    def from_crawler(cls, crawler) -> StorePipeline:
        settings = crawler.settings
        url = settings.get("WANGJIAN_DATABASE_URL")
        if not url:
            raise NotConfigured("WANGJIAN_DATABASE_URL is not set: nothing is stored")
        pipeline = cls(
            crawler.stats,
            url,
            dict(settings.getdict("WANGJIAN_SWEEP")),
            settings.get("WANGJIAN_DATA_DIR"),
            settings.get("WANGJIAN_ACTOR"),
        )
        # (counts, reason, failures) -> the whole sweep's, or None: other workers go on.
        pipeline.finish_hook = settings.get("WANGJIAN_SWEEP_FINISH")
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        info = self.sweep_info
        self.engine = db.make_engine(self.database_url)
        with db.session_scope(self.engine) as s:
            if info.get("sweep_id"):  # opened by the runner (one running sweep a platform)
                self.sweep = s.get_one(Sweep, info["sweep_id"])
            else:
                self.sweep = queries.start_sweep(
                    s,
                    info["platform"],
                    info.get("platform_name") or info["platform"],
                    info.get("base_url") or "",
                    info.get("profile"),
                    info.get("pack_versions") or {},
                    kind=info.get("kind", "sweep"),
                )
        self.stats.set_value("wangjian/sweep_id", self.sweep.id)
        self.writer = BatchWriter(self.engine, write_batch=self._write)

    def _write(self, s: Session, batch: list[Scored]) -> list[Any]:
        """A batch of items and their verdicts, in the writer's open transaction (its thread)."""
        if self.batches is None:
            self.batches = SweepBatches(self.sweep.id)
        stored = self.batches.write(s, [(scored.item, scored.verdict) for scored in batch])
        for scored, target in zip(batch, stored, strict=True):
            if scored.capture is not None:
                evidence.file_capture(s, target, scored.capture, self.sweep.id)
        return stored

    async def process_item(self, scored: Scored | PageFailure) -> Scored | PageFailure:
        if isinstance(scored, PageFailure):
            self._keep(scored)
            return scored
        item = scored.item
        try:
            await asyncio.wrap_future(self.writer.submit(scored))
        except SQLAlchemyError as exc:
            failure = PageFailure(
                url=getattr(item, "url", None) or item.page.url,
                reason="store",
                message=f"{type(exc).__name__}: {_one_line(exc)}",
                page=item.page,
            )
            self.stats.inc_value("wangjian/errors")
            self.stats.inc_value("wangjian/errors/store")
            logger.error("%s not stored: %s", failure.url, failure.message)
            self._keep(failure)
            raise NotStored(failure) from exc
        self.stats.inc_value(f"wangjian/stored/{item.kind}")
        self._count_batches()
        if scored.capture is not None and self.data_dir:
            try:
                await asyncio.to_thread(self._custody, scored)
            except (OSError, SQLAlchemyError) as exc:  # stored; `evidence verify` says so
                self.stats.inc_value("wangjian/evidence/custody_failed")
                logger.error("%s: capture not in the custody log: %s", item.page.url, exc)
        return scored

    def _custody(self, scored: Scored) -> None:
        """The capture, committed with its item, goes into the custody log."""
        item, record = scored.item, scored.capture
        what = {
            "sweep": self.sweep.id,
            "platform": item.platform,
            "kind": item.kind,
            "external_id": item.external_id,
            "url": record.url,
            "manifest": record.manifest.sha256,
            "categories": list(scored.verdict.categories),
        }
        files = [{"path": f.path, "sha256": f.sha256} for f in [*record.files, record.manifest]]
        evidence.log_event(self.engine, self.data_dir, "capture", self.actor, what, files)

    def _count_batches(self, final: bool = False) -> None:
        """The writer's batches so far, in the stats (the sweep row keeps them)."""
        batches, items = self.writer.batches, self.writer.items
        self.stats.set_value("wangjian/store/batches", batches)
        self.stats.set_value("wangjian/store/batch_items", items)
        if final and batches:
            logger.info(
                "stored %d items in %d batches, %.1f a batch", items, batches, items / batches
            )

    def _keep(self, failure: PageFailure) -> None:
        if len(self.failures) < MAX_LISTED_FAILURES:
            self.failures.append(failure.summary())

    def spider_closed(self, spider, reason: str) -> None:
        if self.sweep is None:
            return
        # Every item has been acknowledged by now (the engine waits for them before closing).
        self.writer.close()
        self._count_batches(final=True)
        counts, failures = _plain(self.stats.get_stats()), self.failures
        if self.finish_hook is not None:
            whole = self.finish_hook(counts, reason, failures)
            if whole is None:
                self.engine.dispose()
                return
            counts, reason, failures = whole
        with db.session_scope(self.engine) as s:
            sweep = s.get_one(Sweep, self.sweep.id)  # as it is now: workers add their logs
            stats = {
                **(sweep.stats or {}),  # the owner the runner recorded
                **counts,
                "close_reason": reason,
                "failures": failures[:MAX_LISTED_FAILURES],
            }
            queries.finish_sweep(s, sweep, SweepStatus.after(reason, counts), stats)
        self.engine.dispose()


def _plain(stats: dict[str, Any]) -> dict[str, Any]:
    """Stats as JSON can hold them (datetimes as ISO text)."""
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in stats.items()}


def _one_line(exc: SQLAlchemyError) -> str:
    return " ".join(str(getattr(exc, "orig", None) or exc).split())
