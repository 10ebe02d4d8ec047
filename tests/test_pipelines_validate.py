"""The validate pipeline: well-formed items only, each once per sweep."""

from __future__ import annotations

import pytest
from scrapy.exceptions import DropItem
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from pipelines.validate import ValidatePipeline
from rules.items import ListingItem, PageCapture

PAGE = PageCapture.of("http://127.0.0.1/x", 200, b"<html></html>", "utf-8")


def listing(**kw) -> ListingItem:
    fields = dict(platform="demo", url="http://127.0.0.1/item/L1", external_id="L1", title="燕窝")
    return ListingItem(**{**fields, **kw}, page=PAGE)


def make_validate() -> ValidatePipeline:
    crawler = get_crawler()
    return ValidatePipeline(MemoryStatsCollector(crawler))


def test_validate_keeps_the_first_sighting_only():
    pipeline = make_validate()
    assert pipeline.process_item(listing()) == listing()
    with pytest.raises(DropItem):
        pipeline.process_item(listing(title="again"))
    assert pipeline.stats.get_value("wangjian/items/listing") == 1


def test_validate_rejects_fields_broken_after_construction():
    item = listing()
    item.title = ""  # pydantic does not validate assignment
    with pytest.raises(DropItem):
        make_validate().process_item(item)


def test_validate_rejects_other_objects():
    with pytest.raises(DropItem):
        make_validate().process_item({"title": "x"})
