"""The frontier stays bounded whatever the size of the catalogue (spiders.frontier), and
renders go through a pool of their own (spiders.render_pool) beside the plain fetches."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy import signals
from scrapy.http import Request
from scrapy.utils.test import get_crawler
from wangjian_process import wangjian_json

from crawler.demo.catalog import PAGE_SIZE, build_catalog
from crawler.demo.server import DemoServer
from crawler.scrapy_settings import build_scrapy_settings
from crawler.settings import Settings
from spiders.profile import load_profile
from spiders.render_pool import RENDER_SLOT, RenderPool

NOTHING = "不存在的词"  # a keyword that finds nothing: the sweep is the browse chain


def swept(size: int, tmp_path) -> dict:
    with DemoServer(build_catalog(seed=7, size=size)) as server:
        return wangjian_json(
            "sweep",
            "demo",
            "--base-url",
            server.url,
            "--keyword",
            NOTHING,
            code=0,
            WANGJIAN_DATA_DIR=str(tmp_path / str(size)),
            WANGJIAN_CAPTURE="false",
        )


@pytest.fixture(scope="module")
def two_sizes(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("frontier")
    return swept(100, tmp), swept(400, tmp)


def test_the_frontier_does_not_grow_with_the_catalogue(two_sizes):
    small, large = two_sizes
    assert (small["listings"], large["listings"]) == (100, 400)
    # Listings and shops found are fetched before the next result page is opened: at most
    # about a result page's worth waits, at 5 result pages as at 20. Pagination running
    # ahead (the scheduler's LIFO order without priorities) left ~170 waiting at 400.
    assert 0 < small["frontier_max"] <= 2 * PAGE_SIZE
    assert 0 < large["frontier_max"] <= 2 * PAGE_SIZE
    assert large["frontier_max"] <= small["frontier_max"] + PAGE_SIZE // 2


class FakeEngine:
    def __init__(self) -> None:
        self.crawled: list[Request] = []

    def crawl(self, request: Request) -> None:
        self.crawled.append(request)


def test_the_pool_lets_a_render_go_only_when_one_has_left_the_downloader():
    crawler = get_crawler()
    crawler.engine = FakeEngine()
    pool = RenderPool(crawler, slots=2, priority=30)
    offered = [Request(f"http://x/item/{i}", meta={"playwright": True}) for i in range(5)]
    now = [pool.offer(r) for r in offered]
    assert [r is not None for r in now] == [True, True, False, False, False]
    assert {r.meta["download_slot"] for r in now if r} == {RENDER_SLOT}
    assert len(pool) == 3 and crawler.stats.get_value("wangjian/render/waiting_max") == 3

    crawler.signals.send_catch_log(signals.request_left_downloader, request=now[0], spider=None)
    assert [r.url for r in crawler.engine.crawled] == ["http://x/item/2"]
    assert crawler.engine.crawled[0].priority == 30  # ahead of the rest of the frontier
    # A request the pool did not let go (a plain page, a retry's copy) frees no slot.
    plain = Request("http://x/item/9")
    crawler.signals.send_catch_log(signals.request_left_downloader, request=plain, spider=None)
    assert len(crawler.engine.crawled) == 1
    # Idle with renders waiting: every slot is free, whatever the count says.
    crawler.signals.send_catch_log(signals.spider_idle, spider=None)
    assert [r.url for r in crawler.engine.crawled][1:] == ["http://x/item/3", "http://x/item/4"]
    assert len(pool) == 0


def test_without_slots_the_pool_holds_nothing_back():
    pool = RenderPool(SimpleNamespace(stats=None, signals=None), slots=0, priority=30)
    assert all(pool.offer(Request(f"http://x/{i}")) is not None for i in range(10))


def test_renders_get_a_download_slot_of_their_own_and_room_beside_the_plain_fetches():
    settings = Settings(concurrency=6, render_concurrency=3, download_delay=0.25)
    built = build_scrapy_settings(settings, load_profile("demo"))
    assert built["DOWNLOAD_SLOTS"][RENDER_SLOT] == {"concurrency": 3, "delay": 0.25}
    assert built["CONCURRENT_REQUESTS_PER_DOMAIN"] == 6
    assert built["CONCURRENT_REQUESTS"] == 9  # renders never take a plain fetch's place
    assert built["PLAYWRIGHT_MAX_PAGES_PER_CONTEXT"] == 3
