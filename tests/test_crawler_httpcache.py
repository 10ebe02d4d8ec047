"""The sweep's HTTP cache storage on its own: a page kept is read back (before and after its
commit), a 304 writes nothing, a file another process holds locked leaves the crawl without a
cache instead of failing it or setting a healthy file aside. Whole re-sweeps over the cache are
in test_crawler_resweep."""

from __future__ import annotations

import sqlite3
from types import SimpleNamespace

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler import httpcache
from crawler.httpcache import SweepCacheStorage


@pytest.fixture
def spider():
    crawler = get_crawler()
    return SimpleNamespace(name="generic", crawler=crawler, profile=SimpleNamespace(code="demo"))


def storage(tmp_path) -> SweepCacheStorage:
    return SweepCacheStorage(Settings({"HTTPCACHE_DIR": str(tmp_path)}))


def page(url: str, body: bytes = "<p>象牙手镯</p>".encode(), flags=None) -> HtmlResponse:
    headers = {"ETag": '"v1"', "Content-Type": "text/html; charset=utf-8"}
    return HtmlResponse(url, status=200, headers=headers, body=body, flags=flags or [])


def test_a_page_kept_is_read_back_before_and_after_its_commit(tmp_path, spider):
    cache = storage(tmp_path)
    cache.open_spider(spider)
    request = Request("http://127.0.0.1:1/item/L1")
    cache.store_response(spider, request, page(request.url))
    again = cache.retrieve_response(spider, Request(request.url))
    assert again.body == page(request.url).body and again.headers[b"ETag"] == b'"v1"'
    cache.close_spider(spider)

    reopened = storage(tmp_path)
    reopened.open_spider(spider)
    later = reopened.retrieve_response(spider, Request(request.url))
    assert later.status == 200 and later.text == "<p>象牙手镯</p>"
    assert reopened.retrieve_response(spider, Request("http://127.0.0.1:1/item/L2")) is None
    reopened.close_spider(spider)
    assert cache.path == tmp_path / "generic" / "demo.sqlite3"


def test_a_revalidated_page_writes_nothing(tmp_path, spider):
    cache = storage(tmp_path)
    cache.open_spider(spider)
    request = Request("http://127.0.0.1:1/item/L1")
    cache.store_response(spider, request, page(request.url, flags=["cached"]))
    assert cache.retrieve_response(spider, request) is None
    cache.close_spider(spider)


def test_a_locked_file_leaves_the_crawl_without_a_cache(tmp_path, spider, monkeypatch, caplog):
    first = storage(tmp_path)
    first.open_spider(spider)
    first.close_spider(spider)
    holder = sqlite3.connect(first.path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(httpcache, "LOCK_WAIT_S", 0.05)
    try:
        cache = storage(tmp_path)
        cache.open_spider(spider)
        request = Request("http://127.0.0.1:1/item/L1")
        cache.store_response(spider, request, page(request.url))
        assert cache.retrieve_response(spider, request) is None
        cache.close_spider(spider)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "off for this crawl" in caplog.text
    assert first.path.exists() and not list(tmp_path.rglob("*.damaged"))
