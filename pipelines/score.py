"""Scoring pipeline: item → ``rules.items.record_of`` → ``Scorer.score`` → ``Scored``.

The scorer is compiled once per process by whoever starts the crawl and handed over in the
``WANGJIAN_SCORER`` setting, so the packs are read once and a bad pack fails before the
crawl. Failures pass through unscored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rules.engine import Scorer
from rules.items import Item, PageFailure, record_of
from rules.record import Verdict


@dataclass(frozen=True)
class Scored:
    item: Item
    verdict: Verdict
    capture: Any = None  # a lead's evidence (store.evidence.CaptureRecord), once captured


class ScorePipeline:
    def __init__(self, scorer: Scorer, stats: Any) -> None:
        self.scorer = scorer
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler) -> ScorePipeline:
        scorer = crawler.settings.get("WANGJIAN_SCORER")
        if not isinstance(scorer, Scorer):
            raise ValueError("setting WANGJIAN_SCORER must be a rules.engine.Scorer")
        return cls(scorer, crawler.stats)

    def process_item(self, item: Item | PageFailure) -> Scored | PageFailure:
        if isinstance(item, PageFailure):
            return item
        verdict = self.scorer.score(record_of(item))
        for category in verdict.categories:
            self.stats.inc_value(f"wangjian/leads/{category}")
        return Scored(item, verdict)
