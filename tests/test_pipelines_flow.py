"""The pipelines at their seams: built from a crawler's settings, fed by any spider.

Each stage is built with Scrapy's ``get_crawler`` + ``build_from_crawler`` from nothing but
settings, and driven with items as a spider would yield them, without a crawl: a spider of
another kind than ours, and no stats key that one stage sets for another.
"""

from __future__ import annotations

import asyncio

import pytest
import scrapy
from scrapy.exceptions import DropItem
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from sqlalchemy import select
from store_factories import BAD_USCC, listing_item, shop_item

from pipelines.score import Scored, ScorePipeline
from pipelines.store import StorePipeline
from pipelines.validate import ValidatePipeline
from rules.engine import Scorer
from rules.items import PageFailure
from store.db import session_scope
from store.leads import list_leads
from store.models import Sweep, SweepKind

SCORER = Scorer.load()


class SomeoneElsesSpider(scrapy.Spider):
    """Not ours: the pipelines must not need anything of the spider."""

    name = "someone_else"


def settings(db_url: str | None = None) -> dict:
    built = {
        "WANGJIAN_SCORER": SCORER,
        "WANGJIAN_SWEEP": {
            "platform": "demo",
            "platform_name": "演示商城",
            "base_url": "http://127.0.0.1:8000",
            "profile": "demo",
            "pack_versions": SCORER.packset.versions(),
            "kind": "scan",
        },
    }
    if db_url:
        built["WANGJIAN_DATABASE_URL"] = db_url
    return built


def stages(db_url: str | None = None):
    crawler = get_crawler(SomeoneElsesSpider, settings(db_url))
    classes = (ValidatePipeline, ScorePipeline) + ((StorePipeline,) if db_url else ())
    return crawler, [build_from_crawler(cls, crawler) for cls in classes]


async def flow(pipelines, item):
    """One item through the stages, as Scrapy's item processor passes it on."""
    for pipeline in pipelines:
        result = pipeline.process_item(item)
        item = await result if asyncio.iscoroutine(result) else result
    return item


def test_validate_and_score_need_only_settings():
    crawler, (validate, score) = stages()
    violating = listing_item(title="野生穿山甲片 正品保真")
    scored = asyncio.run(flow([validate, score], violating))
    assert isinstance(scored, Scored) and scored.item == violating
    assert "wildlife" in scored.verdict.categories
    assert crawler.stats.get_value("wangjian/leads/wildlife") == 1
    with pytest.raises(DropItem):
        validate.process_item(violating)  # the second sighting of one listing


def test_a_failure_passes_every_stage_counted_and_unscored():
    crawler, pipelines = stages()
    failure = PageFailure(url="http://127.0.0.1:1/x", reason="fetch", message="connection refused")
    assert asyncio.run(flow(pipelines, failure)) is failure
    stats = crawler.stats.get_stats()
    assert (stats["wangjian/errors"], stats["wangjian/errors/fetch"]) == (1, 1)


def test_score_without_a_scorer_fails_loudly():
    crawler = get_crawler(SomeoneElsesSpider, {"WANGJIAN_SCORER": None})
    with pytest.raises(ValueError, match="WANGJIAN_SCORER"):
        build_from_crawler(ScorePipeline, crawler)


def test_store_writes_the_sweep_row_items_leads_and_failures(db_engine):
    db_url = db_engine.url.render_as_string(hide_password=False)
    crawler, pipelines = stages(db_url)
    store = pipelines[-1]
    store.open_spider()
    failure = PageFailure(url="http://127.0.0.1:8000/item/X", reason="http", message="HTTP 503")

    async def run():
        await flow(pipelines, listing_item(title="野生穿山甲片 正品保真"))
        await flow(pipelines, shop_item(uscc=BAD_USCC))
        await flow(pipelines, failure)

    asyncio.run(run())
    crawler.stats.set_value("downloader/response_status_count/200", 2)  # pages answered
    store.spider_closed(None, "finished")
    with session_scope(db_engine) as s:
        sweep = s.scalars(select(Sweep)).one()
        assert (sweep.kind, sweep.status, sweep.profile) == (SweepKind.scan, "finished", "demo")
        assert sweep.pack_versions == SCORER.packset.versions()
        assert sweep.stats["failures"] == [failure.summary()]
        leads = {(row.kind, row.category) for row in list_leads(s)}
    assert leads == {("listing", "wildlife"), ("shop", "license_display")}
    assert crawler.stats.get_value("wangjian/stored/listing") == 1
