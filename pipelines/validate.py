"""First pipeline: only well-formed items, each once per sweep, go on to scoring.

Items are pydantic models, validated where the spider builds them; validating again here
catches fields changed after construction. An ad slot repeats on every search page it is
shown on, and a listing may be reached from several searches: the first sighting is kept.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from scrapy.exceptions import DropItem

from spiders.items import AdItem, ListingItem, ShopItem

ITEM_TYPES = (ListingItem, ShopItem, AdItem)


class ValidatePipeline:
    def __init__(self, stats: Any) -> None:
        self.stats = stats
        self.seen: set[tuple[str, str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler) -> ValidatePipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ITEM_TYPES):
            raise DropItem(f"not a wangjian item: {type(item).__name__}")
        try:
            item = type(item).model_validate(item.model_dump())
        except ValidationError as exc:
            self.stats.inc_value("wangjian/invalid")
            raise DropItem(f"invalid {item.kind}: {exc}") from None
        key = (item.kind, item.platform, item.external_id)
        if key in self.seen:
            raise DropItem(f"{item.kind} {item.external_id} already seen", log_level="DEBUG")
        self.seen.add(key)
        self.stats.inc_value(f"wangjian/items/{item.kind}")
        return item
