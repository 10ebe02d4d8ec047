"""Scoring pipeline: item → ``rules.items.record_of`` → ``Scorer.score`` → ``Scored``.

The scorer is compiled once per process by whoever starts the crawl and handed over in the
``WANGJIAN_SCORER`` setting, so the packs are read once and a bad pack fails before the
crawl. Failures pass through unscored.

When a pack judges prices by their history (``Scorer.history_days``) and the crawl stores
into a database, each listing's record is completed with its earlier sightings and the
promotion or emergency windows of the sweep (``WANGJIAN_WINDOWS``) before it is scored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scrapy import signals

from rules.engine import Scorer
from rules.items import Item, PageFailure, record_of
from rules.record import Record, Verdict


@dataclass(frozen=True)
class Scored:
    item: Item
    verdict: Verdict
    capture: Any = None  # a lead's evidence (store.evidence.CaptureRecord), once captured


class ScorePipeline:
    def __init__(self, scorer: Scorer, stats: Any, history: Any = None) -> None:
        self.scorer = scorer
        self.stats = stats
        self.history = history  # store.observations.PriceHistory, or None

    @classmethod
    def from_crawler(cls, crawler) -> ScorePipeline:
        scorer = crawler.settings.get("WANGJIAN_SCORER")
        if not isinstance(scorer, Scorer):
            raise ValueError("setting WANGJIAN_SCORER must be a rules.engine.Scorer")
        settings = crawler.settings
        history = None
        url = settings.get("WANGJIAN_DATABASE_URL")
        if scorer.history_days and url:
            from store import db
            from store.observations import PriceHistory

            history = PriceHistory(
                db.make_engine(url),
                scorer.history_days,
                list(settings.getlist("WANGJIAN_WINDOWS")),
                (settings.getdict("WANGJIAN_SWEEP") or {}).get("sweep_id"),
            )
        pipeline = cls(scorer, crawler.stats, history)
        if history is not None:
            crawler.signals.connect(history.close, signal=signals.spider_closed)
        return pipeline

    def record(self, item: Item) -> Record:
        record = record_of(item)
        if self.history is not None and item.kind == "listing":
            record = self.history.complete(
                record, item.platform, item.external_id, item.page.fetched_at
            )
        return record

    def process_item(self, item: Item | PageFailure) -> Scored | PageFailure:
        if isinstance(item, PageFailure):
            return item
        verdict = self.scorer.score(self.record(item))
        for category in verdict.categories:
            self.stats.inc_value(f"wangjian/leads/{category}")
        return Scored(item, verdict)
