"""Scoring pipeline: item → ``rules.record.Record`` → ``Scorer.score`` → verdict attached.

The scorer is compiled once per sweep, in ``from_crawler``. Items leave this pipeline as
``Scored(item, verdict)`` for the store pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rules.engine import Scorer
from rules.loader import load_packs
from rules.record import Verdict
from spiders.items import Item
from store.records import record_of

__all__ = ["ScorePipeline", "Scored", "record_of"]


@dataclass(frozen=True)
class Scored:
    item: Item
    verdict: Verdict


class ScorePipeline:
    def __init__(self, packset: Any, stats: Any) -> None:
        self.scorer = Scorer(packset)
        self.versions = packset.versions()
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler) -> ScorePipeline:
        packs_dir = crawler.settings.get("WANGJIAN_PACKS_DIR")
        packset = load_packs(Path(packs_dir) if packs_dir else None)
        return cls(packset, crawler.stats)

    def open_spider(self) -> None:
        # Read by the store pipeline (opened after this one) for the sweep row.
        self.stats.set_value("wangjian/pack_versions", self.versions)

    def process_item(self, item: Item) -> Scored:
        verdict = self.scorer.score(record_of(item))
        for category in verdict.categories:
            self.stats.inc_value(f"wangjian/leads/{category}")
        return Scored(item, verdict)
