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
from rules.record import Record, Verdict
from spiders.items import AdItem, Item, ListingItem, ShopItem


@dataclass(frozen=True)
class Scored:
    item: Item
    verdict: Verdict


def record_of(item: Item) -> Record:
    """The Record the rule engine reads for one item (docs/contracts.md, "Items and records")."""
    if isinstance(item, ListingItem):
        return Record(
            id=item.external_id,
            kind="listing",
            title=item.title,
            description=item.description,
            category=item.category,
            price=item.price,
            original_price=item.original_price,
        )
    if isinstance(item, ShopItem):
        return Record(
            id=item.external_id,
            kind="shop",
            title=item.name,
            shop_text=item.shop_text,
            category=" ".join(item.categories),
            licence_present=item.licence_present,
            licence_image_only=item.licence_image_only,
            uscc=item.uscc,
            permits=item.permits,
        )
    if isinstance(item, AdItem):
        return Record(
            id=item.external_id, kind="ad", title=item.text, is_ad=True, ad_labelled=item.labelled
        )
    raise TypeError(f"cannot score {type(item).__name__}")


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
