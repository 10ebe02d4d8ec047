"""First pipeline: only well-formed items, each once per sweep, go on; failures are counted.

Items are pydantic models, validated where the spider builds them; validating again here
catches fields changed after construction. An ad slot repeats on every search page it is
shown on, and a listing may be reached from several searches: the first sighting is kept
(``WANGJIAN_DEDUPE``, on by default; a scan answers a URL given twice twice).
A ``PageFailure`` passes on (the store keeps it, a scan reports it) after being counted and
logged with its URL.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from scrapy.exceptions import DropItem

from rules.items import ITEM_TYPES, PageFailure

logger = logging.getLogger(__name__)


class ValidatePipeline:
    def __init__(self, stats: Any, dedupe: bool = True) -> None:
        self.stats = stats
        self.dedupe = dedupe
        self.seen: set[tuple[str, str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler) -> ValidatePipeline:
        return cls(crawler.stats, crawler.settings.getbool("WANGJIAN_DEDUPE", True))

    def process_item(self, item: Any) -> Any:
        if isinstance(item, PageFailure):
            self.stats.inc_value("wangjian/errors")
            self.stats.inc_value(f"wangjian/errors/{item.reason}")
            # Reported in the sweep's or scan's result; the log keeps it for the record.
            logger.info("%s failed (%s): %s", item.url, item.reason, item.message)
            return item
        if not isinstance(item, ITEM_TYPES):
            raise DropItem(f"not a wangjian item: {type(item).__name__}")
        try:
            checked = type(item).model_validate(item.model_dump())
            # The exchange behind the page is evidence, not data: it is not re-validated.
            checked.page.served = item.page.served
            item = checked
        except ValidationError as exc:
            self.stats.inc_value("wangjian/invalid")
            raise DropItem(f"invalid {item.kind}: {exc}") from None
        key = (item.kind, item.platform, item.external_id)
        if self.dedupe and key in self.seen:
            raise DropItem(f"{item.kind} {item.external_id} already seen", log_level="DEBUG")
        self.seen.add(key)
        self.stats.inc_value(f"wangjian/items/{item.kind}")
        return item
