"""The spider's routing without a crawl: what a callback yields for a response."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse
from store_factories import listing_item

from rules.items import ListingItem, PageFailure
from spiders.generic import GenericSpider
from spiders.profile import load_profile
from spiders.render import PLAIN

URL = "http://127.0.0.1:8000/item/L00042"


def rendered(status: int, plain: ListingItem | None) -> HtmlResponse:
    request = Request(URL, meta={"playwright": True, PLAIN: plain})
    return HtmlResponse(
        URL, status=status, body=b"<h1>busy</h1>", request=request, flags=["playwright"]
    )


def test_a_render_answered_with_an_error_keeps_the_plain_page_marked():
    spider = GenericSpider(load_profile("demo"))
    plain = listing_item(price=None)
    kept, failure = list(spider.parse_listing(rendered(503, plain)))
    assert isinstance(kept, ListingItem) and kept.external_id == plain.external_id
    assert kept.incomplete == "浏览器渲染失败：HTTP 503"
    assert (failure.reason, failure.message, failure.url) == ("render", "HTTP 503", URL)


def test_an_error_page_without_a_plain_item_is_an_http_failure():
    spider = GenericSpider(load_profile("demo"))
    (failure,) = list(spider.parse_listing(rendered(503, None)))
    assert isinstance(failure, PageFailure)
    assert (failure.reason, failure.message) == ("http", "HTTP 503")
